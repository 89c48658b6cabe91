//! secsite: a static site generator for Smart Energy Code release notices.
//!
//! The build runs in stages, each in its own module: [`content`] reads the files, [`model`]
//! cross-references notices, modifications and documents, [`markdown`] renders bodies, [`render`]
//! applies the templates, [`check`] validates links, and [`site`] orchestrates them and writes the
//! output. [`cli`] is the command line on top.

#![warn(missing_docs, unreachable_pub)]
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod markdown;
pub mod model;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;

pub use site::{BuildFailure, BuildOptions, build_site, build_to};
