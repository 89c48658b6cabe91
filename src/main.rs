//! The `secsite` binary: parses the arguments and turns the outcome into an exit status.

use std::process::ExitCode;

use clap::Parser;

// A faster allocator: a build allocates many short-lived strings on every thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = secsite::cli::Cli::parse();
    ExitCode::from(secsite::cli::run(cli))
}
