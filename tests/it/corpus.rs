//! The benchmark corpus (examples/gen_corpus.rs) as a site: it builds and checks without a
//! diagnostic, the build written to a folder (notice pages a window at a time) equals the build
//! held in memory file for file, and incremental rebuilds after edits equal full builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use secsite::render::RenderedSite;
use secsite::site::{BuildFailure, BuildOptions, SiteBuilder, build_site};

use crate::harness::{Output, Site, path_arg};

/// Enough notices for many windows of the folder build on any number of threads.
const NOTICES: usize = 700;

/// The corpus generator, built by `cargo test` beside the test binary (or built here when only
/// this test target was compiled).
fn generator() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let generator = profile_dir
        .join("examples")
        .join(format!("gen_corpus{}", std::env::consts::EXE_SUFFIX));
    if !generator.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(cargo)
            .args(["build", "--example", "gen_corpus"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build --example gen_corpus");
        assert!(status.success(), "cargo build --example gen_corpus failed");
    }
    generator
}

/// A fresh corpus of `notices` notices from `seed`.
pub(crate) fn corpus(notices: usize, seed: u64) -> Site {
    let site = Site::empty("corpus");
    // The generator replaces only a folder it made: give it one that does not exist yet.
    std::fs::remove_dir(&site.root).expect("remove the empty site folder");
    let output = Command::new(generator())
        .args([
            "--notices",
            &notices.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg("--out")
        .arg(&site.root)
        .output()
        .expect("run gen_corpus");
    assert!(
        output.status.success(),
        "gen_corpus failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    site
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        base_url: None,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date"),
        drafts: false,
    }
}

fn built(result: Result<secsite::site::Build, BuildFailure>) -> secsite::site::Build {
    match result {
        Ok(build) => build,
        Err(BuildFailure::Content(d)) => panic!("the build failed: {:?}", d.sorted()),
        Err(BuildFailure::Environment(e)) => panic!("the build failed: {e:#}"),
    }
}

#[test]
fn the_corpus_builds_and_checks_clean_and_the_folder_equals_the_memory_build() {
    let site = corpus(NOTICES, 11);
    let out = site.tmp().join("out");
    let run = site.build(&["--output", &path_arg(&out), "--as-of", "2026-11-29"]);
    run.assert_code(0);
    assert_eq!(
        run.stderr, "",
        "a generated corpus builds without a diagnostic"
    );
    let check = site.check(&["--as-of", "2026-11-29"]);
    check.assert_code(0);
    assert_eq!(
        check.stderr, "",
        "a generated corpus checks without a diagnostic"
    );

    let written = Output::at(out).snapshot();
    assert!(
        written
            .keys()
            .filter(|p| p.starts_with("releases/") && p.ends_with("/index.html"))
            .count()
            > NOTICES,
        "every notice page and the listings"
    );
    let memory = built(build_site(&options(&site.root))).site;
    assert_same_files(
        written.iter().map(|(path, bytes)| (path, bytes.as_slice())),
        &memory,
        "the folder build against the memory build",
    );
}

/// Fails unless `files` (path and bytes, sorted by path) are exactly the files of `expected`.
fn assert_same_files<'a>(
    files: impl Iterator<Item = (&'a String, &'a [u8])>,
    expected: &RenderedSite,
    what: &str,
) {
    let files: Vec<(&String, &[u8])> = files.collect();
    let paths: Vec<&String> = files.iter().map(|(path, _)| *path).collect();
    let expected_paths: Vec<&String> = expected.files.keys().collect();
    assert_eq!(paths, expected_paths, "{what}: the same files");
    for (path, bytes) in files {
        assert!(expected.files[path] == *bytes, "{what}: {path} differs");
    }
}

/// A change to a notice's text: the new text, or `None` to delete the file.
type Edit = dyn Fn(&str) -> Option<String>;

#[test]
fn incremental_rebuilds_of_the_corpus_equal_full_builds() {
    let site = corpus(NOTICES, 12);
    let mut builder = SiteBuilder::new(options(&site.root));
    built(builder.build_all());
    let mut notices: Vec<PathBuf> = std::fs::read_dir(site.root.join("content/releases"))
        .expect("the corpus has notices")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    notices.sort();
    let relative = |path: &Path| {
        path.strip_prefix(&site.root)
            .expect("under the root")
            .to_path_buf()
    };
    let body_edit = &notices[NOTICES / 2];
    let title_edit = &notices[NOTICES / 3];
    let removed = &notices[NOTICES - 5];
    let steps: [(&str, &Path, Box<Edit>); 4] = [
        (
            "a body edit",
            body_edit,
            Box::new(|text: &str| Some(format!("{text}\nA new closing paragraph.\n"))),
        ),
        (
            "a title edit",
            title_edit,
            Box::new(|text: &str| Some(text.replacen("title: ", "title: Revised ", 1))),
        ),
        // The data files are now in pieces, some of them the last build's: they are remade
        // from those pieces again.
        (
            "another title edit",
            title_edit,
            Box::new(|text: &str| Some(text.replacen("title: ", "title: Again ", 1))),
        ),
        ("a deleted notice", removed, Box::new(|_: &str| None)),
    ];
    for (step, path, edit) in steps {
        let text = std::fs::read_to_string(path).expect("read the notice");
        match edit(&text) {
            Some(new_text) => std::fs::write(path, new_text).expect("write the notice"),
            None => std::fs::remove_file(path).expect("remove the notice"),
        }
        let incremental = built(builder.build_changed(&[relative(path)]));
        assert!(
            incremental.rendered < incremental.files,
            "{step}: only the pages the change touches are rendered again"
        );
        let full = built(build_site(&options(&site.root))).site;
        let files: Vec<(&String, Vec<u8>)> = incremental
            .site
            .files
            .iter()
            .map(|(path, bytes)| (path, bytes.to_vec()))
            .collect();
        assert_same_files(
            files.iter().map(|(path, bytes)| (*path, bytes.as_slice())),
            &full,
            &format!("{step}, incremental against full"),
        );
    }
}
