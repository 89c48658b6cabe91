//! The build: load → model → Markdown → templates → render → check links → write. This module
//! orchestrates the stages and is the only writer to the output folder; it prints nothing and
//! returns every diagnostic to its caller.

pub mod output;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::check::{BodyLinks, check_body_links};
use crate::config::Config;
use crate::content::discover::{is_ignored_name, relative};
use crate::content::load_content;
use crate::diag::{Diagnostic, Diagnostics, Span, display_path};
use crate::markdown::{LinkContext, RenderedMarkdown, render_markdown};
use crate::model::SiteModel;
use crate::model::ids::ModificationKey;
use crate::render::templates::BUILTIN_STATIC;
use crate::render::views::Urls;
use crate::render::{Bodies, RenderedSite, Templates, render_site};

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Overrides `base_url` of secsite.yaml.
    pub base_url: Option<String>,
    /// The build date: the only clock the build reads.
    pub as_of: NaiveDate,
    /// Whether draft notices are built.
    pub drafts: bool,
}

/// A site built in memory, with the warnings found on the way.
#[derive(Debug)]
pub struct Build {
    /// The rendered files.
    pub site: RenderedSite,
    /// Warnings (a successful build has no errors).
    pub diagnostics: Diagnostics,
}

/// Why a build failed.
#[derive(Debug)]
pub enum BuildFailure {
    /// The content or templates have errors; every diagnostic found, warnings included.
    Content(Diagnostics),
    /// The environment failed: a folder that cannot be read, an output that cannot be written.
    Environment(anyhow::Error),
}

impl From<anyhow::Error> for BuildFailure {
    fn from(error: anyhow::Error) -> Self {
        BuildFailure::Environment(error)
    }
}

/// Builds the site in memory, reporting every problem of the content and the templates.
pub fn build_site(options: &BuildOptions) -> Result<Build, BuildFailure> {
    let root = &options.root;
    if !root.is_dir() {
        return Err(anyhow::anyhow!(
            "the site folder {} does not exist or is not a folder",
            root.display()
        )
        .into());
    }
    let mut diagnostics = Diagnostics::new();
    let config = match Config::load(root) {
        Ok(config) => Some(config),
        Err(problems) => {
            diagnostics.extend(problems);
            None
        }
    };
    let config = match (config, &options.base_url) {
        (Some(config), Some(url)) => Some(
            config
                .with_base_url(url)
                .map_err(|message| anyhow::anyhow!("--base-url: {message}"))?,
        ),
        (config, _) => config,
    };
    let content = load_content(root, &mut diagnostics);
    let (mut model, problems) = SiteModel::build(content, options.as_of, options.drafts);
    diagnostics.extend(problems);
    let templates = match Templates::load(root) {
        Ok(templates) => Some(templates),
        Err(problems) => {
            diagnostics.extend(problems);
            None
        }
    };
    let (Some(config), Some(templates)) = (config, templates) else {
        return Err(BuildFailure::Content(diagnostics));
    };

    let (bodies, body_links) = render_bodies(&mut model, &config);
    if diagnostics.has_errors() {
        return Err(BuildFailure::Content(diagnostics));
    }
    let mut site = match render_site(&model, &config, &templates, &bodies) {
        Ok(site) => site,
        Err(problems) => {
            diagnostics.extend(problems);
            return Err(BuildFailure::Content(diagnostics));
        }
    };
    add_static_files(root, &mut site, &mut diagnostics)?;
    diagnostics.extend(check_body_links(&body_links, &site, &config.base_path));
    if diagnostics.has_errors() {
        return Err(BuildFailure::Content(diagnostics));
    }
    Ok(Build { site, diagnostics })
}

/// Builds the site and writes it to `output`, swapping it in only when everything succeeded.
pub fn build_to(options: &BuildOptions, output: &Path) -> Result<Build, BuildFailure> {
    output::check_output_location(&options.root, output)?;
    let build = build_site(options)?;
    output::write_site(&build.site, output)?;
    Ok(build)
}

/// Renders every Markdown body, records the modifications each notice mentions, and collects the
/// links to check once the site is rendered.
fn render_bodies(model: &mut SiteModel, config: &Config) -> (Bodies, Vec<BodyLinks>) {
    let urls = Urls::new(config);
    let context = LinkContext {
        base_path: config.base_path.clone(),
        modifications: model
            .known_ids()
            .into_iter()
            .map(|(written, key)| {
                let url = urls.path(&Urls::modification_path(&key));
                (written, (key, url))
            })
            .collect(),
    };
    let notices: Vec<RenderedMarkdown> = model
        .notices
        .par_iter()
        .map(|n| render_markdown(&n.source.body, n.source.body_line, &context))
        .collect();
    let modification_pages: Vec<(ModificationKey, RenderedMarkdown, PathBuf)> = model
        .modifications
        .values()
        .filter_map(|m| m.page.as_ref().map(|p| (m.key.clone(), p)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(key, page)| {
            (
                key,
                render_markdown(&page.body, page.body_line, &context),
                page.rel_path.clone(),
            )
        })
        .collect();
    let pages: Vec<RenderedMarkdown> = model
        .pages
        .par_iter()
        .map(|p| render_markdown(&p.body, p.body_line, &context))
        .collect();

    let mut links = Vec::new();
    let mut bodies = Bodies::default();
    for (index, rendered) in notices.into_iter().enumerate() {
        model.add_mentions(index, &rendered.mentions);
        let notice = &model.notices[index];
        links.push(BodyLinks {
            file: notice.source.rel_path.clone(),
            page_path: Urls::notice_path(notice.slug()),
            links: rendered.links,
        });
        bodies.summaries.push(
            notice
                .source
                .summary
                .clone()
                .unwrap_or(rendered.first_paragraph),
        );
        bodies.notices.push(rendered.html);
    }
    for (key, rendered, file) in modification_pages {
        links.push(BodyLinks {
            file,
            page_path: Urls::modification_path(&key),
            links: rendered.links,
        });
        bodies.modifications.insert(key, rendered.html);
    }
    for (page, rendered) in model.pages.iter().zip(pages) {
        links.push(BodyLinks {
            file: page.rel_path.clone(),
            page_path: format!("{}/", page.slug),
            links: rendered.links,
        });
        bodies.pages.push(rendered.html);
    }
    (bodies, links)
}

/// Adds the built-in static files and everything under `root/static`. Generated pages win over a
/// static file of the same path, with a warning.
fn add_static_files(
    root: &Path,
    site: &mut RenderedSite,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<()> {
    let mut statics: HashMap<String, Vec<u8>> = BUILTIN_STATIC
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect();
    let dir = root.join("static");
    if dir.is_dir() {
        let walker = WalkDir::new(&dir)
            .min_depth(1)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !is_ignored_name(&e.file_name().to_string_lossy()));
        for entry in walker {
            let entry = entry
                .with_context(|| format!("cannot read the static folder {}", dir.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative_path = display_path(&relative(&dir, entry.path()));
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            statics.insert(relative_path, bytes);
        }
    }
    let mut statics: Vec<_> = statics.into_iter().collect();
    statics.sort();
    for (path, bytes) in statics {
        if site.files.contains_key(&path) {
            diagnostics.push(Diagnostic::warning(
                "static-shadowed",
                Span::file_start(format!("static/{path}")),
                format!("static/{path} has the path of a generated page and is not copied"),
            ));
            continue;
        }
        site.files.insert(path, bytes);
    }
    Ok(())
}
