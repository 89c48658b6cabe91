//! A build written to a folder, made so that it never holds the HTML of every notice body at once:
//! notice bodies are rendered, checked and written with their pages a window of notices at a time,
//! and only what the other pages need of them (summaries, mentions, the feed's newest bodies) is
//! kept. The other pages follow once every notice is done.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::check::{BodyLinks, check_body_links};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::markdown::{LinkContext, RenderedMarkdown, render_markdown};
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::render::file_bytes::FileBytes;
use crate::render::views::FEED_LIMIT;
use crate::render::{Bodies, PageId, Renderer, Templates};

use super::bodies::{BodySource, body_links, summary_of};

/// Writes rendered files into a folder, keeping the first error (the disk is full, a folder is
/// not writable) for the build to report.
pub(super) struct FolderWriter<'a> {
    dir: &'a Path,
    error: Mutex<Option<anyhow::Error>>,
}

impl<'a> FolderWriter<'a> {
    /// A writer into `dir`, whose folders exist.
    pub(super) fn new(dir: &'a Path) -> Self {
        FolderWriter {
            dir,
            error: Mutex::new(None),
        }
    }

    /// Writes `text` to `path` (relative to the folder).
    pub(super) fn write(&self, path: &str, text: &FileBytes) {
        let file = self.dir.join(path);
        let written = create(&file).and_then(|mut created| text.write_to(&mut created));
        if let Err(error) = written {
            self.fail(error, &file);
        }
    }

    /// Writes the file `path` (relative to the folder) through `write`, which is given the file.
    pub(super) fn write_file(&self, path: &str, write: impl FnOnce(File) -> std::io::Result<()>) {
        let file = self.dir.join(path);
        if let Err(error) = create(&file).and_then(write) {
            self.fail(error, &file);
        }
    }

    fn fail(&self, error: std::io::Error, file: &Path) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| {
            anyhow::Error::new(error).context(format!("cannot write {}", file.display()))
        });
    }

    /// The first write that failed, if any.
    pub(super) fn into_error(self) -> Option<anyhow::Error> {
        self.error.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// Creates `file`, and its folder first when that does not exist yet. Folders are made as their
/// pages are written, by every thread, instead of all of them beforehand by one.
fn create(file: &Path) -> std::io::Result<File> {
    // A page's folder is its own, and new: made first, it saves the failed open.
    if file.ends_with("index.html")
        && let Some(folder) = file.parent()
    {
        match std::fs::create_dir(folder) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(folder)?;
            }
            Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => return Err(error),
            _ => {}
        }
    }
    match File::create(file) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if let Some(folder) = file.parent() {
                std::fs::create_dir_all(folder)?;
            }
            File::create(file)
        }
        result => result,
    }
}

/// What the notice pass leaves for the rest of the build.
pub(super) struct NoticePass {
    /// Every notice's summary, by notice index.
    pub summaries: Vec<Arc<str>>,
    /// The positions of the modifications each notice names in its body, by notice index.
    pub mentions: Vec<Vec<usize>>,
    /// The body HTML of the newest notices, which the site's feed carries whole.
    pub feed_bodies: HashMap<usize, Arc<str>>,
    /// Broken links in the bodies, and errors of the release template.
    pub problems: Vec<Diagnostic>,
}

/// What one window of notices gives.
struct Window {
    summaries: Vec<Arc<str>>,
    mentions: Vec<Vec<usize>>,
    feed_bodies: Vec<(usize, Arc<str>)>,
    problems: Vec<Diagnostic>,
}

/// Where the notice pass writes and what it checks links against.
pub(super) struct NoticePassInput<'a> {
    pub model: &'a SiteModel,
    pub config: &'a Config,
    /// `None` when the pages are not to be written (the build has already failed): the bodies
    /// are still rendered and their links checked, so every problem is reported at once.
    pub templates: Option<&'a Templates>,
    pub context: &'a LinkContext,
    /// Every output path of the site, for the link check.
    pub known: &'a HashSet<String>,
    pub writer: &'a FolderWriter<'a>,
}

/// Renders every notice's body, checks its links and writes its page, a window of notices at a
/// time in parallel.
pub(super) fn notice_pass(input: &NoticePassInput<'_>) -> NoticePass {
    let count = input.model.notices.len();
    // Enough windows to keep every thread busy to the end; few enough that the per-window
    // renderer setup stays small against the rendering.
    let window = count
        .div_ceil(rayon::current_num_threads().max(1) * 8)
        .max(64);
    let windows: Vec<Window> = (0..count.div_ceil(window))
        .into_par_iter()
        .map(|k| render_window(input, k * window, ((k + 1) * window).min(count)))
        .collect();
    let mut pass = NoticePass {
        summaries: Vec::with_capacity(count),
        mentions: Vec::with_capacity(count),
        feed_bodies: HashMap::new(),
        problems: Vec::new(),
    };
    for window in windows {
        pass.summaries.extend(window.summaries);
        pass.mentions.extend(window.mentions);
        pass.feed_bodies.extend(window.feed_bodies);
        pass.problems.extend(window.problems);
    }
    pass
}

/// Notices `start..end`: their bodies and those of the notices either side, whose summaries the
/// pages' previous and next links show.
fn render_window(input: &NoticePassInput<'_>, start: usize, end: usize) -> Window {
    let model = input.model;
    let first = start.saturating_sub(1);
    let last = (end + 1).min(model.notices.len());
    let rendered: Vec<Arc<RenderedMarkdown>> = (first..last)
        .map(|i| {
            let source = &model.notices[i].source;
            Arc::new(render_markdown(
                &source.body,
                source.body_line,
                input.context,
            ))
        })
        .collect();
    let own = &rendered[start - first..end - first];
    let links: Vec<BodyLinks> = (start..end)
        .zip(own)
        .filter_map(|(i, body)| body_links(model, &BodySource::Notice(i), Arc::clone(body)))
        .collect();
    let mut problems = check_body_links(&links, input.known, &input.config.base_path);
    let summaries: Vec<Arc<str>> = (first..last)
        .zip(&rendered)
        .map(|(i, body)| summary_of(&model.notices[i].source, body))
        .collect();
    let feed_from = model.notices.len().saturating_sub(FEED_LIMIT);
    let feed_bodies = (start.max(feed_from)..end)
        .map(|i| (i, Arc::clone(&rendered[i - first].html)))
        .collect();
    if let Some(templates) = input.templates {
        let bodies = Bodies {
            first_notice: first,
            notices: rendered.iter().map(|r| Arc::clone(&r.html)).collect(),
            summaries: summaries.clone(),
            ..Bodies::default()
        };
        let renderer = Renderer::new(model, input.config, templates, &bodies);
        let pages: Vec<PageId> = (start..end).map(PageId::Notice).collect();
        let rendered_pages = renderer.render_each(&pages, |path, text| {
            input.writer.write(&path, &text);
            Ok(())
        });
        if let Err(errors) = rendered_pages {
            problems.extend(errors);
        }
    }
    Window {
        summaries: summaries[start - first..end - first].to_vec(),
        mentions: own
            .iter()
            .map(|r| model.mention_positions(&r.mentions))
            .collect(),
        feed_bodies,
        problems,
    }
}

/// The bodies of the modification pages and free pages, and the problems of their links.
pub(super) struct OtherBodies {
    pub modifications: HashMap<ModificationKey, Arc<str>>,
    pub pages: Vec<Arc<str>>,
    pub problems: Vec<Diagnostic>,
}

/// Renders the bodies of the modification pages and free pages, which are few, and checks their
/// links; returns them as the templates take them.
pub(super) fn other_bodies(
    model: &SiteModel,
    context: &LinkContext,
    known: &HashSet<String>,
    base_path: &str,
) -> OtherBodies {
    let with_pages: Vec<_> = model
        .modifications
        .values()
        .filter_map(|m| m.page.as_ref().map(|page| (&m.key, page)))
        .collect();
    let render = |source: BodySource, text: &str, first_line: usize| {
        let body = Arc::new(render_markdown(text, first_line, context));
        body_links(model, &source, body).expect("every body here has a page")
    };
    let modification_bodies: Vec<(ModificationKey, BodyLinks)> = with_pages
        .par_iter()
        .map(|&(key, page)| {
            let source = BodySource::Modification(key.clone());
            (key.clone(), render(source, &page.body, page.body_line))
        })
        .collect();
    let page_bodies: Vec<BodyLinks> = (0..model.pages.len())
        .into_par_iter()
        .map(|i| {
            let page = &model.pages[i];
            render(BodySource::Page(i), &page.body, page.body_line)
        })
        .collect();
    let mut modifications = HashMap::with_capacity(modification_bodies.len());
    let mut to_check = Vec::with_capacity(modification_bodies.len() + page_bodies.len());
    for (key, links) in modification_bodies {
        modifications.insert(key, Arc::clone(&links.body.html));
        to_check.push(links);
    }
    let pages = page_bodies
        .iter()
        .map(|b| Arc::clone(&b.body.html))
        .collect();
    to_check.extend(page_bodies);
    OtherBodies {
        modifications,
        pages,
        problems: check_body_links(&to_check, known, base_path),
    }
}
