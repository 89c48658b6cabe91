//! The usual notice read straight into its fields: front matter of known fields, one-line values
//! of the right types, and lists of modification and document rows, as `gen_corpus` and people
//! write them. The general path (a YAML value, the key-position index, the field reader) costs
//! three times as much; this one gives the same notice, spans included, or `None` for anything it
//! does not handle: an unknown or missing field, a value of the wrong type, `extra`, nulls, YAML
//! the block reader declines, trailing spaces. Every `None` goes the general way, which reports
//! the problems; debug builds compare every notice read here with the general path's.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde_yaml::Value;

use super::block_yaml::{self, Line};
use super::front_matter::Split;
use super::front_matter::split_front_matter;
use super::locate::scalar_len;
use super::schema::parse_date;
use super::{
    DocumentRow, ModificationRow, NOTICE_DOCUMENT_FIELDS, NOTICE_MODIFICATION_FIELDS, NoticeKind,
    NoticeSource, SourceFile, is_valid_slug,
};
use crate::diag::Span;

/// The notice in `file`, when its front matter is in the plain form this reader takes.
pub(super) fn read(file: &SourceFile) -> Option<NoticeSource> {
    if !is_valid_slug(&file.stem) {
        return None;
    }
    let split = split_front_matter(&file.text, &file.rel_path).ok()?;
    let lines = block_yaml::numbered_lines(split.yaml)?;
    let fields = Fields::read(&lines)?;
    let spans = Spans {
        file: Arc::from(file.rel_path.as_path()),
        first_line: split.yaml_line,
    };
    fields.into_notice(&spans, file, &split)
}

/// The top-level fields as written.
#[derive(Default)]
struct Fields<'a> {
    title: Option<Scalar<'a>>,
    date: Option<Scalar<'a>>,
    kind: Option<Scalar<'a>>,
    effective: Option<Scalar<'a>>,
    release: Option<Scalar<'a>>,
    sec_version: Option<Scalar<'a>>,
    summary: Option<Scalar<'a>>,
    draft: Option<Scalar<'a>>,
    modifications: Option<Vec<Row<'a>>>,
    documents: Option<Vec<Row<'a>>>,
}

impl<'a> Fields<'a> {
    /// The fields of the front matter's lines, each at most once.
    fn read(lines: &[Line<'a>]) -> Option<Self> {
        let mut fields = Fields::default();
        let mut next = 0;
        while let Some(line) = lines.get(next) {
            next += 1;
            if line.indent != 0 {
                return None;
            }
            let (key, value) = block_yaml::split_key(line.text)?;
            let at = Scalar::new(line, value)?;
            if key == "modifications" || key == "documents" {
                let rows = match at {
                    Some(scalar) if scalar.text == "[]" => Vec::new(),
                    Some(_) => return None,
                    None => rows(lines, &mut next)?,
                };
                let slot = if key == "modifications" {
                    &mut fields.modifications
                } else {
                    &mut fields.documents
                };
                if slot.replace(rows).is_some() {
                    return None;
                }
                continue;
            }
            // A key with its value on the following lines is not a field of this form.
            let scalar = at?;
            if lines.get(next).is_some_and(|l| l.indent > 0) {
                return None;
            }
            let slot = match key {
                "title" => &mut fields.title,
                "date" => &mut fields.date,
                "kind" => &mut fields.kind,
                "effective" => &mut fields.effective,
                "release" => &mut fields.release,
                "sec_version" => &mut fields.sec_version,
                "summary" => &mut fields.summary,
                "draft" => &mut fields.draft,
                _ => return None,
            };
            if slot.replace(scalar).is_some() {
                return None;
            }
        }
        Some(fields)
    }

    /// The notice of `file` these fields make, when each has a value of its type.
    fn into_notice(
        self,
        spans: &Spans,
        file: &SourceFile,
        split: &Split<'_>,
    ) -> Option<NoticeSource> {
        let optional_text = |scalar: Option<Scalar<'_>>| match scalar {
            None => Some(None),
            Some(scalar) => scalar.text_value().map(Some),
        };
        let rows_of = |rows: Option<Vec<Row<'a>>>| rows.unwrap_or_default().into_iter();
        Some(NoticeSource {
            rel_path: file.rel_path.clone(),
            slug: file.stem.clone(),
            title: self.title?.text_value()?,
            date: self.date.as_ref()?.date_value()?,
            kind: match self.kind {
                None => NoticeKind::News,
                Some(kind) => NoticeKind::from_key(&kind.text_value()?)?,
            },
            effective: match &self.effective {
                None => None,
                Some(effective) => Some(effective.date_value()?),
            },
            effective_span: spans.value(self.effective.as_ref().or(self.date.as_ref())?),
            release: optional_text(self.release)?,
            sec_version: optional_text(self.sec_version)?,
            summary: optional_text(self.summary)?,
            modifications: rows_of(self.modifications)
                .map(|row| modification_row(row, spans))
                .collect::<Option<_>>()?,
            documents: rows_of(self.documents)
                .map(|row| document_row(row, spans))
                .collect::<Option<_>>()?,
            draft: match self.draft {
                None => false,
                Some(draft) => draft.flag_value()?,
            },
            extra: serde_json::Value::Object(Default::default()),
            body: Arc::from(split.body),
            body_line: split.body_line,
            // Where the general path puts a problem with the front matter as a whole: the
            // opening `---`.
            span: Span::in_file(&spans.file, split.yaml_line.saturating_sub(1).max(1), 1),
        })
    }
}

/// A one-line value as written, and where.
#[derive(Clone, Copy)]
struct Scalar<'a> {
    text: &'a str,
    /// Line of the YAML (from 0).
    line: usize,
    /// Byte column in the line, which is the character column: what precedes a value in this
    /// form is ASCII (spaces, `- `, a key, `: `).
    column: usize,
}

impl<'a> Scalar<'a> {
    /// The value after `key:` on `line`: `None` when the line ends after the colon (the value
    /// would be on the lines below), and `Some(None)` declines the line (trailing spaces).
    fn new(line: &Line<'a>, value: &'a str) -> Option<Option<Self>> {
        if line.has_trailing_space {
            return None;
        }
        if value.is_empty() {
            return Some(None);
        }
        let offset = value.as_ptr() as usize - line.text.as_ptr() as usize;
        Some(Some(Scalar {
            text: value,
            line: line.number,
            column: line.indent + offset,
        }))
    }

    fn value(&self) -> Option<Value> {
        block_yaml::scalar(self.text)
    }

    /// The value as text; numbers, booleans and nulls are not taken here.
    fn text_value(&self) -> Option<String> {
        match self.value()? {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    fn date_value(&self) -> Option<NaiveDate> {
        parse_date(&self.text_value()?)
    }

    fn flag_value(&self) -> Option<bool> {
        match self.value()? {
            Value::Bool(flag) => Some(flag),
            Value::String(text) => match text.to_ascii_lowercase().as_str() {
                "yes" | "true" => Some(true),
                "no" | "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn number_value(&self) -> Option<u32> {
        self.value()?.as_u64().and_then(|n| u32::try_from(n).ok())
    }
}

/// Makes spans in the whole file.
struct Spans {
    file: Arc<Path>,
    first_line: usize,
}

impl Spans {
    /// Where a value is written, as long as it is written.
    fn value(&self, scalar: &Scalar<'_>) -> Span {
        Span::in_file(&self.file, self.first_line + scalar.line, scalar.column + 1)
            .with_len(scalar_len(scalar.text))
    }
}

/// One `- key: value` entry of a list, with the text after its dash.
struct Row<'a> {
    item: Scalar<'a>,
    fields: Vec<(&'a str, Scalar<'a>)>,
}

/// The entries of the list that follows a `key:` line at the top, from line `*next` on.
fn rows<'a>(lines: &[Line<'a>], next: &mut usize) -> Option<Vec<Row<'a>>> {
    let Some(first) = lines.get(*next) else {
        return Some(Vec::new());
    };
    let dash = first.indent;
    let mut rows = Vec::new();
    while let Some(line) = lines.get(*next) {
        if line.indent == 0 && !(dash == 0 && block_yaml::is_item(line.text)) {
            break;
        }
        if line.indent != dash || !line.text.starts_with("- ") || line.has_trailing_space {
            return None;
        }
        *next += 1;
        let after_dash = &line.text[1..];
        let content = after_dash.trim_start_matches(' ');
        let column = dash + 1 + (after_dash.len() - content.len());
        let item = Scalar {
            text: content,
            line: line.number,
            column,
        };
        let mut fields = Vec::with_capacity(6);
        let mut add = |line: &Line<'a>, text: &'a str| {
            let (key, value) = block_yaml::split_key(text)?;
            let scalar = Scalar::new(line, value)??;
            if fields.iter().any(|(k, _)| *k == key) {
                return None;
            }
            fields.push((key, scalar));
            Some(())
        };
        add(line, content)?;
        while let Some(more) = lines.get(*next) {
            if more.indent != column {
                break;
            }
            *next += 1;
            add(more, more.text)?;
        }
        // Anything deeper than the row's keys, or between them and the dash, is another form.
        if lines
            .get(*next)
            .is_some_and(|l| l.indent > dash && l.indent != column)
        {
            return None;
        }
        rows.push(Row { item, fields });
    }
    Some(rows)
}

impl<'a> Row<'a> {
    fn field(&self, key: &str) -> Option<&Scalar<'a>> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }

    fn only(&self, known: &[&str]) -> bool {
        self.fields.iter().all(|(key, _)| known.contains(key))
    }

    fn optional_text(&self, key: &str) -> Option<Option<String>> {
        match self.field(key) {
            None => Some(None),
            Some(scalar) => scalar.text_value().map(Some),
        }
    }

    fn optional_flag(&self, key: &str) -> Option<Option<bool>> {
        match self.field(key) {
            None => Some(None),
            Some(scalar) => scalar.flag_value().map(Some),
        }
    }
}

fn modification_row(row: Row<'_>, spans: &Spans) -> Option<ModificationRow> {
    if !row.only(NOTICE_MODIFICATION_FIELDS) {
        return None;
    }
    let id = row.field("id")?;
    Some(ModificationRow {
        span: spans.value(id),
        id: id.text_value()?,
        title: row.optional_text("title")?,
        part: match row.field("part") {
            None => None,
            Some(part) => Some(part.number_value()?),
        },
        status: row.optional_text("status")?,
    })
}

fn document_row(row: Row<'_>, spans: &Spans) -> Option<DocumentRow> {
    if !row.only(NOTICE_DOCUMENT_FIELDS) {
        return None;
    }
    let id = row.field("id")?;
    // Without a version, the general path points at the row itself.
    let version_span = spans.value(row.field("version").unwrap_or(&row.item));
    Some(DocumentRow {
        span: spans.value(id),
        version_span,
        id: id.text_value()?,
        title: row.optional_text("title")?,
        version: row.optional_text("version")?,
        codeworks: row.optional_flag("codeworks")?,
        modification: row.optional_flag("modification")?,
        designation: row.optional_flag("designation")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            rel_path: PathBuf::from("content/releases/2024-06-27-june.md"),
            stem: "2024-06-27-june".to_string(),
            text: text.to_string(),
        }
    }

    /// The plain reader's notice, after checking that the general path gives the same.
    fn plain(text: &str) -> Option<NoticeSource> {
        let file = file(text);
        let notice = read(&file)?;
        assert_eq!(
            format!("{:?}", Ok::<_, Vec<crate::diag::Diagnostic>>(&notice)),
            format!("{:?}", super::super::read_notice(&file).as_ref()),
            "{text}"
        );
        Some(notice)
    }

    const NOTICE: &str = "---\ntitle: \"June 2024 SEC Release\"\ndate: 2024-06-27\nkind: scheduled-release\n\
        effective: 2024-07-01\nrelease: June 2024\nsec_version: \"12.0\"\ndraft: no\n\
        # a comment\n\nmodifications:\n  - id: MP080\n    title: 'It''s here'\n    part: 2\n\
        \x20   status: Implemented\n  -   id: SECMP0062\ndocuments:\n- id: section-a\n  version: \"5.10\"\n\
        \x20 codeworks: true\n  modification: No\n- id: appendix-ab\n---\nBody with MP080.\n";

    #[test]
    fn reads_a_plain_notice_as_the_general_path_does() {
        let notice = plain(NOTICE).expect("a plain notice");
        assert_eq!(notice.modifications.len(), 2);
        assert_eq!(notice.modifications[0].title.as_deref(), Some("It's here"));
        assert_eq!(notice.modifications[0].part, Some(2));
        assert_eq!(notice.documents[0].modification, Some(false));
        assert_eq!(notice.documents[1].version, None);
        assert_eq!(notice.effective_span.line, 5);
        assert_eq!(notice.documents[1].version_span.line, 22);
        assert_eq!(&*notice.body, "Body with MP080.\n");
    }

    #[test]
    fn leaves_everything_else_to_the_general_path() {
        for (from, to) in [
            ("draft: no", "extra:\n  hero: x.png"),
            ("draft: no", "drafted: no"),
            ("draft: no", "draft: maybe"),
            ("draft: no", "draft:"),
            ("release: June 2024", "release: 2024"),
            ("release: June 2024", "release: ~"),
            ("release: June 2024", "release: June 2024 "),
            ("release: June 2024", "release: June\n  2024"),
            ("title: \"June 2024 SEC Release\"\n", ""),
            ("kind: scheduled-release", "kind: release"),
            ("date: 2024-06-27", "date: 2024-02-30"),
            ("part: 2", "part: two"),
            ("part: 2", "part: -2"),
            ("part: 2", "parts: 2"),
            ("status: Implemented", "status:"),
            ("- id: appendix-ab", "- appendix-ab"),
            ("- id: appendix-ab", "- id: appendix-ab\n    version: 2"),
            ("modifications:\n", "modifications: [MP080]\nx:\n"),
            ("  -   id: SECMP0062", "  - id: SECMP0062\n  - - nested"),
            ("title: \"June", "title: 'June"),
        ] {
            assert!(NOTICE.contains(from), "{from}");
            let text = NOTICE.replacen(from, to, 1);
            assert!(read(&file(&text)).is_none(), "should decline:\n{text}");
        }
    }

    /// A value for `key`: mostly one of the right type, sometimes an awkward one.
    fn field_value(key: &'static str) -> impl Strategy<Value = String> {
        let good: &'static [&'static str] = match key {
            "kind" => &["ad-hoc-release", "news", "designation", "'document-change'"],
            "effective" => &["2024-01-31", "\"2025-12-01\""],
            "draft" => &["yes", "false", "True", "no"],
            _ => &["\"Quoted – text\"", "'it''s'", "plain words", "\"12.0\""],
        };
        let awkward = prop_oneof![
            Just("3.1".to_string()),
            Just("7".to_string()),
            Just("~".to_string()),
            Just(String::new()),
            "[a-z0-9 .:'\"#-]{1,6}",
        ];
        prop_oneof![
            6 => prop::sample::select(good).prop_map(str::to_string),
            1 => awkward,
        ]
        .prop_map(move |value| format!("{key}: {value}"))
    }

    /// Some of the optional fields of a notice, each once.
    fn field_lines() -> impl Strategy<Value = Vec<String>> {
        let keys = [
            "release",
            "summary",
            "sec_version",
            "kind",
            "effective",
            "draft",
        ];
        prop::sample::subsequence(keys.to_vec(), 0..=keys.len())
            .prop_flat_map(|keys| keys.into_iter().map(field_value).collect::<Vec<_>>())
    }

    fn row(document: bool) -> impl Strategy<Value = Vec<String>> {
        let keys: &'static [&'static str] = if document {
            &[
                "title",
                "version",
                "codeworks",
                "modification",
                "designation",
                "part",
            ]
        } else {
            &["title", "part", "status", "version"]
        };
        let value = prop_oneof![
            4 => Just("\"A title\"".to_string()),
            4 => Just("2".to_string()),
            4 => Just("\"1.5\"".to_string()),
            4 => Just("true".to_string()),
            4 => Just("No".to_string()),
            4 => Just("x y".to_string()),
            1 => Just(String::new()),
        ];
        let id = if document { "section-a" } else { "MP102A" };
        prop::collection::vec((prop::sample::select(keys), value), 0..4).prop_map(move |fields| {
            std::iter::once(format!("id: {id}"))
                .chain(fields.into_iter().map(|(k, v)| format!("{k}: {v}")))
                .collect()
        })
    }

    fn notice_text() -> impl Strategy<Value = String> {
        (
            field_lines(),
            prop::collection::vec(row(false), 0..3),
            prop::collection::vec(row(true), 0..3),
            0usize..3,
            1usize..3,
            prop::bool::ANY,
        )
            .prop_map(
                |(fields, modifications, documents, indent, dash_spaces, comment)| {
                    let mut text = String::from("---\ntitle: T\ndate: 2024-06-27\n");
                    for field in fields {
                        text.push_str(&field);
                        text.push('\n');
                    }
                    if comment {
                        text.push_str("# note\n\n");
                    }
                    for (name, rows) in [("modifications", modifications), ("documents", documents)]
                    {
                        if rows.is_empty() {
                            continue;
                        }
                        text.push_str(name);
                        text.push_str(":\n");
                        for row in rows {
                            let lead = " ".repeat(indent);
                            let gap = " ".repeat(dash_spaces);
                            for (k, line) in row.iter().enumerate() {
                                if k == 0 {
                                    text.push_str(&format!("{lead}-{gap}{line}\n"));
                                } else {
                                    text.push_str(&format!("{lead} {gap}{line}\n"));
                                }
                            }
                        }
                    }
                    text.push_str("---\nBody.\n");
                    text
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_differs_from_the_general_path(text in notice_text()) {
            plain(&text);
        }
    }
}
