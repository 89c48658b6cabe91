//! The build: load → model → Markdown → templates → render → check links → write. This module
//! orchestrates the stages and is the only writer to the output folder; it prints nothing and
//! returns every diagnostic to its caller. `SiteBuilder` keeps what it can between builds, so a
//! rebuild after a change re-parses and re-renders only what the change affects.

pub mod bodies;
pub mod dirty;
pub mod output;
mod stream;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use chrono::NaiveDate;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::check::check_body_links;
use crate::config::{CONFIG_FILE, Config};
use crate::content::DocumentSource;
use crate::content::discover::{is_ignored_name, relative};
use crate::content::store::ContentStore;
use crate::diag::{Diagnostic, Diagnostics, Span, display_path};
use crate::markdown::{LinkContext, RenderedMarkdown};
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::render::file_bytes::FileBytes;
use crate::render::templates::BUILTIN_STATIC;
use crate::render::views::Urls;
use crate::render::{
    Bodies, KeptViews, PageId, Pages, PreviousRecords, RecordSpans, RenderedSite, Renderer,
    Templates,
};
use bodies::{BodyCache, link_context};
use dirty::{Comparison, dirty_pages};
use stream::{FolderWriter, NoticePassInput};

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
    /// The output paths of the pages this build rendered.
    pub rendered_paths: Vec<String>,
    /// How many records of the data files (exports, search index, calendar, log history) this
    /// build copied from the last one rather than made again.
    pub copied_records: usize,
    /// How many HTML pages the site has.
    pub pages: usize,
    /// How many files the site has, static files included.
    pub files: usize,
    /// How long each stage took, in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
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
/// Pages are written as they are rendered, into a folder beside the output, so the whole site is
/// never held in memory.
pub fn build_to(options: &BuildOptions, output: &Path) -> Result<Build, BuildFailure> {
    if !options.root.is_dir() {
        return Err(anyhow::anyhow!(
            "the site folder {} does not exist or is not a folder",
            options.root.display()
        )
        .into());
    }
    output::check_output_location(&options.root, output)?;
    let staging = output::Staging::create(output)?;
    let mut builder = SiteBuilder::new(options.clone());
    let started = std::time::Instant::now();
    builder.store.refresh(None);
    builder.load_time = started.elapsed();
    match builder.build_with(Target::Directory(staging.path())) {
        Ok(mut build) => {
            let started = std::time::Instant::now();
            staging.commit()?;
            build.timings.push(("swap", started.elapsed()));
            Ok(build)
        }
        Err(failure) => {
            staging.discard();
            Err(failure)
        }
    }
}

/// Where a build puts its pages.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// Kept in memory, for the dev server and the next incremental build.
    Memory,
    /// Written to this folder as they are rendered, and not kept.
    Directory(&'a Path),
}

/// The last good build, kept to compare the next one against.
struct LastGood {
    templates: Arc<Templates>,
    config: Config,
    documents: Vec<DocumentSource>,
    model: SiteModel,
    notice_bodies: Vec<Arc<RenderedMarkdown>>,
    page_bodies: Vec<Arc<RenderedMarkdown>>,
    // The static files copied into `site`: the rest of it is what the build generated.
    static_paths: Vec<String>,
    // The output paths of the generated pages, and those plus the static files.
    live: Arc<HashSet<String>>,
    known: Arc<HashSet<String>>,
    site: Arc<RenderedSite>,
    // Where the records of the data files in `site` lie, by output path.
    record_spans: HashMap<String, Arc<RecordSpans>>,
    // The views its renderer made, for the next build (taken by it).
    views: Option<KeptViews>,
}

/// Builds a site again and again, keeping parsed content, rendered Markdown and rendered pages
/// between builds. Every build's output equals that of a fresh full build.
pub struct SiteBuilder {
    options: BuildOptions,
    store: ContentStore,
    bodies: BodyCache,
    templates: Option<Arc<Templates>>,
    statics: Option<BTreeMap<String, FileBytes>>,
    last: Option<LastGood>,
    last_failed: bool,
    load_time: std::time::Duration,
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
            last_failed: false,
            load_time: std::time::Duration::ZERO,
        }
    }

    /// Reads everything again and renders every page.
    pub fn build_all(&mut self) -> Result<Build, BuildFailure> {
        self.templates = None;
        self.statics = None;
        self.last = None;
        let started = std::time::Instant::now();
        self.store.refresh(None);
        self.load_time = started.elapsed();
        self.build_with(Target::Memory)
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
        let started = std::time::Instant::now();
        if !content_paths.is_empty() {
            self.store.refresh(Some(&content_paths));
        }
        self.load_time = started.elapsed();
        self.build_with(Target::Memory)
    }

    fn build_with(&mut self, target: Target<'_>) -> Result<Build, BuildFailure> {
        let result = self.build_inner(target);
        self.last_failed = result.is_err();
        result
    }

    fn build_inner(&mut self, target: Target<'_>) -> Result<Build, BuildFailure> {
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
        let mut clock = StageClock::new(self.load_time);
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
        let (mut model, problems) = SiteModel::build(
            content,
            self.options.as_of,
            self.options.drafts,
            self.last.as_ref().map(|last| &last.model),
        );
        diagnostics.extend(problems);
        clock.lap("model");
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
        clock.lap("templates");
        if let Target::Directory(dir) = target {
            return self.build_into_folder(FolderBuild {
                model,
                config,
                urls,
                pending,
                diagnostics,
                clock,
                dir,
            });
        }
        let rendered_bodies = self.bodies.render(&mut model, &urls, &config.base_path);
        clock.lap("markdown");
        let statics_reloaded = self.statics.is_none();
        if statics_reloaded {
            self.statics = Some(read_static_files(&root)?);
        }
        let statics = self.statics.as_ref().expect("static files were just read");
        let site_pages = Pages::new(&model, config.page_size);
        let all_pages = site_pages.all_pages();
        // The set of pages follows from the slugs, keys and ids alone: when those are as in the
        // last good build, so are the output paths, and the set need not be made again.
        let kept_views = self.last.as_mut().and_then(|last| last.views.take());
        let last_pages = self.last.as_ref().filter(|last| {
            last.config.page_size == config.page_size && same_page_set(&last.model, &model)
        });
        let live: Arc<HashSet<String>> = match last_pages {
            Some(last) => Arc::clone(&last.live),
            None => Arc::new(
                all_pages
                    .iter()
                    .map(|p| site_pages.output_path(p))
                    .collect(),
            ),
        };
        let known: Arc<HashSet<String>> = match last_pages {
            Some(last) if !statics_reloaded && pending.is_empty() => Arc::clone(&last.known),
            _ => {
                let mut known = (*live).clone();
                known.extend(statics.keys().cloned());
                known.extend(pending);
                Arc::new(known)
            }
        };
        // After a good build with the same set of pages, only bodies rendered anew can have new
        // broken links; after a failed build every body is checked again.
        let same_pages = last_pages.is_some() && !self.last_failed && !statics_reloaded;
        let to_check = rendered_bodies.links_to_check(&model, same_pages);
        diagnostics.extend(check_body_links(&to_check, &known, &config.base_path));
        clock.lap("links");
        let Some(templates) = self.templates.clone() else {
            return Err(BuildFailure::Content(diagnostics));
        };
        if diagnostics.has_errors() {
            return Err(BuildFailure::Content(diagnostics));
        }

        let mut renderer = Renderer::new(&model, &config, &templates, &rendered_bodies.bodies);
        let reusable = self.last.as_ref().filter(|last| {
            // Other templates, configuration or documents can change every page.
            Arc::ptr_eq(&last.templates, &templates)
                && last.config == config
                && last.documents == documents
        });
        // When the last site has this one's files (the same pages and static files), its static
        // files, which this site keeps as they are.
        let same_files = last_pages.is_some() && !statics_reloaded;
        let last_static_paths = reusable
            .filter(|_| same_files)
            .map(|last| last.static_paths.clone());
        let (pages, mut generated, mut record_spans) = match reusable {
            Some(last) => {
                let comparison = Comparison {
                    old: &last.model,
                    old_bodies: &last.notice_bodies,
                    old_pages: &last.page_bodies,
                    new: &model,
                    new_bodies: &rendered_bodies.notices,
                    new_pages: &rendered_bodies.pages,
                    page_set_changed: last_pages.is_none(),
                };
                // The last site less its static files is what was generated; with the same
                // pages and static files, the last site is what this one starts from.
                let mut generated = last.site.files.clone();
                if last_static_paths.is_none() {
                    for path in &last.static_paths {
                        generated.remove(path);
                    }
                }
                let dirty = dirty_pages(&comparison, &renderer);
                if let Some(stale) = dirty.stale_records {
                    if let Some(kept) = kept_views {
                        renderer.reuse_views(kept, &stale);
                    }
                    renderer.copy_records_from(PreviousRecords {
                        files: &last.site.files,
                        spans: &last.record_spans,
                        stale,
                    });
                }
                (dirty.pages, generated, last.record_spans.clone())
            }
            None => (all_pages, BTreeMap::new(), HashMap::new()),
        };
        let files = match renderer.render(&pages) {
            Ok(files) => files,
            Err(problems) => {
                diagnostics.extend(problems);
                return Err(BuildFailure::Content(diagnostics));
            }
        };
        let rendered = files.len();
        let rendered_paths: Vec<String> = files.iter().map(|(path, _)| path.clone()).collect();
        let recorded = renderer.take_recorded_files();
        let copied_records = recorded.iter().map(|file| file.copied).sum();
        record_spans.extend(recorded.into_iter().map(|file| (file.path, file.spans)));
        clock.lap("render");
        let views = renderer.into_kept_views();
        // Pages that no longer exist (a deleted notice) go; the rest is replaced or kept.
        if last_static_paths.is_none() {
            generated.retain(|path, _| live.contains(path));
        }
        generated.extend(files);

        let mut site = RenderedSite { files: generated };
        let static_paths = match last_static_paths {
            // The static files are in the site already, those a page shadows left out.
            Some(static_paths) => {
                for path in statics.keys().filter(|p| live.contains(*p)) {
                    diagnostics.push(shadowed(path));
                }
                static_paths
            }
            None => {
                let mut static_paths = Vec::with_capacity(statics.len());
                for (path, bytes) in statics {
                    if site.files.contains_key(path) {
                        diagnostics.push(shadowed(path));
                        continue;
                    }
                    site.files.insert(path.clone(), bytes.clone());
                    static_paths.push(path.clone());
                }
                static_paths
            }
        };
        let site = Arc::new(site);
        self.last = Some(LastGood {
            templates,
            config,
            documents,
            model,
            notice_bodies: rendered_bodies.notices,
            page_bodies: rendered_bodies.pages,
            static_paths,
            live: Arc::clone(&live),
            known,
            site: Arc::clone(&site),
            record_spans,
            views: Some(views),
        });
        clock.lap("assemble");
        Ok(Build {
            rendered_paths,
            copied_records,
            pages: all_pages_html(&live),
            files: site.files.len(),
            site,
            diagnostics,
            rendered,
            timings: clock.laps,
        })
    }

    /// The rest of a build into a folder, from the model on (see `stream`): notice pages first,
    /// a window at a time, then every other page.
    fn build_into_folder(&mut self, build: FolderBuild<'_>) -> Result<Build, BuildFailure> {
        let FolderBuild {
            mut model,
            config,
            urls,
            pending,
            mut diagnostics,
            mut clock,
            dir,
        } = build;
        // Nothing builds on a build into a folder: the sources can go once their pages are
        // written, and the store must let go of them for that.
        self.store = ContentStore::new(&self.options.root);
        self.bodies = BodyCache::default();
        let statics = read_static_files(&self.options.root)?;
        let site_pages = Pages::new(&model, config.page_size);
        let all_pages = site_pages.all_pages();
        let live: HashSet<String> = all_pages
            .iter()
            .map(|p| site_pages.output_path(p))
            .collect();
        let mut known = live.clone();
        known.extend(statics.keys().cloned());
        known.extend(pending);
        let context = LinkContext {
            skip_lookups: true,
            ..link_context(&model, &urls, &config.base_path)
        };
        let templates = self.templates.clone();
        // After an error the pages are not written, but every body is still checked.
        let writing = !diagnostics.has_errors();
        let writer = FolderWriter::new(dir);
        let pass = stream::notice_pass(&NoticePassInput {
            model: &model,
            config: &config,
            templates: templates.as_deref().filter(|_| writing),
            context: &context,
            known: &known,
            writer: &writer,
        });
        diagnostics.extend(pass.problems);
        let others = stream::other_bodies(&model, &context, &known, &config.base_path);
        diagnostics.extend(others.problems);
        clock.lap("markdown and notice pages");
        let Some(templates) = templates else {
            return Err(BuildFailure::Content(diagnostics));
        };
        if diagnostics.has_errors() {
            return Err(BuildFailure::Content(diagnostics));
        }
        model.add_mentions(pass.mentions.iter().map(Vec::as_slice));
        model.forget_notice_bodies();
        let empty: Arc<str> = Arc::from("");
        let mut notices = vec![empty; model.notices.len()];
        for (index, html) in pass.feed_bodies {
            notices[index] = html;
        }
        let bodies = Bodies {
            first_notice: 0,
            notices,
            summaries: pass.summaries,
            modifications: others.modifications,
            pages: others.pages,
        };
        let renderer = Renderer::new(&model, &config, &templates, &bodies);
        renderer.fill_notice_cells();
        let (streamed, mut rest): (Vec<PageId>, Vec<PageId>) = all_pages
            .iter()
            .filter(|p| !matches!(p, PageId::Notice(_)))
            .cloned()
            .partition(|p| renderer.streams(p));
        // A modification's page and its feed show the same notices, as a document's page and
        // feed do: made one after the other, they find those notices still in the CPU's caches.
        rest.sort_by(|a, b| locality_order(a).cmp(&locality_order(b)));
        // The exports, document histories and modification index are the largest files and each
        // is made by one thread: they start first and go to disk as they are made.
        let ((), rendered) = rayon::join(
            || {
                streamed.par_iter().with_max_len(1).for_each(|page| {
                    writer.write_file(&renderer.output_path(page), |file| {
                        renderer.stream(page, file)
                    });
                })
            },
            || {
                renderer.render_each(&rest, |path, text| {
                    writer.write(&path, &text);
                    Ok(())
                })
            },
        );
        drop(renderer);
        let mut files = all_pages.len();
        for (path, bytes) in &statics {
            if live.contains(path) {
                diagnostics.push(shadowed(path));
                continue;
            }
            // The writer makes the folder (static/img/…) if the pages did not.
            writer.write(path, bytes);
            files += 1;
        }
        if let Some(error) = writer.into_error() {
            return Err(BuildFailure::Environment(error));
        }
        if let Err(problems) = rendered {
            diagnostics.extend(problems);
            return Err(BuildFailure::Content(diagnostics));
        }
        clock.lap("other pages and write");
        Ok(Build {
            site: Arc::new(RenderedSite::default()),
            diagnostics,
            rendered: all_pages.len(),
            rendered_paths: Vec::new(),
            copied_records: 0,
            pages: all_pages_html(&live),
            files,
            timings: clock.laps,
        })
    }

    /// The last site that built, if any.
    pub fn last_site(&self) -> Option<Arc<RenderedSite>> {
        self.last.as_ref().map(|l| Arc::clone(&l.site))
    }
}

/// Whether two models have the same pages: the same notices in the same order, the same
/// modifications, documents and free pages.
fn same_page_set(old: &SiteModel, new: &SiteModel) -> bool {
    old.notices.len() == new.notices.len()
        && old
            .notices
            .iter()
            .zip(&new.notices)
            .all(|(a, b)| a.slug() == b.slug())
        && old.modifications.len() == new.modifications.len()
        && old
            .modifications
            .keys()
            .zip(new.modifications.keys())
            .all(|(a, b)| a == b)
        && old.documents.len() == new.documents.len()
        && old
            .documents
            .iter()
            .zip(&new.documents)
            .all(|(a, b)| a.id == b.id)
        && old.pages.len() == new.pages.len()
        && old
            .pages
            .iter()
            .zip(&new.pages)
            .all(|(a, b)| a.slug == b.slug)
}

/// The warning for a static file that a generated page hides.
fn shadowed(path: &str) -> Diagnostic {
    Diagnostic::warning(
        "static-shadowed",
        Span::file_start(format!("static/{path}")),
        format!("static/{path} has the path of a generated page and is not copied"),
    )
}

/// How many of the generated files are HTML pages.
fn all_pages_html(live: &HashSet<String>) -> usize {
    live.iter().filter(|p| p.ends_with(".html")).count()
}

/// Where a page goes in the order the other pages are made: a modification's page beside its
/// feed, a document's page beside its feed, everything else first as it was.
fn locality_order(page: &PageId) -> (u8, Option<&ModificationKey>, usize) {
    match page {
        PageId::Modification(key) | PageId::ModificationFeed(key) => (1, Some(key), 0),
        PageId::Document(index) | PageId::DocumentFeed(index) => (2, None, *index),
        _ => (0, None, 0),
    }
}

/// What a build into a folder has when its model is made.
struct FolderBuild<'a> {
    model: SiteModel,
    config: Config,
    urls: Urls,
    // Output paths of pages whose sources have errors: links to them are not reported.
    pending: Vec<String>,
    diagnostics: Diagnostics,
    clock: StageClock,
    dir: &'a Path,
}

/// Measures the stages of a build.
struct StageClock {
    laps: Vec<(&'static str, std::time::Duration)>,
    last: std::time::Instant,
}

impl StageClock {
    fn new(load: std::time::Duration) -> Self {
        StageClock {
            laps: vec![("load", load)],
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

/// The built-in static files and everything under `root/static`, by output path.
fn read_static_files(root: &Path) -> anyhow::Result<BTreeMap<String, FileBytes>> {
    let mut statics: BTreeMap<String, FileBytes> = BUILTIN_STATIC
        .iter()
        .map(|(name, bytes)| (name.to_string(), FileBytes::from(Bytes::from_static(bytes))))
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
        statics.insert(relative_path, FileBytes::from(bytes));
    }
    Ok(statics)
}

#[cfg(test)]
mod tests;
