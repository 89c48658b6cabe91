//! The command line: one argument struct per subcommand, each with its `run`, and the one place
//! that prints diagnostics and summaries.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::content::schema::parse_date;
use crate::diag::{Diagnostic, Diagnostics};
use crate::site::{BuildFailure, BuildOptions, build_site, build_to};

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: the content has errors.
pub const EXIT_CONTENT: u8 = 1;
/// Exit status: wrong usage or an environment failure.
pub const EXIT_ENVIRONMENT: u8 = 2;

/// secsite builds a static site of Smart Energy Code release notices.
#[derive(Debug, Parser)]
#[command(name = "secsite", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Check the content, the templates and every link, writing nothing.
    Check(CheckArgs),
    /// Serve the site on 127.0.0.1, rebuilding and reloading the browser on every change.
    Serve(ServeArgs),
    /// Create a new notice from a skeleton.
    New(NewArgs),
    /// Create a new site in a folder.
    Init(InitArgs),
}

#[derive(Debug, Args)]
struct NewArgs {
    #[command(subcommand)]
    what: NewWhat,
}

#[derive(Debug, Subcommand)]
enum NewWhat {
    /// A release notice: writes content/releases/DATE-SLUG.md and prints its path.
    Release {
        /// The notice's title.
        title: String,
        /// The site folder.
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
        /// The date published (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
        date: Option<NaiveDate>,
        /// The kind of notice.
        #[arg(long, value_name = "KIND", default_value = "scheduled-release", value_parser = parse_kind)]
        kind: crate::content::NoticeKind,
    },
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The folder to create the site in (created if missing).
    dir: PathBuf,
}

fn parse_kind(text: &str) -> Result<crate::content::NoticeKind, String> {
    crate::content::NoticeKind::from_key(text).ok_or_else(|| {
        let kinds: Vec<&str> = crate::content::NoticeKind::ALL
            .iter()
            .map(|k| k.key())
            .collect();
        format!("unknown kind `{text}`; the kinds are: {}", kinds.join(", "))
    })
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// The port to listen on (0 picks a free one).
    #[arg(long, value_name = "N", default_value_t = 1111)]
    port: u16,
    /// Build draft notices too.
    #[arg(long)]
    drafts: bool,
    /// Open the site in a web browser.
    #[arg(long)]
    open: bool,
    /// Milliseconds to wait for more changes before rebuilding.
    #[arg(long, value_name = "MS", default_value_t = 20)]
    debounce_ms: u64,
}

/// Options shared by the commands that build.
#[derive(Debug, Args)]
struct SiteArgs {
    /// The site folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The build date, the only clock the build reads (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    as_of: Option<NaiveDate>,
}

#[derive(Debug, Args)]
struct BuildArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// The output folder (default: ROOT/public).
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Overrides base_url of secsite.yaml.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Build draft notices too.
    #[arg(long)]
    drafts: bool,
    /// Print only errors and warnings.
    #[arg(long)]
    quiet: bool,
    /// Print how long each stage of the build took.
    #[arg(long)]
    timings: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    site: SiteArgs,
    /// How diagnostics are printed: text for people, json (one array, see docs/check.md) for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Also request every http(s) link that leads outside the site.
    #[arg(long)]
    external: bool,
    /// With --external: seconds to wait for each answer.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10.0,
        requires = "external"
    )]
    timeout: f64,
    /// With --external: ask again for every link, ignoring and not writing the cache of good answers.
    #[arg(long, requires = "external")]
    no_cache: bool,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).ok_or_else(|| format!("`{text}` is not a date written YYYY-MM-DD"))
}

impl SiteArgs {
    fn options(&self, base_url: Option<String>, drafts: bool) -> BuildOptions {
        BuildOptions {
            root: self.root.clone(),
            base_url,
            as_of: self
                .as_of
                .unwrap_or_else(|| chrono::Local::now().date_naive()),
            drafts,
        }
    }
}

/// Runs the command line and returns the exit status.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Check(args) => run_check(args),
        Command::Serve(args) => run_serve(args),
        Command::New(args) => run_new(args),
        Command::Init(args) => run_init(args),
    }
}

fn run_new(args: NewArgs) -> u8 {
    let NewWhat::Release {
        title,
        root,
        date,
        kind,
    } = args.what;
    if !root.join(crate::config::CONFIG_FILE).is_file() {
        eprintln!(
            "error: {} is not a site folder (no secsite.yaml); pass --root or run `secsite init DIR`",
            root.display()
        );
        return EXIT_ENVIRONMENT;
    }
    let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    match crate::scaffold::new_release(&root, &title, date, kind) {
        Ok(path) => {
            println!("{}", path.display());
            EXIT_OK
        }
        Err(error) => report_environment(&error),
    }
}

fn run_init(args: InitArgs) -> u8 {
    match crate::scaffold::init_site(&args.dir, chrono::Local::now().date_naive()) {
        Ok(files) => {
            for file in files {
                println!("created {}", file.display());
            }
            println!("Build it with: secsite build --root {}", args.dir.display());
            EXIT_OK
        }
        Err(error) => report_environment(&error),
    }
}

/// Prints what the dev server does.
struct TerminalReporter {
    root: PathBuf,
}

impl crate::serve::ServeReporter for TerminalReporter {
    fn listening(&self, url: &str) {
        println!("Serving {url} (Ctrl-C to stop)");
    }

    fn built(
        &self,
        rendered: usize,
        pages: usize,
        elapsed: std::time::Duration,
        warnings: &Diagnostics,
    ) {
        print_diagnostics(&self.root, warnings);
        println!(
            "Built {pages} pages ({rendered} rendered) in {} ms",
            elapsed.as_millis()
        );
    }

    fn failed(&self, diagnostics: &Diagnostics, serving_last_good: bool) {
        print_diagnostics(&self.root, diagnostics);
        let serving = if serving_last_good {
            "still serving the last good build"
        } else {
            "no site has built yet; the errors show in the browser"
        };
        eprintln!(
            "error: the build failed with {} error(s); {serving}",
            diagnostics.error_count()
        );
    }

    fn environment_error(&self, error: &anyhow::Error) {
        eprintln!("error: {error:#}");
    }
}

fn run_serve(args: ServeArgs) -> u8 {
    let options = crate::serve::ServeOptions {
        build: args.site.options(None, args.drafts),
        bind: args.bind,
        port: args.port,
        debounce: std::time::Duration::from_millis(args.debounce_ms),
    };
    if !options.build.root.is_dir() {
        eprintln!(
            "error: the site folder {} does not exist or is not a folder",
            options.build.root.display()
        );
        return EXIT_ENVIRONMENT;
    }
    let reporter = TerminalReporter {
        root: options.build.root.clone(),
    };
    let server = match crate::serve::DevServer::start(options, &reporter) {
        Ok(server) => server,
        Err(error) => return report_environment(&error),
    };
    if args.open {
        open_browser(&server.url());
    }
    match server.run(&reporter) {
        Ok(()) => EXIT_OK,
        Err(error) => report_environment(&error),
    }
}

/// Opens `url` with the desktop's browser; a failure is only a note.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(error) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("note: could not open a browser ({opener}: {error}); open {url} yourself");
    }
}

fn run_build(args: BuildArgs) -> u8 {
    let started = Instant::now();
    let options = args.site.options(args.base_url.clone(), args.drafts);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    let had_output = output.exists();
    match build_to(&options, &output) {
        Ok(build) => {
            print_diagnostics(&options.root, &build.diagnostics);
            if !args.quiet {
                println!(
                    "Built {} pages ({} files) in {:.2} s into {}",
                    build.pages,
                    build.files,
                    started.elapsed().as_secs_f64(),
                    output.display()
                );
            }
            if args.timings {
                let stages: Vec<String> = build
                    .timings
                    .iter()
                    .map(|(stage, time)| format!("{stage} {:.0} ms", time.as_secs_f64() * 1000.0))
                    .collect();
                println!("Timings: {}", stages.join(", "));
            }
            EXIT_OK
        }
        Err(failure) => {
            let consequence = if had_output {
                "the previous output was left untouched"
            } else {
                "nothing was written"
            };
            report_failure(&options.root, failure, consequence)
        }
    }
}

fn run_check(args: CheckArgs) -> u8 {
    let options = args.site.options(None, true);
    if !options.root.is_dir() {
        eprintln!(
            "error: the site folder {} does not exist or is not a folder",
            options.root.display()
        );
        return EXIT_ENVIRONMENT;
    }
    let (mut diagnostics, site) = match build_site(&options) {
        Ok(build) => (build.diagnostics, Some(build.site)),
        Err(BuildFailure::Content(diagnostics)) => (diagnostics, None),
        Err(BuildFailure::Environment(error)) => return report_environment(&error),
    };
    // The rendered pages exist only when the content has no error: then every link of every
    // page is audited, and the external ones requested with --external.
    let mut notes = Vec::new();
    let config = crate::config::Config::load(&options.root).ok();
    match (&site, &config) {
        (Some(site), Some(config)) => {
            let audit = crate::check::audit_rendered_site(&options.root, config, site);
            diagnostics.extend(audit.diagnostics);
            notes.push(format!(
                "Checked {} links of {} pages.",
                audit.checked,
                site.page_count()
            ));
            if args.external {
                let external_options = crate::check::external::ExternalOptions {
                    timeout: std::time::Duration::from_secs_f64(args.timeout.clamp(0.01, 3600.0)),
                    cache: if args.no_cache {
                        None
                    } else {
                        crate::check::external::default_cache_file()
                    },
                    ..Default::default()
                };
                let report =
                    crate::check::external::check_external(&audit.external, &external_options);
                diagnostics.extend(report.diagnostics);
                notes.push(report.summary);
            }
        }
        _ => notes.push(
            "The links of the rendered pages were not checked: the site does not build until the errors are fixed."
                .to_string(),
        ),
    }
    let failed =
        diagnostics.has_errors() || (args.deny_warnings && diagnostics.warning_count() > 0);
    let (errors, warnings) = (diagnostics.error_count(), diagnostics.warning_count());
    match args.format {
        Format::Text => {
            print_diagnostics(&options.root, &diagnostics);
            for note in &notes {
                println!("{note}");
            }
            if failed {
                println!(
                    "{errors} error(s), {warnings} warning(s){}.",
                    if errors == 0 {
                        " (--deny-warnings)"
                    } else {
                        ""
                    }
                );
            } else {
                println!("No errors; {warnings} warning(s).");
            }
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = diagnostics
                .sorted()
                .iter()
                .map(Diagnostic::to_json)
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
            );
            for note in &notes {
                eprintln!("{note}");
            }
        }
    }
    if failed { EXIT_CONTENT } else { EXIT_OK }
}

fn report_failure(root: &std::path::Path, failure: BuildFailure, consequence: &str) -> u8 {
    match failure {
        BuildFailure::Content(diagnostics) => {
            let errors = diagnostics.error_count();
            print_diagnostics(root, &diagnostics);
            eprintln!(
                "error: the build failed with {errors} error{}; {consequence}",
                if errors == 1 { "" } else { "s" }
            );
            EXIT_CONTENT
        }
        BuildFailure::Environment(error) => report_environment(&error),
    }
}

fn report_environment(error: &anyhow::Error) -> u8 {
    let mut message = format!("error: {error}");
    for cause in error.chain().skip(1) {
        message.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{message}");
    EXIT_ENVIRONMENT
}

/// Prints every diagnostic to standard error, sorted by file and line, each with its source
/// line and a caret when the file (relative to `root`) can be read.
fn print_diagnostics(root: &std::path::Path, diagnostics: &Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    // Each file is read and split into lines once, however many diagnostics it has.
    let mut sources: std::collections::HashMap<
        std::sync::Arc<std::path::Path>,
        Option<(String, Vec<usize>)>,
    > = std::collections::HashMap::new();
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    for diagnostic in diagnostics.clone().sorted() {
        let source = sources
            .entry(diagnostic.span.file.clone())
            .or_insert_with(|| {
                read_for_snippet(&root.join(&diagnostic.span.file)).map(|text| {
                    let starts = std::iter::once(0)
                        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                        .collect();
                    (text, starts)
                })
            });
        let line = source.as_ref().and_then(|(text, starts)| {
            let start = *starts.get(diagnostic.span.line - 1)?;
            let end = starts
                .get(diagnostic.span.line)
                .map_or(text.len(), |next| next - 1);
            text.get(start..end)
        });
        let _ = writeln!(out, "{}", diagnostic.render_line(line));
    }
}

/// The text of a file to quote lines from: None for folders, missing files and huge files.
fn read_for_snippet(path: &std::path::Path) -> Option<String> {
    use std::io::Read as _;
    // Look before opening: opening a named pipe would wait for a writer.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let limit = crate::content::discover::MAX_SOURCE_BYTES;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).ok()?;
    // Binary files (NUL bytes, as git tells them) are not quoted.
    let binary = bytes.iter().take(8000).any(|&b| b == 0);
    (bytes.len() as u64 <= limit && !binary).then(|| String::from_utf8_lossy(&bytes).into_owned())
}
