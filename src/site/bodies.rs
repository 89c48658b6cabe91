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
    // Held so that the text, whose address is the key, outlives its entry.
    text: Arc<str>,
    first_line: usize,
    rendered: Arc<RenderedMarkdown>,
}

/// Rendered bodies kept between builds, by the address of their text: the content store keeps
/// the same text (the same `Arc`) for a file until the file changes.
#[derive(Debug, Clone, Default)]
pub struct BodyCache {
    base_path: String,
    entries: AHashMap<usize, CachedBody>,
    // What each modification id or alias led to in the last build: bodies that looked up none
    // of the ids whose target changed since stay valid without looking anything up again.
    targets: AHashMap<ModificationKey, String>,
    // The positions of the modifications each notice body mentions (by the address of its
    // text), valid while the site has the same modifications: `keys`.
    mention_positions: AHashMap<usize, Arc<[usize]>>,
    keys: Vec<ModificationKey>,
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
    /// Every body, where it shows, and whether it was rendered anew in this build.
    pub all: Vec<(BodySource, Arc<RenderedMarkdown>, bool)>,
}

impl RenderedBodies {
    /// The links to check: of every body, or only of those rendered anew.
    pub fn links_to_check(&self, model: &SiteModel, only_fresh: bool) -> Vec<BodyLinks> {
        self.all
            .iter()
            .filter(|(_, _, fresh)| !only_fresh || *fresh)
            .filter_map(|(source, body, _)| body_links(model, source, Arc::clone(body)))
            .collect()
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
        if self.base_path != base_path {
            self.entries.clear();
            self.base_path = base_path.to_string();
        }
        let context = link_context(model, urls, base_path);
        let targets: AHashMap<ModificationKey, String> = context
            .modifications
            .iter()
            .map(|(written, (_, url))| (written.clone(), url.clone()))
            .collect();
        let retargeted: HashSet<ModificationKey> = targets
            .iter()
            .filter(|(key, url)| self.targets.get(*key) != Some(*url))
            .map(|(key, _)| key.clone())
            .chain(
                self.targets
                    .keys()
                    .filter(|key| !targets.contains_key(*key))
                    .cloned(),
            )
            .collect();
        self.targets = targets;

        let notice_inputs: Vec<BodyInput> = model
            .notices
            .iter()
            .map(|n| (n.source.body.clone(), n.source.body_line))
            .collect();
        let modification_keys: Vec<ModificationKey> = model
            .modifications
            .values()
            .filter(|m| m.page.is_some())
            .map(|m| m.key.clone())
            .collect();
        let modification_inputs: Vec<BodyInput> = modification_keys
            .iter()
            .filter_map(|k| {
                model
                    .modifications
                    .get(k)?
                    .page
                    .as_ref()
                    .map(|p| (p.body.clone(), p.body_line))
            })
            .collect();
        let page_inputs: Vec<BodyInput> = model
            .pages
            .iter()
            .map(|p| (p.body.clone(), p.body_line))
            .collect();
        let notices = self.render_all(&notice_inputs, &context, &retargeted);
        let modification_bodies = self.render_all(&modification_inputs, &context, &retargeted);
        let pages = self.render_all(&page_inputs, &context, &retargeted);
        // Forget bodies whose texts are gone, so the cache does not grow without bound.
        let live: HashSet<usize> = notice_inputs
            .iter()
            .chain(&modification_inputs)
            .chain(&page_inputs)
            .map(|(text, _)| address(text))
            .collect();
        self.entries.retain(|key, _| live.contains(key));
        self.mention_positions.retain(|key, _| live.contains(key));

        let mut result = RenderedBodies::default();
        result
            .all
            .reserve(notices.len() + modification_bodies.len() + pages.len());
        let positions = self.mention_positions(model, &notice_inputs, &notices);
        model.add_mentions(positions.iter().map(|p| &p[..]));
        for (index, (rendered, fresh)) in notices.iter().enumerate() {
            result
                .bodies
                .summaries
                .push(summary_of(&model.notices[index].source, rendered));
            result.bodies.notices.push(Arc::clone(&rendered.html));
            result
                .all
                .push((BodySource::Notice(index), Arc::clone(rendered), *fresh));
        }
        for (key, (rendered, fresh)) in modification_keys.into_iter().zip(modification_bodies) {
            result
                .bodies
                .modifications
                .insert(key.clone(), Arc::clone(&rendered.html));
            result
                .all
                .push((BodySource::Modification(key), rendered, fresh));
        }
        for (index, (rendered, fresh)) in pages.iter().enumerate() {
            result.bodies.pages.push(Arc::clone(&rendered.html));
            result
                .all
                .push((BodySource::Page(index), Arc::clone(rendered), *fresh));
        }
        result.notices = notices.into_iter().map(|(r, _)| r).collect();
        result.pages = pages.into_iter().map(|(r, _)| r).collect();
        result
    }

    /// The positions of the modifications each notice body mentions, looked up again only for
    /// bodies rendered anew or after the set of modifications changed.
    fn mention_positions(
        &mut self,
        model: &SiteModel,
        inputs: &[BodyInput],
        notices: &[(Arc<RenderedMarkdown>, bool)],
    ) -> Vec<Arc<[usize]>> {
        let same_keys = self.keys.len() == model.modifications.len()
            && self
                .keys
                .iter()
                .zip(model.modifications.keys())
                .all(|(a, b)| a == b);
        if !same_keys {
            self.keys = model.modifications.keys().cloned().collect();
            self.mention_positions.clear();
        }
        inputs
            .iter()
            .zip(notices)
            .map(|((text, _), (rendered, fresh))| {
                let address = address(text);
                if !fresh && let Some(positions) = self.mention_positions.get(&address) {
                    return Arc::clone(positions);
                }
                let positions: Arc<[usize]> = model.mention_positions(&rendered.mentions).into();
                self.mention_positions
                    .insert(address, Arc::clone(&positions));
                positions
            })
            .collect()
    }

    /// Renders each input, reusing the cached rendering when it is still valid.
    fn render_all(
        &mut self,
        inputs: &[BodyInput],
        context: &LinkContext,
        retargeted: &HashSet<ModificationKey>,
    ) -> Vec<(Arc<RenderedMarkdown>, bool)> {
        let entries = &self.entries;
        let rendered: Vec<(Arc<RenderedMarkdown>, bool)> = inputs
            .par_iter()
            .map(|(text, first_line)| {
                if let Some(cached) = entries.get(&address(text))
                    && cached.first_line == *first_line
                    && Arc::ptr_eq(&cached.text, text)
                    && (retargeted.is_empty()
                        || !cached
                            .rendered
                            .lookups
                            .iter()
                            .any(|key| retargeted.contains(key)))
                {
                    return (Arc::clone(&cached.rendered), false);
                }
                (Arc::new(render_markdown(text, *first_line, context)), true)
            })
            .collect();
        for ((text, first_line), (rendered, fresh)) in inputs.iter().zip(&rendered) {
            if *fresh {
                self.entries.insert(
                    address(text),
                    CachedBody {
                        text: Arc::clone(text),
                        first_line: *first_line,
                        rendered: Arc::clone(rendered),
                    },
                );
            }
        }
        rendered
    }
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
