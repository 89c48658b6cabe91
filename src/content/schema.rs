//! Reading typed fields out of a parsed YAML mapping, reporting every problem (a missing or unknown
//! field, a bad date, a wrong type) at the line and column where it is written.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_yaml::{Mapping, Value};

use super::locate::{Locator, Position, join};
use crate::diag::{Diagnostic, Span, nearest};

/// Reads fields of one YAML document and collects the problems found.
pub struct FieldReader<'a> {
    file: Arc<Path>,
    locator: &'a Locator,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> FieldReader<'a> {
    /// A reader for the YAML of `file`, positioned by `locator`.
    pub fn new(file: &Path, locator: &'a Locator) -> Self {
        FieldReader {
            file: Arc::from(file),
            locator,
            diagnostics: Vec::new(),
        }
    }

    /// The problems found so far.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// Whether any error has been found.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Records a diagnostic found by the caller.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The span of the value at `path` (of its key, when the value is on other lines).
    pub fn value_span(&self, path: &str) -> Span {
        let entry = self.locator.entry(path);
        match entry.value {
            Some(position) => self.span(position).with_len(entry.value_len),
            None => self.span(entry.key).with_len(entry.key_len),
        }
    }

    /// The span of the key at `path`.
    pub fn key_span(&self, path: &str) -> Span {
        let entry = self.locator.entry(path);
        self.span(entry.key).with_len(entry.key_len)
    }

    fn span(&self, position: Position) -> Span {
        Span::in_file(&self.file, position.line, position.column)
    }

    /// `value` as a mapping, or an error at `path`.
    pub fn mapping<'v>(&mut self, value: &'v Value, path: &str, what: &str) -> Option<&'v Mapping> {
        match value {
            Value::Mapping(map) => Some(map),
            Value::Tagged(tagged) => self.mapping(&tagged.value, path, what),
            other => {
                let span = self.value_span(path);
                self.push(Diagnostic::error(
                    "wrong-type",
                    span,
                    format!(
                        "{what} must be a mapping of `key: value` fields, not {}",
                        describe(other)
                    ),
                ));
                None
            }
        }
    }

    /// Reports every key of `map` that is not in `known`, suggesting the nearest known one.
    pub fn reject_unknown_fields(&mut self, map: &Mapping, path: &str, known: &[&str]) {
        for key in map.keys() {
            let name = match key {
                Value::String(s) => s.clone(),
                other => scalar_text(other).unwrap_or_else(|| "?".to_string()),
            };
            if known.contains(&name.as_str()) {
                continue;
            }
            let span = self.key_span(&join(path, &name));
            let mut diagnostic =
                Diagnostic::error("unknown-field", span, format!("unknown field `{name}`"));
            diagnostic = match nearest(&name, known.iter().copied()) {
                Some(guess) => diagnostic.with_help(format!("did you mean `{guess}`?")),
                None => diagnostic.with_help(format!(
                    "known fields are: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.push(diagnostic);
        }
    }

    /// The field `key` of `map`, if present and not null.
    fn field<'v>(map: &'v Mapping, key: &str) -> Option<&'v Value> {
        map.get(key).filter(|v| !v.is_null())
    }

    fn missing(&mut self, path: &str, key: &str) {
        // Point at the mapping that lacks the field: its first key, or the opening `---`.
        let span = if path.is_empty() {
            self.span(self.locator.key(""))
        } else {
            self.key_span(path)
        };
        let example = match key {
            "date" | "raised" => "2020-11-29",
            "id" if path.starts_with("documents") => "section-a",
            "id" => "MP080",
            "base_url" => "https://example.org/sec/",
            "kind" => "section",
            "ref" => "A",
            _ => "\"…\"",
        };
        let place = if !path.is_empty() {
            "to this entry"
        } else if self.file.extension().is_some_and(|e| e == "md") {
            "to the front matter"
        } else {
            "to the file"
        };
        self.push(
            Diagnostic::error(
                "missing-field",
                span,
                format!("missing required field `{key}`"),
            )
            .with_help(format!("add `{key}: {example}` {place}")),
        );
    }

    /// A text field. Numbers and booleans are taken as written.
    pub fn text(&mut self, map: &Mapping, path: &str, key: &str, required: bool) -> Option<String> {
        let field_path = join(path, key);
        let Some(value) = Self::field(map, key) else {
            if required {
                self.missing(path, key);
            }
            return None;
        };
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => self
                .locator
                .raw_value(&field_path)
                .map(|raw| raw.trim_matches(['"', '\'']).to_string())
                .or_else(|| scalar_text(value)),
            other => {
                let span = self.value_span(&field_path);
                self.push(Diagnostic::error(
                    "wrong-type",
                    span,
                    format!("`{key}` must be text, not {}", describe(other)),
                ));
                None
            }
        }
    }

    /// A date field written `YYYY-MM-DD`.
    pub fn date(
        &mut self,
        map: &Mapping,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<NaiveDate> {
        let text = self.text(map, path, key, required)?;
        match parse_date(&text) {
            Some(date) => Some(date),
            None => {
                let span = self.value_span(&join(path, key));
                self.push(
                    Diagnostic::error(
                        "bad-date",
                        span,
                        format!("`{key}` is not a valid date: `{text}`"),
                    )
                    .with_help("write dates as YYYY-MM-DD, for example 2020-11-29"),
                );
                None
            }
        }
    }

    /// A yes/no field: `true`/`false` (or `yes`/`no`, as notices print them).
    pub fn flag(&mut self, map: &Mapping, path: &str, key: &str) -> Option<bool> {
        let value = Self::field(map, key)?;
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "yes" | "true" => Some(true),
                "no" | "false" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            let span = self.value_span(&join(path, key));
            self.push(
                Diagnostic::error("wrong-type", span, format!("`{key}` must be true or false"))
                    .with_help("write `true` or `false`"),
            );
        }
        parsed
    }

    /// A whole number field.
    pub fn number(&mut self, map: &Mapping, path: &str, key: &str) -> Option<u32> {
        let value = Self::field(map, key)?;
        let parsed = value.as_u64().and_then(|n| u32::try_from(n).ok());
        if parsed.is_none() {
            let span = self.value_span(&join(path, key));
            self.push(Diagnostic::error(
                "wrong-type",
                span,
                format!("`{key}` must be a whole number, not {}", describe(value)),
            ));
        }
        parsed
    }

    /// A list field; a missing or null list is empty.
    pub fn list<'v>(&mut self, map: &'v Mapping, path: &str, key: &str) -> &'v [Value] {
        match Self::field(map, key) {
            None => &[],
            Some(Value::Sequence(items)) => items,
            Some(other) => {
                let span = self.value_span(&join(path, key));
                self.push(Diagnostic::error(
                    "wrong-type",
                    span,
                    format!("`{key}` must be a list, not {}", describe(other)),
                ));
                &[]
            }
        }
    }

    /// A list of texts (`aliases: [A, B]`).
    pub fn text_list(&mut self, map: &Mapping, path: &str, key: &str) -> Vec<String> {
        let items = self.list(map, path, key);
        let mut texts = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match scalar_text(item) {
                Some(text) => texts.push(text),
                None => {
                    let span = self.value_span(&join(&join(path, key), &index.to_string()));
                    self.push(Diagnostic::error(
                        "wrong-type",
                        span,
                        format!("each entry of `{key}` must be text, not {}", describe(item)),
                    ));
                }
            }
        }
        texts
    }
}

/// Parses a `YYYY-MM-DD` date strictly (no time, no other form).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if !has_date_shape(text) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Whether `text` is four digits, `-`, two digits, `-`, two digits (a day or not).
pub fn has_date_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

/// A scalar as text (`27.0`, `true`, `MP080`), or None for lists and mappings.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// Names the type of a YAML value for messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_and_plain() {
        assert!(parse_date("2020-11-29").is_some());
        assert!(parse_date("2020-02-30").is_none());
        assert!(parse_date("2020-2-3").is_none());
        assert!(parse_date("29/11/2020").is_none());
    }
}
