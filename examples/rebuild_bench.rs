//! Measures incremental rebuilds, the work `secsite serve` does after a save: after one notice
//! of a site changes, the in-process rebuild (re-parse, re-render the affected pages) and the
//! write of the pages it re-rendered.
//!
//! `cargo run --release --example rebuild_bench -- --root DIR [--runs 30] [--out DIR]
//! [--only body|title]`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use secsite::site::{BuildOptions, SiteBuilder};

// The same allocator as the secsite binary, so the figures are those of `secsite serve`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut runs = 30usize;
    let mut out = PathBuf::from("/dev/shm/secsite-rebuild-out");
    let mut only: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => root = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--out" => out = args.next().map(PathBuf::from).unwrap_or(out),
            "--only" => only = args.next(),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let root = root.ok_or_else(|| anyhow::anyhow!("--root DIR is required"))?;
    let options = BuildOptions {
        root: root.clone(),
        base_url: None,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 29).expect("a valid date"),
        drafts: false,
    };
    let mut builder = SiteBuilder::new(options);
    let started = Instant::now();
    let first = builder
        .build_all()
        .map_err(|e| anyhow::anyhow!("the first build failed: {e:?}"))?;
    println!(
        "full build in memory: {} pages in {:.0} ms",
        first.pages,
        started.elapsed().as_secs_f64() * 1000.0
    );

    let mut notices: Vec<PathBuf> = std::fs::read_dir(root.join("content/releases"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    notices.sort();
    std::fs::create_dir_all(&out)?;
    for (label, edit) in [
        ("body edit", edit_body as fn(&str, usize) -> String),
        ("title edit", edit_title),
    ] {
        if only.as_deref().is_some_and(|only| !label.starts_with(only)) {
            continue;
        }
        let mut times = Vec::new();
        let mut in_memory = Vec::new();
        let mut rendered = Vec::new();
        for run in 0..runs {
            let path = &notices[(run * 7919) % notices.len()];
            let original = std::fs::read_to_string(path)?;
            std::fs::write(path, edit(&original, run))?;
            let relative = path.strip_prefix(&root)?.to_path_buf();
            let started = Instant::now();
            let build = builder
                .build_changed(&[relative])
                .map_err(|e| anyhow::anyhow!("a rebuild failed: {e:?}"))?;
            in_memory.push(started.elapsed());
            write_rendered(&build, &out)?;
            times.push(started.elapsed());
            if run == runs - 1 {
                let stages: Vec<String> = build
                    .timings
                    .iter()
                    .map(|(s, t)| format!("{s} {:.1}", t.as_secs_f64() * 1000.0))
                    .collect();
                println!("  last run's stages (ms): {}", stages.join(", "));
            }
            rendered.push(build.rendered);
            std::fs::write(path, original)?;
            builder
                .build_changed(&[path.strip_prefix(&root)?.to_path_buf()])
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        report(
            &format!("{label}, rebuilt in memory (what serve does)"),
            &mut in_memory,
            &rendered,
        );
        report(
            &format!("{label}, and the re-rendered files written to --out"),
            &mut times,
            &rendered,
        );
    }
    Ok(())
}

fn edit_body(text: &str, run: usize) -> String {
    format!("{text}\nAn added sentence, number {run}.\n")
}

fn edit_title(text: &str, run: usize) -> String {
    text.replacen("title: \"", &format!("title: \"Edited {run} "), 1)
}

/// Writes the pages of the last rebuild; the real server serves them from memory instead.
fn write_rendered(build: &secsite::site::Build, out: &Path) -> anyhow::Result<()> {
    for path in &build.rendered_paths {
        let file = out.join(path.replace('/', "_"));
        build.site.files[path].write_to(&mut std::fs::File::create(file)?)?;
    }
    Ok(())
}

fn report(label: &str, times: &mut [Duration], rendered: &[usize]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label}: median {:.1} ms, p10 {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms over {} runs; {:.0} pages re-rendered on average",
        ms(pick(0.5)),
        ms(pick(0.1)),
        ms(pick(0.9)),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len(),
        rendered.iter().sum::<usize>() as f64 / rendered.len() as f64
    );
}
