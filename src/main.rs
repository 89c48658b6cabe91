//! The `secsite` binary: parses the arguments and turns the outcome into an exit status.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = secsite::cli::Cli::parse();
    ExitCode::from(secsite::cli::run(cli))
}
