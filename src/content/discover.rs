//! Finding the source files of a site: notices, modification pages and free pages under content/,
//! skipping hidden files and editors' temporary files, and reading each one as UTF-8 text.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

/// What tells that a file changed without reading it: its modification time and length.
pub type Stamp = (Option<SystemTime>, u64);

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

/// Lists every `*.md` file under `root/rel_dir` (sub-folders too, so notices can be kept in one
/// folder a year) with its stamp, sorted by path. A missing folder is empty. Links to files are
/// followed, links to folders are not, so a link loop cannot hang the walk.
pub fn list_markdown(root: &Path, rel_dir: &str) -> (Vec<(PathBuf, Stamp)>, Vec<Diagnostic>) {
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
                diagnostics.push(Diagnostic::warning(
                    "unreadable-file",
                    Span::file_start(relative(root, &path)),
                    format!("skipped: {error}"),
                ));
                continue;
            }
        };
        if !entry.file_name().to_string_lossy().ends_with(".md") {
            continue;
        }
        let Ok(metadata) = std::fs::metadata(entry.path()) else {
            continue;
        };
        if metadata.is_file() {
            files.push((relative(root, entry.path()), stamp_of(&metadata)));
        }
    }
    (files, diagnostics)
}

/// The stamp of a file's metadata.
pub fn stamp_of(metadata: &std::fs::Metadata) -> Stamp {
    (metadata.modified().ok(), metadata.len())
}

/// Reads `root/rel_path` as UTF-8 text.
pub fn read_source(root: &Path, rel_path: &Path) -> Result<SourceFile, Diagnostic> {
    let stem = rel_path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".md").to_string())
        .unwrap_or_default();
    let bytes = std::fs::read(root.join(rel_path)).map_err(|error| {
        Diagnostic::error(
            "unreadable-file",
            Span::file_start(rel_path),
            format!("cannot read the file: {error}"),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile {
            rel_path: rel_path.to_path_buf(),
            stem,
            text,
        }),
        Err(error) => {
            let (line, column) =
                position_of_byte(error.as_bytes(), error.utf8_error().valid_up_to());
            Err(Diagnostic::error(
                "not-utf8",
                Span::new(rel_path, line, column),
                "the file is not valid UTF-8 text",
            )
            .with_help("save the file as UTF-8"))
        }
    }
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

    #[test]
    fn positions_of_bad_bytes_count_lines_and_characters() {
        assert_eq!(position_of_byte(b"ab\ncd\xff", 5), (2, 3));
    }
}
