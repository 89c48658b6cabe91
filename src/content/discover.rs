//! Finding the source files of a site: notices, modification pages and free pages under content/,
//! skipping hidden files and editors' temporary files, and reading each one as UTF-8 text.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::slice::ParallelSliceMut as _;
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
/// folder a year), sorted by path. The walk reads folders only: a file's type comes with its name,
/// and its stamp is taken when it is read, on every core. A missing folder is empty. Links to files are
/// followed, links to folders are not, so a link loop cannot hang the walk.
pub fn list_markdown(root: &Path, rel_dir: &str) -> (Vec<PathBuf>, Vec<Diagnostic>) {
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
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().unwrap_or(&dir).to_path_buf();
                let reason = error
                    .io_error()
                    .map_or_else(|| error.to_string(), io_reason);
                diagnostics.push(Diagnostic::warning(
                    "skipped-file",
                    Span::file_start(relative(root, &path)),
                    format!("skipped: {reason}"),
                ));
                continue;
            }
        };
        let is_markdown = entry.file_name().to_string_lossy().ends_with(".md");
        if entry.path_is_symlink() && entry.file_type().is_symlink() {
            // Links to folders are not followed (a loop could never end); a link to a file is read
            // through, unless it leads nowhere or round in a loop.
            match std::fs::metadata(entry.path()) {
                Ok(metadata) if metadata.is_dir() => {
                    diagnostics.push(
                        Diagnostic::warning(
                            "skipped-file",
                            Span::file_start(relative(root, entry.path())),
                            "skipped: this is a link to a folder, and links to folders are not followed",
                        )
                        .with_help("move or copy the folder here instead of linking to it"),
                    );
                    continue;
                }
                Err(error) if is_markdown => {
                    diagnostics.push(
                        Diagnostic::warning(
                            "skipped-file",
                            Span::file_start(relative(root, entry.path())),
                            format!(
                                "skipped: the link cannot be followed: {}",
                                io_reason(&error)
                            ),
                        )
                        .with_help("remove the link or point it at an existing file"),
                    );
                    continue;
                }
                _ => {}
            }
        }
        if !is_markdown {
            continue;
        }
        let file_type = entry.file_type();
        if file_type.is_file() {
            files.push(relative(root, entry.path()));
            continue;
        }
        if file_type.is_dir() {
            continue;
        }
        // A link (to a file, the folders were skipped above) or a pipe, socket or device.
        let metadata = match std::fs::metadata(entry.path()) {
            Ok(metadata) => metadata,
            Err(error) => {
                diagnostics.push(Diagnostic::warning(
                    "skipped-file",
                    Span::file_start(relative(root, entry.path())),
                    format!("skipped: {}", io_reason(&error)),
                ));
                continue;
            }
        };
        if metadata.is_file() {
            files.push(relative(root, entry.path()));
        } else if !metadata.is_dir() {
            diagnostics.push(
                Diagnostic::warning(
                    "skipped-file",
                    Span::file_start(relative(root, entry.path())),
                    "skipped: not a regular file (a pipe, socket or device)",
                )
                .with_help("content files must be plain files"),
            );
        }
    }
    // Sorted once at the end rather than folder by folder as the walk reads them: a folder of
    // 100,000 notices is then sorted on every core.
    files.par_sort_unstable_by(|a, b| path_order(a, b));
    (files, diagnostics)
}

/// The order of paths by their components (`Path`'s own order), found from their bytes with the
/// separator below every other byte: the same for paths the walk makes (no `.` or empty
/// components), without taking the paths apart.
fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let rank = |byte: Option<&u8>| {
        byte.map(|&byte| {
            if std::path::is_separator(char::from(byte)) {
                0
            } else {
                u16::from(byte) + 1
            }
        })
    };
    rank(a.get(common)).cmp(&rank(b.get(common)))
}

/// The stamp of a file's metadata.
pub fn stamp_of(metadata: &std::fs::Metadata) -> Stamp {
    (metadata.modified().ok(), metadata.len())
}

/// The largest content file read, in bytes: a notice is a few kilobytes, so anything near this is
/// a mistake, and reading it all would only use memory.
pub const MAX_SOURCE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads `root/rel_path` as UTF-8 text, with the stamp of the file read.
pub fn read_source(root: &Path, rel_path: &Path) -> Result<(SourceFile, Stamp), Diagnostic> {
    use std::io::Read as _;
    let unreadable = |error: std::io::Error| {
        let help = if error.kind() == std::io::ErrorKind::PermissionDenied {
            "check the file's permissions"
        } else {
            "check that the file can be read, for example with `cat`"
        };
        Diagnostic::error(
            "unreadable-file",
            Span::file_start(rel_path),
            format!("cannot read the file: {}", io_reason(&error)),
        )
        .with_help(help)
    };
    let path = root.join(rel_path);
    // Look before opening: opening a named pipe would wait for a writer.
    let metadata = std::fs::metadata(&path).map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(Diagnostic::error(
            "unreadable-file",
            Span::file_start(rel_path),
            "cannot read the file: it is not a regular file",
        )
        .with_help("content files must be plain files"));
    }
    let file = std::fs::File::open(&path).map_err(unreadable)?;
    // Room for the whole file and one byte more: it is read in one call, and the next finds the end.
    let expected = metadata.len().min(MAX_SOURCE_BYTES) as usize + 1;
    let mut bytes = Vec::with_capacity(expected);
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Diagnostic::error(
            "file-too-large",
            Span::file_start(rel_path),
            format!(
                "the file is larger than {} MiB: it cannot be a notice",
                MAX_SOURCE_BYTES / (1024 * 1024)
            ),
        )
        .with_help("split it, or move large files to static/"));
    }
    decode_source(rel_path, bytes).map(|file| (file, stamp_of(&metadata)))
}

/// Turns the bytes of `rel_path` into a source file: they must be UTF-8 text, not binary.
pub fn decode_source(rel_path: &Path, bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
    let stem = rel_path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".md").to_string())
        .unwrap_or_default();
    // Git's test for binary files: a NUL byte near the start (`contains` is a fast memchr).
    let head = &bytes[..bytes.len().min(8000)];
    if head.contains(&0)
        && let Some(nul) = head.iter().position(|&b| b == 0)
    {
        let (line, column) = position_of_byte(&bytes, nul);
        return Err(Diagnostic::error(
            "binary-file",
            Span::new(rel_path, line, column),
            "the file is binary (it holds NUL bytes), not Markdown text",
        )
        .with_help("content files must be UTF-8 text; put other files in static/"));
    }
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

/// An I/O error in words, without Rust's `(os error N)` suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// Paths made of names with separators, dashes, dots and letters either side of `/` in
        /// byte order sort as `Path` sorts them.
        #[test]
        fn paths_sort_by_their_bytes_as_by_their_components(
            a in "[a-c.\\-_ ~0]{1,3}(/[a-c.\\-_ ~0]{1,3}){0,3}",
            b in "[a-c.\\-_ ~0]{1,3}(/[a-c.\\-_ ~0]{1,3}){0,3}",
        ) {
            // The walk makes no `.` or `..` component.
            let plain = |path: &str| path.split('/').all(|name| name != "." && name != "..");
            proptest::prop_assume!(plain(&a) && plain(&b));
            let (a, b) = (Path::new(&a), Path::new(&b));
            proptest::prop_assert_eq!(path_order(a, b), a.cmp(b));
        }
    }

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
