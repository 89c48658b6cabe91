//! The built-in templates of the pages a large site is mostly made of (notice pages, listings,
//! modification pages and index, document histories, Atom feeds, the sitemap), written out in
//! Rust. Tera spends most of a build looking up attributes in template values; these functions
//! read the view structs directly and write the same bytes. Tera still renders every template a site changes (a copy of
//! a built-in is no change), and every template without a twin.
//!
//! Each function here is the twin of a file in templates/ and must stay byte-identical to it:
//! `tests/it/compiled.rs` renders sites both ways and compares every file. A change to one of
//! those templates is a change to its twin here.

mod document;
use document::HistoryCells;
mod feed;
mod listing;
mod modification;
mod modification_index;
mod notice;
mod sitemap;

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write as _};
use std::sync::OnceLock;

use crate::render::segments::Segments;

use super::views::{
    DateView, DocumentView, FeedView, LazyTable, ModificationSummaryView, ModificationView,
    NoticeLinkView, NoticeView, PaginatorView, Shared, SiteView, SitemapUrlView, ViewBuilder,
};

/// A page one of the compiled templates can render, with the data its template receives.
pub(super) enum CompiledPage<'a> {
    /// `release.html`.
    Notice {
        notice: &'a NoticeView,
        previous: Option<&'a NoticeLinkView>,
        next: Option<&'a NoticeLinkView>,
    },
    /// `modification.html`.
    Modification(&'a ModificationView<'a>),
    /// `document.html`.
    Document(&'a DocumentView<'a>),
    /// `feed.xml`.
    Feed(&'a FeedView<'a>),
    /// `releases.html`.
    Listing {
        notices: &'a [Shared<NoticeLinkView>],
        paginator: &'a PaginatorView,
    },
    /// `modifications.html`.
    ModificationIndex(&'a [ModificationSummaryView]),
    /// `sitemap.xml`, or one part of it.
    Sitemap(&'a [SitemapUrlView]),
}

impl CompiledPage<'_> {
    /// The template this page's function is the twin of.
    pub(super) fn template(&self) -> &'static str {
        match self {
            CompiledPage::Notice { .. } => "release.html",
            CompiledPage::Modification(_) => "modification.html",
            CompiledPage::Document(_) => "document.html",
            CompiledPage::Feed(_) => "feed.xml",
            CompiledPage::Listing { .. } => "releases.html",
            CompiledPage::ModificationIndex(_) => "modifications.html",
            CompiledPage::Sitemap(_) => "sitemap.xml",
        }
    }
}

/// What every page receives besides its own data: the site, which menu item is current and the
/// page's own URL.
pub(super) struct Chrome<'a> {
    pub(super) site: &'a SiteView,
    pub(super) nav: &'a str,
    pub(super) page_url: &'a str,
    pub(super) cache: &'a TwinCache,
}

/// What the compiled templates keep from one page to the next within one build.
pub(super) struct TwinCache {
    /// By notice: the cells its row shows in every document history (made on first use).
    history_cells: LazyTable<document::HistoryCells>,
    /// By notice: its item in the modification index's "Implemented by" lists.
    implemented_items: LazyTable<Box<str>>,
    /// By notice: the cells its row shows on the page of every modification it names.
    modification_cells: LazyTable<modification::NoticeCells>,
    /// By notice: the opening of its entry in every feed.
    feed_entry_heads: LazyTable<Box<str>>,
    /// By modification (in key order): its item in the lists of a document's history.
    modification_items: OnceLock<Segments>,
}

/// What a `TwinCache` hands on to the next build of the same site: the parts that depend on
/// the notice alone and not on the build date, by notice.
#[derive(Default)]
pub(in crate::render) struct KeptCells {
    history_cells: Vec<Option<HistoryCells>>,
    implemented_items: Vec<Option<Box<str>>>,
}

impl TwinCache {
    /// A cache for a site of `notices` notices.
    pub(super) fn new(notices: usize) -> Self {
        TwinCache {
            history_cells: LazyTable::new(notices),
            implemented_items: LazyTable::new(notices),
            modification_cells: LazyTable::new(notices),
            feed_entry_heads: LazyTable::new(notices),
            modification_items: OnceLock::new(),
        }
    }

    /// A cache for a site of `stale.len()` notices with the cells of `kept` (from a build of the
    /// same structure) for every notice `stale` does not mark.
    pub(super) fn reusing(kept: KeptCells, stale: &[bool]) -> Self {
        TwinCache {
            history_cells: still_fresh(kept.history_cells, stale),
            implemented_items: still_fresh(kept.implemented_items, stale),
            modification_cells: LazyTable::new(stale.len()),
            feed_entry_heads: LazyTable::new(stale.len()),
            modification_items: OnceLock::new(),
        }
    }

    /// Makes the cells of every notice for the document histories, modification pages and feeds,
    /// when their templates are the built-in ones (`twinned` says which), in notice order on all
    /// cores: for a build of every page, where every notice's cells are asked for anyway, by
    /// pages that come to the notices in no order.
    pub(super) fn fill(&self, builder: &ViewBuilder<'_>, twinned: impl Fn(&str) -> bool) {
        if twinned("document.html") {
            self.history_cells
                .fill(|index| HistoryCells::of(builder, index));
        }
        if twinned("modification.html") {
            self.modification_cells
                .fill(|index| modification::NoticeCells::of(builder.shared_notice_link(index)));
        }
        if twinned("feed.xml") {
            self.feed_entry_heads.fill(|index| {
                feed::entry_head(&builder.feed_entry(index, std::borrow::Cow::Borrowed("")))
            });
        }
    }

    /// What the next build may reuse.
    pub(super) fn into_kept(self) -> KeptCells {
        KeptCells {
            history_cells: self.history_cells.into_kept(),
            implemented_items: self.implemented_items.into_kept(),
        }
    }
}

/// A table of the values of `kept` for every notice `stale` does not mark (all made again when
/// the number of notices changed).
fn still_fresh<T>(kept: Vec<Option<T>>, stale: &[bool]) -> LazyTable<T> {
    if kept.len() != stale.len() {
        return LazyTable::new(stale.len());
    }
    let cells = kept
        .into_iter()
        .zip(stale)
        .map(|(cells, &stale)| cells.filter(|_| !stale))
        .collect();
    LazyTable::from_kept(cells)
}

/// Renders `page` as its built-in template would.
pub(super) fn render(page: &CompiledPage<'_>, chrome: &Chrome<'_>) -> String {
    match page {
        CompiledPage::Notice {
            notice,
            previous,
            next,
        } => notice::render(chrome, notice, *previous, *next),
        CompiledPage::Modification(modification) => modification::render(chrome, modification),
        CompiledPage::Document(document) => document::render(chrome, document),
        CompiledPage::Feed(feed) => feed::render(chrome, feed),
        CompiledPage::Listing { notices, paginator } => listing::render(chrome, notices, paginator),
        CompiledPage::ModificationIndex(modifications) => {
            modification_index::render(chrome, modifications)
        }
        CompiledPage::Sitemap(urls) => sitemap::render(chrome, urls),
    }
}

/// Writes `page` to `file` as its built-in template would, as it is made: the pages that run to
/// megabytes (a document's history, the modification index) go out a piece at a time.
pub(super) fn stream(page: &CompiledPage<'_>, chrome: &Chrome<'_>, file: File) -> io::Result<()> {
    let mut out = Out::streaming(file);
    match page {
        CompiledPage::Document(document) => document::write(&mut out, chrome, document),
        CompiledPage::ModificationIndex(modifications) => {
            modification_index::write(&mut out, chrome, modifications)
        }
        other => out.raw(&render(other, chrome)),
    }
    out.finish()
}

/// An output buffer with Tera's escaping. A page streamed to a file (`stream`) goes out in
/// pieces of about `SPILL_AT` bytes as it is made.
pub(super) struct Out {
    text: String,
    sink: Option<Sink>,
}

/// The file a streamed page goes to, and the first error writing it.
struct Sink {
    file: File,
    error: Option<io::Error>,
}

impl Sink {
    /// Writes `bytes`, unless an earlier write failed.
    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(error) = self.file.write_all(bytes)
        {
            self.error = Some(error);
        }
    }
}

/// How much of a streamed page is kept before it is written: little enough to be written from
/// the CPU's caches, where a 10 MB page made whole is written from memory.
const SPILL_AT: usize = 1 << 18;

impl Out {
    fn with_capacity(bytes: usize) -> Self {
        Out {
            text: String::with_capacity(bytes),
            sink: None,
        }
    }

    /// A buffer that writes to `file` as it fills (see `spill`) and when it is `finish`ed.
    fn streaming(file: File) -> Self {
        Out {
            text: String::with_capacity(SPILL_AT + (SPILL_AT >> 2)),
            sink: Some(Sink { file, error: None }),
        }
    }

    /// When streaming, writes what the buffer holds once it holds enough. Pages that run to
    /// megabytes call this between their rows.
    fn spill(&mut self) {
        if let Some(sink) = &mut self.sink
            && self.text.len() >= SPILL_AT
        {
            sink.write(self.text.as_bytes());
            self.text.clear();
        }
    }

    /// Writes the rest of a streamed page: the first error writing it, if any.
    fn finish(self) -> io::Result<()> {
        let Some(mut sink) = self.sink else {
            return Ok(());
        };
        sink.write(self.text.as_bytes());
        sink.error.map_or(Ok(()), Err)
    }

    /// Template text, written as it is.
    fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// A value, escaped as Tera's autoescape does (`{{ value }}`).
    fn text(&mut self, value: &str) {
        // Tera's `fast_escape` escapes with this very function, so the bytes agree.
        let _ = pulldown_cmark_escape::escape_html(&mut self.text, value);
    }

    /// Tera's `{{ value | escape_xml | safe }}`.
    fn xml_text(&mut self, value: &str) {
        let mut rest = value;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            self.text.push_str(&rest[..at]);
            self.text.push_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&apos;",
            });
            rest = &rest[at + 1..];
        }
        self.text.push_str(rest);
    }

    /// A number (`{{ count }}`).
    fn number(&mut self, value: impl std::fmt::Display) {
        let _ = write!(self.text, "{value}");
    }

    /// Tera's `{{ value | lower | replace(from=" ", to="-") }}`: a CSS class made of a label.
    fn class_of(&mut self, label: &str) {
        // Statuses are short and ASCII, and a million rows show one at 100,000 notices: made on
        // the stack, as `to_lowercase` makes them for ASCII.
        let mut class = [0u8; 48];
        if label.is_ascii() && label.len() <= class.len() {
            for (to, &from) in class.iter_mut().zip(label.as_bytes()) {
                *to = if from == b' ' {
                    b'-'
                } else {
                    from.to_ascii_lowercase()
                };
            }
            let class = std::str::from_utf8(&class[..label.len()]).expect("ASCII is UTF-8");
            self.text(class);
        } else {
            self.text(&label.to_lowercase().replace(' ', "-"));
        }
    }

    /// `<time datetime="2020-11-29">29 November 2020</time>`.
    fn time(&mut self, date: &DateView) {
        self.raw("<time datetime=\"");
        self.text(&date.iso);
        self.raw("\">");
        self.text(&date.display);
        self.raw("</time>");
    }

    /// `before`, the value and `after`, if the value is stated (Tera's `{% if value %}`).
    fn stated_in(&mut self, before: &str, value: &Option<String>, after: &str) {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            self.raw(before);
            self.text(value);
            self.raw(after);
        }
    }

    /// A modification's status as a badge, or `—` when not stated.
    fn status_badge(&mut self, status: Option<&str>) {
        match status.filter(|s| !s.is_empty()) {
            Some(status) => {
                self.raw("<span class=\"badge status status-");
                self.class_of(status);
                self.raw("\">");
                self.text(status);
                self.raw("</span>");
            }
            None => self.not_stated(),
        }
    }

    /// `<a href="url">text</a>`.
    fn link(&mut self, url: &str, text: &str) {
        self.raw("<a href=\"");
        self.text(url);
        self.raw("\">");
        self.text(text);
        self.raw("</a>");
    }

    /// The three flag cells of a document row: on CodeWorks, SEC modification, BEIS designation.
    fn flag_cells(
        &mut self,
        codeworks: Option<bool>,
        modification: Option<bool>,
        designation: Option<bool>,
    ) {
        for flag in [codeworks, modification, designation] {
            self.raw("<td class=\"flag\">");
            self.flag(flag);
            self.raw("</td>\n");
        }
    }

    /// A notice's kind as a badge, and the upcoming badge when it is upcoming.
    fn kind_badges(&mut self, notice: &NoticeLinkView) {
        self.raw("<span class=\"badge kind kind-");
        self.text(notice.kind.key);
        self.raw("\">");
        self.text(notice.kind.label);
        self.raw("</span>");
        if notice.upcoming {
            self.raw(" <span class=\"badge upcoming\">Upcoming</span>");
        }
    }

    /// The cell of a value that is not stated.
    fn not_stated(&mut self) {
        self.raw(
            r#"<span aria-hidden="true">—</span><span class="visually-hidden">not stated</span>"#,
        );
    }

    /// A yes/no flag cell's content: `—` when not stated.
    fn flag(&mut self, flag: Option<bool>) {
        match flag {
            None => self.not_stated(),
            Some(true) => self.raw(r#"<span class="flag-yes">Yes</span>"#),
            Some(false) => self.raw(r#"<span class="flag-no">No</span>"#),
        }
    }

    /// How many bytes are written.
    fn len(&self) -> usize {
        self.text.len()
    }

    fn into_string(self) -> String {
        debug_assert!(
            self.sink.is_none(),
            "a streamed page is finished, not taken"
        );
        self.text
    }

    /// The text, to keep for the rest of the build: in an allocation of its own size, as
    /// shrinking the buffer in place would keep the size class of its capacity.
    fn into_kept(self) -> Box<str> {
        Box::from(self.text.as_str())
    }
}

/// Tera's truth of an optional string: present and not empty.
fn stated(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|s| !s.is_empty())
}

/// Tera's `pluralize`: `s` unless the count is one.
fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Writes part of a page.
type Part<'a> = &'a dyn Fn(&mut Out);

/// The parts of `base.html` a page fills in.
struct BasePage<'a> {
    /// The `title` block.
    title: Part<'a>,
    /// The feed link of a modification or document page: (title, href).
    alternate: Option<(Part<'a>, &'a str)>,
    /// The page description.
    description: Part<'a>,
    /// The canonical URL (notice pages).
    canonical: Option<&'a str>,
    /// The `content` block.
    content: Part<'a>,
}

/// `base.html` around a page.
fn base(chrome: &Chrome<'_>, page: &BasePage<'_>, capacity: usize) -> String {
    let mut out = Out::with_capacity(capacity + 2048);
    base_into(&mut out, chrome, page);
    out.into_string()
}

/// `base.html` around a page, into `out`.
fn base_into(out: &mut Out, chrome: &Chrome<'_>, page: &BasePage<'_>) {
    let site = chrome.site;
    out.raw("<!doctype html>\n<html lang=\"");
    out.text(&site.language);
    out.raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    (page.title)(out);
    out.raw("</title>\n<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"generator\" content=\"secsite\">\n<link rel=\"stylesheet\" href=\"");
    out.text(&site.stylesheet_url);
    out.raw("\">\n<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
    out.text(&site.title);
    out.raw("\" href=\"");
    out.text(&site.feed_url);
    out.raw("\">\n");
    if let Some((title, href)) = &page.alternate {
        out.raw("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"");
        title(out);
        out.raw("\" href=\"");
        out.text(href);
        out.raw("\">\n");
    }
    out.raw("<meta name=\"description\" content=\"");
    (page.description)(out);
    out.raw("\">\n");
    if let Some(canonical) = page.canonical {
        out.raw("<link rel=\"canonical\" href=\"");
        out.text(canonical);
        out.raw("\">\n");
    }
    if chrome.nav == "error" {
        out.raw("<meta name=\"robots\" content=\"noindex\">\n");
    }
    out.raw("\n</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n<header class=\"site-header\">\n<div class=\"wrap\">\n<a class=\"site-title\" href=\"");
    out.text(&site.base_path);
    out.raw("\">");
    out.text(&site.title);
    out.raw("</a>\n<nav class=\"site-nav\" aria-label=\"Main\">\n<ul>\n");
    let items: [(&str, &str, &str); 5] = [
        ("home", "", "Home"),
        ("releases", "releases/", "Releases"),
        ("modifications", "modifications/", "Modifications"),
        ("documents", "documents/", "Document Log"),
        ("search", "", "Search"),
    ];
    for (nav, path, label) in items {
        out.raw("<li><a href=\"");
        if nav == "search" {
            out.text(&site.search_url);
        } else {
            out.text(&site.base_path);
            out.raw(path);
        }
        out.raw("\"");
        if chrome.nav == nav {
            out.raw(" aria-current=\"page\"");
        }
        out.raw(">");
        out.raw(label);
        out.raw("</a></li>\n");
    }
    out.raw("</ul>\n</nav>\n</div>\n</header>\n<main id=\"main\" class=\"wrap\">\n");
    (page.content)(out);
    out.raw("\n</main>\n<footer class=\"site-footer\">\n<div class=\"wrap\">\n<p>");
    out.text(&site.title);
    out.raw(". Information as at ");
    out.time(&site.build_date);
    out.raw(".</p>\n<ul class=\"footer-links\">\n<li><a href=\"");
    out.text(&site.feed_url);
    out.raw("\">Atom feed</a></li>\n<li><a href=\"");
    out.text(&site.calendar_url);
    out.raw("\">Calendar of releases (iCalendar)</a></li>\n<li>Data (JSON): <a href=\"");
    out.text(&site.exports.releases);
    out.raw("\">notices</a>, <a href=\"");
    out.text(&site.exports.modifications);
    out.raw("\">modifications</a>, <a href=\"");
    out.text(&site.exports.documents);
    out.raw("\">documents</a></li>\n</ul>\n</div>\n</footer>\n</body>\n</html>\n");
}

/// The breadcrumbs every page in a section starts with: Home, the section, the page.
fn breadcrumbs(out: &mut Out, site: &SiteView, section: (&str, &str), url: &str, label: &str) {
    out.raw("<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n<ol>\n<li><a href=\"");
    out.text(&site.base_path);
    out.raw("\">Home</a></li>\n<li><a href=\"");
    out.text(&site.base_path);
    out.raw(section.0);
    out.raw("\">");
    out.raw(section.1);
    out.raw("</a></li>\n<li><a href=\"");
    out.text(url);
    out.raw("\" aria-current=\"page\">");
    out.text(label);
    out.raw("</a></li>\n</ol>\n</nav>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes rows of escaped text, spilling between them, as a long page does.
    fn rows(out: &mut Out, count: usize) {
        for n in 0..count {
            out.raw("<tr><td>");
            out.text(&format!("row {n} & <more>"));
            out.raw("</td></tr>\n");
            out.spill();
        }
    }

    #[test]
    fn a_streamed_page_is_the_page_made_whole_across_many_spills() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html");
        let count = 3 * SPILL_AT / 40;
        let mut whole = Out::with_capacity(0);
        rows(&mut whole, count);
        let whole = whole.into_string();
        assert!(whole.len() > 2 * SPILL_AT, "the page spills more than once");
        let mut streamed = Out::streaming(File::create(&path).unwrap());
        rows(&mut streamed, count);
        streamed.finish().unwrap();
        assert!(std::fs::read_to_string(&path).unwrap() == whole);
    }

    #[test]
    fn a_status_class_is_tera_s_lower_and_replace_escaped() {
        for label in [
            "Implemented",
            "Approved by the Authority",
            "R&D <Review>",
            "Übernommen Heute",
            "A status that runs on well past forty-eight bytes long",
        ] {
            let mut out = Out::with_capacity(0);
            out.class_of(label);
            let mut expected = Out::with_capacity(0);
            expected.text(&label.to_lowercase().replace(' ', "-"));
            assert_eq!(out.into_string(), expected.into_string(), "{label}");
        }
    }

    #[test]
    fn a_streamed_page_that_cannot_be_written_reports_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html");
        std::fs::write(&path, "").unwrap();
        // A file opened for reading only refuses every write.
        let mut streamed = Out::streaming(File::open(&path).unwrap());
        rows(&mut streamed, SPILL_AT / 10);
        assert!(streamed.finish().is_err());
    }
}
