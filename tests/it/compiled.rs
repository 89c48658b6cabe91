//! The compiled twins of the built-in templates (release.html, releases.html, modification.html,
//! modifications.html, document.html, feed.xml, sitemap.xml and the base.html around them) write
//! the same bytes as Tera. Each site is built twice: as it is, which uses the twins, and with those
//! templates copied into its templates/ with a Tera comment added (the same template to Tera, but
//! changed, so Tera renders it).

use std::collections::BTreeMap;
use std::path::Path;

use crate::corpus::corpus;
use crate::harness::{AS_OF, Output, Site, manifest_dir, path_arg};

/// The built-in templates that have a compiled twin, and the template they extend.
const TWINNED: [&str; 8] = [
    "base.html",
    "release.html",
    "releases.html",
    "modification.html",
    "modifications.html",
    "document.html",
    "feed.xml",
    "sitemap.xml",
];

/// Builds `site` into `out` with `args`, requiring success.
fn build_into(site: &Site, out: &Path, args: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let out_arg = path_arg(out);
    let mut all = vec!["--output", out_arg.as_str()];
    all.extend_from_slice(args);
    site.build(&all).assert_code(0);
    Output::at(out.to_path_buf()).snapshot()
}

/// Fails unless building `site` with the twins and through Tera gives the same files.
fn assert_twins_match_tera(site: &Site, args: &[&str]) {
    let twins = build_into(site, &site.tmp().join("twins"), args);
    let originals: Vec<Option<String>> = TWINNED
        .iter()
        .map(|name| std::fs::read_to_string(site.root.join("templates").join(name)).ok())
        .collect();
    for name in TWINNED {
        let builtin = std::fs::read_to_string(manifest_dir().join("templates").join(name))
            .expect("read a built-in template");
        site.write(
            &format!("templates/{name}"),
            &format!("{builtin}{{# rendered by Tera #}}"),
        );
    }
    let tera = build_into(site, &site.tmp().join("tera"), args);
    for (name, original) in TWINNED.iter().zip(originals) {
        match original {
            Some(text) => site.write(&format!("templates/{name}"), &text),
            None => site.remove(&format!("templates/{name}")),
        }
    }
    assert_eq!(
        twins.keys().collect::<Vec<_>>(),
        tera.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let mut compared = 0;
    for (path, bytes) in &twins {
        if bytes != &tera[path] {
            let (ours, theirs) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&tera[path]),
            );
            let at = ours
                .bytes()
                .zip(theirs.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            let from = at.saturating_sub(120);
            panic!(
                "{path} differs at byte {at}:\ncompiled: {:?}\nTera:     {:?}",
                &ours[ours.floor_char_boundary(from)..ours.floor_char_boundary(at + 120)],
                &theirs[theirs.floor_char_boundary(from)..theirs.floor_char_boundary(at + 120)]
            );
        }
        compared += 1;
    }
    assert!(
        twins.keys().any(|p| p.ends_with("feed.xml"))
            && twins.contains_key("sitemap.xml")
            && twins
                .keys()
                .any(|p| p.starts_with("documents/") && p.ends_with("index.html")),
        "the site has feeds and document pages"
    );
    assert!(compared > 10, "{compared} files compared");
}

#[test]
fn the_twins_render_the_fixture_sites_as_tera_does() {
    for case in ["every-kind", "log-order", "warnings"] {
        let site = Site::fixture(case);
        assert_twins_match_tera(&site, &["--as-of", AS_OF]);
    }
}

#[test]
fn the_twins_render_the_default_site_as_tera_does_under_any_base_url() {
    let site = Site::default_site();
    // A notice and a modification page whose text needs escaping everywhere it is shown.
    site.write(
        "content/releases/2020-12-24-odd-characters.md",
        r#"---
title: "Fish & \"chips\" <b>bold</b> it's"
date: 2020-12-24
kind: ad-hoc-release
effective: 2021-03-01
release: "Ad-hoc <Release> & co"
sec_version: "9.9"
summary: "A summary with <tags> & 'quotes'"
modifications:
  - id: MP777
    title: "Seven <seven> & seven"
    part: 2
documents:
  - id: section-a
    version: "99.1"
---
Text with <em>inline HTML</em> & an ampersand; MP777 is named here.
"#,
    );
    site.write(
        "content/modifications/mp777.md",
        r#"---
id: MP777
title: "Seven <seven> & seven"
status: "Modification Report & Consultation"
route: "Path <A>"
proposer: "O'Brien & Sons"
raised: 2020-01-02
aliases: [SECMP0777]
related: [MP080, MP9999]
---
About "MP777" & <its> purpose.
"#,
    );
    assert_twins_match_tera(&site, &["--as-of", "2021-01-31"]);
    assert_twins_match_tera(
        &site,
        &[
            "--as-of",
            "2026-11-29",
            "--base-url",
            "https://example.org/a&b/sec/",
        ],
    );
}

#[test]
fn the_twins_render_a_generated_corpus_as_tera_does() {
    let site = corpus(300, 13);
    assert_twins_match_tera(&site, &["--as-of", "2026-11-29"]);
}

#[test]
fn the_twins_render_an_empty_site_as_tera_does() {
    // `secsite init`'s site without its example notice: no notice, modification or change.
    let site = Site::empty("bare");
    site.run(&["init", &site.root_arg()]).assert_code(0);
    for entry in std::fs::read_dir(site.root.join("content/releases")).expect("releases") {
        std::fs::remove_file(entry.expect("an entry").path()).expect("remove the example");
    }
    assert_twins_match_tera(&site, &["--as-of", AS_OF]);
}
