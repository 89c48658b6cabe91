//! Watching the site folder: which changed paths matter (content, templates, static files, the
//! configuration) and which never do (the output folder, hidden files, editors' temporary files),
//! and a debounced notify watcher that delivers batches of relevant changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::config::CONFIG_FILE;
use crate::content::discover::is_ignored_name;

/// The folders of a site that are watched recursively.
pub const WATCHED_FOLDERS: [&str; 3] = ["content", "templates", "static"];

/// What kind of input a changed path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// A file under content/.
    Content,
    /// A template.
    Template,
    /// A stylesheet under static/.
    Stylesheet,
    /// Any other static file.
    Static,
    /// secsite.yaml.
    Config,
}

/// The kind of change `path` (relative to the site root) is, or None when it must be ignored.
pub fn classify(relative: &Path, output: Option<&Path>) -> Option<ChangeKind> {
    if output.is_some_and(|o| !o.as_os_str().is_empty() && relative.starts_with(o)) {
        return None;
    }
    let mut components = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    let first = components.next()?;
    let names: Vec<_> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if names.iter().any(|n| is_ignored_name(n)) {
        return None;
    }
    match first.as_ref() {
        CONFIG_FILE if names.len() == 1 => Some(ChangeKind::Config),
        "content" => Some(ChangeKind::Content),
        "templates" => Some(ChangeKind::Template),
        "static" => {
            if relative
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("css"))
            {
                Some(ChangeKind::Stylesheet)
            } else {
                Some(ChangeKind::Static)
            }
        }
        _ => None,
    }
}

/// A batch of relevant changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeBatch {
    /// The changed paths, relative to the root, with their kinds, sorted and without repeats.
    pub changes: Vec<(PathBuf, ChangeKind)>,
}

impl ChangeBatch {
    /// Whether only stylesheets changed (the page need not reload).
    pub fn only_stylesheets(&self) -> bool {
        !self.changes.is_empty()
            && self
                .changes
                .iter()
                .all(|(_, k)| *k == ChangeKind::Stylesheet)
    }

    /// Whether nothing relevant changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A debounced watcher over a site folder.
pub struct SiteWatcher {
    root: PathBuf,
    output: Option<PathBuf>,
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    events: mpsc::Receiver<DebounceEventResult>,
    watching: Vec<bool>,
}

impl SiteWatcher {
    /// Starts watching `root`. `output` (relative to root) is never reported.
    pub fn start(root: &Path, output: Option<PathBuf>, debounce: Duration) -> Result<Self> {
        let (sender, events) = mpsc::channel();
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot watch {}", root.display()))?;
        let mut debouncer =
            new_debouncer(debounce, None, sender).context("cannot start the file watcher")?;
        // The root alone (not recursive) sees secsite.yaml and the creation of the watched folders.
        debouncer
            .watch(&root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
        let mut watcher = SiteWatcher {
            root,
            output,
            debouncer,
            events,
            watching: vec![false; WATCHED_FOLDERS.len()],
        };
        watcher.watch_folders()?;
        Ok(watcher)
    }

    /// Adds a recursive watch on each watched folder that exists and is not watched yet.
    fn watch_folders(&mut self) -> Result<()> {
        for (index, folder) in WATCHED_FOLDERS.iter().enumerate() {
            let path = self.root.join(folder);
            let exists = path.is_dir();
            if exists && !self.watching[index] {
                self.debouncer
                    .watch(&path, RecursiveMode::Recursive)
                    .with_context(|| format!("cannot watch {}", path.display()))?;
            }
            // A deleted folder loses its watch; it is added again when the folder comes back.
            self.watching[index] = exists;
        }
        Ok(())
    }

    /// Waits up to `timeout` for the next batch of relevant changes. Returns an empty batch on
    /// timeout, and an error when the watcher has stopped.
    pub fn next_batch(&mut self, timeout: Duration) -> Result<ChangeBatch> {
        let result = match self.events.recv_timeout(timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => return Ok(ChangeBatch::default()),
            Err(mpsc::RecvTimeoutError::Disconnected) => anyhow::bail!("the file watcher stopped"),
        };
        let mut batch = ChangeBatch::default();
        let events = match result {
            Ok(events) => events,
            // A watcher error (e.g. a queue overflow) may hide changes: rebuild everything.
            Err(_) => {
                batch
                    .changes
                    .push((PathBuf::from(CONFIG_FILE), ChangeKind::Config));
                return Ok(batch);
            }
        };
        for event in events {
            // Reading a file (the build does) is an access event: reacting to it would loop.
            if matches!(event.kind, EventKind::Access(_)) {
                continue;
            }
            for path in &event.paths {
                let relative = path.strip_prefix(&self.root).unwrap_or(path);
                if let Some(kind) = classify(relative, self.output.as_deref()) {
                    batch.changes.push((relative.to_path_buf(), kind));
                }
            }
        }
        batch.changes.sort();
        batch.changes.dedup();
        self.watch_folders()?;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_site_inputs() {
        let out = Some(Path::new("public"));
        assert_eq!(
            classify(Path::new("content/releases/a.md"), out),
            Some(ChangeKind::Content)
        );
        assert_eq!(
            classify(Path::new("content/documents.yaml"), out),
            Some(ChangeKind::Content)
        );
        assert_eq!(
            classify(Path::new("templates/base.html"), out),
            Some(ChangeKind::Template)
        );
        assert_eq!(
            classify(Path::new("static/style.css"), out),
            Some(ChangeKind::Stylesheet)
        );
        assert_eq!(
            classify(Path::new("static/img/logo.png"), out),
            Some(ChangeKind::Static)
        );
        assert_eq!(
            classify(Path::new("secsite.yaml"), out),
            Some(ChangeKind::Config)
        );
        assert_eq!(
            classify(Path::new("content"), out),
            Some(ChangeKind::Content)
        );
    }

    #[test]
    fn ignores_output_editor_files_and_strangers() {
        let out = Some(Path::new("public"));
        for path in [
            "public/index.html",
            "content/releases/.a.md.swp",
            "content/releases/a.md~",
            "content/releases/.#a.md",
            "content/releases/4913",
            "content/releases/a.md.bck",
            "templates/base.html___jb_tmp___",
            ".git/index",
            "target/debug/secsite",
            "README.md",
            "other/secsite.yaml",
        ] {
            assert_eq!(classify(Path::new(path), out), None, "{path}");
        }
    }

    #[test]
    fn only_stylesheet_batches_skip_the_reload() {
        let css = ChangeBatch {
            changes: vec![("static/a.css".into(), ChangeKind::Stylesheet)],
        };
        assert!(css.only_stylesheets());
        let mixed = ChangeBatch {
            changes: vec![
                ("static/a.css".into(), ChangeKind::Stylesheet),
                ("content/releases/a.md".into(), ChangeKind::Content),
            ],
        };
        assert!(!mixed.only_stylesheets());
    }
}
