//! Validation that needs the whole site: every link written in a Markdown body must lead to a page
//! or file of the site (`build` and `check`), and, for `check`, every link of the rendered pages
//! with its fragment ([`links`]) and, with `--external`, every http(s) link ([`external`]). Content
//! rules that need only one file live where the file is read.

pub mod external;
pub mod links;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, Span};
use crate::markdown::RenderedMarkdown;
use crate::render::file_bytes::FileBytes;

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
                let help = match nearest_path(&target, files.iter().map(String::as_str)) {
                    Some(path) => format!("did you mean `/{path}`?"),
                    None => "check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/".to_string(),
                };
                problems.push(
                    Diagnostic::error(
                        "broken-link",
                        Span::new(&body.file, link.line, link.column),
                        format!(
                            "the link `{}` leads to no page of the site",
                            link.destination
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
    problems
}

/// The site path (relative to the base, `releases/alpha/`) nearest to the missing `target`
/// (`releases/alpah/`): in the same folder, with a last segment a likely typo away. `files` are
/// output paths (`releases/alpha/index.html`, `style.css`).
pub fn nearest_path<'a>(target: &str, files: impl Iterator<Item = &'a str>) -> Option<String> {
    let target = target.split(['#', '?']).next().unwrap_or(target);
    let target = target.strip_suffix("index.html").unwrap_or(target);
    let (parent, segment) = split_last(target.trim_end_matches('/'));
    if segment.is_empty() {
        return None;
    }
    let mut siblings: Vec<(&str, bool)> = Vec::new();
    for file in files {
        let (page, is_page) = match file.strip_suffix("index.html") {
            Some(page) => (page.trim_end_matches('/'), true),
            None => (file, false),
        };
        let (file_parent, file_segment) = split_last(page);
        if file_parent == parent && !file_segment.is_empty() {
            siblings.push((file_segment, is_page));
        }
    }
    let guess = crate::diag::nearest(segment, siblings.iter().map(|(s, _)| *s))?;
    let is_page = siblings.iter().any(|(s, page)| *s == guess && *page);
    let slash = if is_page { "/" } else { "" };
    Some(if parent.is_empty() {
        format!("{guess}{slash}")
    } else {
        format!("{parent}/{guess}{slash}")
    })
}

/// `a/b/c` → (`a/b`, `c`); `c` → (``, `c`).
fn split_last(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
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

/// Audits the links of a rendered site (see [`links`]): the Markdown bodies of `root` are read
/// again (and rendered again where a link needs a place) to learn which file and line wrote each
/// link, and the templates' texts (the site's own, then the built-in ones) to place the links
/// they made.
pub fn audit_rendered_site(
    root: &Path,
    config: &crate::config::Config,
    site: &crate::render::RenderedSite,
) -> links::AuditReport {
    let bodies = page_bodies(root);
    let templates = template_texts(root);
    links::SiteAudit {
        files: &site.files,
        base_url: &config.base_url,
        base_path: &config.base_path,
        bodies: &bodies,
        templates: &templates,
    }
    .run()
}

/// Every Markdown body of the site with the page it is rendered on.
fn page_bodies(root: &Path) -> Vec<links::PageBody> {
    let mut ignored = crate::diag::Diagnostics::new();
    let content = crate::content::load_content(root, &mut ignored);
    let mut bodies = Vec::new();
    for notice in &content.notices {
        bodies.push(links::PageBody::new(
            format!("releases/{}/index.html", notice.slug),
            notice.rel_path.clone(),
            Arc::clone(&notice.body),
            notice.body_line,
        ));
    }
    for page in &content.pages {
        bodies.push(links::PageBody::new(
            format!("{}/index.html", page.slug),
            page.rel_path.clone(),
            Arc::clone(&page.body),
            page.body_line,
        ));
    }
    for modification in &content.modifications {
        let key = crate::model::ids::ModificationKey::from_id(&modification.id);
        bodies.push(links::PageBody::new(
            format!(
                "{}index.html",
                crate::render::views::Urls::modification_path(&key)
            ),
            modification.rel_path.clone(),
            Arc::clone(&modification.body),
            modification.body_line,
        ));
    }
    bodies
}

/// The site's own templates, then the built-in ones, with the paths printed for them.
fn template_texts(root: &Path) -> Vec<links::TemplateText> {
    use crate::render::templates::BUILTIN_TEMPLATES;
    let mut texts = Vec::new();
    let dir = root.join("templates");
    if dir.is_dir() {
        for entry in walkdir::WalkDir::new(&dir)
            .min_depth(1)
            .max_depth(8)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let name =
                crate::diag::display_path(&crate::content::discover::relative(&dir, entry.path()));
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                texts.push(links::TemplateText {
                    file: PathBuf::from(format!("templates/{name}")),
                    name,
                    text,
                });
            }
        }
    }
    for (name, text) in BUILTIN_TEMPLATES {
        texts.push(links::TemplateText {
            name: name.to_string(),
            file: PathBuf::from(format!("(built-in) templates/{name}")),
            text: text.to_string(),
        });
    }
    texts
}

/// Runs one notice file's bytes through the content path of `build` and `check` (text checks,
/// front-matter splitter, YAML into the notice type, Markdown, the body-link check, the HTML link
/// scan) and both diagnostic formats, and panics if an invariant breaks: every diagnostic points
/// at a line of the file, and a file that fails says why. The fuzz target (`fuzz/`) and the
/// property test of the test suite call it.
pub fn fuzz_one(data: &[u8]) {
    use crate::markdown::{LinkContext, render_markdown};
    use crate::model::ids::ModificationKey;
    let path = Path::new("content/releases/fuzz.md");
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count();
    let check = |d: &Diagnostic| {
        assert!(
            *d.span.file == *path && d.span.line >= 1 && d.span.line <= lines,
            "{d:?} points outside the file of {lines} lines"
        );
        if let Some((end_line, end_column)) = d.span.end() {
            assert!(
                (end_line, end_column) > (d.span.line, d.span.column),
                "{d:?} ends before it starts"
            );
        }
        let _ = d.render(Some(&text));
        let _ = d.to_json();
    };
    let notice = match crate::content::parse_notice_bytes(path, data.to_vec()) {
        Ok(notice) => notice,
        Err(problems) => {
            assert!(!problems.is_empty(), "a file fails without a reason");
            problems.iter().for_each(check);
            return;
        }
    };
    let mut context = LinkContext {
        base_path: "/sec/".to_string(),
        ..LinkContext::default()
    };
    for id in ["MP080", "SECMP0062", "MP102A"] {
        let key = ModificationKey::from_id(id);
        context.modifications.insert(
            key.clone(),
            (
                key.clone(),
                format!("/sec/modifications/{}/", key.url_segment()),
            ),
        );
    }
    let rendered = Arc::new(render_markdown(&notice.body, notice.body_line, &context));
    for link in &rendered.links {
        assert!(
            link.line >= notice.body_line && link.line <= lines,
            "{link:?} is outside the body"
        );
    }
    let files: HashSet<String> = ["index.html", "documents/index.html", "style.css"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let body = BodyLinks {
        file: path.to_path_buf(),
        page_path: format!("releases/{}/", notice.slug),
        body: Arc::clone(&rendered),
    };
    check_body_links(&[body], &files, "/sec/")
        .iter()
        .for_each(check);
    // The rendered page through the audit of the rendered site.
    let page = format!("releases/{}/index.html", notice.slug);
    let mut site_files = std::collections::BTreeMap::new();
    site_files.insert(page.clone(), FileBytes::from(rendered.html.to_string()));
    site_files.insert("style.css".to_string(), FileBytes::from(""));
    let bodies = [links::PageBody::new(
        page,
        path.to_path_buf(),
        Arc::clone(&notice.body),
        notice.body_line,
    )];
    let report = links::SiteAudit {
        files: &site_files,
        base_url: "https://example.org/sec/",
        base_path: "/sec/",
        bodies: &bodies,
        templates: &[],
    }
    .run();
    report
        .diagnostics
        .iter()
        .filter(|d| *d.span.file == *path)
        .for_each(check);
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

    #[test]
    fn the_nearest_path_is_a_sibling_a_typo_away() {
        let files = [
            "releases/alpha/index.html",
            "releases/beta/index.html",
            "documents/index.html",
            "style.css",
        ];
        let near = |target| nearest_path(target, files.iter().copied());
        assert_eq!(near("releases/alpah/").as_deref(), Some("releases/alpha/"));
        assert_eq!(
            near("releases/alpah/index.html#x").as_deref(),
            Some("releases/alpha/")
        );
        assert_eq!(near("documnets/").as_deref(), Some("documents/"));
        assert_eq!(near("styles.css").as_deref(), Some("style.css"));
        assert_eq!(near("releases/nope/"), None);
        assert_eq!(near(""), None);
    }
}
