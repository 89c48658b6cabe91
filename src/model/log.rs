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
}

impl HistoryEntry {
    /// The version in effect after this entry.
    pub fn version<'a>(&self, notices: &'a [Notice]) -> Option<&'a str> {
        self.version_from
            .and_then(|(notice, row)| notices[notice].document(row).1.version.as_deref())
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
                history.push(HistoryEntry {
                    notice: notice_index,
                    row: row_index,
                    effective: notice.effective,
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
