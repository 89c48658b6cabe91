//! The site configuration: secsite.yaml read into a validated `Config` with defaults applied.

use std::path::Path;

use crate::content::front_matter::parse_yaml;
use crate::content::schema::FieldReader;
use crate::diag::{Diagnostic, Span};

/// The configuration file's name in the site root.
pub const CONFIG_FILE: &str = "secsite.yaml";

const CONFIG_FIELDS: &[&str] = &["title", "base_url", "description", "language", "page_size"];

/// A site's validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The site's title.
    pub title: String,
    /// The absolute base URL, always ending in `/`.
    pub base_url: String,
    /// The path part of the base URL, always starting and ending in `/`.
    pub base_path: String,
    /// A one-line description.
    pub description: Option<String>,
    /// The language tag.
    pub language: String,
    /// Notices per listing page.
    pub page_size: usize,
}

impl Config {
    /// Parses the text of secsite.yaml. Every problem is returned, each with its line and column.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let file = Path::new(CONFIG_FILE);
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let yaml = parse_yaml(text, file, 1).map_err(|d| vec![d])?;
        let mut reader = FieldReader::new(file, &yaml.locator);
        let Some(map) = reader.mapping(&yaml.value, "", "secsite.yaml") else {
            return Err(reader.into_diagnostics());
        };
        reader.reject_unknown_fields(map, "", CONFIG_FIELDS);
        let title = reader.text(map, "", "title", true);
        let base_url =
            reader
                .text(map, "", "base_url", true)
                .and_then(|url| match normalize_base_url(&url) {
                    Ok(url) => Some(url),
                    Err(message) => {
                        let span = reader.value_span("base_url");
                        reader.push(
                            Diagnostic::error("bad-base-url", span, message).with_help(
                                "write an absolute URL such as https://example.org/sec/",
                            ),
                        );
                        None
                    }
                });
        let description = reader.text(map, "", "description", false);
        let language = reader
            .text(map, "", "language", false)
            .unwrap_or_else(|| "en-GB".to_string());
        let page_size = reader.number(map, "", "page_size").map(|n| n as usize);
        if page_size == Some(0) {
            let span = reader.value_span("page_size");
            reader.push(Diagnostic::error(
                "bad-page-size",
                span,
                "`page_size` must be at least 1",
            ));
        }
        match (title, base_url) {
            (Some(title), Some(base_url)) if !reader.has_errors() => Ok(Config {
                title,
                base_path: base_path_of(&base_url),
                base_url,
                description,
                language,
                page_size: page_size.unwrap_or(20),
            }),
            _ => Err(reader.into_diagnostics()),
        }
    }

    /// Reads `root/secsite.yaml`. A missing file is one error at its path.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text),
            Err(error) => Err(vec![
                Diagnostic::error(
                    "missing-config",
                    Span::file_start(CONFIG_FILE),
                    format!("cannot read the site configuration: {error}"),
                )
                .with_help("run `secsite init DIR` to create a site, or pass --root"),
            ]),
        }
    }

    /// The same configuration with another base URL (from `--base-url`).
    pub fn with_base_url(mut self, url: &str) -> Result<Config, String> {
        self.base_url = normalize_base_url(url)?;
        self.base_path = base_path_of(&self.base_url);
        Ok(self)
    }
}

/// Checks that `url` is an absolute http(s) URL and makes it end in `/`.
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`base_url` must be an absolute http(s) URL, not `{url}`"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || url.contains(['?', '#', ' ', '"', '<', '>']) {
        return Err(format!("`base_url` is not a valid URL: `{url}`"));
    }
    if url.ends_with('/') {
        Ok(url.to_string())
    } else {
        Ok(format!("{url}/"))
    }
}

/// The path of a normalized base URL: `/` or `/sec/`.
fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_follows_base_url() {
        let config =
            Config::parse("title: T\nbase_url: https://example.org/sec\n").expect("valid config");
        assert_eq!(config.base_url, "https://example.org/sec/");
        assert_eq!(config.base_path, "/sec/");
        assert_eq!(config.page_size, 20);
        assert_eq!(config.language, "en-GB");
        let root = config.with_base_url("http://127.0.0.1:1111").unwrap();
        assert_eq!(root.base_path, "/");
    }

    #[test]
    fn problems_name_line_and_column() {
        let errors = Config::parse("title: T\nbase_url: example.org\npage_sise: 3\n").unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("secsite.yaml:2:11: error: `base_url` must be")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("secsite.yaml:3:1: error: unknown field `page_sise`")),
            "{text:?}"
        );
    }
}
