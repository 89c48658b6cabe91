//! Rendering: every page of the site through the templates into a `RenderedSite`, an in-memory map
//! from output path to bytes. Nothing here reads content or writes files.

pub mod calendar;
mod compiled;
pub mod dates;
pub mod exports;
pub mod file_bytes;
mod json;
pub mod records;
mod segments;
pub mod templates;
pub mod views;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use compiled::{Chrome, CompiledPage, TwinCache};
use file_bytes::FileBytes;
use rayon::prelude::*;
use tera::Context;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
pub use records::{RecordSpans, StaleRecords};
pub use templates::Templates;
pub use views::KeptViews;
use views::{
    CALENDAR_PATH, CountsView, DOCUMENTS_EXPORT_PATH, LOG_HISTORY_PATH, MODIFICATIONS_EXPORT_PATH,
    PageView, PaginatorView, RELEASES_EXPORT_PATH, SEARCH_INDEX_PATH, SEARCH_PATH, SiteView,
    SitemapUrlView, Urls, ViewBuilder,
};

/// The rendered Markdown of the site, made by the markdown stage.
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    /// The index of the notice `notices[0]` and `summaries[0]` belong to: 0 when they hold every
    /// notice, more when notice pages are rendered a window at a time.
    pub first_notice: usize,
    /// HTML of each notice's body, by notice index less `first_notice`.
    pub notices: Vec<Arc<str>>,
    /// Summary of each notice (its `summary`, else its first paragraph), by notice index less
    /// `first_notice`.
    pub summaries: Vec<Arc<str>>,
    /// HTML of each modification page's body.
    pub modifications: HashMap<ModificationKey, Arc<str>>,
    /// HTML of each free page's body, by page index.
    pub pages: Vec<Arc<str>>,
}

/// The whole site in memory: output path (`releases/x/index.html`) to bytes. Cloning it is cheap:
/// the bytes are shared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedSite {
    /// The files, by path relative to the output folder, with `/` separators.
    pub files: BTreeMap<String, FileBytes>,
}

impl RenderedSite {
    /// How many HTML pages the site has.
    pub fn page_count(&self) -> usize {
        self.files.keys().filter(|p| p.ends_with(".html")).count()
    }
}

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageId {
    /// `/`.
    Home,
    /// `/releases/` and `/releases/page/N/`, by page number from 1.
    Listing(usize),
    /// A notice, by index in the model.
    Notice(usize),
    /// `/modifications/`.
    ModificationIndex,
    /// A modification, by key.
    Modification(ModificationKey),
    /// `/documents/`.
    Log,
    /// A document, by index in the model.
    Document(usize),
    /// A free page, by index in the model.
    Page(usize),
    /// `/404.html`.
    NotFound,
    /// `/feed.xml`.
    Feed,
    /// `/sitemap.xml`: the sitemap, or, past 50,000 URLs, the index of its parts.
    Sitemap,
    /// `/sitemap-N.xml`, from 1: a part of a sitemap too large for one file.
    SitemapPart(usize),
    /// `/robots.txt`.
    Robots,
    /// `/search/`: the search page.
    Search,
    /// `/search/index.json`: what the search page searches.
    SearchIndex,
    /// `/documents/history.json`: every document's versions, for the log as at a date.
    LogHistory,
    /// One of the JSON exports of `/api/`.
    Export(Export),
    /// `/calendar.ics`: the effective dates of the releases.
    Calendar,
    /// `/modifications/<id>/feed.xml`: the Atom feed of one modification.
    ModificationFeed(ModificationKey),
    /// `/documents/<id>/feed.xml`: the Atom feed of one document, by index in the model.
    DocumentFeed(usize),
}

/// The JSON exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Export {
    /// `/api/releases.json`: every notice.
    Releases,
    /// `/api/modifications.json`: every modification.
    Modifications,
    /// `/api/documents.json`: every document with its history.
    Documents,
}

impl Export {
    /// Every export.
    pub const ALL: [Export; 3] = [Export::Releases, Export::Modifications, Export::Documents];

    /// Its site path.
    pub fn site_path(self) -> &'static str {
        match self {
            Export::Releases => RELEASES_EXPORT_PATH,
            Export::Modifications => MODIFICATIONS_EXPORT_PATH,
            Export::Documents => DOCUMENTS_EXPORT_PATH,
        }
    }
}

impl PageId {
    /// The pages made from the whole model rather than from one notice, modification or
    /// document: the data files and the calendar.
    pub const WHOLE_MODEL: [PageId; 6] = [
        PageId::SearchIndex,
        PageId::LogHistory,
        PageId::Export(Export::Releases),
        PageId::Export(Export::Modifications),
        PageId::Export(Export::Documents),
        PageId::Calendar,
    ];
}

/// The pages a model has and where they go, known without rendering anything.
#[derive(Clone, Copy)]
pub struct Pages<'a> {
    model: &'a SiteModel,
    page_size: usize,
}

impl<'a> Pages<'a> {
    /// The pages of `model` with `page_size` notices per listing page.
    pub fn new(model: &'a SiteModel, page_size: usize) -> Self {
        Pages {
            model,
            page_size: page_size.max(1),
        }
    }

    /// How many listing pages there are.
    pub fn listing_pages(&self) -> usize {
        self.model.notices.len().div_ceil(self.page_size).max(1)
    }

    /// The listing page that shows notice `index`.
    pub fn listing_of(&self, index: usize) -> usize {
        (self.model.notices.len() - 1 - index) / self.page_size + 1
    }

    /// Every page of the site.
    pub fn all_pages(&self) -> Vec<PageId> {
        let model = self.model;
        let mut pages = vec![
            PageId::Home,
            PageId::ModificationIndex,
            PageId::Log,
            PageId::NotFound,
            PageId::Feed,
            PageId::Sitemap,
            PageId::Robots,
            PageId::Search,
        ];
        pages.extend(PageId::WHOLE_MODEL);
        pages.extend((1..=self.listing_pages()).map(PageId::Listing));
        pages.extend((0..model.notices.len()).map(PageId::Notice));
        pages.extend(
            model
                .modifications
                .keys()
                .cloned()
                .map(PageId::Modification),
        );
        pages.extend(
            model
                .modifications
                .keys()
                .cloned()
                .map(PageId::ModificationFeed),
        );
        pages.extend((0..model.documents.len()).map(PageId::Document));
        pages.extend((0..model.documents.len()).map(PageId::DocumentFeed));
        pages.extend((0..model.pages.len()).map(PageId::Page));
        let listed = pages.iter().filter(|p| is_sitemap_page(p)).count();
        let parts = listed.div_ceil(SITEMAP_LIMIT);
        if parts > 1 {
            pages.extend((1..=parts).map(PageId::SitemapPart));
        }
        pages
    }

    /// The site path of a page (`releases/x/`, `feed.xml`).
    pub fn site_path(&self, page: &PageId) -> String {
        let model = self.model;
        match page {
            PageId::Home => String::new(),
            PageId::Listing(n) => Urls::listing_path(*n),
            PageId::Notice(i) => Urls::notice_path(model.notices[*i].slug()),
            PageId::ModificationIndex => "modifications/".to_string(),
            PageId::Modification(key) => Urls::modification_path(key),
            PageId::Log => "documents/".to_string(),
            PageId::Document(i) => Urls::document_path(&model.documents[*i].id),
            PageId::Page(i) => format!("{}/", model.pages[*i].slug),
            PageId::NotFound => "404.html".to_string(),
            PageId::Feed => "feed.xml".to_string(),
            PageId::Sitemap => "sitemap.xml".to_string(),
            PageId::SitemapPart(n) => format!("sitemap-{n}.xml"),
            PageId::Robots => "robots.txt".to_string(),
            PageId::Search => SEARCH_PATH.to_string(),
            PageId::SearchIndex => SEARCH_INDEX_PATH.to_string(),
            PageId::LogHistory => LOG_HISTORY_PATH.to_string(),
            PageId::Export(export) => export.site_path().to_string(),
            PageId::Calendar => CALENDAR_PATH.to_string(),
            PageId::ModificationFeed(key) => Urls::modification_feed_path(key),
            PageId::DocumentFeed(i) => Urls::document_feed_path(&model.documents[*i].id),
        }
    }

    /// The output file of a page (`releases/x/index.html`).
    pub fn output_path(&self, page: &PageId) -> String {
        output_path_of(&self.site_path(page))
    }
}

/// Renders the pages of one model.
pub struct Renderer<'a> {
    model: &'a SiteModel,
    config: &'a Config,
    templates: &'a Templates,
    bodies: &'a Bodies,
    views: ViewBuilder<'a>,
    site: tera::Value,
    site_view: SiteView,
    twins: TwinCache,
    newest_first: Vec<usize>,
    listing_pages: usize,
    previous: Option<PreviousRecords<'a>>,
    // The data files rendered: where their records lie, by output path.
    spans: Mutex<Vec<RecordedFile>>,
    sitemap_urls: OnceLock<Vec<SitemapUrlView>>,
}

/// A data file a renderer made.
pub struct RecordedFile {
    /// Its output path.
    pub path: String,
    /// Where its records lie.
    pub spans: Arc<RecordSpans>,
    /// How many of its records were copied from the last build.
    pub copied: usize,
}

/// The data files of the last build, whose up-to-date records a rebuild copies rather than
/// makes again (see `records`).
pub struct PreviousRecords<'a> {
    /// The last build's files, by output path.
    pub files: &'a BTreeMap<String, FileBytes>,
    /// Where the records of its data files lie, by output path.
    pub spans: &'a HashMap<String, Arc<RecordSpans>>,
    /// Which records are out of date.
    pub stale: StaleRecords,
}

impl<'a> Renderer<'a> {
    /// A renderer of `model` through `templates`.
    pub fn new(
        model: &'a SiteModel,
        config: &'a Config,
        templates: &'a Templates,
        bodies: &'a Bodies,
    ) -> Self {
        let urls = Urls::new(config);
        let site_view = SiteView::new(config, &urls, model.as_of);
        let site = tera::Value::from_serializable(&site_view);
        let newest_first: Vec<usize> = (0..model.notices.len()).rev().collect();
        let listing_pages = newest_first.len().div_ceil(config.page_size).max(1);
        Renderer {
            model,
            config,
            templates,
            bodies,
            views: ViewBuilder::new(
                model,
                urls,
                &bodies.notices,
                &bodies.summaries,
                bodies.first_notice,
            ),
            site,
            site_view,
            twins: TwinCache::new(model.notices.len()),
            newest_first,
            listing_pages,
            previous: None,
            spans: Mutex::new(Vec::new()),
            sitemap_urls: OnceLock::new(),
        }
    }

    /// Makes the data files by copying the up-to-date records of `previous`: only for a model
    /// with the same notices, modifications and documents in the same order, and the same
    /// configuration, as the build `previous` comes from.
    pub fn copy_records_from(&mut self, previous: PreviousRecords<'a>) {
        self.previous = Some(previous);
    }

    /// Reuses the views `kept` from the last build (see `views::KeptViews`) for the notices
    /// `stale` does not mark: only for a model of the same structure as the last build's.
    pub fn reuse_views(&mut self, mut kept: KeptViews, stale: &StaleRecords) {
        self.views.reuse(&mut kept, &stale.notices);
        self.twins = TwinCache::reusing(std::mem::take(&mut kept.twin_cells), &stale.notices);
    }

    /// The views this renderer made, for the next build.
    pub fn into_kept_views(self) -> KeptViews {
        let mut kept = self.views.into_kept();
        kept.twin_cells = self.twins.into_kept();
        kept
    }

    /// The data files rendered so far: where their records lie.
    pub fn take_recorded_files(&self) -> Vec<RecordedFile> {
        std::mem::take(&mut *self.spans.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The last build's file at `path`, for copying its records.
    fn previous_file(&self, path: &str) -> Option<records::PreviousFile<'_>> {
        let previous = self.previous.as_ref()?;
        Some(records::PreviousFile {
            text: previous.files.get(path)?,
            spans: previous.spans.get(path)?,
            stale: &previous.stale,
        })
    }

    /// A data file made of records: its path and text, its spans noted.
    fn recorded(
        &self,
        path: &str,
        make: impl FnOnce(Option<records::PreviousFile<'_>>) -> records::Remade,
    ) -> Result<(String, FileBytes), Diagnostic> {
        let (text, spans, copied) = match make(self.previous_file(path)) {
            records::Remade::Changed(text, spans, copied) => (text, Arc::new(spans), copied),
            records::Remade::Unchanged => {
                let previous = self
                    .previous
                    .as_ref()
                    .expect("only a rebuild finds no change");
                let spans = Arc::clone(&previous.spans[path]);
                let copied = spans.len();
                (previous.files[path].clone(), spans, copied)
            }
        };
        self.spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(RecordedFile {
                path: path.to_string(),
                spans,
                copied,
            });
        Ok((path.to_string(), text))
    }

    /// Whether pages of `template` come out as its built-in makes them (what they show is then
    /// known: see `site::dirty`).
    pub fn renders_builtin(&self, template: &str) -> bool {
        renders_builtin(self.templates, template)
    }

    /// The pages of the model being rendered.
    pub fn pages(&self) -> Pages<'a> {
        Pages::new(self.model, self.config.page_size)
    }

    /// Every page of the site.
    pub fn all_pages(&self) -> Vec<PageId> {
        self.pages().all_pages()
    }

    /// The site path of a page (`releases/x/`, `feed.xml`).
    pub fn site_path(&self, page: &PageId) -> String {
        self.pages().site_path(page)
    }

    /// The output file of a page (`releases/x/index.html`).
    pub fn output_path(&self, page: &PageId) -> String {
        self.pages().output_path(page)
    }

    /// How many listing pages there are.
    pub fn listing_pages(&self) -> usize {
        self.listing_pages
    }

    /// The listing page that shows notice `index`.
    pub fn listing_of(&self, index: usize) -> usize {
        self.pages().listing_of(index)
    }

    /// Renders `pages` in parallel into memory. Every template error is returned.
    pub fn render(&self, pages: &[PageId]) -> Result<Vec<(String, FileBytes)>, Vec<Diagnostic>> {
        let files = std::sync::Mutex::new(Vec::with_capacity(pages.len()));
        self.render_each(pages, |path, text| {
            let mut files = files.lock().unwrap_or_else(|p| p.into_inner());
            files.push((path, text));
            Ok(())
        })?;
        let mut files = files.into_inner().unwrap_or_else(|p| p.into_inner());
        // Rendering runs in parallel: sort so that nothing depends on which thread won.
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// Renders `pages` in parallel, handing each page (output path, text) to `consume` as soon
    /// as it is rendered, so a build need not hold the whole site in memory. Every template
    /// error and every error of `consume` is returned.
    pub fn render_each<F>(&self, pages: &[PageId], consume: F) -> Result<(), Vec<Diagnostic>>
    where
        F: Fn(String, FileBytes) -> Result<(), Diagnostic> + Sync,
    {
        let renderer = self.page_renderer();
        let mut problems: Vec<Diagnostic> = pages
            .par_iter()
            .filter_map(|page| {
                let rendered = match page {
                    PageId::Sitemap => as_bytes(self.sitemap(&renderer, None)),
                    PageId::SitemapPart(n) => as_bytes(self.sitemap(&renderer, Some(*n))),
                    PageId::Robots => Ok((
                        "robots.txt".to_string(),
                        format!(
                            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
                            self.views.urls.permalink("sitemap.xml")
                        )
                        .into(),
                    )),
                    PageId::SearchIndex => self.recorded(SEARCH_INDEX_PATH, |previous| {
                        exports::search_index_json(&self.views, previous)
                    }),
                    PageId::LogHistory => self.recorded(LOG_HISTORY_PATH, |previous| {
                        exports::log_history_json(&self.views, previous)
                    }),
                    PageId::Export(export) => {
                        let title = &self.config.title;
                        self.recorded(export.site_path(), |previous| match export {
                            Export::Releases => {
                                exports::releases_json(&self.views, title, previous)
                            }
                            Export::Modifications => {
                                exports::modifications_json(&self.views, title, previous)
                            }
                            Export::Documents => {
                                exports::documents_json(&self.views, title, previous)
                            }
                        })
                    }
                    PageId::Calendar => self.recorded(CALENDAR_PATH, |previous| {
                        calendar::calendar_ics(
                            &self.views,
                            &self.config.title,
                            self.config.description.as_deref(),
                            previous,
                        )
                    }),
                    other => as_bytes(renderer.render(other)),
                };
                rendered.and_then(|(path, text)| consume(path, text)).err()
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            problems.sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.message.cmp(&b.message)));
            Err(problems)
        }
    }

    /// Makes what each notice shows on the pages that gather notices (document histories,
    /// modification pages, feeds) for every notice at once, in notice order on all cores. For a
    /// build of every page: otherwise each notice's part is made when a page first comes to it,
    /// in no order, and at 100,000 notices each of those reads misses the caches.
    pub fn fill_notice_cells(&self) {
        self.twins.fill(&self.views, |template| {
            renders_builtin(self.templates, template)
        });
    }

    fn page_renderer(&self) -> PageRenderer<'_> {
        PageRenderer {
            templates: self.templates,
            site: &self.site,
            site_view: &self.site_view,
            twins: &self.twins,
            builder: &self.views,
            config: self.config,
            bodies: self.bodies,
            newest_first: &self.newest_first,
            listing_pages: self.listing_pages,
        }
    }

    /// Whether `stream` writes `page` as it is made: the exports, and the pages that run to
    /// megabytes (a document's history, the modification index) when their built-in templates
    /// make them. A build into a folder need not hold them whole, nor write them from memory
    /// once they no longer fit the CPU's caches.
    pub fn streams(&self, page: &PageId) -> bool {
        match page {
            PageId::Export(_) | PageId::Calendar | PageId::SearchIndex | PageId::LogHistory => true,
            PageId::Document(_) => self.renders_builtin("document.html"),
            PageId::ModificationIndex => self.renders_builtin("modifications.html"),
            _ => false,
        }
    }

    /// Writes `page`, one that `streams`, to `file` as it is made. The data files go through a
    /// buffer: a build into a folder has no last build to copy their records from, and keeps no
    /// spans.
    pub fn stream(&self, page: &PageId, file: std::fs::File) -> std::io::Result<()> {
        if let PageId::Document(_) | PageId::ModificationIndex = page {
            return self.page_renderer().stream(page, file);
        }
        let (views, title) = (&self.views, &self.config.title);
        let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
        let out = &mut records::RecordWriter::streaming(&mut file);
        match page {
            PageId::Export(Export::Releases) => exports::write_releases_json(views, title, out),
            PageId::Export(Export::Modifications) => {
                exports::write_modifications_json(views, title, out)
            }
            PageId::Export(Export::Documents) => exports::write_documents_json(views, title, out),
            PageId::Calendar => {
                let description = self.config.description.as_deref();
                calendar::write_calendar(views, title, description, out)
            }
            PageId::SearchIndex => exports::write_search_index(views, out),
            PageId::LogHistory => exports::write_log_history(views, out),
            other => unreachable!("{other:?} is not a page that is streamed"),
        }?;
        std::io::Write::flush(&mut file)
    }

    /// The sitemap: every HTML page but the 404 page, sorted. Past `SITEMAP_LIMIT` URLs (the
    /// protocol's limit per file) `sitemap.xml` is an index of `sitemap-N.xml` parts.
    fn sitemap(
        &self,
        renderer: &PageRenderer<'_>,
        part: Option<usize>,
    ) -> Result<(String, String), Diagnostic> {
        let all = self.sitemap_urls();
        let parts = all.len().div_ceil(SITEMAP_LIMIT);
        let urls = match part {
            None if parts > 1 => {
                return Ok((
                    "sitemap.xml".to_string(),
                    sitemap_index(&self.views.urls, parts),
                ));
            }
            None => all,
            Some(n) => {
                let start = ((n - 1) * SITEMAP_LIMIT).min(all.len());
                &all[start..(start + SITEMAP_LIMIT).min(all.len())]
            }
        };
        let path = part.map_or_else(|| "sitemap.xml".to_string(), |n| format!("sitemap-{n}.xml"));
        renderer.page_with_twin(CompiledPage::Sitemap(urls), "home", &path, None, |c| {
            c.insert("urls", urls);
        })
    }

    /// Every URL of the sitemap, sorted: made once for the sitemap and all its parts.
    fn sitemap_urls(&self) -> &[SitemapUrlView] {
        // Made on one thread: rayon could hand this thread another part of the sitemap while
        // it waited, which would ask for this list again before it is made.
        self.sitemap_urls.get_or_init(|| {
            let mut urls: Vec<SitemapUrlView> = self
                .all_pages()
                .iter()
                .filter(|p| is_sitemap_page(p))
                .map(|page| SitemapUrlView {
                    loc: self.views.urls.permalink(&self.site_path(page)),
                    lastmod: match page {
                        PageId::Notice(i) => Some(dates::iso(self.model.notices[*i].source.date)),
                        _ => None,
                    },
                })
                .collect();
            urls.sort_unstable_by(|a, b| (&a.loc, &a.lastmod).cmp(&(&b.loc, &b.lastmod)));
            urls
        })
    }
}

/// The most URLs one sitemap file may hold (sitemaps.org).
pub const SITEMAP_LIMIT: usize = 50_000;

/// Whether the sitemap lists a page: every HTML page but the 404 page.
fn is_sitemap_page(page: &PageId) -> bool {
    match page {
        PageId::Home
        | PageId::Listing(_)
        | PageId::Notice(_)
        | PageId::ModificationIndex
        | PageId::Modification(_)
        | PageId::Log
        | PageId::Document(_)
        | PageId::Page(_)
        | PageId::Search => true,
        PageId::NotFound
        | PageId::Feed
        | PageId::Sitemap
        | PageId::SitemapPart(_)
        | PageId::Robots
        | PageId::SearchIndex
        | PageId::LogHistory
        | PageId::Export(_)
        | PageId::Calendar
        | PageId::ModificationFeed(_)
        | PageId::DocumentFeed(_) => false,
    }
}

/// A sitemap index of `parts` sitemap files.
fn sitemap_index(urls: &Urls, parts: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for n in 1..=parts {
        let loc = urls
            .permalink(&format!("sitemap-{n}.xml"))
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        xml.push_str(&format!("  <sitemap><loc>{loc}</loc></sitemap>\n"));
    }
    xml.push_str("</sitemapindex>\n");
    xml
}

/// The output file of a site path: folders get `index.html`.
pub fn output_path_of(site_path: &str) -> String {
    if site_path.is_empty() || site_path.ends_with('/') {
        format!("{site_path}index.html")
    } else {
        site_path.to_string()
    }
}

/// Whether pages of `template` come out as its built-in makes them: the site changes neither it
/// nor `base.html`, which the HTML templates extend.
fn renders_builtin(templates: &Templates, template: &str) -> bool {
    templates.is_builtin(template)
        && (!template.ends_with(".html") || templates.is_builtin("base.html"))
}

/// A rendered page's text as bytes.
fn as_bytes(page: Result<(String, String), Diagnostic>) -> Result<(String, FileBytes), Diagnostic> {
    page.map(|(path, text)| (path, FileBytes::from(text)))
}

/// Renders every page of `model`. All template errors are returned together.
pub fn render_site(
    model: &SiteModel,
    config: &Config,
    templates: &Templates,
    bodies: &Bodies,
) -> Result<RenderedSite, Vec<Diagnostic>> {
    let renderer = Renderer::new(model, config, templates, bodies);
    let files = renderer.render(&renderer.all_pages())?;
    Ok(RenderedSite {
        files: files.into_iter().collect(),
    })
}

struct PageRenderer<'a> {
    templates: &'a Templates,
    site: &'a tera::Value,
    site_view: &'a SiteView,
    twins: &'a TwinCache,
    builder: &'a ViewBuilder<'a>,
    config: &'a Config,
    bodies: &'a Bodies,
    newest_first: &'a [usize],
    listing_pages: usize,
}

impl PageRenderer<'_> {
    /// Writes a page `Renderer::streams` to `file`, with its built-in template.
    fn stream(&self, page: &PageId, file: std::fs::File) -> std::io::Result<()> {
        let model = self.builder.model;
        let (document, modifications);
        let (twin, nav, site_path) = match page {
            PageId::Document(index) => {
                document = self.builder.document(*index);
                let path = Urls::document_path(&model.documents[*index].id);
                (CompiledPage::Document(&document), "documents", path)
            }
            PageId::ModificationIndex => {
                modifications = self.modification_summaries();
                let path = "modifications/".to_string();
                (
                    CompiledPage::ModificationIndex(&modifications),
                    "modifications",
                    path,
                )
            }
            other => unreachable!("{other:?} is not a page that is streamed"),
        };
        self.with_chrome(nav, &site_path, |chrome| {
            compiled::stream(&twin, chrome, file)
        })
    }

    /// Calls `write` with what a twin receives besides its page's data (see `Chrome`).
    fn with_chrome<R>(
        &self,
        nav: &str,
        site_path: &str,
        write: impl FnOnce(&Chrome<'_>) -> R,
    ) -> R {
        let page_url = self.builder.urls.path(site_path);
        write(&Chrome {
            site: self.site_view,
            nav,
            page_url: &page_url,
            cache: self.twins,
        })
    }

    /// Every modification as the modification index lists it.
    fn modification_summaries(&self) -> Vec<views::ModificationSummaryView> {
        self.builder
            .model
            .modifications
            .keys()
            .map(|k| self.builder.modification_summary(k))
            .collect()
    }

    /// A context with the data every template receives.
    fn context(&self, nav: &str, site_path: &str) -> Context {
        let mut context = Context::new();
        context.insert("site", self.site);
        context.insert("nav", nav);
        context.insert("page_url", &self.builder.urls.path(site_path));
        context
    }

    fn page(
        &self,
        template: &str,
        nav: &str,
        site_path: &str,
        source: Option<&str>,
        fill: impl FnOnce(&mut Context),
    ) -> Result<(String, String), Diagnostic> {
        let mut context = self.context(nav, site_path);
        fill(&mut context);
        let url = self.builder.urls.path(site_path);
        let described = match source {
            Some(source) => format!("{url} from {source}"),
            None => url,
        };
        let html = self.templates.render(template, &context, &described)?;
        Ok((output_path_of(site_path), html))
    }

    /// A page whose built-in template has a compiled twin: the twin renders it unless the site
    /// changes the template (or `base.html`, which the HTML templates extend); Tera otherwise.
    fn page_with_twin(
        &self,
        twin: CompiledPage<'_>,
        nav: &str,
        site_path: &str,
        source: Option<&str>,
        fill: impl FnOnce(&mut Context),
    ) -> Result<(String, String), Diagnostic> {
        let template = twin.template();
        if renders_builtin(self.templates, template) {
            let html = self.with_chrome(nav, site_path, |chrome| compiled::render(&twin, chrome));
            return Ok((output_path_of(site_path), html));
        }
        self.page(template, nav, site_path, source, fill)
    }

    fn render(&self, page: &PageId) -> Result<(String, String), Diagnostic> {
        let model = self.builder.model;
        match page {
            PageId::Home => {
                let latest: Vec<_> = self
                    .newest_first
                    .iter()
                    .take(10)
                    .map(|&i| self.builder.notice_link(i))
                    .collect();
                let mut upcoming: Vec<usize> = (0..model.notices.len())
                    .filter(|&i| model.notices[i].is_upcoming(model.as_of))
                    .collect();
                upcoming.sort_by_key(|&i| model.notices[i].log_order_key());
                let upcoming: Vec<_> = upcoming
                    .into_iter()
                    .map(|i| self.builder.notice_link(i))
                    .collect();
                let counts = CountsView {
                    notices: model.notices.len(),
                    modifications: model.modifications.len(),
                    documents: model.documents.len(),
                };
                self.page("index.html", "home", "", None, |c| {
                    c.insert("latest", &latest);
                    c.insert("upcoming", &upcoming);
                    c.insert("counts", &counts);
                })
            }
            PageId::Listing(number) => {
                let size = self.config.page_size;
                let notices: Vec<_> = self
                    .newest_first
                    .iter()
                    .skip((number - 1) * size)
                    .take(size)
                    .map(|&i| self.builder.notice_link(i))
                    .collect();
                let paginator = PaginatorView::new(&self.builder.urls, *number, self.listing_pages);
                self.page_with_twin(
                    CompiledPage::Listing {
                        notices: &notices,
                        paginator: &paginator,
                    },
                    "releases",
                    &Urls::listing_path(*number),
                    None,
                    |c| {
                        c.insert("notices", &notices);
                        c.insert("paginator", &paginator);
                    },
                )
            }
            PageId::Notice(index) => {
                let notice = self.builder.notice(*index);
                let previous = index.checked_sub(1).map(|i| self.builder.notice_link(i));
                let next =
                    (index + 1 < model.notices.len()).then(|| self.builder.notice_link(index + 1));
                let source = crate::diag::display_path(&model.notices[*index].source.rel_path);
                self.page_with_twin(
                    CompiledPage::Notice {
                        notice: &notice,
                        previous: previous.as_deref(),
                        next: next.as_deref(),
                    },
                    "releases",
                    &Urls::notice_path(model.notices[*index].slug()),
                    Some(&source),
                    |c| {
                        c.insert("notice", &notice);
                        c.insert("previous", &previous);
                        c.insert("next", &next);
                    },
                )
            }
            PageId::ModificationIndex => {
                let modifications = self.modification_summaries();
                self.page_with_twin(
                    CompiledPage::ModificationIndex(&modifications),
                    "modifications",
                    "modifications/",
                    None,
                    |c| {
                        c.insert("modifications", &modifications);
                    },
                )
            }
            PageId::Modification(key) => {
                let view = self
                    .builder
                    .modification(key, self.bodies.modifications.get(key).cloned());
                let source = model.modifications[key]
                    .page
                    .as_ref()
                    .map(|p| crate::diag::display_path(&p.rel_path));
                self.page_with_twin(
                    CompiledPage::Modification(&view),
                    "modifications",
                    &Urls::modification_path(key),
                    source.as_deref(),
                    |c| {
                        c.insert("modification", &view);
                    },
                )
            }
            PageId::Log => {
                let log = self.builder.log();
                self.page("documents.html", "documents", "documents/", None, |c| {
                    c.insert("log", &log);
                })
            }
            PageId::Document(index) => {
                let document = self.builder.document(*index);
                self.page_with_twin(
                    CompiledPage::Document(&document),
                    "documents",
                    &Urls::document_path(&model.documents[*index].id),
                    None,
                    |c| {
                        c.insert("document", &document);
                    },
                )
            }
            PageId::Page(index) => {
                let page = &model.pages[*index];
                let view = PageView {
                    slug: page.slug.clone(),
                    url: self.builder.urls.path(&format!("{}/", page.slug)),
                    title: page.title.clone(),
                    body_html: self.bodies.pages[*index].clone(),
                };
                let source = crate::diag::display_path(&page.rel_path);
                self.page(
                    "page.html",
                    "page",
                    &format!("{}/", page.slug),
                    Some(&source),
                    |c| {
                        c.insert("page", &view);
                    },
                )
            }
            PageId::NotFound => self.page("404.html", "error", "404.html", None, |_| {}),
            PageId::Sitemap
            | PageId::SitemapPart(_)
            | PageId::Robots
            | PageId::SearchIndex
            | PageId::LogHistory
            | PageId::Export(_)
            | PageId::Calendar => {
                unreachable!("rendered by Renderer")
            }
            PageId::Feed => {
                let feed = self.builder.feed(self.config, self.newest_first);
                self.page_with_twin(CompiledPage::Feed(&feed), "home", "feed.xml", None, |c| {
                    c.insert("feed", &feed);
                })
            }
            PageId::ModificationFeed(key) => {
                let feed = self.builder.modification_feed(self.config, key);
                self.page_with_twin(
                    CompiledPage::Feed(&feed),
                    "modifications",
                    &Urls::modification_feed_path(key),
                    None,
                    |c| {
                        c.insert("feed", &feed);
                    },
                )
            }
            PageId::DocumentFeed(index) => {
                let feed = self.builder.document_feed(self.config, *index);
                self.page_with_twin(
                    CompiledPage::Feed(&feed),
                    "documents",
                    &Urls::document_feed_path(&model.documents[*index].id),
                    None,
                    |c| {
                        c.insert("feed", &feed);
                    },
                )
            }
            PageId::Search => self.page("search.html", "search", SEARCH_PATH, None, |_| {}),
        }
    }
}
