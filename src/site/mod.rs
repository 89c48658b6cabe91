//! The build: load → model → Markdown → templates → render → check links → write. This module
//! orchestrates the stages and is the only writer to the output folder; it prints nothing and
//! returns every diagnostic to its caller. `SiteBuilder` keeps what it can between builds, so a
//! rebuild after a change re-parses and re-renders only what the change affects.

pub mod bodies;
pub mod dirty;
pub mod output;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use chrono::NaiveDate;
use walkdir::WalkDir;

use crate::check::check_body_links;
use crate::config::{CONFIG_FILE, Config};
use crate::content::DocumentSource;
use crate::content::discover::{is_ignored_name, relative};
use crate::content::store::ContentStore;
use crate::diag::{Diagnostic, Diagnostics, Span, display_path};
use crate::markdown::RenderedMarkdown;
use crate::model::SiteModel;
use crate::render::templates::BUILTIN_STATIC;
use crate::render::views::Urls;
use crate::render::{Pages, RenderedSite, Renderer, Templates};
use bodies::BodyCache;
use dirty::{Comparison, dirty_pages};

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Overrides `base_url` of secsite.yaml.
    pub base_url: Option<String>,
    /// The build date: the only clock the build reads.
    pub as_of: NaiveDate,
    /// Whether draft notices are built.
    pub drafts: bool,
}

/// A site built in memory, with the warnings found on the way.
#[derive(Debug)]
pub struct Build {
    /// The rendered files.
    pub site: Arc<RenderedSite>,
    /// Warnings (a successful build has no errors).
    pub diagnostics: Diagnostics,
    /// How many pages this build rendered (all of them, or those a change affected).
    pub rendered: usize,
}

/// Why a build failed.
#[derive(Debug)]
pub enum BuildFailure {
    /// The content or templates have errors; every diagnostic found, warnings included.
    Content(Diagnostics),
    /// The environment failed: a folder that cannot be read, an output that cannot be written.
    Environment(anyhow::Error),
}

impl From<anyhow::Error> for BuildFailure {
    fn from(error: anyhow::Error) -> Self {
        BuildFailure::Environment(error)
    }
}

/// Builds the site in memory, reporting every problem of the content and the templates.
pub fn build_site(options: &BuildOptions) -> Result<Build, BuildFailure> {
    SiteBuilder::new(options.clone()).build_all()
}

/// Builds the site and writes it to `output`, swapping it in only when everything succeeded.
pub fn build_to(options: &BuildOptions, output: &Path) -> Result<Build, BuildFailure> {
    output::check_output_location(&options.root, output)?;
    let build = build_site(options)?;
    output::write_site(&build.site, output)?;
    Ok(build)
}

/// The last good build, kept to compare the next one against.
struct LastGood {
    templates: Arc<Templates>,
    config: Config,
    documents: Vec<DocumentSource>,
    model: SiteModel,
    notice_bodies: Vec<Arc<RenderedMarkdown>>,
    page_bodies: Vec<Arc<RenderedMarkdown>>,
    generated: BTreeMap<String, Bytes>,
    site: Arc<RenderedSite>,
}

/// Builds a site again and again, keeping parsed content, rendered Markdown and rendered pages
/// between builds. Every build's output equals that of a fresh full build.
pub struct SiteBuilder {
    options: BuildOptions,
    store: ContentStore,
    bodies: BodyCache,
    templates: Option<Arc<Templates>>,
    statics: Option<BTreeMap<String, Bytes>>,
    last: Option<LastGood>,
}

impl SiteBuilder {
    /// A builder with nothing loaded yet.
    pub fn new(options: BuildOptions) -> Self {
        SiteBuilder {
            store: ContentStore::new(&options.root),
            options,
            bodies: BodyCache::default(),
            templates: None,
            statics: None,
            last: None,
        }
    }

    /// Reads everything again and renders every page.
    pub fn build_all(&mut self) -> Result<Build, BuildFailure> {
        self.templates = None;
        self.statics = None;
        self.last = None;
        self.store.refresh(None);
        self.build()
    }

    /// Rebuilds after the files at `changed` (relative to the root) changed.
    pub fn build_changed(&mut self, changed: &[PathBuf]) -> Result<Build, BuildFailure> {
        let mut content_paths = Vec::new();
        let mut everything = false;
        for path in changed {
            if path.starts_with("templates") {
                self.templates = None;
            } else if path.starts_with("static") {
                self.statics = None;
            } else if path.starts_with("content") {
                content_paths.push(path.clone());
            } else if path == Path::new(CONFIG_FILE) || path.as_os_str().is_empty() {
                everything = true;
            }
        }
        if everything {
            return self.build_all();
        }
        if !content_paths.is_empty() {
            self.store.refresh(Some(&content_paths));
        }
        self.build()
    }

    fn build(&mut self) -> Result<Build, BuildFailure> {
        let root = self.options.root.clone();
        if !root.is_dir() {
            return Err(anyhow::anyhow!(
                "the site folder {} does not exist or is not a folder",
                root.display()
            )
            .into());
        }
        let mut diagnostics = Diagnostics::new();
        let config = match Config::load(&root) {
            Ok(config) => Some(config),
            Err(problems) => {
                diagnostics.extend(problems);
                None
            }
        };
        let config = match (config, &self.options.base_url) {
            (Some(config), Some(url)) => Some(
                config
                    .with_base_url(url)
                    .map_err(|message| anyhow::anyhow!("--base-url: {message}"))?,
            ),
            (config, _) => config,
        };
        let (content, problems) = self.store.content();
        diagnostics.extend(problems);
        let documents = content.documents.clone();
        // Pages of files with errors will exist once the files are fixed: links to them are fine.
        let pending: Vec<String> = content
            .failed_notice_slugs
            .iter()
            .map(|slug| format!("releases/{slug}/index.html"))
            .chain(
                content
                    .failed_page_slugs
                    .iter()
                    .map(|slug| format!("{slug}/index.html")),
            )
            .collect();
        let (mut model, problems) =
            SiteModel::build(content, self.options.as_of, self.options.drafts);
        diagnostics.extend(problems);
        if self.templates.is_none() {
            match Templates::load(&root) {
                Ok(templates) => self.templates = Some(Arc::new(templates)),
                Err(problems) => diagnostics.extend(problems),
            }
        }
        let Some(config) = config else {
            return Err(BuildFailure::Content(diagnostics));
        };
        let urls = Urls::new(&config);
        let rendered_bodies = self.bodies.render(&mut model, &urls, &config.base_path);
        if self.statics.is_none() {
            self.statics = Some(read_static_files(&root)?);
        }
        let statics = self.statics.as_ref().expect("static files were just read");
        let site_pages = Pages::new(&model, config.page_size);
        let all_pages = site_pages.all_pages();
        let live: HashSet<String> = all_pages
            .iter()
            .map(|p| site_pages.output_path(p))
            .collect();
        let mut known = live.clone();
        known.extend(statics.keys().cloned());
        known.extend(pending);
        diagnostics.extend(check_body_links(
            &rendered_bodies.links,
            &known,
            &config.base_path,
        ));
        let Some(templates) = self.templates.clone() else {
            return Err(BuildFailure::Content(diagnostics));
        };
        if diagnostics.has_errors() {
            return Err(BuildFailure::Content(diagnostics));
        }

        let renderer = Renderer::new(&model, &config, &templates, &rendered_bodies.bodies);
        let reusable = self.last.as_ref().filter(|last| {
            // Other templates, configuration or documents can change every page.
            Arc::ptr_eq(&last.templates, &templates)
                && last.config == config
                && last.documents == documents
        });
        let (pages, mut generated) = match reusable {
            Some(last) => {
                let comparison = Comparison {
                    old: &last.model,
                    old_bodies: &last.notice_bodies,
                    old_pages: &last.page_bodies,
                    new: &model,
                    new_bodies: &rendered_bodies.notices,
                    new_pages: &rendered_bodies.pages,
                };
                (dirty_pages(&comparison, &renderer), last.generated.clone())
            }
            None => (all_pages, BTreeMap::new()),
        };
        let files = match renderer.render(&pages) {
            Ok(files) => files,
            Err(problems) => {
                diagnostics.extend(problems);
                return Err(BuildFailure::Content(diagnostics));
            }
        };
        let rendered = files.len();
        drop(renderer);
        // Pages that no longer exist (a deleted notice) go; the rest is replaced or kept.
        generated.retain(|path, _| live.contains(path));
        generated.extend(files);

        let mut site = RenderedSite {
            files: generated.clone(),
        };
        for (path, bytes) in statics {
            if site.files.contains_key(path) {
                diagnostics.push(Diagnostic::warning(
                    "static-shadowed",
                    Span::file_start(format!("static/{path}")),
                    format!("static/{path} has the path of a generated page and is not copied"),
                ));
                continue;
            }
            site.files.insert(path.clone(), bytes.clone());
        }
        let site = Arc::new(site);
        self.last = Some(LastGood {
            templates,
            config,
            documents,
            model,
            notice_bodies: rendered_bodies.notices,
            page_bodies: rendered_bodies.pages,
            generated,
            site: Arc::clone(&site),
        });
        Ok(Build {
            site,
            diagnostics,
            rendered,
        })
    }

    /// The last site that built, if any.
    pub fn last_site(&self) -> Option<Arc<RenderedSite>> {
        self.last.as_ref().map(|l| Arc::clone(&l.site))
    }
}

/// The built-in static files and everything under `root/static`, by output path.
fn read_static_files(root: &Path) -> anyhow::Result<BTreeMap<String, Bytes>> {
    let mut statics: BTreeMap<String, Bytes> = BUILTIN_STATIC
        .iter()
        .map(|(name, bytes)| (name.to_string(), Bytes::from_static(bytes)))
        .collect();
    let dir = root.join("static");
    if !dir.is_dir() {
        return Ok(statics);
    }
    let walker = WalkDir::new(&dir)
        .min_depth(1)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry =
            entry.with_context(|| format!("cannot read the static folder {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative_path = display_path(&relative(&dir, entry.path()));
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        statics.insert(relative_path, Bytes::from(bytes));
    }
    Ok(statics)
}

#[cfg(test)]
mod tests;
