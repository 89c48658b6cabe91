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
    }
}

fn run_build(args: BuildArgs) -> u8 {
    let started = Instant::now();
    let options = args.site.options(args.base_url.clone(), args.drafts);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    match build_to(&options, &output) {
        Ok(build) => {
            print_diagnostics(&build.diagnostics);
            if !args.quiet {
                println!(
                    "Built {} pages ({} files) in {:.2} s into {}",
                    build.site.page_count(),
                    build.site.files.len(),
                    started.elapsed().as_secs_f64(),
                    output.display()
                );
            }
            EXIT_OK
        }
        Err(failure) => report_failure(failure, "the previous output was left untouched"),
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
