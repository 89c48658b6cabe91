//! Real judges of the built default site: the W3C Nu HTML Checker (vnu.jar from the npm package
//! vnu-jar, run with the machine's Java) on every HTML page; axe-core in headless Chromium on the
//! home page, a listing, a release, a modification, the Document Log (also as at a date), a
//! document and the search page (also with results), in the light and the dark colour scheme; a
//! real feed parser (npm feedparser, strict XML) on every Atom feed; and the sitemap, which must
//! list every page. Each judge's counts are printed, and every count must be 0.
//!
//! Nothing here skips: a missing Java, Node, npm package or Chromium fails the test with the
//! command that installs it (`scripts/test` installs them all when missing).

use std::collections::BTreeSet;
use std::io::Write;
use std::process::Command;
use std::time::Duration;

use crate::harness::{Site, base_path_of, expected_sitemap_locs, parse_xml};
use crate::site_features::{NODE_SETUP, browser_dir, run_node, run_node_status, tagged_json};

const AS_OF: &str = "2026-11-29";
const BASE_URL: &str = "https://example.org/sec/";

/// The pages axe judges, as site paths.
const AXE_PAGES: &[&str] = &[
    "/",
    "/releases/",
    "/releases/2020-11-27-sec-v27-0-november-2020-release/",
    "/modifications/",
    "/modifications/mp102a/",
    "/documents/",
    "/documents/?at=2020-06-01",
    "/documents/appendix-ad/",
    "/search/",
    "/search/?q=MP102A",
];

/// Prints a line of the judges' report where CI shows it: straight to the process's standard
/// error, which the test harness does not capture (it captures only `print!` and `eprint!`).
fn report(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "judges: {line}");
}

/// Runs vnu.jar on `files`; returns its messages, one per error.
fn nu_html_checker(files: &[std::path::PathBuf]) -> Vec<String> {
    let jar = browser_dir()
        .join("node_modules")
        .join("vnu-jar")
        .join("build")
        .join("dist")
        .join("vnu.jar");
    assert!(
        jar.is_file(),
        "vnu.jar is not installed ({}); run: {NODE_SETUP}",
        jar.display()
    );
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "text"])
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run java ({e}); run: apt-get install -y default-jre-headless")
        });
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Each error is an `Error: …` line followed by a `From line …` line that says where.
    let lines: Vec<&str> = printed.lines().collect();
    let errors: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("Error:") || l.starts_with("Fatal Error:"))
        .map(|(i, l)| match lines.get(i + 1) {
            Some(next) if next.starts_with("From line") || next.starts_with("At line") => {
                format!("{l}\n    {next}")
            }
            _ => l.to_string(),
        })
        .collect();
    assert!(
        output.status.success() == errors.is_empty(),
        "vnu.jar's exit status ({}) and its messages disagree:\n{printed}",
        output.status
    );
    errors
}

#[test]
fn judges_find_nothing_wrong_with_the_default_site() {
    let site = Site::default_site();
    let run = site.build(&["--as-of", AS_OF]);
    run.assert_code(0);
    let output = site.output();

    // The W3C Nu HTML Checker on every page.
    let pages = output.html_pages();
    let files: Vec<_> = pages.iter().map(|p| output.dir.join(p)).collect();
    let vnu_errors = nu_html_checker(&files);
    report(&format!(
        "Nu HTML Checker: {} pages, {} errors",
        pages.len(),
        vnu_errors.len()
    ));

    // axe-core in light and dark, and feedparser on every feed.
    let printed = run_node(
        "judges.mjs",
        &[
            ("SECSITE_OUT", output.dir.to_str().expect("a UTF-8 path")),
            ("SECSITE_BASE_PATH", &base_path_of(BASE_URL)),
            ("SECSITE_PAGES", &AXE_PAGES.join("\n")),
        ],
        &[],
        Duration::from_secs(300),
    );
    let axe = tagged_json(&printed, "AXE");
    assert_eq!(
        axe.len(),
        AXE_PAGES.len() * 2,
        "axe judged every page in both schemes\n{printed}"
    );
    let mut axe_total = 0;
    for result in &axe {
        let violations = result["violations"].as_u64().expect("a count");
        axe_total += violations;
        let page = result["page"].as_str().unwrap_or_default();
        let scheme = result["scheme"].as_str().unwrap_or_default();
        let rules = if violations > 0 {
            format!(" {}", result["rules"])
        } else {
            String::new()
        };
        report(&format!(
            "axe-core: /{page} ({scheme}): {violations} violations{rules}"
        ));
    }
    let feeds = tagged_json(&printed, "FEED");
    let feed_errors: usize = feeds
        .iter()
        .map(|f| f["errors"].as_array().map_or(0, Vec::len))
        .sum();
    report(&format!(
        "feedparser: {} Atom feeds, {} errors",
        feeds.len(),
        feed_errors
    ));
    let expected_feeds = output
        .files()
        .into_iter()
        .filter(|p| p.ends_with("feed.xml"))
        .count();
    assert_eq!(feeds.len(), expected_feeds, "every feed was parsed");
    let site_feed = feeds
        .iter()
        .find(|f| f["path"] == "feed.xml")
        .expect("the site's feed was parsed");
    assert_eq!(site_feed["type"], "atom");
    assert_eq!(
        site_feed["entries"].as_array().map(Vec::len),
        Some(9),
        "the site's feed holds the 9 notices"
    );

    // The sitemap lists every page.
    let sitemap = parse_xml(&output.read("sitemap.xml")).expect("sitemap.xml is well-formed");
    let locs: BTreeSet<String> = sitemap
        .children_named("url")
        .iter()
        .map(|u| u.child("loc").text())
        .collect();
    let expected = expected_sitemap_locs(&output, BASE_URL);
    let missing: Vec<_> = expected.difference(&locs).collect();
    let extra: Vec<_> = locs.difference(&expected).collect();
    report(&format!(
        "sitemap.xml: {} URLs for {} pages, {} missing, {} extra",
        locs.len(),
        expected.len(),
        missing.len(),
        extra.len()
    ));

    assert!(
        vnu_errors.is_empty(),
        "Nu HTML Checker errors:\n{vnu_errors:#?}"
    );
    assert_eq!(axe_total, 0, "axe-core found violations:\n{printed}");
    assert_eq!(feed_errors, 0, "feedparser found errors:\n{printed}");
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the sitemap misses {missing:?} and has extra {extra:?}"
    );
    assert!(
        printed.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "judges.mjs printed no summary\n{printed}"
    );
}

/// The judges are not vacuous: a page with an image without text and an unknown element, and a
/// feed that is not well-formed, are each found out.
#[test]
fn judges_find_a_broken_page_and_a_broken_feed() {
    let site = Site::default_site();
    let run = site.build(&["--as-of", AS_OF]);
    run.assert_code(0);
    let output = site.output();
    let home = output.dir.join("index.html");
    let html = std::fs::read_to_string(&home).expect("read the home page");
    let broken = html.replacen(
        "<main id=\"main\" class=\"wrap\">",
        "<main id=\"main\" class=\"wrap\"><img src=\"x.png\"><blink>x</blink>",
        1,
    );
    assert_ne!(broken, html, "the home page has its <main>");
    std::fs::write(&home, broken).expect("write the broken home page");
    let feed = output.dir.join("feed.xml");
    let xml = std::fs::read_to_string(&feed).expect("read the feed");
    std::fs::write(&feed, xml.replacen("</title>", "</titel>", 1)).expect("break the feed");

    let vnu_errors = nu_html_checker(&[home]);
    assert!(
        !vnu_errors.is_empty(),
        "the Nu HTML Checker finds the unknown element"
    );
    let (success, printed, _) = run_node_status(
        "judges.mjs",
        &[
            ("SECSITE_OUT", output.dir.to_str().expect("a UTF-8 path")),
            ("SECSITE_BASE_PATH", &base_path_of(BASE_URL)),
            ("SECSITE_PAGES", "/"),
        ],
        &[],
        Duration::from_secs(120),
    );
    assert!(!success, "judges.mjs fails on the broken site\n{printed}");
    let axe = tagged_json(&printed, "AXE");
    assert!(
        axe.iter().all(|r| r["rules"]
            .as_array()
            .is_some_and(|rules| rules.iter().any(|rule| rule == "image-alt"))),
        "axe finds the image without text in both schemes\n{printed}"
    );
    let feeds = tagged_json(&printed, "FEED");
    let broken_feed = feeds
        .iter()
        .find(|f| f["path"] == "feed.xml")
        .expect("the site's feed was judged");
    assert!(
        broken_feed["errors"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "feedparser finds the mismatched tag\n{printed}"
    );
}
