//! Finding the source files of a site: notices, modification pages and free pages under content/,
//! skipping hidden files and editors' temporary files, and reading each one as UTF-8 text.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diag::{Diagnostic, Span};

/// A source file read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root.
    pub rel_path: PathBuf,
    /// The file stem, which is the slug of notices and pages.
    pub stem: String,
    /// The text of the file.
    pub text: String,
}

/// Whether a file name is an editor's temporary or backup file, or hidden.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swx",
            ".tmp",
            ".bck",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Reads every `*.md` file under `root/rel_dir` (sub-folders too, so notices can be kept in one
/// folder a year), sorted by path. A missing folder is empty.
/// Files that cannot be read become diagnostics; the others are still returned.
pub fn read_markdown_dir(root: &Path, rel_dir: &str) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let dir = root.join(rel_dir);
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    if !dir.is_dir() {
        return (files, diagnostics);
    }
    let walker = WalkDir::new(&dir)
        .min_depth(1)
        .max_depth(8)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().unwrap_or(&dir).to_path_buf();
                diagnostics.push(Diagnostic::error(
                    "unreadable-file",
                    Span::file_start(relative(root, &path)),
                    format!("cannot read: {error}"),
                ));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".md") {
            continue;
        }
        let path = entry.path();
        // Follow a link to a file, but never into folders: a link loop cannot hang the walk.
        if !path.is_file() {
            continue;
        }
        let rel_path = relative(root, path);
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile {
                    stem: name.trim_end_matches(".md").to_string(),
                    rel_path,
                    text,
                }),
                Err(error) => {
                    let (line, column) =
                        position_of_byte(error.as_bytes(), error.utf8_error().valid_up_to());
                    diagnostics.push(
                        Diagnostic::error(
                            "not-utf8",
                            Span::new(rel_path, line, column),
                            "the file is not valid UTF-8 text",
                        )
                        .with_help("save the file as UTF-8"),
                    );
                }
            },
            Err(error) => diagnostics.push(Diagnostic::error(
                "unreadable-file",
                Span::file_start(rel_path),
                format!("cannot read the file: {error}"),
            )),
        }
    }
    (files, diagnostics)
}

/// Line and column of byte `offset` in `bytes` (counting characters of the valid prefix).
fn position_of_byte(bytes: &[u8], offset: usize) -> (usize, usize) {
    let prefix = String::from_utf8_lossy(&bytes[..offset]);
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `path` relative to `root`, or `path` itself when it is elsewhere.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for name in [
            ".x.md.swp",
            "x.md~",
            ".#x.md",
            "#x.md#",
            "4913",
            "x.md.bck",
            ".hidden.md",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        assert!(!is_ignored_name("2020-01-01-release.md"));
    }
}
