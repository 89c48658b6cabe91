//! The Document Log rule: each document's history of releases, and the entry in effect on a day.

use chrono::NaiveDate;

use super::ids::compare_versions;
use super::release::Notice;
use crate::diag::Diagnostic;

/// One release's change to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Index of the notice in the model.
    pub notice: usize,
    /// Index of the row among the notice's document rows.
    pub row: usize,
    /// The notice's effective date.
    pub effective: NaiveDate,
    /// Where the version in effect after this entry was given (the last version given up to
    /// it): a notice index and a row index.
    pub version_from: Option<(usize, usize)>,
    // That version itself when it is short, as nearly all are.
    short_version: Option<ShortVersion>,
}

impl HistoryEntry {
    /// The version in effect after this entry.
    pub fn version<'a>(&'a self, notices: &'a [Notice]) -> Option<&'a str> {
        match &self.short_version {
            Some(version) => Some(version.as_str()),
            None => self
                .version_from
                .and_then(|(notice, row)| notices[notice].document(row).1.version.as_deref()),
        }
    }
}

/// A version of a few characters (`3.2`, `12.10`) kept in the entry itself: the Document Log's
/// readers go through every entry of every history, and at 100,000 notices looking a version up
/// in its notice's row costs several trips to memory for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShortVersion {
    len: u8,
    bytes: [u8; 23],
}

impl ShortVersion {
    /// `text`, if it fits.
    fn new(text: &str) -> Option<Self> {
        let mut bytes = [0; 23];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(ShortVersion {
            len: text.len() as u8,
            bytes,
        })
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("copied from a str")
    }
}

/// Every document's history, by document index.
#[derive(Debug, Clone, Default)]
pub struct DocumentLog {
    histories: Vec<Vec<HistoryEntry>>,
}

impl DocumentLog {
    /// Builds the histories of `document_count` documents from `notices`, reporting a version that
    /// goes down in a later release.
    pub fn build(notices: &[Notice], document_count: usize) -> (Self, Vec<Diagnostic>) {
        let mut order: Vec<usize> = (0..notices.len())
            .filter(|&i| notices[i].is_releasing())
            .collect();
        order.sort_by(|&a, &b| notices[a].log_order_key().cmp(&notices[b].log_order_key()));
        let mut histories: Vec<Vec<HistoryEntry>> = vec![Vec::new(); document_count];
        let mut diagnostics = Vec::new();
        for notice_index in order {
            let notice = &notices[notice_index];
            for (row_index, (document, row)) in notice.documents().enumerate() {
                let history = &mut histories[document];
                let previous = history.last().and_then(|e| e.version_from);
                let version_from = match (&row.version, previous) {
                    (Some(given), Some((last_notice, last_row))) => {
                        let last = notices[last_notice]
                            .document(last_row)
                            .1
                            .version
                            .as_deref()
                            .unwrap_or("");
                        if compare_versions(given, last).is_lt() {
                            diagnostics.push(
                                Diagnostic::error(
                                    "version-decreases",
                                    row.version_span.clone(),
                                    format!(
                                        "version {given} of `{}` is lower than version {last}, set earlier by `{}`",
                                        row.id,
                                        notices[last_notice].slug()
                                    ),
                                )
                                .with_help("versions must rise from one release to the next; check the number or the effective dates"),
                            );
                        }
                        Some((notice_index, row_index))
                    }
                    (Some(_), None) => Some((notice_index, row_index)),
                    (None, previous) => previous,
                };
                let short_version = match version_from {
                    Some((n, r)) if (n, r) == (notice_index, row_index) => {
                        row.version.as_deref().and_then(ShortVersion::new)
                    }
                    Some(_) => history.last().and_then(|e| e.short_version),
                    None => None,
                };
                history.push(HistoryEntry {
                    notice: notice_index,
                    row: row_index,
                    effective: notice.effective,
                    short_version,
                    version_from,
                });
            }
        }
        (DocumentLog { histories }, diagnostics)
    }

    /// Every change to document `document`, in log order.
    pub fn history(&self, document: usize) -> &[HistoryEntry] {
        &self.histories[document]
    }

    /// The entry in effect on `day`: the last with `effective` on or before it.
    pub fn in_effect(&self, document: usize, day: NaiveDate) -> Option<&HistoryEntry> {
        let history = &self.histories[document];
        let count = history.partition_point(|e| e.effective <= day);
        count.checked_sub(1).map(|i| &history[i])
    }

    /// The entries that take effect after `day`.
    pub fn upcoming(&self, document: usize, day: NaiveDate) -> &[HistoryEntry] {
        let history = &self.histories[document];
        &history[history.partition_point(|e| e.effective <= day)..]
    }
}
