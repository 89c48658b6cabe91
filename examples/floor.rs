//! The floor of the benchmarks: the least work any generator must do to publish a site of notices.
//! It reads the same files as secsite, splits the front matter, parses it with serde_yaml, renders
//! the body with pulldown-cmark (secsite's options) and writes one page per notice, one listing page
//! of every title and one page per modification id naming its notices, on all cores with rayon. No
//! templates, no validation, no cross-links, no Document Log, no feed.
//!
//! ```sh
//! cargo run --release --example floor -- --root /dev/shm/corpus-10000 --output /dev/shm/out-floor
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;
use serde::Deserialize;
use walkdir::WalkDir;

#[derive(Deserialize)]
struct FrontMatter {
    title: String,
    date: String,
    #[serde(default)]
    modifications: Vec<ModificationRow>,
}

#[derive(Deserialize)]
struct ModificationRow {
    id: String,
}

struct Written {
    slug: String,
    title: String,
    date: String,
    modifications: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let (root, output) = parse_args()?;
    let releases = root.join("content/releases");
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in WalkDir::new(&releases) {
        let entry = entry.with_context(|| format!("cannot read {}", releases.display()))?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md") {
            files.push(entry.into_path());
        }
    }
    std::fs::create_dir_all(output.join("releases"))?;
    let walked = started.elapsed();

    let mut notices: Vec<Written> = files
        .par_iter()
        .map(|path| notice(path, &output))
        .collect::<anyhow::Result<_>>()?;

    let rendered = started.elapsed();

    // The listing: every title, newest first.
    notices.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
    let mut listing = page_start("Notices");
    listing.push_str("<ul>\n");
    for n in &notices {
        let _ = writeln!(
            listing,
            "<li>{} <a href=\"{}/\">{}</a></li>",
            n.date,
            n.slug,
            escape(&n.title)
        );
    }
    listing.push_str("</ul>\n</body></html>\n");
    std::fs::write(output.join("releases/index.html"), listing)?;

    // One page per modification id, naming the notices that list it.
    let mut by_modification: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for n in &notices {
        for id in &n.modifications {
            let key: String = id
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect();
            by_modification.entry(key).or_default().push(&n.slug);
        }
    }
    let modifications = output.join("modifications");
    by_modification
        .par_iter()
        .try_for_each(|(key, slugs)| -> anyhow::Result<()> {
            let mut page = page_start(key);
            page.push_str("<ul>\n");
            for slug in slugs {
                let _ = writeln!(
                    page,
                    "<li><a href=\"../../releases/{slug}/\">{slug}</a></li>"
                );
            }
            page.push_str("</ul>\n</body></html>\n");
            let dir = modifications.join(key);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("index.html"), page)?;
            Ok(())
        })?;

    println!(
        "floor: {} notices, {} modification pages, {} pages in {:.2} s into {} \
         (walk {:.2} s, notices {:.2} s, listing and modifications {:.2} s; {} threads)",
        notices.len(),
        by_modification.len(),
        notices.len() + by_modification.len() + 1,
        started.elapsed().as_secs_f64(),
        output.display(),
        walked.as_secs_f64(),
        (rendered - walked).as_secs_f64(),
        (started.elapsed() - rendered).as_secs_f64(),
        rayon::current_num_threads()
    );
    Ok(())
}

fn parse_args() -> anyhow::Result<(PathBuf, PathBuf)> {
    let usage = "usage: floor --root DIR --output DIR";
    let mut root = None;
    let mut output = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => root = args.next().map(PathBuf::from),
            "--output" => output = args.next().map(PathBuf::from),
            other => bail!("unknown argument `{other}`\n{usage}"),
        }
    }
    match (root, output) {
        (Some(root), Some(output)) => Ok((root, output)),
        _ => bail!("{usage}"),
    }
}

/// Reads, parses, renders and writes one notice.
fn notice(path: &Path, output: &Path) -> anyhow::Result<Written> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let (yaml, body) = split_front_matter(&text)
        .with_context(|| format!("{}: no front matter", path.display()))?;
    let front: FrontMatter =
        serde_yaml::from_str(yaml).with_context(|| format!("{}", path.display()))?;
    let slug = path
        .file_stem()
        .and_then(|s| s.to_str())
        .context("file name")?
        .to_string();

    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut page = page_start(&front.title);
    let _ = writeln!(
        page,
        "<h1>{}</h1>\n<p>{}</p>",
        escape(&front.title),
        front.date
    );
    html::push_html(&mut page, Parser::new_ext(body, options));
    page.push_str("</body></html>\n");
    let dir = output.join("releases").join(&slug);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("index.html"), page)?;
    Ok(Written {
        slug,
        title: front.title,
        date: front.date,
        modifications: front.modifications.into_iter().map(|m| m.id).collect(),
    })
}

/// The YAML between the opening and closing `---` lines, and the body after them.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

fn page_start(title: &str) -> String {
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n",
        escape(title)
    );
    page
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    escaped
}
