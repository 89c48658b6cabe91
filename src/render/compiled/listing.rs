//! The twin of `releases.html`: one page of the list of every notice, newest first.

use super::{BasePage, Chrome, Out, base};
use crate::render::views::{NoticeLinkView, PaginatorView, Shared};

/// Renders a listing page as `releases.html` does.
pub(super) fn render(
    chrome: &Chrome<'_>,
    notices: &[Shared<NoticeLinkView>],
    paginator: &PaginatorView,
) -> String {
    let paged = paginator.total > 1;
    let title = |out: &mut Out| {
        out.raw("Releases and notices");
        if paged {
            out.raw(" (page ");
            out.number(paginator.current);
            out.raw(" of ");
            out.number(paginator.total);
            out.raw(")");
        }
        out.raw(" – ");
        out.text(&chrome.site.title);
    };
    let description = |out: &mut Out| lead(out, paginator);
    let content = |out: &mut Out| content(out, chrome, notices, paginator);
    base(
        chrome,
        &BasePage {
            title: &title,
            alternate: None,
            description: &description,
            canonical: None,
            content: &content,
        },
        notices.iter().map(|n| 700 + n.summary.len()).sum(),
    )
}

/// "Every notice, newest first: page 2 of 5."
fn lead(out: &mut Out, paginator: &PaginatorView) {
    out.raw("Every notice, newest first");
    if paginator.total > 1 {
        out.raw(": page ");
        out.number(paginator.current);
        out.raw(" of ");
        out.number(paginator.total);
    }
    out.raw(".");
}

fn content(
    out: &mut Out,
    chrome: &Chrome<'_>,
    notices: &[Shared<NoticeLinkView>],
    paginator: &PaginatorView,
) {
    out.raw("\n<nav class=\"breadcrumbs\" aria-label=\"Breadcrumb\">\n<ol>\n<li><a href=\"");
    out.text(&chrome.site.base_path);
    out.raw("\">Home</a></li>\n<li><a href=\"");
    out.text(chrome.page_url);
    out.raw("\" aria-current=\"page\">Releases");
    if paginator.total > 1 {
        out.raw(", page ");
        out.number(paginator.current);
    }
    out.raw("</a></li>\n</ol>\n</nav>\n<h1>Releases and notices</h1>\n<p class=\"lead\">");
    lead(out, paginator);
    out.raw("</p>\n");
    if notices.is_empty() {
        out.raw("\n<p>There are no notices yet.</p>\n");
    } else {
        out.raw("\n<ol class=\"notice-list\">\n");
        for notice in notices {
            item(out, notice);
        }
        out.raw("</ol>\n");
    }
    out.raw("\n");
    if paginator.total > 1 {
        pagination(out, paginator);
    }
    out.raw("\n");
}

fn item(out: &mut Out, n: &NoticeLinkView) {
    out.raw("<li class=\"notice-item\">\n<h2 class=\"notice-title\">");
    out.link(&n.url, &n.title);
    out.raw("</h2>\n<p class=\"notice-meta\">");
    out.kind_badges(n);
    out.raw("\n<span>Published ");
    out.time(&n.date);
    out.raw("</span>");
    if let Some(effective) = &n.effective {
        out.raw(if n.upcoming {
            "\n<span>Takes effect "
        } else {
            "\n<span>Effective "
        });
        out.time(effective);
        out.raw("</span>");
    }
    out.stated_in("\n<span>", &n.release, "</span>");
    out.stated_in("\n<span>SEC version ", &n.sec_version, "</span>");
    out.raw("</p>\n");
    if !n.summary.is_empty() {
        out.raw("<p class=\"notice-summary\">");
        out.text(&n.summary);
        out.raw("</p>\n");
    }
    out.raw("</li>\n");
}

fn pagination(out: &mut Out, paginator: &PaginatorView) {
    out.raw("\n<nav class=\"pagination\" aria-label=\"Pagination\">\n<ul>\n");
    if let Some(previous) = paginator.previous_url.as_deref().filter(|u| !u.is_empty()) {
        out.raw("<li><a rel=\"prev\" href=\"");
        out.text(previous);
        out.raw("\">Newer<span class=\"visually-hidden\"> notices</span></a></li>\n");
    }
    for page in &paginator.pages {
        if page.gap_before {
            out.raw("<li class=\"gap\" aria-hidden=\"true\">…</li>");
        }
        out.raw("<li><a href=\"");
        out.text(&page.url);
        out.raw("\"");
        if page.current {
            out.raw(" aria-current=\"page\"");
        }
        out.raw("><span class=\"visually-hidden\">Page </span>");
        out.number(page.number);
        out.raw("</a></li>\n");
    }
    if let Some(next) = paginator.next_url.as_deref().filter(|u| !u.is_empty()) {
        out.raw("<li><a rel=\"next\" href=\"");
        out.text(next);
        out.raw("\">Older<span class=\"visually-hidden\"> notices</span></a></li>\n");
    }
    out.raw("</ul>\n</nav>\n");
}
