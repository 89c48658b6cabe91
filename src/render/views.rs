//! View structs: the data templates receive, prepared from the model. Templates never see domain
//! types, only these, so a template change cannot reach into the model. docs/templates.md is the
//! contract these structs implement.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;
use tera::Value;

use super::dates;
use crate::config::Config;
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::model::modification::Relation;
use crate::model::release::Notice;

/// Builds URLs under the site's base path.
#[derive(Debug, Clone)]
pub struct Urls {
    base_path: String,
    base_url: String,
}

impl Urls {
    /// URLs for `config`'s base path and URL.
    pub fn new(config: &Config) -> Self {
        Urls {
            base_path: config.base_path.clone(),
            base_url: config.base_url.clone(),
        }
    }

    /// The root-relative URL of a site path (`releases/x/` → `/sec/releases/x/`).
    pub fn path(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path)
    }

    /// The absolute URL of a site path.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url, site_path)
    }

    /// The absolute URL of the site path made of `parts` (`["releases/", slug, "/"]`), in one
    /// allocation: the exports make one for nearly every row of the site.
    pub fn permalink_of(&self, parts: &[&str]) -> String {
        let length = self.base_url.len() + parts.iter().map(|p| p.len()).sum::<usize>();
        let mut url = String::with_capacity(length);
        url.push_str(&self.base_url);
        for part in parts {
            url.push_str(part);
        }
        url
    }

    /// The absolute URL of notice `slug`'s page.
    pub fn notice_permalink(&self, slug: &str) -> String {
        self.permalink_of(&["releases/", slug, "/"])
    }

    /// The absolute URL of document `id`'s page.
    pub fn document_permalink(&self, id: &str) -> String {
        self.permalink_of(&["documents/", id, "/"])
    }

    /// The site path of a notice.
    pub fn notice_path(slug: &str) -> String {
        format!("releases/{slug}/")
    }

    /// The site path of a modification.
    pub fn modification_path(key: &ModificationKey) -> String {
        format!("modifications/{}/", key.url_segment())
    }

    /// The site path of a document.
    pub fn document_path(id: &str) -> String {
        format!("documents/{id}/")
    }

    /// The site path of a modification's Atom feed.
    pub fn modification_feed_path(key: &ModificationKey) -> String {
        format!("modifications/{}/feed.xml", key.url_segment())
    }

    /// The site path of a document's Atom feed.
    pub fn document_feed_path(id: &str) -> String {
        format!("documents/{id}/feed.xml")
    }

    /// The site path of the Document Log as at `day` (the view a script makes of the log).
    pub fn log_at_path(day: NaiveDate) -> String {
        format!("documents/?at={}", dates::iso(day))
    }

    /// The site path of listing page `number` (1-based).
    pub fn listing_path(number: usize) -> String {
        if number <= 1 {
            "releases/".to_string()
        } else {
            format!("releases/page/{number}/")
        }
    }
}

/// A view shown on many pages (a link to a notice, a document, a modification): built once and
/// shared. The compiled templates read it as it is; for Tera it becomes a template value once, on
/// first use, which every page then shares (Tera clones values by reference).
pub struct Shared<T>(Arc<SharedCell<T>>);

struct SharedCell<T> {
    view: T,
    value: OnceLock<Value>,
}

impl<T> Shared<T> {
    /// Shares `view`.
    pub fn new(view: T) -> Self {
        Shared(Arc::new(SharedCell {
            view,
            value: OnceLock::new(),
        }))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.view
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.view.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0
            .value
            .get_or_init(|| Value::from_serializable(&self.0.view))
            .serialize(serializer)
    }
}

/// Values by index (by notice, say), each made on first use; the table itself too, so that a
/// renderer whose pages never ask (the notice pages of one window of a build) costs nothing.
pub struct LazyTable<T> {
    len: usize,
    cells: OnceLock<Box<[OnceLock<T>]>>,
}

impl<T> LazyTable<T> {
    /// A table of `len` values, none made yet.
    pub fn new(len: usize) -> Self {
        LazyTable {
            len,
            cells: OnceLock::new(),
        }
    }

    /// A table of `kept.len()` values, those of `kept` that are `Some` already made.
    pub fn from_kept(kept: Vec<Option<T>>) -> Self {
        let table = LazyTable::new(kept.len());
        let cells: Box<[OnceLock<T>]> = kept.into_iter().map(once_lock_of).collect();
        let _ = table.cells.set(cells);
        table
    }

    /// The values made so far, by index.
    pub fn into_kept(self) -> Vec<Option<T>> {
        match self.cells.into_inner() {
            Some(cells) => cells
                .into_vec()
                .into_iter()
                .map(OnceLock::into_inner)
                .collect(),
            None => (0..self.len).map(|_| None).collect(),
        }
    }

    /// Makes every value not yet made, in index order on all cores. Pages that gather values
    /// from across the table (a modification's notices, a document's history) then find them
    /// made rather than making each when first asked for, at random places in memory.
    pub fn fill(&self, make: impl Fn(usize) -> T + Sync)
    where
        T: Send + Sync,
    {
        use rayon::prelude::*;
        let cells = self
            .cells
            .get_or_init(|| (0..self.len).map(|_| OnceLock::new()).collect());
        // Runs of neighbouring values per task: each task reads its notices in order.
        cells
            .par_iter()
            .with_min_len(256)
            .enumerate()
            .for_each(|(index, cell)| {
                cell.get_or_init(|| make(index));
            });
    }

    /// Value `index`, made by `make` if it is not yet.
    pub fn get_or_init(&self, index: usize, make: impl FnOnce() -> T) -> &T {
        self.cells
            .get_or_init(|| (0..self.len).map(|_| OnceLock::new()).collect())[index]
            .get_or_init(make)
    }
}

/// A cell holding `value` if there is one.
fn once_lock_of<T>(value: Option<T>) -> OnceLock<T> {
    value.map_or_else(OnceLock::new, OnceLock::from)
}

/// The link views a renderer made, kept for the next build of the same site: a rebuild after an
/// edit that keeps the site's structure (see `site::dirty`) reuses those of the notices it did
/// not touch, rather than making the views of every notice a document history shows again.
pub struct KeptViews {
    notice_links: Vec<Option<Shared<NoticeLinkView>>>,
    document_links: Vec<Option<Shared<DocumentLinkView>>>,
    modification_links: Vec<Option<Shared<ModificationLinkView>>>,
    notice_modification_links: Vec<Option<Shared<Vec<Shared<ModificationLinkView>>>>>,
    /// What the compiled templates made of each notice.
    pub(super) twin_cells: super::compiled::KeptCells,
}

/// A date with its machine-readable and display forms.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    pub(super) iso: String,
    pub(super) display: String,
}

impl DateView {
    /// `2020-11-29` and `29 November 2020`.
    pub fn new(date: NaiveDate) -> Self {
        DateView {
            iso: dates::iso(date),
            display: dates::display(date),
        }
    }
}

/// The site path of the search page.
pub const SEARCH_PATH: &str = "search/";
/// The site path of the search index.
pub const SEARCH_INDEX_PATH: &str = "search/index.json";
/// The site path of the versions the Document Log's script needs to show the log as at a date.
pub const LOG_HISTORY_PATH: &str = "documents/history.json";
/// The site path of the calendar of effective dates.
pub const CALENDAR_PATH: &str = "calendar.ics";
/// The site path of the notices' export.
pub const RELEASES_EXPORT_PATH: &str = "api/releases.json";
/// The site path of the modifications' export.
pub const MODIFICATIONS_EXPORT_PATH: &str = "api/modifications.json";
/// The site path of the documents' export.
pub const DOCUMENTS_EXPORT_PATH: &str = "api/documents.json";

/// Data every template receives.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) language: String,
    pub(super) base_path: String,
    pub(super) base_url: String,
    pub(super) build_date: DateView,
    pub(super) feed_url: String,
    pub(super) stylesheet_url: String,
    pub(super) search_url: String,
    pub(super) calendar_url: String,
    pub(super) exports: ExportUrlsView,
}

/// The URLs of the data exports.
#[derive(Debug, Clone, Serialize)]
pub struct ExportUrlsView {
    pub(super) releases: String,
    pub(super) modifications: String,
    pub(super) documents: String,
}

impl SiteView {
    /// The site data of `config` on `as_of`.
    pub fn new(config: &Config, urls: &Urls, as_of: NaiveDate) -> Self {
        SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            language: config.language.clone(),
            base_path: config.base_path.clone(),
            base_url: config.base_url.clone(),
            build_date: DateView::new(as_of),
            feed_url: urls.path("feed.xml"),
            stylesheet_url: urls.path("style.css"),
            search_url: urls.path(SEARCH_PATH),
            calendar_url: urls.path(CALENDAR_PATH),
            exports: ExportUrlsView {
                releases: urls.path(RELEASES_EXPORT_PATH),
                modifications: urls.path(MODIFICATIONS_EXPORT_PATH),
                documents: urls.path(DOCUMENTS_EXPORT_PATH),
            },
        }
    }
}

/// A notice's kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindView {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
    pub(super) releasing: bool,
}

/// A notice named from another page.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeLinkView {
    pub(super) slug: String,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) kind: KindView,
    pub(super) date: DateView,
    pub(super) effective: Option<DateView>,
    pub(super) release: Option<String>,
    pub(super) sec_version: Option<String>,
    pub(super) summary: Arc<str>,
    pub(super) upcoming: bool,
}

/// A document named from another page.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentLinkView {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) label: String,
    pub(super) title: String,
}

/// A modification named from another page.
#[derive(Debug, Clone, Serialize)]
pub struct ModificationLinkView {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) title: String,
}

/// A modification row of a notice page.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeModificationView {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) part: Option<u32>,
    pub(super) status: Option<String>,
}

/// A document row of a notice page.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeDocumentView {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) label: String,
    pub(super) title: String,
    pub(super) version: Option<String>,
    pub(super) codeworks: Option<bool>,
    pub(super) modification: Option<bool>,
    pub(super) designation: Option<bool>,
}

/// A notice's own page.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    #[serde(flatten)]
    pub(super) link: NoticeLinkView,
    pub(super) modifications: Vec<NoticeModificationView>,
    pub(super) documents: Vec<NoticeDocumentView>,
    pub(super) has_flags: bool,
    pub(super) has_versions: bool,
    pub(super) body_html: Arc<str>,
    pub(super) permalink: String,
    pub(super) log_url: Option<String>,
    pub(super) extra: serde_json::Value,
}

/// Builds views from the model; holds what every view needs. Links to notices, documents and
/// modifications appear on many pages: each is converted to a template value once, on first
/// use, and shared (the template engine clones values by reference).
pub struct ViewBuilder<'a> {
    /// The model.
    pub model: &'a SiteModel,
    /// URL maker.
    pub urls: Urls,
    // The body HTML and summary of notices `first_notice..first_notice + bodies.len()`: every
    // notice for most builds, a window of them when notice pages are rendered a window at a time.
    bodies: &'a [Arc<str>],
    summaries: &'a [Arc<str>],
    first_notice: usize,
    notice_links: Vec<OnceLock<Shared<NoticeLinkView>>>,
    document_links: Vec<OnceLock<Shared<DocumentLinkView>>>,
    modification_links: Vec<OnceLock<Shared<ModificationLinkView>>>,
    // The modifications each notice lists, as links: a notice's row appears in the history of
    // every document it changes.
    notice_modification_links: LazyTable<Shared<Vec<Shared<ModificationLinkView>>>>,
    feed_notices: LazyTable<FeedNotice>,
    // The site path of every modification's page, by position, made once: notice pages link
    // every modification they list, a million links at 100,000 notices, and making each from the
    // key took three allocations and a read of a key far off in memory.
    modification_urls: OnceLock<Box<[Box<str>]>>,
}

impl<'a> ViewBuilder<'a> {
    /// A builder for `model`, with the rendered bodies and summaries of its notices from
    /// `first_notice` on (0 for all of them).
    pub fn new(
        model: &'a SiteModel,
        urls: Urls,
        bodies: &'a [Arc<str>],
        summaries: &'a [Arc<str>],
        first_notice: usize,
    ) -> Self {
        ViewBuilder {
            model,
            urls,
            bodies,
            summaries,
            first_notice,
            notice_links: (0..model.notices.len()).map(|_| OnceLock::new()).collect(),
            document_links: (0..model.documents.len())
                .map(|_| OnceLock::new())
                .collect(),
            modification_links: (0..model.modifications.len())
                .map(|_| OnceLock::new())
                .collect(),
            notice_modification_links: LazyTable::new(model.notices.len()),
            feed_notices: LazyTable::new(model.notices.len()),
            modification_urls: OnceLock::new(),
        }
    }

    /// The site path of the page of the modification at `position` (`/sec/modifications/mp1/`).
    pub fn modification_url(&self, position: usize) -> &str {
        &self.modification_urls.get_or_init(|| {
            self.model
                .modifications
                .keys()
                .map(|key| {
                    self.urls
                        .path(&Urls::modification_path(key))
                        .into_boxed_str()
                })
                .collect()
        })[position]
    }

    /// The views made so far, for the next build (the compiled templates' cells are added by
    /// the renderer).
    pub(super) fn into_kept(self) -> KeptViews {
        fn cells<T>(cells: Vec<OnceLock<T>>) -> Vec<Option<T>> {
            cells.into_iter().map(OnceLock::into_inner).collect()
        }
        KeptViews {
            notice_links: cells(self.notice_links),
            document_links: cells(self.document_links),
            modification_links: cells(self.modification_links),
            notice_modification_links: self.notice_modification_links.into_kept(),
            twin_cells: Default::default(),
        }
    }

    /// Takes the views of `kept` (from the last build) for every notice `stale` does not mark:
    /// only for a model of the same structure (the same notices, modifications and documents in
    /// the same order, no modification renamed), where the views of the other notices are as
    /// they were. Views of a table of another length are left.
    pub(super) fn reuse(&mut self, kept: &mut KeptViews, stale: &[bool]) {
        fn take<T>(into: &mut [OnceLock<T>], from: &mut Vec<Option<T>>, stale: Option<&[bool]>) {
            if into.len() != from.len() {
                return;
            }
            for (i, (cell, value)) in into.iter_mut().zip(from.drain(..)).enumerate() {
                if let Some(value) = value
                    && stale.is_none_or(|stale| !stale.get(i).copied().unwrap_or(true))
                {
                    *cell = OnceLock::from(value);
                }
            }
        }
        take(&mut self.notice_links, &mut kept.notice_links, Some(stale));
        take(&mut self.document_links, &mut kept.document_links, None);
        take(
            &mut self.modification_links,
            &mut kept.modification_links,
            None,
        );
        let mut notice_modification_links = std::mem::take(&mut kept.notice_modification_links);
        if notice_modification_links.len() == self.model.notices.len() {
            for (links, &stale) in notice_modification_links.iter_mut().zip(stale) {
                if stale {
                    *links = None;
                }
            }
            self.notice_modification_links = LazyTable::from_kept(notice_modification_links);
        }
    }

    /// The summary of notice `index`: its `summary`, else its first paragraph.
    pub fn summary(&self, index: usize) -> &Arc<str> {
        &self.summaries[index - self.first_notice]
    }

    /// The body HTML of notice `index`.
    pub fn body(&self, index: usize) -> &Arc<str> {
        &self.bodies[index - self.first_notice]
    }

    /// Notice `index` as a link value.
    pub fn notice_link(&self, index: usize) -> Shared<NoticeLinkView> {
        self.shared_notice_link(index).clone()
    }

    /// Notice `index` as a link value, borrowed: a page that names thousands of notices and is
    /// rendered beside others naming the same ones need not count its references to each.
    pub fn shared_notice_link(&self, index: usize) -> &Shared<NoticeLinkView> {
        self.notice_links[index].get_or_init(|| Shared::new(self.notice_link_view(index)))
    }

    /// Document `index` as a link value.
    pub fn document_link(&self, index: usize) -> Shared<DocumentLinkView> {
        self.document_links[index]
            .get_or_init(|| Shared::new(self.document_link_view(index)))
            .clone()
    }

    /// The modification at `position` (in key order) as a link value.
    pub fn modification_link_at(&self, position: usize) -> Shared<ModificationLinkView> {
        self.modification_links[position]
            .get_or_init(|| Shared::new(self.modification_link_view(position)))
            .clone()
    }

    /// The modifications notice `index` lists that the site has, as links, in the notice's order.
    pub fn shared_notice_modification_links(
        &self,
        index: usize,
    ) -> &Shared<Vec<Shared<ModificationLinkView>>> {
        self.notice_modification_links.get_or_init(index, || {
            Shared::new(
                self.model
                    .row_modifications
                    .of(index)
                    .iter()
                    .map(|&position| self.modification_link_at(position as usize))
                    .collect(),
            )
        })
    }

    /// The link view of notice `index`.
    pub fn notice_link_view(&self, index: usize) -> NoticeLinkView {
        let notice = &self.model.notices[index];
        let source = &notice.source;
        NoticeLinkView {
            slug: source.slug.clone(),
            url: self.urls.path(&Urls::notice_path(&source.slug)),
            title: source.title.clone(),
            kind: KindView {
                key: source.kind.key(),
                label: source.kind.label(),
                releasing: source.kind.is_releasing(),
            },
            date: DateView::new(source.date),
            effective: source
                .kind
                .is_releasing()
                .then(|| DateView::new(notice.effective)),
            release: source.release.clone(),
            sec_version: source.sec_version.clone(),
            summary: self.summary(index).clone(),
            upcoming: notice.is_upcoming(self.model.as_of),
        }
    }

    /// The view of notice `index`'s own page.
    pub fn notice(&self, index: usize) -> NoticeView {
        let notice: &Notice = &self.model.notices[index];
        let modifications = notice
            .source
            .modifications
            .iter()
            .enumerate()
            .zip(self.model.row_modifications.of(index))
            .map(|((row_index, row), &position)| {
                let position = position as usize;
                NoticeModificationView {
                    id: row.id.clone(),
                    url: self.modification_url(position).to_string(),
                    title: row
                        .title
                        .clone()
                        .or_else(|| self.model.modifications.at(position).title.clone())
                        .unwrap_or_default(),
                    part: row.part,
                    status: notice.modification_status(row_index).map(str::to_string),
                }
            })
            .collect();
        let documents: Vec<NoticeDocumentView> = notice
            .documents()
            .map(|(document_index, row)| {
                let document = &self.model.documents[document_index];
                NoticeDocumentView {
                    id: document.id.clone(),
                    url: self.urls.path(&Urls::document_path(&document.id)),
                    label: document.label(),
                    title: row.title.clone().unwrap_or_else(|| document.title.clone()),
                    version: row.version.clone(),
                    codeworks: row.codeworks,
                    modification: row.modification,
                    designation: row.designation,
                }
            })
            .collect();
        let has_flags = notice.documents().any(|(_, r)| {
            r.codeworks.is_some() || r.modification.is_some() || r.designation.is_some()
        });
        let has_versions = notice.documents().any(|(_, r)| r.version.is_some());
        NoticeView {
            link: self.notice_link_view(index),
            modifications,
            documents,
            has_flags,
            has_versions,
            body_html: self.body(index).clone(),
            permalink: self.urls.permalink(&Urls::notice_path(notice.slug())),
            log_url: notice
                .is_releasing()
                .then(|| self.urls.path(&Urls::log_at_path(notice.effective))),
            extra: notice.source.extra.clone(),
        }
    }

    /// The link view of document `index`.
    pub fn document_link_view(&self, index: usize) -> DocumentLinkView {
        let document = &self.model.documents[index];
        DocumentLinkView {
            id: document.id.clone(),
            url: self.urls.path(&Urls::document_path(&document.id)),
            label: document.label(),
            title: document.title.clone(),
        }
    }

    /// The link view of the modification at `position`.
    fn modification_link_view(&self, position: usize) -> ModificationLinkView {
        let modification = self.model.modifications.at(position);
        ModificationLinkView {
            id: modification.id.clone(),
            url: self.modification_url(position).to_string(),
            title: modification.title.clone().unwrap_or_default(),
        }
    }
}

/// The pagination of a listing page.
#[derive(Debug, Clone, Serialize)]
pub struct PaginatorView {
    pub(super) current: usize,
    pub(super) total: usize,
    pub(super) previous_url: Option<String>,
    pub(super) next_url: Option<String>,
    pub(super) pages: Vec<PageNumberView>,
}

/// One page number of a paginator.
#[derive(Debug, Clone, Serialize)]
pub struct PageNumberView {
    pub(super) number: usize,
    pub(super) url: String,
    pub(super) current: bool,
    pub(super) gap_before: bool,
}

impl PaginatorView {
    /// Page `current` of `total` listing pages.
    pub fn new(urls: &Urls, current: usize, total: usize) -> Self {
        let url = |n: usize| urls.path(&Urls::listing_path(n));
        PaginatorView {
            current,
            total,
            previous_url: (current > 1).then(|| url(current - 1)),
            next_url: (current < total).then(|| url(current + 1)),
            pages: page_window(current, total)
                .into_iter()
                .scan(0, |previous, number| {
                    let gap_before = *previous != 0 && number > *previous + 1;
                    *previous = number;
                    Some(PageNumberView {
                        number,
                        url: url(number),
                        current: number == current,
                        gap_before,
                    })
                })
                .collect(),
        }
    }
}

/// The page numbers a paginator shows: the first, the last, and two on each side of the
/// current one. Listing every page would make each listing page as long as the number of pages,
/// and the listings quadratic in the number of notices.
fn page_window(current: usize, total: usize) -> Vec<usize> {
    let mut numbers: Vec<usize> = [1, total]
        .into_iter()
        .chain(current.saturating_sub(2).max(1)..=(current + 2).min(total))
        .filter(|n| (1..=total).contains(n))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// Counts shown on the home page.
#[derive(Debug, Clone, Serialize)]
pub struct CountsView {
    /// Number of notices.
    pub notices: usize,
    /// Number of modifications.
    pub modifications: usize,
    /// Number of documents.
    pub documents: usize,
}

/// A row of the modification index.
#[derive(Debug, Clone, Serialize)]
pub struct ModificationSummaryView {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) status: Option<String>,
    pub(super) implemented_by: Vec<IndexedNoticeLink>,
}

/// A link to a notice with the notice's index, by which the compiled templates keep what they
/// make of it; templates see the link alone.
#[derive(Debug, Clone)]
pub struct IndexedNoticeLink {
    pub(super) index: usize,
    pub(super) link: Shared<NoticeLinkView>,
}

impl Serialize for IndexedNoticeLink {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.link.serialize(serializer)
    }
}

/// A notice's concern with a modification.
#[derive(Debug, Clone, Serialize)]
pub struct ModificationNoticeView<'a> {
    /// Which notice: the compiled template keeps what a notice's rows share by it.
    #[serde(skip)]
    pub(super) notice_index: usize,
    pub(super) notice: &'a Shared<NoticeLinkView>,
    pub(super) part: Option<u32>,
    pub(super) status: Option<&'a str>,
    pub(super) relation: &'static str,
}

/// A related modification.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedView {
    pub(super) id: String,
    pub(super) url: Option<String>,
}

/// A modification's own page.
#[derive(Debug, Clone, Serialize)]
pub struct ModificationView<'a> {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) status: Option<String>,
    pub(super) route: Option<String>,
    pub(super) proposer: Option<String>,
    pub(super) raised: Option<DateView>,
    pub(super) aliases: Vec<String>,
    pub(super) related: Vec<RelatedView>,
    pub(super) body_html: Option<Arc<str>>,
    pub(super) notices: Vec<ModificationNoticeView<'a>>,
    pub(super) documents: Vec<Shared<DocumentLinkView>>,
    pub(super) permalink: String,
    pub(super) feed_url: String,
}

impl ViewBuilder<'_> {
    /// The index row of modification `key`.
    pub fn modification_summary(&self, key: &ModificationKey) -> ModificationSummaryView {
        let modification = &self.model.modifications[key];
        ModificationSummaryView {
            id: modification.id.clone(),
            url: self.urls.path(&Urls::modification_path(key)),
            title: modification.title.clone().unwrap_or_default(),
            status: modification.status.clone(),
            implemented_by: self
                .model
                .implementing_notices(key)
                .into_iter()
                .map(|index| IndexedNoticeLink {
                    index,
                    link: self.notice_link(index),
                })
                .collect(),
        }
    }

    /// The page of modification `key`; `body_html` is its page's rendered body, if any.
    pub fn modification(
        &self,
        key: &ModificationKey,
        body_html: Option<Arc<str>>,
    ) -> ModificationView<'_> {
        let modifications = &self.model.modifications;
        let modification = &modifications[key];
        let page = modification.page.as_ref();
        let notices = modification
            .appearances
            .iter()
            .map(|appearance| ModificationNoticeView {
                notice_index: appearance.notice,
                notice: self.shared_notice_link(appearance.notice),
                part: appearance.part,
                status: appearance.status.map(|s| modifications.status(s)),
                relation: appearance.relation.key(),
            })
            .collect();
        let related = page
            .map(|p| p.related.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|id| {
                let written = ModificationKey::from_id(id);
                let target = self.model.aliases.get(&written).unwrap_or(&written);
                RelatedView {
                    id: id.clone(),
                    url: self
                        .model
                        .modifications
                        .contains_key(target)
                        .then(|| self.urls.path(&Urls::modification_path(target))),
                }
            })
            .collect();
        ModificationView {
            id: modification.id.clone(),
            url: self.urls.path(&Urls::modification_path(key)),
            title: modification.title.clone().unwrap_or_default(),
            status: modification.status.clone(),
            route: page.and_then(|p| p.route.clone()),
            proposer: page.and_then(|p| p.proposer.clone()),
            raised: page.and_then(|p| p.raised).map(DateView::new),
            aliases: page
                .map(|p| p.aliases.iter().map(|(a, _)| a.clone()).collect())
                .unwrap_or_default(),
            related,
            body_html,
            notices,
            documents: self
                .model
                .documents_touched(key)
                .iter()
                .map(|&d| self.document_link(d as usize))
                .collect(),
            permalink: self.urls.permalink(&Urls::modification_path(key)),
            feed_url: self.urls.path(&Urls::modification_feed_path(key)),
        }
    }
}

/// A row of the Document Log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntryView {
    document: Shared<DocumentLinkView>,
    feed_url: String,
    version: Option<String>,
    since: Option<DateView>,
    notice: Option<Shared<NoticeLinkView>>,
}

/// A change that takes effect after the build date.
#[derive(Debug, Clone, Serialize)]
pub struct UpcomingChangeView {
    document: Shared<DocumentLinkView>,
    version: Option<String>,
    effective: DateView,
    notice: Shared<NoticeLinkView>,
}

/// The Document Log.
#[derive(Debug, Clone, Serialize)]
pub struct LogView {
    entries: Vec<LogEntryView>,
    upcoming: Vec<UpcomingChangeView>,
    as_of: DateView,
    first_change: Option<DateView>,
    history_url: String,
}

/// The version currently in effect for a document.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentVersionView {
    pub(super) version: Option<String>,
    pub(super) since: DateView,
    pub(super) notice: Shared<NoticeLinkView>,
}

/// One release's change to a document. It names the notice and its row, and finds what the row
/// shows when a template asks: the compiled template keeps what a notice's rows show by notice
/// and does not ask, which at 100,000 notices saves reading a million rows spread over memory.
#[derive(Clone)]
pub struct HistoryRowView<'a> {
    pub(super) builder: &'a ViewBuilder<'a>,
    /// Which notice.
    pub(super) notice_index: usize,
    /// Which of the notice's document rows (among those in the registry).
    pub(super) row: usize,
    pub(super) upcoming: bool,
}

impl std::fmt::Debug for HistoryRowView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryRowView")
            .field("notice_index", &self.notice_index)
            .field("row", &self.row)
            .field("upcoming", &self.upcoming)
            .finish()
    }
}

impl Serialize for HistoryRowView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let model = self.builder.model;
        let (document, row) = model.notices[self.notice_index].document(self.row);
        let mut fields = serializer.serialize_struct("HistoryRowView", 8)?;
        fields.serialize_field("notice", self.builder.shared_notice_link(self.notice_index))?;
        fields.serialize_field(
            "title",
            row.title
                .as_deref()
                .unwrap_or(&model.documents[document].title),
        )?;
        fields.serialize_field("version", &row.version)?;
        fields.serialize_field("codeworks", &row.codeworks)?;
        fields.serialize_field("modification", &row.modification)?;
        fields.serialize_field("designation", &row.designation)?;
        fields.serialize_field(
            "modifications",
            self.builder
                .shared_notice_modification_links(self.notice_index),
        )?;
        fields.serialize_field("upcoming", &self.upcoming)?;
        fields.end()
    }
}

/// A document's own page.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView<'a> {
    #[serde(flatten)]
    pub(super) link: DocumentLinkView,
    pub(super) kind: &'static str,
    #[serde(rename = "ref")]
    pub(super) reference: String,
    pub(super) current: Option<CurrentVersionView>,
    pub(super) history: Vec<HistoryRowView<'a>>,
    pub(super) permalink: String,
    pub(super) feed_url: String,
}

impl ViewBuilder<'_> {
    /// The Document Log as at the build date.
    pub fn log(&self) -> LogView {
        let as_of = self.model.as_of;
        let mut upcoming = Vec::new();
        let entries = (0..self.model.documents.len())
            .map(|d| {
                for change in self.model.log.upcoming(d, as_of) {
                    upcoming.push((
                        change.effective,
                        change.notice,
                        d,
                        UpcomingChangeView {
                            document: self.document_link(d),
                            version: self.model.notices[change.notice]
                                .document(change.row)
                                .1
                                .version
                                .clone(),
                            effective: DateView::new(change.effective),
                            notice: self.notice_link(change.notice),
                        },
                    ));
                }
                let current = self.model.log.in_effect(d, as_of);
                LogEntryView {
                    document: self.document_link(d),
                    feed_url: self
                        .urls
                        .path(&Urls::document_feed_path(&self.model.documents[d].id)),
                    version: current
                        .and_then(|e| e.version(&self.model.notices).map(str::to_string)),
                    since: current.map(|e| DateView::new(e.effective)),
                    notice: current.map(|e| self.notice_link(e.notice)),
                }
            })
            .collect();
        upcoming.sort_by_key(|(effective, notice, document, _)| (*effective, *notice, *document));
        let first_change = (0..self.model.documents.len())
            .filter_map(|d| self.model.log.history(d).first().map(|e| e.effective))
            .min();
        LogView {
            entries,
            upcoming: upcoming.into_iter().map(|(_, _, _, view)| view).collect(),
            as_of: DateView::new(as_of),
            first_change: first_change.map(DateView::new),
            history_url: self.urls.path(LOG_HISTORY_PATH),
        }
    }

    /// The history page of document `index`.
    pub fn document(&self, index: usize) -> DocumentView<'_> {
        let document = &self.model.documents[index];
        let as_of = self.model.as_of;
        let current = self
            .model
            .log
            .in_effect(index, as_of)
            .map(|e| CurrentVersionView {
                version: e.version(&self.model.notices).map(str::to_string),
                since: DateView::new(e.effective),
                notice: self.notice_link(e.notice),
            });
        let history = self
            .model
            .log
            .history(index)
            .iter()
            .map(|entry| HistoryRowView {
                builder: self,
                notice_index: entry.notice,
                row: entry.row,
                upcoming: entry.effective > as_of,
            })
            .collect();
        DocumentView {
            link: self.document_link_view(index),
            kind: document.kind.key(),
            reference: document.reference.clone(),
            current,
            history,
            permalink: self.urls.permalink(&Urls::document_path(&document.id)),
            feed_url: self.urls.path(&Urls::document_feed_path(&document.id)),
        }
    }
}

/// A free page.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    /// The slug.
    pub slug: String,
    /// The URL.
    pub url: String,
    /// The title.
    pub title: String,
    /// The rendered body.
    pub body_html: Arc<str>,
}

/// One entry of the Atom feed. It borrows what the builder keeps of its notice: a notice is in
/// the feeds of some ten modifications and documents, rendered on every core at once, and a
/// shared count on each of its texts would be written from both.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntryView<'a> {
    /// Which notice: the compiled template keeps what a notice's entries share by it.
    #[serde(skip)]
    pub(super) notice_index: usize,
    pub(super) id: &'a str,
    pub(super) title: &'a str,
    pub(super) permalink: &'a str,
    pub(super) published: &'a str,
    pub(super) updated: &'a str,
    pub(super) summary: Cow<'a, str>,
    pub(super) content_html: Option<&'a str>,
}

/// The Atom feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedView<'a> {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) subtitle: Option<String>,
    pub(super) url: String,
    pub(super) feed_url: String,
    pub(super) updated: String,
    pub(super) entries: Vec<FeedEntryView<'a>>,
}

/// The most entries a feed holds.
pub const FEED_LIMIT: usize = 50;

impl ViewBuilder<'_> {
    /// The feed of the newest notices (`newest_first` holds notice indices).
    pub fn feed(&self, config: &Config, newest_first: &[usize]) -> FeedView<'_> {
        let entries: Vec<FeedEntryView<'_>> = newest_first
            .iter()
            .take(FEED_LIMIT)
            .map(|&i| {
                let mut entry = self.feed_entry(i, Cow::Borrowed(self.summary(i)));
                entry.content_html = Some(self.body(i));
                entry
            })
            .collect();
        FeedView {
            id: self.urls.permalink(""),
            title: config.title.clone(),
            subtitle: config.description.clone(),
            url: self.urls.permalink(""),
            feed_url: self.urls.permalink("feed.xml"),
            updated: self.feed_updated(newest_first.iter().take(FEED_LIMIT).copied()),
            entries,
        }
    }

    /// An entry for notice `index`, without content.
    pub(super) fn feed_entry<'v>(
        &'v self,
        index: usize,
        summary: Cow<'v, str>,
    ) -> FeedEntryView<'v> {
        let notice = self.feed_notice(index);
        FeedEntryView {
            notice_index: index,
            id: notice.permalink(),
            title: notice.title(),
            permalink: notice.permalink(),
            published: notice.published(),
            updated: notice.published(),
            summary,
            content_html: None,
        }
    }

    /// What every feed entry about notice `index` repeats (a notice is in the feeds of its
    /// modifications and documents), made once.
    fn feed_notice(&self, index: usize) -> &FeedNotice {
        self.feed_notices.get_or_init(index, || {
            let notice = &self.model.notices[index];
            FeedNotice::new(
                notice.source.date,
                [
                    &self.urls.permalink(&Urls::notice_path(notice.slug())),
                    &dates::rfc3339(notice.source.date),
                    &effect_phrase(notice, self.model.as_of),
                    &summary_tail(self.summary(index)),
                    &notice.source.title,
                ],
            )
        })
    }

    /// When a feed of these notices was last updated: the newest publication date, else the
    /// build date.
    fn feed_updated(&self, notices: impl Iterator<Item = usize>) -> String {
        dates::rfc3339(
            notices
                .map(|i| self.feed_notice(i).date)
                .max()
                .unwrap_or(self.model.as_of),
        )
    }

    /// The feed of modification `key`: the notices that implement, list or mention it, newest
    /// first. Each entry says what the notice does to the modification, then the notice's
    /// summary; the notice's full text is on its page.
    pub fn modification_feed(&self, config: &Config, key: &ModificationKey) -> FeedView<'_> {
        let modification = &self.model.modifications[key];
        let id = &modification.id;
        let chosen: Vec<_> = modification
            .appearances
            .iter()
            .rev()
            .take(FEED_LIMIT)
            .collect();
        let shared: Vec<&FeedNotice> = chosen
            .iter()
            .map(|appearance| self.feed_notice(appearance.notice))
            .collect();
        touch_all(shared.iter().map(|notice| notice.text.as_bytes()));
        let entries = chosen
            .iter()
            .zip(shared)
            .map(|(appearance, shared)| {
                let part = appearance.part;
                let status = appearance
                    .status
                    .map(|s| self.model.modifications.status(s));
                // Some 50 entries a feed and a feed a modification: pieced together in one
                // buffer of the right size rather than by `format!`.
                let mut said = String::with_capacity(
                    32 + id.len()
                        + status.map_or(0, str::len)
                        + shared.effect().len()
                        + shared.summary_tail().len(),
                );
                // A mention names no part.
                let (verb, part) = match appearance.relation {
                    Relation::Implemented => ("Implements ", part),
                    Relation::Listed => ("Lists ", part),
                    Relation::Mentioned => ("Mentions ", None),
                };
                said.push_str(verb);
                said.push_str(id);
                if let Some(part) = part {
                    let _ = write!(said, " (part {part})");
                }
                if let Some(status) = status {
                    said.push_str(", status ");
                    said.push_str(status);
                }
                said.push_str(shared.effect());
                said.push_str(shared.summary_tail());
                self.feed_entry(appearance.notice, Cow::Owned(said))
            })
            .collect();
        let title = match &modification.title {
            Some(title) if !title.is_empty() => format!("{id}: {title}"),
            _ => id.clone(),
        };
        FeedView {
            id: self.urls.permalink(&Urls::modification_path(key)),
            title: format!("{title} – {}", config.title),
            subtitle: Some(format!(
                "Every notice that implements, lists or mentions {id}"
            )),
            url: self.urls.permalink(&Urls::modification_path(key)),
            feed_url: self.urls.permalink(&Urls::modification_feed_path(key)),
            updated: self.feed_updated(chosen.iter().map(|a| a.notice)),
            entries,
        }
    }

    /// The feed of document `index`: the releases that changed it, newest first by the date they
    /// take effect. Each entry gives the version set and the date, then the notice's summary.
    pub fn document_feed(&self, config: &Config, index: usize) -> FeedView<'_> {
        let document = &self.model.documents[index];
        let label = document.label();
        let chosen: Vec<_> = self
            .model
            .log
            .history(index)
            .iter()
            .rev()
            .take(FEED_LIMIT)
            .collect();
        let entries = chosen
            .iter()
            .map(|entry| {
                let notice = &self.model.notices[entry.notice];
                let row = notice.document(entry.row).1;
                let mut said = match &row.version {
                    Some(version) => format!("Sets {label} to version {version}"),
                    None => format!("Changes {label}"),
                };
                let shared = self.feed_notice(entry.notice);
                said.push_str(shared.effect());
                said.push_str(shared.summary_tail());
                self.feed_entry(entry.notice, Cow::Owned(said))
            })
            .collect();
        FeedView {
            id: self.urls.permalink(&Urls::document_path(&document.id)),
            title: format!("{label}: {} – {}", document.title, config.title),
            subtitle: Some(format!("Every release that changes {label}")),
            url: self.urls.permalink(&Urls::document_path(&document.id)),
            feed_url: self.urls.permalink(&Urls::document_feed_path(&document.id)),
            updated: self.feed_updated(chosen.iter().map(|e| e.notice)),
            entries,
        }
    }
}

/// `, effective 29 November 2020 (November 2020 SEC Release)` for a release, with "takes effect"
/// when it is upcoming; a full stop alone for news, which takes no effect.
fn effect_phrase(notice: &Notice, as_of: NaiveDate) -> String {
    if !notice.is_releasing() {
        return ".".to_string();
    }
    let when = dates::display(notice.effective);
    let verb = if notice.is_upcoming(as_of) {
        "takes effect"
    } else {
        "effective"
    };
    match &notice.source.release {
        Some(release) => format!(", {verb} {when} ({release})."),
        None => format!(", {verb} {when}."),
    }
}

/// The most characters of a notice's summary a modification's or a document's feed repeats: the
/// entry links the notice, and a site of 10,000 notices has some 65,000 such entries.
const ITEM_FEED_SUMMARY_CHARS: usize = 200;

/// Reads the first byte of each of `texts`, one after the other with nothing in between. A page
/// that gathers texts kept for many notices (a modification's feed and page) calls this before it
/// copies them: the trips to memory for all of them, at random places in a large heap, then
/// overlap, where made one text at a time they follow each other.
pub(super) fn touch_all<'t>(texts: impl Iterator<Item = &'t [u8]>) {
    let touched = texts.fold(0u8, |seen, text| seen ^ text.first().copied().unwrap_or(0));
    std::hint::black_box(touched);
}

/// What a notice's entry in a modification's or a document's feed shares with its other entries:
/// its permalink (also the entry's id), when it was published (also when its entry was last
/// updated), when it takes effect ([`effect_phrase`]), its summary as the entries repeat it
/// ([`summary_tail`]) and its title. One allocation: a site of 100,000 notices reads them for two
/// million entries, each a trip to memory. (A `Segments` would keep the ends in a second
/// allocation; these five parts keep them inline.)
struct FeedNotice {
    /// The date it was published.
    date: NaiveDate,
    text: Box<str>,
    // Where each part but the last ends.
    ends: [u32; 4],
}

impl FeedNotice {
    /// `parts`: the permalink, the date published, the effect, the summary's tail and the title.
    fn new(date: NaiveDate, parts: [&str; 5]) -> Self {
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 4];
        for (n, part) in parts.iter().enumerate() {
            text.push_str(part);
            if let Some(end) = ends.get_mut(n) {
                *end = u32::try_from(text.len()).expect("a notice's feed texts are under 4 GB");
            }
        }
        FeedNotice {
            date,
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn part(&self, n: usize) -> &str {
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        let end = self.ends.get(n).map_or(self.text.len(), |&e| e as usize);
        &self.text[start..end]
    }

    fn permalink(&self) -> &str {
        self.part(0)
    }

    fn published(&self) -> &str {
        self.part(1)
    }

    fn effect(&self) -> &str {
        self.part(2)
    }

    fn summary_tail(&self) -> &str {
        self.part(3)
    }

    fn title(&self) -> &str {
        self.part(4)
    }
}

/// A notice's summary as a feed entry repeats it after what it says about its subject: a space
/// and the summary clipped, or nothing.
fn summary_tail(summary: &str) -> String {
    let clipped = clip(summary, ITEM_FEED_SUMMARY_CHARS);
    let ellipsis = if clipped.len() < summary.len() {
        "…"
    } else {
        ""
    };
    if clipped.is_empty() {
        String::new()
    } else {
        format!(" {clipped}{ellipsis}")
    }
}

/// The first `limit` characters of `text`, cut after a word where possible.
pub fn clip(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        None => text,
        Some((end, _)) => {
            let head = &text[..end];
            head.rfind(' ').map_or(head, |space| {
                head[..space].trim_end_matches([',', ';', ':'])
            })
        }
    }
}

/// One URL of the sitemap.
#[derive(Debug, Clone, Serialize)]
pub struct SitemapUrlView {
    /// The absolute URL.
    pub loc: String,
    /// The date it last changed, when known.
    pub lastmod: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::{LazyTable, clip, page_window, summary_tail};

    #[test]
    fn filling_a_table_makes_the_missing_values_and_keeps_the_made_ones() {
        let table = LazyTable::from_kept(vec![None, Some("kept".to_string()), None]);
        table.fill(|index| format!("made {index}"));
        assert_eq!(table.get_or_init(0, || unreachable!()), "made 0");
        assert_eq!(table.get_or_init(1, || unreachable!()), "kept");
        assert_eq!(table.get_or_init(2, || unreachable!()), "made 2");
        let large: LazyTable<usize> = LazyTable::new(10_000);
        large.fill(|index| index * 2);
        assert!((0..10_000).all(|i| *large.get_or_init(i, || unreachable!()) == i * 2));
    }

    #[test]
    fn summaries_are_clipped_after_a_word() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("one two three", 9), "one two");
        assert_eq!(clip("one, two three", 6), "one");
        assert_eq!(clip("éééé", 2), "éé");
        let long = "word ".repeat(100);
        let joined = format!("Implements MP1.{}", summary_tail(&long));
        assert!(joined.starts_with("Implements MP1. word word"));
        assert!(joined.ends_with("word…"), "{joined}");
        assert!(joined.chars().count() < 230);
        assert_eq!(format!("Lists MP1.{}", summary_tail("")), "Lists MP1.");
    }

    #[test]
    fn paginators_show_a_window_not_every_page() {
        assert_eq!(page_window(1, 1), [1]);
        assert_eq!(page_window(1, 4), [1, 2, 3, 4]);
        assert_eq!(page_window(1, 500), [1, 2, 3, 500]);
        assert_eq!(page_window(250, 500), [1, 248, 249, 250, 251, 252, 500]);
        assert_eq!(page_window(500, 500), [1, 498, 499, 500]);
    }
}
