//! The twin of `sitemap.xml`: one `<url>` per page, as the sitemaps protocol lists them.

use super::{Chrome, Out};
use crate::render::views::SitemapUrlView;

/// Renders a sitemap (or one part of it) as `sitemap.xml` does.
pub(super) fn render(chrome: &Chrome<'_>, urls: &[SitemapUrlView]) -> String {
    let site = chrome.site;
    let mut out = Out::with_capacity(128 + urls.iter().map(|u| u.loc.len() + 64).sum::<usize>());
    out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for url in urls {
        out.raw("  <url>\n    <loc>");
        // The template prefixes a location that is only a path with the base URL through
        // `trim_end(pat=...)`, a filter that trims white space and ignores `pat`.
        if url.loc.starts_with('/') {
            out.text(site.base_url.trim_end());
        }
        out.text(&url.loc);
        out.raw("</loc>\n");
        if let Some(lastmod) = url.lastmod.as_deref().filter(|l| !l.is_empty()) {
            out.raw("    <lastmod>");
            out.text(lastmod);
            out.raw("</lastmod>\n");
        }
        out.raw("  </url>\n");
    }
    out.raw("</urlset>\n");
    out.into_string()
}
