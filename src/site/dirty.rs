//! Which pages a rebuild must render again: the pages whose data may differ between the last good
//! build and this one. A page left out must come out byte-identical to a full build; the
//! incremental tests hold this module to that.
//!
//! A changed notice is classified by what others see of it: its link (title, dates, kind, release,
//! summary) shows on listings, neighbours, modification and document pages; its rows (modifications
//! and documents) feed modification pages, document histories and the index; its body shows only on
//! its own page and in the feed. Each class re-renders only the pages that show it.

use std::collections::{BTreeSet, HashMap};

use ahash::AHashMap;
use std::sync::Arc;

use crate::markdown::RenderedMarkdown;
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::model::modification::{Modification, Relation};
use crate::model::release::Notice;
use crate::render::{PageId, Renderer, StaleRecords};

/// The two builds to compare.
pub struct Comparison<'a> {
    /// The last good model.
    pub old: &'a SiteModel,
    /// Its rendered notice bodies, by notice index.
    pub old_bodies: &'a [Arc<RenderedMarkdown>],
    /// Its rendered page bodies, by page index.
    pub old_pages: &'a [Arc<RenderedMarkdown>],
    /// The new model.
    pub new: &'a SiteModel,
    /// Its rendered notice bodies.
    pub new_bodies: &'a [Arc<RenderedMarkdown>],
    /// Its rendered page bodies.
    pub new_pages: &'a [Arc<RenderedMarkdown>],
    /// Whether the set of output files differs (the sitemap lists them).
    pub page_set_changed: bool,
}

/// How a notice differs between the two builds.
#[derive(Debug, Clone, Copy, Default)]
struct NoticeChange {
    link: bool,
    rows: bool,
    body: bool,
}

impl NoticeChange {
    fn any(self) -> bool {
        self.link || self.rows || self.body
    }
}

/// What a rebuild must make again.
pub struct Dirty {
    /// The pages of the new build that must be rendered again.
    pub pages: Vec<PageId>,
    /// When the site's structure is as it was (the same notices, modifications and documents in
    /// the same order, each notice with the same rows and dates, no modification renamed): the
    /// records of the data files that are out of date, those of the entities whose pages are
    /// rendered again. The others can be copied from the last build.
    pub stale_records: Option<StaleRecords>,
}

/// What the new build must make again.
pub fn dirty_pages(comparison: &Comparison<'_>, renderer: &Renderer<'_>) -> Dirty {
    let Comparison { old, new, .. } = comparison;
    let index = NoticeIndex::new(old, new);

    // What changed about each notice (new ones change in every way), and which are gone.
    let changes: Vec<NoticeChange> = (0..new.notices.len())
        .map(|i| match index.old_of(i) {
            None => NoticeChange {
                link: true,
                rows: true,
                body: true,
            },
            Some(j) => compare_notice(comparison, j, i),
        })
        .collect();
    let removed: Vec<usize> = (0..old.notices.len())
        .filter(|&j| index.new_of(j).is_none())
        .collect();
    let order_changed = !index.same_order;
    // Whether each changed notice keeps the dates and kind that place it in the log and the
    // calendar.
    let same_place = |i: usize| {
        index.old_of(i).is_some_and(|j| {
            let (a, b) = (&old.notices[j], &new.notices[i]);
            a.source.date == b.source.date
                && a.effective == b.effective
                && a.source.kind == b.source.kind
        })
    };
    let dates_changed = changes.iter().enumerate().any(|(i, c)| {
        c.link
            && index
                .old_of(i)
                .is_none_or(|j| old.notices[j].source.date != new.notices[i].source.date)
    });

    let mut dirty: BTreeSet<PageId> = BTreeSet::new();
    let any_link = removed.len() + changes.iter().filter(|c| c.link).count() > 0;
    let any_rows = changes.iter().any(|c| c.rows);
    // The home page shows the newest links, the upcoming releases and the counts.
    if order_changed || any_link || any_rows || old.modifications.len() != new.modifications.len() {
        dirty.insert(PageId::Home);
    }
    // The Document Log shows notice links and the versions their rows set.
    if order_changed || any_link || any_rows {
        dirty.insert(PageId::Log);
    }
    // The feed holds the 50 newest notices, bodies included.
    let newest = new.notices.len().saturating_sub(50);
    if order_changed || changes.iter().skip(newest).any(|c| c.any()) {
        dirty.insert(PageId::Feed);
    }
    if comparison.page_set_changed || order_changed || dates_changed {
        dirty.insert(PageId::Sitemap);
        // A large sitemap is split in parts that the index lists.
        dirty.extend(
            renderer
                .all_pages()
                .into_iter()
                .filter(|p| matches!(p, PageId::SitemapPart(_))),
        );
    }

    // Notice pages: changed notices, and the neighbours that show a changed or moved notice.
    let neighbours = |model: &SiteModel, i: usize| {
        (
            i.checked_sub(1)
                .map(|p| model.notices[p].slug().to_string()),
            model.notices.get(i + 1).map(|n| n.slug().to_string()),
        )
    };
    for i in 0..new.notices.len() {
        let moved = match index.old_of(i) {
            None => true,
            Some(j) => order_changed && neighbours(old, j) != neighbours(new, i),
        };
        let neighbour_link_changed = i.checked_sub(1).is_some_and(|p| changes[p].link)
            || changes.get(i + 1).is_some_and(|c| c.link);
        if moved || neighbour_link_changed || changes[i].any() {
            dirty.insert(PageId::Notice(i));
        }
    }

    // Listings show links: every page when notices moved between pages, else the changed links'.
    if order_changed {
        dirty.extend((1..=renderer.listing_pages()).map(PageId::Listing));
    } else {
        for (i, change) in changes.iter().enumerate() {
            if change.link {
                dirty.insert(PageId::Listing(renderer.listing_of(i)));
            }
        }
    }

    // Modifications whose own gathered data differ (title, status, the notices naming them).
    let mut modifications: BTreeSet<ModificationKey> = BTreeSet::new();
    let mut renamed: BTreeSet<ModificationKey> = BTreeSet::new();
    let same_keys = old.modifications.len() == new.modifications.len()
        && old
            .modifications
            .keys()
            .zip(new.modifications.keys())
            .all(|(a, b)| a == b);
    let pairs: Vec<(
        &ModificationKey,
        Option<&Modification>,
        Option<&Modification>,
    )> = if same_keys {
        // The usual case: the same modifications in the same (sorted) order, paired directly.
        old.modifications
            .values()
            .zip(new.modifications.values())
            .map(|(a, b)| (&a.key, Some(a), Some(b)))
            .collect()
    } else {
        old.modifications
            .keys()
            .chain(new.modifications.keys())
            .map(|key| (key, old.modifications.get(key), new.modifications.get(key)))
            .collect()
    };
    for (key, a, b) in pairs {
        match (a, b) {
            (Some(a), Some(b)) => {
                if a.id != b.id || a.title != b.title {
                    renamed.insert(key.clone());
                }
                if !same_modification(a, b, &index) {
                    modifications.insert(key.clone());
                }
            }
            _ => {
                renamed.insert(key.clone());
                modifications.insert(key.clone());
            }
        }
    }
    let mut index_dirty = !modifications.is_empty();

    // Pages that show a changed notice's link or rows: its modifications and documents.
    let mut documents: BTreeSet<usize> = BTreeSet::new();
    // The built-in modification index shows, of each notice implementing a modification, its
    // link labelled by its release (else its title) and its effective date; a site's own
    // template may show any of the link.
    let builtin_index = renderer.renders_builtin("modifications.html");
    let shows_on_index = |i: usize, change: &NoticeChange| {
        change.rows
            || !builtin_index
            || index
                .old_of(i)
                .is_none_or(|j| index_label(&old.notices[j]) != index_label(&new.notices[i]))
    };
    let mut visit = |model: &SiteModel,
                     notice: &Notice,
                     documents: &mut BTreeSet<usize>,
                     new_ids: bool,
                     on_index: bool| {
        for key in notice.modification_keys.iter() {
            modifications.insert(model.aliases.get(key).unwrap_or(key).clone());
        }
        if on_index && notice.is_releasing() && !notice.modification_keys.is_empty() {
            index_dirty = true;
        }
        for (d, _) in notice.documents() {
            let id = &model.documents[d].id;
            // Documents are indexed alike in both models (a registry change renders everything).
            if new_ids || new.documents.get(d).is_some_and(|doc| &doc.id == id) {
                documents.insert(d);
            }
        }
    };
    for (i, change) in changes.iter().enumerate() {
        if change.link || change.rows {
            let on_index = shows_on_index(i, change);
            visit(new, &new.notices[i], &mut documents, true, on_index);
            if let Some(j) = index.old_of(i) {
                visit(old, &old.notices[j], &mut documents, false, on_index);
            }
        }
    }
    for &j in &removed {
        visit(old, &old.notices[j], &mut documents, false, true);
    }
    // Mentions are not in `modification_keys`: modification pages list the notices that mention
    // them, with their links.
    for modification in new.modifications.values() {
        if modification
            .appearances
            .iter()
            .any(|a| a.relation == Relation::Mentioned && changes[a.notice].link)
        {
            modifications.insert(modification.key.clone());
        }
    }

    // Notices (and the histories of their documents) that print a renamed modification.
    let mut printing: BTreeSet<usize> = BTreeSet::new();
    for key in &renamed {
        if let Some(modification) = new.modifications.get(key) {
            printing.extend(
                modification
                    .appearances
                    .iter()
                    .filter(|a| a.row.is_some())
                    .map(|a| a.notice),
            );
        }
        // An id that became another's alias: its old rows now name the other modification.
        if let Some(modification) = old.modifications.get(key) {
            printing.extend(
                modification
                    .appearances
                    .iter()
                    .filter_map(|a| index.new_of(a.notice)),
            );
        }
    }
    if !renamed.is_empty() {
        index_dirty = true;
    }
    for &i in &printing {
        dirty.insert(PageId::Notice(i));
        documents.extend(new.notices[i].documents().map(|(d, _)| d));
    }

    // `related` links exist only to modifications of the site: the set of ids matters to them.
    if !same_keys {
        for modification in new.modifications.values() {
            if modification
                .page
                .as_ref()
                .is_some_and(|p| !p.related.is_empty())
            {
                modifications.insert(modification.key.clone());
            }
        }
    }
    if index_dirty {
        dirty.insert(PageId::ModificationIndex);
    }
    dirty.extend(
        modifications
            .into_iter()
            .filter(|k| new.modifications.contains_key(k))
            .map(PageId::Modification),
    );
    dirty.extend(
        documents
            .into_iter()
            .filter(|&d| d < new.documents.len())
            .map(PageId::Document),
    );

    // The data files and the calendar show notice links and rows, every modification and every
    // document's history: whatever changes one of those marks the home page, the log, the
    // modification index, a modification or a document dirty above. (A change to a body alone
    // reaches them only through a summary, part of a notice's link, or a mention, which dirties
    // the modification.)
    let whole_model = dirty.iter().any(|p| {
        matches!(
            p,
            PageId::Home
                | PageId::Log
                | PageId::ModificationIndex
                | PageId::Modification(_)
                | PageId::Document(_)
        )
    });
    if whole_model {
        dirty.extend(PageId::WHOLE_MODEL);
    }
    // A modification's or a document's feed shows a subset of what its page shows.
    let feeds: Vec<PageId> = dirty
        .iter()
        .filter_map(|p| match p {
            PageId::Modification(key) => Some(PageId::ModificationFeed(key.clone())),
            PageId::Document(d) => Some(PageId::DocumentFeed(*d)),
            _ => None,
        })
        .collect();
    dirty.extend(feeds);

    let same_structure = !order_changed
        && removed.is_empty()
        && old.notices.len() == new.notices.len()
        && same_keys
        && renamed.is_empty()
        && old.aliases == new.aliases
        && !comparison.page_set_changed
        && changes
            .iter()
            .enumerate()
            .all(|(i, c)| !c.rows && (!c.link || same_place(i)));
    let stale_records = same_structure.then(|| {
        let mut stale = StaleRecords {
            notices: vec![false; new.notices.len()],
            modifications: vec![false; new.modifications.len()],
            documents: vec![false; new.documents.len()],
        };
        for page in &dirty {
            match page {
                PageId::Notice(i) => stale.notices[*i] = true,
                PageId::Modification(key) => {
                    if let Some(position) = new.modifications.position(key) {
                        stale.modifications[position] = true;
                    }
                }
                PageId::Document(d) => stale.documents[*d] = true,
                _ => {}
            }
        }
        stale
    });

    // Free pages: new ones and those whose text or rendering changed.
    let old_pages: HashMap<&str, usize> = old
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.slug.as_str(), i))
        .collect();
    for (i, page) in new.pages.iter().enumerate() {
        let same = old_pages.get(page.slug.as_str()).is_some_and(|&j| {
            Arc::ptr_eq(&old.pages[j], page)
                && Arc::ptr_eq(&comparison.old_pages[j], &comparison.new_pages[i])
        });
        if !same {
            dirty.insert(PageId::Page(i));
        }
    }
    Dirty {
        pages: dirty.into_iter().collect(),
        stale_records,
    }
}

/// What the built-in modification index shows of a notice implementing a modification: whether
/// it is a release, its label (its release, else its title) and its effective date.
fn index_label(notice: &Notice) -> (bool, &str, chrono::NaiveDate) {
    (
        notice.is_releasing(),
        notice
            .source
            .release
            .as_deref()
            .unwrap_or(&notice.source.title),
        notice.effective,
    )
}

/// How notice `j` of the old build differs from notice `i` of the new one.
fn compare_notice(comparison: &Comparison<'_>, j: usize, i: usize) -> NoticeChange {
    let (a, b) = (&comparison.old.notices[j], &comparison.new.notices[i]);
    let (body_a, body_b) = (&comparison.old_bodies[j], &comparison.new_bodies[i]);
    if Arc::ptr_eq(&a.source, &b.source) && Arc::ptr_eq(body_a, body_b) {
        return NoticeChange::default();
    }
    let (x, y) = (&*a.source, &*b.source);
    let summary = |n: &Notice, body: &RenderedMarkdown| -> String {
        n.source
            .summary
            .clone()
            .unwrap_or_else(|| body.first_paragraph.to_string())
    };
    let link = x.title != y.title
        || x.date != y.date
        || a.effective != b.effective
        || x.kind != y.kind
        || x.release != y.release
        || x.sec_version != y.sec_version
        || summary(a, body_a) != summary(b, body_b);
    let rows = a.modification_keys != b.modification_keys
        || x.modifications.len() != y.modifications.len()
        || x.modifications.iter().zip(&y.modifications).any(|(m, n)| {
            (&m.id, &m.title, m.part, &m.status) != (&n.id, &n.title, n.part, &n.status)
        })
        || a.document_rows.len() != b.document_rows.len()
        || a.documents().zip(b.documents()).any(|((d, m), (e, n))| {
            (
                d,
                &m.id,
                &m.title,
                &m.version,
                m.codeworks,
                m.modification,
                m.designation,
            ) != (
                e,
                &n.id,
                &n.title,
                &n.version,
                n.codeworks,
                n.modification,
                n.designation,
            )
        });
    let body = !Arc::ptr_eq(body_a, body_b) && body_a.html != body_b.html || x.extra != y.extra;
    NoticeChange {
        link,
        rows,
        body: body || !(link || rows),
    }
}

/// Where each notice of one build is in the other.
struct NoticeIndex<'a> {
    // Whether both builds have the same notices in the same order: then a notice has one index
    // in both, and no map is needed (the usual case of an edit).
    same_order: bool,
    old: &'a SiteModel,
    new: &'a SiteModel,
    old_by_slug: AHashMap<&'a str, usize>,
    new_by_slug: AHashMap<&'a str, usize>,
}

impl<'a> NoticeIndex<'a> {
    fn new(old: &'a SiteModel, new: &'a SiteModel) -> Self {
        let same_order = old.notices.len() == new.notices.len()
            && old
                .notices
                .iter()
                .zip(&new.notices)
                .all(|(a, b)| a.slug() == b.slug());
        let by_slug = |model: &'a SiteModel| -> AHashMap<&'a str, usize> {
            if same_order {
                return AHashMap::new();
            }
            model
                .notices
                .iter()
                .enumerate()
                .map(|(i, n)| (n.slug(), i))
                .collect()
        };
        NoticeIndex {
            same_order,
            old,
            new,
            old_by_slug: by_slug(old),
            new_by_slug: by_slug(new),
        }
    }

    /// The old index of new notice `i`.
    fn old_of(&self, i: usize) -> Option<usize> {
        if self.same_order {
            return Some(i);
        }
        self.old_by_slug.get(self.new.notices[i].slug()).copied()
    }

    /// The new index of old notice `j`.
    fn new_of(&self, j: usize) -> Option<usize> {
        if self.same_order {
            return Some(j);
        }
        self.new_by_slug.get(self.old.notices[j].slug()).copied()
    }

    /// Whether old notice `j` and new notice `i` are the same notice.
    fn same_notice(&self, j: usize, i: usize) -> bool {
        if self.same_order {
            i == j
        } else {
            self.old.notices[j].slug() == self.new.notices[i].slug()
        }
    }
}

/// Whether a modification's page and every mention of it would render the same.
fn same_modification(a: &Modification, b: &Modification, index: &NoticeIndex<'_>) -> bool {
    let page_same = match (&a.page, &b.page) {
        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
        (None, None) => true,
        _ => false,
    };
    page_same
        && a.id == b.id
        && a.title == b.title
        && a.status == b.status
        && a.appearances.len() == b.appearances.len()
        && a.appearances.iter().zip(&b.appearances).all(|(x, y)| {
            x.row == y.row && x.relation == y.relation && index.same_notice(x.notice, y.notice)
        })
}
