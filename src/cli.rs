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
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
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
struct TerminalReporter;

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
        print_diagnostics(warnings);
        println!(
            "Built {pages} pages ({rendered} rendered) in {} ms",
            elapsed.as_millis()
        );
    }

    fn failed(&self, diagnostics: &Diagnostics, serving_last_good: bool) {
        print_diagnostics(diagnostics);
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
    let reporter = TerminalReporter;
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
            print_diagnostics(&build.diagnostics);
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
            report_failure(failure, consequence)
        }
    }
}

fn run_check(args: CheckArgs) -> u8 {
    let options = args.site.options(None, true);
    let diagnostics = match build_site(&options) {
        Ok(build) => build.diagnostics,
        Err(BuildFailure::Content(diagnostics)) => diagnostics,
        Err(BuildFailure::Environment(error)) => return report_environment(&error),
    };
    let failed =
        diagnostics.has_errors() || (args.deny_warnings && diagnostics.warning_count() > 0);
    match args.format {
        Format::Text => {
            print_diagnostics(&diagnostics);
            if !failed {
                println!("No errors; {} warning(s).", diagnostics.warning_count());
            }
        }
        Format::Json => {
            let sorted = diagnostics.sorted();
            let items: Vec<serde_json::Value> = sorted.iter().map(diagnostic_json).collect();
            println!("{}", serde_json::Value::Array(items));
        }
    }
    if failed { EXIT_CONTENT } else { EXIT_OK }
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "path": crate::diag::display_path(&d.span.file),
        "line": d.span.line,
        "column": d.span.column,
        "severity": d.severity.label(),
        "code": d.code,
        "message": d.message,
        "help": d.help,
    })
}

fn report_failure(failure: BuildFailure, consequence: &str) -> u8 {
    match failure {
        BuildFailure::Content(diagnostics) => {
            let errors = diagnostics.error_count();
            print_diagnostics(&diagnostics);
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

/// Prints every diagnostic to standard error, sorted by file and line.
fn print_diagnostics(diagnostics: &Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    for diagnostic in diagnostics.clone().sorted() {
        let _ = writeln!(out, "{diagnostic}");
    }
}
