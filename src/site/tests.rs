//! The incremental builder must give exactly what a fresh full build gives, after every kind of
//! change an editor makes.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

const CONFIG: &str = "title: Test site\nbase_url: https://example.org/sec/\npage_size: 2\n";

const DOCUMENTS: &str = "\
- id: section-a
  kind: section
  ref: A
  title: Definitions
- id: appendix-ab
  kind: appendix
  ref: AB
  title: Service Requests
";

fn notice(
    title: &str,
    date: &str,
    modifications: &[(&str, &str)],
    documents: &[(&str, &str)],
    body: &str,
) -> String {
    let mut text = format!("---\ntitle: \"{title}\"\ndate: {date}\nkind: scheduled-release\n");
    if !modifications.is_empty() {
        text.push_str("modifications:\n");
        for (id, title) in modifications {
            text.push_str(&format!("  - id: {id}\n    title: \"{title}\"\n"));
        }
    }
    if !documents.is_empty() {
        text.push_str("documents:\n");
        for (id, version) in documents {
            text.push_str(&format!("  - id: {id}\n    version: \"{version}\"\n"));
        }
    }
    text.push_str("---\n");
    text.push_str(body);
    text
}

fn write(root: &Path, path: &str, text: &str) -> PathBuf {
    let full = root.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(&full, text).unwrap();
    PathBuf::from(path)
}

/// Notice B of the rebuild tests, which most of their edits rewrite: its title, the title it
/// gives MP002, its version of Section A and its body.
fn b_text(title: &str, mp002: &str, version: &str, body: &str) -> String {
    notice(
        title,
        "2020-02-01",
        &[("MP002", mp002)],
        &[("section-a", version)],
        body,
    )
}

/// Writes notice B (see `b_text`).
fn write_b(root: &Path, title: &str, mp002: &str, version: &str, body: &str) -> PathBuf {
    write(
        root,
        "content/releases/b.md",
        &b_text(title, mp002, version, body),
    )
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        root: root.to_path_buf(),
        base_url: None,
        as_of: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
        drafts: false,
    }
}

fn full_build(root: &Path) -> Arc<RenderedSite> {
    match build_site(&options(root)) {
        Ok(build) => build.site,
        Err(BuildFailure::Content(d)) => panic!("full build failed: {:?}", d.sorted()),
        Err(BuildFailure::Environment(e)) => panic!("full build failed: {e:#}"),
    }
}

fn assert_same(incremental: &RenderedSite, full: &RenderedSite, step: &str) {
    let left: Vec<&String> = incremental.files.keys().collect();
    let right: Vec<&String> = full.files.keys().collect();
    assert_eq!(left, right, "{step}: the incremental build has other files");
    for (path, bytes) in &full.files {
        assert!(
            incremental.files[path] == *bytes,
            "{step}: {path} differs from the full build:\n--- incremental\n{}\n--- full\n{}",
            String::from_utf8_lossy(&incremental.files[path].contiguous()),
            String::from_utf8_lossy(&bytes.contiguous())
        );
    }
}

#[test]
fn every_rebuild_equals_a_full_build() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    write(
        root,
        "content/releases/a.md",
        &notice(
            "A",
            "2020-01-01",
            &[("MP001", "One")],
            &[("section-a", "1.0")],
            "About MP002.\n",
        ),
    );
    write_b(root, "B", "Two", "1.1", "Text.\n");
    write(
        root,
        "content/releases/c.md",
        &notice(
            "C",
            "2020-03-01",
            &[("MP001", "One")],
            &[("appendix-ab", "2.0")],
            "See [log](/documents/).\n",
        ),
    );
    write(
        root,
        "content/releases/d.md",
        &notice(
            "D",
            "2020-04-01",
            &[],
            &[("appendix-ab", "2.1")],
            "Nothing new.\n",
        ),
    );
    write(
        root,
        "content/releases/e.md",
        &notice(
            "E",
            "2021-06-01",
            &[("MP003", "Three")],
            &[("section-a", "2.0")],
            "Future.\n",
        ),
    );

    let mut builder = SiteBuilder::new(options(root));
    let first = builder.build_all().expect("the first build succeeds");
    assert_same(&first.site, &full_build(root), "first build");

    type Edit = Box<dyn Fn(&Path) -> Vec<PathBuf>>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "edit a body",
            Box::new(|r| vec![write_b(r, "B", "Two", "1.1", "Changed text.\n")]),
        ),
        (
            "change a title",
            Box::new(|r| vec![write_b(r, "B renamed", "Two", "1.1", "Changed text.\n")]),
        ),
        (
            "a body starts naming a modification its notice does not list",
            Box::new(|r| {
                vec![write_b(
                    r,
                    "B renamed",
                    "Two",
                    "1.1",
                    "Changed text, after MP001.\n",
                )]
            }),
        ),
        (
            "the body stops naming it and a summary is written",
            Box::new(|r| {
                let text = b_text("B renamed", "Two", "1.1", "Changed text.\n");
                let text = text.replacen("date:", "summary: \"B in short.\"\ndate:", 1);
                vec![write(r, "content/releases/b.md", &text)]
            }),
        ),
        (
            "change a modification title",
            Box::new(|r| {
                vec![write_b(
                    r,
                    "B renamed",
                    "Two, retitled",
                    "1.1",
                    "Changed text.\n",
                )]
            }),
        ),
        (
            "move a notice in time",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/d.md",
                    &notice(
                        "D",
                        "2019-12-01",
                        &[],
                        &[("appendix-ab", "1.9")],
                        "Nothing new.\n",
                    ),
                )]
            }),
        ),
        (
            "change only a version",
            Box::new(|r| {
                vec![write_b(
                    r,
                    "B renamed",
                    "Two, retitled",
                    "1.2",
                    "Changed text.\n",
                )]
            }),
        ),
        (
            "change the first paragraph (the summary)",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/c.md",
                    &notice(
                        "C",
                        "2020-03-01",
                        &[("MP001", "One")],
                        &[("appendix-ab", "2.0")],
                        "A new first paragraph.\n\nSee [log](/documents/).\n",
                    ),
                )]
            }),
        ),
        (
            "change a later paragraph only",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/c.md",
                    &notice(
                        "C",
                        "2020-03-01",
                        &[("MP001", "One")],
                        &[("appendix-ab", "2.0")],
                        "A new first paragraph.\n\nSee [the log](/documents/) and MP002.\n",
                    ),
                )]
            }),
        ),
        (
            "make a release upcoming",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/d.md",
                    &notice(
                        "D",
                        "2019-12-01",
                        &[],
                        &[("appendix-ab", "2.5")],
                        "Nothing new.\n",
                    )
                    .replace(
                        "kind: scheduled-release",
                        "kind: scheduled-release\neffective: 2021-03-01",
                    ),
                )]
            }),
        ),
        (
            "a modification status",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/a.md",
                    &notice(
                        "A",
                        "2020-01-01",
                        &[("MP001", "One")],
                        &[("section-a", "1.0")],
                        "About MP002.\n",
                    )
                    .replace(
                        "    title: \"One\"",
                        "    title: \"One\"\n    status: Withdrawn",
                    ),
                )]
            }),
        ),
        (
            "add a notice",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/f.md",
                    &notice(
                        "F",
                        "2020-05-01",
                        &[("MP004", "Four")],
                        &[("section-a", "1.5")],
                        "Mentions MP001 and MP003.\n",
                    ),
                )]
            }),
        ),
        (
            "delete a notice",
            Box::new(|r| {
                fs::remove_file(r.join("content/releases/c.md")).unwrap();
                vec![PathBuf::from("content/releases/c.md")]
            }),
        ),
        (
            "rename a notice",
            Box::new(|r| {
                fs::rename(
                    r.join("content/releases/a.md"),
                    r.join("content/releases/a2.md"),
                )
                .unwrap();
                vec![
                    PathBuf::from("content/releases/a.md"),
                    PathBuf::from("content/releases/a2.md"),
                ]
            }),
        ),
        (
            "add a modification page with an alias",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/modifications/mp002.md",
                    "---\nid: MP002\ntitle: Two from its page\nstatus: Implemented\naliases: [SECMP0002]\nrelated: [MP009]\n---\nIt relates to MP001.\n",
                )]
            }),
        ),
        (
            "a body starts naming the alias",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/e.md",
                    &notice(
                        "E",
                        "2021-06-01",
                        &[("MP003", "Three")],
                        &[("section-a", "2.0")],
                        "Future, after SECMP0002 and MP009.\n",
                    ),
                )]
            }),
        ),
        (
            "a new modification that is related",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/g.md",
                    &notice("G", "2020-06-01", &[("MP009", "Nine")], &[], "Nine.\n"),
                )]
            }),
        ),
        (
            "a free page",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/pages/about.md",
                    "---\ntitle: About\n---\nAbout MP001.\n",
                )]
            }),
        ),
        (
            "a document registry change",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/documents.yaml",
                    &DOCUMENTS.replace("Definitions", "Definitions and Interpretation"),
                )]
            }),
        ),
        (
            "a template override",
            Box::new(|r| {
                vec![write(
                    r,
                    "templates/page.html",
                    "{% extends \"builtin/page.html\" %}{% block title %}Page: {{ page.title }}{% endblock title %}",
                )]
            }),
        ),
        (
            "a static file",
            Box::new(|r| vec![write(r, "static/extra.css", "body { color: black; }")]),
        ),
        (
            "a folder of notices",
            Box::new(|r| {
                write(
                    r,
                    "content/releases/2022/h.md",
                    &notice(
                        "H",
                        "2020-07-01",
                        &[("MP001", "One")],
                        &[],
                        "Year folder.\n",
                    ),
                );
                vec![PathBuf::from("content/releases/2022")]
            }),
        ),
        (
            "delete the folder",
            Box::new(|r| {
                fs::remove_dir_all(r.join("content/releases/2022")).unwrap();
                vec![PathBuf::from("content/releases/2022")]
            }),
        ),
        (
            "change the configuration",
            Box::new(|r| {
                vec![write(
                    r,
                    "secsite.yaml",
                    &CONFIG.replace("page_size: 2", "page_size: 3"),
                )]
            }),
        ),
        (
            // Bodies with root-relative links and modification ids render under the base path:
            // none of the last build's renderings may be kept.
            "change the base URL",
            Box::new(|r| {
                vec![write(
                    r,
                    "secsite.yaml",
                    &CONFIG
                        .replace("page_size: 2", "page_size: 3")
                        .replace("/sec/", "/other/"),
                )]
            }),
        ),
        (
            "edit after everything",
            Box::new(|r| {
                vec![write(
                    r,
                    "content/releases/e.md",
                    &notice(
                        "E",
                        "2021-06-01",
                        &[("MP003", "Three")],
                        &[("section-a", "2.0")],
                        "Future, again.\n",
                    ),
                )]
            }),
        ),
    ];
    for (step, edit) in edits {
        let changed = edit(root);
        let build = builder
            .build_changed(&changed)
            .unwrap_or_else(|e| panic!("{step}: the rebuild failed: {e:?}"));
        assert_same(&build.site, &full_build(root), step);
        assert_feeds_follow_their_pages(&build.rendered_paths, step);
    }
}

/// A modification's or a document's feed is rendered exactly when its page is.
fn assert_feeds_follow_their_pages(rendered: &[String], step: &str) {
    let set: std::collections::BTreeSet<&str> = rendered.iter().map(String::as_str).collect();
    for path in &set {
        for section in ["modifications/", "documents/"] {
            let Some(rest) = path.strip_prefix(section) else {
                continue;
            };
            let partner = if let Some(id) = rest.strip_suffix("/index.html") {
                format!("{section}{id}/feed.xml")
            } else if let Some(id) = rest.strip_suffix("/feed.xml") {
                format!("{section}{id}/index.html")
            } else {
                continue;
            };
            assert!(
                set.contains(partner.as_str()),
                "{step}: {path} was rendered without {partner}"
            );
        }
    }
}

#[test]
fn feeds_and_exports_are_rendered_again_only_when_what_they_show_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    write(
        root,
        "content/releases/a.md",
        &notice(
            "A",
            "2020-01-01",
            &[("MP001", "One")],
            &[("section-a", "1.0")],
            "First.\n\nSecond.\n",
        ),
    );
    write(
        root,
        "content/modifications/mp001.md",
        "---\nid: MP001\ntitle: One\n---\nAbout it.\n",
    );
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();
    let whole_model = [
        "search/index.json",
        "documents/history.json",
        "api/releases.json",
        "api/modifications.json",
        "api/documents.json",
        "calendar.ics",
    ];

    // A later paragraph shows only on the notice's page and in the site's feed.
    let changed = write(
        root,
        "content/releases/a.md",
        &notice(
            "A",
            "2020-01-01",
            &[("MP001", "One")],
            &[("section-a", "1.0")],
            "First.\n\nSecond, edited.\n",
        ),
    );
    let build = builder.build_changed(&[changed]).unwrap();
    assert_same(&build.site, &full_build(root), "a later paragraph");
    for path in whole_model {
        assert!(
            !build.rendered_paths.iter().any(|p| p == path),
            "{path} was rendered again for a later paragraph: {:?}",
            build.rendered_paths
        );
    }
    assert!(
        !build
            .rendered_paths
            .iter()
            .any(|p| p.ends_with("/feed.xml")),
        "{:?}",
        build.rendered_paths
    );

    // A modification page's status shows on its page and in the exports: both are rendered
    // again, and its feed with its page.
    let changed = write(
        root,
        "content/modifications/mp001.md",
        "---\nid: MP001\ntitle: One\nstatus: Withdrawn\n---\nAbout it.\n",
    );
    let build = builder.build_changed(&[changed]).unwrap();
    assert_same(&build.site, &full_build(root), "a modification's status");
    for path in whole_model.iter().copied().chain([
        "modifications/mp001/index.html",
        "modifications/mp001/feed.xml",
    ]) {
        assert!(
            build.rendered_paths.iter().any(|p| p == path),
            "{path} was not rendered again: {:?}",
            build.rendered_paths
        );
    }
    assert_feeds_follow_their_pages(&build.rendered_paths, "a modification's status");

    // A new version changes the document's page, its feed, the log and the exports.
    let changed = write(
        root,
        "content/releases/a.md",
        &notice(
            "A",
            "2020-01-01",
            &[("MP001", "One")],
            &[("section-a", "1.1")],
            "First.\n\nSecond, edited.\n",
        ),
    );
    let build = builder.build_changed(&[changed]).unwrap();
    assert_same(&build.site, &full_build(root), "a version");
    for path in whole_model.iter().copied().chain([
        "documents/section-a/index.html",
        "documents/section-a/feed.xml",
    ]) {
        assert!(
            build.rendered_paths.iter().any(|p| p == path),
            "{path} was not rendered again: {:?}",
            build.rendered_paths
        );
    }
}

#[test]
fn an_edit_renders_only_the_pages_it_touches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    for i in 0..20 {
        let date = format!("2020-01-{:02}", i + 1);
        let id = format!("MP{i:03}");
        write(
            root,
            &format!("content/releases/n{i}.md"),
            &notice(&format!("N{i}"), &date, &[(&id, "T")], &[], "Body.\n"),
        );
    }
    let mut builder = SiteBuilder::new(options(root));
    let first = builder.build_all().unwrap();
    let changed = write(
        root,
        "content/releases/n10.md",
        &notice("N10", "2020-01-11", &[("MP010", "T")], &[], "New body.\n"),
    );
    let second = builder.build_changed(&[changed]).unwrap();
    assert!(
        second.rendered < first.rendered / 2,
        "rendered {} of {}",
        second.rendered,
        first.rendered
    );
    assert_same(&second.site, &full_build(root), "one edit");
}

#[test]
fn a_title_edit_copies_the_data_files_records_of_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    let notice_of = |i: usize, title: &str, date: &str, body: &str| {
        let id = format!("MP{:03}", i % 4);
        let version = format!("1.{i}");
        let document = if i.is_multiple_of(2) {
            "section-a"
        } else {
            "appendix-ab"
        };
        notice(title, date, &[(&id, "T")], &[(document, &version)], body)
    };
    for i in 0..12 {
        write(
            root,
            &format!("content/releases/n{i:02}.md"),
            &notice_of(
                i,
                &format!("N{i}"),
                &format!("2020-01-{:02}", i + 1),
                "Body.\n",
            ),
        );
    }
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();

    // (file, new text, whether the data files' records can be copied)
    let edits = [
        // A title shows in every data file: only this notice's records and those of its
        // modification and document are made again.
        (
            "n05",
            notice_of(5, "N5 & retitled", "2020-01-06", "Body.\n"),
            true,
        ),
        // A new first paragraph is a new summary.
        (
            "n07",
            notice_of(7, "N7", "2020-01-08", "A new <summary>.\n"),
            true,
        ),
        // A mention makes the notice appear on another modification's page and record.
        (
            "n08",
            notice_of(8, "N8", "2020-01-09", "Body about MP001.\n"),
            true,
        ),
        // A new date moves the notice in the log and the calendar: everything is made again.
        ("n03", notice_of(3, "N3", "2020-01-02", "Body.\n"), false),
    ];
    for (file, text, copies) in edits {
        let changed = write(root, &format!("content/releases/{file}.md"), &text);
        let build = builder.build_changed(&[changed]).unwrap();
        let step = format!("edit of {file}");
        assert_same(&build.site, &full_build(root), &step);
        if copies {
            // Twelve notices, four modifications and two documents appear in six files; an
            // edit of one notice leaves most of their records as they were.
            assert!(
                build.copied_records >= 40,
                "{step}: copied {} records",
                build.copied_records
            );
        } else {
            assert_eq!(build.copied_records, 0, "{step}");
        }
    }
}

#[test]
fn the_modification_index_is_rendered_again_for_a_title_only_when_it_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    let released = |title: &str| {
        notice(title, "2020-01-01", &[("MP001", "One")], &[], "Body.\n").replacen(
            "kind:",
            "release: January 2020 SEC Release\nkind:",
            1,
        )
    };
    write(root, "content/releases/a.md", &released("A"));
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();
    let index = "modifications/index.html".to_string();

    // The built-in index labels the notice by its release: a new title does not show there.
    let changed = write(root, "content/releases/a.md", &released("A, retitled"));
    let build = builder.build_changed(&[changed]).unwrap();
    assert_same(&build.site, &full_build(root), "title edit");
    assert!(
        !build.rendered_paths.contains(&index),
        "{:?}",
        build.rendered_paths
    );

    // A site's own index may show the title: it is rendered again.
    let template = write(
        root,
        "templates/modifications.html",
        "{% for m in modifications %}{% for n in m.implemented_by %}{{ n.title }}\n{% endfor %}{% endfor %}",
    );
    builder.build_changed(&[template]).unwrap();
    let changed = write(root, "content/releases/a.md", &released("A, again"));
    let build = builder.build_changed(&[changed]).unwrap();
    assert_same(
        &build.site,
        &full_build(root),
        "title edit with a site's index",
    );
    assert!(
        build.rendered_paths.contains(&index),
        "{:?}",
        build.rendered_paths
    );
    assert!(String::from_utf8_lossy(&build.site.files[&index].contiguous()).contains("A, again"));
}

#[test]
fn a_failed_rebuild_keeps_the_last_good_site_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(
        root,
        "content/releases/a.md",
        &notice("A", "2020-01-01", &[], &[], "Body.\n"),
    );
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();
    let broken = write(root, "content/releases/a.md", "---\ntitle: [\n---\n");
    match builder.build_changed(std::slice::from_ref(&broken)) {
        Err(BuildFailure::Content(d)) => assert!(d.has_errors()),
        other => panic!("expected a content failure, got {other:?}"),
    }
    assert!(builder.last_site().is_some());
    write(
        root,
        "content/releases/a.md",
        &notice("A fixed", "2020-01-01", &[], &[], "Body.\n"),
    );
    let build = builder.build_changed(&[broken]).unwrap();
    assert_same(&build.site, &full_build(root), "after the fix");
}

#[test]
fn a_template_change_in_a_failed_build_still_reaches_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(
        root,
        "content/releases/a.md",
        &notice("A", "2020-01-01", &[], &[], "Body.\n"),
    );
    write(
        root,
        "content/releases/b.md",
        &notice("B", "2020-01-02", &[], &[], "Body.\n"),
    );
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();
    let template = write(
        root,
        "templates/release.html",
        "{% extends \"builtin/release.html\" %}{% block title %}T: {{ notice.title }}{% endblock title %}",
    );
    let broken = write(root, "content/releases/a.md", "---\ntitle: [\n---\n");
    assert!(builder.build_changed(&[template, broken.clone()]).is_err());
    write(
        root,
        "content/releases/a.md",
        &notice("A", "2020-01-01", &[], &[], "Body.\n"),
    );
    let build = builder.build_changed(&[broken]).unwrap();
    assert_same(
        &build.site,
        &full_build(root),
        "fix after a failed template change",
    );
    let page = String::from_utf8_lossy(&build.site.files["releases/b/index.html"].contiguous())
        .into_owned();
    assert!(page.contains("<title>T: B</title>"), "{page}");
}

#[test]
fn a_broken_link_found_in_a_failed_build_is_still_reported_after_other_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(
        root,
        "content/releases/a.md",
        &notice("A", "2020-01-01", &[], &[], "Body.\n"),
    );
    write(
        root,
        "content/releases/b.md",
        &notice("B", "2020-01-02", &[], &[], "Body.\n"),
    );
    let mut builder = SiteBuilder::new(options(root));
    builder.build_all().unwrap();
    let a = write(
        root,
        "content/releases/a.md",
        &notice("A", "2020-01-01", &[], &[], "See [x](/nowhere/).\n"),
    );
    let b = write(root, "content/releases/b.md", "---\ntitle: [\n---\n");
    assert!(builder.build_changed(&[a, b.clone()]).is_err());
    write(
        root,
        "content/releases/b.md",
        &notice("B", "2020-01-02", &[], &[], "Body.\n"),
    );
    match builder.build_changed(&[b]) {
        Err(BuildFailure::Content(d)) => {
            let text: Vec<String> = d.sorted().iter().map(ToString::to_string).collect();
            assert!(text.iter().any(|t| t.contains("/nowhere/")), "{text:?}");
        }
        other => panic!("the broken link must still fail the build: {other:?}"),
    }
}

#[test]
fn a_body_edit_reuses_the_gathered_model_and_keeps_its_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "secsite.yaml", CONFIG);
    write(root, "content/documents.yaml", DOCUMENTS);
    write(
        root,
        "content/releases/a.md",
        &notice(
            "A",
            "2020-01-01",
            &[("MP001", "One")],
            &[("section-a", "1.0")],
            "Text.\n",
        ),
    );
    // The same modification under another title: a warning that gathering finds.
    write(
        root,
        "content/releases/b.md",
        &notice(
            "B",
            "2020-02-01",
            &[("MP001", "Another title")],
            &[("section-a", "1.1")],
            "Text.\n",
        ),
    );
    write(
        root,
        "content/releases/c.md",
        &notice("C", "2020-03-01", &[("MP002", "Two")], &[], "Text.\n"),
    );
    let codes = |build: &Build| -> Vec<String> {
        build
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.span))
            .collect()
    };
    let mut builder = SiteBuilder::new(options(root));
    let first = builder.build_all().unwrap();
    assert_eq!(codes(&first), ["title-mismatch content/releases/b.md:6:9"]);

    // Bodies only: the first names MP002 (a mention the modification page must show), the
    // third no longer names anything.
    for body in [
        "Now about MP002.\n",
        "Text again.\n",
        "About MP002 and MP001.\n",
    ] {
        let changed = write(
            root,
            "content/releases/a.md",
            &notice(
                "A",
                "2020-01-01",
                &[("MP001", "One")],
                &[("section-a", "1.0")],
                body,
            ),
        );
        let build = builder.build_changed(&[changed]).unwrap();
        assert_eq!(codes(&build), codes(&first), "after {body:?}");
        assert_same(&build.site, &full_build(root), body);
    }
    let mp002 = &builder.last_site().unwrap().files["modifications/mp002/index.html"];
    assert!(
        String::from_utf8_lossy(&mp002.contiguous()).contains("releases/a/"),
        "the modification page lists the notice that mentions it"
    );
}
