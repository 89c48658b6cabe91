//! The Markdown stage of a build: every body rendered once and kept, re-rendered only when its
//! text changed or when a modification id it names (or could name) now leads elsewhere.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::BodyLinks;
use crate::markdown::{LinkContext, RenderedMarkdown, render_markdown};
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::render::Bodies;
use crate::render::views::Urls;

/// A body to render: its file, its text, and the line of the file where it starts.
type BodyInput = (PathBuf, Arc<str>, usize);

/// One rendered body and the text it came from.
#[derive(Debug, Clone)]
struct CachedBody {
    text: Arc<str>,
    first_line: usize,
    rendered: Arc<RenderedMarkdown>,
}

/// Rendered bodies by source file, kept between builds.
#[derive(Debug, Clone, Default)]
pub struct BodyCache {
    base_path: String,
    entries: HashMap<PathBuf, CachedBody>,
    // What each modification id or alias led to in the last build: bodies that looked up none
    // of the ids whose target changed since stay valid without looking anything up again.
    targets: HashMap<ModificationKey, String>,
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
    /// The links to check.
    pub links: Vec<BodyLinks>,
    /// For each entry of `links`, whether its body was rendered anew in this build.
    pub fresh: Vec<bool>,
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
        let context = LinkContext {
            base_path: base_path.to_string(),
            modifications: model
                .known_ids()
                .into_iter()
                .map(|(written, key)| {
                    let url = urls.path(&Urls::modification_path(&key));
                    (written, (key, url))
                })
                .collect(),
        };
        let targets: HashMap<ModificationKey, String> = context
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
            .map(|n| {
                (
                    n.source.rel_path.clone(),
                    n.source.body.clone(),
                    n.source.body_line,
                )
            })
            .collect();
        let notices = self.render_all(&notice_inputs, &context, &retargeted);
        let modification_inputs: Vec<(ModificationKey, BodyInput)> = model
            .modifications
            .values()
            .filter_map(|m| {
                m.page.as_ref().map(|p| {
                    (
                        m.key.clone(),
                        (p.rel_path.clone(), p.body.clone(), p.body_line),
                    )
                })
            })
            .collect();
        let modification_bodies = self.render_all(
            &modification_inputs
                .iter()
                .map(|(_, input)| input.clone())
                .collect::<Vec<_>>(),
            &context,
            &retargeted,
        );
        let page_inputs: Vec<BodyInput> = model
            .pages
            .iter()
            .map(|p| (p.rel_path.clone(), p.body.clone(), p.body_line))
            .collect();
        let pages = self.render_all(&page_inputs, &context, &retargeted);
        // Forget bodies whose files are gone, so the cache does not grow without bound.
        let live: std::collections::HashSet<&PathBuf> = notice_inputs
            .iter()
            .chain(modification_inputs.iter().map(|(_, i)| i))
            .chain(page_inputs.iter())
            .map(|(p, _, _)| p)
            .collect();
        self.entries.retain(|path, _| live.contains(path));

        let mut result = RenderedBodies::default();
        for (index, (rendered, fresh)) in notices.iter().enumerate() {
            model.add_mentions(index, &rendered.mentions);
            let notice = &model.notices[index];
            result.links.push(BodyLinks {
                file: notice.source.rel_path.clone(),
                page_path: Urls::notice_path(notice.slug()),
                body: Arc::clone(rendered),
            });
            result.fresh.push(*fresh);
            let summary = match &notice.source.summary {
                Some(summary) => Arc::from(summary.as_str()),
                None => Arc::clone(&rendered.first_paragraph),
            };
            result.bodies.summaries.push(summary);
            result.bodies.notices.push(Arc::clone(&rendered.html));
        }
        for ((key, (file, _, _)), (rendered, fresh)) in
            modification_inputs.into_iter().zip(modification_bodies)
        {
            result
                .bodies
                .modifications
                .insert(key.clone(), Arc::clone(&rendered.html));
            result.links.push(BodyLinks {
                file,
                page_path: Urls::modification_path(&key),
                body: rendered,
            });
            result.fresh.push(fresh);
        }
        for (page, (rendered, fresh)) in model.pages.iter().zip(&pages) {
            result.links.push(BodyLinks {
                file: page.rel_path.clone(),
                page_path: format!("{}/", page.slug),
                body: Arc::clone(rendered),
            });
            result.fresh.push(*fresh);
            result.bodies.pages.push(Arc::clone(&rendered.html));
        }
        result.notices = notices.into_iter().map(|(r, _)| r).collect();
        result.pages = pages.into_iter().map(|(r, _)| r).collect();
        result
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
            .map(|(path, text, first_line)| {
                if let Some(cached) = entries.get(path)
                    && cached.first_line == *first_line
                    && (Arc::ptr_eq(&cached.text, text) || cached.text == *text)
                    && (retargeted.is_empty()
                        || !cached
                            .rendered
                            .lookups
                            .iter()
                            .any(|(key, _)| retargeted.contains(key)))
                {
                    return (Arc::clone(&cached.rendered), false);
                }
                (Arc::new(render_markdown(text, *first_line, context)), true)
            })
            .collect();
        for ((path, text, first_line), (rendered, fresh)) in inputs.iter().zip(&rendered) {
            if *fresh {
                self.entries.insert(
                    path.clone(),
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
