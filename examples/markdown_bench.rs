//! Measures the Markdown stage alone, on one thread: the notice bodies of a site through
//! pulldown-cmark's own `push_html` (what the floor does) and through secsite's `render_markdown`
//! (modification ids linked, links recorded, heading ids, the first paragraph), so the cost of
//! secsite's additions can be read as a ratio. The best of five passes counts.
//!
//! `cargo run --release --example markdown_bench -- DIR` (a site folder, such as a corpus of
//! `gen_corpus`)
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use pulldown_cmark::{Options, Parser};
use secsite::markdown::{LinkContext, render_markdown};
use secsite::model::ids::ModificationKey;

// The same allocator as the secsite binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("usage: markdown_bench DIR"))?,
    );
    let mut bodies: Vec<String> = Vec::new();
    // As in a build into a folder, which keeps no lookups.
    let mut context = LinkContext {
        base_path: "/sec/".to_string(),
        skip_lookups: true,
        ..LinkContext::default()
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("content/releases"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(path)?;
        let Some((front, body)) = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
        else {
            continue;
        };
        // Every id the front matter lists is a known modification.
        for id in front
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("- id: "))
        {
            let key = ModificationKey::from_id(id);
            let url = format!("/sec/modifications/{}/", key.url_segment());
            context.modifications.insert(key.clone(), (key, url));
        }
        bodies.push(body.to_string());
    }
    let bytes: usize = bodies.iter().map(String::len).sum();
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let floor = best_of_five(|| {
        let mut out = 0;
        for body in &bodies {
            let mut html = String::with_capacity(body.len() * 3 / 2);
            pulldown_cmark::html::push_html(&mut html, Parser::new_ext(body, options));
            out += html.len();
        }
        out
    });
    let secsite = best_of_five(|| {
        bodies
            .iter()
            .map(|body| render_markdown(body, 1, &context).html.len())
            .sum()
    });
    println!(
        "{} bodies, {:.1} MB of Markdown, {} known ids",
        bodies.len(),
        bytes as f64 / 1e6,
        context.modifications.len()
    );
    println!(
        "pulldown-cmark push_html: {:.1} ms ({:.1} µs a body)",
        floor * 1e3,
        floor * 1e6 / bodies.len().max(1) as f64
    );
    println!(
        "secsite render_markdown: {:.1} ms ({:.1} µs a body), {:.2}x",
        secsite * 1e3,
        secsite * 1e6 / bodies.len().max(1) as f64,
        secsite / floor
    );
    Ok(())
}

/// The shortest of five runs of `pass`, in seconds.
fn best_of_five(mut pass: impl FnMut() -> usize) -> f64 {
    (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(pass());
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}
