//! Positions of keys and values in block-style YAML, so a diagnostic about a field can point at the
//! line and column where the field is written. The YAML library gives positions only for syntax
//! errors; this index gives them for every field of a valid document.

use std::collections::hash_map::Entry as Slot;

use ahash::AHashMap;

/// A line and column (1-based) in the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line in the file.
    pub line: usize,
    /// Column in characters.
    pub column: usize,
}

/// Where a key and its value are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The key (or the `-` of a sequence item).
    pub key: Position,
    /// The value, when it is on the key's line.
    pub value: Option<Position>,
    /// The length of the key as written, in characters (0 when unknown).
    pub key_len: usize,
    /// The length of the value as written on the key's line, in characters (0 when unknown).
    pub value_len: usize,
}

/// A path through a YAML document: `documents.3.id`.
pub type Path = str;

/// The positions of the keys of one YAML text, by dotted path (`modifications.0.id`).
#[derive(Debug, Default, Clone)]
pub struct Locator {
    entries: AHashMap<String, Indexed>,
    // The text of each value written on its key's line, as written (`5.10`, not the float 5.1),
    // one after another: an entry holds the range of its own.
    raw_text: String,
    // Keys written twice in one mapping: the path, where it is first written, where again.
    duplicates: Vec<(String, Position, Position)>,
    first_line: usize,
}

/// What the index holds for one path.
#[derive(Debug, Clone, Copy)]
struct Indexed {
    entry: Entry,
    raw: Option<(usize, usize)>,
}

struct Frame {
    indent: usize,
    path: String,
    is_sequence: bool,
    next_index: usize,
}

impl Locator {
    /// Indexes `yaml`, whose first line is line `first_line` of the file.
    pub fn new(yaml: &str, first_line: usize) -> Self {
        let mut locator = Locator {
            // A notice has some fifty keys: room for them without growing.
            entries: AHashMap::with_capacity(64),
            raw_text: String::new(),
            duplicates: Vec::new(),
            first_line,
        };
        locator.index(yaml);
        locator
    }

    fn index(&mut self, yaml: &str) {
        let mut stack = vec![Frame {
            indent: 0,
            path: String::new(),
            is_sequence: false,
            next_index: 0,
        }];
        // The key whose value is on the following lines, and its column.
        let mut open_key: Option<(String, usize)> = None;
        // Inside a block scalar (`|` or `>`): lines indented deeper than this are text.
        let mut block_scalar_indent: Option<usize> = None;
        for (number, raw_line) in yaml.lines().enumerate() {
            let line_number = self.first_line + number;
            let line = raw_line.trim_end_matches('\r');
            let content = line.trim_start_matches(' ');
            let indent = line.len() - content.len();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if let Some(limit) = block_scalar_indent {
                if indent > limit {
                    continue;
                }
                block_scalar_indent = None;
            }
            let is_item = content == "-" || content.starts_with("- ");
            while stack.len() > 1 {
                let top = stack.last().expect("stack is never empty");
                if top.indent > indent || (top.is_sequence && top.indent == indent && !is_item) {
                    stack.pop();
                } else {
                    break;
                }
            }
            let mut column = indent;
            let mut rest = content;
            if is_item {
                let top = stack.last_mut().expect("stack is never empty");
                let sequence_path = if top.is_sequence && top.indent == indent {
                    top.path.clone()
                } else {
                    let path = open_key.take().map(|(p, _)| p).unwrap_or_default();
                    stack.push(Frame {
                        indent,
                        path: path.clone(),
                        is_sequence: true,
                        next_index: 0,
                    });
                    path
                };
                let top = stack.last_mut().expect("a sequence frame was pushed");
                let item_path = join_index(&sequence_path, top.next_index);
                top.next_index += 1;
                let after_dash = content[1..].trim_start_matches(' ');
                let item_column = indent + (content.len() - after_dash.len());
                let value =
                    (!after_dash.is_empty()).then(|| self.position(line_number, line, item_column));
                let entry = Entry {
                    key: self.position(line_number, line, indent),
                    value,
                    key_len: 1,
                    value_len: scalar_len(after_dash),
                };
                self.insert(item_path.clone(), entry, None);
                if after_dash.starts_with(['{', '[']) {
                    self.index_flow(line_number, line, item_column, &item_path);
                    continue;
                }
                if after_dash.is_empty() || split_key(after_dash).is_none() {
                    open_key = Some((item_path, indent));
                    continue;
                }
                stack.push(Frame {
                    indent: item_column,
                    path: item_path,
                    is_sequence: false,
                    next_index: 0,
                });
                column = item_column;
                rest = after_dash;
            }
            let Some((key, value, key_bytes)) = split_key(rest) else {
                continue;
            };
            if let Some((open_path, open_column)) = open_key.take()
                && column > open_column
            {
                stack.push(Frame {
                    indent: column,
                    path: open_path,
                    is_sequence: false,
                    next_index: 0,
                });
            }
            let parent = &stack.last().expect("stack is never empty").path;
            let path = join(parent, key);
            let value_column = column + (rest.len() - value.len());
            let value_position =
                (!value.is_empty()).then(|| self.position(line_number, line, value_column));
            let entry = Entry {
                key: self.position(line_number, line, column),
                value: value_position,
                key_len: rest[..key_bytes].chars().count(),
                value_len: scalar_len(value),
            };
            if value.starts_with(['{', '[']) {
                self.insert(path.clone(), entry, None);
                self.index_flow(line_number, line, value_column, &path);
            } else if value.is_empty() {
                self.insert(path.clone(), entry, None);
                open_key = Some((path, column));
            } else {
                self.insert(path, entry, Some(value));
                if value.starts_with('|') || value.starts_with('>') {
                    block_scalar_indent = Some(column);
                }
            }
        }
    }

    /// Indexes a flow collection (`{id: a, version: "1.0"}` or `[a, b]`) written on one line,
    /// starting at byte `start` of `line`.
    fn index_flow(&mut self, line_number: usize, line: &str, start: usize, path: &str) {
        let mut position = start;
        self.flow_value(line_number, line, &mut position, path);
    }

    fn flow_value(&mut self, line_number: usize, line: &str, position: &mut usize, path: &str) {
        let bytes = line.as_bytes();
        match bytes.get(*position) {
            Some(b'{') => {
                *position += 1;
                loop {
                    skip_spaces(bytes, position);
                    match bytes.get(*position) {
                        None => return,
                        Some(b'}') => {
                            *position += 1;
                            return;
                        }
                        _ => {}
                    }
                    let key_start = *position;
                    let key = flow_scalar(line, position, b":,}");
                    if bytes.get(*position) != Some(&b':') {
                        return;
                    }
                    *position += 1;
                    skip_spaces(bytes, position);
                    let value_start = *position;
                    let child = join(path, key.trim_matches(['"', '\'']));
                    let entry = Entry {
                        key: self.position(line_number, line, key_start),
                        value: Some(self.position(line_number, line, value_start)),
                        key_len: key.trim_end().chars().count(),
                        value_len: line.get(value_start..).map_or(0, flow_scalar_len),
                    };
                    if matches!(bytes.get(*position), Some(b'{' | b'[')) {
                        self.insert(child.clone(), entry, None);
                        self.flow_value(line_number, line, position, &child);
                    } else {
                        let raw = flow_scalar(line, position, b",}");
                        self.insert(child, entry, Some(raw.trim_end()));
                    }
                    skip_spaces(bytes, position);
                    match bytes.get(*position) {
                        Some(b',') => *position += 1,
                        Some(b'}') => {
                            *position += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            Some(b'[') => {
                *position += 1;
                let mut index = 0usize;
                loop {
                    skip_spaces(bytes, position);
                    match bytes.get(*position) {
                        None => return,
                        Some(b']') => {
                            *position += 1;
                            return;
                        }
                        _ => {}
                    }
                    let child = join_index(path, index);
                    let item = self.position(line_number, line, *position);
                    let len = line.get(*position..).map_or(0, flow_scalar_len);
                    let entry = Entry {
                        key: item,
                        value: Some(item),
                        key_len: len,
                        value_len: len,
                    };
                    if matches!(bytes.get(*position), Some(b'{' | b'[')) {
                        self.insert(child.clone(), entry, None);
                        self.flow_value(line_number, line, position, &child);
                    } else {
                        let raw = flow_scalar(line, position, b",]");
                        self.insert(child, entry, Some(raw.trim_end()));
                    }
                    index += 1;
                    skip_spaces(bytes, position);
                    match bytes.get(*position) {
                        Some(b',') => *position += 1,
                        Some(b']') => {
                            *position += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            _ => {}
        }
    }

    /// Records where `path` is written; a path written twice is remembered as a duplicate key.
    fn insert(&mut self, path: String, entry: Entry, raw: Option<&str>) {
        let raw = raw.map(|text| {
            let start = self.raw_text.len();
            self.raw_text.push_str(text);
            (start, self.raw_text.len())
        });
        let indexed = Indexed { entry, raw };
        match self.entries.entry(path) {
            Slot::Occupied(mut slot) => {
                self.duplicates
                    .push((slot.key().clone(), slot.get().entry.key, entry.key));
                slot.insert(indexed);
            }
            Slot::Vacant(slot) => {
                slot.insert(indexed);
            }
        }
    }

    /// Where a key named `key` is first written and where it is written again in the same
    /// mapping, for the first such duplicate.
    pub fn duplicate_of(&self, key: &str) -> Option<(Position, Position)> {
        self.duplicates
            .iter()
            .find(|(path, _, _)| path.rsplit('.').next() == Some(key))
            .map(|(_, first, second)| (*first, *second))
    }

    /// Converts a byte column of `line` into a 1-based character column.
    fn position(&self, line_number: usize, line: &str, byte_column: usize) -> Position {
        let column = line
            .get(..byte_column)
            .map_or(byte_column, |prefix| prefix.chars().count());
        Position {
            line: line_number,
            column: column + 1,
        }
    }

    /// Where `path` is written, or its nearest written ancestor, or the first line of the YAML.
    pub fn entry(&self, path: &Path) -> Entry {
        let mut path = path;
        loop {
            if let Some(indexed) = self.entries.get(path) {
                return indexed.entry;
            }
            match path.rfind('.') {
                Some(i) => path = &path[..i],
                None => {
                    let start = Position {
                        line: self.first_line.saturating_sub(1).max(1),
                        column: 1,
                    };
                    return Entry {
                        key: start,
                        value: None,
                        key_len: 0,
                        value_len: 0,
                    };
                }
            }
        }
    }

    /// Where the value of `path` is written (its key, when the value is on other lines).
    pub fn value(&self, path: &Path) -> Position {
        let entry = self.entry(path);
        entry.value.unwrap_or(entry.key)
    }

    /// The text of the value of `path` as written on its line, if it is there.
    pub fn raw_value(&self, path: &Path) -> Option<&str> {
        let (start, end) = self.entries.get(path)?.raw?;
        Some(&self.raw_text[start..end])
    }

    /// Where the key of `path` is written.
    pub fn key(&self, path: &Path) -> Position {
        self.entry(path).key
    }
}

fn skip_spaces(bytes: &[u8], position: &mut usize) {
    while matches!(bytes.get(*position), Some(b' ' | b'\t')) {
        *position += 1;
    }
}

/// Reads a scalar of a flow collection: quoted, or plain up to one of `stops`.
fn flow_scalar<'a>(line: &'a str, position: &mut usize, stops: &[u8]) -> &'a str {
    let bytes = line.as_bytes();
    let start = *position;
    if let Some(&quote @ (b'"' | b'\'')) = bytes.get(start) {
        *position += 1;
        while let Some(&b) = bytes.get(*position) {
            *position += 1;
            if b == b'\\' && quote == b'"' {
                *position += 1;
            } else if b == quote {
                break;
            }
        }
    } else {
        while let Some(&b) = bytes.get(*position) {
            if stops.contains(&b) {
                break;
            }
            *position += 1;
        }
    }
    let end = (*position).min(line.len());
    line.get(start..end).unwrap_or("")
}

/// `parent.child`, or `child` at the top.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        return child.to_string();
    }
    // Every key of every file goes through here: one exact allocation, no formatting machinery.
    let mut path = String::with_capacity(parent.len() + 1 + child.len());
    path.push_str(parent);
    path.push('.');
    path.push_str(child);
    path
}

/// `parent.index`, the path of item `index` of a sequence.
pub fn join_index(parent: &str, index: usize) -> String {
    use std::fmt::Write as _;
    let mut path = String::with_capacity(parent.len() + 4);
    if !parent.is_empty() {
        path.push_str(parent);
        path.push('.');
    }
    write!(path, "{index}").expect("writing to a String does not fail");
    path
}

/// Splits `key: value` into the key (unquoted), the rest of the line after the colon and spaces,
/// and the length in bytes of the key as written.
fn split_key(text: &str) -> Option<(&str, &str, usize)> {
    let (key, after, written) = if let Some(quote @ ('"' | '\'')) = text.chars().next() {
        let close = text[1..].find(quote)? + 1;
        let after = text[close + 1..].strip_prefix(':')?;
        (&text[1..close], after, close + 1)
    } else {
        let colon =
            find_pair(text, b':', b' ').or_else(|| text.strip_suffix(':').map(|t| t.len()))?;
        let key = &text[..colon];
        if key.contains(['{', '[', '"', '\'', '#']) {
            return None;
        }
        (key.trim_end(), &text[colon + 1..], key.trim_end().len())
    };
    let value = after.trim_start_matches(' ');
    let value = if value.starts_with('#') { "" } else { value };
    Some((key, value.trim_end(), written))
}

/// The length in characters of the scalar that starts `value` (quoted: up to its closing quote;
/// plain: up to a comment), or of the whole rest for a collection.
pub(super) fn scalar_len(value: &str) -> usize {
    let written = match value.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let mut end = value.len();
            let mut escaped = false;
            for (i, c) in value.char_indices().skip(1) {
                if escaped {
                    escaped = false;
                } else if c == '\\' && quote == '"' {
                    escaped = true;
                } else if c == quote {
                    end = i + 1;
                    break;
                }
            }
            &value[..end]
        }
        _ => comment_start(value)
            .map_or(value, |i| &value[..i])
            .trim_end(),
    };
    written.chars().count()
}

/// Where `first` is first followed by `second` in `text` (`: ` after a key). A byte search for
/// the rarer first byte is quicker than a general substring search on lines this short.
fn find_pair(text: &str, first: u8, second: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == first) {
        let at = from + offset;
        if bytes.get(at + 1) == Some(&second) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Where ` #` (a comment after a value) starts in `text`.
fn comment_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'#') {
        let at = from + offset;
        if at > 0 && bytes[at - 1] == b' ' {
            return Some(at - 1);
        }
        from = at + 1;
    }
    None
}

/// The length in characters of the flow scalar at the start of `rest` (up to `,`, `]` or `}`).
fn flow_scalar_len(rest: &str) -> usize {
    if rest.starts_with(['"', '\'']) {
        return scalar_len(rest);
    }
    rest.find([',', ']', '}'])
        .map_or(rest, |i| &rest[..i])
        .trim_end()
        .chars()
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "title: \"A\"\ndate: 2020-01-01\nmodifications:\n  - id: MP080\n    title: X\n  - id: MP081\ndocuments:\n- id: section-a\n  version: \"1.0\"\nsummary: |\n  text: not a key\nextra:\n  nested:\n    deep: 1\n";

    #[test]
    fn finds_top_level_and_nested_keys() {
        let locator = Locator::new(YAML, 2);
        assert_eq!(locator.key("title"), Position { line: 2, column: 1 });
        assert_eq!(locator.value("date"), Position { line: 3, column: 7 });
        assert_eq!(
            locator.value("modifications.0.id"),
            Position { line: 5, column: 9 }
        );
        assert_eq!(
            locator.key("modifications.0.title"),
            Position { line: 6, column: 5 }
        );
        assert_eq!(
            locator.key("modifications.1.id"),
            Position { line: 7, column: 5 }
        );
        assert_eq!(
            locator.value("documents.0.id"),
            Position { line: 9, column: 7 }
        );
        assert_eq!(
            locator.key("documents.0.version"),
            Position {
                line: 10,
                column: 3
            }
        );
        assert_eq!(
            locator.key("extra.nested.deep"),
            Position {
                line: 15,
                column: 5
            }
        );
    }

    #[test]
    fn flow_collections_are_indexed() {
        let yaml = "documents:\n  - {id: section-a, version: \"1.0\"}\n  - id: section-b\n    versoin: 2\nmods: [{id: MP1}, MP2]\n";
        let locator = Locator::new(yaml, 2);
        assert_eq!(
            locator.value("documents.0.id"),
            Position {
                line: 3,
                column: 10
            }
        );
        assert_eq!(
            locator.value("documents.0.version"),
            Position {
                line: 3,
                column: 30
            }
        );
        assert_eq!(locator.raw_value("documents.0.version"), Some("\"1.0\""));
        assert_eq!(
            locator.key("documents.1.versoin"),
            Position { line: 5, column: 5 }
        );
        assert_eq!(
            locator.value("mods.0.id"),
            Position {
                line: 6,
                column: 13
            }
        );
        assert_eq!(
            locator.value("mods.1"),
            Position {
                line: 6,
                column: 19
            }
        );
    }

    #[test]
    fn pair_searches_find_what_substring_searches_find() {
        for text in [
            "",
            ":",
            ": ",
            "a: b",
            "a:b: c",
            "a::  b",
            "x #y",
            "#x",
            "a##  #b",
            "a # b # c",
            "é: #",
        ] {
            assert_eq!(find_pair(text, b':', b' '), text.find(": "), "{text:?}");
            assert_eq!(comment_start(text), text.find(" #"), "{text:?}");
        }
    }

    #[test]
    fn block_scalars_hide_their_text_and_unknown_paths_fall_back() {
        let locator = Locator::new(YAML, 2);
        assert!(!locator.entries.contains_key("summary.text"));
        assert!(!locator.entries.contains_key("text"));
        assert_eq!(
            locator.key("documents.0.missing"),
            locator.key("documents.0")
        );
        assert_eq!(locator.key("nothing"), Position { line: 1, column: 1 });
    }
}
