//! Validation that needs the whole rendered site: every link written in a Markdown body must lead
//! to a page or file of the site. Content rules that need only one file live where the file is read.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diag::{Diagnostic, Span};
use std::sync::Arc;

use crate::markdown::RenderedMarkdown;

/// The links of one Markdown body, with where the body comes from and where its page is.
#[derive(Debug, Clone)]
pub struct BodyLinks {
    /// The source file, relative to the root.
    pub file: PathBuf,
    /// The site path of the page the body is rendered on (`releases/x/`).
    pub page_path: String,
    /// The rendered body, whose `links` are checked.
    pub body: Arc<RenderedMarkdown>,
}

/// Reports every internal link of `bodies` that does not lead to one of `files` (output paths).
pub fn check_body_links(
    bodies: &[BodyLinks],
    files: &HashSet<String>,
    base_path: &str,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for body in bodies {
        for link in &body.body.links {
            let Some(target) = site_target(&link.target, &body.page_path, base_path) else {
                continue;
            };
            if !resolves(&target, files) {
                problems.push(
                    Diagnostic::error(
                        "broken-link",
                        Span::new(&body.file, link.line, link.column),
                        format!("the link `{}` leads to no page of the site", link.destination),
                    )
                    .with_help("check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/"),
                );
            }
        }
    }
    problems
}

/// The site path a link leads to, or None for links outside the site (other schemes, other hosts,
/// fragments of the same page).
fn site_target(destination: &str, page_path: &str, base_path: &str) -> Option<String> {
    let without_fragment = destination.split('#').next().unwrap_or("");
    let path = without_fragment.split('?').next().unwrap_or("");
    if path.is_empty() || path.starts_with("//") || has_scheme(path) {
        return None;
    }
    let joined = if let Some(rooted) = path.strip_prefix('/') {
        // A root-relative link outside the base path cannot be on this site.
        match format!("/{rooted}").strip_prefix(base_path) {
            Some(inside) => inside.to_string(),
            None => return Some(format!("../{rooted}")),
        }
    } else {
        format!("{page_path}{path}")
    };
    Some(normalize(&joined))
}

fn has_scheme(path: &str) -> bool {
    match path.find(':') {
        Some(colon) => path[..colon]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')),
        None => false,
    }
}

/// Resolves `.` and `..` segments; a path that climbs above the root keeps a leading `..`.
fn normalize(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash = path.ends_with('/') || path.is_empty();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return format!("../{path}");
                }
            }
            other => segments.push(other),
        }
    }
    let mut joined = segments.join("/");
    if trailing_slash && !joined.is_empty() {
        joined.push('/');
    }
    joined
}

fn resolves(target: &str, files: &HashSet<String>) -> bool {
    if target.starts_with("..") {
        return false;
    }
    if target.is_empty() || target.ends_with('/') {
        return files.contains(&format!("{target}index.html"));
    }
    files.contains(target) || files.contains(&format!("{target}/index.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_under_the_base_path() {
        let site: HashSet<String> = [
            "index.html",
            "documents/index.html",
            "releases/a/index.html",
            "style.css",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        let links: Vec<_> = [
            "/sec/documents/#x",
            "/sec/",
            "../../style.css",
            "/sec/nope/",
            "/elsewhere/",
            "https://x.org/",
            "#top",
            "../b/",
        ]
        .iter()
        .enumerate()
        .map(|(i, d)| crate::markdown::BodyLink {
            destination: d.to_string(),
            target: d.to_string(),
            line: i + 1,
            column: 1,
        })
        .collect();
        let body = BodyLinks {
            file: "content/releases/a.md".into(),
            page_path: "releases/a/".into(),
            body: Arc::new(RenderedMarkdown {
                links,
                ..RenderedMarkdown::default()
            }),
        };
        let problems = check_body_links(&[body], &site, "/sec/");
        let lines: Vec<usize> = problems.iter().map(|p| p.span.line).collect();
        assert_eq!(lines, [4, 5, 8]);
    }
}
