//! The twin of `modification.html`: one modification and every notice that names it.

use super::{BasePage, Chrome, Out, base, breadcrumbs, stated};
use crate::render::views::{ModificationNoticeView, ModificationView, NoticeLinkView, touch_all};

/// Renders a modification page as `modification.html` does.
pub(super) fn render(chrome: &Chrome<'_>, modification: &ModificationView<'_>) -> String {
    let title = |out: &mut Out| {
        out.text(&modification.id);
        out.raw(": ");
        out.text(&modification.title);
        out.raw(" – ");
        out.text(&chrome.site.title);
    };
    let feed_title = |out: &mut Out| {
        out.text(&modification.id);
        out.raw(": every notice that concerns it");
    };
    let description = |out: &mut Out| {
        out.text(&modification.id);
        out.raw(": ");
        out.text(&modification.title);
        out.stated_in(" (", &modification.status, ")");
    };
    let content = |out: &mut Out| content(out, chrome, modification);
    base(
        chrome,
        &BasePage {
            title: &title,
            alternate: Some((&feed_title, &modification.feed_url)),
            description: &description,
            canonical: None,
            content: &content,
        },
        modification.notices.len() * 900 + modification.body_html.as_ref().map_or(0, |b| b.len()),
    )
}

fn content(out: &mut Out, chrome: &Chrome<'_>, modification: &ModificationView<'_>) {
    let id = &modification.id;
    out.raw("\n");
    breadcrumbs(
        out,
        chrome.site,
        ("modifications/", "Modifications"),
        &modification.url,
        id,
    );
    out.raw("<article class=\"modification\">\n<h1><span class=\"mod-id\">");
    out.text(id);
    out.raw("</span>: ");
    out.text(&modification.title);
    out.raw("</h1>\n<p class=\"follow\">Follow ");
    out.text(id);
    out.raw(" with its <a class=\"feed-link\" href=\"");
    out.text(&modification.feed_url);
    out.raw("\">Atom feed of every notice that concerns ");
    out.text(id);
    out.raw("</a>.</p>\n");
    facts(out, modification);
    out.raw("\n");
    if let Some(body) = modification.body_html.as_deref().filter(|b| !b.is_empty()) {
        out.raw("\n<section class=\"block prose\" aria-labelledby=\"about-heading\">\n<h2 id=\"about-heading\">About this modification</h2>\n");
        out.raw(body);
        out.raw("\n</section>\n");
    }
    out.raw("\n<section class=\"block\" aria-labelledby=\"notices-heading\">\n<h2 id=\"notices-heading\">Notices</h2>\n");
    if modification.notices.is_empty() {
        out.raw("\n<p>No notice names this modification.</p>\n");
    } else {
        out.raw("\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Notices naming ");
        out.text(id);
        out.raw("\">\n<table class=\"wide\">\n<caption>Notices that implement, list or mention ");
        out.text(id);
        out.raw(", oldest first</caption>\n<thead>\n<tr><th scope=\"col\">Notice</th><th scope=\"col\">Relation</th><th scope=\"col\">Part</th><th scope=\"col\">Status</th><th scope=\"col\">Published</th><th scope=\"col\">Effective</th></tr>\n</thead>\n<tbody>\n");
        // A notice's link and dates are the same on the page of every modification it names:
        // written once and copied, rather than gathered again from links spread over memory.
        let cells: Vec<&NoticeCells> = modification
            .notices
            .iter()
            .map(|row| {
                chrome
                    .cache
                    .modification_cells
                    .get_or_init(row.notice_index, || NoticeCells::of(row.notice))
            })
            .collect();
        touch_all(cells.iter().map(|cells| cells.text.as_bytes()));
        for (row, cells) in modification.notices.iter().zip(cells) {
            notice_row(out, row, cells);
        }
        out.raw("</tbody>\n</table>\n</div>\n");
    }
    out.raw("\n</section>\n<section class=\"block\" aria-labelledby=\"documents-heading\">\n<h2 id=\"documents-heading\">Documents changed</h2>\n");
    if modification.documents.is_empty() {
        out.raw("\n<p>No document is recorded as changed by a release that implemented ");
        out.text(id);
        out.raw(".</p>\n");
    } else {
        out.raw("\n<p>Documents changed by the releases that implemented ");
        out.text(id);
        out.raw(":</p>\n<ul class=\"doc-list\">\n");
        for d in &modification.documents {
            out.raw("<li>");
            out.link(&d.url, &d.label);
            out.raw(" <span class=\"doc-title\">");
            out.text(&d.title);
            out.raw("</span></li>\n");
        }
        out.raw("</ul>\n");
    }
    out.raw("\n</section>\n</article>\n");
}

/// The facts list: status, route, proposer, date raised, aliases, related modifications.
fn facts(out: &mut Out, modification: &ModificationView<'_>) {
    let raised = modification.raised.as_ref();
    if !(stated(&modification.status)
        || stated(&modification.route)
        || stated(&modification.proposer)
        || raised.is_some()
        || !modification.aliases.is_empty()
        || !modification.related.is_empty())
    {
        return;
    }
    out.raw("\n<dl class=\"facts\">\n");
    if stated(&modification.status) {
        out.raw("<div><dt>Status</dt><dd>");
        out.status_badge(modification.status.as_deref());
        out.raw("</dd></div>\n");
    }
    out.stated_in(
        "<div><dt>Route</dt><dd>",
        &modification.route,
        "</dd></div>\n",
    );
    out.stated_in(
        "<div><dt>Proposer</dt><dd>",
        &modification.proposer,
        "</dd></div>\n",
    );
    if let Some(raised) = raised {
        out.raw("<div><dt>Raised</dt><dd>");
        out.time(raised);
        out.raw("</dd></div>\n");
    }
    if !modification.aliases.is_empty() {
        out.raw("<div><dt>Also known as</dt><dd>");
        out.text(&modification.aliases.join(", "));
        out.raw("</dd></div>\n");
    }
    if !modification.related.is_empty() {
        out.raw("<div><dt>Related</dt><dd><ul class=\"inline-list\">");
        for related in &modification.related {
            out.raw("<li>");
            match related.url.as_deref().filter(|u| !u.is_empty()) {
                Some(url) => {
                    out.link(url, &related.id);
                }
                None => out.text(&related.id),
            }
            out.raw("</li>");
        }
        out.raw("</ul></dd></div>\n");
    }
    out.raw("</dl>\n");
}

fn notice_row(out: &mut Out, row: &ModificationNoticeView<'_>, cells: &NoticeCells) {
    out.raw("<tr>\n<th scope=\"row\">");
    out.raw(cells.head());
    out.raw("</th>\n<td>");
    match row.relation {
        "implemented" => out.raw("Implements it"),
        "listed" => out.raw("Lists it"),
        "mentioned" => out.raw("Mentions it"),
        other => out.text(other),
    }
    out.raw("</td>\n<td>");
    match row.part {
        Some(part) => out.number(part),
        None => out.not_stated(),
    }
    out.raw("</td>\n<td>");
    out.status_badge(row.status);
    out.raw("</td>\n<td>");
    out.raw(cells.dates());
    out.raw("</td>\n</tr>\n");
}

/// The cells of a modification page's row that depend only on its notice: the notice's link
/// and badges, and the dates it was published and takes effect.
pub(in crate::render) struct NoticeCells {
    text: Box<str>,
    dates_at: usize,
}

impl NoticeCells {
    /// The cells of `notice`.
    pub(super) fn of(notice: &NoticeLinkView) -> Self {
        let mut out = Out::with_capacity(512);
        out.link(&notice.url, &notice.title);
        out.raw(" ");
        out.kind_badges(notice);
        let dates_at = out.len();
        out.time(&notice.date);
        out.raw("</td>\n<td>");
        match &notice.effective {
            Some(effective) => {
                out.time(effective);
            }
            None => out.not_stated(),
        }
        NoticeCells {
            text: out.into_kept(),
            dates_at,
        }
    }

    fn head(&self) -> &str {
        &self.text[..self.dates_at]
    }

    fn dates(&self) -> &str {
        &self.text[self.dates_at..]
    }
}
