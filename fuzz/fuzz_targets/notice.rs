//! Fuzz target: one notice file's bytes through the whole content path of `build` and `check`:
//! the text checks (UTF-8, binary), the front-matter splitter, the YAML parse into the notice type,
//! the Markdown pipeline and the body-link check, then the diagnostics' text and JSON formats.
//! It must never panic, hang or use much memory, and every diagnostic must point into the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    secsite::check::fuzz_one(data);
});
