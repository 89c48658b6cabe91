//! The integration tests of secsite: the real binary run on fixture sites copied to temporary
//! folders, checked by what a user sees (pages, links, exit codes, messages).

mod build;
mod check;
mod compiled;
mod corpus;
mod default_site;
mod diagnostics;
mod harness;
mod judges;
mod serve;
mod site_features;
