//! The site model: notices, modifications, documents and the Document Log, cross-referenced by
//! stable keys. Pure and deterministic: no files, no templates, no clock but the `as_of` date.

pub mod document;
pub mod ids;
pub mod log;
pub mod modification;
pub mod release;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ahash::AHashMap;
use rayon::prelude::*;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::content::{Content, PageSource};
use crate::diag::{Diagnostic, display_path, nearest};
use document::Document;
use ids::{ModificationKey, is_valid_modification_id};
use log::DocumentLog;
use modification::{
    Appearance, IMPLEMENTED, Modification, Modifications, Relation, RowModifications,
};
use release::Notice;

/// Page slugs that would collide with the site's own sections.
pub const RESERVED_SLUGS: &[&str] = &[
    "releases",
    "modifications",
    "documents",
    "feed",
    "sitemap",
    "robots",
    "404",
    "static",
    "search",
    "api",
];

/// The whole site, ready to render.
#[derive(Debug, Clone)]
pub struct SiteModel {
    /// Notices in chronological order: by date published, then slug.
    pub notices: Vec<Notice>,
    /// The registry, in document order.
    pub documents: Vec<Document>,
    /// Modifications by key: shared with the last build when a rebuild found them as they were.
    pub modifications: Arc<Modifications>,
    /// Every other spelling (alias key) of a modification, to its key.
    pub aliases: BTreeMap<ModificationKey, ModificationKey>,
    /// By notice, the modification each of its rows names.
    pub row_modifications: Arc<RowModifications>,
    /// The Document Log, shared with the last build when a rebuild found it as it was.
    pub log: Arc<DocumentLog>,
    /// Free pages, by slug.
    pub pages: Vec<Arc<PageSource>>,
    /// The build date.
    pub as_of: NaiveDate,
    // What gathering the modifications and building the log were given and found, so the next
    // build can reuse their work when none of it changed (an edit to a body).
    gathered_from: Vec<Arc<crate::content::ModificationSource>>,
    gather_problems: Arc<[Diagnostic]>,
    // The mentions `set_mentions` merged into `modifications`, by notice: a rebuild whose bodies
    // name the same modifications keeps the merged modifications as they are.
    mentions: Vec<Arc<[usize]>>,
}

impl SiteModel {
    /// Builds the model from `content`, checking every cross-reference. Notices marked as drafts
    /// are left out unless `include_drafts`.
    pub fn build(
        content: Content,
        as_of: NaiveDate,
        include_drafts: bool,
        previous: Option<&SiteModel>,
    ) -> (SiteModel, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut documents: Vec<Document> = content
            .documents
            .iter()
            .map(Document::from_source)
            .collect();
        documents.sort_by(Document::order);
        let document_index: AHashMap<&str, usize> = documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.as_str(), i))
            .collect();

        let mut sources: Vec<_> = content
            .notices
            .into_iter()
            .filter(|n| include_drafts || !n.draft)
            .collect();
        sources.sort_by(|a, b| (a.date, &a.slug, &a.rel_path).cmp(&(b.date, &b.slug, &b.rel_path)));
        // The first notice of each slug (by date) keeps it; later ones are errors.
        let mut first_by_slug: AHashMap<&str, usize> = AHashMap::with_capacity(sources.len());
        let mut first_of: Vec<Option<usize>> = vec![None; sources.len()];
        for (index, source) in sources.iter().enumerate() {
            match first_by_slug.get(source.slug.as_str()) {
                Some(&first) => first_of[index] = Some(first),
                None => {
                    first_by_slug.insert(&source.slug, index);
                }
            }
        }
        drop(first_by_slug);
        let paths: Vec<std::path::PathBuf> = first_of
            .iter()
            .map(|first| {
                first
                    .map(|f| sources[f].rel_path.clone())
                    .unwrap_or_default()
            })
            .collect();
        // A notice depends only on its file and the registry: reuse those a previous build made
        // from the same parse of the same file.
        // Keyed by the address of the parsed source.
        let reusable: AHashMap<usize, &Notice> = previous
            .filter(|p| p.documents == documents)
            .map(|p| {
                p.notices
                    .iter()
                    .map(|n| (Arc::as_ptr(&n.source) as usize, n))
                    .collect()
            })
            .unwrap_or_default();
        // Each notice is made from its source and the registry alone: on every core.
        let built: Vec<Result<Notice, Diagnostic>> = sources
            .into_par_iter()
            .enumerate()
            .map(|(index, source)| {
                if first_of[index].is_some() {
                    return Err(Diagnostic::error(
                        "duplicate-slug",
                        source.span.clone(),
                        format!(
                            "two notices have the slug `{}`: this one and {}",
                            source.slug,
                            display_path(&paths[index])
                        ),
                    )
                    .with_help("rename one of the files: the file stem is the notice's URL"));
                }
                Ok(match reusable.get(&(Arc::as_ptr(&source) as usize)) {
                    Some(&notice) => notice.clone(),
                    None => build_notice(source, &document_index, &documents),
                })
            })
            .collect();
        let mut notices = Vec::with_capacity(built.len());
        for notice in built {
            match notice {
                Ok(notice) => {
                    diagnostics.extend(notice.problems.iter().cloned());
                    notices.push(notice);
                }
                Err(duplicate) => diagnostics.push(duplicate),
            }
        }

        let mut gathered_from = content.modifications;
        gathered_from.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        let reused = previous
            .filter(|p| p.documents == documents && same_gather_input(p, &gathered_from, &notices));
        let (modifications, aliases, row_modifications, log, gather_problems, mentions) =
            match reused {
                // Only bodies changed: the modifications (with the mentions of the last build's
                // bodies, which `set_mentions` updates) and the log are as they were.
                Some(previous) => (
                    Arc::clone(&previous.modifications),
                    previous.aliases.clone(),
                    Arc::clone(&previous.row_modifications),
                    Arc::clone(&previous.log),
                    Arc::clone(&previous.gather_problems),
                    previous.mentions.clone(),
                ),
                None => {
                    // Both read the notices alone: gather the modifications and build the log side
                    // by side.
                    let mut problems = Vec::new();
                    let ((modifications, aliases, rows), (log, log_problems)) = rayon::join(
                        || {
                            gather_modifications(
                                gathered_from.clone(),
                                &notices,
                                documents.len(),
                                &mut problems,
                            )
                        },
                        || DocumentLog::build(&notices, documents.len()),
                    );
                    problems.extend(log_problems);
                    (
                        Arc::new(modifications),
                        aliases,
                        Arc::new(rows),
                        Arc::new(log),
                        Arc::from(problems),
                        Vec::new(),
                    )
                }
            };
        diagnostics.extend(gather_problems.iter().cloned());

        let mut pages = Vec::new();
        for page in content.pages {
            if page.draft && !include_drafts {
                continue;
            }
            if RESERVED_SLUGS.contains(&page.slug.as_str()) {
                diagnostics.push(
                    Diagnostic::error(
                        "reserved-slug",
                        crate::diag::Span::file_start(&page.rel_path),
                        format!("the page slug `{}` is used by the site itself", page.slug),
                    )
                    .with_help("rename the file"),
                );
                continue;
            }
            pages.push(page);
        }
        pages.sort_by(|a, b| a.slug.cmp(&b.slug));

        let model = SiteModel {
            notices,
            documents,
            modifications,
            aliases,
            row_modifications,
            log,
            pages,
            as_of,
            gathered_from,
            gather_problems,
            mentions,
        };
        (model, diagnostics)
    }

    /// Every id and alias key, to the key of the modification it names.
    pub fn known_ids(&self) -> HashMap<ModificationKey, ModificationKey> {
        self.modifications
            .keys()
            .map(|k| (k.clone(), k.clone()))
            .chain(self.aliases.iter().map(|(a, k)| (a.clone(), k.clone())))
            .collect()
    }

    /// Lets go of the Markdown of every notice whose source nothing else holds: a build into a
    /// folder does this once the notice pages are written, since nothing renders them again.
    pub fn forget_notice_bodies(&mut self) {
        let empty: Arc<str> = Arc::from("");
        for notice in &mut self.notices {
            if let Some(source) = Arc::get_mut(&mut notice.source) {
                source.body = Arc::clone(&empty);
            }
        }
    }

    /// The positions (in key order) of the modifications of `keys` that the site has.
    pub fn mention_positions(&self, keys: &BTreeSet<ModificationKey>) -> Vec<usize> {
        keys.iter()
            .filter_map(|key| self.modifications.position(key))
            .collect()
    }

    /// Records the modifications each notice names in its body: `mentions` yields the positions
    /// (from `mention_positions`) of notice 0, then of notice 1, and so on. A notice that lists a
    /// modification is not also recorded as mentioning it.
    pub fn add_mentions<'m>(&mut self, mentions: impl IntoIterator<Item = &'m [usize]>) {
        Self::merge_mentions(Arc::make_mut(&mut self.modifications), mentions);
    }

    /// Makes the modifications' mentions those of `mentions` (as for `add_mentions`), replacing
    /// any a rebuild took over from the last build. When they are the same (most rebuilds: the
    /// edited body names what it named), the modifications stay as they are, shared.
    pub fn set_mentions(&mut self, mentions: Vec<Arc<[usize]>>) {
        let same = self.mentions.len() == mentions.len()
            && self
                .mentions
                .iter()
                .zip(&mentions)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b);
        if same {
            return;
        }
        let modifications = Arc::make_mut(&mut self.modifications);
        if !self.mentions.is_empty() {
            modifications.forget_mentions();
        }
        Self::merge_mentions(modifications, mentions.iter().map(|p| &p[..]));
        self.mentions = mentions;
    }

    fn merge_mentions<'m>(
        modifications: &mut Modifications,
        mentions: impl IntoIterator<Item = &'m [usize]>,
    ) {
        // The notices naming each modification, gathered in notice order (so sorted), then
        // merged into its appearances (sorted by notice) in one pass: a rebuild does this for
        // every notice.
        let mut naming: Vec<Vec<usize>> = vec![Vec::new(); modifications.len()];
        for (notice, positions) in mentions.into_iter().enumerate() {
            for &position in positions {
                let list = &mut naming[position];
                if list.last() != Some(&notice) {
                    list.push(notice);
                }
            }
        }
        // Each modification's merge is its own: they run in parallel.
        modifications.par_update(|position, modification| {
            let notices = &naming[position];
            if notices.is_empty() {
                return;
            }
            let listed = std::mem::take(&mut modification.appearances);
            let mut merged = Vec::with_capacity(listed.len() + notices.len());
            let mut listed = listed.into_iter().peekable();
            for &notice in notices {
                while let Some(appearance) = listed.next_if(|a| a.notice < notice) {
                    merged.push(appearance);
                }
                if listed.peek().is_none_or(|a| a.notice != notice) {
                    merged.push(Appearance {
                        notice,
                        row: None,
                        part: None,
                        status: None,
                        relation: Relation::Mentioned,
                    });
                }
            }
            merged.extend(listed);
            modification.appearances = merged;
        });
    }

    /// The notices of releasing kinds that implemented modification `key`, oldest first.
    pub fn implementing_notices(&self, key: &ModificationKey) -> Vec<usize> {
        self.modifications.get(key).map_or_else(Vec::new, |m| {
            m.appearances
                .iter()
                .filter(|a| a.relation == Relation::Implemented)
                .map(|a| a.notice)
                .collect()
        })
    }

    /// The documents changed by the releases that implemented modification `key`, in document order.
    pub fn documents_touched(&self, key: &ModificationKey) -> &[u32] {
        self.modifications
            .get(key)
            .map_or(&[], |m| &m.documents_touched)
    }
}

fn build_notice(
    source: Arc<crate::content::NoticeSource>,
    document_index: &AHashMap<&str, usize>,
    documents: &[Document],
) -> Notice {
    let mut problems = Vec::new();
    let diagnostics = &mut problems;
    let effective = source.effective.unwrap_or(source.date);
    if source.effective.is_some_and(|e| e < source.date) {
        diagnostics.push(
            Diagnostic::warning(
                "effective-before-date",
                source.effective_span.clone(),
                format!(
                    "`effective` ({effective}) is before `date` ({})",
                    source.date
                ),
            )
            .with_help(
                "check the dates: a notice usually takes effect on or after it is published",
            ),
        );
    }
    if source.kind.is_releasing() && source.modifications.is_empty() && source.documents.is_empty()
    {
        diagnostics.push(Diagnostic::warning(
            "empty-release",
            source.span.clone(),
            format!("this {} lists no modification and no document", source.kind.label().to_lowercase()),
        ).with_help("list what it changes under `modifications:` and `documents:`, or make it `kind: news`"));
    }
    let mut modification_keys = Vec::with_capacity(source.modifications.len());
    for row in &source.modifications {
        if !is_valid_modification_id(&row.id) {
            diagnostics.push(
                Diagnostic::error(
                    "bad-modification-id",
                    row.span.clone(),
                    format!("`{}` is not a valid modification id", row.id),
                )
                .with_help("use letters and digits, such as MP102A or SECMP0062"),
            );
        }
        modification_keys.push(ModificationKey::from_id(&row.id));
    }
    let mut rows = Vec::with_capacity(source.documents.len());
    for (row_index, row) in source.documents.iter().enumerate() {
        match document_index.get(row.id.as_str()) {
            Some(&index) => {
                if rows.iter().any(|(i, _)| *i == index) {
                    diagnostics.push(Diagnostic::error(
                        "duplicate-document-row",
                        row.span.clone(),
                        format!("document `{}` is listed twice in this notice", row.id),
                    ));
                    continue;
                }
                rows.push((index, row_index));
            }
            None => {
                let mut problem = Diagnostic::error(
                    "unknown-document",
                    row.span.clone(),
                    format!(
                        "unknown document id `{}`: it is not in content/documents.yaml",
                        row.id
                    ),
                );
                if let Some(guess) = nearest(&row.id, documents.iter().map(|d| d.id.as_str())) {
                    problem = problem.with_help(format!("did you mean `{guess}`?"));
                } else {
                    problem = problem.with_help("add the document to content/documents.yaml");
                }
                diagnostics.push(problem);
            }
        }
    }
    Notice {
        source,
        effective,
        modification_keys: modification_keys.into(),
        document_rows: rows.into(),
        problems: problems.into(),
    }
}

/// A modification being gathered: the first title a notice lists it with (and that notice's
/// slug), and its number in the order it was met.
type Gathered = (Modification, Option<(String, String)>, u32);

type ModificationMaps = (
    Modifications,
    BTreeMap<ModificationKey, ModificationKey>,
    RowModifications,
);

/// The statuses of the notices' rows, each numbered once as it is first met.
#[derive(Default)]
struct StatusNumbers {
    numbers: AHashMap<Box<str>, u16>,
    list: Vec<Box<str>>,
}

impl StatusNumbers {
    fn number(&mut self, status: &str) -> u16 {
        if let Some(&number) = self.numbers.get(status) {
            return number;
        }
        let number = u16::try_from(self.list.len()).expect("fewer than 65,536 statuses");
        self.numbers.insert(status.into(), number);
        self.list.push(status.into());
        number
    }
}

/// The documents each modification's implementing releases changed, gathered as the notices
/// are read: a set of document bits per modification, by the number it was met with.
struct DocumentSets {
    // Words of 64 documents a set.
    words: usize,
    sets: Vec<u64>,
    // The documents of the notice being read, once a row of it implements a modification.
    notice: Vec<u64>,
    notice_read: bool,
}

impl DocumentSets {
    fn new(documents: usize) -> Self {
        let words = documents.div_ceil(64);
        DocumentSets {
            words,
            sets: Vec::new(),
            notice: vec![0; words],
            notice_read: false,
        }
    }

    /// Starts on the next notice.
    fn next_notice(&mut self) {
        self.notice_read = false;
    }

    /// Adds the documents `notice` (the notice being read) changes to the set of modification
    /// `number`.
    fn add(&mut self, notice: &Notice, number: u32) {
        if !self.notice_read {
            self.notice.fill(0);
            for &(document, _) in notice.document_rows.iter() {
                self.notice[document / 64] |= 1 << (document % 64);
            }
            self.notice_read = true;
        }
        let start = number as usize * self.words;
        if self.sets.len() < start + self.words {
            self.sets.resize(start + self.words, 0);
        }
        for (set, notice) in self.sets[start..start + self.words]
            .iter_mut()
            .zip(&self.notice)
        {
            *set |= notice;
        }
    }

    /// The documents in the set of modification `number`, in document order.
    fn of(&self, number: u32) -> Box<[u32]> {
        let start = number as usize * self.words;
        let Some(set) = self.sets.get(start..start + self.words) else {
            return Box::default();
        };
        let mut documents = Vec::new();
        for (word_index, &word) in set.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                documents.push(word_index as u32 * 64 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
        documents.into_boxed_slice()
    }
}

/// Whether gathering the modifications and building the log would find what they found for
/// `previous`: the same modification pages, and notices alike in everything but their bodies (and
/// what only their own pages show).
fn same_gather_input(
    previous: &SiteModel,
    pages: &[Arc<crate::content::ModificationSource>],
    notices: &[Notice],
) -> bool {
    previous.gathered_from.len() == pages.len()
        && previous
            .gathered_from
            .iter()
            .zip(pages)
            .all(|(a, b)| Arc::ptr_eq(a, b))
        && previous.notices.len() == notices.len()
        && previous.notices.iter().zip(notices).all(|(a, b)| {
            let (x, y) = (&*a.source, &*b.source);
            Arc::ptr_eq(&a.source, &b.source)
                || (x.slug == y.slug
                    && x.kind == y.kind
                    && x.date == y.date
                    && a.effective == b.effective
                    && x.modifications == y.modifications
                    && x.documents == y.documents
                    && a.modification_keys == b.modification_keys
                    && a.document_rows == b.document_rows)
        })
}

fn gather_modifications(
    pages: Vec<Arc<crate::content::ModificationSource>>,
    notices: &[Notice],
    documents: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> ModificationMaps {
    // A hash map while gathering (one lookup per row of every notice), sorted once at the end.
    let mut modifications: AHashMap<ModificationKey, Modification> = AHashMap::new();
    let mut aliases: BTreeMap<ModificationKey, ModificationKey> = BTreeMap::new();
    let mut pages = pages;
    pages.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    for page in pages {
        if !is_valid_modification_id(&page.id) {
            diagnostics.push(
                Diagnostic::error(
                    "bad-modification-id",
                    page.id_span.clone(),
                    format!("`{}` is not a valid modification id", page.id),
                )
                .with_help("use letters and digits, such as MP102A or SECMP0062"),
            );
            continue;
        }
        let key = ModificationKey::from_id(&page.id);
        if let Some(existing) = modifications.get(&key) {
            let first = existing
                .page
                .as_ref()
                .map(|p| display_path(&p.rel_path))
                .unwrap_or_default();
            diagnostics.push(Diagnostic::error(
                "duplicate-modification",
                page.id_span.clone(),
                format!(
                    "two modification pages have the id `{}`: this one and {first}",
                    page.id
                ),
            ).with_help("ids compare without case and inner spaces: merge the two pages, or correct one id"));
            continue;
        }
        modifications.insert(
            key.clone(),
            Modification {
                key: key.clone(),
                id: page.id.clone(),
                title: page.title.clone(),
                status: page.status.clone(),
                page: Some(page),
                appearances: Vec::new(),
                documents_touched: Box::default(),
            },
        );
    }
    // Aliases after all pages, so an alias that is another page's id is caught whatever the order.
    let mut with_pages: Vec<&Modification> = modifications.values().collect();
    with_pages.sort_by(|a, b| a.key.cmp(&b.key));
    for modification in with_pages {
        let page = modification.page.as_ref().expect("pages only so far");
        for (alias, span) in &page.aliases {
            let alias_key = ModificationKey::from_id(alias);
            if alias_key == modification.key {
                continue;
            }
            if modifications.contains_key(&alias_key) || aliases.contains_key(&alias_key) {
                diagnostics.push(
                    Diagnostic::error(
                        "duplicate-modification",
                        span.clone(),
                        format!("the alias `{alias}` already names another modification"),
                    )
                    .with_help("remove the alias: an id or alias names one modification only"),
                );
                continue;
            }
            aliases.insert(alias_key, modification.key.clone());
        }
    }

    // The first title each key is listed with (and the notice's slug), to warn when notices
    // disagree; kept beside the modification so each row costs one lookup.
    // Each modification is numbered as it is first met, and each row keeps the number of its
    // modification: once the modifications are sorted, the numbers become positions.
    let mut gathered: AHashMap<ModificationKey, Gathered> = modifications
        .into_iter()
        .enumerate()
        .map(|(number, (key, modification))| (key, (modification, None, number as u32)))
        .collect();
    let mut row_numbers: Vec<u32> = Vec::new();
    let mut row_starts: Vec<usize> = Vec::with_capacity(notices.len() + 1);
    let alias_of: AHashMap<&ModificationKey, &ModificationKey> = aliases.iter().collect();
    let mut statuses = StatusNumbers::default();
    let mut touched = DocumentSets::new(documents);
    for (notice_index, notice) in notices.iter().enumerate() {
        row_starts.push(row_numbers.len());
        touched.next_notice();
        for (row_index, row) in notice.source.modifications.iter().enumerate() {
            let written_key = &notice.modification_keys[row_index];
            let key: &ModificationKey = if alias_of.is_empty() {
                written_key
            } else {
                alias_of.get(written_key).copied().unwrap_or(written_key)
            };
            let next_number = gathered.len() as u32;
            let (entry, first_title, number) = match gathered.get_mut(key) {
                Some(entry) => entry,
                None => gathered.entry(key.clone()).or_insert((
                    Modification {
                        key: key.clone(),
                        id: row.id.clone(),
                        title: None,
                        status: None,
                        page: None,
                        appearances: Vec::new(),
                        documents_touched: Box::default(),
                    },
                    None,
                    next_number,
                )),
            };
            row_numbers.push(*number);
            let number = *number;
            if let Some(title) = &row.title {
                match first_title {
                    Some((first, slug))
                        if first != title && normalize_title(first) != normalize_title(title) =>
                    {
                        diagnostics.push(
                            Diagnostic::warning(
                                "title-mismatch",
                                row.span.clone(),
                                format!(
                                    "`{}` is listed as “{title}” here but as “{first}” in `{slug}`",
                                    row.id
                                ),
                            )
                            .with_help("use one title for a modification in every notice"),
                        );
                    }
                    Some(_) => {}
                    None => {
                        *first_title = Some((title.clone(), notice.slug().to_string()));
                    }
                }
            }
            let status: Option<&str> = row
                .status
                .as_deref()
                .or_else(|| notice.is_releasing().then_some(IMPLEMENTED));
            let relation = if notice.is_releasing()
                && status.is_some_and(|s| s.eq_ignore_ascii_case(IMPLEMENTED))
            {
                Relation::Implemented
            } else {
                Relation::Listed
            };
            if entry.page.is_none() {
                // Later notices win; assign only on a difference, so equal titles cost nothing.
                if row.title.is_some() && entry.title != row.title {
                    entry.title = row.title.clone();
                }
                if notice.is_releasing() && status.is_some() && entry.status.as_deref() != status {
                    entry.status = status.map(str::to_string);
                }
            }
            // Notices are visited in order, so a notice already listed is the last one.
            if entry
                .appearances
                .last()
                .is_none_or(|a| a.notice != notice_index)
            {
                // A notice's documents count when its appearance implements the modification:
                // the notice's first row naming it decides, as it decides the relation shown.
                if relation == Relation::Implemented {
                    touched.add(notice, number);
                }
                entry.appearances.push(Appearance {
                    notice: notice_index,
                    row: Some(u32::try_from(row_index).expect("fewer than 4 billion rows")),
                    part: row.part,
                    status: status.map(|status| statuses.number(status)),
                    relation,
                });
            }
        }
    }
    row_starts.push(row_numbers.len());
    let mut numbered: Vec<(Modification, u32)> = gathered
        .into_values()
        .map(|(mut modification, _, number)| {
            modification.documents_touched = touched.of(number);
            (modification, number)
        })
        .collect();
    numbered.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    let mut position_of_number = vec![0u32; numbered.len()];
    for (position, (_, number)) in numbered.iter().enumerate() {
        position_of_number[*number as usize] = position as u32;
    }
    let mut rows = RowModifications::with_capacity(notices.len(), row_numbers.len());
    for bounds in row_starts.windows(2) {
        rows.push_notice(
            row_numbers[bounds[0]..bounds[1]]
                .iter()
                .map(|&number| position_of_number[number as usize]),
        );
    }
    (
        Modifications::from_unsorted(
            numbered.into_iter().map(|(m, _)| m).collect(),
            statuses.list,
        ),
        aliases,
        rows,
    )
}

/// Titles compared without regard to quotes, dashes and spacing, which drift between notices.
fn normalize_title(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
