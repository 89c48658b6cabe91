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
    pub row: Option<usize>,
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
}
