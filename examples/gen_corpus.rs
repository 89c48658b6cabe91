//! Writes a synthetic but realistic SEC site in the DOMAIN.md format, of any size, deterministically
//! from a seed: the input of the benchmarks (`bench/run.sh`, `docs/benchmarks.md`).
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --notices 10000 --seed 1 --out /dev/shm/corpus-10000
//! ```
//!
//! What it writes:
//!
//! - `secsite.yaml` (base_url `https://example.org/sec/`, page_size 20);
//! - `content/documents.yaml`: a registry of 60 documents (12 sections, Schedules 8–11, Appendices
//!   A … AR), a fifth of them with a title that drifted (older notices print the old one);
//! - `content/releases/*.md`: the notices, spread over 2004–2027 (some effective after the usual
//!   `--as-of 2026-11-29`), about 40% scheduled releases, 25% ad-hoc releases, 10% designations,
//!   10% document changes and 15% news (news list modifications but no document). Scheduled releases
//!   and news list 1–20 modifications, ad-hoc releases 1–3, designations and document changes 0–2;
//!   releases list 1–20 documents, each document's version rising strictly in effective order
//!   (minor parts go past 9, so only a numeric comparison orders them). Bodies hold 300–800 words:
//!   `##` headings, a bullet list, a GFM table, a link to a page that exists, sometimes a footnote,
//!   and modification ids and aliases in running text;
//! - `content/modifications/*.md`: a page for about 10% of the modification pool (about a third of
//!   the notice count), some with aliases. About 5% of the pool is implemented in parts across
//!   releases (`part: 1`, `part: 2`, …).
//!
//! Every modification id is always listed with the same title, every link leads to a page that the
//! site has, so `secsite build` reports nothing. `DIR/.gen_corpus` records the parameters: an
//! existing folder is replaced only if it holds that marker, and `--marker` prints the marker that
//! the other arguments would write, without writing anything (`bench/run.sh` uses it as a cache
//! key).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use secsite::content::suggest_slug;
use secsite::render::dates::MONTHS;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Datelike, Duration, NaiveDate};
use rayon::prelude::*;

/// Bumped whenever the output for a given (notices, seed) changes, so cached corpora are rebuilt.
const GENERATOR_VERSION: u32 = 3;
const MARKER: &str = ".gen_corpus";

fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let marker = format!(
        "notices={} seed={} generator={}\n",
        args.notices, args.seed, GENERATOR_VERSION
    );
    if args.marker_only {
        // For caches: the content of DIR/.gen_corpus these arguments would write.
        print!("{marker}");
        return Ok(());
    }
    prepare_output(&args.out)?;
    let corpus = Corpus::generate(args.notices, args.seed);
    corpus.write(&args.out)?;
    std::fs::write(args.out.join(MARKER), marker)?;
    println!(
        "wrote {} notices, {} modification pages ({} ids in the pool), {} documents to {}",
        corpus.notices.len(),
        corpus.pool.iter().filter(|m| m.page).count(),
        corpus.pool.len(),
        corpus.documents.len(),
        args.out.display()
    );
    Ok(())
}

struct Args {
    notices: usize,
    seed: u64,
    out: PathBuf,
    marker_only: bool,
}

impl Args {
    fn parse() -> anyhow::Result<Args> {
        let usage = "usage: gen_corpus --notices N [--seed S] --out DIR [--marker]";
        let mut notices = None;
        let mut seed = 1u64;
        let mut out = None;
        let mut marker_only = false;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--notices" => notices = Some(value()?.parse().context("--notices")?),
                "--seed" => seed = value()?.parse().context("--seed")?,
                "--out" => out = Some(PathBuf::from(value()?)),
                "--marker" => marker_only = true,
                "-h" | "--help" => {
                    println!("{usage}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument `{other}`\n{usage}"),
            }
        }
        match (notices, out) {
            (Some(notices), Some(out)) => Ok(Args {
                notices,
                seed,
                out,
                marker_only,
            }),
            _ => bail!("{usage}"),
        }
    }
}

/// Makes `out` an empty folder, refusing to empty one that this program did not write.
fn prepare_output(out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)?.next().is_none();
        if !empty {
            if !out.join(MARKER).is_file() {
                bail!(
                    "{} exists and was not written by gen_corpus (no {MARKER}); not touching it",
                    out.display()
                );
            }
            std::fs::remove_dir_all(out)
                .with_context(|| format!("cannot empty {}", out.display()))?;
        }
    }
    std::fs::create_dir_all(out.join("content/releases"))?;
    std::fs::create_dir_all(out.join("content/modifications"))?;
    Ok(())
}

/// splitmix64: tiny, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EC5_17E0_0000_0001)
    }

    /// An independent stream for item `index` of a stage, so items can be generated in parallel.
    fn stream(seed: u64, stage: u64, index: u64) -> Self {
        let mut rng = Rng::new(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ stage.wrapping_mul(0xD1B5_4A32_D192_ED03)
                ^ index,
        );
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// The registry of documents.

struct Document {
    id: String,
    kind: &'static str,
    reference: String,
    title: String,
    /// The title printed by notices of the first half of the timeline, when it drifted.
    old_title: Option<String>,
    /// A human name: "Section A", "Schedule 8", "Appendix AB".
    name: String,
}

const SECTIONS: [(&str, &str); 12] = [
    ("A", "Definitions and Interpretation"),
    ("B", "Accession"),
    ("C", "Governance"),
    ("D", "Modification Process"),
    ("E", "Registration Data"),
    ("F", "Smart Metering System Requirements"),
    ("G", "Security"),
    ("H", "DCC Services"),
    ("I", "Data Privacy"),
    ("J", "Payment of Charges"),
    ("L", "Smart Metering Key Infrastructure"),
    ("Z", "Alt HAN Arrangements"),
];

const SCHEDULES: [(&str, &str); 4] = [
    ("8", "GB Companion Specification"),
    ("9", "Smart Metering Equipment Technical Specifications"),
    ("10", "Communications Hub Technical Specifications"),
    ("11", "IHD Technical Specifications"),
];

const APPENDIX_TITLES: [&str; 44] = [
    "SMKI Device Certificate Policy",
    "SMKI Organisation Certificate Policy",
    "SMKI Compliance Policy",
    "SMKI Registration Authority Policies and Procedures",
    "DCC User Interface Services Schedule",
    "Incident Management Policy",
    "Service Request Processing Document",
    "CH Handover Support Materials",
    "CH Installation and Maintenance Support Materials",
    "Enduring Testing Approach Document",
    "Error Handling Strategy",
    "SMKI Recovery Procedure",
    "Message Mapping Catalogue",
    "CH Support Materials",
    "Threshold Anomaly Detection Procedures",
    "Self-Service Interface Code of Connection",
    "DCC User Interface Code of Connection",
    "Inventory Enrolment and Withdrawal Procedures",
    "Registration Data Interface Specification",
    "SMKI Interface Design Specification",
    "Common Test Scenarios Document",
    "Security Characteristics",
    "Communications Hub Intimate Communications Hub Interface Specification",
    "Secure Communications Charter",
    "Release Management Policy",
    "Service Management Standards",
    "Tariff Publication Procedures",
    "Device Security Credentials Policy",
    "DCC Key Infrastructure Policy",
    "Recovery Key Guidance",
    "Smart Meter Device Assurance Scheme",
    "SMETS1 Supporting Requirements",
    "SMETS1 Transition and Migration Approach Document",
    "SMETS1 Service Request Processing Document",
    "SMETS1 Installing Supplier Guidance",
    "Network Evolution Requirements",
    "Alt HAN Forum Procedures",
    "Performance Measurement Methodology",
    "Privacy Controls Framework",
    "Security Controls Framework",
    "Test Data Guidance",
    "Anomaly Detection Threshold Guidance",
    "Dual Control Organisation Requirements",
    "Data Retention Policy",
];

fn appendix_refs() -> Vec<String> {
    let letters: Vec<char> = ('A'..='Z').collect();
    let mut refs: Vec<String> = letters.iter().map(|c| c.to_string()).collect();
    refs.extend(('A'..='R').map(|c| format!("A{c}")));
    refs
}

fn registry(rng: &mut Rng) -> Vec<Document> {
    let mut documents = Vec::new();
    for (reference, title) in SECTIONS {
        documents.push(("section", "Section", reference.to_string(), title));
    }
    for (reference, title) in SCHEDULES {
        documents.push(("schedule", "Schedule", reference.to_string(), title));
    }
    for (reference, title) in appendix_refs().into_iter().zip(APPENDIX_TITLES) {
        documents.push(("appendix", "Appendix", reference, title));
    }
    documents
        .into_iter()
        .map(|(kind, label, reference, title)| {
            let old_title = rng.chance(20).then(|| drifted(title));
            Document {
                id: format!("{kind}-{}", reference.to_lowercase()),
                kind,
                name: format!("{label} {reference}"),
                reference,
                title: title.to_string(),
                old_title,
            }
        })
        .collect()
}

/// An older wording of a title, as notices of some years ago printed it.
fn drifted(title: &str) -> String {
    for (new, old) in [
        ("Interface", "Gateway"),
        ("Requirements", "Obligations"),
        ("Procedures", "Process"),
        ("Policy", "Arrangements"),
        ("Document", "Description"),
        ("Materials", "Documentation"),
    ] {
        if title.contains(new) {
            return title.replacen(new, old, 1);
        }
    }
    format!("{title} (Interim)")
}

// ---------------------------------------------------------------------------------------------
// The pool of modifications.

struct PoolModification {
    id: String,
    title: String,
    /// Implemented in this many parts (2 or 3), or in one.
    parts: Option<usize>,
    /// Whether it has a page under content/modifications/.
    page: bool,
    aliases: Vec<String>,
}

const MOD_SUBJECTS: [&str; 32] = [
    "DCC User Interface",
    "SMKI",
    "Alt HAN",
    "Communications Hub",
    "Firmware",
    "Prepayment",
    "Smart Metering Inventory",
    "Service Request",
    "Threshold Anomaly Detection",
    "Device Alert",
    "Network Evolution",
    "SMETS1",
    "DUIS",
    "Self-Service Interface",
    "End-to-End Testing",
    "Security Controls",
    "Privacy Assessment",
    "Release Management",
    "Registration Data",
    "Change of Supplier",
    "Northbound Application Traffic Management",
    "Power Outage Alert",
    "Over-the-Air Upgrade",
    "Dual Band Communications Hub",
    "Performance Reporting",
    "Incident Management",
    "Tariff Switching",
    "Meter Point Administration",
    "Panel Governance",
    "Credential Recovery",
    "Data Retention",
    "CH Returns",
];

const MOD_ACTIONS: [&str; 20] = [
    "Changes",
    "Uplift",
    "Clarifications",
    "Improvements",
    "Removal of Obsolete Obligations",
    "Reporting",
    "Arrangements",
    "Governance",
    "Review",
    "Alignment with Industry Processes",
    "Alert Storm Protection",
    "Housekeeping",
    "Consequential Changes",
    "Cost Recovery",
    "Testing Requirements",
    "Security Enhancements",
    "Data Cleansing",
    "Enduring Solution",
    "Interim Solution",
    "Obligations on Suppliers",
];

fn modification_pool(size: usize, rng: &mut Rng) -> Vec<PoolModification> {
    let mut pool = Vec::with_capacity(size);
    let secmp_until = (size / 10).max(1);
    let mut number = 0usize;
    while pool.len() < size {
        number += 1;
        // A few modifications are split into A and B, implemented apart.
        let split = number > secmp_until && rng.chance(4) && pool.len() + 2 <= size;
        let bases: Vec<(String, String)> = if number <= secmp_until {
            vec![(format!("SECMP{number:04}"), format!("MP{number:03}"))]
        } else if split {
            vec![
                (format!("MP{number:03}A"), format!("SECMP{number:04}A")),
                (format!("MP{number:03}B"), format!("SECMP{number:04}B")),
            ]
        } else {
            vec![(format!("MP{number:03}"), format!("SECMP{number:04}"))]
        };
        let subject = *rng.pick(&MOD_SUBJECTS);
        let action = *rng.pick(&MOD_ACTIONS);
        let title = if rng.chance(25) {
            format!("{subject} – {action}")
        } else {
            format!("{subject} {action}")
        };
        for (i, (id, alias)) in bases.into_iter().enumerate() {
            let title = if i == 1 {
                format!("{title} (Part B)")
            } else {
                title.clone()
            };
            let page = rng.chance(10);
            let aliases = if page && rng.chance(30) {
                vec![alias]
            } else {
                Vec::new()
            };
            pool.push(PoolModification {
                id,
                title,
                parts: rng.chance(5).then(|| rng.range(2, 3)),
                page,
                aliases,
            });
        }
    }
    pool
}

// ---------------------------------------------------------------------------------------------
// Notices.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scheduled,
    AdHoc,
    Designation,
    DocumentChange,
    News,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Scheduled => "scheduled-release",
            Kind::AdHoc => "ad-hoc-release",
            Kind::Designation => "designation",
            Kind::DocumentChange => "document-change",
            Kind::News => "news",
        }
    }

    fn releasing(self) -> bool {
        self != Kind::News
    }
}

struct ModRow {
    pool: usize,
    part: Option<usize>,
    status: Option<&'static str>,
}

struct DocRow {
    document: usize,
    title: Option<String>,
    version: Option<String>,
    codeworks: Option<bool>,
    modification: Option<bool>,
    designation: Option<bool>,
}

struct Notice {
    slug: String,
    title: String,
    date: NaiveDate,
    effective: NaiveDate,
    write_effective: bool,
    kind: Kind,
    release: Option<String>,
    sec_version: Option<String>,
    summary: Option<String>,
    modifications: Vec<ModRow>,
    documents: Vec<DocRow>,
    /// Position in the timeline, 0..1.
    position: f64,
}

struct Corpus {
    seed: u64,
    documents: Vec<Document>,
    pool: Vec<PoolModification>,
    notices: Vec<Notice>,
}

const NEWS_TOPICS: [&str; 16] = [
    "the SEC Modcast",
    "the Change Board",
    "SMETS1 enrolment",
    "the annual security assessment",
    "release planning",
    "the modification process review",
    "DCC charging statements",
    "the Panel elections",
    "Alt HAN installations",
    "communications hub returns",
    "the network evolution programme",
    "privacy audits",
    "the Operations Group",
    "test environments",
    "the SEC website",
    "user entry processes",
];

const PRE_IMPLEMENTATION: [&str; 5] = [
    "Development Stage",
    "Refinement Process",
    "Report Phase",
    "Pending Implementation",
    "Refinement Process",
];

impl Corpus {
    fn generate(count: usize, seed: u64) -> Corpus {
        let mut rng = Rng::new(seed);
        let documents = registry(&mut rng);
        let pool = modification_pool((count / 3).max(30), &mut rng);

        // Dates first: published dates rise through the timeline; a release takes effect on the
        // day or up to six weeks later.
        let start = NaiveDate::from_ymd_opt(2004, 1, 5).expect("date");
        let end = NaiveDate::from_ymd_opt(2027, 3, 31).expect("date");
        let span = (end - start).num_days() as usize;
        let mut slugs: HashSet<String> = HashSet::with_capacity(count);
        let mut notices = Vec::with_capacity(count);
        let mut modcast_episode = 0usize;
        for i in 0..count {
            let date = start + Duration::days((i * span / count.max(1)) as i64);
            let kind = match rng.below(100) {
                0..=39 => Kind::Scheduled,
                40..=64 => Kind::AdHoc,
                65..=74 => Kind::Designation,
                75..=84 => Kind::DocumentChange,
                _ => Kind::News,
            };
            let (effective, write_effective) = if kind.releasing() {
                let delay = if rng.chance(25) { 0 } else { rng.range(1, 45) };
                (
                    date + Duration::days(delay as i64),
                    delay > 0 || rng.chance(50),
                )
            } else {
                (date, false)
            };
            let (title, stem) = match kind {
                Kind::Scheduled => {
                    let name = release_name(effective);
                    (
                        format!("{name} implemented"),
                        name.to_lowercase().replace(' ', "-"),
                    )
                }
                // Completed once the modifications are known.
                Kind::AdHoc => (String::new(), "ad-hoc-release".to_string()),
                Kind::Designation => (String::new(), "designation".to_string()),
                Kind::DocumentChange => (String::new(), "document-change".to_string()),
                Kind::News => {
                    let topic = *rng.pick(&NEWS_TOPICS);
                    match rng.below(4) {
                        0 => {
                            modcast_episode += 1;
                            (
                                format!("SEC Modcast episode {modcast_episode}: {topic}"),
                                format!("sec-modcast-{modcast_episode}"),
                            )
                        }
                        1 => (
                            format!("Consultation on {topic}"),
                            format!("consultation-{}", suggest_slug(topic)),
                        ),
                        2 => (
                            format!("Request for information: {topic}"),
                            format!("rfi-{}", suggest_slug(topic)),
                        ),
                        _ => (
                            format!("Update on {topic} – are you affected?"),
                            format!("update-{}", suggest_slug(topic)),
                        ),
                    }
                }
            };
            let base = format!("{date}-{stem}");
            let mut slug = base.clone();
            let mut n = 2;
            while !slugs.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            notices.push(Notice {
                slug,
                title,
                date,
                effective,
                write_effective,
                kind,
                release: None,
                sec_version: None,
                summary: None,
                modifications: Vec::new(),
                documents: Vec::new(),
                position: i as f64 / count.max(1) as f64,
            });
        }

        // Then what each notice changes, in the order of the Document Log (effective, date,
        // slug), so that versions and parts rise in that order.
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&notices[a], &notices[b]);
            (x.effective, x.date, &x.slug).cmp(&(y.effective, y.date, &y.slug))
        });
        let mut versions: Vec<(usize, usize)> =
            (0..documents.len()).map(|_| (rng.range(1, 4), 0)).collect();
        let mut next_part: Vec<usize> = vec![1; pool.len()];
        let mut headline = (1usize, 0usize);
        for (rank, &index) in order.iter().enumerate() {
            let notice = &mut notices[index];
            let position = rank as f64 / count.max(1) as f64;
            let modification_count = match notice.kind {
                Kind::Scheduled | Kind::News => rng.range(1, 20),
                Kind::AdHoc => rng.range(1, 3),
                Kind::Designation | Kind::DocumentChange => rng.range(0, 2),
            };
            for pool_index in pick_modifications(&mut rng, pool.len(), position, modification_count)
            {
                let implements = matches!(notice.kind, Kind::Scheduled | Kind::AdHoc);
                let (part, status) = if notice.kind.releasing() {
                    let part = pool[pool_index]
                        .parts
                        .filter(|_| implements)
                        .and_then(|parts| {
                            let part = next_part[pool_index];
                            (part <= parts).then(|| {
                                next_part[pool_index] += 1;
                                part
                            })
                        });
                    let status = if notice.kind == Kind::Designation
                        || notice.kind == Kind::DocumentChange
                    {
                        Some(*rng.pick(&PRE_IMPLEMENTATION))
                    } else {
                        rng.chance(40).then_some("Implemented")
                    };
                    (part, status)
                } else {
                    (None, Some(*rng.pick(&PRE_IMPLEMENTATION)))
                };
                notice.modifications.push(ModRow {
                    pool: pool_index,
                    part,
                    status,
                });
            }
            if notice.kind.releasing() {
                let document_count = match notice.kind {
                    Kind::Scheduled => rng.range(1, 20),
                    Kind::AdHoc => rng.range(1, 8),
                    _ => rng.range(1, 5),
                };
                let mut chosen: Vec<usize> = Vec::with_capacity(document_count);
                while chosen.len() < document_count {
                    let d = rng.below(documents.len());
                    if !chosen.contains(&d) {
                        chosen.push(d);
                    }
                }
                chosen.sort_unstable();
                for d in chosen {
                    let version = &mut versions[d];
                    if rng.chance(12) {
                        *version = (version.0 + 1, 0);
                    } else {
                        version.1 += 1;
                    }
                    let document = &documents[d];
                    let title = rng.chance(80).then(|| match &document.old_title {
                        Some(old) if notice.position < 0.5 => old.clone(),
                        _ => document.title.clone(),
                    });
                    let flags = rng.chance(85);
                    notice.documents.push(DocRow {
                        document: d,
                        title,
                        version: rng
                            .chance(92)
                            .then(|| format!("{}.{}", version.0, version.1)),
                        codeworks: flags.then(|| rng.chance(80)),
                        modification: flags.then(|| {
                            !notice.modifications.is_empty()
                                && notice.kind != Kind::Designation
                                && rng.chance(90)
                        }),
                        designation: flags.then(|| {
                            notice.kind == Kind::Designation
                                || (notice.kind == Kind::Scheduled && rng.chance(15))
                        }),
                    });
                }
            }
            match notice.kind {
                Kind::Scheduled => {
                    headline = (headline.0 + 1, 0);
                    notice.release = Some(release_name(notice.effective));
                    notice.sec_version = Some(format!("{}.{}", headline.0, headline.1));
                }
                Kind::AdHoc => {
                    headline.1 += 1;
                    let first = &pool[notice.modifications[0].pool].id;
                    notice.release = Some(format!("Ad-hoc SEC Release – {first}"));
                    notice.sec_version = Some(format!("{}.{}", headline.0, headline.1));
                    notice.title = format!(
                        "SEC version {}.{} released – {first} implemented",
                        headline.0, headline.1
                    );
                }
                Kind::Designation => {
                    let document = &documents[notice.documents[0].document];
                    notice.title = format!("BEIS designation of {}", document.name);
                }
                Kind::DocumentChange => {
                    let row = &notice.documents[0];
                    let document = &documents[row.document];
                    notice.title = match &row.version {
                        Some(v) => format!("{} updated to version {v}", document.name),
                        None => format!("{} updated", document.name),
                    };
                }
                Kind::News => {}
            }
            if rng.chance(30) {
                notice.summary = Some(match notice.kind {
                    Kind::News => "News from the SEC Panel and its sub-committees".to_string(),
                    _ => format!(
                        "{} modifications and {} documents",
                        notice.modifications.len(),
                        notice.documents.len()
                    ),
                });
            }
        }
        Corpus {
            seed,
            documents,
            pool,
            notices,
        }
    }

    fn write(&self, out: &Path) -> anyhow::Result<()> {
        std::fs::write(
            out.join("secsite.yaml"),
            format!(
                "title: Smart Energy Code releases (synthetic, {} notices)\n\
                 base_url: https://example.org/sec/\n\
                 description: A synthetic SEC site written by examples/gen_corpus.rs (seed {})\n\
                 language: en-GB\n\
                 page_size: 20\n",
                self.notices.len(),
                self.seed
            ),
        )?;
        let mut registry = String::from(
            "# Registry of SEC documents (synthetic). Order: sections, schedules, appendices.\n",
        );
        for d in &self.documents {
            let _ = write!(
                registry,
                "- id: {}\n  kind: {}\n  ref: \"{}\"\n  title: {}\n",
                d.id,
                d.kind,
                d.reference,
                quote(&d.title)
            );
        }
        std::fs::write(out.join("content/documents.yaml"), registry)?;

        let releases = out.join("content/releases");
        (0..self.notices.len())
            .into_par_iter()
            .try_for_each(|i| -> anyhow::Result<()> {
                let text = self.notice_file(i);
                let path = releases.join(format!("{}.md", self.notices[i].slug));
                std::fs::write(&path, text).with_context(|| format!("{}", path.display()))
            })?;

        let modifications = out.join("content/modifications");
        (0..self.pool.len())
            .into_par_iter()
            .filter(|&i| self.pool[i].page)
            .try_for_each(|i| -> anyhow::Result<()> {
                let text = self.modification_file(i);
                let path = modifications.join(format!("{}.md", self.pool[i].id));
                std::fs::write(&path, text).with_context(|| format!("{}", path.display()))
            })?;
        Ok(())
    }

    fn notice_file(&self, index: usize) -> String {
        let notice = &self.notices[index];
        let mut rng = Rng::stream(self.seed, 1, index as u64);
        let mut s = String::with_capacity(8 * 1024);
        s.push_str("---\n");
        let _ = writeln!(s, "title: {}", quote(&notice.title));
        let _ = writeln!(s, "date: {}", notice.date);
        let _ = writeln!(s, "kind: {}", notice.kind.key());
        if notice.write_effective {
            let _ = writeln!(s, "effective: {}", notice.effective);
        }
        if let Some(release) = &notice.release {
            let _ = writeln!(s, "release: {}", quote(release));
        }
        if let Some(version) = &notice.sec_version {
            let _ = writeln!(s, "sec_version: \"{version}\"");
        }
        if let Some(summary) = &notice.summary {
            let _ = writeln!(s, "summary: {}", quote(summary));
        }
        if !notice.modifications.is_empty() {
            s.push_str("modifications:\n");
            for row in &notice.modifications {
                let m = &self.pool[row.pool];
                let _ = writeln!(s, "  - id: {}\n    title: {}", m.id, quote(&m.title));
                if let Some(part) = row.part {
                    let _ = writeln!(s, "    part: {part}");
                }
                if let Some(status) = row.status {
                    let _ = writeln!(s, "    status: {status}");
                }
            }
        }
        if !notice.documents.is_empty() {
            s.push_str("documents:\n");
            for row in &notice.documents {
                let _ = writeln!(s, "  - id: {}", self.documents[row.document].id);
                if let Some(title) = &row.title {
                    let _ = writeln!(s, "    title: {}", quote(title));
                }
                if let Some(version) = &row.version {
                    let _ = writeln!(s, "    version: \"{version}\"");
                }
                for (key, flag) in [
                    ("codeworks", row.codeworks),
                    ("modification", row.modification),
                    ("designation", row.designation),
                ] {
                    if let Some(flag) = flag {
                        let _ = writeln!(s, "    {key}: {flag}");
                    }
                }
            }
        }
        if rng.chance(3) {
            let _ = writeln!(
                s,
                "extra:\n  hero: banner-{}.png\n  tags: [release, sec]",
                rng.below(9)
            );
        }
        s.push_str("---\n");
        self.notice_body(index, &mut rng, &mut s);
        s
    }

    fn notice_body(&self, index: usize, rng: &mut Rng, s: &mut String) {
        let notice = &self.notices[index];
        let target = rng.range(300, 760);
        let start = s.len();
        let window = discussion_window(self.pool.len(), notice.position);
        let own: Vec<&PoolModification> = notice
            .modifications
            .iter()
            .map(|r| &self.pool[r.pool])
            .collect();
        let docs: Vec<&Document> = notice
            .documents
            .iter()
            .map(|r| &self.documents[r.document])
            .collect();
        let mentioned: Vec<&str> = own.iter().take(4).map(|m| m.id.as_str()).collect();
        let mentioned = join_words(&mentioned);

        // Introduction.
        match notice.kind {
            Kind::Scheduled | Kind::AdHoc => {
                let name = notice.release.as_deref().unwrap_or("This release");
                let _ = write!(
                    s,
                    "The {name} takes effect on {}, implementing {}",
                    long_date(notice.effective),
                    mentioned
                );
                if own.len() > 4 {
                    let _ = write!(s, " and {} other modifications", own.len() - 4);
                }
                s.push_str(". ");
            }
            Kind::Designation => {
                let _ = write!(
                    s,
                    "The Secretary of State has designated changes to {} with effect from {}. ",
                    docs[0].name,
                    long_date(notice.effective)
                );
            }
            Kind::DocumentChange => {
                let _ = write!(
                    s,
                    "The DCC has updated {} ‘{}’, effective {}. ",
                    docs[0].name,
                    docs[0].title,
                    long_date(notice.effective)
                );
            }
            Kind::News => {
                let _ = write!(
                    s,
                    "This notice brings news about {mentioned}, published on {}. ",
                    long_date(notice.date)
                );
            }
        }
        sentences(rng, s, 2, &self.pool, window);
        s.push_str("\n\n");

        // A bullet list of what changed.
        if docs.is_empty() {
            s.push_str("## Modifications discussed\n\n");
            for m in own.iter().take(10) {
                let _ = writeln!(s, "- {} ‘{}’", m.id, m.title);
            }
        } else {
            s.push_str("## What changed\n\n");
            let _ = writeln!(
                s,
                "The {} updated {} part{} of the SEC:\n",
                match notice.kind {
                    Kind::Designation => "designation",
                    Kind::DocumentChange => "change",
                    _ => "release",
                },
                docs.len(),
                if docs.len() == 1 { "" } else { "s" }
            );
            for (d, row) in docs.iter().zip(&notice.documents).take(12) {
                let title = row.title.as_deref().unwrap_or(&d.title);
                match &row.version {
                    Some(v) => {
                        let _ = writeln!(s, "- {} ‘{title}’, now at version {v}", d.name);
                    }
                    None => {
                        let _ = writeln!(s, "- {} ‘{title}’", d.name);
                    }
                }
            }
        }
        s.push('\n');

        // A table.
        if own.is_empty() {
            s.push_str("## Documents\n\n| Document | Title | Version |\n| --- | --- | ---: |\n");
            for (d, row) in docs.iter().zip(&notice.documents).take(10) {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    d.name,
                    d.title,
                    row.version.as_deref().unwrap_or("–")
                );
            }
        } else {
            s.push_str(
                "## Modifications\n\n| Modification | Title | Status |\n| --- | --- | --- |\n",
            );
            for (m, row) in own.iter().zip(&notice.modifications).take(10) {
                let status = row.status.unwrap_or(if notice.kind.releasing() {
                    "Implemented"
                } else {
                    "Refinement Process"
                });
                let part = row.part.map(|p| format!(" (part {p})")).unwrap_or_default();
                let _ = writeln!(s, "| {}{part} | {} | {status} |", m.id, m.title);
            }
        }
        s.push('\n');

        // Where to find more: one link to a page that exists.
        s.push_str("## Where to find the legal text\n\n");
        let link = match rng.below(6) {
            0 => "[Document Log](/documents/)".to_string(),
            1 => "[list of modifications](/modifications/)".to_string(),
            2 => "[every notice](/releases/)".to_string(),
            3 if !docs.is_empty() => {
                let d = rng.pick(&docs);
                format!("[history of {}](/documents/{}/)", d.name, d.id)
            }
            4 if !own.is_empty() => {
                let m = rng.pick(&own);
                format!("[{} page](/modifications/{}/)", m.id, m.id.to_lowercase())
            }
            5 if index > 0 => format!(
                "[previous notice](/releases/{}/)",
                self.notices[index - 1].slug
            ),
            _ => {
                let d = rng.pick(&self.documents);
                format!("[{}](/documents/{}/)", d.name, d.id)
            }
        };
        let _ = write!(
            s,
            "The redlined changes are published on CodeWorks; see also the {link} of this site. "
        );
        if rng.chance(10) {
            s.push_str("Older versions remain available on request.[^archive] ");
        }
        sentences(rng, s, 2, &self.pool, window);
        s.push_str("\n\n");

        // Background: prose, sentence by sentence, until the body reaches its length (the closing
        // section adds about 25 words).
        s.push_str("## Background\n\n");
        let mut words = word_count(&s[start..]);
        let mut in_paragraph = 0;
        while words + 25 < target || in_paragraph == 0 {
            let before = s.len();
            if !own.is_empty() && in_paragraph == 0 && rng.chance(50) {
                let m = rng.pick(&own);
                let _ = write!(
                    s,
                    "{} “{}” was raised to address a gap in the current arrangements. ",
                    m.id, m.title
                );
            } else {
                sentences(rng, s, 1, &self.pool, window);
            }
            words += word_count(&s[before..]);
            in_paragraph += 1;
            if in_paragraph >= 3 && rng.chance(35) {
                s.push_str("\n\n");
                in_paragraph = 0;
            }
        }
        if in_paragraph > 0 {
            s.push_str("\n\n");
        }

        s.push_str("## Further information\n\n");
        s.push_str(
            "For questions, call the helpdesk on 020 7090 7755 or email *sec.change@example.org*, \
             or raise them with your Party representative at the next Panel meeting.\n",
        );
        if s[start..].contains("[^archive]") {
            s.push_str("\n[^archive]: Ask the Code Administrator for a copy.\n");
        }
    }

    fn modification_file(&self, index: usize) -> String {
        let m = &self.pool[index];
        let mut rng = Rng::stream(self.seed, 2, index as u64);
        let window = discussion_window(self.pool.len(), index as f64 / self.pool.len() as f64);
        let mut s = String::with_capacity(1024);
        let _ = writeln!(s, "---\nid: {}\ntitle: {}", m.id, quote(&m.title));
        let status = *rng.pick(&[
            "Implemented",
            "Implemented",
            "Implemented",
            "Pending Implementation",
            "Report Phase",
            "Refinement Process",
            "Withdrawn",
            "Rejected",
        ]);
        let _ = writeln!(s, "status: {status}");
        let route = *rng.pick(&[
            "Self-Governance",
            "Authority Determination",
            "Fast-Track",
            "Urgent",
        ]);
        let _ = writeln!(s, "route: {route}");
        if rng.chance(50) {
            let proposer = PROPOSERS[rng.below(PROPOSERS.len())];
            let _ = writeln!(s, "proposer: {}", quote(proposer));
        }
        if rng.chance(60) {
            let start = NaiveDate::from_ymd_opt(2003, 6, 1).expect("date");
            let days = (index as f64 / self.pool.len() as f64 * 8000.0) as i64;
            let _ = writeln!(s, "raised: {}", start + Duration::days(days));
        }
        if !m.aliases.is_empty() {
            let _ = writeln!(s, "aliases: [{}]", m.aliases.join(", "));
        }
        s.push_str("---\n");
        let _ = write!(
            s,
            "{} proposes {}. ",
            m.id,
            m.title.to_lowercase().replace(" – ", ": ")
        );
        let count = rng.range(3, 8);
        sentences(&mut rng, &mut s, count, &self.pool, window);
        s.push_str(
            "\n\nSee the [list of modifications](/modifications/) for the others in progress.\n",
        );
        s
    }
}

const PROPOSERS: [&str; 8] = [
    "DCC",
    "Centrica",
    "EDF Energy",
    "Octopus Energy",
    "SSE",
    "Utilita",
    "Ofgem",
    "SECAS",
];

/// The modifications under discussion at `position` (0..1) in the timeline, as a range of pool
/// indices: modifications are raised over time and talked about for a while.
fn discussion_window(pool: usize, position: f64) -> (usize, usize) {
    let width = (pool / 12).max(60).min(pool);
    let centre = (position * pool as f64) as usize;
    let low = centre.saturating_sub(width).min(pool - width);
    let high = (centre + width / 4).clamp(low + width - 1, pool - 1);
    (low, high)
}

/// `count` distinct modifications, mostly from the ones under discussion at `position`.
fn pick_modifications(rng: &mut Rng, pool: usize, position: f64, count: usize) -> Vec<usize> {
    let count = count.min(pool);
    let (low, high) = discussion_window(pool, position);
    let mut chosen = Vec::with_capacity(count);
    while chosen.len() < count {
        let candidate = if rng.chance(5) {
            rng.below(pool)
        } else {
            rng.range(low, high)
        };
        if !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    chosen
}

const WORDS: [&str; 120] = [
    "the",
    "the",
    "the",
    "of",
    "of",
    "to",
    "and",
    "and",
    "a",
    "in",
    "for",
    "on",
    "by",
    "with",
    "from",
    "that",
    "this",
    "be",
    "will",
    "are",
    "is",
    "has",
    "as",
    "each",
    "any",
    "Panel",
    "Change Board",
    "DCC",
    "Users",
    "Suppliers",
    "Network Operators",
    "Parties",
    "Code Administrator",
    "Authority",
    "Secretary of State",
    "Smart Metering Systems",
    "Communications Hubs",
    "devices",
    "firmware",
    "release",
    "modification",
    "proposal",
    "solution",
    "legal text",
    "impact assessment",
    "consultation",
    "responses",
    "implementation",
    "costs",
    "benefits",
    "consumers",
    "obligations",
    "requirements",
    "changes",
    "clarification",
    "process",
    "service requests",
    "alerts",
    "interfaces",
    "testing",
    "security",
    "privacy",
    "governance",
    "reporting",
    "arrangements",
    "working group",
    "sub-committee",
    "Operations Group",
    "Technical Architecture and Business Architecture Sub-Committee",
    "Security Sub-Committee",
    "refinement",
    "report",
    "decision",
    "approved",
    "rejected",
    "agreed",
    "noted",
    "reviewed",
    "considered",
    "proposed",
    "updated",
    "removed",
    "introduced",
    "aligned",
    "delivered",
    "planned",
    "scheduled",
    "effective",
    "enduring",
    "interim",
    "minor",
    "significant",
    "technical",
    "operational",
    "commercial",
    "regulatory",
    "industry",
    "participants",
    "stakeholders",
    "timescales",
    "milestones",
    "dependencies",
    "risks",
    "issues",
    "guidance",
    "documents",
    "schedules",
    "appendices",
    "sections",
    "versions",
    "redlines",
    "CodeWorks",
    "website",
    "helpdesk",
    "webinar",
    "meeting",
    "minutes",
    "papers",
    "workshop",
    "feedback",
];

/// Appends `count` sentences of plausible prose, some naming modifications of the pool (known ids
/// and aliases, which secsite turns into links) and using quotes and dashes.
fn sentences(
    rng: &mut Rng,
    s: &mut String,
    count: usize,
    pool: &[PoolModification],
    window: (usize, usize),
) {
    for _ in 0..count {
        match rng.below(8) {
            0 => {
                let m = &pool[rng.range(window.0, window.1)];
                let id = if !m.aliases.is_empty() && rng.chance(50) {
                    &m.aliases[0]
                } else {
                    &m.id
                };
                let _ = write!(
                    s,
                    "The Change Board noted that {id} depends on work agreed earlier -- see the \"{}\" papers. ",
                    m.title
                );
            }
            1 => {
                let _ = write!(
                    s,
                    "Parties should review the **{}** changes and send feedback by {} {}. ",
                    rng.pick(&["legal text", "draft", "impact assessment", "solution"]),
                    rng.range(1, 28),
                    rng.pick(&MONTHS)
                );
            }
            2 => {
                let _ = write!(
                    s,
                    "The `{}` service request is unaffected, and the _interim_ arrangements stay in place. ",
                    rng.pick(&["SRV 8.1", "SRV 11.2", "SRV 6.15", "DUIS 4.0", "CS 11"])
                );
            }
            _ => {
                let words = rng.range(8, 22);
                for w in 0..words {
                    let word = *rng.pick(&WORDS);
                    if w == 0 {
                        let mut chars = word.chars();
                        if let Some(first) = chars.next() {
                            s.extend(first.to_uppercase());
                            s.push_str(chars.as_str());
                        }
                    } else {
                        s.push(' ');
                        s.push_str(word);
                    }
                }
                s.push_str(if rng.chance(10) {
                    "; it’s agreed. "
                } else {
                    ". "
                });
            }
        }
    }
}

/// Words as a reader counts them: Markdown markup alone (`##`, `-`, `|`, `---`) is not a word.
fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

fn join_words(items: &[&str]) -> String {
    match items {
        [] => "several modifications".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The scheduled release an effective date belongs to: the next of February, June and November.
fn release_name(effective: NaiveDate) -> String {
    let (month, year) = match effective.month() {
        1 | 2 => (2, effective.year()),
        3..=6 => (6, effective.year()),
        7..=11 => (11, effective.year()),
        _ => (2, effective.year() + 1),
    };
    format!("{} {year} SEC Release", MONTHS[month - 1])
}

fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// A YAML double-quoted string.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
