//! The Markdown stage of a build: every body rendered once and kept, re-rendered only when its
//! text changed or when a modification id it names (or could name) now leads elsewhere.

use std::collections::HashSet;
use std::sync::Arc;

use ahash::AHashMap;
use rayon::prelude::*;

use crate::check::BodyLinks;
use crate::content::NoticeSource;
use crate::markdown::{LinkContext, RenderedMarkdown, render_markdown};
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::render::Bodies;
use crate::render::views::Urls;

/// A body to render: its text and the line of its file where it starts.
type BodyInput = (Arc<str>, usize);

/// One rendered body and the text it came from.
#[derive(Debug, Clone)]
struct CachedBody {
    text: Arc<str>,
    first_line: usize,
    rendered: Arc<RenderedMarkdown>,
}

impl CachedBody {
    /// Whether this is the rendering of `input`: the same text (the content store keeps the same
    /// `Arc` until the file changes, and a file whose front matter changed has the same body
    /// again) from the same line.
    fn renders(&self, (text, first_line): &BodyInput) -> bool {
        self.first_line == *first_line && (Arc::ptr_eq(&self.text, text) || self.text == *text)
    }
}

/// A notice's body as the last build had it, with what followed from it.
#[derive(Debug, Clone)]
struct CachedNotice {
    body: CachedBody,
    // The positions of the modifications the body mentions, valid while the site has the same
    // modifications (`BodyCache::context`).
    mentions: Arc<[usize]>,
    // The notice's `summary` as written, and what it summarises to.
    summary_source: Option<Arc<str>>,
    summary: Arc<str>,
}

/// What the Markdown of the last build linked modification ids to, and what it was made from:
/// made again only when the modifications' keys or aliases, or the base path, change.
#[derive(Debug)]
struct CachedContext {
    keys: Vec<ModificationKey>,
    aliases: std::collections::BTreeMap<ModificationKey, ModificationKey>,
    base_path: String,
    context: Arc<LinkContext>,
}

/// Rendered bodies kept between builds, in the order of the last build's notices, modification
/// pages and free pages: a rebuild finds a body where it was, and looks one up by its text only
/// when notices came, went or moved.
#[derive(Debug, Default)]
pub struct BodyCache {
    context: Option<CachedContext>,
    notices: Vec<CachedNotice>,
    modifications: Vec<CachedBody>,
    pages: Vec<CachedBody>,
}

/// Where a rendered body is shown.
#[derive(Debug, Clone)]
pub enum BodySource {
    /// Notice `i` of the model.
    Notice(usize),
    /// A modification's page.
    Modification(ModificationKey),
    /// Free page `i` of the model.
    Page(usize),
}

/// The rendered bodies of one build, with what the later stages need of them.
#[derive(Debug, Clone, Default)]
pub struct RenderedBodies {
    /// HTML and summaries for the templates.
    pub bodies: Bodies,
    /// Each notice's rendering, by notice index (the same `Arc` when it was reused).
    pub notices: Vec<Arc<RenderedMarkdown>>,
    /// Each free page's rendering, by page index.
    pub pages: Vec<Arc<RenderedMarkdown>>,
    /// Each modification page's rendering, in key order.
    modifications: Vec<(ModificationKey, Arc<RenderedMarkdown>)>,
    /// The bodies rendered anew in this build.
    fresh: Vec<BodySource>,
}

impl RenderedBodies {
    /// The links to check: of every body, or only of those rendered anew.
    pub fn links_to_check(&self, model: &SiteModel, only_fresh: bool) -> Vec<BodyLinks> {
        if only_fresh {
            return self
                .fresh
                .iter()
                .filter_map(|source| body_links(model, source, self.rendering(source)?))
                .collect();
        }
        let notices = self.notices.iter().enumerate();
        let notices = notices.map(|(i, body)| (BodySource::Notice(i), Arc::clone(body)));
        let modifications = self
            .modifications
            .iter()
            .map(|(key, body)| (BodySource::Modification(key.clone()), Arc::clone(body)));
        let pages = self.pages.iter().enumerate();
        let pages = pages.map(|(i, body)| (BodySource::Page(i), Arc::clone(body)));
        notices
            .chain(modifications)
            .chain(pages)
            .filter_map(|(source, body)| body_links(model, &source, body))
            .collect()
    }

    fn rendering(&self, source: &BodySource) -> Option<Arc<RenderedMarkdown>> {
        match source {
            BodySource::Notice(i) => self.notices.get(*i).cloned(),
            BodySource::Page(i) => self.pages.get(*i).cloned(),
            BodySource::Modification(key) => self
                .modifications
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, body)| Arc::clone(body)),
        }
    }
}

impl BodyCache {
    /// Renders every body of `model`, reusing what is still valid, and records the mentions of
    /// modifications in the model.
    pub fn render(
        &mut self,
        model: &mut SiteModel,
        urls: &Urls,
        base_path: &str,
    ) -> RenderedBodies {
        let (context, retargeted, same_keys) = self.link_context(model, urls, base_path);

        let notice_inputs: Vec<BodyInput> = model
            .notices
            .iter()
            .map(|n| (n.source.body.clone(), n.source.body_line))
            .collect();
        let modification_pages: Vec<(ModificationKey, BodyInput)> = model
            .modifications
            .values()
            .filter_map(|m| {
                let page = m.page.as_ref()?;
                Some((m.key.clone(), (page.body.clone(), page.body_line)))
            })
            .collect();
        let modification_inputs: Vec<BodyInput> = modification_pages
            .iter()
            .map(|(_, input)| input.clone())
            .collect();
        let page_inputs: Vec<BodyInput> = model
            .pages
            .iter()
            .map(|p| (p.body.clone(), p.body_line))
            .collect();

        let old_notices: Vec<&CachedBody> = self.notices.iter().map(|n| &n.body).collect();
        let notices = render_all(&notice_inputs, &old_notices, &context, &retargeted);
        let modifications = render_kept(
            &modification_inputs,
            &self.modifications,
            &context,
            &retargeted,
        );
        let pages = render_kept(&page_inputs, &self.pages, &context, &retargeted);
        let notices = self.kept_notices(model, &notice_inputs, notices, same_keys);
        model.set_mentions(
            notices
                .iter()
                .map(|(n, _)| Arc::clone(&n.mentions))
                .collect(),
        );

        let mut result = RenderedBodies::default();
        result.bodies.summaries.reserve(notices.len());
        result.bodies.notices.reserve(notices.len());
        result.notices.reserve(notices.len());
        for (index, (notice, fresh)) in notices.iter().enumerate() {
            result.bodies.summaries.push(Arc::clone(&notice.summary));
            result
                .bodies
                .notices
                .push(Arc::clone(&notice.body.rendered.html));
            result.notices.push(Arc::clone(&notice.body.rendered));
            if *fresh {
                result.fresh.push(BodySource::Notice(index));
            }
        }
        for ((key, _), (body, fresh)) in modification_pages.into_iter().zip(&modifications) {
            let rendered = &body.rendered;
            result
                .bodies
                .modifications
                .insert(key.clone(), Arc::clone(&rendered.html));
            if *fresh {
                result.fresh.push(BodySource::Modification(key.clone()));
            }
            result.modifications.push((key, Arc::clone(rendered)));
        }
        for (index, (body, fresh)) in pages.iter().enumerate() {
            result.bodies.pages.push(Arc::clone(&body.rendered.html));
            result.pages.push(Arc::clone(&body.rendered));
            if *fresh {
                result.fresh.push(BodySource::Page(index));
            }
        }
        self.notices = notices.into_iter().map(|(notice, _)| notice).collect();
        self.modifications = modifications.into_iter().map(|(body, _)| body).collect();
        self.pages = pages.into_iter().map(|(body, _)| body).collect();
        result
    }

    /// The link context for `model`: the last build's when the modifications' keys and aliases
    /// and the base path are as they were; with the ids that now lead elsewhere, and whether the
    /// keys are the same.
    fn link_context(
        &mut self,
        model: &SiteModel,
        urls: &Urls,
        base_path: &str,
    ) -> (Arc<LinkContext>, HashSet<ModificationKey>, bool) {
        let same_keys = self.context.as_ref().is_some_and(|cached| {
            cached.keys.len() == model.modifications.len()
                && cached
                    .keys
                    .iter()
                    .zip(model.modifications.keys())
                    .all(|(a, b)| a == b)
        });
        if let Some(cached) = &self.context
            && same_keys
            && cached.base_path == base_path
            && cached.aliases == model.aliases
        {
            return (Arc::clone(&cached.context), HashSet::new(), true);
        }
        let context = link_context(model, urls, base_path);
        let retargeted: HashSet<ModificationKey> = match &self.context {
            // Every cached body was rendered with another base path: none is reused.
            Some(cached) if cached.base_path != base_path => HashSet::new(),
            Some(cached) => {
                let (old, new) = (&cached.context.modifications, &context.modifications);
                let changed = new.iter().filter(|(written, (_, url))| {
                    old.get(*written).is_none_or(|(_, old_url)| old_url != url)
                });
                let gone = old.keys().filter(|written| !new.contains_key(*written));
                changed
                    .map(|(written, _)| written)
                    .chain(gone)
                    .cloned()
                    .collect()
            }
            None => HashSet::new(),
        };
        if self
            .context
            .as_ref()
            .is_some_and(|c| c.base_path != base_path)
        {
            self.notices.clear();
            self.modifications.clear();
            self.pages.clear();
        }
        let context = Arc::new(context);
        self.context = Some(CachedContext {
            keys: model.modifications.keys().cloned().collect(),
            aliases: model.aliases.clone(),
            base_path: base_path.to_string(),
            context: Arc::clone(&context),
        });
        (context, retargeted, same_keys)
    }

    /// The notices' cache entries for this build: a kept body keeps its mentions (while the
    /// modifications' keys are the same) and its summary (while the `summary` is).
    fn kept_notices(
        &self,
        model: &SiteModel,
        inputs: &[BodyInput],
        found: Vec<Found>,
        same_keys: bool,
    ) -> Vec<(CachedNotice, bool)> {
        inputs
            .iter()
            .zip(found)
            .enumerate()
            .map(|(index, ((text, first_line), found))| {
                let source = &model.notices[index].source;
                let (rendered, old, fresh) = match found {
                    Found::Kept(i) => {
                        let old = &self.notices[i];
                        (Arc::clone(&old.body.rendered), Some(old), false)
                    }
                    Found::Fresh(rendered) => (rendered, None, true),
                };
                let mentions = match old {
                    Some(old) if same_keys => Arc::clone(&old.mentions),
                    _ => model.mention_positions(&rendered.mentions).into(),
                };
                let summary = match old {
                    Some(old) if old.summary_source.as_deref() == source.summary.as_deref() => {
                        (old.summary_source.clone(), Arc::clone(&old.summary))
                    }
                    _ => {
                        let shown = summary_of(source, &rendered);
                        (source.summary.is_some().then(|| Arc::clone(&shown)), shown)
                    }
                };
                let notice = CachedNotice {
                    body: CachedBody {
                        text: Arc::clone(text),
                        first_line: *first_line,
                        rendered,
                    },
                    mentions,
                    summary_source: summary.0,
                    summary: summary.1,
                };
                (notice, fresh)
            })
            .collect()
    }
}

/// What a rebuild found for a body: the last build's rendering (by its place in the cache) or a
/// new one.
enum Found {
    Kept(usize),
    Fresh(Arc<RenderedMarkdown>),
}

/// Renders each input, reusing the cached rendering when it is still valid: the one at the same
/// place first, else (after notices came, went or moved) the one with the same text.
fn render_all(
    inputs: &[BodyInput],
    old: &[&CachedBody],
    context: &LinkContext,
    retargeted: &HashSet<ModificationKey>,
) -> Vec<Found> {
    let valid = |cached: &CachedBody| {
        retargeted.is_empty()
            || !cached
                .rendered
                .lookups
                .iter()
                .any(|key| retargeted.contains(key))
    };
    let in_place = |i: usize| old.get(i).is_some_and(|cached| cached.renders(&inputs[i]));
    // By the address of the text (the same `Arc` while the file is unchanged), built only when
    // some body is not where it was.
    let by_text: AHashMap<usize, usize> = if (0..inputs.len()).all(in_place) {
        AHashMap::new()
    } else {
        old.iter()
            .enumerate()
            .map(|(i, cached)| (address(&cached.text), i))
            .collect()
    };
    inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            let kept = if in_place(i) {
                Some(i)
            } else {
                by_text
                    .get(&address(&input.0))
                    .copied()
                    .filter(|&j| old[j].renders(input))
            };
            match kept {
                Some(j) if valid(old[j]) => Found::Kept(j),
                _ => Found::Fresh(Arc::new(render_markdown(&input.0, input.1, context))),
            }
        })
        .collect()
}

/// Renders bodies other than notices' (see `render_all`): their cache entries for this build, and
/// whether each was rendered anew.
fn render_kept(
    inputs: &[BodyInput],
    old: &[CachedBody],
    context: &LinkContext,
    retargeted: &HashSet<ModificationKey>,
) -> Vec<(CachedBody, bool)> {
    let found = render_all(inputs, &old.iter().collect::<Vec<_>>(), context, retargeted);
    inputs
        .iter()
        .zip(found)
        .map(|((text, first_line), found)| {
            let (rendered, fresh) = match found {
                Found::Kept(i) => (Arc::clone(&old[i].rendered), false),
                Found::Fresh(rendered) => (rendered, true),
            };
            let body = CachedBody {
                text: Arc::clone(text),
                first_line: *first_line,
                rendered,
            };
            (body, fresh)
        })
        .collect()
}

/// The links of a body to check, with the file it comes from and the page it shows on; `None`
/// for a modification that has no page.
pub fn body_links(
    model: &SiteModel,
    source: &BodySource,
    body: Arc<RenderedMarkdown>,
) -> Option<BodyLinks> {
    let (file, page_path) = match source {
        BodySource::Notice(i) => {
            let notice = &model.notices[*i];
            (
                notice.source.rel_path.clone(),
                Urls::notice_path(notice.slug()),
            )
        }
        BodySource::Modification(key) => {
            let page = model.modifications.get(key)?.page.as_ref()?;
            (page.rel_path.clone(), Urls::modification_path(key))
        }
        BodySource::Page(i) => {
            let page = &model.pages[*i];
            (page.rel_path.clone(), format!("{}/", page.slug))
        }
    };
    Some(BodyLinks {
        file,
        page_path,
        body,
    })
}

/// What the Markdown of a site links modification ids to.
pub fn link_context(model: &SiteModel, urls: &Urls, base_path: &str) -> LinkContext {
    LinkContext {
        base_path: base_path.to_string(),
        modifications: model
            .known_ids()
            .into_iter()
            .map(|(written, key)| {
                let url = urls.path(&Urls::modification_path(&key));
                (written, (key, url))
            })
            .collect(),
        skip_lookups: false,
    }
}

/// The summary of a notice: its `summary`, else the first paragraph of its body.
pub fn summary_of(source: &NoticeSource, rendered: &RenderedMarkdown) -> Arc<str> {
    match &source.summary {
        Some(summary) => Arc::from(summary.as_str()),
        None => Arc::clone(&rendered.first_paragraph),
    }
}

/// The address of a text, which identifies it while the cache holds it.
fn address(text: &Arc<str>) -> usize {
    Arc::as_ptr(text) as *const u8 as usize
}
