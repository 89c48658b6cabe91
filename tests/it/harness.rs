//! The harness: copies a fixture site into a fresh folder under `CARGO_TARGET_TMPDIR`, runs the real
//! `secsite` binary on it, and reads what it wrote: files, HTML attributes and tables, and XML.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The build date the fixture sites are built with unless a test says otherwise.
pub const AS_OF: &str = "2021-01-31";

/// The repository's root (where Cargo.toml is), found at compile time, never from the working folder.
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The folder of fixture `case` (`every-kind`, `invalid/bad-date`).
pub fn fixture_dir(case: &str) -> PathBuf {
    manifest_dir().join("tests").join("fixtures").join(case)
}

/// A site folder copied into a temporary folder of its own, removed when dropped.
pub struct Site {
    dir: tempfile::TempDir,
    /// The site folder: `<tmp>/site`.
    pub root: PathBuf,
}

impl Site {
    /// A copy of `tests/fixtures/<case>`.
    pub fn fixture(case: &str) -> Site {
        let source = fixture_dir(case);
        assert!(source.is_dir(), "no fixture at {}", source.display());
        let site = Site::empty(case);
        copy_dir(&source, &site.root);
        site
    }

    /// A copy of the repository's own default site: secsite.yaml, content/, templates/, static/.
    pub fn default_site() -> Site {
        let site = Site::empty("default");
        for folder in ["content", "templates", "static"] {
            copy_dir(&manifest_dir().join(folder), &site.root.join(folder));
        }
        fs::copy(
            manifest_dir().join("secsite.yaml"),
            site.root.join("secsite.yaml"),
        )
        .expect("copy secsite.yaml");
        site
    }

    /// An empty site folder.
    pub fn empty(label: &str) -> Site {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", label.replace(['/', '\\'], "-")))
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("create a temporary folder");
        let root = dir.path().join("site");
        fs::create_dir(&root).expect("create the site folder");
        Site { dir, root }
    }

    /// The temporary folder that holds the site folder (and any other output a test asks for).
    pub fn tmp(&self) -> &Path {
        self.dir.path()
    }

    /// The root as a string argument.
    pub fn root_arg(&self) -> String {
        path_arg(&self.root)
    }

    /// Runs `secsite` with exactly `args`, from the temporary folder (not the site folder).
    pub fn run<S: Into<OsString> + Clone>(&self, args: &[S]) -> Run {
        self.run_in(self.dir.path(), args)
    }

    /// Runs `secsite` with exactly `args` from the folder `cwd`.
    pub fn run_in<S: Into<OsString> + Clone>(&self, cwd: &Path, args: &[S]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_secsite"))
            .args(args.iter().cloned().map(Into::into))
            .current_dir(cwd)
            .output()
            .expect("run the secsite binary");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: self.normalize(&String::from_utf8_lossy(&output.stdout)),
            stderr: self.normalize(&String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// `secsite build --root ROOT ARGS`, with `--as-of AS_OF` unless `args` gives one.
    pub fn build(&self, args: &[&str]) -> Run {
        self.command("build", args)
    }

    /// `secsite check --root ROOT ARGS`, with `--as-of AS_OF` unless `args` gives one.
    pub fn check(&self, args: &[&str]) -> Run {
        self.command("check", args)
    }

    fn command(&self, command: &str, args: &[&str]) -> Run {
        let mut full: Vec<String> = vec![command.into(), "--root".into(), self.root_arg()];
        full.extend(args.iter().map(|a| a.to_string()));
        if !args.contains(&"--as-of") {
            full.extend(["--as-of".to_string(), AS_OF.to_string()]);
        }
        self.run(&full)
    }

    /// A build that must succeed with no diagnostic at all; returns its output folder.
    pub fn build_ok(&self, args: &[&str]) -> Output {
        let run = self.build(args);
        run.assert_code(0);
        assert_eq!(run.stderr, "", "a clean build prints nothing on stderr");
        self.output()
    }

    /// The default output folder, ROOT/public.
    pub fn output(&self) -> Output {
        Output::at(self.root.join("public"))
    }

    /// Writes `text` to `rel` under the root, creating folders.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create folders");
        fs::write(&path, text).expect("write a site file");
    }

    /// Removes the file `rel` under the root.
    pub fn remove(&self, rel: &str) {
        fs::remove_file(self.root.join(rel)).expect("remove a site file");
    }

    /// Replaces the absolute temporary paths in `text` by `[TMP]`.
    fn normalize(&self, text: &str) -> String {
        let mut text = text.to_string();
        let mut prefixes = vec![self.dir.path().display().to_string()];
        if let Ok(canonical) = self.dir.path().canonicalize() {
            prefixes.push(canonical.display().to_string());
        }
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for prefix in prefixes {
            text = text.replace(&prefix, "[TMP]");
        }
        text
    }
}

/// A path as a command-line argument.
pub fn path_arg(path: &Path) -> String {
    path.to_str()
        .expect("temporary paths are UTF-8")
        .to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create a folder of the copy");
    for entry in fs::read_dir(from).expect("read a fixture folder") {
        let entry = entry.expect("read a fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, temporary paths normalised.
    pub stdout: String,
    /// Standard error, temporary paths normalised.
    pub stderr: String,
}

impl Run {
    /// Fails with both streams shown when the exit code is not `code`.
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
    }

    /// Standard output with the build time (`in 0.03 s`) replaced by `in [T] s`.
    pub fn stdout_without_time(&self) -> String {
        self.stdout
            .lines()
            .map(|line| match line.find(" s into ") {
                Some(end) => {
                    let start = line[..end]
                        .rfind(" in ")
                        .map(|i| i + 4)
                        .filter(|&s| line[s..end].chars().all(|c| c.is_ascii_digit() || c == '.'))
                        .unwrap_or(end);
                    format!("{}[T]{}", &line[..start], &line[end..])
                }
                None => line.to_string(),
            })
            .map(|line| line + "\n")
            .collect()
    }
}

/// An output folder of a build.
pub struct Output {
    /// Where it is.
    pub dir: PathBuf,
}

impl Output {
    /// The output folder at `dir`.
    pub fn at(dir: PathBuf) -> Output {
        Output { dir }
    }

    /// Whether the folder exists.
    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    /// Every file, by path relative to the folder with `/` separators.
    pub fn files(&self) -> BTreeSet<String> {
        self.snapshot().into_keys().collect()
    }

    /// Every file with its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        collect_files(&self.dir, "", &mut files);
        files
    }

    /// The HTML pages.
    pub fn html_pages(&self) -> Vec<String> {
        self.files()
            .into_iter()
            .filter(|p| p.ends_with(".html"))
            .collect()
    }

    /// Whether the file `rel` exists.
    pub fn has(&self, rel: &str) -> bool {
        self.dir.join(rel).is_file()
    }

    /// The text of the file `rel`.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|error| {
            panic!(
                "cannot read {rel} of the output ({error}); the output has:\n{}",
                self.files().into_iter().collect::<Vec<_>>().join("\n")
            )
        })
    }
}

fn collect_files(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("read an output entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        if entry.file_type().expect("file type").is_dir() {
            collect_files(&entry.path(), &format!("{rel}/"), files);
        } else {
            files.insert(rel, fs::read(entry.path()).expect("read an output file"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTML: a small tag scanner, enough for the pages secsite writes.

/// A start tag and its attributes (values decoded).
#[derive(Debug, Clone)]
pub struct Tag {
    /// The element name, lower case.
    pub name: String,
    /// Attributes in order.
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the `class` attribute holds `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|w| w == class))
    }
}

/// Every start tag of `html`, in order; comments, doctypes and end tags are skipped.
pub fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(found) = html[i..].find('<') {
        let start = i + found;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = start + rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        if !bytes.get(start + 1).is_some_and(u8::is_ascii_alphabetic) {
            i = start + 1;
            continue;
        }
        let mut j = start + 1;
        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !b"/>".contains(&bytes[j]) {
            j += 1;
        }
        let name = html[start + 1..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                j += 1;
                break;
            }
            if bytes[j] == b'/' {
                j += 1;
                continue;
            }
            let name_start = j;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !b"=/>".contains(&bytes[j])
            {
                j += 1;
            }
            let attr_name = html[name_start..j].to_ascii_lowercase();
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let mut value = String::new();
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                match bytes.get(j) {
                    Some(&quote @ (b'"' | b'\'')) => {
                        let end = html[j + 1..]
                            .find(quote as char)
                            .map_or(bytes.len(), |e| j + 1 + e);
                        value = decode_entities(&html[j + 1..end]);
                        j = end + 1;
                    }
                    _ => {
                        let value_start = j;
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>'
                        {
                            j += 1;
                        }
                        value = decode_entities(&html[value_start..j]);
                    }
                }
            }
            attrs.push((attr_name, value));
        }
        tags.push(Tag { name, attrs });
        i = j.min(html.len());
    }
    tags
}

/// Every `href` and `src` value of `html`, in order.
pub fn link_values(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .flat_map(|t| {
            t.attrs
                .into_iter()
                .filter(|(n, _)| n == "href" || n == "src")
                .map(|(_, v)| v)
        })
        .collect()
}

/// Every `id` of `html`.
pub fn ids(html: &str) -> BTreeSet<String> {
    tags(html)
        .into_iter()
        .filter_map(|t| t.attr("id").map(str::to_string))
        .collect()
}

/// The `href` of each `<a>` with `rel="<rel>"`.
pub fn rel_links(html: &str, rel: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .filter(|t| t.name == "a" && t.attr("rel") == Some(rel))
        .filter_map(|t| t.attr("href").map(str::to_string))
        .collect()
}

/// The `href` of the first `<a>` after each element with class `class` (`notice-title`).
pub fn hrefs_after_class(html: &str, class: &str) -> Vec<String> {
    let all = tags(html);
    let mut hrefs = Vec::new();
    for (index, tag) in all.iter().enumerate() {
        if tag.has_class(class)
            && let Some(a) = all[index + 1..].iter().find(|t| t.name == "a")
        {
            hrefs.push(a.attr("href").unwrap_or_default().to_string());
        }
    }
    hrefs
}

/// Decodes the character references secsite and Markdown produce.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let decoded = after.find(';').and_then(|semi| {
            let name = &after[1..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of an HTML fragment: tags removed, references decoded, white space collapsed.
pub fn text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (c, in_tag) {
            ('<', false) => in_tag = true,
            ('>', true) => in_tag = false,
            (c, false) => raw.push(c),
            _ => {}
        }
    }
    decode_entities(&raw)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The part of `html` inside `<main ...>` … `</main>`.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("a page has <main>");
    let end = html[start..]
        .find("</main>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// The text of the element that follows the `<dt>` labelled `label` (`<dt>Release</dt><dd>…</dd>`).
pub fn fact(html: &str, label: &str) -> Option<String> {
    let marker = format!("<dt>{label}</dt>");
    let start = html.find(&marker)? + marker.len();
    let rest = &html[start..];
    let end = rest.find("</dd>")?;
    Some(text(&rest[..end]))
}

/// The rows of the body of the table whose caption contains `caption`, each as the raw HTML of
/// its cells (`th` and `td`, in order). Panics when no such table exists.
pub fn table_cells_html(html: &str, caption: &str) -> Vec<Vec<String>> {
    let mut search = 0;
    let table_start = loop {
        let at = html[search..]
            .find("<caption>")
            .map(|i| search + i)
            .unwrap_or_else(|| panic!("no table captioned “{caption}” in:\n{html}"));
        let end = at + html[at..].find("</caption>").expect("caption closed");
        if text(&html[at..end]).contains(caption) {
            break end;
        }
        search = end;
    };
    let body_start = table_start + html[table_start..].find("<tbody>").expect("a tbody");
    let body_end = body_start + html[body_start..].find("</tbody>").expect("tbody closed");
    let body = &html[body_start..body_end];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            let mut cells = Vec::new();
            let mut rest = row;
            loop {
                let next = [rest.find("<th"), rest.find("<td")]
                    .into_iter()
                    .flatten()
                    .min();
                let Some(open) = next else { break };
                let close = rest[open..]
                    .find(['>'])
                    .map(|i| open + i + 1)
                    .expect("cell tag closed");
                let end_tag = if rest[open..].starts_with("<th") {
                    "</th>"
                } else {
                    "</td>"
                };
                let end = rest[close..]
                    .find(end_tag)
                    .map_or(rest.len(), |i| close + i);
                cells.push(rest[close..end].to_string());
                rest = &rest[(end + end_tag.len()).min(rest.len())..];
            }
            cells
        })
        .collect()
}

/// The rows of a table as text (see [`table_cells_html`]).
pub fn table_rows(html: &str, caption: &str) -> Vec<Vec<String>> {
    table_cells_html(html, caption)
        .into_iter()
        .map(|row| row.iter().map(|c| text(c)).collect())
        .collect()
}

/// Owned rows from string literals, to compare with [`table_rows`].
pub fn rows(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Links: every href and src of every page, resolved against the output.

/// What checking the links of a site found.
#[derive(Debug, Default)]
pub struct LinkReport {
    /// Every internal link: (page, link as written).
    pub internal: Vec<(String, String)>,
    /// Every link that does not resolve, described.
    pub problems: Vec<String>,
}

/// The path of a base URL: `/` or `/sec/`.
pub fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    after_scheme
        .find('/')
        .map_or("/".to_string(), |i| after_scheme[i..].to_string())
}

fn has_scheme(link: &str) -> bool {
    link.find(':').is_some_and(|colon| {
        colon > 0
            && link[..colon].starts_with(|c: char| c.is_ascii_alphabetic())
            && link[..colon]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// Resolves `.` and `..` in a site path; None when it climbs above the root.
fn normalize_site_path(path: &str) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    let mut joined = segments.join("/");
    if (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) && !joined.is_empty()
    {
        joined.push('/');
    }
    Some(joined)
}

/// Checks every `href` and `src` of every HTML page of `output`, for a site built with
/// `base_url`: root-relative links must lie under its path, absolute links to the site are
/// checked too, `/` means `index.html`, and a fragment must be an `id` of the target page.
pub fn check_links(output: &Output, base_url: &str) -> LinkReport {
    let base_path = base_path_of(base_url);
    let files = output.files();
    let mut report = LinkReport::default();
    let mut id_cache: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in output.html_pages() {
        let html = output.read(&page);
        let page_dir = page.rfind('/').map_or("", |i| &page[..=i]).to_string();
        for link in link_values(&html) {
            let site_relative = if link.starts_with('#') {
                Some(format!("{}{link}", page.trim_end_matches("index.html")))
            } else if has_scheme(&link) {
                link.strip_prefix(base_url).map(str::to_string)
            } else if link.starts_with("//") {
                None
            } else if let Some(rooted) = link.strip_prefix('/') {
                match format!("/{rooted}").strip_prefix(&base_path) {
                    Some(inside) => Some(inside.to_string()),
                    None => {
                        report.internal.push((page.clone(), link.clone()));
                        report.problems.push(format!(
                            "{page}: `{link}` is outside the base path {base_path}"
                        ));
                        continue;
                    }
                }
            } else {
                Some(format!("{page_dir}{link}"))
            };
            let Some(site_relative) = site_relative else {
                continue;
            };
            report.internal.push((page.clone(), link.clone()));
            let (path, fragment) = match site_relative.split_once('#') {
                Some((p, f)) => (p.to_string(), Some(f.to_string())),
                None => (site_relative.clone(), None),
            };
            let path = path.split('?').next().unwrap_or("").to_string();
            let Some(path) = normalize_site_path(&path) else {
                report
                    .problems
                    .push(format!("{page}: `{link}` climbs above the site"));
                continue;
            };
            let target = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else if files.contains(&path) {
                path
            } else {
                format!("{path}/index.html")
            };
            if !files.contains(&target) {
                report
                    .problems
                    .push(format!("{page}: `{link}` leads to no file ({target})"));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let ids = id_cache
                    .entry(target.clone())
                    .or_insert_with(|| ids(&output.read(&target)));
                if !ids.contains(&fragment) {
                    report
                        .problems
                        .push(format!("{page}: `{link}`: {target} has no id `{fragment}`"));
                }
            }
        }
    }
    report
}

/// The permalink of each HTML page but 404.html, as a sitemap should list them.
pub fn expected_sitemap_locs(output: &Output, base_url: &str) -> BTreeSet<String> {
    output
        .html_pages()
        .into_iter()
        .filter(|p| p != "404.html")
        .map(|p| format!("{base_url}{}", p.trim_end_matches("index.html")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// XML: a strict little parser, enough to prove feed.xml and sitemap.xml well-formed and read them.

/// An XML element.
#[derive(Debug, Clone)]
pub struct Element {
    /// The name as written (with any prefix).
    pub name: String,
    /// Attributes, values decoded.
    pub attrs: Vec<(String, String)>,
    /// Children in order.
    pub children: Vec<Node>,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data, decoded.
    Text(String),
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The child elements named `name`.
    pub fn children_named(&self, name: &str) -> Vec<&Element> {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Element(e) if e.name == name => Some(e),
                _ => None,
            })
            .collect()
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> &Element {
        self.children_named(name)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("<{}> has no <{name}>", self.name))
    }

    /// All the character data inside the element.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .map(|n| match n {
                Node::Text(t) => t.clone(),
                Node::Element(e) => e.text(),
            })
            .collect()
    }
}

/// Parses a whole XML document, failing on anything that is not well-formed: unbalanced or
/// mismatched tags, unquoted or repeated attributes, `<` in attribute values, unknown entities,
/// more than one root element.
pub fn parse_xml(text: &str) -> Result<Element, String> {
    let mut parser = XmlParser { s: text, i: 0 };
    parser.misc()?;
    if !parser.rest().starts_with('<') {
        return Err(parser.error("expected the root element"));
    }
    let root = parser.element()?;
    parser.misc()?;
    if parser.i != text.len() {
        return Err(parser.error("content after the root element"));
    }
    Ok(root)
}

struct XmlParser<'a> {
    s: &'a str,
    i: usize,
}

impl XmlParser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn error(&self, message: &str) -> String {
        let line = self.s[..self.i].matches('\n').count() + 1;
        format!("line {line}: {message}")
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\r', '\n']);
        self.i = self.s.len() - trimmed.len();
    }

    fn skip_past(&mut self, end: &str, what: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => Err(self.error(&format!("unclosed {what}"))),
        }
    }

    /// White space, comments and processing instructions (the XML declaration among them).
    fn misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_space();
            if self.rest().starts_with("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if self.rest().starts_with("<!--") {
                self.skip_past("-->", "comment")?;
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || "-_.:".contains(c)))
            .unwrap_or(rest.len());
        if len == 0 || !rest.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == ':') {
            return Err(self.error("expected a name"));
        }
        let name = rest[..len].to_string();
        self.i += len;
        Ok(name)
    }

    fn element(&mut self) -> Result<Element, String> {
        self.i += 1; // '<'
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let before = self.i;
            self.skip_space();
            if self.rest().starts_with("/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.i += 1;
                break;
            }
            if self.i == before {
                return Err(self.error("expected white space before an attribute"));
            }
            let attr = self.name()?;
            self.skip_space();
            if !self.rest().starts_with('=') {
                return Err(self.error(&format!("attribute `{attr}` has no value")));
            }
            self.i += 1;
            self.skip_space();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return Err(self.error(&format!("attribute `{attr}` is not quoted"))),
            };
            self.i += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| self.error("unclosed attribute value"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(self.error("`<` in an attribute value"));
            }
            let value = decode_strict(raw).map_err(|e| self.error(&e))?;
            if attrs.iter().any(|(n, _)| *n == attr) {
                return Err(self.error(&format!("attribute `{attr}` repeated")));
            }
            attrs.push((attr, value));
            self.i += end + 1;
        }
        let mut children = Vec::new();
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(self.error(&format!("<{name}> is never closed")));
            }
            if rest.starts_with("</") {
                self.i += 2;
                let end_name = self.name()?;
                if end_name != name {
                    return Err(self.error(&format!("</{end_name}> closes <{name}>")));
                }
                self.skip_space();
                if !self.rest().starts_with('>') {
                    return Err(self.error("end tag not closed"));
                }
                self.i += 1;
                return Ok(Element {
                    name,
                    attrs,
                    children,
                });
            } else if rest.starts_with("<!--") {
                self.skip_past("-->", "comment")?;
            } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
                let end = cdata
                    .find("]]>")
                    .ok_or_else(|| self.error("unclosed CDATA"))?;
                children.push(Node::Text(cdata[..end].to_string()));
                self.i += "<![CDATA[".len() + end + 3;
            } else if rest.starts_with("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if rest.starts_with('<') {
                children.push(Node::Element(self.element()?));
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let raw = &rest[..end];
                if raw.contains("]]>") {
                    return Err(self.error("`]]>` in character data"));
                }
                let value = decode_strict(raw).map_err(|e| self.error(&e))?;
                children.push(Node::Text(value));
                self.i += end;
            }
        }
    }
}

/// Decodes XML references, failing on `&` that starts none of the five entities or a number.
fn decode_strict(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .ok_or_else(|| format!("bare `&` in `{raw}`"))?;
        let name = &after[..semi];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32)
                .ok_or_else(|| format!("unknown entity `&{name};`"))?,
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xml_parser_rejects_what_is_not_well_formed() {
        assert!(
            parse_xml("<?xml version=\"1.0\"?>\n<a x=\"1\"><b>t &amp; u</b><c/></a>\n").is_ok()
        );
        for bad in [
            "<a><b></a></b>",
            "<a>",
            "<a x=1></a>",
            "<a>&nbsp;</a>",
            "<a>R&D</a>",
            "<a></a><b></b>",
            "<a x=\"1\" x=\"2\"></a>",
            "<a x=\"<\"></a>",
        ] {
            assert!(parse_xml(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn the_tag_scanner_reads_attributes_and_tables() {
        let html = "<p><a href=\"/x/?a=1&amp;b=2#f\" rel=next>X</a><!-- <a href=\"/no/\"> --><img src='/i.svg' alt=\"\"></p>\
            <table><caption>Things</caption><tbody><tr><th scope=\"row\"><a href=\"/t/\">T</a></th><td>A &amp; <b>B</b></td></tr></tbody></table>";
        assert_eq!(link_values(html), ["/x/?a=1&b=2#f", "/i.svg", "/t/"]);
        assert_eq!(rel_links(html, "next"), ["/x/?a=1&b=2#f"]);
        assert_eq!(table_rows(html, "Things"), rows(&[&["T", "A & B"]]));
    }

    #[test]
    fn check_links_finds_missing_targets_bad_fragments_and_links_outside_the_base() {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary folder");
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            fs::create_dir_all(path.parent().expect("parent")).expect("folders");
            fs::write(path, text).expect("write");
        };
        write(
            "index.html",
            "<p id=\"top\"><a href=\"/sec/a/\">1</a><a href=\"/sec/a/#x\">2</a>\
             <a href=\"/sec/a/#nope\">3</a><a href=\"/sec/missing/\">4</a><a href=\"/other/\">5</a>\
             <a href=\"https://example.org/sec/a/\">6</a><a href=\"https://elsewhere.org/\">7</a>\
             <a href=\"mailto:a@example.org\">8</a><img src=\"logo.svg\"><a href=\"#top\">9</a>\
             <a href=\"a/../../..\">10</a></p>",
        );
        write(
            "a/index.html",
            "<h2 id=\"x\">X</h2><a href=\"../logo.svg\">up</a>",
        );
        write("logo.svg", "<svg/>");
        let report = check_links(
            &Output::at(dir.path().to_path_buf()),
            "https://example.org/sec/",
        );
        assert_eq!(report.internal.len(), 10, "{:#?}", report.internal);
        assert_eq!(report.problems.len(), 4, "{:#?}", report.problems);
        for needle in ["#nope", "/sec/missing/", "/other/", "a/../../.."] {
            assert!(
                report.problems.iter().any(|p| p.contains(needle)),
                "{needle}: {:#?}",
                report.problems
            );
        }
    }

    #[test]
    fn links_resolve_with_fragments_and_base_paths() {
        assert_eq!(base_path_of("https://example.org/sec/"), "/sec/");
        assert_eq!(base_path_of("https://example.org/"), "/");
        assert_eq!(normalize_site_path("a/b/../c/").as_deref(), Some("a/c/"));
        assert_eq!(normalize_site_path("../x"), None);
        assert!(has_scheme("mailto:x@y") && has_scheme("https://x") && !has_scheme("/a:b"));
    }
}
