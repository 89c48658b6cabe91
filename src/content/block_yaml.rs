//! A fast reader for the plain block YAML that front matter is nearly always written in: keys,
//! nested mappings, `- ` lists, and one-line scalars. It gives exactly the value the YAML library
//! would, or `None` for anything it does not handle, which then goes to the library.
//!
//! The library (libyaml through serde_yaml) was half the cost of reading a notice. This reader
//! declines rather than guesses: flow collections, block scalars, anchors, tags, escapes,
//! multi-line scalars, comments after values, tabs, odd line breaks and duplicate keys all return
//! `None`, and so do plain scalars that could be numbers, booleans or nulls unless they are
//! resolved by the library itself. Debug builds check every answer against the library.

use serde_yaml::{Mapping, Value};

/// The value of `yaml` as the YAML library would parse it, when `yaml` is in the plain block
/// subset; `None` otherwise (including an empty document).
pub fn parse(yaml: &str) -> Option<Value> {
    if !is_plain_text(yaml) {
        return None;
    }
    let lines = significant_lines(yaml);
    let first = lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let mut reader = Reader {
        lines,
        next: 0,
        depth: 0,
    };
    let mapping = reader.mapping(0, None)?;
    (reader.next == reader.lines.len()).then_some(Value::Mapping(mapping))
}

/// One line that is neither blank nor a comment.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    /// Its number in the YAML, from 0.
    pub number: usize,
    pub indent: usize,
    /// The line after its indentation, without trailing spaces.
    pub text: &'a str,
    /// Whether spaces were trimmed from its end.
    pub has_trailing_space: bool,
}

/// The blank- and comment-free lines of `yaml`, when it is made only of printable text and `\n`
/// (see [`parse`]).
pub(super) fn numbered_lines(yaml: &str) -> Option<Vec<Line<'_>>> {
    is_plain_text(yaml).then(|| significant_lines(yaml))
}

/// The deepest nesting read here. Front matter needs two or three levels; deeper documents go to
/// the library, which has its own limit (128) and reports it.
const MAX_DEPTH: usize = 16;

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.next).copied()
    }

    /// The entries of a mapping whose keys stand at column `indent`. `first` is the text of its
    /// first entry when that is written after a list item's `- `.
    fn mapping(&mut self, indent: usize, first: Option<&'a str>) -> Option<Mapping> {
        // Room for the fields of a notice or of one of its rows without growing.
        let mut mapping = Mapping::with_capacity(8);
        if let Some(text) = first {
            self.entry(&mut mapping, indent, text)?;
        }
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.text) {
                return None;
            }
            self.next += 1;
            self.entry(&mut mapping, indent, line.text)?;
        }
        Some(mapping)
    }

    /// Reads `key: value` (the value possibly on the following lines) into `mapping`.
    fn entry(&mut self, mapping: &mut Mapping, indent: usize, text: &'a str) -> Option<()> {
        let (key, rest) = split_key(text)?;
        let value = if rest.is_empty() {
            self.nested(indent)?
        } else {
            scalar(rest)?
        };
        // A key written twice is an error of the library's to report.
        match mapping.insert(Value::String(key.to_owned()), value) {
            None => Some(()),
            Some(_) => None,
        }
    }

    /// The value of a key at column `indent` whose own line ends after the colon.
    fn nested(&mut self, indent: usize) -> Option<Value> {
        let Some(line) = self.peek() else {
            return Some(Value::Null);
        };
        let item = is_item(line.text);
        if line.indent > indent {
            return if item {
                self.deeper(|r| r.sequence(line.indent).map(Value::Sequence))
            } else {
                self.deeper(|r| r.mapping(line.indent, None).map(Value::Mapping))
            };
        }
        // A list may stand at its key's own column.
        if line.indent == indent && item {
            return self.deeper(|r| r.sequence(indent).map(Value::Sequence));
        }
        Some(Value::Null)
    }

    /// Reads a collection inside the current one, unless that goes deeper than `MAX_DEPTH`.
    fn deeper<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth == MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    /// The items of a list whose dashes stand at column `indent`.
    fn sequence(&mut self, indent: usize) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && !is_item(line.text)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            self.next += 1;
            let after_dash = &line.text[1..];
            let content = after_dash.trim_start_matches(' ');
            // An item on the following lines, or a list in a list: the library's to read.
            if content.is_empty() || is_item(content) {
                return None;
            }
            let column = indent + 1 + (after_dash.len() - content.len());
            let item = if split_key(content).is_some() {
                Value::Mapping(self.deeper(|r| r.mapping(column, Some(content)))?)
            } else {
                // A scalar item has nothing on the lines below it.
                if self.peek().is_some_and(|next| next.indent > indent) {
                    return None;
                }
                scalar(content)?
            };
            items.push(item);
        }
        Some(items)
    }
}

/// Whether `text` (a line after its indentation) is a list item.
pub(super) fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// The blank- and comment-free lines of `yaml`.
fn significant_lines(yaml: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(64);
    for (number, line) in yaml.split('\n').enumerate() {
        let text = line.trim_start_matches(' ');
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let trimmed = text.trim_end_matches(' ');
        lines.push(Line {
            number,
            indent: line.len() - text.len(),
            text: trimmed,
            has_trailing_space: trimmed.len() < text.len(),
        });
    }
    lines
}

/// Whether `yaml` holds only characters the YAML library reads as printable text and `\n`: no tabs,
/// no `\r`, no other line breaks (U+0085, U+2028, U+2029), no byte-order mark, no control
/// characters.
fn is_plain_text(yaml: &str) -> bool {
    if yaml
        .bytes()
        .all(|b| b == b'\n' || (0x20..0x7f).contains(&b))
    {
        return true;
    }
    yaml.chars().all(|c| {
        c == '\n'
            || ('\u{20}'..='\u{7e}').contains(&c)
            || (('\u{a0}'..='\u{fffd}').contains(&c)
                && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
            || c >= '\u{10000}'
    })
}

/// Splits `key: value` (or `key:` at the end of the line) into the key and the value's text. Only
/// keys the library reads as strings are accepted: a letter, then letters, digits, `_` and `-`,
/// not a boolean or null.
pub(super) fn split_key(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let end = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))?;
    let key = &text[..end];
    let rest = text[end..].strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) || is_reserved_word(key) {
        return None;
    }
    let rest = rest.trim_start_matches(' ');
    // A comment after the colon leaves the value to the lines below.
    if rest.starts_with('#') {
        return Some((key, ""));
    }
    Some((key, rest))
}

/// The booleans and nulls of the YAML 1.2 core schema that start with a letter.
fn is_reserved_word(text: &str) -> bool {
    matches!(
        text,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL"
    )
}

/// The value of a scalar written on one line (`text` has no trailing spaces).
pub(super) fn scalar(text: &str) -> Option<Value> {
    match text.as_bytes()[0] {
        b'"' => {
            let inner = &text[1..];
            let close = inner.find('"')?;
            let content = &inner[..close];
            if content.contains('\\') || !inner[close + 1..].is_empty() {
                return None;
            }
            Some(Value::String(content.to_owned()))
        }
        b'\'' => single_quoted(&text[1..]).map(Value::String),
        b'[' => flow_list(text),
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b']' | b'{' | b'}' | b'#'
        | b',' | b'?' | b':' => None,
        _ => plain(text),
    }
}

/// A one-line flow list of words (`[release, sec]`); lists of anything else are declined.
fn flow_list(text: &str) -> Option<Value> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim_matches(' ');
    if inner.is_empty() {
        return Some(Value::Sequence(Vec::new()));
    }
    inner
        .split(',')
        .map(|item| {
            let item = item.trim_matches(' ');
            let bytes = item.as_bytes();
            let is_word = bytes.first()?.is_ascii_alphabetic()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-' | b'.'))
                && !is_reserved_word(item);
            is_word.then(|| Value::String(item.to_owned()))
        })
        .collect::<Option<Vec<Value>>>()
        .map(Value::Sequence)
}

/// A single-quoted scalar after its opening quote: `''` stands for one quote, and nothing may
/// follow the closing quote.
fn single_quoted(inner: &str) -> Option<String> {
    let mut content = String::with_capacity(inner.len());
    let mut rest = inner;
    loop {
        let quote = rest.find('\'')?;
        content.push_str(&rest[..quote]);
        rest = &rest[quote + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                content.push('\'');
                rest = after;
            }
            None if rest.is_empty() => return Some(content),
            None => return None,
        }
    }
}

/// A plain scalar, resolved as the library resolves it.
fn plain(text: &str) -> Option<Value> {
    // `#` may start a comment and `: ` a mapping; a document marker alone would change meaning
    // when the text is handed to the library by itself.
    if text.contains('#')
        || text.contains(": ")
        || text.ends_with(':')
        || text.starts_with("- ")
        || text == "-"
        || text.starts_with("---")
        || text.starts_with("...")
    {
        return None;
    }
    match text {
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        "null" | "Null" | "NULL" | "~" => return Some(Value::Null),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_alphabetic() || first >= 0x80 {
        // No number of the core schema starts with a letter (`inf` and `nan` are not finite).
        return Some(Value::String(text.to_owned()));
    }
    // `YYYY-MM-DD`, a day or not, is text to the library.
    if super::schema::has_date_shape(text) {
        return Some(Value::String(text.to_owned()));
    }
    // A whole number without a leading zero (`part: 2`).
    if text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || first != b'0')
        && let Ok(number) = text.parse::<u64>()
    {
        return Some(Value::from(number));
    }
    // Numbers, booleans and nulls: the library's own rules, on the scalar alone.
    serde_yaml::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The library's reading, in a form that compares order and NaN too.
    fn library(yaml: &str) -> Option<String> {
        serde_yaml::from_str::<Value>(yaml)
            .ok()
            .map(|v| format!("{v:?}"))
    }

    fn agrees(yaml: &str) -> bool {
        match parse(yaml) {
            Some(value) => {
                assert_eq!(
                    Some(format!("{value:?}")),
                    library(yaml),
                    "different value for {yaml:?}"
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_a_notice_as_the_library_does() {
        let yaml = "title: \"June 2024 SEC Release\"\ndate: 2024-06-27\nkind: scheduled-release\n\
            effective: 2024-06-27\nsec_version: \"1.2\"\nmodifications:\n  - id: MP080\n    \
            title: 'It''s # here'\n    part: 2\n  - id: SECMP0062\ndocuments:\n- id: section-a\n  \
            version: 5.10\n  codeworks: true\n  modification: No\n  designation:\nsummary: A: \"b\n";
        // The last line is malformed; without it every line is read here.
        assert!(!agrees(yaml));
        let good = yaml.rsplit_once("summary").unwrap().0;
        assert!(agrees(good));
        let value = parse(good).unwrap();
        assert_eq!(value["documents"][0]["version"], Value::from(5.1));
        assert_eq!(value["documents"][0]["modification"], Value::from("No"));
        assert_eq!(value["documents"][0]["designation"], Value::Null);
        assert_eq!(
            value["modifications"][0]["title"],
            Value::from("It's # here")
        );
    }

    #[test]
    fn declines_what_it_does_not_read() {
        let deep_mapping: String = (0..200)
            .map(|level| format!("{}a:\n", " ".repeat(level)))
            .collect();
        let deep_list: String = (0..40)
            .map(|level| format!("{}- a:\n", " ".repeat(2 * level)))
            .collect();
        for yaml in [
            "",
            "# only a comment\n",
            "  title: indented\n",
            "title: a\ntitle: b\n",
            "title: |\n  block\n",
            "title: >\n  folded\n",
            "title: [a, 'b']\n",
            "title: [a, [b]]\n",
            "title: [a, b,]\n",
            "title: [a, 1]\n",
            "title: [a, true]\n",
            "title: [a, b] c\n",
            "title: {a: b}\n",
            "title: &anchor a\nother: *anchor\n",
            "title: !tag a\n",
            "title: \"esc\\\"aped\"\n",
            "title: \"two\n  lines\"\n",
            "title: plain\n  continued\n",
            "title: a # comment\n",
            "title:\ta\n",
            "title: a\r\n",
            "title: a\u{85}b\n",
            "title: a\u{2028}b\n",
            "\u{feff}title: a\n",
            "title: a\u{7}\n",
            "\"title\": a\n",
            "true: a\n",
            "1: a\n",
            "list:\n- - nested\n",
            "list:\n-\n  a: b\n",
            "list:\n  - a\n   - b\n",
            "id:\n _: plain text\n",
            &deep_mapping,
            &deep_list,
            "title: a: b\n",
            "title: a:\n",
            "title: ...\n",
            "title: --- x\n",
            "- a\n- b\n",
            "title: 'unclosed\n",
            "title: 'closed' trailing\n",
            "title: \"closed\" trailing\n",
        ] {
            assert!(parse(yaml).is_none(), "should decline {yaml:?}");
        }
    }

    #[test]
    fn resolves_plain_scalars_as_the_library_does() {
        for scalar in [
            "1",
            "-1",
            "+1",
            "0",
            "007",
            "-007",
            "0x1F",
            "0o17",
            "1.5",
            "5.10",
            "1e3",
            ".5",
            "-.5",
            ".inf",
            "-.inf",
            ".nan",
            "~",
            "null",
            "Null",
            "true",
            "FALSE",
            "yes",
            "No",
            "on",
            "inf",
            "nan",
            "Infinity",
            "1_000",
            "2024-06-27",
            "2024-6-27",
            "2024-06-27T10:00:00",
            "12:30",
            "1.2.3",
            "+",
            "-x",
            ".x",
            "3 apples",
            "MP080",
            "é",
            "€5",
            "18446744073709551615",
            "[]",
            "[ ]",
            "[a]",
            "[a, b c, d-e.f]",
            "[ a ,b ]",
        ] {
            let yaml = format!("key: {scalar}\nlist:\n  - {scalar}\n");
            assert!(agrees(&yaml), "should read {yaml:?}");
        }
        // Beyond the integers: the library's to read (as a float, or not at all).
        for scalar in ["18446744073709551616", "99999999999999999999999"] {
            agrees(&format!("key: {scalar}\n"));
        }
    }

    #[test]
    fn lists_may_stand_at_their_keys_column() {
        let yaml = "a:\n- x\n- y\nb:\n  c:\n  - id: 1\n    t: u\n  -   id: 2\n      t: v\n  d: e\n";
        assert!(agrees(yaml));
    }

    /// A scalar as written: awkward ones among the plain.
    fn awkward_scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just("plain text".to_string()),
            4 => Just("\"quoted: # text\"".to_string()),
            4 => Just("'it''s'".to_string()),
            2 => Just("''".to_string()),
            4 => Just("12".to_string()),
            2 => Just("0012".to_string()),
            4 => Just("1.50".to_string()),
            2 => Just("-3".to_string()),
            4 => Just("true".to_string()),
            2 => Just("Yes".to_string()),
            2 => Just("~".to_string()),
            4 => Just("2024-02-30".to_string()),
            4 => Just("SEC – Section A ‘x’".to_string()),
            4 => "[a-zA-Z0-9 .'\"-]{1,8}",
            1 => Just("a: b".to_string()),
            1 => Just("a #b".to_string()),
            1 => Just("- x".to_string()),
            1 => Just("[x]".to_string()),
            1 => Just("x,y".to_string()),
            1 => "[a-zA-Z0-9 .:#'\"-]{1,8}",
        ]
    }

    fn awkward_key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just("id".to_string()),
            4 => Just("title".to_string()),
            4 => Just("sec_version".to_string()),
            8 => "[a-z][a-z0-9_-]{0,3}",
            1 => Just("null".to_string()),
            1 => "[a-z0-9_-]{1,4}",
        ]
    }

    /// A tree of mappings, lists and scalars.
    #[derive(Debug, Clone)]
    enum Node {
        Scalar(String),
        Empty,
        Map(Vec<(String, Node)>),
        List(Vec<Node>),
    }

    fn tree() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            8 => awkward_scalar().prop_map(Node::Scalar),
            1 => Just(Node::Empty),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec((awkward_key(), inner.clone()), 1..5).prop_map(Node::Map),
                prop::collection::vec(inner, 1..4).prop_map(Node::List),
            ]
        })
    }

    /// How a tree is laid out: the indentation step, whether lists stand at their key's
    /// column, the spaces after a dash, and where comments and blank lines go.
    #[derive(Debug, Clone, Copy)]
    struct Layout {
        step: usize,
        list_at_key: bool,
        dash_spaces: usize,
        noise: u8,
    }

    fn write_map(
        entries: &[(String, Node)],
        column: usize,
        first_inline: bool,
        layout: Layout,
        out: &mut String,
    ) {
        for (index, (key, node)) in entries.iter().enumerate() {
            if !(first_inline && index == 0) {
                out.push_str(&" ".repeat(column));
            }
            out.push_str(key);
            out.push(':');
            write_value(node, column, layout, out);
            if layout.noise.is_multiple_of(3) {
                out.push('\n');
            } else if layout.noise.is_multiple_of(5) {
                out.push_str(&" ".repeat(column));
                out.push_str("# note\n");
            }
        }
    }

    fn write_value(node: &Node, column: usize, layout: Layout, out: &mut String) {
        match node {
            Node::Scalar(text) => {
                out.push(' ');
                out.push_str(text);
                out.push('\n');
            }
            Node::Empty => out.push('\n'),
            Node::Map(entries) => {
                out.push('\n');
                write_map(entries, column + layout.step, false, layout, out);
            }
            Node::List(items) => {
                out.push('\n');
                let dash = if layout.list_at_key {
                    column
                } else {
                    column + layout.step
                };
                write_list(items, dash, layout, out);
            }
        }
    }

    fn write_list(items: &[Node], dash: usize, layout: Layout, out: &mut String) {
        for item in items {
            out.push_str(&" ".repeat(dash));
            out.push('-');
            out.push_str(&" ".repeat(layout.dash_spaces));
            let column = dash + 1 + layout.dash_spaces;
            match item {
                Node::Scalar(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                Node::Map(entries) => write_map(entries, column, true, layout, out),
                Node::Empty => out.push('\n'),
                Node::List(inner) => {
                    out.push('\n');
                    write_list(inner, column + 1, layout, out);
                }
            }
        }
    }

    fn awkward_yaml() -> impl Strategy<Value = String> {
        let layout = (1usize..4, prop::bool::ANY, 1usize..3, 0u8..30).prop_map(
            |(step, list_at_key, dash_spaces, noise)| Layout {
                step,
                list_at_key,
                dash_spaces,
                noise,
            },
        );
        (prop::collection::vec((awkward_key(), tree()), 1..6), layout).prop_map(
            |(entries, layout)| {
                let mut out = String::new();
                write_map(&entries, 0, false, layout, &mut out);
                out
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn never_differs_from_the_library(yaml in awkward_yaml()) {
            agrees(&yaml);
        }
    }
}
