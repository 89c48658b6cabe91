//! Rendering: every page of the site through the templates into a `RenderedSite`, an in-memory map
//! from output path to bytes. Nothing here reads content or writes files.

pub mod templates;
pub mod views;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use tera::Context;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
pub use templates::Templates;
use views::{CountsView, PageView, PaginatorView, SiteView, SitemapUrlView, Urls, ViewBuilder};

/// The rendered Markdown of the site, made by the markdown stage.
#[derive(Debug, Clone, Default)]
pub struct Bodies {
    /// HTML of each notice's body, by notice index.
    pub notices: Vec<String>,
    /// Summary of each notice (its `summary`, else its first paragraph), by notice index.
    pub summaries: Vec<String>,
    /// HTML of each modification page's body.
    pub modifications: HashMap<ModificationKey, String>,
    /// HTML of each free page's body, by page index.
    pub pages: Vec<String>,
}

/// The whole site in memory: output path (`releases/x/index.html`) to bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedSite {
    /// The files, by path relative to the output folder, with `/` separators.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl RenderedSite {
    /// How many HTML pages the site has.
    pub fn page_count(&self) -> usize {
        self.files.keys().filter(|p| p.ends_with(".html")).count()
    }
}

/// One page to render.
enum Job {
    Home,
    Listing(usize),
    Notice(usize),
    ModificationIndex,
    Modification(ModificationKey),
    Log,
    Document(usize),
    Page(usize),
    NotFound,
    Feed,
}

/// Renders every page of `model`. All template errors are returned together.
pub fn render_site(
    model: &SiteModel,
    config: &Config,
    templates: &Templates,
    bodies: &Bodies,
) -> Result<RenderedSite, Vec<Diagnostic>> {
    let urls = Urls::new(config);
    let builder = ViewBuilder {
        model,
        urls: &urls,
        bodies: &bodies.notices,
        summaries: &bodies.summaries,
    };
    let site = SiteView::new(config, &urls, model.as_of);
    let newest_first: Vec<usize> = (0..model.notices.len()).rev().collect();
    let listing_pages = newest_first.len().div_ceil(config.page_size).max(1);

    let mut jobs = vec![
        Job::Home,
        Job::ModificationIndex,
        Job::Log,
        Job::NotFound,
        Job::Feed,
    ];
    jobs.extend((1..=listing_pages).map(Job::Listing));
    jobs.extend((0..model.notices.len()).map(Job::Notice));
    jobs.extend(model.modifications.keys().cloned().map(Job::Modification));
    jobs.extend((0..model.documents.len()).map(Job::Document));
    jobs.extend((0..model.pages.len()).map(Job::Page));

    let renderer = PageRenderer {
        templates,
        site: &site,
        builder: &builder,
        config,
        bodies,
        newest_first: &newest_first,
        listing_pages,
    };
    let results: Vec<Result<(String, String), Diagnostic>> =
        jobs.par_iter().map(|job| renderer.render(job)).collect();
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for result in results {
        match result {
            Ok((path, html)) => {
                files.insert(path, html.into_bytes());
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let sitemap = render_sitemap(model, &urls, &files, &renderer)?;
    files.insert("sitemap.xml".to_string(), sitemap.into_bytes());
    files.insert(
        "robots.txt".to_string(),
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            urls.permalink("sitemap.xml")
        )
        .into_bytes(),
    );
    Ok(RenderedSite { files })
}

struct PageRenderer<'a> {
    templates: &'a Templates,
    site: &'a SiteView,
    builder: &'a ViewBuilder<'a>,
    config: &'a Config,
    bodies: &'a Bodies,
    newest_first: &'a [usize],
    listing_pages: usize,
}

impl PageRenderer<'_> {
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
        let output_path = if site_path.is_empty() || site_path.ends_with('/') {
            format!("{site_path}index.html")
        } else {
            site_path.to_string()
        };
        Ok((output_path, html))
    }

    fn render(&self, job: &Job) -> Result<(String, String), Diagnostic> {
        let model = self.builder.model;
        match job {
            Job::Home => {
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
            Job::Listing(number) => {
                let size = self.config.page_size;
                let notices: Vec<_> = self
                    .newest_first
                    .iter()
                    .skip((number - 1) * size)
                    .take(size)
                    .map(|&i| self.builder.notice_link(i))
                    .collect();
                let paginator = PaginatorView::new(self.builder.urls, *number, self.listing_pages);
                self.page(
                    "releases.html",
                    "releases",
                    &Urls::listing_path(*number),
                    None,
                    |c| {
                        c.insert("notices", &notices);
                        c.insert("paginator", &paginator);
                    },
                )
            }
            Job::Notice(index) => {
                let notice = self.builder.notice(*index);
                let previous = index.checked_sub(1).map(|i| self.builder.notice_link(i));
                let next =
                    (index + 1 < model.notices.len()).then(|| self.builder.notice_link(index + 1));
                let source = crate::diag::display_path(&model.notices[*index].source.rel_path);
                self.page(
                    "release.html",
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
            Job::ModificationIndex => {
                let modifications: Vec<_> = model
                    .modifications
                    .keys()
                    .map(|k| self.builder.modification_summary(k))
                    .collect();
                self.page(
                    "modifications.html",
                    "modifications",
                    "modifications/",
                    None,
                    |c| {
                        c.insert("modifications", &modifications);
                    },
                )
            }
            Job::Modification(key) => {
                let view = self
                    .builder
                    .modification(key, self.bodies.modifications.get(key).cloned());
                let source = model.modifications[key]
                    .page
                    .as_ref()
                    .map(|p| crate::diag::display_path(&p.rel_path));
                self.page(
                    "modification.html",
                    "modifications",
                    &Urls::modification_path(key),
                    source.as_deref(),
                    |c| {
                        c.insert("modification", &view);
                    },
                )
            }
            Job::Log => {
                let log = self.builder.log();
                self.page("documents.html", "documents", "documents/", None, |c| {
                    c.insert("log", &log);
                })
            }
            Job::Document(index) => {
                let document = self.builder.document(*index);
                self.page(
                    "document.html",
                    "documents",
                    &Urls::document_path(&model.documents[*index].id),
                    None,
                    |c| {
                        c.insert("document", &document);
                    },
                )
            }
            Job::Page(index) => {
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
            Job::NotFound => self.page("404.html", "error", "404.html", None, |_| {}),
            Job::Feed => {
                let feed = self.builder.feed(&self.config.title, self.newest_first);
                self.page("feed.xml", "home", "feed.xml", None, |c| {
                    c.insert("feed", &feed);
                })
            }
        }
    }
}

/// The sitemap lists every HTML page but the 404 page.
fn render_sitemap(
    model: &SiteModel,
    urls: &Urls,
    files: &BTreeMap<String, Vec<u8>>,
    renderer: &PageRenderer<'_>,
) -> Result<String, Vec<Diagnostic>> {
    let lastmod: HashMap<String, String> = model
        .notices
        .iter()
        .map(|n| {
            (
                format!("{}index.html", Urls::notice_path(n.slug())),
                n.source.date.format("%Y-%m-%d").to_string(),
            )
        })
        .collect();
    let sitemap_urls: Vec<SitemapUrlView> = files
        .keys()
        .filter(|p| p.ends_with(".html") && p.as_str() != "404.html")
        .map(|p| SitemapUrlView {
            loc: urls.permalink(p.trim_end_matches("index.html")),
            lastmod: lastmod.get(p).cloned(),
        })
        .collect();
    renderer
        .page("sitemap.xml", "home", "sitemap.xml", None, |c| {
            c.insert("urls", &sitemap_urls);
        })
        .map(|(_, xml)| xml)
        .map_err(|d| vec![d])
}
