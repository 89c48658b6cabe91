//! Measures the parse of notice files alone (text checks, YAML, the key-position index, every
//! field), on one thread, so a change to the content stage can be measured without the noise of
//! a whole parallel build. The files are read into memory first; the best of five passes counts.
//!
//! `cargo run --release --example parse_bench -- DIR` (a site folder, such as a corpus of
//! `gen_corpus`)
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

// The same allocator as the secsite binary: the parse allocates many small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("usage: parse_bench DIR"))?,
    );
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(root.join("content/releases"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "md") {
            let bytes = std::fs::read(&path)?;
            files.push((path.strip_prefix(&root)?.to_path_buf(), bytes));
        }
    }
    files.sort();
    let mut best = f64::MAX;
    let mut failed = 0;
    for _ in 0..5 {
        let started = Instant::now();
        failed = 0;
        for (path, bytes) in &files {
            let parsed = secsite::content::parse_notice_bytes(path, bytes.clone());
            failed += usize::from(std::hint::black_box(parsed).is_err());
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "parsed {} notice files ({failed} with errors): best of 5 passes {:.1} ms, {:.1} µs a file",
        files.len(),
        best * 1e3,
        best * 1e6 / files.len().max(1) as f64
    );
    Ok(())
}
