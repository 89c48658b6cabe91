//! Scaffolding: `secsite new release` writes a notice skeleton with its front matter filled in and
//! commented, and `secsite init` creates a new site that builds at once. Neither ever overwrites.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use crate::content::{NoticeKind, suggest_slug};

/// Writes `root/content/releases/DATE-SLUG.md` for a new notice titled `title`, and returns its
/// path. Refuses when the file exists.
pub fn new_release(root: &Path, title: &str, date: NaiveDate, kind: NoticeKind) -> Result<PathBuf> {
    let title = title.trim();
    if title.is_empty() {
        bail!("the title is empty");
    }
    let slug = suggest_slug(title);
    if slug.is_empty() {
        bail!("the title `{title}` has no letters or digits to make a file name from");
    }
    let dir = root.join("content/releases");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{}-{slug}.md", date.format("%Y-%m-%d")));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| {
            format!(
                "cannot create {} (it is not overwritten if it exists)",
                path.display()
            )
        })?;
    file.write_all(release_skeleton(title, date, kind).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The text of a new notice.
fn release_skeleton(title: &str, date: NaiveDate, kind: NoticeKind) -> String {
    let date = date.format("%Y-%m-%d");
    let kinds = NoticeKind::ALL.map(NoticeKind::key).join(" | ");
    let releasing = kind.is_releasing();
    let mut text = String::new();
    text.push_str("---\n");
    text.push_str(&format!("title: {}\n", yaml_string(title)));
    text.push_str(&format!(
        "date: {date}                  # the date published\n"
    ));
    text.push_str(&format!("kind: {}          # {kinds}\n", kind.key()));
    if releasing {
        text.push_str(&format!(
            "effective: {date}             # the date it takes effect\n"
        ));
        text.push_str(
            "# release: \"November 2026 SEC Release\"   # the release's name, if it has one\n",
        );
        text.push_str(
            "# sec_version: \"28.0\"                    # the headline SEC version, if any\n",
        );
    }
    text.push_str("# summary: \"One line for listings\"       # default: the first paragraph\n");
    text.push_str("modifications: []   # - id: MP102A\n");
    text.push_str("                    #   title: \"Power Outage Alerts triggered by an OTA firmware upgrade\"\n");
    text.push_str("                    #   part: 1          # when implemented in parts\n");
    text.push_str("                    #   status: Implemented\n");
    if releasing {
        text.push_str(
            "documents: []       # - id: section-a   # a key of content/documents.yaml\n",
        );
        text.push_str("                    #   version: \"10.0\"\n");
        text.push_str("                    #   codeworks: true\n");
        text.push_str("                    #   modification: true\n");
        text.push_str("                    #   designation: false\n");
    }
    text.push_str(
        "draft: true         # remove when ready to publish (drafts build only with --drafts)\n",
    );
    text.push_str("---\n");
    text.push_str(
        "Write the notice here, in Markdown. The first paragraph is the summary in listings.\n",
    );
    text
}

/// A YAML double-quoted string.
fn yaml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Creates a new site in `dir`: secsite.yaml, a documents registry and one example notice.
/// Refuses when `dir` already holds a site.
pub fn init_site(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>> {
    for existing in ["secsite.yaml", "content"] {
        if dir.join(existing).exists() {
            bail!(
                "{} already has {existing}: not overwriting an existing site",
                dir.display()
            );
        }
    }
    let files: [(&str, String); 5] = [
        ("secsite.yaml", SITE_CONFIG.to_string()),
        ("content/documents.yaml", DOCUMENTS.to_string()),
        ("content/pages/about.md", ABOUT.to_string()),
        ("static/.keep", String::new()),
        ("templates/.keep", String::new()),
    ];
    let mut written = Vec::new();
    for (relative, text) in &files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    let example = dir.join(format!(
        "content/releases/{}-example-release.md",
        today.format("%Y-%m-%d")
    ));
    fs::create_dir_all(example.parent().expect("a file in a folder"))
        .with_context(|| format!("cannot create {}", dir.join("content/releases").display()))?;
    fs::write(&example, example_notice(today))
        .with_context(|| format!("cannot write {}", example.display()))?;
    written.push(example);
    Ok(written)
}

const SITE_CONFIG: &str = "\
# secsite configuration: see the README for every field.
title: Smart Energy Code releases          # required
base_url: https://example.org/sec/         # required: where the site will be hosted
description: Release notices, modifications and the Document Log
language: en-GB
page_size: 20                              # notices per listing page
";

const DOCUMENTS: &str = "\
# The registry of SEC documents: id (kind-ref), kind (section | schedule | appendix), ref, title.
- id: section-a
  kind: section
  ref: \"A\"
  title: \"Definitions and Interpretation\"
- id: section-d
  kind: section
  ref: \"D\"
  title: \"Modification Process\"
- id: schedule-11
  kind: schedule
  ref: \"11\"
  title: \"TS Applicability Tables\"
- id: appendix-ab
  kind: appendix
  ref: \"AB\"
  title: \"Service Request Processing Document\"
";

const ABOUT: &str = "\
---
title: About this site
---
This site publishes the release notices of the Smart Energy Code, the modifications they implement and
the [Document Log](/documents/).
";

fn example_notice(today: NaiveDate) -> String {
    let date = today.format("%Y-%m-%d");
    format!(
        "---
title: \"Example release\"
date: {date}
kind: ad-hoc-release
effective: {date}
release: \"Example ad-hoc release\"
modifications:
  - id: MP001
    title: \"An example modification\"
documents:
  - id: section-a
    version: \"1.0\"
    codeworks: true
    modification: true
    designation: false
---
This example notice implements MP001 and changes Section A. Replace it with a real notice, or create
one with `secsite new release \"TITLE\"`.

## What changed

See the [Document Log](/documents/) for the version of each document in effect.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::site::{BuildOptions, build_site};

    fn day(text: &str) -> NaiveDate {
        crate::content::schema::parse_date(text).unwrap()
    }

    fn build(root: &Path, drafts: bool) -> crate::site::Build {
        let options = BuildOptions {
            root: root.to_path_buf(),
            base_url: None,
            as_of: day("2026-11-29"),
            drafts,
        };
        match build_site(&options) {
            Ok(build) => build,
            Err(failure) => panic!("the site does not build: {failure:?}"),
        }
    }

    #[test]
    fn an_initialised_site_builds_without_a_diagnostic() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        init_site(&root, day("2026-11-29")).unwrap();
        let build = build(&root, false);
        assert!(build.diagnostics.is_empty(), "{:?}", build.diagnostics);
        assert!(
            build
                .site
                .files
                .contains_key("releases/2026-11-29-example-release/index.html")
        );
        assert!(
            build
                .site
                .files
                .contains_key("modifications/mp001/index.html")
        );
        assert!(
            init_site(&root, day("2026-11-29")).is_err(),
            "init must not overwrite a site"
        );
    }

    #[test]
    fn a_new_release_is_a_draft_that_builds_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        init_site(root, day("2026-11-29")).unwrap();
        let path = new_release(
            root,
            "June 2027 SEC Release: \"scope\"",
            day("2027-01-15"),
            NoticeKind::ScheduledRelease,
        )
        .unwrap();
        assert_eq!(
            path,
            root.join("content/releases/2027-01-15-june-2027-sec-release-scope.md")
        );
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("title: \"June 2027 SEC Release: \\\"scope\\\"\""),
            "{text}"
        );
        assert!(text.contains("kind: scheduled-release"));
        // A draft: absent by default, built with --drafts.
        let without = build(root, false);
        assert!(
            !without
                .site
                .files
                .contains_key("releases/2027-01-15-june-2027-sec-release-scope/index.html")
        );
        let with = build(root, true);
        let page = String::from_utf8_lossy(
            &with.site.files["releases/2027-01-15-june-2027-sec-release-scope/index.html"]
                .contiguous(),
        )
        .into_owned();
        assert!(
            page.contains("June 2027 SEC Release: &quot;scope&quot;"),
            "{page}"
        );
        fs::write(&path, "kept").unwrap();
        assert!(
            new_release(
                root,
                "June 2027 SEC Release: \"scope\"",
                day("2027-01-15"),
                NoticeKind::ScheduledRelease
            )
            .is_err()
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "kept");
    }

    #[test]
    fn titles_are_quoted_for_yaml() {
        assert_eq!(
            yaml_string("A \"quoted\" \\ title"),
            "\"A \\\"quoted\\\" \\\\ title\""
        );
    }
}
