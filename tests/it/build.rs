//! `secsite build` on the every-kind fixture: the pages a reader sees, sub-path hosting,
//! determinism, the output swap, template overrides and the command line.

use std::collections::BTreeSet;

use crate::harness::{
    AS_OF, Output, Site, base_path_of, check_links, expected_sitemap_locs, fact, hrefs_after_class,
    link_values, main_of, parse_xml, path_arg, rel_links, rows, table_cells_html, table_rows, tags,
    text,
};

const BASE_URL: &str = "https://example.org/sec/";

const FEBRUARY: &str = "releases/2020-01-10-february-release/index.html";
const AD_HOC: &str = "releases/2020-03-05-ad-hoc-mp300/index.html";
const DESIGNATION: &str = "releases/2020-04-01-beis-designation/index.html";
const DCC_CHANGE: &str = "releases/2020-05-01-dcc-change/index.html";
const MODCAST: &str = "releases/2020-06-01-modcast/index.html";
const NOVEMBER: &str = "releases/2020-11-01-november-release/index.html";
const FUTURE: &str = "releases/2021-01-15-february-2021-release/index.html";
const DRAFT: &str = "releases/2020-12-01-draft-notice/index.html";

/// The every-kind fixture, built at AS_OF with no diagnostic.
fn every_kind() -> (Site, Output) {
    let site = Site::fixture("every-kind");
    let output = site.build_ok(&[]);
    (site, output)
}

/// The URL of a notice page under /sec/.
fn notice_url(page: &str) -> String {
    format!("/sec/{}", page.trim_end_matches("index.html"))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_kind_writes_every_page_and_nothing_else() {
    let (_site, output) = every_kind();
    let expected = set(&[
        "404.html",
        "about/index.html",
        "api/documents.json",
        "api/modifications.json",
        "api/releases.json",
        "calendar.ics",
        "documents/appendix-ab/feed.xml",
        "documents/appendix-ab/index.html",
        "documents/appendix-e/feed.xml",
        "documents/appendix-e/index.html",
        "documents/history.json",
        "documents/index.html",
        "documents/schedule-11/feed.xml",
        "documents/schedule-11/index.html",
        "documents/schedule-8/feed.xml",
        "documents/schedule-8/index.html",
        "documents/section-a/feed.xml",
        "documents/section-a/index.html",
        "documents/section-g/feed.xml",
        "documents/section-g/index.html",
        "documents/section-z/feed.xml",
        "documents/section-z/index.html",
        "feed.xml",
        "img/logo.svg",
        "index.html",
        "log.js",
        "modifications/index.html",
        "modifications/mp100/feed.xml",
        "modifications/mp100/index.html",
        "modifications/mp200/feed.xml",
        "modifications/mp200/index.html",
        "modifications/mp300/feed.xml",
        "modifications/mp300/index.html",
        "modifications/mp400/feed.xml",
        "modifications/mp400/index.html",
        "modifications/mp500/feed.xml",
        "modifications/mp500/index.html",
        FEBRUARY,
        AD_HOC,
        DESIGNATION,
        DCC_CHANGE,
        MODCAST,
        NOVEMBER,
        FUTURE,
        "releases/index.html",
        "releases/page/2/index.html",
        "releases/page/3/index.html",
        "releases/page/4/index.html",
        "robots.txt",
        "search/index.html",
        "search/index.json",
        "search.js",
        "sitemap.xml",
        "style.css",
    ]);
    let actual = output.files();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(
        output.read("img/logo.svg"),
        std::fs::read_to_string(crate::harness::fixture_dir(
            "every-kind/static/img/logo.svg"
        ))
        .unwrap(),
        "static files are copied as they are"
    );
}

#[test]
fn a_scheduled_release_page_shows_its_facts_tables_and_body() {
    let (_site, output) = every_kind();
    let html = output.read(NOVEMBER);
    let main = main_of(&html);
    assert!(main.contains("<h1>SEC v27.0 published for the November 2020 SEC Release</h1>"));
    assert_eq!(fact(main, "Kind").as_deref(), Some("Scheduled release"));
    assert_eq!(fact(main, "Published").as_deref(), Some("1 November 2020"));
    assert_eq!(fact(main, "Effective").as_deref(), Some("29 November 2020"));
    assert_eq!(
        fact(main, "Release").as_deref(),
        Some("November 2020 SEC Release")
    );
    assert_eq!(fact(main, "SEC version").as_deref(), Some("27.0"));
    assert_eq!(
        table_rows(main, "1 modification"),
        rows(&[&["MP100", "Alpha change", "2", "Implemented"]])
    );
    assert_eq!(
        table_rows(main, "3 documents"),
        rows(&[
            &[
                "Section A",
                "Definitions and Interpretation",
                "5.14",
                "Yes",
                "Yes",
                "No"
            ],
            &["Section G", "Security", "—not stated", "Yes", "Yes", "No"],
            &[
                "Appendix E",
                "DCC User Interface Services Schedule",
                "2.0",
                "Yes",
                "No",
                "Yes"
            ],
        ])
    );
    let document_links: Vec<Vec<String>> = table_cells_html(main, "3 documents")
        .iter()
        .map(|row| link_values(&row[0]))
        .collect();
    assert_eq!(
        document_links,
        [
            ["/sec/documents/section-a/"],
            ["/sec/documents/section-g/"],
            ["/sec/documents/appendix-e/"]
        ]
    );
    assert_eq!(
        link_values(&table_cells_html(main, "1 modification")[0][0]),
        ["/sec/modifications/mp100/"]
    );
    // The body: the id in prose links, the heading gets an id, the root-relative link is placed
    // under the base path.
    assert!(
        main.contains(
            "<p>SEC version 27.0 implements part 2 of <a href=\"/sec/modifications/mp100/\">MP100</a>.</p>"
        ),
        "{main}"
    );
    assert!(main.contains("<h2 id=\"upcoming\">Upcoming</h2>"), "{main}");
    assert!(main.contains("href=\"/sec/documents/#upcoming-heading\""));
}

#[test]
fn ad_hoc_designation_document_change_and_news_pages_show_their_kind() {
    let (_site, output) = every_kind();

    let ad_hoc = output.read(AD_HOC);
    assert_eq!(fact(&ad_hoc, "Kind").as_deref(), Some("Ad-hoc release"));
    assert_eq!(
        fact(&ad_hoc, "Effective").as_deref(),
        Some("5 March 2020"),
        "effective defaults to the date"
    );
    assert_eq!(
        table_rows(&ad_hoc, "1 modification"),
        rows(&[&["SECMP0300", "Gamma fix", "—not stated", "Implemented"]])
    );
    assert_eq!(
        link_values(&table_cells_html(&ad_hoc, "1 modification")[0][0]),
        ["/sec/modifications/mp300/"],
        "an alias links to the modification's page"
    );
    assert_eq!(
        table_rows(&ad_hoc, "1 document"),
        rows(&[&["Section G", "Security", "2.0"]]),
        "no flag columns when no row gives a flag"
    );

    let designation = output.read(DESIGNATION);
    assert_eq!(fact(&designation, "Kind").as_deref(), Some("Designation"));
    assert!(!main_of(&designation).contains("modifications-heading"));
    assert_eq!(
        table_rows(&designation, "1 document"),
        rows(&[&[
            "Schedule 11",
            "TS Applicability Tables",
            "3.0",
            "—not stated",
            "—not stated",
            "Yes"
        ]])
    );

    let change = output.read(DCC_CHANGE);
    assert_eq!(fact(&change, "Kind").as_deref(), Some("Document change"));
    assert_eq!(fact(&change, "Effective").as_deref(), Some("4 May 2020"));

    let news = output.read(MODCAST);
    let main = main_of(&news);
    assert_eq!(fact(main, "Kind").as_deref(), Some("News"));
    assert_eq!(fact(main, "Effective"), None, "news takes no effect");
    assert_eq!(
        table_rows(main, "1 modification"),
        rows(&[&["MP400", "Delta idea", "—not stated", "Refinement Process"]])
    );
    assert!(
        main.contains("talks about <a href=\"/sec/modifications/mp200/\">MP200</a> in plain prose"),
        "an id in prose links: {main}"
    );
    assert!(
        main.contains("<code>MP100</code>") && !main.contains("/sec/modifications/mp100/"),
        "an id in code does not link: {main}"
    );
    assert!(main.contains("<img src=\"/sec/img/logo.svg\" alt=\"Logo\" />"));

    let future = output.read(FUTURE);
    assert_eq!(
        fact(&future, "Takes effect").as_deref(),
        Some("25 February 2021 Upcoming")
    );
}

#[test]
fn listing_pages_paginate_every_notice_newest_first() {
    let (_site, output) = every_kind();
    let pages = [
        ("releases/index.html", vec![FUTURE, NOVEMBER]),
        ("releases/page/2/index.html", vec![MODCAST, DCC_CHANGE]),
        ("releases/page/3/index.html", vec![DESIGNATION, AD_HOC]),
        ("releases/page/4/index.html", vec![FEBRUARY]),
    ];
    for (page, notices) in &pages {
        let html = output.read(page);
        let expected: Vec<String> = notices.iter().map(|n| notice_url(n)).collect();
        assert_eq!(
            hrefs_after_class(main_of(&html), "notice-title"),
            expected,
            "{page}"
        );
        let numbers: Vec<String> = tags(&html)
            .into_iter()
            .filter(|t| t.name == "a" && t.attr("href").is_some_and(|h| h.contains("/releases/")))
            .filter(|t| t.attr("rel").is_none())
            .filter_map(|t| t.attr("href").map(str::to_string))
            .filter(|h| h == "/sec/releases/" || h.contains("/page/"))
            .collect();
        assert!(
            numbers.ends_with(&[
                "/sec/releases/".to_string(),
                "/sec/releases/page/2/".to_string(),
                "/sec/releases/page/3/".to_string(),
                "/sec/releases/page/4/".to_string(),
            ]),
            "{page} links to every listing page: {numbers:?}"
        );
    }
    let first = output.read("releases/index.html");
    assert_eq!(rel_links(&first, "prev"), Vec::<String>::new());
    assert_eq!(rel_links(&first, "next"), ["/sec/releases/page/2/"]);
    let second = output.read("releases/page/2/index.html");
    assert_eq!(rel_links(&second, "prev"), ["/sec/releases/"]);
    assert_eq!(rel_links(&second, "next"), ["/sec/releases/page/3/"]);
    let last = output.read("releases/page/4/index.html");
    assert_eq!(rel_links(&last, "prev"), ["/sec/releases/page/3/"]);
    assert_eq!(rel_links(&last, "next"), Vec::<String>::new());
    assert!(!output.has("releases/page/5/index.html"));
    assert!(
        !output.has("releases/page/1/index.html"),
        "page 1 is /releases/"
    );

    // Kind, dates and summary of each notice in the listing.
    let main = text(main_of(&first));
    assert!(main.contains(
        "SEC v28.0 published for the February 2021 SEC Release Scheduled release Upcoming Published 15 January 2021 Takes effect 25 February 2021"
    ), "{main}");
    let last_text = text(main_of(&last));
    assert!(
        last_text
            .contains("The February 2020 SEC Release implements part 1 of MP100 and all of MP200."),
        "the summary defaults to the first paragraph, as plain text: {last_text}"
    );
}

#[test]
fn previous_and_next_links_follow_the_order_of_publication() {
    let (_site, output) = every_kind();
    let order = [
        FEBRUARY,
        AD_HOC,
        DESIGNATION,
        DCC_CHANGE,
        MODCAST,
        NOVEMBER,
        FUTURE,
    ];
    for (index, page) in order.iter().enumerate() {
        let html = output.read(page);
        let previous: Vec<String> = index
            .checked_sub(1)
            .map(|i| notice_url(order[i]))
            .into_iter()
            .collect();
        let next: Vec<String> = order
            .get(index + 1)
            .map(|p| notice_url(p))
            .into_iter()
            .collect();
        assert_eq!(rel_links(&html, "prev"), previous, "older notice of {page}");
        assert_eq!(rel_links(&html, "next"), next, "newer notice of {page}");
    }
}

/// The links of a modification page's "Documents changed" section, those under `documents`.
fn documents_changed(page: &str, documents: &str) -> Vec<String> {
    tags(page)
        .into_iter()
        .skip_while(|t| t.attr("id") != Some("documents-heading"))
        .filter(|t| t.name == "a")
        .filter_map(|t| t.attr("href").map(str::to_string))
        .filter(|href| href.starts_with(documents))
        .collect()
}

/// The documents a modification page lists are those its implementing releases changed: not
/// those of a release that only lists it or of a notice that releases nothing, each once, in the
/// registry's order, with a registry longer than 64 documents.
#[test]
fn a_modification_lists_the_documents_its_implementing_releases_changed() {
    let site = Site::empty("documents-touched");
    site.write(
        "secsite.yaml",
        "title: Touched\nbase_url: https://example.org/\n",
    );
    let registry: String = (1..=70)
        .map(|n| {
            format!(
                "- id: section-{n}\n  kind: section\n  ref: \"{n}\"\n  title: \"Section {n}\"\n"
            )
        })
        .collect();
    site.write("content/documents.yaml", &registry);
    let notice = |slug: &str, date: &str, kind: &str, status: &str, documents: &[u32]| {
        let rows: String = documents
            .iter()
            .map(|d| format!("  - id: section-{d}\n    version: \"1.{d}\"\n"))
            .collect();
        site.write(
            &format!("content/releases/{slug}.md"),
            &format!(
                "---\ntitle: \"{slug}\"\ndate: {date}\nkind: {kind}\neffective: {date}\nmodifications:\n  - id: MP1\n    title: \"One\"\n    status: {status}\ndocuments:\n{rows}---\nBody.\n"
            ),
        );
    };
    notice(
        "first",
        "2020-01-01",
        "scheduled-release",
        "Implemented",
        &[67, 2],
    );
    notice(
        "second",
        "2020-02-01",
        "scheduled-release",
        "Implemented",
        &[2, 40],
    );
    notice(
        "listed",
        "2020-03-01",
        "scheduled-release",
        "Approved",
        &[5],
    );
    notice("news", "2020-04-01", "news", "Implemented", &[6]);
    let output = site.build_ok(&[]);
    let page = output.read("modifications/mp1/index.html");
    assert_eq!(
        documents_changed(&page, "/documents/"),
        [
            "/documents/section-2/",
            "/documents/section-40/",
            "/documents/section-67/"
        ]
    );
    let export = output.read("api/modifications.json");
    assert!(
        export.contains("\"documents\":[\"section-2\",\"section-40\",\"section-67\"]"),
        "{export}"
    );
}

#[test]
fn modification_pages_list_every_notice_that_lists_or_mentions_them() {
    let (_site, output) = every_kind();

    let mp100 = output.read("modifications/mp100/index.html");
    assert!(mp100.contains("<h1><span class=\"mod-id\">MP100</span>: Alpha change</h1>"));
    assert_eq!(
        table_rows(&mp100, "Notices that implement, list or mention MP100"),
        rows(&[
            &[
                "February 2020 SEC Release published Scheduled release",
                "Implements it",
                "1",
                "Implemented",
                "10 January 2020",
                "27 February 2020"
            ],
            &[
                "SEC v27.0 published for the November 2020 SEC Release Scheduled release",
                "Implements it",
                "2",
                "Implemented",
                "1 November 2020",
                "29 November 2020"
            ],
        ]),
        "both parts, and not the news notice that has MP100 only in code"
    );
    assert_eq!(
        documents_changed(&mp100, "/sec/documents/"),
        [
            "/sec/documents/section-a/",
            "/sec/documents/section-g/",
            "/sec/documents/appendix-e/"
        ],
        "documents touched by the implementing releases, in document order"
    );

    let mp200 = output.read("modifications/mp200/index.html");
    assert_eq!(
        table_rows(&mp200, "Notices that implement, list or mention MP200"),
        rows(&[
            &[
                "February 2020 SEC Release published Scheduled release",
                "Implements it",
                "—not stated",
                "Implemented",
                "10 January 2020",
                "27 February 2020"
            ],
            &[
                "SEC Modcast – June 2020 News",
                "Mentions it",
                "—not stated",
                "—not stated",
                "1 June 2020",
                "—not stated"
            ],
        ])
    );

    let mp300 = output.read("modifications/mp300/index.html");
    let main = main_of(&mp300);
    assert_eq!(fact(main, "Status").as_deref(), Some("Implemented"));
    assert_eq!(fact(main, "Route").as_deref(), Some("Self-Governance"));
    assert_eq!(fact(main, "Raised").as_deref(), Some("18 December 2019"));
    assert_eq!(fact(main, "Also known as").as_deref(), Some("SECMP0300"));
    assert!(
        main.contains("<li><a href=\"/sec/modifications/mp100/\">MP100</a></li><li>MP999</li>"),
        "a related id links only when the site knows it: {main}"
    );
    assert!(main.contains("<p>Gamma fixes a mistake in Section G.</p>"));
    assert_eq!(
        table_rows(main, "Notices that implement, list or mention MP300"),
        rows(&[&[
            "Ad-hoc SEC Release – SECMP0300 implemented Ad-hoc release",
            "Implements it",
            "—not stated",
            "Implemented",
            "5 March 2020",
            "5 March 2020"
        ]])
    );

    let mp400 = output.read("modifications/mp400/index.html");
    assert_eq!(
        table_rows(&mp400, "Notices that implement, list or mention MP400"),
        rows(&[&[
            "SEC Modcast – June 2020 News",
            "Lists it",
            "—not stated",
            "Refinement Process",
            "1 June 2020",
            "—not stated"
        ]])
    );

    // The free page links an alias written with and without its inner space.
    let about = output.read("about/index.html");
    assert!(about.contains("<a href=\"/sec/modifications/mp300/\">SECMP0300</a>"));
    assert!(about.contains("<a href=\"/sec/modifications/mp300/\">SECMP 0300</a>"));
}

#[test]
fn the_modification_index_lists_status_and_implementing_releases() {
    let (_site, output) = every_kind();
    let html = output.read("modifications/index.html");
    let cells = table_cells_html(&html, "5 modifications, sorted by id");
    let summary: Vec<(String, String, String, Vec<String>)> = cells
        .iter()
        .map(|row| {
            (
                text(&row[0]),
                text(&row[1]),
                text(&row[2]),
                link_values(&row[3]),
            )
        })
        .collect();
    let expected = [
        (
            "MP100",
            "Alpha change",
            "Implemented",
            vec![notice_url(FEBRUARY), notice_url(NOVEMBER)],
        ),
        (
            "MP200",
            "Beta change",
            "Implemented",
            vec![notice_url(FEBRUARY)],
        ),
        (
            "MP300",
            "Gamma fix",
            "Implemented",
            vec![notice_url(AD_HOC)],
        ),
        ("MP400", "Delta idea", "—not stated", vec![]),
        (
            "MP500",
            "Epsilon update",
            "Implemented",
            vec![notice_url(FUTURE)],
        ),
    ]
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d));
    assert_eq!(summary, expected);
    assert!(text(&cells[0][3]).contains("February 2020 SEC Release (27 February 2020)"));
}

#[test]
fn document_pages_show_each_release_with_version_flags_and_modifications() {
    let (_site, output) = every_kind();
    let html = output.read("documents/section-a/index.html");
    let main = main_of(&html);
    assert!(main.contains("<h1>Section A: Definitions and Interpretation</h1>"));
    assert_eq!(fact(main, "Version").as_deref(), Some("5.14"));
    assert_eq!(
        fact(main, "In effect since").as_deref(),
        Some("29 November 2020")
    );
    assert_eq!(
        fact(main, "Set by").as_deref(),
        Some("SEC v27.0 published for the November 2020 SEC Release")
    );
    let caption = "Releases that changed Section A, oldest first";
    let history: Vec<Vec<String>> = table_rows(main, caption)
        .into_iter()
        .map(|row| row[..7].to_vec())
        .collect();
    assert_eq!(
        history,
        rows(&[
            &[
                "February 2020 SEC Release published",
                "27 February 2020",
                "Definitions and Interpretation",
                "5.2",
                "Yes",
                "Yes",
                "No"
            ],
            &[
                "SEC v27.0 published for the November 2020 SEC Release",
                "29 November 2020",
                "Definitions and Interpretation",
                "5.14",
                "Yes",
                "Yes",
                "No"
            ],
            &[
                "SEC v28.0 published for the February 2021 SEC Release Upcoming",
                "25 February 2021",
                "Definitions and Interpretation",
                "6.0",
                "Yes",
                "Yes",
                "No"
            ],
        ])
    );
    let modifications: Vec<Vec<String>> = table_cells_html(main, caption)
        .iter()
        .map(|row| link_values(&row[7]))
        .collect();
    assert_eq!(
        modifications,
        [
            vec!["/sec/modifications/mp100/", "/sec/modifications/mp200/"],
            vec!["/sec/modifications/mp100/"],
            vec!["/sec/modifications/mp500/"],
        ]
    );

    // Titles drift: each history row shows the title as that notice printed it, the heading the
    // registry's current one.
    let appendix_e = output.read("documents/appendix-e/index.html");
    assert!(appendix_e.contains("<h1>Appendix E: DCC User Interface Services Schedule</h1>"));
    let titles: Vec<String> = table_rows(&appendix_e, "Releases that changed Appendix E")
        .into_iter()
        .map(|row| row[2].clone())
        .collect();
    assert_eq!(
        titles,
        [
            "DCC User Gateway Services Schedule",
            "DCC User Interface Services Schedule"
        ]
    );

    let untouched = output.read("documents/section-z/index.html");
    assert!(text(main_of(&untouched)).contains("No release has changed this document yet."));
}

/// The Document Log's main table as (document, version, since, set by) and its upcoming table.
fn document_log(output: &Output) -> (Vec<Vec<String>>, Vec<Vec<String>>, bool) {
    let html = output.read("documents/index.html");
    let entries = table_rows(&html, "Documents in effect as at")
        .into_iter()
        .map(|row| {
            vec![
                row[0].clone(),
                row[2].clone(),
                row[3].clone(),
                row[4].clone(),
            ]
        })
        .collect();
    let has_upcoming = html.contains("id=\"upcoming-heading\"");
    let upcoming = if has_upcoming {
        table_rows(&html, "Upcoming changes, soonest first")
    } else {
        Vec::new()
    };
    (entries, upcoming, has_upcoming)
}

#[test]
fn the_document_log_shows_the_version_in_effect_and_upcoming_changes_apart() {
    let (_site, output) = every_kind();
    let (entries, upcoming, _) = document_log(&output);
    assert_eq!(
        entries,
        rows(&[
            &[
                "Section A",
                "5.14",
                "29 November 2020",
                "November 2020 SEC Release"
            ],
            // The November row gives no version: the last one given (2.0) stays in effect.
            &[
                "Section G",
                "2.0",
                "29 November 2020",
                "November 2020 SEC Release"
            ],
            &["Section Z", "—not stated", "—not stated", "No release yet"],
            &["Schedule 8", "—not stated", "—not stated", "No release yet"],
            &[
                "Schedule 11",
                "3.0",
                "1 April 2020",
                "BEIS designation of Schedule 11"
            ],
            &[
                "Appendix E",
                "2.0",
                "29 November 2020",
                "November 2020 SEC Release"
            ],
            &[
                "Appendix AB",
                "1.1",
                "4 May 2020",
                "DCC change to Appendix AB"
            ],
        ]),
        "document order, and 5.14 after 5.2"
    );
    assert_eq!(
        upcoming,
        rows(&[&[
            "Section A",
            "Definitions and Interpretation",
            "6.0",
            "25 February 2021",
            "February 2021 SEC Release"
        ]])
    );
}

#[test]
fn a_change_is_in_effect_on_its_effective_day() {
    let site = Site::fixture("every-kind");
    let output = site.build_ok(&["--as-of", "2021-02-25"]);
    let (entries, upcoming, has_upcoming) = document_log(&output);
    assert_eq!(
        entries[0],
        [
            "Section A",
            "6.0",
            "25 February 2021",
            "February 2021 SEC Release"
        ]
    );
    assert!(!has_upcoming && upcoming.is_empty());
    let home = output.read("index.html");
    assert!(
        !home.contains("Upcoming releases"),
        "nothing is upcoming any more"
    );
}

#[test]
fn the_home_page_shows_the_upcoming_release_and_the_latest_notices() {
    let (_site, output) = every_kind();
    let html = output.read("index.html");
    let main = main_of(&html);
    let upcoming_start = main
        .find("id=\"upcoming-heading\"")
        .expect("an upcoming section");
    let latest_start = main
        .find("id=\"latest-heading\"")
        .expect("a latest section");
    let upcoming = &main[upcoming_start..latest_start];
    assert_eq!(
        hrefs_after_class(upcoming, "notice-title"),
        [notice_url(FUTURE)]
    );
    assert!(text(upcoming).contains("Takes effect 25 February 2021"));
    let latest: Vec<String> = [
        FUTURE,
        NOVEMBER,
        MODCAST,
        DCC_CHANGE,
        DESIGNATION,
        AD_HOC,
        FEBRUARY,
    ]
    .iter()
    .map(|p| notice_url(p))
    .collect();
    assert_eq!(
        hrefs_after_class(&main[latest_start..], "notice-title"),
        latest
    );
    let words = text(main);
    for count in ["7 notices", "5 modifications", "7 documents"] {
        assert!(words.contains(count), "{count} in {words}");
    }
    let links = link_values(main);
    for section in ["/sec/releases/", "/sec/modifications/", "/sec/documents/"] {
        assert!(
            links.iter().any(|l| l == section),
            "home links to {section}"
        );
    }
}

#[test]
fn the_atom_feed_has_one_entry_per_notice_newest_first() {
    let (_site, output) = every_kind();
    let feed = parse_xml(&output.read("feed.xml")).expect("feed.xml is well-formed");
    assert_eq!(feed.name, "feed");
    assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(feed.child("title").text(), "Every Kind & Co");
    assert_eq!(feed.child("updated").text(), "2021-01-15T00:00:00Z");
    let entries = feed.children_named("entry");
    let ids: Vec<String> = entries.iter().map(|e| e.child("id").text()).collect();
    let expected: Vec<String> = [
        FUTURE,
        NOVEMBER,
        MODCAST,
        DCC_CHANGE,
        DESIGNATION,
        AD_HOC,
        FEBRUARY,
    ]
    .iter()
    .map(|p| format!("https://example.org{}", notice_url(p)))
    .collect();
    assert_eq!(ids, expected, "no draft, newest first");
    for entry in &entries {
        assert_eq!(
            entry.child("link").attr("href").unwrap_or_default(),
            entry.child("id").text()
        );
    }
    let modcast = entries[2];
    assert_eq!(modcast.child("title").text(), "SEC Modcast – June 2020");
    assert_eq!(modcast.child("published").text(), "2020-06-01T00:00:00Z");
    assert_eq!(
        modcast.child("summary").text(),
        "News about MP200 and MP400"
    );
    let content = modcast.child("content");
    assert_eq!(content.attr("type"), Some("html"));
    assert!(
        content
            .text()
            .contains("<a href=\"/sec/modifications/mp200/\">MP200</a>"),
        "{}",
        content.text()
    );
}

#[test]
fn drafts_are_built_only_with_the_drafts_flag() {
    let (site, output) = every_kind();
    assert!(!output.has(DRAFT));
    for file in [
        "feed.xml",
        "sitemap.xml",
        "index.html",
        "releases/index.html",
    ] {
        assert!(
            !output.read(file).contains("draft-notice"),
            "{file} names the draft"
        );
    }
    assert_eq!(
        rel_links(&output.read(NOVEMBER), "next"),
        [notice_url(FUTURE)]
    );

    let output = site.build_ok(&["--drafts"]);
    assert!(output.has(DRAFT));
    assert!(main_of(&output.read(DRAFT)).contains("<h1>A draft notice</h1>"));
    assert_eq!(
        hrefs_after_class(main_of(&output.read("releases/index.html")), "notice-title"),
        [notice_url(FUTURE), notice_url(DRAFT)]
    );
    assert_eq!(
        rel_links(&output.read(NOVEMBER), "next"),
        [notice_url(DRAFT)]
    );
    assert!(output.read("feed.xml").contains("draft-notice"));
}

#[test]
fn a_draft_page_is_built_only_with_the_drafts_flag() {
    // Pages accept `draft` as notices do; a draft page must not be published by default.
    let (site, _) = every_kind();
    site.write(
        "content/pages/draft-page.md",
        "---\ntitle: \"A page not ready yet\"\ndraft: true\n---\nWork in progress.\n",
    );
    let output = site.build_ok(&[]);
    assert!(
        !output.has("draft-page/index.html"),
        "the draft page is published without --drafts"
    );
    assert!(!output.read("sitemap.xml").contains("draft-page"));
    let output = site.build_ok(&["--drafts"]);
    assert!(output.has("draft-page/index.html"));
}

#[test]
fn the_feed_holds_the_50_newest_notices_and_listings_default_to_20_a_page() {
    let site = Site::empty("many-notices");
    site.write(
        "secsite.yaml",
        "title: Many\nbase_url: https://example.org/\n",
    );
    for day in 1..=55 {
        let date = format!("2020-{:02}-{:02}", 1 + (day - 1) / 28, 1 + (day - 1) % 28);
        site.write(
            &format!("content/releases/{date}-news.md"),
            &format!("---\ntitle: \"News of {date}\"\ndate: {date}\n---\nNews.\n"),
        );
    }
    let output = site.build_ok(&[]);
    let feed = parse_xml(&output.read("feed.xml")).expect("well-formed");
    let ids: Vec<String> = feed
        .children_named("entry")
        .iter()
        .map(|e| e.child("id").text())
        .collect();
    assert_eq!(ids.len(), 50);
    assert_eq!(ids[0], "https://example.org/releases/2020-02-27-news/");
    assert_eq!(ids[49], "https://example.org/releases/2020-01-06-news/");
    assert!(output.has("releases/page/3/index.html"));
    assert!(!output.has("releases/page/4/index.html"));
    assert_eq!(
        hrefs_after_class(
            main_of(&output.read("releases/page/3/index.html")),
            "notice-title"
        )
        .len(),
        15
    );
}

#[test]
fn sitemap_lists_every_page_but_404_and_robots_names_it() {
    let (_site, output) = every_kind();
    let sitemap = parse_xml(&output.read("sitemap.xml")).expect("sitemap.xml is well-formed");
    assert_eq!(sitemap.name, "urlset");
    let urls = sitemap.children_named("url");
    let locs: BTreeSet<String> = urls.iter().map(|u| u.child("loc").text()).collect();
    assert_eq!(locs.len(), urls.len(), "no URL twice");
    assert_eq!(locs, expected_sitemap_locs(&output, BASE_URL));
    let november = urls
        .iter()
        .find(|u| u.child("loc").text() == format!("https://example.org{}", notice_url(NOVEMBER)))
        .expect("the November notice is listed");
    assert_eq!(november.child("lastmod").text(), "2020-11-01");
    assert_eq!(
        output.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sec/sitemap.xml\n"
    );
}

#[test]
fn under_a_sub_path_every_internal_link_starts_with_it_and_resolves() {
    let (_site, output) = every_kind();
    let report = check_links(&output, BASE_URL);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(report.internal.len() > 300, "{}", report.internal.len());
    let outside: Vec<_> = report
        .internal
        .iter()
        .filter(|(_, link)| {
            !(link.starts_with("/sec/") || link.starts_with(BASE_URL) || link.starts_with('#'))
        })
        .collect();
    assert!(outside.is_empty(), "{outside:#?}");
    let home = output.read("index.html");
    assert!(home.contains("<link rel=\"stylesheet\" href=\"/sec/style.css\">"));
    assert!(
        output
            .read(FEBRUARY)
            .contains("<a href=\"/sec/documents/\">Document Log</a>")
    );
    assert_eq!(base_path_of(BASE_URL), "/sec/");
}

#[test]
fn with_base_url_at_the_root_every_internal_link_resolves() {
    let site = Site::fixture("every-kind");
    let output = site.build_ok(&["--base-url", "https://example.org/"]);
    let report = check_links(&output, "https://example.org/");
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let under_sec: Vec<_> = report
        .internal
        .iter()
        .filter(|(_, link)| link.contains("/sec/"))
        .collect();
    assert!(under_sec.is_empty(), "{under_sec:#?}");
    assert!(
        output
            .read(FEBRUARY)
            .contains("<a href=\"/documents/\">Document Log</a>")
    );
    assert!(
        output
            .read(NOVEMBER)
            .contains("<link rel=\"canonical\" href=\"https://example.org/releases/2020-11-01-november-release/\">")
    );
    assert_eq!(
        output.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.org/sitemap.xml\n"
    );
    let sitemap = parse_xml(&output.read("sitemap.xml")).expect("well-formed");
    let locs: BTreeSet<String> = sitemap
        .children_named("url")
        .iter()
        .map(|u| u.child("loc").text())
        .collect();
    assert_eq!(locs, expected_sitemap_locs(&output, "https://example.org/"));
}

#[test]
fn two_builds_with_one_date_are_byte_identical() {
    for site in [Site::fixture("every-kind"), Site::default_site()] {
        let first = site.tmp().join("first");
        let second = site.tmp().join("second");
        for output in [&first, &second] {
            let run = site.build(&["--output", &path_arg(output)]);
            run.assert_code(0);
        }
        let first = Output::at(first).snapshot();
        let second = Output::at(second).snapshot();
        assert!(first.len() > 20);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &first {
            assert!(bytes == &second[path], "{path} differs between two builds");
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(&path_arg(site.tmp())),
                "{path} holds the build's folder"
            );
        }
    }
}

/// The names in the folder that holds the output, to find leftovers of a build.
fn names_beside_output(site: &Site) -> BTreeSet<String> {
    std::fs::read_dir(&site.root)
        .expect("read the site folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let (site, output) = every_kind();
    let before = output.snapshot();
    site.write(
        "content/releases/2020-05-01-dcc-change.md",
        "---\ntitle: \"DCC change\"\ndate: 2020-02-30\n---\nBroken.\n",
    );
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr.starts_with(
            "content/releases/2020-05-01-dcc-change.md:3:7: error: `date` is not a valid date: `2020-02-30`\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with(
            "error: the build failed with 1 error; the previous output was left untouched\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    assert!(output.snapshot() == before, "the output changed");
    assert_eq!(
        names_beside_output(&site),
        set(&["content", "public", "secsite.yaml", "static"]),
        "no temporary folder is left beside the output"
    );
}

#[test]
fn a_good_rebuild_after_deleting_a_notice_leaves_no_stale_file() {
    let (site, output) = every_kind();
    assert!(output.has(DCC_CHANGE));
    site.remove("content/releases/2020-05-01-dcc-change.md");
    site.build_ok(&[]);
    assert!(!output.has(DCC_CHANGE));
    assert!(
        !output.has("releases/page/4/index.html"),
        "6 notices fill 3 pages"
    );
    let fresh = site.tmp().join("fresh");
    site.build(&["--output", &path_arg(&fresh)]).assert_code(0);
    assert!(
        output.snapshot() == Output::at(fresh).snapshot(),
        "the rebuilt output equals a fresh build"
    );
    assert_eq!(
        names_beside_output(&site),
        set(&["content", "public", "secsite.yaml", "static"])
    );
}

#[test]
fn a_template_override_replaces_one_block_and_keeps_the_rest() {
    let site = Site::fixture("template-override");
    let output = site.build_ok(&[]);
    let html = output.read("releases/release/index.html");
    assert!(
        html.contains("<title>Custom notice title: A release for suppliers</title>"),
        "{html}"
    );
    let main = main_of(&html);
    assert!(main.contains("<h1>A release</h1>"));
    assert_eq!(
        table_rows(main, "1 modification"),
        rows(&[&[
            "MP080",
            "Managing DUIS uplifts",
            "—not stated",
            "Implemented"
        ]])
    );
    assert_eq!(
        table_rows(main, "1 document"),
        rows(&[&["Section A", "Definitions and Interpretation", "1.0"]])
    );
    assert!(main.contains("<p>The body of the release.</p>"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/style.css\">"));
    assert!(
        output
            .read("index.html")
            .contains("<title>Override</title>"),
        "other pages keep the built-in templates"
    );
}

#[test]
fn help_exits_zero() {
    let site = Site::empty("help");
    let help = site.run(&["--help"]);
    help.assert_code(0);
    assert!(help.stdout.contains("build"), "{}", help.stdout);
    let build_help = site.run(&["build", "--help"]);
    build_help.assert_code(0);
    for option in [
        "--root",
        "--output",
        "--base-url",
        "--as-of",
        "--drafts",
        "--quiet",
    ] {
        assert!(build_help.stdout.contains(option), "{option}");
    }
}

#[test]
fn wrong_usage_exits_two_and_writes_nothing() {
    let site = Site::fixture("every-kind");
    let root = site.root_arg();
    let unknown = site.run(&["build", "--root", &root, "--frobnicate"]);
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("--frobnicate"),
        "{}",
        unknown.stderr
    );

    let bad_date = site.run(&["build", "--root", &root, "--as-of", "2020-13-01"]);
    bad_date.assert_code(2);
    assert!(
        bad_date.stderr.contains("2020-13-01"),
        "{}",
        bad_date.stderr
    );
    assert!(!site.output().exists());
}

#[test]
fn a_missing_root_exits_two_naming_the_folder() {
    let site = Site::empty("missing-root");
    let missing = site.tmp().join("no-such-site");
    let run = site.run(&["build", "--root", &path_arg(&missing), "--as-of", AS_OF]);
    run.assert_code(2);
    assert!(run.stderr.contains("[TMP]/no-such-site"), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!missing.exists());
}

#[test]
fn a_build_prints_one_summary_line_naming_pages_and_output() {
    let site = Site::fixture("every-kind");
    let run = site.build(&[]);
    run.assert_code(0);
    let output = site.output();
    assert_eq!(
        run.stdout_without_time(),
        format!(
            "Built {} pages ({} files) in [T] s into [TMP]/site/public\n",
            output.html_pages().len(),
            output.files().len()
        )
    );
    let elsewhere = site.tmp().join("elsewhere");
    let run = site.build(&["--output", &path_arg(&elsewhere)]);
    run.assert_code(0);
    assert!(
        run.stdout.ends_with(" s into [TMP]/elsewhere\n"),
        "{}",
        run.stdout
    );
    let quiet = site.build(&["--quiet"]);
    quiet.assert_code(0);
    assert_eq!(quiet.stdout, "");
}

#[test]
fn the_document_log_orders_changes_by_effective_date_then_date_then_slug() {
    // Three changes take effect on 1 June 2020: b-first (published 1 May), then a-second and
    // c-third (both published 15 May, in slug order). News naming the document changes nothing.
    let site = Site::fixture("log-order");
    let output = site.build_ok(&[]);
    let (entries, upcoming, _) = document_log(&output);
    assert_eq!(
        entries,
        rows(&[&["Section A", "3.0", "1 June 2020", "C third"]])
    );
    assert_eq!(
        upcoming,
        rows(&[
            &[
                "Section A",
                "Definitions and Interpretation",
                "3.5",
                "1 February 2021",
                "F sooner"
            ],
            &[
                "Section A",
                "Definitions and Interpretation",
                "4.0",
                "1 June 2021",
                "E later"
            ],
        ]),
        "soonest first, whatever the order of publication"
    );
    let history: Vec<String> = table_rows(
        &output.read("documents/section-a/index.html"),
        "Releases that changed Section A",
    )
    .into_iter()
    .map(|row| format!("{} {}", row[0], row[3]))
    .collect();
    assert_eq!(
        history,
        [
            "B first 1.0",
            "A second 2.0",
            "C third 3.0",
            "F sooner Upcoming 3.5",
            "E later Upcoming 4.0"
        ]
    );
    let home = output.read("index.html");
    let main = main_of(&home);
    let upcoming_start = main
        .find("id=\"upcoming-heading\"")
        .expect("upcoming releases");
    let latest_start = main.find("id=\"latest-heading\"").expect("latest notices");
    assert_eq!(
        hrefs_after_class(&main[upcoming_start..latest_start], "notice-title"),
        ["/releases/f-sooner/", "/releases/e-later/"]
    );
}

#[test]
fn an_output_folder_that_would_replace_the_sources_is_refused() {
    let site = Site::fixture("every-kind");
    let before = Output::at(site.root.clone()).snapshot();
    for (output, reason) in [
        (site.root.join("content").join("out"), "content"),
        (site.root.clone(), "site folder"),
        (site.tmp().to_path_buf(), "site folder"),
    ] {
        let run = site.build(&["--output", &path_arg(&output)]);
        run.assert_code(2);
        assert!(
            run.stderr.starts_with("error: ") && run.stderr.contains(reason),
            "{}",
            run.stderr
        );
    }
    assert!(
        Output::at(site.root.clone()).snapshot() == before,
        "the site folder is untouched"
    );
}

#[test]
fn a_bad_base_url_option_exits_two() {
    let site = Site::fixture("every-kind");
    let run = site.build(&["--base-url", "example.org/sec"]);
    run.assert_code(2);
    assert!(run.stderr.contains("--base-url"), "{}", run.stderr);
    assert!(run.stderr.contains("example.org/sec"), "{}", run.stderr);
    assert!(!site.output().exists());
}

#[test]
fn markup_in_titles_is_escaped_in_pages_and_feed() {
    let site = Site::empty("escaping");
    site.write(
        "secsite.yaml",
        "title: \"Site <&> \\\"quoted\\\"\"\nbase_url: https://example.org/\n",
    );
    site.write(
        "content/documents.yaml",
        "- id: section-a\n  kind: section\n  ref: \"A\"\n  title: \"Definitions\"\n",
    );
    let title = "Tags <b>in</b> & \"quotes\"";
    site.write(
        "content/releases/escaping.md",
        "---\ntitle: 'Tags <b>in</b> & \"quotes\"'\ndate: 2020-01-01\nkind: scheduled-release\n\
         modifications:\n  - id: MP1\n    title: \"Mod <script>alert(1)</script>\"\n\
         documents:\n  - id: section-a\n---\nBody.\n",
    );
    let output = site.build_ok(&[]);
    let html = output.read("releases/escaping/index.html");
    assert!(
        !html.contains("<b>in</b>") && !html.contains("<script>"),
        "{html}"
    );
    let main = main_of(&html);
    let h1_start = main.find("<h1>").expect("a heading");
    let h1_end = main.find("</h1>").expect("a heading");
    assert_eq!(text(&main[h1_start..h1_end]), title);
    assert_eq!(
        table_rows(main, "1 modification")[0][1],
        "Mod <script>alert(1)</script>"
    );
    let feed = parse_xml(&output.read("feed.xml")).expect("feed.xml is well-formed");
    assert_eq!(feed.child("title").text(), "Site <&> \"quoted\"");
    assert_eq!(feed.child("entry").child("title").text(), title);
    parse_xml(&output.read("sitemap.xml")).expect("sitemap.xml is well-formed");
}
