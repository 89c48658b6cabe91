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

/// The largest front matter accepted, in bytes. The biggest real notice has a few kilobytes; a
/// limit keeps a runaway file (or a body left inside an unclosed front matter) from costing time
/// and memory in the YAML parser.
pub const MAX_FRONT_MATTER_BYTES: usize = 256 * 1024;

/// The deepest nesting of flow collections (`[` and `{`) accepted. The YAML library needs time
/// that grows with the square of this depth before its own limit (128) applies, so a line of
/// thousands of `{a: ` would hang it.
pub const MAX_FLOW_DEPTH: usize = 64;

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
                let size = line_start - yaml_start;
                if size > MAX_FRONT_MATTER_BYTES {
                    return Err(Diagnostic::error(
                        "front-matter-too-large",
                        Span::file_start(file),
                        format!(
                            "the front matter is {} KiB, more than the {} KiB allowed",
                            size.div_ceil(1024),
                            MAX_FRONT_MATTER_BYTES / 1024
                        ),
                    )
                    .with_help("keep long text in the Markdown body, after the closing `---`"));
                }
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
/// library (after `block_yaml`, which reads the common plain subset faster and declines the rest):
/// a change of library touches this function alone. Inputs that would make the library
/// slow (deep flow nesting) are refused before it sees them; its limits on depth and on alias
/// expansion ("billion laughs") stop the rest, and each of its errors is reported at its place.
pub fn parse_yaml(yaml: &str, file: &Path, first_line: usize) -> Result<Yaml, Diagnostic> {
    // What the block reader reads has no flow nesting beyond a list of words: the depth guard
    // is for what it declines.
    let value: Value = match super::block_yaml::parse(yaml) {
        Some(value) => {
            debug_assert_eq!(
                Some(format!("{value:?}")),
                serde_yaml::from_str::<Value>(yaml)
                    .ok()
                    .map(|v| format!("{v:?}")),
                "the block YAML reader and the YAML library differ on {yaml:?}"
            );
            value
        }
        None => {
            if let Some((line, column)) = too_deep_flow(yaml) {
                return Err(Diagnostic::error(
                    "yaml-too-deep",
                    Span::new(file, first_line + line - 1, column),
                    format!("the YAML is nested more than {MAX_FLOW_DEPTH} levels deep"),
                )
                .with_help(
                    "front matter needs two or three levels; check for unclosed `[` or `{`",
                ));
            }
            match serde_yaml::from_str(yaml) {
                Ok(value) => value,
                Err(error) => return Err(yaml_error(&error, yaml, file, first_line)),
            }
        }
    };
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

/// A diagnostic for an error of the YAML library, placed in the whole file and explained.
fn yaml_error(error: &serde_yaml::Error, yaml: &str, file: &Path, first_line: usize) -> Diagnostic {
    let message = yaml_message(error);
    let location = error
        .location()
        .map(|l| yaml_to_file_position(yaml, l.line(), l.column()));
    let at = |(line, column): (usize, usize)| Span::new(file, first_line + line - 1, column);
    let fallback = location.unwrap_or((1, 1));
    if let Some(key) = message
        .strip_prefix("duplicate entry with key \"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        let duplicate = Locator::new(yaml, 1).duplicate_of(key);
        let (span, help) = match duplicate {
            Some((first, second)) => (
                at((second.line, second.column)).with_len(key.chars().count()),
                format!(
                    "remove one of the two: `{key}` is first written at line {}",
                    first.line + first_line - 1
                ),
            ),
            None => (at(fallback), "remove one of the two".to_string()),
        };
        return Diagnostic::error(
            "duplicate-key",
            span,
            format!("the key `{key}` is written twice in one mapping"),
        )
        .with_help(help);
    }
    if message == "repetition limit exceeded" {
        let span = first_alias(yaml).map_or_else(|| at((1, 1)), at);
        return Diagnostic::error(
            "yaml-alias-limit",
            span,
            "the YAML aliases (`*name`) expand to too large a document",
        )
        .with_help("write the values out instead of nesting aliases of aliases");
    }
    if message.starts_with("recursion limit exceeded") {
        return Diagnostic::error(
            "yaml-too-deep",
            at(fallback),
            "the YAML is nested more than 128 levels deep",
        )
        .with_help("front matter needs two or three levels; check the indentation");
    }
    if message.contains("more than one document") {
        let line = yaml
            .lines()
            .position(|l| l.starts_with("---") || l.starts_with("..."))
            .map_or(1, |i| i + 1);
        return Diagnostic::error(
            "malformed-yaml",
            at((line, 1)),
            "malformed YAML: the front matter holds more than one YAML document",
        )
        .with_help("a line `---` or `...` ends a YAML document; remove it from the front matter");
    }
    if message.starts_with("control characters are not allowed") {
        let (line, column, c) = first_control(yaml).unwrap_or((1, 1, '\0'));
        return Diagnostic::error(
            "malformed-yaml",
            at((line, column)),
            format!(
                "malformed YAML: the control character U+{:04X} is not allowed",
                u32::from(c)
            ),
        )
        .with_help(
            "remove it: YAML text may hold tabs and line breaks, no other control characters",
        );
    }
    let mut diagnostic = Diagnostic::error(
        "malformed-yaml",
        at(fallback),
        format!("malformed YAML: {message}"),
    );
    let found_tab = location.is_some_and(|(line, column)| {
        yaml.lines()
            .nth(line - 1)
            .and_then(|l| l.chars().nth(column - 1))
            == Some('\t')
    });
    if found_tab {
        diagnostic =
            diagnostic.with_help("YAML does not allow tabs for indentation: indent with spaces");
    } else if message.starts_with("mapping values are not allowed") {
        diagnostic =
            diagnostic.with_help("quote a value that holds `: `, e.g. `summary: \"A: B\"`");
    }
    diagnostic
}

/// The YAML library counts a lone `\r` (and U+0085, U+2028, U+2029) as a line break; the rest of
/// secsite, editors and `grep -n` count `\n` only. Converts the library's line and column (from
/// 1) into ours.
fn yaml_to_file_position(yaml: &str, line: usize, column: usize) -> (usize, usize) {
    let (mut yaml_line, mut yaml_column) = (1, 1);
    let (mut file_line, mut file_column) = (1, 1);
    let mut chars = yaml.chars().peekable();
    while (yaml_line, yaml_column) < (line, column) {
        let Some(c) = chars.next() else { break };
        let crlf = c == '\r' && chars.peek() == Some(&'\n');
        if matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}') || (c == '\r' && !crlf) {
            yaml_line += 1;
            yaml_column = 1;
        } else if !crlf {
            yaml_column += 1;
        }
        if c == '\n' {
            file_line += 1;
            file_column = 1;
        } else {
            file_column += 1;
        }
    }
    (file_line, file_column)
}

/// Where the flow nesting (`[` and `{`) of `yaml` first goes deeper than `MAX_FLOW_DEPTH`, as a
/// line and character column. Quoted text and comments are skipped, and outside flow collections a
/// bracket opens one only where a value starts (`a: [`, `- {`), not inside plain text (`a: b [c`).
/// It may count too deep for odd but valid YAML (brackets opening lines of a block scalar), never
/// too shallow for what the YAML library would nest.
fn too_deep_flow(yaml: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (index, line) in yaml.split('\n').enumerate() {
        // Outside flow collections only `[` and `{` change anything: most lines have neither.
        if depth == 0 && !line.bytes().any(|b| b == b'[' || b == b'{') {
            continue;
        }
        let mut chars = line.chars().enumerate().peekable();
        // Whether the next character that is not a space starts a value (or a flow entry): at the
        // start of a line it may (an entry of a block sequence or flow collection).
        let mut value_start = true;
        let mut after_space = true;
        while let Some((column, c)) = chars.next() {
            let next_is_space = chars
                .peek()
                .is_none_or(|(_, n)| matches!(n, ' ' | '\t' | '\r'));
            match c {
                '#' if after_space => break,
                '"' | '\'' if value_start => {
                    let quote = c;
                    while let Some((_, q)) = chars.next() {
                        if q == '\\' && quote == '"' {
                            chars.next();
                        } else if q == quote {
                            if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                                chars.next();
                                continue;
                            }
                            break;
                        }
                    }
                    value_start = false;
                }
                '[' | '{' if value_start || depth > 0 => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some((index + 1, column + 1));
                    }
                    value_start = true;
                }
                ']' | '}' if depth > 0 => {
                    depth -= 1;
                    value_start = false;
                }
                ',' if depth > 0 => value_start = true,
                ':' | '-' | '?' if next_is_space || depth > 0 => value_start = true,
                ' ' | '\t' | '\r' => {}
                _ => value_start = false,
            }
            after_space = matches!(c, ' ' | '\t' | '\r');
        }
    }
    None
}

/// The line and column of the first alias (`*name`) of `yaml`.
fn first_alias(yaml: &str) -> Option<(usize, usize)> {
    yaml.split('\n').enumerate().find_map(|(index, line)| {
        let chars: Vec<char> = line.chars().collect();
        (0..chars.len())
            .find(|&i| {
                chars[i] == '*'
                    && (i == 0 || matches!(chars[i - 1], ' ' | '[' | '{' | ','))
                    && chars.get(i + 1).is_some_and(|c| !c.is_whitespace())
            })
            .map(|i| (index + 1, i + 1))
    })
}

/// The line, column and character of the first control character of `yaml` that YAML forbids.
fn first_control(yaml: &str) -> Option<(usize, usize, char)> {
    yaml.split('\n').enumerate().find_map(|(index, line)| {
        line.chars()
            .enumerate()
            .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\r'))
            .map(|(i, c)| (index + 1, i + 1, c))
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
    fn flow_depth_counts_only_real_flow_collections() {
        let deep = |prefix: &str, n: usize| format!("{prefix}{}", "[".repeat(n));
        assert_eq!(too_deep_flow(&deep("a: ", 64)), None);
        assert_eq!(too_deep_flow(&deep("a: ", 65)), Some((1, 68)));
        // Brackets in quoted or plain text, and in comments, open nothing.
        let quoted = format!("a: \"{}\"\nb: '{}'", "[".repeat(100), "{".repeat(100));
        assert_eq!(too_deep_flow(&quoted), None);
        assert_eq!(too_deep_flow(&format!("a: b {}", "[".repeat(100))), None);
        assert_eq!(too_deep_flow(&format!("a: 1 # {}", "[".repeat(100))), None);
        // Closed collections do not add up.
        assert_eq!(too_deep_flow(&"a: [[]]\n".repeat(100)), None);
    }

    #[test]
    fn yaml_positions_count_only_line_feeds() {
        assert_eq!(yaml_to_file_position("a\r\nb\n", 2, 1), (2, 1));
        assert_eq!(yaml_to_file_position("a\rb\rc: d: e\n", 3, 5), (1, 9));
        assert_eq!(yaml_to_file_position("a\u{2028}b", 2, 1), (1, 3));
        assert_eq!(yaml_to_file_position("", 9, 9), (1, 1));
    }

    #[test]
    fn yaml_errors_point_into_the_whole_file() {
        let error = parse_yaml("title: A\ndate: [\n", Path::new("a.md"), 2).unwrap_err();
        assert_eq!(error.code, "malformed-yaml");
        assert!(error.span.line >= 3, "{error}");
    }
}
