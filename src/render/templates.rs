//! The template set: the built-in templates compiled into the binary under `builtin/`, each
//! overridable by a file of the same name in the site's templates/ folder, and errors that name
//! the template file, its line and the page being rendered.

use std::path::Path;

use tera::{Context, ErrorKind, Tera};
use walkdir::WalkDir;

use crate::content::discover::{is_ignored_name, relative};
use crate::diag::{Diagnostic, Span};

/// The prefix under which built-in templates are registered.
pub const BUILTIN_PREFIX: &str = "builtin/";

/// The built-in templates, by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    (
        "releases.html",
        include_str!("../../templates/releases.html"),
    ),
    ("release.html", include_str!("../../templates/release.html")),
    (
        "modifications.html",
        include_str!("../../templates/modifications.html"),
    ),
    (
        "modification.html",
        include_str!("../../templates/modification.html"),
    ),
    (
        "documents.html",
        include_str!("../../templates/documents.html"),
    ),
    (
        "document.html",
        include_str!("../../templates/document.html"),
    ),
    ("page.html", include_str!("../../templates/page.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
];

/// The built-in static files, written unless the site's static/ has a file of the same name.
pub const BUILTIN_STATIC: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../static/style.css")),
    ("search.js", include_bytes!("../../static/search.js")),
    ("log.js", include_bytes!("../../static/log.js")),
];

/// The loaded templates of a site.
pub struct Templates {
    tera: Tera,
    // The site's templates that differ from the built-in of the same name. A copy of a built-in
    // (the repository's own templates/, a site that copied them to start from) is no override:
    // it renders the same bytes, so the compiled twin may render it.
    changed: Vec<String>,
}

impl Templates {
    /// Loads the built-ins and the site's overrides from `root/templates`. Every template that
    /// cannot be read or parsed is reported.
    pub fn load(root: &Path) -> Result<Templates, Vec<Diagnostic>> {
        let mut user_templates = Vec::new();
        let mut problems = Vec::new();
        let dir = root.join("templates");
        if dir.is_dir() {
            let walker = WalkDir::new(&dir)
                .min_depth(1)
                .max_depth(8)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| !is_ignored_name(&e.file_name().to_string_lossy()));
            for entry in walker.flatten() {
                if !entry.path().is_file() {
                    continue;
                }
                let name = relative(&dir, entry.path())
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                match std::fs::read_to_string(entry.path()) {
                    Ok(text) => user_templates.push((name, text)),
                    Err(error) => problems.push(Diagnostic::error(
                        "unreadable-file",
                        Span::file_start(relative(root, entry.path())),
                        format!("cannot read the template: {error}"),
                    )),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut all: Vec<(String, String)> = Vec::new();
        for (name, text) in BUILTIN_TEMPLATES {
            all.push((format!("{BUILTIN_PREFIX}{name}"), text.to_string()));
            if !user_templates.iter().any(|(n, _)| n == name) {
                all.push((name.to_string(), text.to_string()));
            }
        }
        let changed = user_templates
            .iter()
            .filter(|(name, text)| {
                !BUILTIN_TEMPLATES
                    .iter()
                    .any(|(builtin, builtin_text)| builtin == name && builtin_text == text)
            })
            .map(|(name, _)| name.clone())
            .collect();
        all.extend(user_templates);
        let mut tera = Tera::new();
        // Add each template alone first, so every syntax error is reported, not only the first.
        for (name, text) in &all {
            let mut probe = Tera::new();
            if let Err(error) = probe.add_raw_template(name, text)
                && matches!(error.kind(), ErrorKind::SyntaxError(_))
            {
                problems.push(template_diagnostic(&error, name, None));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if let Err(error) =
            tera.add_raw_templates(all.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        {
            return Err(vec![template_diagnostic(&error, "templates", None)]);
        }
        Ok(Templates { tera, changed })
    }

    /// Renders template `name`; `page` names the page (and its source) for error messages.
    pub fn render(&self, name: &str, context: &Context, page: &str) -> Result<String, Diagnostic> {
        self.tera
            .render(name, context)
            .map_err(|error| template_diagnostic(&error, name, Some(page)))
    }

    /// Whether template `name` is the built-in one: the site has no template of that name, or
    /// one with the built-in's very text.
    pub fn is_builtin(&self, name: &str) -> bool {
        !self.changed.iter().any(|n| n == name)
    }
}

/// Where the template `name` comes from, as a path to print.
fn template_path(name: &str) -> String {
    if let Some(builtin) = name.strip_prefix(BUILTIN_PREFIX) {
        format!("(built-in) templates/{builtin}")
    } else {
        format!("templates/{name}")
    }
}

/// A diagnostic for a Tera error, at the template's line and column when Tera gives them.
fn template_diagnostic(error: &tera::Error, name: &str, page: Option<&str>) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {p})"))
        .unwrap_or_default();
    let (file, line, column, message) = match error.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let file = if report.filename().is_empty() {
                name
            } else {
                report.filename()
            };
            (
                template_path(file),
                report.span().start_line,
                report.span().start_col + 1,
                report.message().to_string(),
            )
        }
        _ => (template_path(name), 1, 1, full_message(error)),
    };
    Diagnostic::error(
        "template",
        Span::new(file, line, column),
        format!("template error: {message}{while_rendering}"),
    )
}

/// The error's message followed by its causes.
fn full_message(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
