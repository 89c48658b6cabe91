//! Reading a site's content: finding the files, splitting front matter from Markdown, and turning
//! the YAML into typed source records, with every problem reported at its file, line and column.
//! Nothing here knows about cross-references, HTML or templates.

pub mod block_yaml;
pub mod discover;
pub mod front_matter;
pub mod locate;
mod plain_notice;
pub mod schema;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_yaml::Value;

use crate::diag::{Diagnostic, Diagnostics, Span, nearest};
use discover::{SourceFile, relative};
use front_matter::{parse_yaml, split_front_matter};
use locate::{join, join_index};
use schema::FieldReader;

/// What a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoticeKind {
    /// A release of the February, June or November calendar.
    ScheduledRelease,
    /// A release outside the calendar, usually for one modification.
    AdHocRelease,
    /// A designation or re-designation of documents by government.
    Designation,
    /// A change to a document made outside the modification process (e.g. by the DCC).
    DocumentChange,
    /// Any other news: it implements nothing and changes no document.
    News,
}

impl NoticeKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::ScheduledRelease,
        NoticeKind::AdHocRelease,
        NoticeKind::Designation,
        NoticeKind::DocumentChange,
        NoticeKind::News,
    ];

    /// The key written in front matter.
    pub fn key(self) -> &'static str {
        match self {
            NoticeKind::ScheduledRelease => "scheduled-release",
            NoticeKind::AdHocRelease => "ad-hoc-release",
            NoticeKind::Designation => "designation",
            NoticeKind::DocumentChange => "document-change",
            NoticeKind::News => "news",
        }
    }

    /// The label shown to readers.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::ScheduledRelease => "Scheduled release",
            NoticeKind::AdHocRelease => "Ad-hoc release",
            NoticeKind::Designation => "Designation",
            NoticeKind::DocumentChange => "Document change",
            NoticeKind::News => "News",
        }
    }

    /// Whether notices of this kind change documents (every kind but news).
    pub fn is_releasing(self) -> bool {
        self != NoticeKind::News
    }

    /// The kind written as `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A modification as one notice lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModificationRow {
    /// The id as printed (`SECMP0062`).
    pub id: String,
    /// The title as printed in this notice.
    pub title: Option<String>,
    /// Which part of the modification, when it is implemented in parts.
    pub part: Option<u32>,
    /// The status as printed.
    pub status: Option<String>,
    /// Where the id is written.
    pub span: Span,
}

/// A document as one notice lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// A key of the documents registry.
    pub id: String,
    /// The title as printed in this notice.
    pub title: Option<String>,
    /// The version in effect from the notice's effective date.
    pub version: Option<String>,
    /// Where the version is written.
    pub version_span: Span,
    /// Redline available on CodeWorks.
    pub codeworks: Option<bool>,
    /// Changed by a modification.
    pub modification: Option<bool>,
    /// Designated or re-designated by government.
    pub designation: Option<bool>,
    /// Where the id is written.
    pub span: Span,
}

/// A notice as written in content/releases/SLUG.md.
#[derive(Debug, Clone)]
pub struct NoticeSource {
    /// Path relative to the root.
    pub rel_path: PathBuf,
    /// The file stem.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The date published.
    pub date: NaiveDate,
    /// What the notice is.
    pub kind: NoticeKind,
    /// The date it takes effect, when given.
    pub effective: Option<NaiveDate>,
    /// Where `effective` (or `date`, when absent) is written.
    pub effective_span: Span,
    /// The release's name.
    pub release: Option<String>,
    /// The headline SEC version.
    pub sec_version: Option<String>,
    /// A one-line summary.
    pub summary: Option<String>,
    /// Modifications in printed order.
    pub modifications: Vec<ModificationRow>,
    /// Documents in printed order.
    pub documents: Vec<DocumentRow>,
    /// Whether the notice is a draft.
    pub draft: bool,
    /// Free data for custom templates.
    pub extra: serde_json::Value,
    /// The Markdown body.
    pub body: Arc<str>,
    /// The line of the file where the body starts.
    pub body_line: usize,
    /// Where the front matter starts (the opening `---`).
    pub span: Span,
}

/// A modification page as written in content/modifications/*.md.
#[derive(Debug, Clone)]
pub struct ModificationSource {
    /// Path relative to the root.
    pub rel_path: PathBuf,
    /// The id.
    pub id: String,
    /// Where the id is written.
    pub id_span: Span,
    /// The title.
    pub title: Option<String>,
    /// The stage as published.
    pub status: Option<String>,
    /// The governance route.
    pub route: Option<String>,
    /// Who proposed it.
    pub proposer: Option<String>,
    /// When it was raised.
    pub raised: Option<NaiveDate>,
    /// Other spellings of the id.
    pub aliases: Vec<(String, Span)>,
    /// Related modification ids.
    pub related: Vec<String>,
    /// The Markdown body.
    pub body: Arc<str>,
    /// The line where the body starts.
    pub body_line: usize,
}

/// The kind of an SEC document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// Sections A to Z.
    Section,
    /// Schedules 8 to 11.
    Schedule,
    /// Appendices A to AR.
    Appendix,
}

impl DocumentKind {
    /// The key written in the registry.
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Section => "section",
            DocumentKind::Schedule => "schedule",
            DocumentKind::Appendix => "appendix",
        }
    }

    /// The word printed before the reference (`Appendix`).
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Section => "Section",
            DocumentKind::Schedule => "Schedule",
            DocumentKind::Appendix => "Appendix",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [
            DocumentKind::Section,
            DocumentKind::Schedule,
            DocumentKind::Appendix,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// One entry of content/documents.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSource {
    /// The key (`appendix-ab`).
    pub id: String,
    /// Section, schedule or appendix.
    pub kind: DocumentKind,
    /// The reference (`AB`).
    pub reference: String,
    /// The current title.
    pub title: String,
    /// Where the entry is written.
    pub span: Span,
}

/// A free page from content/pages/*.md.
#[derive(Debug, Clone)]
pub struct PageSource {
    /// Path relative to the root.
    pub rel_path: PathBuf,
    /// The file stem.
    pub slug: String,
    /// The title.
    pub title: String,
    /// Whether the page is a draft.
    pub draft: bool,
    /// The Markdown body.
    pub body: Arc<str>,
    /// The line where the body starts.
    pub body_line: usize,
}

/// Everything read from content/.
#[derive(Debug, Default)]
pub struct Content {
    /// Notices that parsed without error.
    pub notices: Vec<Arc<NoticeSource>>,
    /// Modification pages that parsed without error.
    pub modifications: Vec<Arc<ModificationSource>>,
    /// The documents registry.
    pub documents: Vec<DocumentSource>,
    /// Free pages.
    pub pages: Vec<Arc<PageSource>>,
    /// Slugs of notices whose files have errors: their pages will exist once fixed, so links to
    /// them are not reported as broken on top of the files' own errors.
    pub failed_notice_slugs: Vec<String>,
    /// Slugs of free pages whose files have errors.
    pub failed_page_slugs: Vec<String>,
}

/// The fields a notice may have.
pub const NOTICE_FIELDS: &[&str] = &[
    "title",
    "date",
    "kind",
    "effective",
    "release",
    "sec_version",
    "summary",
    "modifications",
    "documents",
    "draft",
    "extra",
];
const NOTICE_MODIFICATION_FIELDS: &[&str] = &["id", "title", "part", "status"];
const NOTICE_DOCUMENT_FIELDS: &[&str] = &[
    "id",
    "title",
    "version",
    "codeworks",
    "modification",
    "designation",
];
const MODIFICATION_FIELDS: &[&str] = &[
    "id", "title", "status", "route", "proposer", "raised", "aliases", "related", "extra",
];
const DOCUMENT_FIELDS: &[&str] = &["id", "kind", "ref", "title"];
const PAGE_FIELDS: &[&str] = &["title", "draft", "extra"];

/// The registry's location, relative to the root.
pub const DOCUMENTS_FILE: &str = "content/documents.yaml";

/// Reads every content file under `root`. Files with errors are left out of the result and their
/// problems added to `diagnostics`, so one bad file never hides the problems of the others.
pub fn load_content(root: &Path, diagnostics: &mut Diagnostics) -> Content {
    let mut store = store::ContentStore::new(root);
    store.refresh(None);
    let (content, problems) = store.content();
    diagnostics.extend(problems);
    content
}

/// Whether `slug` holds only lowercase letters, digits and `-`.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn check_slug(file: &SourceFile, problems: &mut Vec<Diagnostic>) {
    if !is_valid_slug(&file.stem) {
        problems.push(
            Diagnostic::error(
                "bad-slug",
                Span::file_start(&file.rel_path),
                format!(
                    "the file name `{}` is not a valid slug: use only lowercase letters, digits and `-`",
                    file.stem
                ),
            )
            .with_help(match suggest_slug(&file.stem) {
                slug if slug.is_empty() => {
                    "rename the file with lowercase letters, digits and `-`".to_string()
                }
                slug => format!("rename the file to `{slug}.md`"),
            }),
        );
    }
}

/// A slug made from any text: lowercase, runs of other characters become one `-`.
pub fn suggest_slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Splits and parses the front matter of `file`, returning the mapping's reader inputs.
fn front_matter(
    file: &SourceFile,
) -> Result<(Value, locate::Locator, Arc<str>, usize), Vec<Diagnostic>> {
    let split = split_front_matter(&file.text, &file.rel_path).map_err(|d| vec![d])?;
    let yaml = parse_yaml(split.yaml, &file.rel_path, split.yaml_line).map_err(|d| vec![d])?;
    Ok((
        yaml.value,
        yaml.locator,
        Arc::from(split.body),
        split.body_line,
    ))
}

/// Parses the bytes of a notice file at `rel_path` (relative to the root) as `build` does: the
/// text checks, the front matter, every field. The entry point of the fuzz target.
pub fn parse_notice_bytes(
    rel_path: &Path,
    bytes: Vec<u8>,
) -> Result<NoticeSource, Vec<Diagnostic>> {
    let file = discover::decode_source(rel_path, bytes).map_err(|d| vec![d])?;
    parse_notice(&file)
}

pub(crate) fn parse_notice(file: &SourceFile) -> Result<NoticeSource, Vec<Diagnostic>> {
    match plain_notice::read(file) {
        Some(notice) => {
            debug_assert_eq!(
                format!("{:?}", Ok::<_, Vec<Diagnostic>>(&notice)),
                format!("{:?}", read_notice(file).as_ref()),
                "the plain notice reader and the general path differ on {}",
                file.rel_path.display()
            );
            Ok(notice)
        }
        None => read_notice(file),
    }
}

/// A notice through the general path: the YAML value, the key positions, the field reader.
fn read_notice(file: &SourceFile) -> Result<NoticeSource, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    check_slug(file, &mut problems);
    let (value, locator, body, body_line) = front_matter(file)?;
    let mut reader = FieldReader::new(&file.rel_path, &locator);
    let Some(map) = reader.mapping(&value, "", "the front matter") else {
        problems.extend(reader.into_diagnostics());
        return Err(problems);
    };
    reader.reject_unknown_fields(map, "", NOTICE_FIELDS);
    let title = reader.text(map, "", "title", true);
    let date = reader.date(map, "", "date", true);
    let kind = match reader.text(map, "", "kind", false) {
        None => Some(NoticeKind::News),
        Some(key) => NoticeKind::from_key(&key).or_else(|| {
            let keys = NoticeKind::ALL.map(NoticeKind::key);
            let span = reader.value_span("kind");
            let help = match nearest(&key, keys) {
                Some(guess) => format!("did you mean `{guess}`?"),
                None => format!("the kinds are: {}", keys.join(", ")),
            };
            reader.push(
                Diagnostic::error("unknown-kind", span, format!("unknown kind `{key}`"))
                    .with_help(help),
            );
            None
        }),
    };
    let effective = reader.date(map, "", "effective", false);
    let effective_span = if map.contains_key("effective") {
        reader.value_span("effective")
    } else {
        reader.value_span("date")
    };
    let release = reader.text(map, "", "release", false);
    let sec_version = reader.text(map, "", "sec_version", false);
    let summary = reader.text(map, "", "summary", false);
    let draft = reader.flag(map, "", "draft").unwrap_or(false);
    let extra = map
        .get("extra")
        .map(|v| serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
        .unwrap_or(serde_json::Value::Object(Default::default()));

    let mut modifications = Vec::new();
    for (index, item) in reader.list(map, "", "modifications").iter().enumerate() {
        let path = join_index("modifications", index);
        let Some(row) = reader.mapping(item, &path, "a modification entry") else {
            continue;
        };
        reader.reject_unknown_fields(row, &path, NOTICE_MODIFICATION_FIELDS);
        let Some(id) = reader.text(row, &path, "id", true) else {
            continue;
        };
        modifications.push(ModificationRow {
            span: reader.value_span(&join(&path, "id")),
            id,
            title: reader.text(row, &path, "title", false),
            part: reader.number(row, &path, "part"),
            status: reader.text(row, &path, "status", false),
        });
    }
    let mut documents = Vec::new();
    for (index, item) in reader.list(map, "", "documents").iter().enumerate() {
        let path = join_index("documents", index);
        let Some(row) = reader.mapping(item, &path, "a document entry") else {
            continue;
        };
        reader.reject_unknown_fields(row, &path, NOTICE_DOCUMENT_FIELDS);
        let Some(id) = reader.text(row, &path, "id", true) else {
            continue;
        };
        documents.push(DocumentRow {
            span: reader.value_span(&join(&path, "id")),
            version_span: reader.value_span(&join(&path, "version")),
            id,
            title: reader.text(row, &path, "title", false),
            version: reader.text(row, &path, "version", false),
            codeworks: reader.flag(row, &path, "codeworks"),
            modification: reader.flag(row, &path, "modification"),
            designation: reader.flag(row, &path, "designation"),
        });
    }
    let span = reader.key_span("");
    let failed = reader.has_errors() || !problems.is_empty();
    problems.extend(reader.into_diagnostics());
    match (title, date, kind) {
        (Some(title), Some(date), Some(kind)) if !failed => Ok(NoticeSource {
            rel_path: file.rel_path.clone(),
            slug: file.stem.clone(),
            title,
            date,
            kind,
            effective,
            effective_span,
            release,
            sec_version,
            summary,
            modifications,
            documents,
            draft,
            extra,
            body,
            body_line,
            span,
        }),
        _ => Err(problems),
    }
}

pub(crate) fn parse_modification(file: &SourceFile) -> Result<ModificationSource, Vec<Diagnostic>> {
    let (value, locator, body, body_line) = front_matter(file)?;
    let mut reader = FieldReader::new(&file.rel_path, &locator);
    let Some(map) = reader.mapping(&value, "", "the front matter") else {
        return Err(reader.into_diagnostics());
    };
    reader.reject_unknown_fields(map, "", MODIFICATION_FIELDS);
    let id = reader.text(map, "", "id", true);
    let aliases_raw = reader.text_list(map, "", "aliases");
    let aliases = aliases_raw
        .into_iter()
        .enumerate()
        .map(|(i, a)| (a, reader.value_span(&format!("aliases.{i}"))))
        .collect();
    let source = ModificationSource {
        rel_path: file.rel_path.clone(),
        id_span: reader.value_span("id"),
        id: id.clone().unwrap_or_default(),
        title: reader.text(map, "", "title", false),
        status: reader.text(map, "", "status", false),
        route: reader.text(map, "", "route", false),
        proposer: reader.text(map, "", "proposer", false),
        raised: reader.date(map, "", "raised", false),
        aliases,
        related: reader.text_list(map, "", "related"),
        body,
        body_line,
    };
    if reader.has_errors() || id.is_none() {
        return Err(reader.into_diagnostics());
    }
    Ok(source)
}

pub(crate) fn parse_page(file: &SourceFile) -> Result<PageSource, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    check_slug(file, &mut problems);
    let (value, locator, body, body_line) = front_matter(file)?;
    let mut reader = FieldReader::new(&file.rel_path, &locator);
    let Some(map) = reader.mapping(&value, "", "the front matter") else {
        return Err(reader.into_diagnostics());
    };
    reader.reject_unknown_fields(map, "", PAGE_FIELDS);
    let draft = reader.flag(map, "", "draft").unwrap_or(false);
    let title = reader.text(map, "", "title", true);
    let failed = reader.has_errors() || !problems.is_empty();
    problems.extend(reader.into_diagnostics());
    match title {
        Some(title) if !failed => Ok(PageSource {
            draft,
            rel_path: file.rel_path.clone(),
            slug: file.stem.clone(),
            title,
            body,
            body_line,
        }),
        _ => Err(problems),
    }
}

/// Reads content/documents.yaml. A missing registry is an empty one.
pub(crate) fn load_documents(root: &Path, diagnostics: &mut Diagnostics) -> Vec<DocumentSource> {
    let path = root.join(DOCUMENTS_FILE);
    let rel_path = relative(root, &path);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > discover::MAX_SOURCE_BYTES) {
        diagnostics.push(Diagnostic::error(
            "file-too-large",
            Span::file_start(&rel_path),
            format!(
                "the file is larger than {} MiB: it cannot be the documents registry",
                discover::MAX_SOURCE_BYTES / (1024 * 1024)
            ),
        ));
        return Vec::new();
    }
    let text = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                diagnostics.push(Diagnostic::error(
                    "not-utf8",
                    Span::file_start(&rel_path),
                    "the file is not valid UTF-8 text",
                ));
                return Vec::new();
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                "unreadable-file",
                Span::file_start(&rel_path),
                format!("cannot read the file: {error}"),
            ));
            return Vec::new();
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let yaml = match parse_yaml(text, &rel_path, 1) {
        Ok(yaml) => yaml,
        Err(problem) => {
            diagnostics.push(problem);
            return Vec::new();
        }
    };
    let mut reader = FieldReader::new(&rel_path, &yaml.locator);
    let items: &[Value] = match &yaml.value {
        Value::Sequence(items) => items,
        Value::Mapping(map) if map.is_empty() => &[],
        _ => {
            diagnostics.push(Diagnostic::error(
                "wrong-type",
                Span::file_start(&rel_path),
                "the documents registry must be a list of documents",
            ));
            return Vec::new();
        }
    };
    let mut documents: Vec<DocumentSource> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = index.to_string();
        let Some(map) = reader.mapping(item, &path, "a document") else {
            continue;
        };
        reader.reject_unknown_fields(map, &path, DOCUMENT_FIELDS);
        let id = reader.text(map, &path, "id", true);
        let kind_key = reader.text(map, &path, "kind", true);
        let reference = reader.text(map, &path, "ref", true);
        let title = reader.text(map, &path, "title", true);
        let kind = kind_key.as_deref().and_then(|key| {
            let kind = DocumentKind::from_key(key);
            if kind.is_none() {
                let span = reader.value_span(&join(&path, "kind"));
                reader.push(
                    Diagnostic::error(
                        "unknown-kind",
                        span,
                        format!("unknown document kind `{key}`"),
                    )
                    .with_help("the kinds are: section, schedule, appendix"),
                );
            }
            kind
        });
        let (Some(id), Some(kind), Some(reference), Some(title)) = (id, kind, reference, title)
        else {
            continue;
        };
        let span = reader.value_span(&join(&path, "id"));
        if !is_valid_slug(&id) {
            reader.push(
                Diagnostic::error(
                    "bad-document-id",
                    span,
                    format!(
                        "the document id `{id}` may hold only lowercase letters, digits and `-`"
                    ),
                )
                .with_help(format!(
                    "write it as `{}-{}`",
                    kind.key(),
                    suggest_slug(&reference)
                )),
            );
            continue;
        }
        if let Some(first) = documents.iter().find(|d| d.id == id) {
            let message = format!(
                "document `{id}` is listed twice (first at line {})",
                first.span.line
            );
            reader.push(Diagnostic::error(
                "duplicate-document",
                span.clone(),
                message,
            ));
            continue;
        }
        documents.push(DocumentSource {
            id,
            kind,
            reference,
            title,
            span,
        });
    }
    diagnostics.extend(reader.into_diagnostics());
    documents
}
