//! Splitting a notice into its YAML front matter and Markdown body, and the one function through
//! which every YAML text of a site is parsed, with error positions counted in the whole file.

use std::path::Path;

use serde_yaml::Value;

use super::locate::Locator;
use crate::diag::{Diagnostic, Span};

/// A source file cut in two at its front-matter delimiters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the delimiters, without them.
    pub yaml: &'a str,
    /// The line of the file on which the YAML starts (the line after the opening `---`).
    pub yaml_line: usize,
    /// The Markdown after the closing delimiter.
    pub body: &'a str,
    /// The line of the file on which the body starts.
    pub body_line: usize,
}

/// Cuts `text` at its `---` delimiters. A leading byte-order mark and CRLF line ends are accepted.
pub fn split_front_matter<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = LineCursor::new(text);
    let missing = || {
        Diagnostic::error(
            "missing-front-matter",
            Span::file_start(file),
            "no front matter: the file must start with a line `---`",
        )
        .with_help("start the file with `---`, the YAML fields, then another `---` line")
    };
    match lines.next_line() {
        Some((_, line)) if is_delimiter(line) => {}
        _ => return Err(missing()),
    }
    let yaml_start = lines.offset;
    loop {
        let line_start = lines.offset;
        match lines.next_line() {
            Some((_, line)) if is_delimiter(line) => {
                return Ok(Split {
                    yaml: &text[yaml_start..line_start],
                    yaml_line: 2,
                    body: &text[lines.offset..],
                    body_line: lines.line_number + 1,
                });
            }
            Some(_) => {}
            None => {
                return Err(Diagnostic::error(
                    "unclosed-front-matter",
                    Span::file_start(file),
                    "the front matter is never closed: no second `---` line",
                )
                .with_help("end the YAML fields with a line `---` before the Markdown body"));
            }
        }
    }
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Walks a text line by line, remembering the byte offset and the line number.
struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
    line_number: usize,
}

impl<'a> LineCursor<'a> {
    fn new(text: &'a str) -> Self {
        LineCursor {
            text,
            offset: 0,
            line_number: 0,
        }
    }

    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if self.offset >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.offset..];
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let line = rest[..end].trim_end_matches('\n').trim_end_matches('\r');
        self.offset += end;
        self.line_number += 1;
        Some((self.line_number, line))
    }
}

/// A parsed YAML document together with the positions of its keys.
#[derive(Debug)]
pub struct Yaml {
    /// The parsed value.
    pub value: Value,
    /// Where each key and value stands in the file.
    pub locator: Locator,
}

/// Parses `yaml`, which starts on line `first_line` of `file`. This is the only call into the YAML
/// library: a change of library touches this function alone.
pub fn parse_yaml(yaml: &str, file: &Path, first_line: usize) -> Result<Yaml, Diagnostic> {
    let value: Value = serde_yaml::from_str(yaml).map_err(|error| {
        let (line, column) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
        Diagnostic::error(
            "malformed-yaml",
            Span::new(file, first_line + line - 1, column),
            format!("malformed YAML: {}", yaml_message(&error)),
        )
    })?;
    // An empty block parses as null; treat it as an empty mapping so required fields are named.
    let value = match value {
        Value::Null => Value::Mapping(Default::default()),
        other => other,
    };
    Ok(Yaml {
        value,
        locator: Locator::new(yaml, first_line),
    })
}

/// The library's message without its trailing " at line X column Y", which we print ourselves.
fn yaml_message(error: &serde_yaml::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counts_lines_in_the_whole_file() {
        let text = "---\ntitle: A\ndate: 2020-01-01\n---\nBody\n";
        let split = split_front_matter(text, Path::new("a.md")).unwrap();
        assert_eq!(split.yaml, "title: A\ndate: 2020-01-01\n");
        assert_eq!(split.yaml_line, 2);
        assert_eq!(split.body, "Body\n");
        assert_eq!(split.body_line, 5);
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let text = "\u{feff}---\r\ntitle: A\r\n---\r\nBody";
        let split = split_front_matter(text, Path::new("a.md")).unwrap();
        assert_eq!(split.yaml, "title: A\r\n");
        assert_eq!(split.body, "Body");
    }

    #[test]
    fn reports_missing_and_unclosed_front_matter() {
        let missing = split_front_matter("title: A\n", Path::new("a.md")).unwrap_err();
        assert_eq!(missing.code, "missing-front-matter");
        let unclosed = split_front_matter("---\ntitle: A\n", Path::new("a.md")).unwrap_err();
        assert_eq!(unclosed.code, "unclosed-front-matter");
        let only = split_front_matter("---", Path::new("a.md")).unwrap_err();
        assert_eq!(only.code, "unclosed-front-matter");
    }

    #[test]
    fn yaml_errors_point_into_the_whole_file() {
        let error = parse_yaml("title: A\ndate: [\n", Path::new("a.md"), 2).unwrap_err();
        assert_eq!(error.code, "malformed-yaml");
        assert!(error.span.line >= 3, "{error}");
    }
}
