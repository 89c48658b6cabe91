//! The reader's features beyond the pages: the JSON exports read back and held against the pages
//! and the content, the calendar read by a real iCalendar parser (ical.js), the feed of each
//! modification and document, the search index, and real-browser tests (headless Chromium) of
//! search as you type, the Document Log as at a date, the pages without JavaScript, and the
//! design at 360 px, in dark mode, in print and from the keyboard.
//!
//! The browser tests and the calendar parser run Node.js scripts of tests/browser/; they fail,
//! never skip, when Node, its packages or Chromium are missing (`scripts/test` installs them).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{
    Output, Site, base_path_of, manifest_dir, parse_xml, table_cells_html, table_rows, tags, text,
};

const DEFAULT_AS_OF: &str = "2026-11-29";
const EVERY_KIND_AS_OF: &str = "2021-01-31";
const BASE_URL: &str = "https://example.org/sec/";

/// What installs the tools of the Node scripts (Debian): scripts/test runs the same.
pub const NODE_SETUP: &str = "apt-get install -y chromium nodejs npm && \
     (cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund)";

/// tests/browser.
pub fn browser_dir() -> std::path::PathBuf {
    manifest_dir().join("tests").join("browser")
}

/// Runs `node tests/browser/<script> ARGS` with `env`, waiting at most `limit`; returns its
/// standard output. Panics (with both streams) when it cannot start, times out or fails.
pub fn run_node(script: &str, env: &[(&str, &str)], args: &[&str], limit: Duration) -> String {
    let (success, out, err) = run_node_status(script, env, args, limit);
    assert!(
        success,
        "node {script} failed; tools: {NODE_SETUP}\n--- stdout\n{out}\n--- stderr\n{err}"
    );
    out
}

/// Runs a script as [`run_node`] does, but returns whether it succeeded, its standard output and
/// its standard error instead of failing. Panics when it cannot start or times out.
pub fn run_node_status(
    script: &str,
    env: &[(&str, &str)],
    args: &[&str],
    limit: Duration,
) -> (bool, String, String) {
    let folder = browser_dir();
    assert!(
        folder.join("node_modules").join("playwright-core").is_dir()
            && folder.join("node_modules").join("axe-core").is_dir(),
        "the npm packages of tests/browser are not installed; run: {NODE_SETUP}"
    );
    let mut command = Command::new("node");
    command
        .arg(folder.join(script))
        .args(args)
        .current_dir(&folder)
        .env("SECSITE_TMP", env!("CARGO_TARGET_TMPDIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node ({e}); run: {NODE_SETUP}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    match status {
        None => panic!(
            "node {script} did not finish within {limit:?}\n--- stdout\n{out}\n--- stderr\n{err}"
        ),
        Some(status) => (status.success(), out, err),
    }
}

/// The JSON of the lines of `output` that start with `TAG `.
pub fn tagged_json(output: &str, tag: &str) -> Vec<Value> {
    let prefix = format!("{tag} ");
    output
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|json| serde_json::from_str(json).expect("a tagged line holds JSON"))
        .collect()
}

fn build(site: &Site, as_of: &str) -> Output {
    let run = site.build(&["--as-of", as_of]);
    run.assert_code(0);
    assert_eq!(run.stderr, "", "the site builds without a warning");
    site.output()
}

fn default_site() -> (Site, Output) {
    let site = Site::default_site();
    let output = build(&site, DEFAULT_AS_OF);
    (site, output)
}

fn every_kind() -> (Site, Output) {
    let site = Site::fixture("every-kind");
    let output = build(&site, EVERY_KIND_AS_OF);
    (site, output)
}

fn json(output: &Output, path: &str) -> Value {
    serde_json::from_str(&output.read(path)).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

fn array<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array in {value}"))
}

fn string(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {value}"))
        .to_string()
}

fn optional(value: &Value, key: &str) -> Option<String> {
    assert!(
        value.get(key).is_some(),
        "`{key}` is missing (optional values are null, never absent) in {value}"
    );
    value[key].as_str().map(str::to_string)
}

/// The output file of an absolute URL of the site.
fn file_of(url: &str) -> String {
    let path = url
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{url} is not under {BASE_URL}"));
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

/// The `href`s of the links in each row of a table, by row.
fn row_links(html: &str, caption: &str) -> Vec<Vec<String>> {
    table_cells_html(html, caption)
        .iter()
        .map(|cells| {
            cells
                .iter()
                .flat_map(|cell| tags(cell))
                .filter(|t| t.name == "a")
                .filter_map(|t| t.attr("href").map(str::to_string))
                .collect()
        })
        .collect()
}

fn yes_no(value: &Value) -> String {
    match value.as_bool() {
        Some(true) => "Yes".to_string(),
        Some(false) => "No".to_string(),
        None => "—not stated".to_string(),
    }
}

fn check_header(export: &Value, title: &str, as_of: &str) {
    assert_eq!(export["schema"], 1);
    assert_eq!(export["generator"], "secsite");
    assert_eq!(export["site"]["title"], title);
    assert_eq!(export["site"]["url"], BASE_URL);
    assert_eq!(export["as_of"], as_of);
}

// ---------------------------------------------------------------------------------------------
// JSON exports.

#[test]
fn releases_json_lists_every_notice_as_its_page_shows_it() {
    let (_site, output) = default_site();
    let export = json(&output, "api/releases.json");
    check_header(&export, "Smart Energy Code releases", DEFAULT_AS_OF);
    let notices = array(&export, "notices");
    let pages: BTreeSet<String> = output
        .html_pages()
        .into_iter()
        .filter(|p| p.starts_with("releases/") && p != "releases/index.html")
        .filter(|p| !p.starts_with("releases/page/"))
        .collect();
    let listed: BTreeSet<String> = notices.iter().map(|n| file_of(&string(n, "url"))).collect();
    assert_eq!(listed, pages, "one entry per notice page");

    // Sorted oldest first by date, then slug.
    let keys: Vec<(String, String)> = notices
        .iter()
        .map(|n| (string(n, "date"), string(n, "slug")))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "notices are sorted by date, then slug");

    for notice in notices {
        let html = output.read(&file_of(&string(notice, "url")));
        assert!(
            text(&html).contains(&string(notice, "title")),
            "the page shows the title {}",
            notice["title"]
        );
        let releasing = notice["releasing"].as_bool().expect("releasing");
        assert_eq!(
            releasing,
            string(notice, "kind") != "news",
            "every kind but news is releasing"
        );
        assert_eq!(notice["effective"].is_string(), releasing);
        if releasing {
            let effective = string(notice, "effective");
            assert!(
                html.contains(&format!("documents/?at={effective}\"")),
                "{} links to the log as at {effective}",
                notice["slug"]
            );
        }
        for key in ["release", "sec_version"] {
            optional(notice, key);
        }

        let modifications = array(notice, "modifications");
        if !modifications.is_empty() {
            let caption = format!(
                "{} modification{}, in the order the notice lists them",
                modifications.len(),
                if modifications.len() == 1 { "" } else { "s" }
            );
            let rows = table_rows(&html, &caption);
            let links = row_links(&html, &caption);
            assert_eq!(rows.len(), modifications.len());
            for ((row, link), m) in rows.iter().zip(&links).zip(modifications) {
                assert_eq!(row[0], string(m, "id"));
                assert_eq!(Some(row[1].clone()), optional(m, "title"));
                assert_eq!(
                    row[3],
                    optional(m, "status").unwrap_or("—not stated".into())
                );
                assert_eq!(link[0], string(m, "url").replace(BASE_URL, "/sec/"));
                assert!(output.has(&file_of(&string(m, "url"))));
            }
        }
        let documents = array(notice, "documents");
        if !documents.is_empty() {
            let caption = format!(
                "{} document{}, in the order the notice lists them",
                documents.len(),
                if documents.len() == 1 { "" } else { "s" }
            );
            let rows = table_rows(&html, &caption);
            assert_eq!(rows.len(), documents.len());
            for (row, d) in rows.iter().zip(documents) {
                assert_eq!(row[0], string(d, "label"));
                assert_eq!(row[1], string(d, "title"));
                assert!(output.has(&file_of(&string(d, "url"))));
            }
        }
    }

    // The November 2020 release as the seed prints it: 18 modifications, SECMP0062 part 2 first.
    let november = notices
        .iter()
        .find(|n| n["slug"] == "2020-11-27-sec-v27-0-november-2020-release")
        .expect("the November 2020 release");
    assert_eq!(november["effective"], "2020-11-29");
    assert_eq!(november["sec_version"], "27.0");
    assert_eq!(november["release"], "November 2020 SEC Release");
    let first = &array(november, "modifications")[0];
    assert_eq!(first["id"], "SECMP0062");
    assert_eq!(first["part"], 2);
    assert_eq!(first["status"], "Implemented");
}

#[test]
fn modifications_json_matches_every_modification_page() {
    let (_site, output) = default_site();
    let export = json(&output, "api/modifications.json");
    check_header(&export, "Smart Energy Code releases", DEFAULT_AS_OF);
    let modifications = array(&export, "modifications");
    let pages: BTreeSet<String> = output
        .html_pages()
        .into_iter()
        .filter(|p| p.starts_with("modifications/") && p != "modifications/index.html")
        .collect();
    let listed: BTreeSet<String> = modifications
        .iter()
        .map(|m| file_of(&string(m, "url")))
        .collect();
    assert_eq!(listed, pages, "one entry per modification page");
    let keys: Vec<String> = modifications.iter().map(|m| string(m, "key")).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by key");

    for m in modifications {
        let id = string(m, "id");
        let html = output.read(&file_of(&string(m, "url")));
        assert!(output.has(&file_of(&string(m, "feed_url"))), "{id}'s feed");
        for key in ["title", "status", "route", "proposer", "raised"] {
            optional(m, key);
        }
        let notices = array(m, "notices");
        let caption = format!("Notices that implement, list or mention {id}, oldest first");
        let links = row_links(&html, &caption);
        let rows = table_rows(&html, &caption);
        assert_eq!(links.len(), notices.len(), "{id}: one row per notice");
        for ((link, row), n) in links.iter().zip(&rows).zip(notices) {
            assert_eq!(link[0], string(n, "url").replace(BASE_URL, "/sec/"));
            let relation = match string(n, "relation").as_str() {
                "implemented" => "Implements it",
                "listed" => "Lists it",
                "mentioned" => "Mentions it",
                other => panic!("unknown relation {other}"),
            };
            assert_eq!(row[1], relation, "{id}");
        }
        let documents: Vec<String> = array(m, "documents")
            .iter()
            .map(|d| format!("/sec/documents/{}/", d.as_str().expect("a document id")))
            .collect();
        let shown: Vec<String> = tags(
            &html[html
                .find("<h2 id=\"documents-heading\">")
                .expect("a documents section")..],
        )
        .iter()
        .filter(|t| t.name == "a")
        .filter_map(|t| t.attr("href").map(str::to_string))
        .filter(|h| h.starts_with("/sec/documents/") && h.len() > "/sec/documents/".len())
        .collect();
        assert_eq!(documents, shown, "{id}: the documents its releases changed");
    }

    let mp102a = modifications
        .iter()
        .find(|m| m["id"] == "MP102A")
        .expect("MP102A");
    assert_eq!(mp102a["status"], "Implemented");
    assert_eq!(
        array(mp102a, "notices")[0]["slug"],
        "2020-11-27-sec-v27-0-november-2020-release"
    );
}

#[test]
fn a_version_of_any_length_stays_in_effect_through_releases_that_give_none() {
    let site = Site::default_site();
    let long = "100.0 (consolidated text of the long-named drafting round)";
    let notices = [
        ("2030-01-10-long", "Long version release", Some(long)),
        ("2030-02-10-silent", "Silent release", None),
        ("2030-03-10-short", "Short version release", Some("101.2")),
        ("2030-04-10-quiet", "Quiet release", None),
    ];
    for (slug, title, version) in notices {
        let date = &slug[..10];
        let version = version.map_or(String::new(), |v| format!("\n    version: \"{v}\""));
        site.write(
            &format!("content/releases/{slug}.md"),
            &format!(
                "---\ntitle: \"{title}\"\ndate: {date}\nkind: ad-hoc-release\nrelease: \"{title}\"\n\
                 documents:\n  - id: section-a{version}\n---\n{title}.\n"
            ),
        );
    }
    for (as_of, current) in [("2030-02-20", long), ("2030-12-31", "101.2")] {
        let output = build(&site, as_of);
        let export = json(&output, "api/documents.json");
        let section_a = array(&export, "documents")
            .iter()
            .find(|d| d["id"] == "section-a")
            .expect("section-a");
        let history = array(section_a, "history");
        let tail: Vec<(String, Option<String>)> = history[history.len() - 4..]
            .iter()
            .map(|h| (string(h, "notice"), optional(h, "version_in_effect")))
            .collect();
        let expected: Vec<(String, Option<String>)> = [
            ("2030-01-10-long", long),
            ("2030-02-10-silent", long),
            ("2030-03-10-short", "101.2"),
            ("2030-04-10-quiet", "101.2"),
        ]
        .iter()
        .map(|(slug, v)| (slug.to_string(), Some(v.to_string())))
        .collect();
        assert_eq!(tail, expected);
        assert_eq!(section_a["current"]["version"], current, "as at {as_of}");
        let log = output.read("documents/index.html");
        assert!(
            log.contains(&format!(">{current}<")),
            "the Document Log as at {as_of} shows {current}"
        );
        let history_json = json(&output, "documents/history.json");
        let rows = history_json["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .find(|d| d["id"] == "section-a")
            .expect("section-a in history.json")["h"]
            .as_array()
            .expect("h")
            .clone();
        let versions: Vec<&str> = rows[rows.len() - 4..]
            .iter()
            .map(|h| h[1].as_str().expect("a version"))
            .collect();
        assert_eq!(versions, [long, long, "101.2", "101.2"]);
    }
}

#[test]
fn a_row_naming_an_alias_is_the_modification_in_histories_and_data_files() {
    // The ad-hoc release lists SECMP0300, an alias of MP300: the document history, releases.json
    // and documents.json name MP300 and link its page, as the notice page does.
    let (_site, output) = every_kind();
    let history = output.read("documents/section-g/index.html");
    let row = history
        .split("<tr")
        .find(|row| row.contains("2020-03-05-ad-hoc-mp300/"))
        .expect("the ad-hoc release's row in the history of Section G");
    assert!(
        row.contains("<ul class=\"inline-list\"><li><a href=\"/sec/modifications/mp300/\">MP300</a></li></ul>"),
        "{row}"
    );
    let releases = json(&output, "api/releases.json");
    let notice = array(&releases, "notices")
        .iter()
        .find(|n| n["slug"] == "2020-03-05-ad-hoc-mp300")
        .expect("the ad-hoc release");
    let listed = &notice["modifications"][0];
    assert_eq!(listed["id"], "SECMP0300", "the id as printed");
    assert_eq!(listed["key"], "MP300");
    assert_eq!(
        listed["url"],
        "https://example.org/sec/modifications/mp300/"
    );
    assert_eq!(listed["title"], "Gamma fix");
    let documents = json(&output, "api/documents.json");
    let section_g = array(&documents, "documents")
        .iter()
        .find(|d| d["id"] == "section-g")
        .expect("Section G");
    let entry = array(section_g, "history")
        .iter()
        .find(|e| {
            e["url"]
                .as_str()
                .is_some_and(|u| u.contains("2020-03-05-ad-hoc-mp300/"))
        })
        .expect("the ad-hoc release's entry");
    assert_eq!(entry["modifications"], serde_json::json!(["MP300"]));
}

#[test]
fn documents_json_holds_each_documents_full_history_and_the_version_in_effect() {
    let (_site, output) = every_kind();
    let export = json(&output, "api/documents.json");
    check_header(&export, "Every Kind & Co", EVERY_KIND_AS_OF);
    let documents = array(&export, "documents");
    let log = output.read("documents/index.html");
    let log_rows = table_rows(&log, "Documents in effect as at");
    assert_eq!(
        documents.len(),
        log_rows.len(),
        "one entry per row of the log"
    );

    for (document, log_row) in documents.iter().zip(&log_rows) {
        let label = string(document, "label");
        assert_eq!(log_row[0], label, "in the log's order");
        let html = output.read(&file_of(&string(document, "url")));
        assert!(output.has(&file_of(&string(document, "feed_url"))));
        let history = array(document, "history");
        // The log's version column is the version in effect of the current entry.
        match document["current"].as_object() {
            Some(current) => {
                let version = current["version"].as_str().unwrap_or("—not stated");
                assert_eq!(log_row[2], version, "{label}: the log's version");
            }
            None => assert_eq!(log_row[4], "No release yet", "{label}"),
        }
        if history.is_empty() {
            continue;
        }
        let caption = format!("Releases that changed {label}, oldest first");
        let rows = table_rows(&html, &caption);
        let links = row_links(&html, &caption);
        assert_eq!(rows.len(), history.len(), "{label}: the full history");
        let mut in_effect: Option<String> = None;
        for ((row, link), h) in rows.iter().zip(&links).zip(history) {
            assert_eq!(link[0], string(h, "url").replace(BASE_URL, "/sec/"));
            assert_eq!(
                row[3],
                optional(h, "version").unwrap_or("—not stated".into()),
                "{label}: the version the row gives"
            );
            assert_eq!(row[4], yes_no(&h["codeworks"]));
            assert_eq!(row[5], yes_no(&h["modification"]));
            assert_eq!(row[6], yes_no(&h["designation"]));
            // A release that gives no version keeps the one in effect.
            if let Some(version) = optional(h, "version") {
                in_effect = Some(version);
            }
            assert_eq!(optional(h, "version_in_effect"), in_effect, "{label}");
            assert_eq!(
                h["upcoming"].as_bool(),
                Some(string(h, "effective").as_str() > EVERY_KIND_AS_OF)
            );
        }
    }

    let section_a = documents
        .iter()
        .find(|d| d["id"] == "section-a")
        .expect("section-a");
    let versions: Vec<(String, Option<String>)> = array(section_a, "history")
        .iter()
        .map(|h| (string(h, "effective"), optional(h, "version")))
        .collect();
    assert_eq!(
        versions,
        [
            ("2020-02-27".to_string(), Some("5.2".to_string())),
            ("2020-11-29".to_string(), Some("5.14".to_string())),
            ("2021-02-25".to_string(), Some("6.0".to_string())),
        ]
    );
    assert_eq!(section_a["current"]["version"], "5.14");
    assert_eq!(section_a["current"]["since"], "2020-11-29");
    assert_eq!(
        section_a["current"]["notice"],
        "2020-11-01-november-release"
    );
}

#[test]
fn the_log_script_reads_the_same_history_as_the_export() {
    let (_site, output) = every_kind();
    let export = json(&output, "api/documents.json");
    let history = json(&output, "documents/history.json");
    assert_eq!(history["as_of"], EVERY_KIND_AS_OF);
    let notices = array(&history, "notices");
    let documents = array(&history, "documents");
    assert_eq!(documents.len(), array(&export, "documents").len());
    for (compact, full) in documents.iter().zip(array(&export, "documents")) {
        assert_eq!(compact["id"], full["id"]);
        let expected: Vec<(String, Option<String>, String)> = array(full, "history")
            .iter()
            .map(|h| {
                (
                    string(h, "effective"),
                    optional(h, "version_in_effect"),
                    string(h, "url").replace(BASE_URL, "/sec/"),
                )
            })
            .collect();
        let actual: Vec<(String, Option<String>, String)> = array(compact, "h")
            .iter()
            .map(|h| {
                let notice = &notices[h[2].as_u64().expect("a notice number") as usize];
                (
                    h[0].as_str().expect("a date").to_string(),
                    h[1].as_str().map(str::to_string),
                    notice[0].as_str().expect("a URL").to_string(),
                )
            })
            .collect();
        assert_eq!(actual, expected, "{}", full["id"]);
    }
}

#[test]
fn the_search_index_holds_every_notice_modification_and_document() {
    let (_site, output) = default_site();
    let index = json(&output, "search/index.json");
    let releases = json(&output, "api/releases.json");
    let modifications = json(&output, "api/modifications.json");
    let documents = json(&output, "api/documents.json");
    let slugs: Vec<String> = array(&index, "n")
        .iter()
        .map(|n| n[0].as_str().expect("a slug").to_string())
        .collect();
    let mut newest_first: Vec<String> = array(&releases, "notices")
        .iter()
        .map(|n| string(n, "slug"))
        .collect();
    newest_first.reverse();
    assert_eq!(slugs, newest_first, "every notice, newest first");
    let ids: Vec<&Value> = array(&index, "m").iter().map(|m| &m[0]).collect();
    let expected: Vec<&Value> = array(&modifications, "modifications")
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, expected, "every modification, by key");
    let ids: Vec<&Value> = array(&index, "d").iter().map(|d| &d[0]).collect();
    let expected: Vec<&Value> = array(&documents, "documents")
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(ids, expected, "every document, in order");
    let november = array(&index, "n")
        .iter()
        .find(|n| n[0] == "2020-11-27-sec-v27-0-november-2020-release")
        .expect("November 2020");
    assert!(
        november[8]
            .as_str()
            .expect("ids")
            .split(' ')
            .any(|id| id == "MP102A"),
        "a notice is found by the ids it lists: {november}"
    );
}

#[test]
fn the_data_files_are_the_same_from_one_build_to_the_next_and_follow_the_base_url() {
    let site = Site::default_site();
    let first = build(&site, DEFAULT_AS_OF).snapshot();
    let again = build(&site, DEFAULT_AS_OF).snapshot();
    let files = [
        "api/releases.json",
        "api/modifications.json",
        "api/documents.json",
        "search/index.json",
        "documents/history.json",
        "calendar.ics",
    ];
    for file in files {
        assert!(first.contains_key(file), "{file} is written");
        assert_eq!(first[file], again[file], "{file} is stable");
    }
    let run = site.build(&[
        "--as-of",
        DEFAULT_AS_OF,
        "--base-url",
        "https://other.example/",
    ]);
    run.assert_code(0);
    let moved = site.output();
    let releases = moved.read("api/releases.json");
    assert!(releases.contains("\"url\":\"https://other.example/releases/"));
    assert!(!releases.contains("example.org"));
    let history = moved.read("documents/history.json");
    assert!(history.contains("\"/releases/"), "root-relative under /");
}

// ---------------------------------------------------------------------------------------------
// The calendar, read by ical.js.

fn parse_calendar(output: &Output) -> Value {
    let path = output.dir.join("calendar.ics");
    let printed = run_node(
        "parse-ics.mjs",
        &[],
        &[path.to_str().expect("a UTF-8 path")],
        Duration::from_secs(60),
    );
    tagged_json(&printed, "ICS")
        .pop()
        .expect("parse-ics.mjs printed the calendar")
}

fn next_day(iso: &str) -> String {
    let date = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("an ISO date");
    (date + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn the_calendar_has_one_event_per_release_on_its_effective_date_read_by_ical_js() {
    for (site, output) in [default_site(), every_kind()] {
        let raw = output.read("calendar.ics");
        assert!(raw.starts_with("BEGIN:VCALENDAR\r\n"), "CRLF lines");
        assert!(
            raw.split("\r\n").all(|line| line.len() <= 75),
            "every line is folded at 75 octets"
        );
        let calendar = parse_calendar(&output);
        assert_eq!(calendar["version"], "2.0");
        assert_eq!(calendar["calscale"], "GREGORIAN");
        let releases = json(&output, "api/releases.json");
        let mut expected: Vec<&Value> = array(&releases, "notices")
            .iter()
            .filter(|n| n["releasing"] == true)
            .collect();
        expected.sort_by_key(|n| (string(n, "effective"), string(n, "date"), string(n, "slug")));
        let events = array(&calendar, "events");
        assert_eq!(
            events.len(),
            expected.len(),
            "{}: one event per release",
            site.root.display()
        );
        let mut uids = BTreeSet::new();
        for (event, notice) in events.iter().zip(expected) {
            let effective = string(notice, "effective");
            assert_eq!(event["start"], effective.as_str());
            assert_eq!(event["end"], next_day(&effective).as_str());
            assert_eq!(event["allDay"], true);
            assert_eq!(event["url"], notice["url"]);
            assert!(uids.insert(string(event, "uid")), "UIDs are unique");
            let summary = string(event, "summary");
            match (optional(notice, "release"), optional(notice, "sec_version")) {
                (Some(release), Some(version)) => {
                    assert_eq!(summary, format!("{release} takes effect (SEC v{version})"))
                }
                (Some(release), None) => assert_eq!(summary, format!("{release} takes effect")),
                (None, _) => assert_eq!(summary, string(notice, "title")),
            }
            assert!(string(event, "description").ends_with(&string(notice, "url")));
            assert_eq!(
                event["dtstamp"],
                format!("{}T00:00:00Z", string(notice, "date")).as_str(),
                "the stamp is the day it was published, not the build's clock"
            );
        }
    }
    // Text that needs escaping comes back as written: the every-kind site's title has an `&`,
    // the default site's notices have commas.
    let (_site, output) = default_site();
    let calendar = parse_calendar(&output);
    let november = array(&calendar, "events")
        .iter()
        .find(|e| e["start"] == "2020-11-29")
        .expect("the November 2020 release");
    assert_eq!(
        november["summary"],
        "November 2020 SEC Release takes effect (SEC v27.0)"
    );
    assert!(
        string(november, "description").contains("18 modifications and a BEIS designation"),
        "{november}"
    );
}

// ---------------------------------------------------------------------------------------------
// Feeds of one modification or one document.

/// The entries of an Atom feed as (id, link, summary).
fn feed_entries(xml: &str) -> (String, Vec<(String, String, String)>) {
    let feed = parse_xml(xml).expect("the feed is well-formed");
    assert_eq!(feed.name, "feed");
    let title = feed.child("title").text();
    let entries = feed
        .children_named("entry")
        .into_iter()
        .map(|e| {
            (
                e.child("id").text(),
                e.child("link").attr("href").unwrap_or_default().to_string(),
                e.children_named("summary")
                    .first()
                    .map(|s| s.text())
                    .unwrap_or_default(),
            )
        })
        .collect();
    (title, entries)
}

/// The `href` of the page's `<link rel="alternate" type="application/atom+xml">` elements.
fn atom_alternates(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .filter(|t| {
            t.name == "link"
                && t.attr("rel") == Some("alternate")
                && t.attr("type") == Some("application/atom+xml")
        })
        .filter_map(|t| t.attr("href").map(str::to_string))
        .collect()
}

#[test]
fn each_modification_and_document_has_a_feed_its_page_links() {
    let (_site, output) = every_kind();
    let modifications = json(&output, "api/modifications.json");
    for m in array(&modifications, "modifications") {
        let id = string(m, "id");
        let page = output.read(&file_of(&string(m, "url")));
        let feed_path = file_of(&string(m, "feed_url"));
        assert_eq!(
            atom_alternates(&page),
            ["/sec/feed.xml".to_string(), format!("/sec/{feed_path}")],
            "{id}'s page links the site's feed and its own"
        );
        let (title, entries) = feed_entries(&output.read(&feed_path));
        assert!(title.starts_with(&id), "{title}");
        let mut expected: Vec<String> = array(m, "notices")
            .iter()
            .map(|n| string(n, "url"))
            .collect();
        expected.reverse();
        let ids: Vec<String> = entries.iter().map(|(id, _, _)| id.clone()).collect();
        assert_eq!(ids, expected, "{id}: its notices, newest first");
        for ((_, link, summary), n) in entries.iter().zip(array(m, "notices").iter().rev()) {
            assert_eq!(link, &string(n, "url"));
            let said = match string(n, "relation").as_str() {
                "implemented" => "Implements",
                "listed" => "Lists",
                _ => "Mentions",
            };
            assert!(summary.starts_with(&format!("{said} {id}")), "{summary}");
        }
    }

    let documents = json(&output, "api/documents.json");
    for d in array(&documents, "documents") {
        let label = string(d, "label");
        let page = output.read(&file_of(&string(d, "url")));
        let feed_path = file_of(&string(d, "feed_url"));
        assert_eq!(
            atom_alternates(&page),
            ["/sec/feed.xml".to_string(), format!("/sec/{feed_path}")],
            "{label}'s page links its feed"
        );
        let (title, entries) = feed_entries(&output.read(&feed_path));
        assert!(title.starts_with(&label), "{title}");
        let history: Vec<&Value> = array(d, "history").iter().rev().collect();
        assert_eq!(entries.len(), history.len(), "{label}");
        for ((_, link, summary), h) in entries.iter().zip(history) {
            assert_eq!(link, &string(h, "url"));
            match optional(h, "version") {
                Some(v) => assert!(
                    summary.starts_with(&format!("Sets {label} to version {v}")),
                    "{summary}"
                ),
                None => assert!(
                    summary.starts_with(&format!("Changes {label}")),
                    "{summary}"
                ),
            }
        }
    }
    // The feed of Section A, newest first: the upcoming 6.0, then 5.14, then 5.2.
    let (_, entries) = feed_entries(&output.read("documents/section-a/feed.xml"));
    let summaries: Vec<&str> = entries.iter().map(|(_, _, s)| s.as_str()).collect();
    assert!(summaries[0].starts_with(
        "Sets Section A to version 6.0, takes effect 25 February 2021 (February 2021 SEC Release)."
    ));
    assert!(summaries[1].starts_with("Sets Section A to version 5.14, effective 29 November 2020"));
    assert!(summaries[2].starts_with("Sets Section A to version 5.2"));
}

#[test]
fn pages_that_are_not_html_stay_out_of_the_sitemap_and_search_is_in_it() {
    let (_site, output) = default_site();
    let sitemap = parse_xml(&output.read("sitemap.xml")).expect("sitemap.xml parses");
    let locs: BTreeSet<String> = sitemap
        .children_named("url")
        .iter()
        .map(|u| u.child("loc").text())
        .collect();
    assert!(locs.contains(&format!("{BASE_URL}search/")));
    assert!(
        locs.iter()
            .all(|l| l.ends_with('/') && !l.ends_with(".json") && !l.ends_with(".xml")),
        "{locs:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Real browsers.

fn browser_checks(output: &Output, checks: &str) {
    let printed = run_node(
        "features.mjs",
        &[
            ("SECSITE_OUT", output.dir.to_str().expect("a UTF-8 path")),
            ("SECSITE_BASE_PATH", &base_path_of(BASE_URL)),
            ("SECSITE_CHECKS", checks),
        ],
        &[],
        Duration::from_secs(240),
    );
    assert!(
        printed.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "the browser test printed no summary\n{printed}"
    );
}

#[test]
fn browser_search_shows_mp102a_first_as_it_is_typed() {
    let (_site, output) = default_site();
    browser_checks(&output, "search");
}

#[test]
fn browser_document_log_as_at_a_date_before_and_after_a_release() {
    let (_site, output) = every_kind();
    browser_checks(&output, "log");
}

#[test]
fn browser_without_javascript_search_says_so_and_the_log_shows_the_build_date() {
    let (_site, output) = default_site();
    browser_checks(&output, "nojs");
}

#[test]
fn browser_design_at_360_px_in_dark_mode_in_print_and_from_the_keyboard() {
    let (_site, output) = default_site();
    browser_checks(&output, "design");
}

/// Which of the built-in scripts each page loads: only the search page and the log load one.
#[test]
fn only_the_search_page_and_the_log_load_a_script() {
    let (_site, output) = default_site();
    let mut loading: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for page in output.html_pages() {
        let scripts: Vec<String> = tags(&output.read(&page))
            .into_iter()
            .filter(|t| t.name == "script")
            .map(|t| t.attr("src").unwrap_or("inline").to_string())
            .collect();
        if !scripts.is_empty() {
            loading.insert(page, scripts);
        }
    }
    let expected: BTreeMap<String, Vec<String>> = [
        ("documents/index.html", "/sec/log.js"),
        ("search/index.html", "/sec/search.js"),
    ]
    .into_iter()
    .map(|(p, s)| (p.to_string(), vec![s.to_string()]))
    .collect();
    assert_eq!(loading, expected);
    for script in ["search.js", "log.js"] {
        let source = output.read(script);
        for forbidden in [
            "http://",
            "https://",
            "import ",
            "require(",
            "XMLHttpRequest",
        ] {
            assert!(
                !source.contains(forbidden),
                "{script} has no dependency and reaches nothing else ({forbidden})"
            );
        }
    }
}
