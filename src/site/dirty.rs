//! Which pages a rebuild must render again: the pages whose data may differ between the last good
//! build and this one. A page left out must come out byte-identical to a full build; the
//! incremental tests hold this module to that.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::markdown::RenderedMarkdown;
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::model::modification::Modification;
use crate::render::{PageId, Renderer};

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
}

/// The pages of the new build that must be rendered again.
pub fn dirty_pages(comparison: &Comparison<'_>, renderer: &Renderer<'_>) -> Vec<PageId> {
    let Comparison { old, new, .. } = comparison;
    let old_index: HashMap<&str, usize> = old
        .notices
        .iter()
        .enumerate()
        .map(|(i, n)| (n.slug(), i))
        .collect();
    let new_index: HashMap<&str, usize> = new
        .notices
        .iter()
        .enumerate()
        .map(|(i, n)| (n.slug(), i))
        .collect();

    // Notices whose own data changed (or that are new), by new index; and notices gone.
    let changed: BTreeSet<usize> = (0..new.notices.len())
        .filter(|&i| match old_index.get(new.notices[i].slug()) {
            None => true,
            Some(&j) => {
                !Arc::ptr_eq(&old.notices[j].source, &new.notices[i].source)
                    || !Arc::ptr_eq(&comparison.old_bodies[j], &comparison.new_bodies[i])
            }
        })
        .collect();
    let removed: Vec<usize> = (0..old.notices.len())
        .filter(|&j| !new_index.contains_key(old.notices[j].slug()))
        .collect();
    let order_changed = !removed.is_empty() || old.notices.len() != new.notices.len() || {
        old.notices
            .iter()
            .zip(&new.notices)
            .any(|(a, b)| a.slug() != b.slug())
    };

    let mut dirty: BTreeSet<PageId> = BTreeSet::new();
    for page in [PageId::Home, PageId::Log, PageId::Feed, PageId::Sitemap] {
        dirty.insert(page);
    }

    // A notice page shows its neighbours: new or moved neighbours, or neighbours that changed.
    let neighbour_slugs = |model: &SiteModel, i: usize| {
        (
            i.checked_sub(1)
                .map(|p| model.notices[p].slug().to_string()),
            model.notices.get(i + 1).map(|n| n.slug().to_string()),
        )
    };
    for i in 0..new.notices.len() {
        let moved = match old_index.get(new.notices[i].slug()) {
            None => true,
            Some(&j) => order_changed && neighbour_slugs(old, j) != neighbour_slugs(new, i),
        };
        let neighbour_changed =
            i.checked_sub(1).is_some_and(|p| changed.contains(&p)) || changed.contains(&(i + 1));
        if moved || neighbour_changed || changed.contains(&i) {
            dirty.insert(PageId::Notice(i));
        }
    }

    // Listings: every page when notices moved between pages, else the pages of changed notices.
    if order_changed {
        dirty.extend((1..=renderer.listing_pages()).map(PageId::Listing));
    } else {
        dirty.extend(
            changed
                .iter()
                .map(|&i| PageId::Listing(renderer.listing_of(i))),
        );
    }

    // Modifications whose gathered data differ, and those that name a changed notice.
    let mut modifications: BTreeSet<ModificationKey> = BTreeSet::new();
    for key in old.modifications.keys().chain(new.modifications.keys()) {
        let same = match (old.modifications.get(key), new.modifications.get(key)) {
            (Some(a), Some(b)) => same_modification(a, old, b, new),
            _ => false,
        };
        if !same {
            modifications.insert(key.clone());
        }
    }
    let mut documents: BTreeSet<String> = BTreeSet::new();
    let mut notice_modifications =
        |model: &SiteModel, i: usize, out: &mut BTreeSet<ModificationKey>| {
            for key in &model.notices[i].modification_keys {
                out.insert(model.aliases.get(key).unwrap_or(key).clone());
            }
            for (d, _) in &model.notices[i].documents {
                documents.insert(model.documents[*d].id.clone());
            }
        };
    let mut touched = BTreeSet::new();
    for &i in &changed {
        notice_modifications(new, i, &mut touched);
        if let Some(&j) = old_index.get(new.notices[i].slug()) {
            notice_modifications(old, j, &mut touched);
        }
    }
    for &j in &removed {
        notice_modifications(old, j, &mut touched);
    }
    // Mentions are not in `modification_keys`: find them through the appearances.
    for modification in new.modifications.values() {
        if modification
            .appearances
            .iter()
            .any(|a| changed.contains(&a.notice))
        {
            touched.insert(modification.key.clone());
        }
    }
    let titles_changed = !modifications.is_empty();
    modifications.extend(touched);
    if titles_changed || !changed.is_empty() || !removed.is_empty() {
        dirty.insert(PageId::ModificationIndex);
    }

    // Notices and documents that print a changed modification's title or id.
    let mut notices_of_changed_modifications: HashSet<usize> = HashSet::new();
    for key in &modifications {
        if let Some(modification) = new.modifications.get(key) {
            for appearance in &modification.appearances {
                if appearance.row.is_some() {
                    notices_of_changed_modifications.insert(appearance.notice);
                }
            }
        }
    }
    // Rows that named a modification which is gone (an id that became another's alias).
    for key in &modifications {
        if new.modifications.contains_key(key) {
            continue;
        }
        if let Some(modification) = old.modifications.get(key) {
            for appearance in &modification.appearances {
                if let Some(&i) = new_index.get(old.notices[appearance.notice].slug()) {
                    notices_of_changed_modifications.insert(i);
                }
            }
        }
    }
    // `related` links exist only to modifications of the site: the set of ids matters to them.
    let ids_changed = old.modifications.len() != new.modifications.len()
        || old
            .modifications
            .keys()
            .zip(new.modifications.keys())
            .any(|(a, b)| a != b);
    if ids_changed {
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
    for &i in &notices_of_changed_modifications {
        dirty.insert(PageId::Notice(i));
        for (d, _) in &new.notices[i].documents {
            documents.insert(new.documents[*d].id.clone());
        }
    }
    dirty.extend(
        modifications
            .into_iter()
            .filter(|k| new.modifications.contains_key(k))
            .map(PageId::Modification),
    );
    dirty.extend(
        new.documents
            .iter()
            .enumerate()
            .filter(|(_, d)| documents.contains(&d.id))
            .map(|(i, _)| PageId::Document(i)),
    );

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
    dirty.into_iter().collect()
}

/// Whether a modification's page and every mention of it would render the same.
fn same_modification(a: &Modification, old: &SiteModel, b: &Modification, new: &SiteModel) -> bool {
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
            x.row == y.row
                && x.relation == y.relation
                && old.notices[x.notice].slug() == new.notices[y.notice].slug()
        })
}
