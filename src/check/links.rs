//! The audit of a rendered site: every `href` and `src` of every HTML page (and of the feeds) is
//! resolved against the site's files, as a browser would from the page's URL under the base path;
//! a `#fragment` is checked against the ids of the page it leads to. Each broken link is traced
//! back to what made it: the Markdown file and line of a body, or the template.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Span, nearest};
use crate::markdown::BodyLink;
use crate::render::file_bytes::FileBytes;

/// What one page holds that the audit needs: its ids and its links.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageScan {
    /// Every `id` (and `name` of an `<a>`), entities decoded.
    pub ids: HashSet<String>,
    /// Every `href` and `src` value, entities decoded, in order.
    pub links: Vec<String>,
}

/// Finds the ids and links of an HTML (or XML) text. Comments, `<script>` and `<style>` contents
/// are skipped; attribute values are entity-decoded. Never fails: broken markup yields less.
pub fn scan_html(html: &str) -> PageScan {
    let mut scan = PageScan::default();
    scan_with(html, |tag, name, value| match name {
        "id" => {
            scan.ids.insert(value.into_owned());
        }
        "name" if tag == "a" => {
            scan.ids.insert(value.into_owned());
        }
        "href" | "src" if tag != "base" => scan.links.push(value.into_owned()),
        _ => {}
    });
    scan
}

/// Calls `visit(tag, attribute, value)` for every attribute of every start tag of `html`.
fn scan_with(html: &str, mut visit: impl FnMut(&str, &str, Cow<'_, str>)) {
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset;
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            i = rest.find('>').map_or(bytes.len(), |end| i + end + 1);
            continue;
        }
        let name_len = rest[1..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
            .count();
        if name_len == 0 {
            i += 1;
            continue;
        }
        let tag = rest[1..1 + name_len].to_ascii_lowercase();
        i += 1 + name_len;
        // Attributes, up to the closing `>`.
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() {
                return;
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            let name_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            if i == name_start {
                // A stray `/` or `=`: step over it.
                i += 1;
                continue;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] != b'=' {
                continue;
            }
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let (value, next) = match bytes.get(j) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = html[j + 1..]
                        .find(quote as char)
                        .map_or(bytes.len(), |e| j + 1 + e);
                    (&html[j + 1..end], (end + 1).min(bytes.len()))
                }
                _ => {
                    let end = html[j..]
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .map_or(bytes.len(), |e| j + e);
                    (&html[j..end], end)
                }
            };
            i = next;
            visit(&tag, &name, decode_entities(value));
        }
        if tag == "script" || tag == "style" {
            let closing = format!("</{tag}");
            i = find_ascii_case_insensitive(&html[i..], &closing).map_or(bytes.len(), |e| i + e);
        }
    }
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

/// Decodes the character references of an attribute value (`&amp;`, `&#x2F;`, `&#39;`).
pub fn decode_entities(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Byte search: a slice of the first 12 bytes could cut a character in two.
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes `%XX` escapes; invalid escapes and invalid UTF-8 are kept as written.
pub fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(text),
    }
}

/// A Markdown body rendered on a page. Its links are found (by rendering it again) only when a
/// broken or external link of its page needs a place.
#[derive(Debug, Clone)]
pub struct PageBody {
    /// The output path of the page (`releases/a/index.html`).
    pub page: String,
    /// The Markdown file, relative to the root.
    pub file: PathBuf,
    /// The body's text.
    pub text: Arc<str>,
    /// The line of the file where the body starts.
    pub body_line: usize,
    links: std::sync::OnceLock<Vec<BodyLink>>,
}

impl PageBody {
    /// A body of `file`, starting at `body_line`, shown on the page with output path `page`.
    pub fn new(page: String, file: PathBuf, text: Arc<str>, body_line: usize) -> Self {
        PageBody {
            page,
            file,
            text,
            body_line,
            links: std::sync::OnceLock::new(),
        }
    }

    /// The links the body writes, with their places, as rendered under `base_path`.
    pub fn links(&self, base_path: &str) -> &[BodyLink] {
        self.links.get_or_init(|| {
            let context = crate::markdown::LinkContext {
                base_path: base_path.to_string(),
                ..Default::default()
            };
            crate::markdown::render_markdown(&self.text, self.body_line, &context).links
        })
    }
}

/// A template's text, to find the line of a link it made.
#[derive(Debug, Clone)]
pub struct TemplateText {
    /// The template's name (`release.html`).
    pub name: String,
    /// The path printed for it (`templates/release.html`).
    pub file: PathBuf,
    /// Its text.
    pub text: String,
}

/// The site as the audit sees it.
pub struct SiteAudit<'a> {
    /// Every file of the rendered site, by output path.
    pub files: &'a BTreeMap<String, FileBytes>,
    /// The absolute base URL (`https://example.org/sec/`).
    pub base_url: &'a str,
    /// Its path (`/sec/`).
    pub base_path: &'a str,
    /// The Markdown bodies, by the page they are rendered on.
    pub bodies: &'a [PageBody],
    /// The templates, the site's own first.
    pub templates: &'a [TemplateText],
}

/// An http(s) link found in the site, to check with `--external`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    /// The URL without its fragment.
    pub url: String,
    /// Where it is written (the first place found).
    pub span: Span,
    /// The link as written there.
    pub written: String,
    /// On how many pages it appears.
    pub pages: usize,
}

/// What the audit found.
#[derive(Debug, Default)]
pub struct AuditReport {
    /// Broken links and fragments.
    pub diagnostics: Vec<Diagnostic>,
    /// Every distinct http(s) link outside the site, sorted by URL.
    pub external: Vec<ExternalLink>,
    /// How many links were checked.
    pub checked: usize,
}

/// What made a link: a Markdown body (its place, the link as written there, whether it is raw
/// HTML) or a template (its place).
enum Origin {
    Body(Span, String, bool),
    Template(Span),
}

/// Why a link is broken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Broken {
    /// No file at the path (the path relative to the base is given).
    Missing(String),
    /// The path is not under the base path.
    OutsideBase(String),
    /// The page exists but has no such id: page output path, fragment.
    Fragment(String, String),
}

/// What the audit of one page found: the page, its broken links, its external links (URL and
/// link as written), and how many links it has.
type PageFindings<'a> = (&'a str, Vec<(String, Broken)>, Vec<(String, String)>, usize);

/// Where a link leads, once resolved.
#[derive(Clone)]
enum Target {
    /// A file of the site, with the fragment (decoded, possibly empty).
    Internal(String, String),
    /// An http(s) URL elsewhere (fragment removed).
    External(String),
    /// Another scheme (`mailto:`), or nothing to check.
    Ignored,
    Broken(Broken),
}

impl SiteAudit<'_> {
    /// Checks every link of every page.
    pub fn run(&self) -> AuditReport {
        let pages: Vec<(&String, &str)> = self
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".html") || path.ends_with(".xml"))
            .filter_map(|(path, bytes)| {
                std::str::from_utf8(bytes.as_whole()?)
                    .ok()
                    .map(|t| (path, t))
            })
            .collect();
        let scans: HashMap<&str, PageScan> = pages
            .par_iter()
            .map(|(path, text)| (path.as_str(), scan_html(text)))
            .collect();
        // Broken links by page, and external links by URL.
        // Most links repeat from page to page (the navigation, the modifications): each worker
        // resolves a link once per folder it is relative to.
        let found: Vec<PageFindings<'_>> = pages
            .par_iter()
            .map_init(HashMap::<String, Target>::new, |resolved, (path, _)| {
                let scan = &scans[path.as_str()];
                let mut broken = Vec::new();
                let mut external = Vec::new();
                for link in &scan.links {
                    let key = if link.starts_with(['#', '?']) {
                        format!("{path}\0{link}")
                    } else if link.starts_with('/') || has_scheme(link) {
                        link.clone()
                    } else {
                        format!("{}\0{link}", self.page_dir(path))
                    };
                    let target = resolved
                        .entry(key)
                        .or_insert_with(|| self.resolve(path, link))
                        .clone();
                    match target {
                        Target::Internal(file, fragment) => {
                            if let Some(problem) = self.fragment_problem(&scans, &file, &fragment) {
                                broken.push((link.clone(), problem));
                            }
                        }
                        Target::External(url) => external.push((url, link.clone())),
                        Target::Broken(problem) => broken.push((link.clone(), problem)),
                        Target::Ignored => {}
                    }
                }
                (path.as_str(), broken, external, scan.links.len())
            })
            .collect();
        let mut report = AuditReport::default();
        // Template-made problems are reported once per template place and link.
        let mut by_place: BTreeMap<(Span, String), (Diagnostic, Vec<&str>)> = BTreeMap::new();
        let mut externals: BTreeMap<String, ExternalLink> = BTreeMap::new();
        for (page, broken, external, count) in found {
            report.checked += count;
            for (link, problem) in broken {
                match self.origin(page, &link) {
                    Origin::Body(span, written, raw_html) => report
                        .diagnostics
                        .push(self.diagnostic(span, &written, &problem, &scans, raw_html, None)),
                    Origin::Template(span) => {
                        let key = (span.clone(), link.clone());
                        by_place
                            .entry(key)
                            .or_insert_with(|| {
                                let d = self.diagnostic(
                                    span,
                                    &link,
                                    &problem,
                                    &scans,
                                    false,
                                    Some(page),
                                );
                                (d, Vec::new())
                            })
                            .1
                            .push(page);
                    }
                }
            }
            for (url, written) in external {
                match externals.get_mut(&url) {
                    Some(known) => known.pages += 1,
                    None => {
                        let (span, written) = match self.origin(page, &written) {
                            Origin::Body(span, written, _) => (span, written),
                            Origin::Template(span) => (span, written),
                        };
                        externals.insert(
                            url.clone(),
                            ExternalLink {
                                url,
                                span,
                                written,
                                pages: 1,
                            },
                        );
                    }
                }
            }
        }
        for (_, (mut diagnostic, pages)) in by_place {
            if pages.len() > 1 {
                diagnostic.message.push_str(&format!(
                    " (and on {} other page{})",
                    pages.len() - 1,
                    if pages.len() == 2 { "" } else { "s" }
                ));
            }
            report.diagnostics.push(diagnostic);
        }
        report.external = externals.into_values().collect();
        report
    }

    /// The URL path of the folder of page `page` (`/sec/releases/a/`).
    fn page_dir(&self, page: &str) -> String {
        match page.rfind('/') {
            Some(slash) => format!("{}{}", self.base_path, &page[..=slash]),
            None => self.base_path.to_string(),
        }
    }

    fn resolve(&self, page: &str, link: &str) -> Target {
        let link = link.trim();
        if link.is_empty() {
            return Target::Ignored;
        }
        let (without_fragment, fragment) = match link.find('#') {
            Some(hash) => (&link[..hash], &link[hash + 1..]),
            None => (link, ""),
        };
        let fragment = percent_decode(fragment).into_owned();
        let path_part = without_fragment
            .split('?')
            .next()
            .unwrap_or(without_fragment);
        if path_part.is_empty() {
            // `#id` or `?q`: this page.
            return Target::Internal(page.to_string(), fragment);
        }
        let (origin, base_origin_path) = split_origin(self.base_url);
        let absolute_path = if let Some(rest) = path_part.strip_prefix("//") {
            let url = format!("https://{rest}");
            let (link_origin, path) = split_origin(&url);
            if same_host(link_origin, origin) {
                path.to_string()
            } else {
                return Target::External(strip_fragment(&format!("https:{without_fragment}")));
            }
        } else if has_scheme(path_part) {
            let scheme = path_part[..path_part.find(':').unwrap_or(0)].to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Target::Ignored;
            }
            let (link_origin, path) = split_origin(path_part);
            if same_host(link_origin, origin) && path.starts_with(base_origin_path) {
                path.to_string()
            } else {
                return Target::External(without_fragment.to_string());
            }
        } else if path_part.starts_with('/') {
            path_part.to_string()
        } else {
            format!("{}{path_part}", self.page_dir(page))
        };
        let path = normalize_url_path(&percent_decode(&absolute_path));
        let base_without_slash = self.base_path.trim_end_matches('/');
        let inside = if path == base_without_slash {
            Some("")
        } else {
            path.strip_prefix(self.base_path)
        };
        let Some(inside) = inside else {
            return Target::Broken(Broken::OutsideBase(path));
        };
        let candidates = if inside.is_empty() || inside.ends_with('/') {
            vec![format!("{inside}index.html")]
        } else {
            vec![inside.to_string(), format!("{inside}/index.html")]
        };
        match candidates.into_iter().find(|c| self.files.contains_key(c)) {
            Some(file) => Target::Internal(file, fragment),
            None => Target::Broken(Broken::Missing(inside.to_string())),
        }
    }

    fn fragment_problem(
        &self,
        scans: &HashMap<&str, PageScan>,
        file: &str,
        fragment: &str,
    ) -> Option<Broken> {
        // An empty fragment and `#top` scroll to the top of any page (HTML standard).
        if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
            return None;
        }
        let scan = scans.get(file)?;
        if !file.ends_with(".html") || scan.ids.contains(fragment) {
            return None;
        }
        Some(Broken::Fragment(file.to_string(), fragment.to_string()))
    }

    /// What wrote `link` on `page`: the page's own Markdown body (a link, or raw HTML), else a
    /// template that holds the link's text, else another page's body (a root-relative or absolute
    /// link shown on this page too), else the page's template.
    fn origin(&self, page: &str, link: &str) -> Origin {
        if let Some(origin) = self.own_body_origin(page, link) {
            return origin;
        }
        if let Some(span) = self.template_literal(page, link) {
            return Origin::Template(span);
        }
        if link.starts_with('/') || has_scheme(link) {
            for body in self.bodies {
                if let Some(found) = body.links(self.base_path).iter().find(|l| l.target == link) {
                    return Origin::Body(
                        Span::new(&body.file, found.line, found.column),
                        found.destination.clone(),
                        false,
                    );
                }
            }
        }
        Origin::Template(self.template_start(page))
    }

    fn own_body_origin(&self, page: &str, link: &str) -> Option<Origin> {
        let decoded = percent_decode(link);
        let on_page = || self.bodies.iter().filter(|b| b.page == page);
        for body in on_page() {
            if let Some(found) = body
                .links(self.base_path)
                .iter()
                .find(|l| l.target == link || percent_decode(&l.target) == decoded)
            {
                let span = Span::new(&body.file, found.line, found.column)
                    .with_len(inline_link_len(body, found));
                return Some(Origin::Body(span, found.destination.clone(), false));
            }
        }
        // Raw HTML in the body: find the text as written.
        for body in on_page() {
            if let Some(offset) = find_attribute_value(&body.text, link) {
                let (line, column) = line_column(&body.text, offset);
                return Some(Origin::Body(
                    Span::new(&body.file, body.body_line + line - 1, column)
                        .with_len(link.chars().count()),
                    link.to_string(),
                    true,
                ));
            }
        }
        None
    }

    /// The templates, the page's own first.
    fn templates_for(&self, page: &str) -> Vec<&TemplateText> {
        let own = template_of(page);
        self.templates
            .iter()
            .filter(|t| t.name == own)
            .chain(self.templates.iter().filter(|t| t.name != own))
            .collect()
    }

    /// The line of a template that holds the text of `link` (as written, without the base
    /// path, or its last segment), searching the page's own template first.
    fn template_literal(&self, page: &str, link: &str) -> Option<Span> {
        let inside = link.strip_prefix(self.base_path).unwrap_or(link);
        let last_segment = inside
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split(['#', '?'])
            .next()
            .unwrap_or("");
        let mut needles = vec![link, inside];
        if last_segment.len() > 2 {
            needles.push(last_segment);
        }
        let templates = self.templates_for(page);
        for needle in needles.iter().filter(|n| !n.is_empty()) {
            for template in &templates {
                if let Some(offset) = find_attribute_value(&template.text, needle) {
                    let (line, column) = line_column(&template.text, offset);
                    return Some(
                        Span::new(&template.file, line, column).with_len(needle.chars().count()),
                    );
                }
            }
        }
        None
    }

    /// The start of the template that renders `page`.
    fn template_start(&self, page: &str) -> Span {
        let own = template_of(page);
        match self.templates_for(page).first() {
            Some(template) if template.name == own => Span::file_start(&template.file),
            _ => Span::file_start(format!("templates/{own}")),
        }
    }

    fn diagnostic(
        &self,
        span: Span,
        written: &str,
        problem: &Broken,
        scans: &HashMap<&str, PageScan>,
        raw_html: bool,
        template_page: Option<&str>,
    ) -> Diagnostic {
        let on_page = template_page
            .map(|page| format!(" on {}", self.page_url(page)))
            .unwrap_or_default();
        match problem {
            Broken::Missing(path) => {
                let diagnostic = Diagnostic::error(
                    "broken-link",
                    span,
                    format!("the link `{written}`{on_page} leads to no page of the site"),
                );
                match self.nearest_file(path) {
                    Some(guess) => diagnostic.with_help(format!(
                        "did you mean `{}`?",
                        self.page_url(&guess)
                    )),
                    None => diagnostic.with_help(
                        "check the path: site pages are /releases/SLUG/, /modifications/ID/, /documents/ID/",
                    ),
                }
            }
            Broken::OutsideBase(path) => {
                let help = if raw_html {
                    format!(
                        "links in raw HTML are not placed under the base path `{}`: write a Markdown link, which is, or a relative link",
                        self.base_path
                    )
                } else {
                    format!(
                        "the site lives under `{}`: start the link with it, or use a relative link",
                        self.base_path
                    )
                };
                Diagnostic::error(
                    "broken-link",
                    span,
                    format!(
                        "the link `{written}`{on_page} leads to `{path}`, outside the site's base path `{}`",
                        self.base_path
                    ),
                )
                .with_help(help)
            }
            Broken::Fragment(file, fragment) => {
                let diagnostic = Diagnostic::error(
                    "broken-fragment",
                    span,
                    format!(
                        "the link `{written}`{on_page} leads to {}, which has no element with the id `{fragment}`",
                        self.page_url(file)
                    ),
                );
                let ids = scans.get(file.as_str()).map(|s| &s.ids);
                let guess = ids.and_then(|ids| nearest(fragment, ids.iter().map(String::as_str)));
                match guess {
                    Some(id) => diagnostic.with_help(format!("did you mean `#{id}`?")),
                    None => diagnostic.with_help(
                        "a heading's id is made from its text (`## Key dates` has the id `key-dates`), or given as `{#id}`",
                    ),
                }
            }
        }
    }

    /// The URL path of an output file (`releases/a/index.html` → `/sec/releases/a/`).
    fn page_url(&self, file: &str) -> String {
        let path = file.strip_suffix("index.html").unwrap_or(file);
        format!("{}{path}", self.base_path)
    }

    /// The existing file nearest to a missing path: a sibling a typo away.
    fn nearest_file(&self, missing: &str) -> Option<String> {
        super::nearest_path(missing, self.files.keys().map(String::as_str))
    }
}

/// The length in characters of an inline link `[text](destination)` that starts at the link's
/// place, when it closes on the same line; 0 when it cannot be told (a reference link).
fn inline_link_len(body: &PageBody, link: &BodyLink) -> usize {
    let Some(line) = body
        .text
        .split('\n')
        .nth(link.line.saturating_sub(body.body_line))
    else {
        return 0;
    };
    let Some(start) = line
        .char_indices()
        .nth(link.column.saturating_sub(1))
        .map(|(i, _)| i)
    else {
        return 0;
    };
    let rest = &line[start..];
    let opening = format!("]({}", link.destination);
    let Some(at) = rest.find(&opening) else {
        return 0;
    };
    match rest[at + opening.len()..].find(')') {
        Some(close) => rest[..at + opening.len() + close + 1].chars().count(),
        None => 0,
    }
}

/// The built-in template that renders an output path (templates extend it or `base.html`).
pub fn template_of(page: &str) -> &'static str {
    let segments: Vec<&str> = page.split('/').collect();
    match segments.as_slice() {
        ["index.html"] => "index.html",
        ["404.html"] => "404.html",
        ["feed.xml"] | [_, "feed.xml"] | [_, _, "feed.xml"] => "feed.xml",
        [name] if name.starts_with("sitemap") => "sitemap.xml",
        ["releases", "index.html"] | ["releases", "page", _, "index.html"] => "releases.html",
        ["releases", _, "index.html"] => "release.html",
        ["modifications", "index.html"] => "modifications.html",
        ["modifications", _, "index.html"] => "modification.html",
        ["documents", "index.html"] => "documents.html",
        ["documents", _, "index.html"] => "document.html",
        [_, "index.html"] => "page.html",
        _ => "base.html",
    }
}

/// The byte offset of `value` in `text` where it stands as an attribute value or link
/// destination (after `="`, `='`, `=` or `(`), else anywhere.
fn find_attribute_value(text: &str, value: &str) -> Option<usize> {
    if value.is_empty() {
        return None;
    }
    let mut first = None;
    let mut start = 0;
    while let Some(found) = text[start..].find(value) {
        let at = start + found;
        let before = text[..at].trim_end_matches(['"', '\'']);
        if before.ends_with('=') || before.ends_with('(') || before.ends_with("}}") {
            return Some(at);
        }
        first.get_or_insert(at);
        start = at + value.len().max(1);
        if start >= text.len() {
            break;
        }
    }
    first
}

/// The 1-based line and character column of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Whether `text` starts with a URL scheme (`https:`, `mailto:`).
pub fn has_scheme(text: &str) -> bool {
    match text.find(':') {
        Some(colon) if colon > 0 => {
            let scheme = &text[..colon];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// Splits an absolute URL into its origin (`https://example.org`) and path (`/sec/x`).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(slash) if url.as_bytes()[after_scheme + slash] == b'/' => {
            url.split_at(after_scheme + slash)
        }
        _ => (url, "/"),
    }
}

/// Whether two origins name the same host and port, whatever the scheme.
fn same_host(a: &str, b: &str) -> bool {
    let host = |origin: &str| {
        origin
            .split_once("://")
            .map_or(origin, |(_, h)| h)
            .to_ascii_lowercase()
    };
    host(a) == host(b)
}

fn strip_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

/// Resolves `.` and `..` segments of an absolute URL path as a browser does (`..` stops at `/`).
pub fn normalize_url_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').collect();
    let last = parts.len() - 1;
    let mut trailing_slash = false;
    for (index, segment) in parts.iter().enumerate() {
        match *segment {
            "" => trailing_slash = index == last,
            "." => trailing_slash = index == last,
            ".." => {
                segments.pop();
                trailing_slash = index == last;
            }
            other => {
                segments.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut joined = format!("/{}", segments.join("/"));
    if trailing_slash && !segments.is_empty() {
        joined.push('/');
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_ids_and_links_skipping_comments_scripts_and_decoding_entities() {
        let html = r##"<!doctype html><html><head><link rel="stylesheet" href="/sec/style.css">
            <script src="a.js">var x = '<a href="nope">';</script><style>a[href="x"]{}</style></head>
            <!-- <a href="commented"> -->
            <body><h2 id="key-dates">K</h2><a name=old href='../b/?x=1&amp;y=2#key-dates'>b</a>
            <img src=pic.png alt="x"><a href="&#x2F;sec&#x2F;">home</a><br/><p id = "spaced">
            <base href="/ignored/"></body>"##;
        let scan = scan_html(html);
        assert_eq!(
            scan.links,
            [
                "/sec/style.css",
                "a.js",
                "../b/?x=1&y=2#key-dates",
                "pic.png",
                "/sec/"
            ]
        );
        let mut ids: Vec<&str> = scan.ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["key-dates", "old", "spaced"]);
    }

    #[test]
    fn broken_markup_never_fails() {
        for html in [
            "<",
            "<a",
            "<a href=",
            "<a href=\"x",
            "<!--",
            "<script>",
            "<a =x>",
            "&#xFFFFFFFF;",
        ] {
            let _ = scan_html(html);
        }
        assert_eq!(decode_entities("a&#xFFFFFFFF;b&amp"), "a&#xFFFFFFFF;b&amp");
        // Found by the fuzz target: a `&` followed by a character cut by a 12-byte window.
        assert_eq!(decode_entities("&lt;a href?“/x”&gt;"), "<a href?“/x”>");
    }

    #[test]
    fn url_paths_resolve_like_a_browser() {
        assert_eq!(
            normalize_url_path("/sec/releases/a/../../documents/"),
            "/sec/documents/"
        );
        assert_eq!(normalize_url_path("/a/../../../x"), "/x");
        assert_eq!(normalize_url_path("/a/./b/.."), "/a/");
        assert_eq!(normalize_url_path("/"), "/");
        assert_eq!(percent_decode("caf%C3%A9%2"), "café%2");
    }

    fn site(files: &[(&str, &str)]) -> BTreeMap<String, FileBytes> {
        files
            .iter()
            .map(|(p, t)| (p.to_string(), FileBytes::from(t.to_string())))
            .collect()
    }

    #[test]
    fn links_and_fragments_resolve_under_the_base_path() {
        let files = site(&[
            (
                "index.html",
                r#"<a href="/sec/releases/a/#intro">a</a><a href="/documents/">x</a><a href="https://example.org/sec/releases/a/">abs</a><a href="https://other.org/x#y">ext</a><a href="mailto:x@y">m</a>"#,
            ),
            (
                "releases/a/index.html",
                r##"<h2 id="intro">I</h2><a href="../b/">b</a><a href="#nope">n</a><a href="../../style.css">s</a><a href="../../../../documents/">up</a>"##,
            ),
            ("style.css", "body{}"),
        ]);
        let audit = SiteAudit {
            files: &files,
            base_url: "https://example.org/sec/",
            base_path: "/sec/",
            bodies: &[],
            templates: &[],
        };
        let report = audit.run();
        let mut messages: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                "broken-fragment the link `#nope` on /sec/releases/a/ leads to /sec/releases/a/, which has no element with the id `nope`",
                "broken-link the link `../../../../documents/` on /sec/releases/a/ leads to `/documents/`, outside the site's base path `/sec/`",
                "broken-link the link `../b/` on /sec/releases/a/ leads to no page of the site",
                "broken-link the link `/documents/` on /sec/ leads to `/documents/`, outside the site's base path `/sec/`",
            ]
        );
        assert_eq!(report.external.len(), 1);
        assert_eq!(report.external[0].url, "https://other.org/x");
    }
}
