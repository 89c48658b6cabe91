//! A modification: gathered from its own page (if any) and every notice that lists or mentions it.

use std::sync::Arc;

use super::ids::ModificationKey;
use crate::content::ModificationSource;

/// The status a release gives a modification it lists without a status.
pub const IMPLEMENTED: &str = "Implemented";

/// How a notice concerns a modification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// A release lists it as implemented.
    Implemented,
    /// A notice lists it with another status, or a news notice lists it.
    Listed,
    /// A notice names it only in its body.
    Mentioned,
}

impl Relation {
    /// The key given to templates.
    pub fn key(self) -> &'static str {
        match self {
            Relation::Implemented => "implemented",
            Relation::Listed => "listed",
            Relation::Mentioned => "mentioned",
        }
    }
}

/// One notice's concern with a modification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appearance {
    /// Index of the notice in the model.
    pub notice: usize,
    /// Index of the row in the notice's modifications, when it is listed.
    pub row: Option<u32>,
    /// The row's part, when it is listed with one.
    pub part: Option<u32>,
    /// The row's status (`Notice::modification_status`), by its number in
    /// `Modifications::status`. Kept here with the part, as a modification's page and feed show
    /// them for every notice, and reaching each notice's rows is a trip to memory.
    pub status: Option<u16>,
    /// How the notice concerns it.
    pub relation: Relation,
}

/// A modification of the site.
#[derive(Debug, Clone)]
pub struct Modification {
    /// The normalised key.
    pub key: ModificationKey,
    /// The id shown: the page's, else as the first notice printed it.
    pub id: String,
    /// The title: the page's, else the latest notice's.
    pub title: Option<String>,
    /// The status: the page's, else the last a release gave it.
    pub status: Option<String>,
    /// Its own page, if content/modifications has one.
    pub page: Option<Arc<ModificationSource>>,
    /// Every notice that lists or mentions it, in chronological order.
    pub appearances: Vec<Appearance>,
    /// The documents changed by the releases that implemented it, in document order (indexes
    /// into the registry): made while gathering, where the notices are read in order, rather
    /// than from each implementing notice again by every page that shows them.
    pub documents_touched: Box<[u32]>,
}

/// Every modification of the site, sorted by key, with a hash index for lookups (a build looks
/// one up for every row and every mention of every notice).
#[derive(Debug, Clone, Default)]
pub struct Modifications {
    items: Vec<Modification>,
    index: ahash::AHashMap<ModificationKey, usize>,
    // Every status the notices' rows give, once, by the number appearances keep.
    statuses: Vec<Box<str>>,
}

impl Modifications {
    /// The set of `items`, in any order, whose appearances number their statuses in `statuses`.
    pub fn from_unsorted(mut items: Vec<Modification>, statuses: Vec<Box<str>>) -> Self {
        items.sort_by(|a, b| a.key.cmp(&b.key));
        let index = items
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key.clone(), i))
            .collect();
        Modifications {
            items,
            index,
            statuses,
        }
    }

    /// The status an appearance numbers `status`.
    pub fn status(&self, status: u16) -> &str {
        &self.statuses[usize::from(status)]
    }

    /// The modification of `key`.
    pub fn get(&self, key: &ModificationKey) -> Option<&Modification> {
        self.index.get(key).map(|&i| &self.items[i])
    }

    /// The modification of `key`, to change.
    pub fn get_mut(&mut self, key: &ModificationKey) -> Option<&mut Modification> {
        self.index.get(key).map(|&i| &mut self.items[i])
    }

    /// Drops every appearance as a mention in a body, leaving those of the notices' rows.
    pub fn forget_mentions(&mut self) {
        for modification in &mut self.items {
            modification
                .appearances
                .retain(|a| a.relation != Relation::Mentioned);
        }
    }

    /// Calls `update` with each modification's position in key order and the modification, in
    /// parallel; `update` must leave keys as they are.
    pub fn par_update(&mut self, update: impl Fn(usize, &mut Modification) + Sync + Send) {
        use rayon::prelude::*;
        self.items
            .par_iter_mut()
            .enumerate()
            .for_each(|(position, modification)| update(position, modification));
    }

    /// The modification at `position` in key order.
    pub fn at(&self, position: usize) -> &Modification {
        &self.items[position]
    }

    /// The position of `key` in key order.
    pub fn position(&self, key: &ModificationKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Whether `key` names a modification.
    pub fn contains_key(&self, key: &ModificationKey) -> bool {
        self.index.contains_key(key)
    }

    /// The modifications, sorted by key.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Modification> {
        self.items.iter()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &ModificationKey> {
        self.items.iter().map(|m| &m.key)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The modification each notice's rows name, by its position in key order: found once while the
/// modifications are gathered, so the pages and data files that list a notice's modifications
/// (every document history names each notice's) look up no key and no alias.
#[derive(Debug, Clone, Default)]
pub struct RowModifications {
    // Where each notice's rows begin in `positions`, and where the last ends.
    starts: Vec<u32>,
    positions: Vec<u32>,
}

impl RowModifications {
    /// A table for notices added one after the other with `push_notice`.
    pub(super) fn with_capacity(notices: usize, rows: usize) -> Self {
        let mut starts = Vec::with_capacity(notices + 1);
        starts.push(0);
        RowModifications {
            starts,
            positions: Vec::with_capacity(rows),
        }
    }

    /// Adds the next notice, whose rows name `positions`.
    pub(super) fn push_notice(&mut self, positions: impl IntoIterator<Item = u32>) {
        self.positions.extend(positions);
        let end = u32::try_from(self.positions.len()).expect("fewer than 4 billion rows");
        self.starts.push(end);
    }

    /// The positions of the modifications that notice `index` names, row by row.
    pub fn of(&self, index: usize) -> &[u32] {
        &self.positions[self.starts[index] as usize..self.starts[index + 1] as usize]
    }
}

impl std::ops::Index<&ModificationKey> for Modifications {
    type Output = Modification;

    fn index(&self, key: &ModificationKey) -> &Modification {
        &self.items[self.index[key]]
    }
}
