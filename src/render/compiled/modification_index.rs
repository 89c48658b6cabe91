//! The twin of `modifications.html`: every modification, with the releases that implemented it.

use super::{BasePage, Chrome, Out, base_into};
use crate::render::views::{ModificationSummaryView, NoticeLinkView};

const LEAD: &str =
    "Every modification named in a notice, with its status and the releases that implemented it.";

/// Renders the modification index as `modifications.html` does.
pub(super) fn render(chrome: &Chrome<'_>, modifications: &[ModificationSummaryView]) -> String {
    let rows: usize = modifications
        .iter()
        .map(|m| 300 + 160 * m.implemented_by.len())
        .sum();
    let mut out = Out::with_capacity(rows + 2048);
    write(&mut out, chrome, modifications);
    out.into_string()
}

/// Writes the modification index into `out`.
pub(super) fn write(out: &mut Out, chrome: &Chrome<'_>, modifications: &[ModificationSummaryView]) {
    let title = |out: &mut Out| {
        out.raw("Modifications – ");
        out.text(&chrome.site.title);
    };
    let description = |out: &mut Out| out.raw(LEAD);
    let content = |out: &mut Out| content(out, chrome, modifications);
    base_into(
        out,
        chrome,
        &BasePage {
            title: &title,
            alternate: None,
            description: &description,
            canonical: None,
            content: &content,
        },
    );
}

fn content(out: &mut Out, chrome: &Chrome<'_>, modifications: &[ModificationSummaryView]) {
    out.raw("\n<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n<ol>\n<li><a href=\"");
    out.text(&chrome.site.base_path);
    out.raw("\">Home</a></li>\n<li><a href=\"");
    out.text(chrome.page_url);
    out.raw("\" aria-current=\"page\">Modifications</a></li>\n</ol>\n</nav>\n<h1>Modifications</h1>\n<p class=\"lead\">");
    out.raw(LEAD);
    out.raw("</p>\n");
    let cache = chrome.cache;
    if modifications.is_empty() {
        out.raw("\n<p>No modification has been named in a notice yet.</p>\n\n");
        return;
    }
    out.raw("\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Modifications\">\n<table>\n<caption>");
    out.number(modifications.len());
    out.raw(" modification");
    out.raw(super::plural(modifications.len()));
    out.raw(", sorted by id</caption>\n<thead>\n<tr><th scope=\"col\">Modification</th><th scope=\"col\">Title</th><th scope=\"col\">Status</th><th scope=\"col\">Implemented by</th></tr>\n</thead>\n<tbody>\n");
    for m in modifications {
        out.raw("<tr>\n<th scope=\"row\">");
        out.link(&m.url, &m.id);
        out.raw("</th>\n<td>");
        out.text(&m.title);
        out.raw("</td>\n<td>");
        out.status_badge(m.status.as_deref());
        out.raw("</td>\n<td>");
        if m.implemented_by.is_empty() {
            out.raw(
                "<span aria-hidden=\"true\">—</span><span class=\"visually-hidden\">none</span>",
            );
        } else {
            out.raw("<ul class=\"inline-list\">");
            for notice in &m.implemented_by {
                // A release implements some ten modifications: its item is written once (and
                // kept for the next build while the notice is unchanged).
                out.raw(
                    cache
                        .implemented_items
                        .get_or_init(notice.index, || implemented_item(&notice.link)),
                );
            }
            out.raw("</ul>");
        }
        out.raw("</td>\n</tr>\n");
        out.spill();
    }
    out.raw("</tbody>\n</table>\n</div>\n\n");
}

/// A notice's item in an "Implemented by" list: its link, labelled by its release where it
/// names one, and the date it takes effect.
fn implemented_item(notice: &NoticeLinkView) -> Box<str> {
    let mut out = Out::with_capacity(256);
    out.raw("<li><a href=\"");
    out.text(&notice.url);
    out.raw("\">");
    match notice.release.as_deref().filter(|r| !r.is_empty()) {
        Some(release) => out.text(release),
        None => out.text(&notice.title),
    }
    out.raw("</a>");
    if let Some(effective) = &notice.effective {
        out.raw(" (");
        out.time(effective);
        out.raw(")");
    }
    out.raw("</li>");
    out.into_kept()
}
