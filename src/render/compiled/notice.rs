//! The twin of `release.html`: a notice's own page.

use super::{BasePage, Chrome, Out, base, breadcrumbs, plural};
use crate::render::views::{NoticeLinkView, NoticeView};

/// Renders a notice page as `release.html` does.
pub(super) fn render(
    chrome: &Chrome<'_>,
    notice: &NoticeView,
    previous: Option<&NoticeLinkView>,
    next: Option<&NoticeLinkView>,
) -> String {
    let link = &notice.link;
    let site = chrome.site;
    let title = |out: &mut Out| {
        out.text(&link.title);
        out.raw(" – ");
        out.text(&site.title);
    };
    let description = |out: &mut Out| {
        if link.summary.is_empty() {
            out.text(&link.title);
        } else {
            out.text(&link.summary);
        }
    };
    let content = |out: &mut Out| content(out, chrome, notice, previous, next);
    base(
        chrome,
        &BasePage {
            title: &title,
            alternate: None,
            description: &description,
            canonical: Some(&notice.permalink),
            content: &content,
        },
        notice.body_html.len() + 4096,
    )
}

fn content(
    out: &mut Out,
    chrome: &Chrome<'_>,
    notice: &NoticeView,
    previous: Option<&NoticeLinkView>,
    next: Option<&NoticeLinkView>,
) {
    let link = &notice.link;
    out.raw("\n");
    breadcrumbs(
        out,
        chrome.site,
        ("releases/", "Releases"),
        &link.url,
        &link.title,
    );
    out.raw("<article class=\"notice\">\n<h1>");
    out.text(&link.title);
    out.raw("</h1>\n<dl class=\"facts\">\n<div><dt>Kind</dt><dd><span class=\"badge kind kind-");
    out.text(link.kind.key);
    out.raw("\">");
    out.text(link.kind.label);
    out.raw("</span></dd></div>\n<div><dt>Published</dt><dd>");
    out.time(&link.date);
    out.raw("</dd></div>\n");
    if let Some(effective) = &link.effective {
        out.raw("<div><dt>");
        out.raw(if link.upcoming {
            "Takes effect"
        } else {
            "Effective"
        });
        out.raw("</dt><dd>");
        out.time(effective);
        if link.upcoming {
            out.raw(" <span class=\"badge upcoming\">Upcoming</span>");
        }
        out.raw("</dd></div>\n");
    }
    out.stated_in("<div><dt>Release</dt><dd>", &link.release, "</dd></div>\n");
    out.stated_in(
        "<div><dt>SEC version</dt><dd>",
        &link.sec_version,
        "</dd></div>\n",
    );
    out.raw("</dl>\n");
    if let (Some(log_url), Some(effective)) = (&notice.log_url, &link.effective) {
        out.raw("<p class=\"log-link\"><a href=\"");
        out.text(log_url);
        out.raw("\">The Document Log as at ");
        out.time(effective);
        out.raw("</a>, the day this ");
        out.text(&link.kind.label.to_lowercase());
        out.raw(if link.upcoming {
            " takes effect.</p>\n"
        } else {
            " took effect.</p>\n"
        });
    }
    if !notice.modifications.is_empty() {
        modifications(out, notice);
    }
    out.raw("\n");
    if !notice.documents.is_empty() {
        documents(out, notice);
    }
    out.raw("\n");
    if !notice.body_html.is_empty() {
        out.raw("\n<section class=\"block prose\" aria-labelledby=\"notice-text-heading\">\n<h2 id=\"notice-text-heading\">Notice</h2>\n");
        out.raw(&notice.body_html);
        out.raw("\n</section>\n");
    }
    out.raw("\n</article>\n");
    if previous.is_some() || next.is_some() {
        out.raw("\n<nav class=\"pager\" aria-label=\"Other notices\">\n<ul>\n");
        if let Some(previous) = previous {
            out.raw("<li class=\"pager-prev\"><a rel=\"prev\" href=\"");
            out.text(&previous.url);
            out.raw(
                "\"><span class=\"pager-label\">Older notice</span> <span class=\"pager-title\">",
            );
            out.text(&previous.title);
            out.raw("</span></a></li>\n");
        }
        if let Some(next) = next {
            out.raw("<li class=\"pager-next\"><a rel=\"next\" href=\"");
            out.text(&next.url);
            out.raw(
                "\"><span class=\"pager-label\">Newer notice</span> <span class=\"pager-title\">",
            );
            out.text(&next.title);
            out.raw("</span></a></li>\n");
        }
        out.raw("</ul>\n</nav>\n");
    }
    out.raw("\n");
}

fn modifications(out: &mut Out, notice: &NoticeView) {
    out.raw("\n<section class=\"block\" aria-labelledby=\"modifications-heading\">\n<h2 id=\"modifications-heading\">Modifications</h2>\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Modifications in this notice\">\n<table>\n<caption>");
    let count = notice.modifications.len();
    out.number(count);
    out.raw(" modification");
    out.raw(plural(count));
    out.raw(", in the order the notice lists them</caption>\n<thead>\n<tr><th scope=\"col\">Modification</th><th scope=\"col\">Title</th><th scope=\"col\">Part</th><th scope=\"col\">Status</th></tr>\n</thead>\n<tbody>\n");
    for m in &notice.modifications {
        out.raw("<tr>\n<th scope=\"row\">");
        out.link(&m.url, &m.id);
        out.raw("</th>\n<td>");
        out.text(&m.title);
        out.raw("</td>\n<td>");
        match m.part {
            Some(part) => out.number(part),
            None => out.not_stated(),
        }
        out.raw("</td>\n<td>");
        out.status_badge(m.status.as_deref());
        out.raw("</td>\n</tr>\n");
    }
    out.raw("</tbody>\n</table>\n</div>\n</section>\n");
}

fn documents(out: &mut Out, notice: &NoticeView) {
    out.raw("\n<section class=\"block\" aria-labelledby=\"documents-heading\">\n<h2 id=\"documents-heading\">Documents changed</h2>\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Documents in this notice\">\n<table>\n<caption>");
    let count = notice.documents.len();
    out.number(count);
    out.raw(" document");
    out.raw(plural(count));
    out.raw(", in the order the notice lists them</caption>\n<thead>\n<tr><th scope=\"col\">Document</th><th scope=\"col\">Title</th>");
    if notice.has_versions {
        out.raw("<th scope=\"col\">Version</th>");
    }
    if notice.has_flags {
        out.raw("<th scope=\"col\">Available on CodeWorks</th><th scope=\"col\">SEC Modification</th><th scope=\"col\">BEIS Designation</th>");
    }
    out.raw("</tr>\n</thead>\n<tbody>\n");
    for d in &notice.documents {
        out.raw("<tr>\n<th scope=\"row\">");
        out.link(&d.url, &d.label);
        out.raw("</th>\n<td>");
        out.text(&d.title);
        out.raw("</td>\n");
        if notice.has_versions {
            out.raw("<td class=\"num\">");
            match &d.version {
                Some(version) => out.text(version),
                None => out.not_stated(),
            }
            out.raw("</td>\n");
        }
        if notice.has_flags {
            out.flag_cells(d.codeworks, d.modification, d.designation);
        }
        out.raw("</tr>\n");
    }
    out.raw("</tbody>\n</table>\n</div>\n</section>\n");
}
