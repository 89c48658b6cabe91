//! The data files a build writes beside the pages, made from the model directly rather than
//! through templates: the JSON exports of /api/ (documented in docs/exports.md), the search index
//! and the version history the Document Log's script reads. Every list is in a fixed order (the
//! model's), so the same content gives the same bytes, and each file is made in one pass over
//! what it lists.

use std::io::{self, Write};

use super::dates::Iso;
use super::json::{Json, JsonFields, json_object};
use super::records::{PreviousFile, RecordKey, RecordSink, RecordWriter, Remade, remake};
use super::segments::Segments;
use super::views::{LazyTable, Urls, ViewBuilder, clip};
use crate::model::ids::ModificationKey;
use crate::model::modification::{Appearance, Modification};

/// The version of the export format: raised when a field changes meaning or goes away (adding a
/// field does not raise it).
pub const EXPORT_SCHEMA: u32 = 1;

/// The most characters of a notice's summary the search index keeps.
const SEARCH_SUMMARY_CHARS: usize = 240;

/// Writes `[`, then each item as a record (`record` gives its key and writes it) with commas
/// between, then `]`.
fn write_records<W: RecordSink, T>(
    out: &mut RecordWriter<'_, W>,
    items: impl IntoIterator<Item = T>,
    mut record: impl FnMut(&mut RecordWriter<'_, W>, T) -> io::Result<()>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (n, item) in items.into_iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        record(out, item)?;
    }
    out.write_all(b"]")
}

/// Writes the object `value` without its closing brace, then `,"<key>":`: the value of `key`,
/// written next, ends the object (the caller writes the `}`).
fn open_last_key<T: Json, W: Write>(value: &T, key: &str, out: &mut W) -> io::Result<()> {
    let mut object = Vec::new();
    value.write_json(&mut object);
    out.write_all(&object[..object.len() - 1])?;
    write!(out, ",\"{key}\":")
}

/// Writes an export's header and opens its list: `{"schema":1,...,"as_of":"...","<list>":`.
fn open_export<W: Write>(
    views: &ViewBuilder<'_>,
    title: &str,
    list: &str,
    out: &mut W,
) -> io::Result<()> {
    open_last_key(&Header::new(views, title), list, out)
}

/// Ends what `open_export` began, with a newline.
fn close_export<W: Write>(out: &mut W) -> io::Result<()> {
    out.write_all(b"}\n")
}

/// How many modification rows and document rows the notices have: what the exports' sizes
/// follow.
fn row_counts(views: &ViewBuilder<'_>) -> (usize, usize) {
    views.model.notices.iter().fold((0, 0), |(m, d), n| {
        (m + n.modification_keys.len(), d + n.document_rows.len())
    })
}

/// What every export starts with.
struct Header<'a> {
    schema: u32,
    generator: &'static str,
    site: SiteHeader<'a>,
    as_of: Iso,
}

json_object!(Header<'_> { schema, generator, site, as_of });

struct SiteHeader<'a> {
    title: &'a str,
    url: String,
}

json_object!(SiteHeader<'_> { title, url });

impl<'a> Header<'a> {
    fn new(views: &ViewBuilder<'_>, title: &'a str) -> Self {
        Header {
            schema: EXPORT_SCHEMA,
            generator: "secsite",
            site: SiteHeader {
                title,
                url: views.urls.permalink(""),
            },
            as_of: Iso(views.model.as_of),
        }
    }
}

/// The label and permalink of every document of the registry, by index.
fn document_names(views: &ViewBuilder<'_>) -> Vec<(String, String)> {
    views
        .model
        .documents
        .iter()
        .map(|d| (d.label(), views.urls.document_permalink(&d.id)))
        .collect()
}

/// The permalink of every modification, in the model's order.
fn modification_permalinks(views: &ViewBuilder<'_>) -> Vec<String> {
    views
        .model
        .modifications
        .keys()
        .map(|key| views.urls.permalink(&Urls::modification_path(key)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// /api/releases.json

struct NoticeExport<'a> {
    slug: &'a str,
    url: String,
    title: &'a str,
    kind: &'static str,
    releasing: bool,
    date: Iso,
    effective: Option<Iso>,
    upcoming: bool,
    release: Option<&'a str>,
    sec_version: Option<&'a str>,
    summary: &'a str,
    modifications: Vec<NoticeModificationExport<'a>>,
    documents: Vec<NoticeDocumentExport<'a>>,
}

json_object!(NoticeExport<'_> { slug, url, title, kind, releasing, date, effective, upcoming, release, sec_version, summary, modifications, documents });

struct NoticeModificationExport<'a> {
    id: &'a str,
    key: &'a str,
    url: &'a str,
    title: Option<&'a str>,
    part: Option<u32>,
    status: Option<&'a str>,
}

json_object!(NoticeModificationExport<'_> { id, key, url, title, part, status });

struct NoticeDocumentExport<'a> {
    id: &'a str,
    label: &'a str,
    url: &'a str,
    title: &'a str,
    version: Option<&'a str>,
    codeworks: Option<bool>,
    modification: Option<bool>,
    designation: Option<bool>,
}

json_object!(NoticeDocumentExport<'_> { id, label, url, title, version, codeworks, modification, designation });

/// `/api/releases.json`: every notice, oldest first (by date published, then slug), with its
/// modification and document rows.
pub fn releases_json(
    views: &ViewBuilder<'_>,
    title: &str,
    previous: Option<PreviousFile<'_>>,
) -> Remade {
    let (modification_rows, document_rows) = row_counts(views);
    let capacity = 512 * views.model.notices.len() + 192 * (modification_rows + document_rows);
    remake(capacity, previous, |out| {
        write_releases_json(views, title, out)
    })
}

/// Writes what `releases_json` returns to `out`.
pub fn write_releases_json<W: RecordSink>(
    views: &ViewBuilder<'_>,
    title: &str,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let model = views.model;
    let modification_urls = modification_permalinks(views);
    let document_names = document_names(views);
    let notice_export = |index: usize| {
        let notice = &model.notices[index];
        let source = &notice.source;
        let modifications = source
            .modifications
            .iter()
            .enumerate()
            .zip(model.row_modifications.of(index))
            .map(|((row_index, row), &position)| {
                let modification = model.modifications.at(position as usize);
                NoticeModificationExport {
                    id: &row.id,
                    key: modification.key.as_str(),
                    url: modification_urls[position as usize].as_str(),
                    title: row.title.as_deref().or(modification.title.as_deref()),
                    part: row.part,
                    status: notice.modification_status(row_index),
                }
            })
            .collect();
        let documents = notice
            .documents()
            .map(|(d, row)| {
                let document = &model.documents[d];
                let (label, url) = &document_names[d];
                NoticeDocumentExport {
                    id: &document.id,
                    label,
                    url,
                    title: row.title.as_deref().unwrap_or(&document.title),
                    version: row.version.as_deref(),
                    codeworks: row.codeworks,
                    modification: row.modification,
                    designation: row.designation,
                }
            })
            .collect();
        NoticeExport {
            slug: notice.slug(),
            url: views.urls.notice_permalink(notice.slug()),
            title: &source.title,
            kind: source.kind.key(),
            releasing: notice.is_releasing(),
            date: Iso(source.date),
            effective: notice.is_releasing().then_some(Iso(notice.effective)),
            upcoming: notice.is_upcoming(model.as_of),
            release: source.release.as_deref(),
            sec_version: source.sec_version.as_deref(),
            summary: views.summary(index),
            modifications,
            documents,
        }
    };
    open_export(views, title, "notices", out)?;
    write_records(out, 0..model.notices.len(), |out, index| {
        out.record(RecordKey::Notice(index), |out| {
            out.json(&notice_export(index))
        })
    })?;
    close_export(out)
}

// ---------------------------------------------------------------------------------------------
// /api/modifications.json

struct ModificationExport<'a> {
    id: &'a str,
    key: &'a str,
    url: String,
    feed_url: String,
    title: Option<&'a str>,
    status: Option<&'a str>,
    route: Option<&'a str>,
    proposer: Option<&'a str>,
    raised: Option<Iso>,
    aliases: Vec<&'a str>,
    related: Vec<RelatedExport<'a>>,
    notices: AppearancesExport<'a>,
    documents: Vec<&'a str>,
}

json_object!(ModificationExport<'_> { id, key, url, feed_url, title, status, route, proposer, raised, aliases, related, notices, documents });

struct RelatedExport<'a> {
    id: &'a str,
    url: Option<String>,
}

json_object!(RelatedExport<'_> { id, url });

/// What an entry of a modification's `notices` shows of the notice, whatever the modification:
/// its first fields and, after the entry's own (`AppearanceRow`), its last.
struct AppearanceNotice<'a> {
    slug: &'a str,
    url: &'a str,
}

json_object!(AppearanceNotice<'_> { slug, url });

/// What an entry shows of the notice's row for the modification, after its relation.
struct AppearanceRow<'a> {
    part: Option<u32>,
    status: Option<&'a str>,
}

json_object!(AppearanceRow<'_> { part, status });

/// The dates that end an entry.
struct AppearanceDates {
    date: Iso,
    effective: Option<Iso>,
}

json_object!(AppearanceDates { date, effective });

/// What a notice's entries in `/api/modifications.json` share, made once for each notice when
/// first asked for (a rebuild that copies most records asks for few): a notice names some ten
/// modifications, and at 100,000 notices its fields lie far apart in memory when its turn comes
/// in each. The segments: `{"slug":...,"url":...` that begins an entry, `,"date":...}` that ends
/// it, then the part and status of each of the notice's modification rows.
struct AppearanceTexts<'a, 'b> {
    views: &'a ViewBuilder<'b>,
    texts: LazyTable<Segments>,
}

impl<'a, 'b> AppearanceTexts<'a, 'b> {
    fn new(views: &'a ViewBuilder<'b>) -> Self {
        AppearanceTexts {
            views,
            texts: LazyTable::new(views.model.notices.len()),
        }
    }

    /// Makes every notice's texts, in notice order on all cores, rather than each when a
    /// modification first names the notice, at random places in memory.
    fn fill(&self) {
        self.texts.fill(|index| self.notice_text(index));
    }

    fn notice_text(&self, index: usize) -> Segments {
        let notice = &self.views.model.notices[index];
        let url = self.views.urls.notice_permalink(notice.slug());
        let rows = &notice.source.modifications;
        Segments::new(192 + 48 * rows.len(), |text| {
            text.segment(|out| {
                out.push(b'{');
                AppearanceNotice {
                    slug: notice.slug(),
                    url: &url,
                }
                .write_fields(out);
            });
            text.segment(|out| {
                out.push(b',');
                AppearanceDates {
                    date: Iso(notice.source.date),
                    effective: notice.is_releasing().then_some(Iso(notice.effective)),
                }
                .write_fields(out);
                out.push(b'}');
            });
            for (r, row) in rows.iter().enumerate() {
                text.segment(|out| {
                    AppearanceRow {
                        part: row.part,
                        status: notice.modification_status(r),
                    }
                    .write_fields(out);
                });
            }
        })
    }

    /// Writes the entry of an appearance.
    fn write_entry(&self, appearance: &Appearance, out: &mut Vec<u8>) {
        let text = self
            .texts
            .get_or_init(appearance.notice, || self.notice_text(appearance.notice));
        out.extend_from_slice(text.get(APPEARANCE_HEAD).as_bytes());
        out.extend_from_slice(b",\"relation\":");
        appearance.relation.key().write_json(out);
        out.push(b',');
        match appearance.row {
            Some(row) => out.extend_from_slice(text.get(APPEARANCE_ROWS + row as usize).as_bytes()),
            None => AppearanceRow {
                part: None,
                status: None,
            }
            .write_fields(out),
        }
        out.extend_from_slice(text.get(APPEARANCE_TAIL).as_bytes());
    }
}

/// The segments of `AppearanceTexts::notice_text`: the start and end of an entry, then one for
/// each modification row.
const APPEARANCE_HEAD: usize = 0;
const APPEARANCE_TAIL: usize = 1;
const APPEARANCE_ROWS: usize = 2;

/// The `notices` of a modification in `/api/modifications.json`: every notice that names it,
/// oldest first.
struct AppearancesExport<'a> {
    modification: &'a Modification,
    texts: &'a AppearanceTexts<'a, 'a>,
}

impl Json for AppearancesExport<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (n, appearance) in self.modification.appearances.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            self.texts.write_entry(appearance, out);
        }
        out.push(b']');
    }
}

/// `/api/modifications.json`: every modification by key, with every notice that names it
/// (oldest first) and the documents its implementing releases changed (in document order).
pub fn modifications_json(
    views: &ViewBuilder<'_>,
    title: &str,
    previous: Option<PreviousFile<'_>>,
) -> Remade {
    let capacity = 1024 * views.model.modifications.len() + 384 * row_counts(views).0;
    remake(capacity, previous, |out| {
        write_modifications_json(views, title, out)
    })
}

/// Writes what `modifications_json` returns to `out`.
pub fn write_modifications_json<W: RecordSink>(
    views: &ViewBuilder<'_>,
    title: &str,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let notice_texts = AppearanceTexts::new(views);
    if out.writes_every_record() {
        notice_texts.fill();
    }
    open_export(views, title, "modifications", out)?;
    write_records(
        out,
        views.model.modifications.values().enumerate(),
        |out, (position, modification)| {
            out.record(RecordKey::Modification(position), |out| {
                out.json(&modification_export(views, &notice_texts, modification))
            })
        },
    )?;
    close_export(out)
}

/// The record of one modification in `/api/modifications.json`.
fn modification_export<'a>(
    views: &'a ViewBuilder<'a>,
    notice_texts: &'a AppearanceTexts<'a, 'a>,
    modification: &'a Modification,
) -> ModificationExport<'a> {
    let model = views.model;
    let page = modification.page.as_deref();
    let key = &modification.key;
    ModificationExport {
        id: &modification.id,
        key: key.as_str(),
        url: views.urls.permalink(&Urls::modification_path(key)),
        feed_url: views.urls.permalink(&Urls::modification_feed_path(key)),
        title: modification.title.as_deref(),
        status: modification.status.as_deref(),
        route: page.and_then(|p| p.route.as_deref()),
        proposer: page.and_then(|p| p.proposer.as_deref()),
        raised: page.and_then(|p| p.raised).map(Iso),
        aliases: page
            .map(|p| p.aliases.iter().map(|(a, _)| a.as_str()).collect())
            .unwrap_or_default(),
        related: page
            .map(|p| p.related.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|id| {
                let written = ModificationKey::from_id(id);
                let target = model.aliases.get(&written).unwrap_or(&written);
                RelatedExport {
                    id,
                    url: model
                        .modifications
                        .contains_key(target)
                        .then(|| views.urls.permalink(&Urls::modification_path(target))),
                }
            })
            .collect(),
        notices: AppearancesExport {
            modification,
            texts: notice_texts,
        },
        documents: model
            .documents_touched(key)
            .iter()
            .map(|&d| model.documents[d as usize].id.as_str())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// /api/documents.json

struct DocumentExport<'a> {
    id: &'a str,
    kind: &'static str,
    reference: &'a str,
    label: String,
    title: &'a str,
    url: String,
    feed_url: String,
    current: Option<CurrentExport<'a>>,
    // And `history`, written after it entry by entry.
}

json_object!(DocumentExport<'_> { id, kind, reference as "ref", label, title, url, feed_url, current });

struct CurrentExport<'a> {
    version: Option<&'a str>,
    since: Iso,
    notice: &'a str,
}

json_object!(CurrentExport<'_> { version, since, notice });

/// What a history entry of `/api/documents.json` shows of its notice, whatever document the
/// entry is in: its first fields, then after the entry's own (`HistoryChange`) its
/// modifications.
struct HistoryNotice<'a> {
    notice: &'a str,
    url: &'a str,
    release: Option<&'a str>,
    date: Iso,
}

json_object!(HistoryNotice<'_> { notice, url, release, date });

/// What a history entry shows of its notice's row for the document: the title and version.
struct HistoryRow<'a> {
    title: &'a str,
    version: Option<&'a str>,
}

json_object!(HistoryRow<'_> { title, version });

/// And the row's three flags, after the version in effect.
struct HistoryFlags {
    codeworks: Option<bool>,
    modification: Option<bool>,
    designation: Option<bool>,
}

json_object!(HistoryFlags {
    codeworks,
    modification,
    designation
});

/// What a notice's entries in the documents' histories share, made once for each notice when
/// first asked for (a rebuild that copies most records asks for few): a notice changes some ten
/// documents, and at 100,000 notices its fields lie far apart in memory when its turn comes in
/// each history. The segments: `{"notice":...,"date":...` that begins an entry,
/// `,"modifications":[...]}` that ends it, then for each of the notice's document rows its
/// title and version, and its flags.
fn history_notice_text(views: &ViewBuilder<'_>, index: usize) -> Segments {
    let model = views.model;
    let notice = &model.notices[index];
    let modifications: Vec<&str> = model
        .row_modifications
        .of(index)
        .iter()
        .map(|&position| model.modifications.at(position as usize).key.as_str())
        .collect();
    let url = views.urls.notice_permalink(notice.slug());
    Segments::new(256 + 96 * notice.document_rows.len(), |text| {
        text.segment(|out| {
            out.push(b'{');
            HistoryNotice {
                notice: notice.slug(),
                url: &url,
                release: notice.source.release.as_deref(),
                date: Iso(notice.source.date),
            }
            .write_fields(out);
        });
        text.segment(|out| {
            out.extend_from_slice(b",\"modifications\":");
            modifications.write_json(out);
            out.push(b'}');
        });
        for (document, row) in notice.documents() {
            text.segment(|out| {
                HistoryRow {
                    title: row
                        .title
                        .as_deref()
                        .unwrap_or(&model.documents[document].title),
                    version: row.version.as_deref(),
                }
                .write_fields(out);
            });
            text.segment(|out| {
                HistoryFlags {
                    codeworks: row.codeworks,
                    modification: row.modification,
                    designation: row.designation,
                }
                .write_fields(out);
            });
        }
    })
}

/// The segments of `history_notice_text`: the start and end of an entry, and the two of each
/// document row.
const HISTORY_HEAD: usize = 0;
const HISTORY_TAIL: usize = 1;
fn history_row_segment(row: usize) -> usize {
    2 + 2 * row
}
fn history_flags_segment(row: usize) -> usize {
    2 + 2 * row + 1
}

/// `/api/documents.json`: every document of the registry in document order, with the version in
/// effect on the build date and its full history in the order of the Document Log.
pub fn documents_json(
    views: &ViewBuilder<'_>,
    title: &str,
    previous: Option<PreviousFile<'_>>,
) -> Remade {
    let capacity = 1024 * views.model.documents.len() + 512 * row_counts(views).1;
    remake(capacity, previous, |out| {
        write_documents_json(views, title, out)
    })
}

/// Writes what `documents_json` returns to `out`.
pub fn write_documents_json<W: RecordSink>(
    views: &ViewBuilder<'_>,
    title: &str,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let model = views.model;
    let as_of = model.as_of;
    let notice_texts: LazyTable<Segments> = LazyTable::new(model.notices.len());
    if out.writes_every_record() {
        // Every notice's text is asked for: made in notice order on all cores.
        notice_texts.fill(|index| history_notice_text(views, index));
    }
    let notice_text =
        |index: usize| notice_texts.get_or_init(index, || history_notice_text(views, index));
    // Writes entry `k` of document `index`'s history.
    let write_entry = |index: usize, k: usize, out: &mut Vec<u8>| {
        let entry = &model.log.history(index)[k];
        let text = notice_text(entry.notice);
        out.extend_from_slice(text.get(HISTORY_HEAD).as_bytes());
        out.extend_from_slice(b",\"effective\":");
        Iso(entry.effective).write_json(out);
        out.extend_from_slice(b",\"upcoming\":");
        (entry.effective > as_of).write_json(out);
        out.push(b',');
        out.extend_from_slice(text.get(history_row_segment(entry.row)).as_bytes());
        out.extend_from_slice(b",\"version_in_effect\":");
        entry.version(&model.notices).write_json(out);
        out.push(b',');
        out.extend_from_slice(text.get(history_flags_segment(entry.row)).as_bytes());
        out.extend_from_slice(text.get(HISTORY_TAIL).as_bytes());
    };
    open_export(views, title, "documents", out)?;
    write_records(
        out,
        model.documents.iter().enumerate(),
        |out, (index, document)| {
            let current = model
                .log
                .in_effect(index, as_of)
                .map(|entry| CurrentExport {
                    version: entry.version(&model.notices),
                    since: Iso(entry.effective),
                    notice: model.notices[entry.notice].slug(),
                });
            let head = DocumentExport {
                id: &document.id,
                kind: document.kind.key(),
                reference: &document.reference,
                label: document.label(),
                title: &document.title,
                url: views.urls.document_permalink(&document.id),
                feed_url: views
                    .urls
                    .permalink(&Urls::document_feed_path(&document.id)),
                current,
            };
            // The history is the object's last key; each of its entries is a record, as most of a
            // document's history stays as it was when one notice changes.
            open_last_key(&head, "history", out)?;
            let history = model.log.history(index);
            write_records(out, history.iter().enumerate(), |out, (k, entry)| {
                let key = RecordKey::DocumentChange {
                    document: index,
                    notice: entry.notice,
                };
                out.record(key, |out| {
                    out.write_with(|text| write_entry(index, k, text))
                })
            })?;
            out.write_all(b"}")
        },
    )?;
    close_export(out)
}

// ---------------------------------------------------------------------------------------------
// search/index.json

/// The search index: compact rows the search page's script reads, `{"v":1,"n":[...],"m":[...],
/// "d":[...]}`. Rows are arrays, not objects, to keep the file small; static/search.js documents
/// the columns where it reads them.
///
/// - `n`, notices, newest first: `[slug, title, kind key, kind label, date, release,
///   sec_version, summary, the ids of the modifications it lists, separated by spaces]`.
/// - `m`, modifications by key: `[id, URL segment, title, status, aliases]`.
/// - `d`, documents in document order: `[id, label, title]`.
pub fn search_index_json(views: &ViewBuilder<'_>, previous: Option<PreviousFile<'_>>) -> Remade {
    let capacity = 448 * views.model.notices.len() + 128 * views.model.modifications.len();
    remake(capacity, previous, |out| write_search_index(views, out))
}

/// Writes the search index (see `search_index_json`) to `out`.
pub fn write_search_index<W: RecordSink>(
    views: &ViewBuilder<'_>,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let model = views.model;
    out.write_all(b"{\"v\":1,\"n\":")?;
    write_records(out, (0..model.notices.len()).rev(), |out, i| {
        out.record(RecordKey::Notice(i), |out| {
            let notice = &model.notices[i];
            let source = &notice.source;
            let row = (
                notice.slug(),
                source.title.as_str(),
                source.kind.key(),
                source.kind.label(),
                Iso(source.date),
                source.release.as_deref().unwrap_or(""),
                source.sec_version.as_deref().unwrap_or(""),
                clip(views.summary(i), SEARCH_SUMMARY_CHARS),
                source
                    .modifications
                    .iter()
                    .map(|row| row.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            out.json(&row)
        })
    })?;
    out.write_all(b",\"m\":")?;
    write_records(
        out,
        model.modifications.values().enumerate(),
        |out, (position, m)| {
            out.record(RecordKey::Modification(position), |out| {
                let aliases: Vec<&str> = m
                    .page
                    .as_deref()
                    .map(|p| p.aliases.iter().map(|(a, _)| a.as_str()).collect())
                    .unwrap_or_default();
                let row = (
                    m.id.as_str(),
                    m.key.url_segment(),
                    m.title.as_deref().unwrap_or(""),
                    m.status.as_deref().unwrap_or(""),
                    aliases,
                );
                out.json(&row)
            })
        },
    )?;
    out.write_all(b",\"d\":")?;
    let documents: Vec<(&str, String, &str)> = model
        .documents
        .iter()
        .map(|d| (d.id.as_str(), d.label(), d.title.as_str()))
        .collect();
    out.json(&documents)?;
    out.write_all(b"}\n")
}

// ---------------------------------------------------------------------------------------------
// documents/history.json

/// What the Document Log's script needs to show the log as at any date, `{"as_of":...,
/// "notices":[...],"documents":[...]}`: for each document (in the order of the log's rows),
/// `{"id":...,"h":[...]}` with the changes in log order as `[effective, version in effect after it,
/// notice]`, the notice being an index into `notices` (`[url, release or title]`), which lists the
/// notices in the order the documents first name them.
pub fn log_history_json(views: &ViewBuilder<'_>, previous: Option<PreviousFile<'_>>) -> Remade {
    let capacity = 64 * views.model.notices.len() + 48 * row_counts(views).1;
    remake(capacity, previous, |out| write_log_history(views, out))
}

/// Writes the history of the Document Log (see `log_history_json`) to `out`.
pub fn write_log_history<W: RecordSink>(
    views: &ViewBuilder<'_>,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let model = views.model;
    // Number the notices in the order the documents' histories first name them.
    let mut numbers: Vec<Option<usize>> = vec![None; model.notices.len()];
    let mut numbered = Vec::new();
    for document in 0..model.documents.len() {
        for entry in model.log.history(document) {
            numbers[entry.notice].get_or_insert_with(|| {
                numbered.push(entry.notice);
                numbered.len() - 1
            });
        }
    }
    out.write_all(b"{\"as_of\":")?;
    out.json(&Iso(model.as_of))?;
    out.write_all(b",\"notices\":")?;
    write_records(out, numbered, |out, i| {
        out.record(RecordKey::Notice(i), |out| {
            let notice = &model.notices[i];
            let row = (
                views.urls.path(&Urls::notice_path(notice.slug())),
                notice
                    .source
                    .release
                    .as_deref()
                    .unwrap_or(&notice.source.title),
            );
            out.json(&row)
        })
    })?;
    out.write_all(b",\"documents\":")?;
    write_records(
        out,
        model.documents.iter().enumerate(),
        |out, (index, document)| {
            out.record(RecordKey::Document(index), |out| {
                out.write_with(|text| {
                    text.extend_from_slice(b"{\"id\":");
                    document.id.write_json(text);
                    text.extend_from_slice(b",\"h\":[");
                    for (n, entry) in model.log.history(index).iter().enumerate() {
                        if n > 0 {
                            text.push(b',');
                        }
                        let number = numbers[entry.notice].expect("numbered above");
                        (Iso(entry.effective), entry.version(&model.notices), number)
                            .write_json(text);
                    }
                    text.extend_from_slice(b"]}");
                })
            })
        },
    )?;
    out.write_all(b"}\n")
}
