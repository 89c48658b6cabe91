//! The Markdown stage of a build: every body rendered once and kept, re-rendered only when its
//! text changed or when a modification id it names (or could name) now leads elsewhere.

use std::collections::HashMap;
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
        let notices = self.render_all(&notice_inputs, &context);
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
        );
        let page_inputs: Vec<BodyInput> = model
            .pages
            .iter()
            .map(|p| (p.rel_path.clone(), p.body.clone(), p.body_line))
            .collect();
        let pages = self.render_all(&page_inputs, &context);
        // Forget bodies whose files are gone, so the cache does not grow without bound.
        let live: std::collections::HashSet<&PathBuf> = notice_inputs
            .iter()
            .chain(modification_inputs.iter().map(|(_, i)| i))
            .chain(page_inputs.iter())
            .map(|(p, _, _)| p)
            .collect();
        self.entries.retain(|path, _| live.contains(path));

        let mut result = RenderedBodies::default();
        for (index, rendered) in notices.iter().enumerate() {
            model.add_mentions(index, &rendered.mentions);
            let notice = &model.notices[index];
            result.links.push(BodyLinks {
                file: notice.source.rel_path.clone(),
                page_path: Urls::notice_path(notice.slug()),
                links: rendered.links.clone(),
            });
            let summary = match &notice.source.summary {
                Some(summary) => Arc::from(summary.as_str()),
                None => Arc::clone(&rendered.first_paragraph),
            };
            result.bodies.summaries.push(summary);
            result.bodies.notices.push(Arc::clone(&rendered.html));
        }
        for ((key, (file, _, _)), rendered) in
            modification_inputs.into_iter().zip(modification_bodies)
        {
            result.links.push(BodyLinks {
                file,
                page_path: Urls::modification_path(&key),
                links: rendered.links.clone(),
            });
            result
                .bodies
                .modifications
                .insert(key, Arc::clone(&rendered.html));
        }
        for (page, rendered) in model.pages.iter().zip(&pages) {
            result.links.push(BodyLinks {
                file: page.rel_path.clone(),
                page_path: format!("{}/", page.slug),
                links: rendered.links.clone(),
            });
            result.bodies.pages.push(Arc::clone(&rendered.html));
        }
        result.notices = notices;
        result.pages = pages;
        result
    }

    /// Renders each input, reusing the cached rendering when it is still valid.
    fn render_all(
        &mut self,
        inputs: &[BodyInput],
        context: &LinkContext,
    ) -> Vec<Arc<RenderedMarkdown>> {
        let entries = &self.entries;
        let rendered: Vec<(Arc<RenderedMarkdown>, bool)> = inputs
            .par_iter()
            .map(|(path, text, first_line)| {
                if let Some(cached) = entries.get(path)
                    && cached.first_line == *first_line
                    && (Arc::ptr_eq(&cached.text, text) || cached.text == *text)
                    && cached.rendered.is_valid_for(context)
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
        rendered.into_iter().map(|(r, _)| r).collect()
    }
}
