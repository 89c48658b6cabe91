//! The repository's own site (secsite.yaml, content/, templates/, static/) built as a user would,
//! checked against the seed page it was written from (tests/fixtures/seeds/, a copy of the seed
//! in shared/seeds/).

use std::collections::BTreeSet;

use crate::harness::{
    Output, Site, check_links, expected_sitemap_locs, fact, link_values, main_of, manifest_dir,
    parse_xml, table_cells_html, table_rows, text,
};

const AS_OF: &str = "2026-11-29";
const BASE_URL: &str = "https://example.org/sec/";
const SEED: &str = "tests/fixtures/seeds/000_6063c06a08147309.txt";
const NOVEMBER: &str = "releases/2020-11-27-sec-v27-0-november-2020-release/index.html";

fn build_default_site() -> (Site, Output) {
    let site = Site::default_site();
    let run = site.build(&["--as-of", AS_OF]);
    run.assert_code(0);
    assert_eq!(run.stderr, "", "the default site builds without a warning");
    let output = site.output();
    (site, output)
}

fn seed() -> String {
    let text = std::fs::read_to_string(manifest_dir().join(SEED)).expect("read the seed copy");
    // When the shared folder is beside the repository, the copy must not have drifted from it.
    let shared = manifest_dir().join("../shared/seeds/000_6063c06a08147309.txt");
    if let Ok(original) = std::fs::read_to_string(shared) {
        assert_eq!(text, original, "{SEED} differs from shared/seeds");
    }
    text
}

/// The lines of the seed table that follows the header line `header`, up to the first blank line.
fn seed_table<'a>(seed: &'a str, header: &str) -> Vec<&'a str> {
    seed.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// A modification row of the seed: id, title, part (`SECMP0062 'Title' part 2Implemented`).
fn seed_modifications(seed: &str) -> Vec<(String, String, Option<String>, String)> {
    seed_table(seed, "ModificationStatus")
        .into_iter()
        .map(|line| {
            let (id, rest) = line.split_once(' ').expect("an id then a title");
            let open = rest.find('\'').expect("an opening quote");
            let close = rest.rfind('\'').expect("a closing quote");
            let title = rest[open + 1..close].to_string();
            let after = rest[close + 1..].trim();
            let status = "Implemented";
            let before_status = after.strip_suffix(status).expect("a status").trim();
            let part = before_status
                .strip_prefix("part ")
                .map(|p| p.trim().to_string());
            (id.to_string(), title, part, status.to_string())
        })
        .collect()
}

/// A document row of the seed: label, title, and the three Yes/No columns.
fn seed_documents(seed: &str) -> Vec<Vec<String>> {
    seed_table(
        seed,
        "SEC documentAvailable on CodeWorksSEC ModificationBEIS Designation",
    )
    .into_iter()
    .map(|line| {
        let (label, rest) = line.split_once(" ‘").expect("a label then a quoted title");
        let (title, mut flags) = rest.split_once('’').expect("a closing quote");
        let mut row = vec![label.to_string(), title.to_string()];
        while !flags.is_empty() {
            let word = ["Yes", "No"]
                .into_iter()
                .find(|w| flags.starts_with(w))
                .unwrap_or_else(|| panic!("a Yes/No column in {line}"));
            row.push(word.to_string());
            flags = &flags[word.len()..];
        }
        assert_eq!(row.len(), 5, "{line}");
        row
    })
    .collect()
}

#[test]
fn the_november_2020_release_lists_the_seed_modifications_in_order() {
    let seed = seed();
    let expected = seed_modifications(&seed);
    assert_eq!(expected.len(), 18, "the seed lists 18 modifications");
    assert_eq!(expected[0].0, "SECMP0062");
    assert_eq!(expected[0].2.as_deref(), Some("2"));

    let (_site, output) = build_default_site();
    let html = output.read(NOVEMBER);
    let main = main_of(&html);
    assert_eq!(
        fact(main, "SEC version").as_deref(),
        Some("27.0"),
        "the headline version"
    );
    assert_eq!(fact(main, "Published").as_deref(), Some("27 November 2020"));
    assert_eq!(fact(main, "Effective").as_deref(), Some("29 November 2020"));
    let rows = table_rows(main, "18 modifications");
    let cells = table_cells_html(main, "18 modifications");
    assert_eq!(rows.len(), expected.len());
    for ((row, cell), (id, title, part, status)) in rows.iter().zip(&cells).zip(&expected) {
        assert_eq!(&row[0], id);
        assert_eq!(&row[1], title, "title of {id}");
        match part {
            Some(part) => assert_eq!(&row[2], part, "part of {id}"),
            None => assert_eq!(row[2], "—not stated", "part of {id}"),
        }
        assert_eq!(&row[3], status, "status of {id}");
        assert_eq!(
            link_values(&cell[0]),
            [format!("/sec/modifications/{}/", id.to_lowercase())]
        );
    }
}

#[test]
fn the_november_2020_release_lists_the_seed_documents_with_their_flags() {
    let expected = seed_documents(&seed());
    assert_eq!(expected.len(), 22, "the seed lists 22 documents");
    let (_site, output) = build_default_site();
    let html = output.read(NOVEMBER);
    let rows = table_rows(main_of(&html), "22 documents");
    assert_eq!(rows.len(), expected.len());
    for (row, seed_row) in rows.iter().zip(&expected) {
        assert_eq!(row, seed_row, "row of {}", seed_row[0]);
    }
}

/// The modification ids listed in the front matter of a notice.
fn listed_modification_ids(notice: &str) -> Vec<String> {
    let mut lines = notice.lines();
    assert_eq!(lines.next(), Some("---"));
    let mut ids = Vec::new();
    let mut section = String::new();
    for line in lines.take_while(|l| *l != "---") {
        if !line.starts_with([' ', '-']) {
            section = line.split(':').next().unwrap_or_default().to_string();
        } else if section == "modifications"
            && let Some(id) = line.trim_start().strip_prefix("- id:")
        {
            ids.push(id.trim().trim_matches(['"', '\'']).to_string());
        }
    }
    ids
}

#[test]
fn every_modification_listed_in_a_notice_has_its_page() {
    let (site, output) = build_default_site();
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(site.root.join("content/releases")).expect("read notices") {
        let path = entry.expect("entry").path();
        let notice = std::fs::read_to_string(&path).expect("read a notice");
        ids.extend(listed_modification_ids(&notice));
    }
    assert!(ids.len() >= 20, "{ids:?}");
    let index = output.read("modifications/index.html");
    let index_links = link_values(&index);
    for id in &ids {
        let segment: String = id.to_lowercase().split_whitespace().collect();
        let page = format!("modifications/{segment}/index.html");
        assert!(output.has(&page), "{id} has no page at {page}");
        assert!(
            text(main_of(&output.read(&page))).contains(id.as_str()),
            "{page} names {id}"
        );
        assert!(
            index_links.contains(&format!("/sec/modifications/{segment}/")),
            "the index links to {id}"
        );
    }
}

#[test]
fn every_internal_link_of_the_default_site_resolves() {
    let (_site, output) = build_default_site();
    let report = check_links(&output, BASE_URL);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(report.internal.len() > 1000, "{}", report.internal.len());
}

#[test]
fn feed_and_sitemap_are_well_formed_and_robots_names_the_sitemap() {
    let (_site, output) = build_default_site();
    let feed = parse_xml(&output.read("feed.xml")).expect("feed.xml is well-formed");
    assert_eq!(feed.name, "feed");
    let notices = std::fs::read_dir(manifest_dir().join("content/releases"))
        .expect("read notices")
        .count();
    assert_eq!(feed.children_named("entry").len(), notices);
    assert_eq!(
        feed.children_named("entry")[0].child("id").text(),
        format!(
            "https://example.org/sec/{}",
            NOVEMBER.trim_end_matches("index.html")
        )
    );

    let sitemap = parse_xml(&output.read("sitemap.xml")).expect("sitemap.xml is well-formed");
    let locs: Vec<String> = sitemap
        .children_named("url")
        .iter()
        .map(|u| u.child("loc").text())
        .collect();
    let unique: BTreeSet<String> = locs.iter().cloned().collect();
    assert_eq!(unique.len(), locs.len(), "no URL twice");
    assert_eq!(unique, expected_sitemap_locs(&output, BASE_URL));
    assert!(!unique.iter().any(|l| l.contains("404")));

    let robots = output.read("robots.txt");
    assert!(
        robots
            .lines()
            .any(|l| l == "Sitemap: https://example.org/sec/sitemap.xml"),
        "{robots}"
    );
}
