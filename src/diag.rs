//! Diagnostics: where a content problem is (`Span`), what it is (`Diagnostic`), the collector
//! that gathers every problem of a run so they are reported together, sorted, and the two formats
//! they are printed in: text with the source line and a caret (like rustc), and JSON.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The content is wrong: the build fails.
    Error,
    /// The content is suspicious: reported, the build goes on.
    Warning,
}

impl Severity {
    /// The word printed in front of the message.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a source file: the path relative to the site root, 1-based line and column, and
/// where the faulty text ends when that is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Path relative to the site root, with `/` separators when printed. Shared: a file's
    /// fields each keep a span, and a large site has hundreds of thousands of them.
    pub file: Arc<Path>,
    /// Line counted from the start of the file, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    // The line and column just after the faulty text (exclusive); (0, 0) when not known. Kept
    // small so a `Diagnostic` stays small enough to return by value.
    end_line: u32,
    end_column: u32,
}

impl Span {
    /// A span at `line`:`column` of `file`.
    pub fn new(file: impl AsRef<Path>, line: usize, column: usize) -> Self {
        Span::in_file(&Arc::from(file.as_ref()), line, column)
    }

    /// A span at `line`:`column` of `file`, sharing the path.
    pub fn in_file(file: &Arc<Path>, line: usize, column: usize) -> Self {
        Span {
            file: Arc::clone(file),
            line: line.max(1),
            column: column.max(1),
            end_line: 0,
            end_column: 0,
        }
    }

    /// The start of `file`, for problems with the file as a whole.
    pub fn file_start(file: impl AsRef<Path>) -> Self {
        Span::new(file, 1, 1)
    }

    /// The same span covering `chars` characters of its line (nothing changes for 0).
    pub fn with_len(mut self, chars: usize) -> Self {
        if chars > 0 {
            let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            self.end_line = clamp(self.line);
            self.end_column = clamp(self.column + chars);
        }
        self
    }

    /// The line and column just after the faulty text (exclusive), when known.
    pub fn end(&self) -> Option<(usize, usize)> {
        (self.end_line > 0).then_some((self.end_line as usize, self.end_column as usize))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            display_path(&self.file),
            self.line,
            self.column
        )
    }
}

/// A path printed with forward slashes on every platform, so messages are stable.
pub fn display_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// One problem found in the content or the templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable kebab-case code naming the rule (`unknown-field`).
    pub code: &'static str,
    /// Where the problem is.
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when that can be said (`did you mean `effective`?`).
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// The same diagnostic with a suggestion attached.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The first line of the text format: `path:line:col: error: message`.
    pub fn headline(&self) -> String {
        format!("{}: {}: {}", self.span, self.severity.label(), self.message)
    }

    /// The full text format: the headline, then (when `source`, the text of the file, is given and
    /// holds the line) the line with a caret under the faulty text, then the code and the help:
    ///
    /// ```text
    /// content/releases/a.md:5:1: error: unknown field `efective`
    ///   |
    /// 5 | efective: 2020-11-29
    ///   | ^^^^^^^^
    ///   = code: unknown-field
    ///   = help: did you mean `effective`?
    /// ```
    pub fn render(&self, source: Option<&str>) -> String {
        let line = source.and_then(|text| text.split('\n').nth(self.span.line - 1));
        self.render_line(line)
    }

    /// [`render`](Self::render) given only the line of the span (without its line break), for a
    /// printer that splits each file once, not once per diagnostic.
    pub fn render_line(&self, line: Option<&str>) -> String {
        let mut out = self.headline();
        let snippet = line.and_then(|raw| snippet(raw, &self.span));
        let width = match &snippet {
            Some(_) => digits(self.span.line),
            None => 1,
        };
        let pad = " ".repeat(width);
        if let Some((text, caret_start, caret_len)) = snippet {
            out.push_str(&format!("\n{pad} |\n{} | {text}", self.span.line));
            out.push_str(&format!(
                "\n{pad} | {}{}",
                " ".repeat(caret_start),
                "^".repeat(caret_len.max(1))
            ));
        }
        out.push_str(&format!("\n{pad} = code: {}", self.code));
        if let Some(help) = &self.help {
            out.push_str(&format!("\n{pad} = help: {help}"));
        }
        out
    }

    /// The JSON form (schema in docs/check.md): path, line, column, end, severity, code, message,
    /// help.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": display_path(&self.span.file),
            "line": self.span.line,
            "column": self.span.column,
            "end": self.span.end().map(|(line, column)| serde_json::json!({"line": line, "column": column})),
            "severity": self.severity.label(),
            "code": self.code,
            "message": self.message,
            "help": self.help,
        })
    }
}

/// Longest source line quoted at all, in bytes.
const MAX_QUOTED_LINE_BYTES: usize = 4096;

/// Longest source line shown in a snippet, in characters; longer lines are cut around the column.
const SNIPPET_WIDTH: usize = 120;

/// The line `raw` of `span` as shown (tabs expanded, control characters replaced, long lines
/// cut), and where the caret starts and how long it is, in shown characters.
fn snippet(raw: &str, span: &Span) -> Option<(String, usize, usize)> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    // A line this long (minified text, a generated file) is not worth quoting, and quoting it
    // once per diagnostic on it would cost time in proportion to its length each time.
    if raw.len() > MAX_QUOTED_LINE_BYTES {
        return None;
    }
    if raw.trim().is_empty() {
        return None;
    }
    let chars: Vec<char> = raw.chars().collect();
    if span.column > chars.len() + 1 {
        return None;
    }
    let start = span.column - 1;
    let end = match span.end() {
        Some((line, column)) if line == span.line => {
            column.saturating_sub(1).clamp(start, chars.len())
        }
        Some(_) => chars.len(),
        None => start,
    };
    // Shown text: each character, tabs as four spaces, control characters as U+FFFD.
    let mut shown: Vec<char> = Vec::with_capacity(chars.len());
    let mut offsets = Vec::with_capacity(chars.len() + 1);
    for &c in &chars {
        offsets.push(shown.len());
        match c {
            '\t' => shown.extend([' '; 4]),
            c if c.is_control() => shown.push('\u{fffd}'),
            c => shown.push(c),
        }
    }
    offsets.push(shown.len());
    let caret_start = offsets[start];
    let caret_len = offsets[end] - caret_start;
    // Cut long lines to a window that holds the caret.
    let mut window_start = 0;
    if shown.len() > SNIPPET_WIDTH {
        window_start = caret_start.saturating_sub(SNIPPET_WIDTH / 3);
    }
    let window_end = (window_start + SNIPPET_WIDTH).min(shown.len());
    let mut line: String = shown[window_start..window_end].iter().collect();
    let mut caret_start = caret_start - window_start;
    let mut caret_len = caret_len.min(window_end.saturating_sub(caret_start + window_start));
    if window_start > 0 {
        line.insert(0, '…');
        caret_start += 1;
    }
    if window_end < shown.len() {
        line.push('…');
    }
    let line = line.trim_end().to_string();
    if caret_len == 0 && end > start {
        caret_len = 1;
    }
    Some((line, caret_start, caret_len))
}

fn digits(mut n: usize) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

impl fmt::Display for Diagnostic {
    /// The headline and the help, without the source line (the serve overlay uses this).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.headline())?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Every diagnostic of a run, kept in the order they were found until `sorted` is called.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds every diagnostic of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many errors were found.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// How many warnings were found.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted by file, line and column, then severity; duplicates removed.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.span, a.severity, &a.message).cmp(&(&b.span, b.severity, &b.message))
        });
        self.items.dedup();
        self.items
    }

    /// The diagnostics in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(2))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance between two strings, counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_and_rejects_strangers() {
        let fields = ["title", "date", "effective", "kind"];
        assert_eq!(nearest("efective", fields), Some("effective"));
        assert_eq!(nearest("titel", fields), Some("title"));
        assert_eq!(nearest("colour", fields), None);
    }

    #[test]
    fn display_has_path_line_column_and_help() {
        let d = Diagnostic::error(
            "unknown-field",
            Span::new("content/releases/a.md", 3, 1),
            "unknown field `efective`",
        )
        .with_help("did you mean `effective`?");
        assert_eq!(
            d.to_string(),
            "content/releases/a.md:3:1: error: unknown field `efective`\n  = help: did you mean `effective`?"
        );
    }

    #[test]
    fn render_shows_the_line_a_caret_the_code_and_the_help() {
        let d = Diagnostic::error(
            "unknown-field",
            Span::new("a.md", 2, 1).with_len(8),
            "unknown field `efective`",
        )
        .with_help("did you mean `effective`?");
        let source = "---\nefective: 2020-11-29\n---\n";
        assert_eq!(
            d.render(Some(source)),
            "a.md:2:1: error: unknown field `efective`\n  |\n2 | efective: 2020-11-29\n  | ^^^^^^^^\n  = code: unknown-field\n  = help: did you mean `effective`?"
        );
        // Without the source (or past its end) only the code and help follow the headline.
        assert_eq!(
            d.render(None),
            "a.md:2:1: error: unknown field `efective`\n  = code: unknown-field\n  = help: did you mean `effective`?"
        );
        assert_eq!(d.render(Some("one line")), d.render(None));
    }

    #[test]
    fn render_expands_tabs_replaces_controls_and_cuts_long_lines() {
        let d = Diagnostic::warning("x", Span::new("a.md", 12, 3).with_len(2), "m");
        let source = format!("{}\t\u{7}ab\r\n", "\n".repeat(11));
        assert_eq!(
            d.render(Some(&source)),
            "a.md:12:3: warning: m\n   |\n12 |     \u{fffd}ab\n   |      ^^\n   = code: x"
        );
        let huge = format!("{}\n", "x".repeat(5000));
        let d = Diagnostic::error("x", Span::new("a.md", 1, 3), "m");
        assert_eq!(
            d.render(Some(&huge)),
            d.render(None),
            "lines over 4 KiB are not quoted"
        );
        let long = format!("{}XY{}", "a".repeat(300), "b".repeat(300));
        let d = Diagnostic::error("x", Span::new("a.md", 1, 301).with_len(2), "m");
        let rendered = d.render(Some(&long));
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[2].starts_with("1 | …a"), "{rendered}");
        assert!(lines[2].ends_with("b…"), "{rendered}");
        let caret = lines[3].chars().position(|c| c == '^').unwrap();
        let under: String = lines[2].chars().skip(caret).take(2).collect();
        assert_eq!(under, "XY", "{rendered}");
    }

    #[test]
    fn json_has_every_field() {
        let d = Diagnostic::error("bad-date", Span::new("a.md", 3, 7).with_len(10), "m");
        assert_eq!(
            d.to_json().to_string(),
            r#"{"code":"bad-date","column":7,"end":{"column":17,"line":3},"help":null,"line":3,"message":"m","path":"a.md","severity":"error"}"#
        );
    }
}
