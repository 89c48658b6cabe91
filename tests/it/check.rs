//! `secsite check`: the hostile-input catalogue of docs/check.md (each input, the exact text the
//! user reads and the exit status, with the rest of the site still checked), the audit of the
//! rendered site's links and fragments (also under a sub-path), `--external` against a server on
//! 127.0.0.1, the JSON format parsed back field by field, and random bytes through the content path
//! (the fuzz target's, whose regression seeds run here too).

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{Site, manifest_dir};

/// The warning of `good.md` in `check-hostile`: every hostile case prints it too, which shows that
/// the rest of the site was still read and checked.
const GOOD: &str =
    "content/releases/good.md:5:12: warning: `effective` (2020-02-01) is before `date` (2020-03-01)
  |
5 | effective: 2020-02-01
  |            ^^^^^^^^^^
  = code: effective-before-date
  = help: check the dates: a notice usually takes effect on or after it is published
";

const NOT_RENDERED: &str = "The links of the rendered pages were not checked: the site does not build until the errors are fixed.\n";

/// `check-hostile` with `bytes` written at `rel` (under the root).
fn hostile(rel: &str, bytes: &[u8]) -> Site {
    let site = Site::fixture("check-hostile");
    let path = site.root.join(rel);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    fs::write(&path, bytes).expect("write the hostile file");
    site
}

/// Runs `check` and asserts its exact standard error (diagnostics sorted by file and line), its
/// exit status and that it was quick: no input may hang the check.
fn assert_check(site: &Site, stderr: &str, code: i32) {
    let started = Instant::now();
    let run = site.check(&[]);
    assert_eq!(run.stderr, stderr);
    run.assert_code(code);
    if code == 1 {
        assert!(run.stdout.starts_with(NOT_RENDERED), "{}", run.stdout);
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the check took {:?}",
        started.elapsed()
    );
}

#[test]
fn bytes_that_are_not_utf8_are_an_error_at_the_first_bad_byte() {
    let site = hostile(
        "content/releases/latin1.md",
        b"---\ntitle: Caf\xe9\ndate: 2020-01-01\n---\n",
    );
    let expected = "content/releases/latin1.md:2:11: error: the file is not valid UTF-8 text
  |
2 | title: Caf\u{fffd}
  |           ^
  = code: not-utf8
  = help: save the file as UTF-8
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn a_byte_order_mark_is_skipped_and_positions_stay_right() {
    let site = hostile(
        "content/releases/bom.md",
        "\u{feff}---\ntitle: BOM\ndate: 2020-01-01\nkind: newz\n---\n".as_bytes(),
    );
    let expected = "content/releases/bom.md:4:7: error: unknown kind `newz`
  |
4 | kind: newz
  |       ^^^^
  = code: unknown-kind
  = help: did you mean `news`?
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn crlf_line_ends_keep_lines_and_columns_in_yaml_and_markdown() {
    let site = hostile(
        "content/releases/crlf.md",
        b"---\r\ntitle: CRLF\r\ndate: 2020-01-01\r\n---\r\nBody with [a link](/nope/).\r\n",
    );
    let expected =
        "content/releases/crlf.md:5:11: error: the link `/nope/` leads to no page of the site
  |
5 | Body with [a link](/nope/).
  |           ^
  = code: broken-link
  = help: check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
    let site = hostile(
        "content/releases/crlf.md",
        b"---\r\ntitle: CRLF\r\ndate: 2020-02-30\r\n---\r\n",
    );
    let expected = "content/releases/crlf.md:3:7: error: `date` is not a valid date: `2020-02-30`
  |
3 | date: 2020-02-30
  |       ^^^^^^^^^^
  = code: bad-date
  = help: write dates as YYYY-MM-DD, for example 2020-11-29
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn an_empty_file_has_no_front_matter() {
    let site = hostile("content/releases/empty.md", b"");
    let expected = "content/releases/empty.md:1:1: error: no front matter: the file must start with a line `---`
  = code: missing-front-matter
  = help: start the file with `---`, the YAML fields, then another `---` line
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

const UNCLOSED: &str = "  |
1 | ---
  | ^
  = code: unclosed-front-matter
  = help: end the YAML fields with a line `---` before the Markdown body
";

#[test]
fn a_file_of_only_dashes_never_closes_its_front_matter() {
    let site = hostile("content/releases/dashes.md", b"---");
    let expected = format!(
        "content/releases/dashes.md:1:1: error: the front matter is never closed: no second `---` line\n{UNCLOSED}"
    );
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn a_front_matter_that_never_closes_is_an_error() {
    let site = hostile(
        "content/releases/open.md",
        b"---\ntitle: Never closed\ndate: 2020-01-01\n\nThe body is read as YAML.\n",
    );
    let expected = format!(
        "content/releases/open.md:1:1: error: the front matter is never closed: no second `---` line\n{UNCLOSED}"
    );
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn a_megabyte_of_front_matter_is_refused_before_parsing() {
    let mut text = String::from("---\n");
    for i in 0..80_000 {
        text.push_str(&format!("key{i}: value\n"));
    }
    text.push_str("---\n");
    let site = hostile("content/releases/huge.md", text.as_bytes());
    let expected = "content/releases/huge.md:1:1: error: the front matter is 1240 KiB, more than the 256 KiB allowed
  |
1 | ---
  | ^
  = code: front-matter-too-large
  = help: keep long text in the Markdown body, after the closing `---`
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn a_file_over_8_mib_is_not_read() {
    let text = format!(
        "---\ntitle: Big\ndate: 2020-01-01\n---\n{}",
        "word ".repeat(1_800_000)
    );
    let site = hostile("content/releases/big.md", text.as_bytes());
    let expected =
        "content/releases/big.md:1:1: error: the file is larger than 8 MiB: it cannot be a notice
  = code: file-too-large
  = help: split it, or move large files to static/
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn deeply_nested_flow_yaml_is_refused_at_the_level_too_deep() {
    // 50,000 nested `{a: ` would keep the YAML library busy for minutes. The first `{` is at
    // column 8 of line 4 and each level takes 4 characters: the 65th opens at column 264. The
    // line of 1,000 levels is quoted around the caret; that of 50,000 (200 KB) is too long to be.
    let help = "  = code: yaml-too-deep
  = help: front matter needs two or three levels; check for unclosed `[` or `{`
";
    let headline =
        "content/releases/deep.md:4:264: error: the YAML is nested more than 64 levels deep\n";
    for (levels, quoted) in [(1_000, true), (50_000, false)] {
        let text = format!(
            "---\ntitle: Deep\ndate: 2020-01-01\nextra: {}\n---\n",
            "{a: ".repeat(levels)
        );
        let site = hostile("content/releases/deep.md", text.as_bytes());
        let snippet = if quoted {
            format!(
                "  |\n4 | …{}…\n  |                                          ^\n",
                "{a: ".repeat(30)
            )
        } else {
            String::new()
        };
        assert_check(&site, &format!("{headline}{snippet}{help}{GOOD}"), 1);
    }
}

#[test]
fn deeply_nested_block_yaml_stops_at_the_library_limit() {
    let mut text = String::from("---\ntitle: Deep\ndate: 2020-01-01\nextra:\n");
    for level in 0..200 {
        text.push_str(&format!("{}a:\n", " ".repeat(2 * level + 2)));
    }
    text.push_str("---\n");
    let site = hostile("content/releases/deep.md", text.as_bytes());
    let run = site.check(&[]);
    run.assert_code(1);
    assert!(
        run.stderr.starts_with(
            "content/releases/deep.md:132:257: error: the YAML is nested more than 128 levels deep\n"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("    = code: yaml-too-deep\n    = help: front matter needs two or three levels; check the indentation\n"));
    assert!(run.stderr.ends_with(GOOD), "{}", run.stderr);
}

#[test]
fn a_billion_laughs_alias_bomb_is_stopped() {
    let mut text = String::from(
        "---\ntitle: Laughs\ndate: 2020-01-01\nextra:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let aliases = vec![format!("*{previous}"); 9].join(",");
        text.push_str(&format!("  {name}: &{name} [{aliases}]\n"));
    }
    text.push_str("---\n");
    let site = hostile("content/releases/bomb.md", text.as_bytes());
    let expected = "content/releases/bomb.md:6:10: error: the YAML aliases (`*name`) expand to too large a document
  |
6 |   b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  |          ^
  = code: yaml-alias-limit
  = help: write the values out instead of nesting aliases of aliases
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn huge_markdown_bodies_are_checked_in_linear_time() {
    // 100,000 headings with one text once took quadratic time to get unique ids; 100,000 broken
    // links on one line took quadratic time to place and to quote. Each now takes well under a
    // second of work.
    let site = hostile(
        "content/releases/headings.md",
        format!(
            "---\ntitle: Headings\ndate: 2020-01-01\n---\n{}",
            "# Same {#same}\n".repeat(100_000)
        )
        .as_bytes(),
    );
    let started = Instant::now();
    let run = site.check(&[]);
    assert_eq!(run.stderr, GOOD);
    run.assert_code(0);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );

    let mut body = String::new();
    for i in 0..50_000 {
        body.push_str(&format!("[x{i}]: /nowhere/\n"));
    }
    body.push_str(&"[x1] ".repeat(50_000));
    let site = hostile(
        "content/releases/links.md",
        format!("---\ntitle: Links\ndate: 2020-01-01\n---\n{body}\n").as_bytes(),
    );
    let started = Instant::now();
    let run = site.check(&[]);
    run.assert_code(1);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert_eq!(errors.len(), 50_000);
    // The link on line 50,005 at column 6 is the second `[x1]`; the line is too long to quote.
    assert_eq!(
        errors[1],
        "content/releases/links.md:50005:6: error: the link `/nowhere/` leads to no page of the site"
    );
    assert!(!run.stderr.contains("50005 |"));
}

#[test]
fn a_tab_in_the_indentation_is_explained() {
    let site = hostile(
        "content/releases/tabs.md",
        b"---\ntitle: Tabs\ndate: 2020-01-01\nmodifications:\n\t- id: MP080\n---\n",
    );
    // The tab is shown as four spaces; the caret is under it.
    let expected = "content/releases/tabs.md:5:1: error: malformed YAML: found character that cannot start any token
  |
5 |     - id: MP080
  | ^
  = code: malformed-yaml
  = help: YAML does not allow tabs for indentation: indent with spaces
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn a_key_written_twice_is_reported_at_the_second() {
    let site = hostile(
        "content/releases/dup.md",
        b"---\ntitle: First\ndate: 2020-01-01\ntitle: Second\n---\n",
    );
    let expected =
        "content/releases/dup.md:4:1: error: the key `title` is written twice in one mapping
  |
4 | title: Second
  | ^^^^^
  = code: duplicate-key
  = help: remove one of the two: `title` is first written at line 2
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn a_control_character_in_yaml_is_named() {
    let site = hostile(
        "content/releases/bell.md",
        b"---\ntitle: \"Bell \x07\"\ndate: 2020-01-01\n---\n",
    );
    let expected = "content/releases/bell.md:2:14: error: malformed YAML: the control character U+0007 is not allowed
  |
2 | title: \"Bell \u{fffd}\"
  |              ^
  = code: malformed-yaml
  = help: remove it: YAML text may hold tabs and line breaks, no other control characters
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[test]
fn a_date_that_does_not_exist_is_refused() {
    let site = hostile(
        "content/releases/leap.md",
        b"---\ntitle: Leap\ndate: 2020-02-30\n---\n",
    );
    let expected = "content/releases/leap.md:3:7: error: `date` is not a valid date: `2020-02-30`
  |
3 | date: 2020-02-30
  |       ^^^^^^^^^^
  = code: bad-date
  = help: write dates as YYYY-MM-DD, for example 2020-11-29
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn an_id_with_dot_dot_slash_never_becomes_a_path() {
    // A modification's id becomes its URL: `../../etc/passwd` must be refused, not written.
    let site = hostile(
        "content/modifications/evil.md",
        b"---\nid: ../../etc/passwd\ntitle: Up and out\n---\n",
    );
    let expected = "content/modifications/evil.md:2:5: error: `../../etc/passwd` is not a valid modification id
  |
2 | id: ../../etc/passwd
  |     ^^^^^^^^^^^^^^^^
  = code: bad-modification-id
  = help: use letters and digits, such as MP102A or SECMP0062
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
    let build = site.build(&[]);
    build.assert_code(1);
    assert!(!site.tmp().join("etc").exists() && !site.output().exists());

    // A file stem is a slug: dots and other signs are refused, with a name to use when one can
    // be made.
    let site = hostile(
        "content/releases/(..).md",
        b"---\ntitle: Dots\ndate: 2020-01-01\n---\n",
    );
    let expected = "content/releases/(..).md:1:1: error: the file name `(..)` is not a valid slug: use only lowercase letters, digits and `-`
  |
1 | ---
  | ^
  = code: bad-slug
  = help: rename the file with lowercase letters, digits and `-`
";
    assert_check(&site, &format!("{expected}{GOOD}"), 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_skipped_with_a_warning() {
    let site = Site::fixture("check-hostile");
    let releases = site.root.join("content/releases");
    std::os::unix::fs::symlink("loop.md", releases.join("loop.md")).expect("symlink");
    std::os::unix::fs::symlink(".", releases.join("again")).expect("symlink");
    let expected = "content/releases/again:1:1: warning: skipped: this is a link to a folder, and links to folders are not followed
  = code: skipped-file
  = help: move or copy the folder here instead of linking to it
";
    let looping = "content/releases/loop.md:1:1: warning: skipped: the link cannot be followed: Too many levels of symbolic links
  = code: skipped-file
  = help: remove the link or point it at an existing file
";
    let run = site.check(&[]);
    assert_eq!(run.stderr, format!("{expected}{GOOD}{looping}"));
    run.assert_code(0);
    site.check(&["--deny-warnings"]).assert_code(1);
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_is_an_error() {
    // Reading /proc/self/mem from its start fails for every user, root included (tests often run
    // as root, for whom file permissions do not stop a read).
    let site = Site::fixture("check-hostile");
    std::os::unix::fs::symlink("/proc/self/mem", site.root.join("content/releases/mem.md"))
        .expect("symlink");
    let expected = "content/releases/mem.md:1:1: error: cannot read the file: Input/output error
  = code: unreadable-file
  = help: check that the file can be read, for example with `cat`
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);

    // Without read permission, when the tests do not run as root.
    let site = hostile("content/releases/secret.md", b"---\ntitle: x\n---\n");
    let path = site.root.join("content/releases/secret.md");
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(&path).is_err() {
        let expected =
            "content/releases/secret.md:1:1: error: cannot read the file: Permission denied
  = code: unreadable-file
  = help: check the file's permissions
";
        assert_check(&site, &format!("{GOOD}{expected}"), 1);
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_with_a_md_name_is_skipped_without_waiting() {
    let site = Site::fixture("check-hostile");
    let status = std::process::Command::new("mkfifo")
        .arg(site.root.join("content/releases/pipe.md"))
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    let expected = "content/releases/pipe.md:1:1: warning: skipped: not a regular file (a pipe, socket or device)
  = code: skipped-file
  = help: content files must be plain files
";
    assert_check(&site, &format!("{GOOD}{expected}"), 0);
}

#[test]
fn a_binary_file_with_a_md_name_is_an_error_without_quoting_it() {
    let site = hostile(
        "content/releases/picture.md",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    );
    let expected = "content/releases/picture.md:3:1: error: the file is binary (it holds NUL bytes), not Markdown text
  = code: binary-file
  = help: content files must be UTF-8 text; put other files in static/
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

#[test]
fn every_hostile_input_at_once_is_reported_in_one_run_sorted() {
    let site = Site::fixture("check-hostile");
    for (rel, bytes) in [
        (
            "content/releases/b-latin1.md",
            &b"---\ntitle: Caf\xe9\n---\n"[..],
        ),
        ("content/releases/a-empty.md", b""),
        (
            "content/releases/z-dup.md",
            b"---\ntitle: a\ntitle: b\n---\n",
        ),
        ("content/pages/binary.md", b"\x00"),
        ("content/modifications/open.md", b"---\nid: MP1\n"),
    ] {
        let path = site.root.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        fs::write(path, bytes).expect("write");
    }
    let run = site.check(&[]);
    run.assert_code(1);
    let headlines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(": error: ") || l.contains(": warning: "))
        .collect();
    assert_eq!(
        headlines,
        [
            "content/modifications/open.md:1:1: error: the front matter is never closed: no second `---` line",
            "content/pages/binary.md:1:1: error: the file is binary (it holds NUL bytes), not Markdown text",
            "content/releases/a-empty.md:1:1: error: no front matter: the file must start with a line `---`",
            "content/releases/b-latin1.md:2:11: error: the file is not valid UTF-8 text",
            "content/releases/good.md:5:12: warning: `effective` (2020-02-01) is before `date` (2020-03-01)",
            "content/releases/z-dup.md:3:1: error: the key `title` is written twice in one mapping",
        ]
    );
    assert!(
        run.stdout.ends_with("5 error(s), 1 warning(s).\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_link_with_a_typo_names_the_nearest_page() {
    let site = hostile(
        "content/releases/typo.md",
        b"---\ntitle: Typo\ndate: 2020-01-01\n---\nSee [the good one](/releases/god/).\n",
    );
    let expected = "content/releases/typo.md:5:5: error: the link `/releases/god/` leads to no page of the site
  |
5 | See [the good one](/releases/god/).
  |     ^
  = code: broken-link
  = help: did you mean `/releases/good/`?
";
    assert_check(&site, &format!("{GOOD}{expected}"), 1);
}

/// One fixture per warning of DOMAIN.md: `check` exits 0 with the exact warning, 1 with
/// `--deny-warnings`, and `build` succeeds, printing the same warning.
#[test]
fn each_warning_rule_alone_in_its_own_fixture() {
    for (case, expected) in [
        (
            "effective-before-date",
            "content/releases/early.md:5:12: warning: `effective` (2020-02-01) is before `date` (2020-03-01)
  |
5 | effective: 2020-02-01
  |            ^^^^^^^^^^
  = code: effective-before-date
  = help: check the dates: a notice usually takes effect on or after it is published
",
        ),
        (
            "empty-release",
            "content/releases/empty.md:1:1: warning: this ad-hoc release lists no modification and no document
  |
1 | ---
  | ^
  = code: empty-release
  = help: list what it changes under `modifications:` and `documents:`, or make it `kind: news`
",
        ),
        (
            "title-mismatch",
            "content/releases/later.md:6:9: warning: `MP080` is listed as “Managing DUIS upgrades” here but as “Managing DUIS uplifts” in `early`
  |
6 |   - id: MP080
  |         ^^^^^
  = code: title-mismatch
  = help: use one title for a modification in every notice
",
        ),
    ] {
        let site = Site::fixture(&format!("invalid/{case}"));
        let check = site.check(&[]);
        assert_eq!(check.stderr, expected, "{case}");
        check.assert_code(0);
        assert!(check.stdout.ends_with("No errors; 1 warning(s).\n"), "{}", check.stdout);
        let strict = site.check(&["--deny-warnings"]);
        assert_eq!(strict.stderr, expected, "{case}");
        strict.assert_code(1);
        assert!(
            strict.stdout.ends_with("0 error(s), 1 warning(s) (--deny-warnings).\n"),
            "{}",
            strict.stdout
        );
        let build = site.build(&[]);
        build.assert_code(0);
        assert_eq!(build.stderr, expected, "{case}");
    }
}

// ---- Links of the rendered site -------------------------------------------------------------

const LINKS_AT_ROOT: &str = r#"content/releases/alpha.md:8:34: error: the link `#key-date` leads to /releases/alpha/, which has no element with the id `key-date`
  |
8 | See [the key dates](#key-dates), [a misspelt fragment](#key-date) and
  |                                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = code: broken-fragment
  = help: did you mean `#key-dates`?
content/releases/alpha.md:9:1: error: the link `/releases/beta/#nothing-here` leads to /releases/beta/, which has no element with the id `nothing-here`
  |
9 | [beta's missing part](/releases/beta/#nothing-here).
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = code: broken-fragment
  = help: a heading's id is made from its text (`## Key dates` has the id `key-dates`), or given as `{#id}`
content/releases/beta.md:8:11: error: the link `missing.png` leads to no page of the site
  |
8 | <img src="missing.png" alt="">
  |           ^^^^^^^^^^^
  = code: broken-link
  = help: check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/
templates/release.html:2:66: error: the link `/print.css` on /releases/alpha/ leads to no page of the site (and on 1 other page)
  |
2 | {% block head %}<link rel="stylesheet" href="{{ site.base_path }}print.css">
  |                                                                  ^^^^^^^^^
  = code: broken-link
  = help: check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/
templates/release.html:3:45: error: the link `/releases/#latest` on /releases/alpha/ leads to /releases/, which has no element with the id `latest` (and on 1 other page)
  |
3 | <link rel="index" href="{{ site.base_path }}releases/#latest">{% endblock head %}
  |                                             ^^^^^^^^^^^^^^^^
  = code: broken-fragment
  = help: a heading's id is made from its text (`## Key dates` has the id `key-dates`), or given as `{#id}`
"#;

#[test]
fn every_link_and_fragment_of_the_rendered_site_is_checked_at_its_source() {
    // Markdown links are reported at their file and line, raw HTML in Markdown too, and links a
    // template made at the template's line, once for all the pages that show them. The link to a
    // static file with a `#page=2` fragment and the relative `../../documents/` are fine.
    let site = Site::fixture("check-links");
    let run = site.check(&[]);
    assert_eq!(run.stderr, LINKS_AT_ROOT);
    run.assert_code(1);
    assert!(run.stdout.starts_with("Checked "), "{}", run.stdout);
    assert!(!site.output().exists(), "check writes nothing");
    // `build` checks the rules of DOMAIN.md (the path of each body link), not the rendered HTML.
    site.build(&[]).assert_code(0);
}

#[test]
fn a_raw_html_link_broken_only_under_a_sub_path_is_found() {
    // `<a href="/documents/">` in Markdown is raw HTML, not placed under the base path: fine at
    // the root of a domain, broken when the site lives under /sec/.
    let site = Site::fixture("check-links");
    site.write(
        "secsite.yaml",
        "title: Links\nbase_url: https://example.org/sec/\n",
    );
    let run = site.check(&[]);
    run.assert_code(1);
    let raw_html = "content/releases/alpha.md:11:51: error: the link `/documents/` leads to `/documents/`, outside the site's base path `/sec/`
   |
11 | The [Document Log](../../documents/) and <a href=\"/documents/\">the log in raw HTML</a>.
   |                                                   ^^^^^^^^^^^
   = code: broken-link
   = help: links in raw HTML are not placed under the base path `/sec/`: write a Markdown link, which is, or a relative link
";
    assert!(run.stderr.contains(raw_html), "{}", run.stderr);
    let headlines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert_eq!(headlines.len(), 6, "{}", run.stderr);
    assert!(headlines[4].starts_with(
        "templates/release.html:2:66: error: the link `/sec/print.css` on /sec/releases/alpha/"
    ));
}

#[test]
fn the_default_site_and_every_kind_have_no_broken_link() {
    for site in [Site::default_site(), Site::fixture("every-kind")] {
        let run = site.check(&[]);
        assert_eq!(run.stderr, "");
        run.assert_code(0);
        assert!(run.stdout.starts_with("Checked "), "{}", run.stdout);
    }
}

// ---- JSON ------------------------------------------------------------------------------------

#[test]
fn json_output_is_one_array_with_every_field_of_the_documented_schema() {
    let site = Site::fixture("invalid/many-problems");
    let run = site.check(&["--format", "json"]);
    run.assert_code(1);
    let parsed: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let items = parsed.as_array().expect("an array");
    assert_eq!(items.len(), 6);
    let first = &items[0];
    let keys: Vec<&str> = first
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code", "column", "end", "help", "line", "message", "path", "severity"
        ]
    );
    assert_eq!(first["path"], "content/modifications/mp1.md");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 1);
    assert_eq!(first["end"]["line"], 3);
    assert_eq!(first["end"]["column"], 6);
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "unknown-field");
    assert_eq!(first["message"], "unknown field `titel`");
    assert_eq!(first["help"], "did you mean `title`?");
    let places: Vec<(String, u64, u64, String)> = items
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("content/modifications/mp1.md", 3, 1, "unknown-field"),
        ("content/releases/alpha.md", 3, 7, "bad-date"),
        ("content/releases/alpha.md", 5, 1, "unknown-field"),
        ("content/releases/beta.md", 1, 1, "missing-field"),
        ("content/releases/gamma.md", 6, 9, "unknown-document"),
        ("secsite.yaml", 3, 1, "unknown-field"),
    ];
    assert_eq!(
        places,
        expected.map(|(p, l, c, code)| (p.to_string(), l, c, code.to_string()))
    );
    // The end of a Markdown link of the rendered site's audit is where its `)` is.
    let broken = Site::fixture("check-links").check(&["--format", "json"]);
    let items: serde_json::Value = serde_json::from_str(&broken.stdout).expect("JSON");
    assert_eq!(items[0]["code"], "broken-fragment");
    assert_eq!(items[0]["line"], 8);
    assert_eq!(items[0]["column"], 34);
    assert_eq!(
        items[0]["end"],
        serde_json::json!({"line": 8, "column": 66})
    );
    assert!(items[0]["help"].is_string());
    // A problem whose end is not known has `"end": null` (a whole file, a link seen by `build`).
    let missing = Site::fixture("invalid/no-front-matter").check(&["--format", "json"]);
    let items: serde_json::Value = serde_json::from_str(&missing.stdout).expect("JSON");
    assert_eq!(items[0]["code"], "missing-front-matter");
    assert!(items[0]["end"].is_null());
    // Warnings are "warning".
    let warnings = Site::fixture("warnings").check(&["--format", "json"]);
    warnings.assert_code(0);
    let items: serde_json::Value = serde_json::from_str(&warnings.stdout).expect("JSON");
    assert_eq!(items.as_array().map(Vec::len), Some(3));
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] == "warning")
    );
    let clean = Site::fixture("every-kind").check(&["--format", "json"]);
    clean.assert_code(0);
    assert_eq!(clean.stdout.trim(), "[]");
}

// ---- External links ------------------------------------------------------------------------

/// A small HTTP server on 127.0.0.1 that answers by path, counts requests and records the most
/// connections it ever had open at once.
struct TestServer {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    max_open: Arc<AtomicUsize>,
}

impl TestServer {
    fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let max_open = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let (log, max) = (Arc::clone(&requests), Arc::clone(&max_open));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, max, open) = (Arc::clone(&log), Arc::clone(&max), Arc::clone(&open));
                std::thread::spawn(move || {
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                            break;
                        }
                    }
                    let mut parts = line.split(' ');
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    log.lock().expect("log").push(format!("{method} {path}"));
                    let answer = match (method.as_str(), path.as_str()) {
                        (_, "/ok") => "200 OK\r\n".to_string(),
                        (_, "/missing") => "404 Not Found\r\n".to_string(),
                        (_, "/moved") => "301 Moved Permanently\r\nLocation: /ok\r\n".to_string(),
                        (_, "/loop") => "302 Found\r\nLocation: /loop\r\n".to_string(),
                        ("HEAD", "/no-head") => "405 Method Not Allowed\r\n".to_string(),
                        ("GET", "/no-head") => "200 OK\r\n".to_string(),
                        (_, "/slow") => {
                            // The client gives up after its timeout and goes on: from then on
                            // this connection no longer counts as open.
                            open.fetch_sub(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_secs(3));
                            open.fetch_add(1, Ordering::SeqCst);
                            "200 OK\r\n".to_string()
                        }
                        _ => "500 Internal Server Error\r\n".to_string(),
                    };
                    // Done with the request before answering: once answered, the client may
                    // go on to its next request before this thread runs again.
                    open.fetch_sub(1, Ordering::SeqCst);
                    let mut stream = stream;
                    let _ = stream.write_all(
                        format!("HTTP/1.1 {answer}Content-Length: 0\r\nConnection: close\r\n\r\n")
                            .as_bytes(),
                    );
                });
            }
        });
        TestServer {
            port,
            requests,
            max_open,
        }
    }
}

#[test]
fn external_links_are_checked_against_a_local_server() {
    let server = TestServer::start();
    let base = format!("http://127.0.0.1:{}", server.port);
    let site = Site::fixture("check-hostile");
    site.remove("content/releases/good.md");
    site.write(
        "content/releases/external.md",
        &format!(
            "---\ntitle: External\ndate: 2020-01-01\n---\n\
             [ok]({base}/ok) and [again]({base}/ok#part)\n\
             [missing]({base}/missing)\n\
             [moved]({base}/moved)\n\
             [slow]({base}/slow)\n\
             [no HEAD]({base}/no-head)\n\
             [loop]({base}/loop)\n"
        ),
    );
    let cache = site.tmp().join("cache");
    let run_check = |extra: &[&str]| {
        let mut args = vec![
            "check".to_string(),
            "--root".to_string(),
            site.root_arg(),
            "--as-of".to_string(),
            "2021-01-31".to_string(),
            "--external".to_string(),
            "--timeout".to_string(),
            "1".to_string(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_secsite"))
            .args(&args)
            .env("XDG_CACHE_HOME", &cache)
            .output()
            .expect("run secsite");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // The caret runs under the whole Markdown link.
    let carets = |link: &str| "^".repeat(link.chars().count());
    let carets_missing = carets(&format!("[missing]({base}/missing)"));
    let carets_slow = carets(&format!("[slow]({base}/slow)"));
    let carets_loop = carets(&format!("[loop]({base}/loop)"));
    let started = Instant::now();
    let (code, stdout, stderr) = run_check(&[]);
    let elapsed = started.elapsed();
    let expected = format!(
        "content/releases/external.md:6:1: error: the link `{base}/missing` answers 404 Not Found
  |
6 | [missing]({base}/missing)
  | {carets_missing}
  = code: broken-external-link
  = help: update the link or remove it
content/releases/external.md:8:1: warning: the link `{base}/slow` could not be checked: no answer within 1 s
  |
8 | [slow]({base}/slow)
  | {carets_slow}
  = code: external-link-unreachable
  = help: check the host name, or check it again later
content/releases/external.md:10:1: warning: the link `{base}/loop` could not be checked: more than 5 redirects
   |
10 | [loop]({base}/loop)
   | {carets_loop}
   = code: external-link-unreachable
   = help: check the host name, or check it again later
"
    );
    assert_eq!(stderr, expected);
    assert_eq!(code, Some(1), "{stdout}");
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("External links:"))
        .expect("a summary");
    assert!(
        summary.starts_with("External links: 6 checked on 1 host in "),
        "{summary}"
    );
    assert!(
        summary.ends_with(": 3 ok (1 after a redirect), 1 broken, 2 unreachable"),
        "{summary}"
    );
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    {
        let requests = server.requests.lock().expect("requests");
        // `/ok` and `/ok#part` are one URL, asked once (and once more after `/moved`).
        assert_eq!(requests.iter().filter(|r| *r == "HEAD /ok").count(), 2);
        assert!(requests.contains(&"HEAD /no-head".to_string()));
        assert!(
            requests.contains(&"GET /no-head".to_string()),
            "GET after a refused HEAD"
        );
    }
    assert_eq!(
        server.max_open.load(Ordering::SeqCst),
        1,
        "one request at a time per host"
    );

    // The good answers are cached: the second run asks only for the others.
    let asked_before = server.requests.lock().expect("requests").len();
    let (code, stdout, _) = run_check(&[]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("; 3 good answer(s) taken from the cache"),
        "{stdout}"
    );
    let asked = server.requests.lock().expect("requests")[asked_before..].to_vec();
    assert!(
        !asked
            .iter()
            .any(|r| r.ends_with("/ok") || r.ends_with("/moved")),
        "{asked:?}"
    );
    // --no-cache asks again.
    let (_, stdout, _) = run_check(&["--no-cache"]);
    assert!(!stdout.contains("from the cache"), "{stdout}");
}

/// An https server on 127.0.0.1 with the test certificate of tests/fixtures/tls: `/ok` answers
/// 200, `/moved` redirects there, anything else 404.
fn start_tls_server() -> u16 {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = manifest_dir().join("tests/fixtures/tls");
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("server.pem"))
            .expect("server.pem")
            .collect::<Result<_, _>>()
            .expect("a certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("server-key.pem")).expect("server-key.pem");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .expect("the server certificate"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") {
                    match std::io::Read::read(&mut tls, &mut byte) {
                        Ok(1) => request.push(byte[0]),
                        _ => return,
                    }
                }
                let request = String::from_utf8_lossy(&request);
                let path = request.split(' ').nth(1).unwrap_or("");
                let answer = match path {
                    "/ok" => "200 OK\r\n",
                    "/moved" => "301 Moved Permanently\r\nLocation: /ok\r\n",
                    _ => "404 Not Found\r\n",
                };
                let _ = tls.write_all(
                    format!("HTTP/1.1 {answer}Content-Length: 0\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                );
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

#[test]
fn https_links_are_checked_over_tls() {
    let port = start_tls_server();
    let base = format!("https://127.0.0.1:{port}");
    let site = Site::fixture("check-hostile");
    site.remove("content/releases/good.md");
    site.write(
        "content/releases/secure.md",
        &format!(
            "---\ntitle: Secure\ndate: 2020-01-01\n---\n[ok]({base}/ok) [moved]({base}/moved)\n[missing]({base}/missing)\n"
        ),
    );
    let run = |ca: Option<&Path>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_secsite"));
        command
            .args(["check", "--root", &site.root_arg(), "--as-of", "2021-01-31"])
            .args(["--external", "--timeout", "5", "--no-cache"])
            .env_remove("SSL_CERT_FILE");
        if let Some(ca) = ca {
            command.env("SSL_CERT_FILE", ca);
        }
        let output = command.output().expect("run secsite");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // Trusting the test CA (as OpenSSL would, through SSL_CERT_FILE).
    let ca = manifest_dir().join("tests/fixtures/tls/ca.pem");
    let (code, stdout, stderr) = run(Some(&ca));
    let link = format!("[missing]({base}/missing)");
    let expected = format!(
        "content/releases/secure.md:6:1: error: the link `{base}/missing` answers 404 Not Found
  |
6 | {link}
  | {}
  = code: broken-external-link
  = help: update the link or remove it
",
        "^".repeat(link.chars().count())
    );
    assert_eq!(stderr, expected);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(": 2 ok (1 after a redirect), 1 broken, 0 unreachable\n"),
        "{stdout}"
    );
    // Without the test CA the certificate is not trusted: the links cannot be checked.
    let (code, stdout, stderr) = run(None);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains(": warning: ") && l.contains("could not be checked"))
            .count(),
        3,
        "{stderr}"
    );
    assert!(
        stderr.contains("could not be checked: the TLS certificate of 127.0.0.1:"),
        "{stderr}"
    );
}

// ---- Random input and the fuzz target's findings ----------------------------------------------

#[test]
fn the_fuzz_regression_seeds_pass_through_the_content_path() {
    let dir = manifest_dir().join("fuzz").join("regressions");
    let mut count = 0;
    for entry in fs::read_dir(&dir).expect("fuzz/regressions") {
        let path = entry.expect("entry").path();
        let bytes = fs::read(&path).expect("read a seed");
        let result = std::panic::catch_unwind(|| secsite::check::fuzz_one(&bytes));
        assert!(result.is_ok(), "{} fails again", path.display());
        count += 1;
    }
    assert!(count > 0);
}

fn seed_notices() -> Vec<Vec<u8>> {
    let dir = manifest_dir().join("tests/fixtures/every-kind/content/releases");
    let mut seeds: Vec<Vec<u8>> = fs::read_dir(dir)
        .expect("every-kind releases")
        .flatten()
        .filter_map(|e| fs::read(e.path()).ok())
        .collect();
    seeds.sort();
    seeds
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Any bytes at all.
    #[test]
    fn random_bytes_never_panic_and_every_diagnostic_points_into_the_file(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)
    ) {
        secsite::check::fuzz_one(&bytes);
    }

    /// A real notice with random bytes and YAML or Markdown tokens spliced in.
    #[test]
    fn mutated_notices_never_panic(
        seed in 0usize..64,
        edits in proptest::collection::vec(
            (0usize..4096, 0usize..8, proptest::sample::select(vec![
                "---\n", "\r", "\r\n", "\t", "\u{feff}", "\0", "\u{2028}", "{a: ", "[", "]", "}",
                "*a", "&a ", ": ", "- ", "#", "\"", "'", "](/x/#y)", "<a href=\"/z\">", "\\",
                "2020-02-30", "MP080", "{#id}", "\n\n", "| a |\n|---|\n", "[^1]\n\n[^1]: x",
            ])),
            0..12,
        )
    ) {
        let seeds = seed_notices();
        let mut bytes = seeds[seed % seeds.len()].clone();
        for (at, cut, token) in edits {
            let at = at % (bytes.len() + 1);
            let end = (at + cut).min(bytes.len());
            bytes.splice(at..end, token.bytes());
        }
        secsite::check::fuzz_one(&bytes);
    }
}

#[test]
fn the_path_of_the_fuzz_target_is_a_library_function() {
    // The fuzz target and the property tests above call the same function.
    let target = fs::read_to_string(manifest_dir().join("fuzz/fuzz_targets/notice.rs"))
        .expect("the fuzz target");
    assert!(target.contains("secsite::check::fuzz_one(data)"));
    assert!(Path::new(&manifest_dir().join("fuzz/Cargo.toml")).is_file());
}
