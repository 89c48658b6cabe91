//! The documents registry: SEC documents in the order DOMAIN.md prescribes (sections, schedules
//! by number, appendices by length of reference then alphabetically).

use std::cmp::Ordering;

use crate::content::{DocumentKind, DocumentSource};

/// One SEC document of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The key (`appendix-ab`).
    pub id: String,
    /// Section, schedule or appendix.
    pub kind: DocumentKind,
    /// The reference (`AB`).
    pub reference: String,
    /// The current title.
    pub title: String,
}

impl Document {
    /// A document from its registry entry.
    pub fn from_source(source: &DocumentSource) -> Self {
        Document {
            id: source.id.clone(),
            kind: source.kind,
            reference: source.reference.clone(),
            title: source.title.clone(),
        }
    }

    /// How the document is named in prose: `Appendix AB`.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.label(), self.reference)
    }

    /// The document order of DOMAIN.md.
    pub fn order(&self, other: &Document) -> Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| match self.kind {
                DocumentKind::Schedule => match (
                    self.reference.parse::<u64>(),
                    other.reference.parse::<u64>(),
                ) {
                    (Ok(a), Ok(b)) => a.cmp(&b),
                    _ => by_length_then_text(&self.reference, &other.reference),
                },
                DocumentKind::Section | DocumentKind::Appendix => {
                    by_length_then_text(&self.reference, &other.reference)
                }
            })
            .then_with(|| self.id.cmp(&other.id))
    }
}

fn by_length_then_text(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: DocumentKind, reference: &str) -> Document {
        Document {
            id: format!("{}-{}", kind.key(), reference.to_lowercase()),
            kind,
            reference: reference.to_string(),
            title: String::new(),
        }
    }

    #[test]
    fn document_order_is_sections_schedules_appendices() {
        let mut docs = [
            doc(DocumentKind::Appendix, "AB"),
            doc(DocumentKind::Schedule, "11"),
            doc(DocumentKind::Appendix, "Z"),
            doc(DocumentKind::Section, "G"),
            doc(DocumentKind::Schedule, "8"),
            doc(DocumentKind::Appendix, "A"),
        ];
        docs.sort_by(Document::order);
        let labels: Vec<String> = docs.iter().map(Document::label).collect();
        assert_eq!(
            labels,
            [
                "Section G",
                "Schedule 8",
                "Schedule 11",
                "Appendix A",
                "Appendix Z",
                "Appendix AB"
            ]
        );
    }
}
