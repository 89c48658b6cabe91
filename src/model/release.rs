//! A notice as the site sees it: its source with the effective date resolved, its modification
//! rows keyed for cross-linking, and its document rows tied to the registry.

use std::sync::Arc;

use chrono::NaiveDate;

use super::ids::ModificationKey;
use crate::content::{DocumentRow, NoticeSource};

/// One notice of the site.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What the file says.
    pub source: Arc<NoticeSource>,
    /// The date it takes effect: `effective`, or `date` when absent.
    pub effective: NaiveDate,
    /// The key of each modification row, in printed order.
    pub modification_keys: Arc<[ModificationKey]>,
    /// The document rows whose id is in the registry: the document's index in the model and the
    /// row's index in the source.
    pub document_rows: Arc<[(usize, usize)]>,
    /// What checking this notice alone found (kept, so a rebuild that reuses the notice reports
    /// them again).
    pub problems: Arc<[crate::diag::Diagnostic]>,
}

impl Notice {
    /// The document rows whose id is in the registry, with the document's index in the model.
    pub fn documents(&self) -> impl ExactSizeIterator<Item = (usize, &DocumentRow)> + '_ {
        self.document_rows
            .iter()
            .map(|&(document, row)| (document, &self.source.documents[row]))
    }

    /// Document row `k` (counted among those in the registry) and its document's index.
    pub fn document(&self, k: usize) -> (usize, &DocumentRow) {
        let (document, row) = self.document_rows[k];
        (document, &self.source.documents[row])
    }

    /// The slug (file stem).
    pub fn slug(&self) -> &str {
        &self.source.slug
    }

    /// Whether the notice changes documents (every kind but news).
    pub fn is_releasing(&self) -> bool {
        self.source.kind.is_releasing()
    }

    /// Whether it is a release taking effect after `day`.
    pub fn is_upcoming(&self, day: NaiveDate) -> bool {
        self.is_releasing() && self.effective > day
    }

    /// The status of modification row `index`: as printed, or `Implemented` for releases.
    pub fn modification_status(&self, index: usize) -> Option<&str> {
        let row = &self.source.modifications[index];
        row.status.as_deref().or_else(|| {
            self.is_releasing()
                .then_some(super::modification::IMPLEMENTED)
        })
    }

    /// The order of the Document Log: effective date, then date published, then slug.
    pub fn log_order_key(&self) -> (NaiveDate, NaiveDate, &str) {
        (self.effective, self.source.date, &self.source.slug)
    }
}
