//! The content store: every source file parsed once and kept, so a rebuild re-reads and re-parses
//! only the files that changed. A full load is a refresh of an empty store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::discover::{Stamp, list_markdown, read_source, stamp_of};
use super::{
    Content, DOCUMENTS_FILE, DocumentSource, ModificationSource, NoticeSource, PageSource,
    load_documents, parse_modification, parse_notice, parse_page,
};
use crate::diag::Diagnostic;

/// The folders of content/ whose Markdown files are sources, and what each holds.
const SECTIONS: [(&str, Section); 3] = [
    ("content/releases", Section::Notices),
    ("content/modifications", Section::Modifications),
    ("content/pages", Section::Pages),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Notices,
    Modifications,
    Pages,
}

/// One parsed file.
#[derive(Debug, Clone)]
enum Parsed {
    Notice(Arc<NoticeSource>),
    Modification(Arc<ModificationSource>),
    Page(Arc<PageSource>),
    Failed(Arc<Vec<Diagnostic>>),
}

#[derive(Debug, Clone)]
struct Cached {
    stamp: Stamp,
    parsed: Parsed,
}

/// The documents registry as read, with the problems found in it.
type Registry = (Vec<DocumentSource>, Vec<Diagnostic>);

/// Parsed sources of one site, kept between builds.
#[derive(Debug, Clone)]
pub struct ContentStore {
    root: PathBuf,
    files: BTreeMap<PathBuf, Cached>,
    walk_problems: Vec<Diagnostic>,
    documents: Option<(Option<Stamp>, Arc<Registry>)>,
}

impl ContentStore {
    /// An empty store for the site at `root`.
    pub fn new(root: &Path) -> Self {
        ContentStore {
            root: root.to_path_buf(),
            files: BTreeMap::new(),
            walk_problems: Vec::new(),
            documents: None,
        }
    }

    /// Brings the store up to date. With `changed` paths (relative to the root) only those are
    /// re-read, unless one of them is a folder, in which case every file is checked.
    pub fn refresh(&mut self, changed: Option<&[PathBuf]>) {
        match changed {
            Some(paths) if paths.iter().all(|p| self.is_file_change(p)) => {
                for path in paths {
                    self.refresh_file(path);
                }
            }
            _ => self.refresh_all(),
        }
    }

    /// Whether `path` names one source file (present or deleted), not a folder.
    fn is_file_change(&self, path: &Path) -> bool {
        let absolute = self.root.join(path);
        if absolute.is_dir() {
            return false;
        }
        if !path.starts_with("content") {
            return true;
        }
        // A deleted path that was a folder holds cached files below it.
        let was_folder = self
            .files
            .range(path.to_path_buf()..)
            .next()
            .is_some_and(|(p, _)| p != path && p.starts_with(path));
        !was_folder
    }

    fn refresh_file(&mut self, path: &Path) {
        if path == Path::new(DOCUMENTS_FILE) {
            self.documents = None;
            self.refresh_documents();
            return;
        }
        let Some(section) = section_of(path) else {
            return;
        };
        if self.root.join(path).is_file() {
            let (stamp, parsed) = parse_file(&self.root, path, section);
            self.files
                .insert(path.to_path_buf(), Cached { stamp, parsed });
        } else {
            self.files.remove(path);
        }
    }

    fn refresh_all(&mut self) {
        self.refresh_documents();
        let mut seen: Vec<(PathBuf, Section)> = Vec::new();
        self.walk_problems.clear();
        for (dir, section) in SECTIONS {
            let (files, problems) = list_markdown(&self.root, dir);
            self.walk_problems.extend(problems);
            seen.extend(files.into_iter().map(|p| (p, section)));
        }
        let root = &self.root;
        // A first load reads everything; later ones look at the stamps first.
        let stale: Vec<&(PathBuf, Section)> = if self.files.is_empty() {
            seen.iter().collect()
        } else {
            seen.par_iter()
                .filter(|(path, _)| {
                    let stamp = std::fs::metadata(root.join(path))
                        .ok()
                        .map(|m| stamp_of(&m));
                    self.files
                        .get(path)
                        .is_none_or(|cached| Some(cached.stamp) != stamp)
                })
                .collect()
        };
        let parsed: Vec<(PathBuf, Cached)> = stale
            .par_iter()
            .map(|(path, section)| {
                let (stamp, parsed) = parse_file(root, path, *section);
                (path.clone(), Cached { stamp, parsed })
            })
            .collect();
        if self.files.is_empty() {
            // The walk's order is the map's: built in one pass, not key by key.
            self.files = parsed.into_iter().collect();
            return;
        }
        let present: std::collections::HashSet<&PathBuf> = seen.iter().map(|(p, _)| p).collect();
        self.files.retain(|path, _| present.contains(path));
        self.files.extend(parsed);
    }

    fn refresh_documents(&mut self) {
        let path = self.root.join(DOCUMENTS_FILE);
        let stamp = std::fs::metadata(&path).ok().map(|m| stamp_of(&m));
        if let Some((cached, _)) = &self.documents
            && *cached == stamp
            && stamp.is_some()
        {
            return;
        }
        let mut problems = crate::diag::Diagnostics::new();
        let documents = load_documents(&self.root, &mut problems);
        self.documents = Some((stamp, Arc::new((documents, problems.into_iter().collect()))));
    }

    /// The content as it stands, with the problems of every file that failed.
    pub fn content(&self) -> (Content, Vec<Diagnostic>) {
        let mut content = Content::default();
        let mut problems = self.walk_problems.clone();
        if let Some((_, documents)) = &self.documents {
            content.documents = documents.0.clone();
            problems.extend(documents.1.iter().cloned());
        }
        for (path, cached) in &self.files {
            if let Parsed::Failed(_) = cached.parsed {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match section_of(path) {
                    Some(Section::Notices) => content.failed_notice_slugs.push(stem),
                    Some(Section::Pages) => content.failed_page_slugs.push(stem),
                    _ => {}
                }
            }
            match &cached.parsed {
                Parsed::Notice(n) => content.notices.push(Arc::clone(n)),
                Parsed::Modification(m) => content.modifications.push(Arc::clone(m)),
                Parsed::Page(p) => content.pages.push(Arc::clone(p)),
                Parsed::Failed(d) => problems.extend(d.iter().cloned()),
            }
        }
        (content, problems)
    }
}

fn section_of(path: &Path) -> Option<Section> {
    if path.extension().is_none_or(|e| e != "md") {
        return None;
    }
    SECTIONS
        .iter()
        .find(|(dir, _)| path.starts_with(dir))
        .map(|(_, section)| *section)
}

/// Reads and parses one file, with the stamp of what was read (none when it could not be read,
/// so that the next look reads it again).
fn parse_file(root: &Path, path: &Path, section: Section) -> (Stamp, Parsed) {
    let (file, stamp) = match read_source(root, path) {
        Ok(read) => read,
        Err(problem) => return ((None, 0), Parsed::Failed(Arc::new(vec![problem]))),
    };
    let result = match section {
        Section::Notices => parse_notice(&file).map(|n| Parsed::Notice(Arc::new(n))),
        Section::Modifications => {
            parse_modification(&file).map(|m| Parsed::Modification(Arc::new(m)))
        }
        Section::Pages => parse_page(&file).map(|p| Parsed::Page(Arc::new(p))),
    };
    (
        stamp,
        result.unwrap_or_else(|problems| Parsed::Failed(Arc::new(problems))),
    )
}
