//! Diagnostics: one invalid fixture per rule of DOMAIN.md, each with the exact text a user reads on
//! standard error (`path:line:col: error: message`, the source line with a caret under the faulty
//! text, the code and the help), then warnings. Lines and columns are counted by hand in the whole
//! file, the `---` line included. More rules and hostile inputs are in `check.rs`.

use crate::harness::Site;

/// Builds and checks `tests/fixtures/invalid/<case>`: both exit 1 and print exactly `expected`
/// (the build adds its closing line), and the failed build writes no output.
fn assert_invalid(case: &str, expected: &str) {
    let site = Site::fixture(&format!("invalid/{case}"));
    let errors = expected.lines().filter(|l| l.contains(": error: ")).count();
    let closing = format!(
        "error: the build failed with {errors} error{}; nothing was written\n",
        if errors == 1 { "" } else { "s" }
    );

    let build = site.build(&[]);
    build.assert_code(1);
    assert_eq!(
        build.stderr,
        format!("{expected}{closing}"),
        "build of {case}"
    );
    assert_eq!(build.stdout, "", "build of {case}");
    assert!(!site.output().exists(), "a failed build writes no output");

    let check = site.check(&[]);
    check.assert_code(1);
    assert_eq!(check.stderr, expected, "check of {case}");
}

#[test]
fn malformed_yaml_is_located_in_the_whole_file() {
    // Line 4 is `summary: A: B`; the second `:` is column 11.
    assert_invalid(
        "malformed-yaml",
        r#"content/releases/broken.md:4:11: error: malformed YAML: mapping values are not allowed in this context
  |
4 | summary: A: B
  |           ^
  = code: malformed-yaml
  = help: quote a value that holds `: `, e.g. `summary: "A: B"`
"#,
    );
}

#[test]
fn a_file_without_front_matter_is_an_error() {
    assert_invalid(
        "no-front-matter",
        r#"content/releases/plain.md:1:1: error: no front matter: the file must start with a line `---`
  |
1 | title: Plain
  | ^
  = code: missing-front-matter
  = help: start the file with `---`, the YAML fields, then another `---` line
"#,
    );
}

#[test]
fn front_matter_never_closed_is_an_error() {
    assert_invalid(
        "unclosed-front-matter",
        r#"content/releases/open.md:1:1: error: the front matter is never closed: no second `---` line
  |
1 | ---
  | ^
  = code: unclosed-front-matter
  = help: end the YAML fields with a line `---` before the Markdown body
"#,
    );
}

#[test]
fn a_missing_title_points_at_the_front_matter() {
    assert_invalid(
        "missing-title",
        r#"content/releases/untitled.md:1:1: error: missing required field `title`
  |
1 | ---
  | ^
  = code: missing-field
  = help: add `title: "…"` to the front matter
"#,
    );
}

#[test]
fn a_missing_date_points_at_the_front_matter() {
    assert_invalid(
        "missing-date",
        r#"content/releases/undated.md:1:1: error: missing required field `date`
  |
1 | ---
  | ^
  = code: missing-field
  = help: add `date: 2020-11-29` to the front matter
"#,
    );
}

#[test]
fn unknown_fields_name_the_nearest_known_one() {
    // `efective` is at line 5 column 1; `versoin`, inside the first document row, at 8:5.
    assert_invalid(
        "unknown-field",
        r#"content/releases/typo.md:5:1: error: unknown field `efective`
  |
5 | efective: 2020-01-02
  | ^^^^^^^^
  = code: unknown-field
  = help: did you mean `effective`?
content/releases/typo.md:8:5: error: unknown field `versoin`
  |
8 |     versoin: "1.0"
  |     ^^^^^^^
  = code: unknown-field
  = help: did you mean `version`?
"#,
    );
}

#[test]
fn a_date_that_does_not_exist_is_an_error_at_its_value() {
    assert_invalid(
        "bad-date",
        r#"content/releases/leap.md:3:7: error: `date` is not a valid date: `2020-02-30`
  |
3 | date: 2020-02-30
  |       ^^^^^^^^^^
  = code: bad-date
  = help: write dates as YYYY-MM-DD, for example 2020-11-29
"#,
    );
}

const UNKNOWN_KIND: &str = r#"content/releases/kind.md:4:7: error: unknown kind `scheduled-relase`
  |
4 | kind: scheduled-relase
  |       ^^^^^^^^^^^^^^^^
  = code: unknown-kind
  = help: did you mean `scheduled-release`?
"#;

#[test]
fn an_unknown_kind_names_the_nearest_kind() {
    assert_invalid("unknown-kind", UNKNOWN_KIND);
}

#[test]
fn an_unknown_document_names_the_nearest_id() {
    // `  - id: secton-g` on line 6: the value starts at column 9.
    assert_invalid(
        "unknown-document",
        r#"content/releases/doc.md:6:9: error: unknown document id `secton-g`: it is not in content/documents.yaml
  |
6 |   - id: secton-g
  |         ^^^^^^^^
  = code: unknown-document
  = help: did you mean `section-g`?
"#,
    );
}

#[test]
fn two_notices_with_one_slug_in_two_folders_are_an_error() {
    assert_invalid(
        "duplicate-slug",
        r#"content/releases/2021/notice.md:1:1: error: two notices have the slug `notice`: this one and content/releases/2020/notice.md
  |
1 | ---
  | ^
  = code: duplicate-slug
  = help: rename one of the files: the file stem is the notice's URL
"#,
    );
}

#[test]
fn two_modification_pages_with_one_id_are_an_error() {
    // `mp102a` and `MP102A` are one id: ids compare case-insensitively.
    assert_invalid(
        "duplicate-modification",
        r#"content/modifications/second.md:2:5: error: two modification pages have the id `mp102a`: this one and content/modifications/first.md
  |
2 | id: mp102a
  |     ^^^^^^
  = code: duplicate-modification
  = help: ids compare without case and inner spaces: merge the two pages, or correct one id
"#,
    );
}

#[test]
fn a_version_going_down_is_an_error_compared_as_numbers() {
    // 5.9 after 5.14 goes down when compared part by part as numbers (as text or floats it
    // would go up). `    version: "5.9"` is line 7; the value starts at column 14.
    assert_invalid(
        "version-decreases",
        r#"content/releases/second-release.md:7:14: error: version 5.9 of `section-a` is lower than version 5.14, set earlier by `first-release`
  |
7 |     version: "5.9"
  |              ^^^^^
  = code: version-decreases
  = help: versions must rise from one release to the next; check the number or the effective dates
"#,
    );
}

const BROKEN_LINK: &str = r#"content/releases/links.md:7:32: error: the link `/releases/nope/` leads to no page of the site
  |
7 | See [the log](/documents/) and [a missing notice](/releases/nope/).
  |                                ^
  = code: broken-link
  = help: check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/
"#;

#[test]
fn a_body_link_to_a_missing_page_is_an_error() {
    // Line 7 is `See [the log](/documents/) and [a missing notice](/releases/nope/).`; the second
    // link starts at column 32. The first link resolves and is not reported.
    assert_invalid("broken-link", BROKEN_LINK);
}

#[test]
fn a_broken_link_is_quoted_as_written_under_a_sub_path() {
    // The same body built under /sec/: the message must quote the link the user wrote, not the
    // rewritten `/sec/releases/nope/`.
    let site = Site::fixture("invalid/broken-link");
    let run = site.build(&["--base-url", "https://example.org/sec/"]);
    run.assert_code(1);
    assert_eq!(
        run.stderr,
        format!("{BROKEN_LINK}error: the build failed with 1 error; nothing was written\n")
    );
}

#[test]
fn a_file_stem_that_is_not_a_slug_is_an_error() {
    assert_invalid(
        "bad-slug",
        r#"content/releases/November_Release.md:1:1: error: the file name `November_Release` is not a valid slug: use only lowercase letters, digits and `-`
  |
1 | ---
  | ^
  = code: bad-slug
  = help: rename the file to `november-release.md`
"#,
    );
}

#[test]
fn a_configuration_without_base_url_is_an_error() {
    assert_invalid(
        "bad-config",
        r#"secsite.yaml:1:1: error: missing required field `base_url`
  |
1 | title: No base URL
  | ^
  = code: missing-field
  = help: add `base_url: https://example.org/sec/` to the file
"#,
    );
}

#[test]
fn every_problem_of_every_file_is_reported_in_one_run_sorted() {
    assert_invalid(
        "many-problems",
        r#"content/modifications/mp1.md:3:1: error: unknown field `titel`
  |
3 | titel: "A misspelt title"
  | ^^^^^
  = code: unknown-field
  = help: did you mean `title`?
content/releases/alpha.md:3:7: error: `date` is not a valid date: `2020-13-01`
  |
3 | date: 2020-13-01
  |       ^^^^^^^^^^
  = code: bad-date
  = help: write dates as YYYY-MM-DD, for example 2020-11-29
content/releases/alpha.md:5:1: error: unknown field `sumary`
  |
5 | sumary: "A misspelt field"
  | ^^^^^^
  = code: unknown-field
  = help: did you mean `summary`?
content/releases/beta.md:1:1: error: missing required field `title`
  |
1 | ---
  | ^
  = code: missing-field
  = help: add `title: "…"` to the front matter
content/releases/gamma.md:6:9: error: unknown document id `appendix-ba`: it is not in content/documents.yaml
  |
6 |   - id: appendix-ba
  |         ^^^^^^^^^^^
  = code: unknown-document
  = help: did you mean `appendix-ab`?
secsite.yaml:3:1: error: unknown field `page_sise`
  |
3 | page_sise: 3
  | ^^^^^^^^^
  = code: unknown-field
  = help: did you mean `page_size`?
"#,
    );
}

#[test]
fn a_template_error_names_the_template_line_and_the_page() {
    let site = Site::fixture("invalid/template-error");
    let run = site.build(&[]);
    run.assert_code(1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 11, "{}", run.stderr);
    // Two diagnostics of five lines each (headline, gutter, source line, caret, code), then the
    // closing line.
    for (block, (page, source)) in lines.chunks(5).zip([
        ("/releases/one/", "content/releases/one.md"),
        ("/releases/two/", "content/releases/two.md"),
    ]) {
        let line = block[0];
        assert!(
            line.starts_with("templates/release.html:3:32: error: template error: "),
            "{line}"
        );
        assert!(line.contains("no_such_field"), "{line}");
        assert!(
            line.ends_with(&format!("(while rendering {page} from {source})")),
            "{line}"
        );
        assert_eq!(
            block[1..],
            [
                "  |",
                "3 | {{ notice.title }} – {{ notice.no_such_field.name }}",
                "  |                                ^",
                "  = code: template",
            ]
        );
    }
    assert_eq!(
        lines[10],
        "error: the build failed with 2 errors; nothing was written"
    );
    assert!(!site.output().exists());
}

const WARNINGS: &str = r#"content/releases/early.md:5:12: warning: `effective` (2020-02-01) is before `date` (2020-03-01)
  |
5 | effective: 2020-02-01
  |            ^^^^^^^^^^
  = code: effective-before-date
  = help: check the dates: a notice usually takes effect on or after it is published
content/releases/empty.md:1:1: warning: this ad-hoc release lists no modification and no document
  |
1 | ---
  | ^
  = code: empty-release
  = help: list what it changes under `modifications:` and `documents:`, or make it `kind: news`
content/releases/later.md:6:9: warning: `MP080` is listed as “Managing DUIS upgrades” here but as “Managing DUIS uplifts” in `early`
  |
6 |   - id: MP080
  |         ^^^^^
  = code: title-mismatch
  = help: use one title for a modification in every notice
"#;

#[test]
fn warnings_are_printed_and_the_build_succeeds() {
    let site = Site::fixture("warnings");
    let run = site.build(&[]);
    run.assert_code(0);
    assert_eq!(run.stderr, WARNINGS);
    assert!(run.stdout.starts_with("Built "), "{}", run.stdout);
    let output = site.output();
    for page in [
        "releases/early/index.html",
        "releases/empty/index.html",
        "releases/later/index.html",
    ] {
        assert!(output.has(page), "{page}");
    }
}

#[test]
fn check_reports_warnings_and_deny_warnings_fails_on_them() {
    let site = Site::fixture("warnings");
    let check = site.check(&[]);
    check.assert_code(0);
    assert_eq!(check.stderr, WARNINGS);
    assert!(
        check.stdout.ends_with("No errors; 3 warning(s).\n"),
        "{}",
        check.stdout
    );
    let strict = site.check(&["--deny-warnings"]);
    strict.assert_code(1);
    assert_eq!(strict.stderr, WARNINGS);
    assert!(!site.output().exists(), "check writes nothing");
}

#[test]
fn problems_in_flow_style_rows_point_at_their_own_line_and_column() {
    // YAML allows a row written `{id: …, version: …}`. In a.md, line 6 is
    // `  - {id: sectoin-a, version: "1.0"}`: the id's value starts at column 10. In b.md, the
    // misspelt key of the block row after a flow row is at line 8, column 5. In c.md, line 5 is
    // `documents: [{id: secton-g}]`: the id's value starts at column 18.
    assert_invalid(
        "flow-style-rows",
        r#"content/releases/a.md:6:10: error: unknown document id `sectoin-a`: it is not in content/documents.yaml
  |
6 |   - {id: sectoin-a, version: "1.0"}
  |          ^^^^^^^^^
  = code: unknown-document
  = help: did you mean `section-a`?
content/releases/b.md:8:5: error: unknown field `versoin`
  |
8 |     versoin: "2.0"
  |     ^^^^^^^
  = code: unknown-field
  = help: did you mean `version`?
content/releases/c.md:5:18: error: unknown document id `secton-g`: it is not in content/documents.yaml
  |
5 | documents: [{id: secton-g}]
  |                  ^^^^^^^^
  = code: unknown-document
  = help: did you mean `section-g`?
"#,
    );
}

#[test]
fn paths_are_relative_to_the_root_whichever_folder_secsite_runs_from() {
    let site = Site::fixture("invalid/unknown-kind");
    let expected = UNKNOWN_KIND;
    let from_root = site.run_in(&site.root, &["check", "--as-of", "2021-01-31"]);
    from_root.assert_code(1);
    assert_eq!(from_root.stderr, expected);
    let from_content = site.run_in(
        &site.root.join("content"),
        &["check", "--root", "..", "--as-of", "2021-01-31"],
    );
    from_content.assert_code(1);
    assert_eq!(from_content.stderr, expected);
}
