//! The twin of `document.html`: one document's history.

use super::{BasePage, Chrome, Out, TwinCache, base_into, breadcrumbs};
use crate::render::segments::Segments;
use crate::render::views::{DocumentView, HistoryRowView, ViewBuilder};

/// Renders a document page as `document.html` does.
pub(super) fn render(chrome: &Chrome<'_>, document: &DocumentView<'_>) -> String {
    let mut out = Out::with_capacity(document.history.len() * 1152 + 2048);
    write(&mut out, chrome, document);
    out.into_string()
}

/// Writes a document page into `out`.
pub(super) fn write(out: &mut Out, chrome: &Chrome<'_>, document: &DocumentView<'_>) {
    let link = &document.link;
    let title = |out: &mut Out| {
        out.text(&link.label);
        out.raw(": ");
        out.text(&link.title);
        out.raw(" – ");
        out.text(&chrome.site.title);
    };
    let feed_title = |out: &mut Out| {
        out.text(&link.label);
        out.raw(": every release that changes it");
    };
    let description = |out: &mut Out| {
        out.raw("History of ");
        out.text(&link.label);
        out.raw(", ");
        out.text(&link.title);
        out.raw(": every release that changed it.");
    };
    let content = |out: &mut Out| content(out, chrome, document);
    base_into(
        out,
        chrome,
        &BasePage {
            title: &title,
            alternate: Some((&feed_title, &document.feed_url)),
            description: &description,
            canonical: None,
            content: &content,
        },
    );
}

fn content(out: &mut Out, chrome: &Chrome<'_>, document: &DocumentView<'_>) {
    let link = &document.link;
    out.raw("\n");
    breadcrumbs(
        out,
        chrome.site,
        ("documents/", "Document Log"),
        &link.url,
        &link.label,
    );
    out.raw("<article class=\"document\">\n<h1>");
    out.text(&link.label);
    out.raw(": ");
    out.text(&link.title);
    out.raw("</h1>\n<p class=\"follow\">Follow ");
    out.text(&link.label);
    out.raw(" with its <a class=\"feed-link\" href=\"");
    out.text(&document.feed_url);
    out.raw("\">Atom feed of every release that changes ");
    out.text(&link.label);
    out.raw("</a>.</p>\n<section class=\"block\" aria-labelledby=\"current-heading\">\n<h2 id=\"current-heading\">Current version</h2>\n");
    match &document.current {
        Some(current) => {
            out.raw("\n<dl class=\"facts\">\n<div><dt>Version</dt><dd>");
            match &current.version {
                Some(version) => out.text(version),
                None => out.raw("Not stated"),
            }
            out.raw("</dd></div>\n<div><dt>In effect since</dt><dd>");
            out.time(&current.since);
            out.raw("</dd></div>\n<div><dt>Set by</dt><dd>");
            out.link(&current.notice.url, &current.notice.title);
            out.raw("</dd></div>\n</dl>\n");
        }
        None => {
            out.raw(if document.history.is_empty() {
                "\n<p>No release has changed this document yet.</p>\n"
            } else {
                "\n<p>No change to this document is in effect yet: see its history below.</p>\n"
            });
        }
    }
    out.raw("\n</section>\n<section class=\"block\" aria-labelledby=\"history-heading\">\n<h2 id=\"history-heading\">History</h2>\n");
    if document.history.is_empty() {
        out.raw("\n<p>No release has changed this document yet.</p>\n");
    } else {
        out.raw(
            "\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"History of ",
        );
        out.text(&link.label);
        out.raw("\">\n<table class=\"wide\">\n<caption>Releases that changed ");
        out.text(&link.label);
        out.raw(", oldest first</caption>\n<thead>\n<tr><th scope=\"col\">Notice</th><th scope=\"col\">Effective</th><th scope=\"col\">Title as printed</th><th scope=\"col\">Version</th><th scope=\"col\">Available on CodeWorks</th><th scope=\"col\">SEC Modification</th><th scope=\"col\">BEIS Designation</th><th scope=\"col\">Modifications</th></tr>\n</thead>\n<tbody>\n");
        for row in &document.history {
            history_row(out, row, chrome.cache);
            out.spill();
        }
        out.raw("</tbody>\n</table>\n</div>\n");
    }
    out.raw("\n</section>\n</article>\n");
}

fn history_row(out: &mut Out, row: &HistoryRowView<'_>, cache: &TwinCache) {
    // What a notice's rows show is the same in the history of every document it changes, but
    // for the upcoming badge: written once and copied, rather than gathered again from rows and
    // links spread over memory.
    let cells = cache.history_cells.get_or_init(row.notice_index, || {
        HistoryCells::of(row.builder, row.notice_index)
    });
    out.raw(if row.upcoming {
        "<tr class=\"is-upcoming\">\n<th scope=\"row\">"
    } else {
        "<tr>\n<th scope=\"row\">"
    });
    out.raw(cells.link());
    if row.upcoming {
        out.raw(" <span class=\"badge upcoming\">Upcoming</span>");
    }
    out.raw("</th>\n<td>");
    out.raw(cells.time());
    out.raw("</td>\n<td>");
    let (title_and_version, [codeworks, modification, designation]) = cells.row(row.row);
    out.raw(title_and_version);
    out.raw("</td>\n");
    out.flag_cells(codeworks, modification, designation);
    out.raw("<td>");
    modification_list(out, row.builder, row.notice_index, cache);
    out.raw("</td>\n</tr>\n");
}

/// The modifications notice `index` lists, as links. Each modification's item is made once, for
/// all of them in one allocation, and copied: 3,000 items at 10,000 notices, 33,000 at 100,000,
/// stay in the caches, where a list kept for each notice would take 800 bytes a notice and a trip
/// to memory for each row.
fn modification_list(out: &mut Out, builder: &ViewBuilder<'_>, index: usize, cache: &TwinCache) {
    let positions = builder.model.row_modifications.of(index);
    if positions.is_empty() {
        out.raw("<span aria-hidden=\"true\">—</span><span class=\"visually-hidden\">none</span>");
        return;
    }
    let items = cache
        .modification_items
        .get_or_init(|| modification_items(builder));
    out.raw("<ul class=\"inline-list\">");
    for &position in positions {
        out.raw(items.get(position as usize));
    }
    out.raw("</ul>");
}

/// Every modification's item in a history row's list, in key order.
fn modification_items(builder: &ViewBuilder<'_>) -> Segments {
    let modifications = &builder.model.modifications;
    Segments::new(96 * modifications.len(), |items| {
        for (position, modification) in modifications.values().enumerate() {
            items.segment(|text| {
                let mut item = Out::with_capacity(128);
                item.raw("<li>");
                item.link(builder.modification_url(position), &modification.id);
                item.raw("</li>");
                text.extend_from_slice(item.into_string().as_bytes());
            });
        }
    })
}

/// The parts of a notice's history rows that depend only on the notice: its link, the date it
/// takes effect (or was published) and, for each of its document rows, the cells from the title
/// as printed to the flags. (Its list of modifications is copied from `modification_items`.)
pub(in crate::render) struct HistoryCells(Segments);

impl HistoryCells {
    const LINK: usize = 0;
    const TIME: usize = 1;
    const ROWS: usize = 2;

    /// The cells of notice `index`.
    pub(super) fn of(builder: &ViewBuilder<'_>, index: usize) -> Self {
        let model = builder.model;
        let notice = builder.shared_notice_link(index);
        let rows = model.notices[index].documents();
        HistoryCells(Segments::new(256 + 256 * rows.len(), |cells| {
            let mut segment = |write: &dyn Fn(&mut Out)| {
                cells.segment(|text| {
                    let mut out = Out::with_capacity(0);
                    write(&mut out);
                    text.extend_from_slice(out.into_string().as_bytes());
                })
            };
            segment(&|out| out.link(&notice.url, &notice.title));
            segment(&|out| out.time(notice.effective.as_ref().unwrap_or(&notice.date)));
            for (document, document_row) in rows {
                segment(&|out| {
                    let title = document_row
                        .title
                        .as_deref()
                        .unwrap_or(&model.documents[document].title);
                    if title.is_empty() {
                        out.not_stated();
                    } else {
                        out.text(title);
                    }
                    out.raw("</td>\n<td class=\"num\">");
                    match &document_row.version {
                        Some(version) => out.text(version),
                        None => out.not_stated(),
                    }
                    out.raw(flags_code(
                        document_row.codeworks,
                        document_row.modification,
                        document_row.designation,
                    ));
                });
            }
        }))
    }

    fn link(&self) -> &str {
        self.0.get(Self::LINK)
    }

    fn time(&self) -> &str {
        self.0.get(Self::TIME)
    }

    /// Document row `k` of the notice: its title and version cells, and its three flags.
    fn row(&self, k: usize) -> (&str, [Option<bool>; 3]) {
        let text = self.0.get(Self::ROWS + k);
        let (cells, code) = text.split_at(text.len() - 1);
        (cells, flags_of(code))
    }
}

// A row's three flags are kept as one letter after its cells, rather than as the 150 bytes of
// their cells: a million rows at 100,000 notices.
const FLAG_CODES: &str = "abcdefghijklmnopqrstuvwxyzA";

/// The letter of three flags, each not stated, no or yes.
fn flags_code(
    codeworks: Option<bool>,
    modification: Option<bool>,
    designation: Option<bool>,
) -> &'static str {
    let digit = |flag: Option<bool>| match flag {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    let code = digit(codeworks) * 9 + digit(modification) * 3 + digit(designation);
    &FLAG_CODES[code..code + 1]
}

/// The flags of a letter of `flags_code`.
fn flags_of(code: &str) -> [Option<bool>; 3] {
    let code = FLAG_CODES.find(code).expect("a letter of flags_code");
    let flag = |digit: usize| match digit {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    };
    [flag(code / 9), flag(code / 3 % 3), flag(code % 3)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_of_flags_has_its_own_letter_and_comes_back() {
        let values = [None, Some(false), Some(true)];
        let mut letters = std::collections::HashSet::new();
        for a in values {
            for b in values {
                for c in values {
                    let code = flags_code(a, b, c);
                    assert!(letters.insert(code), "{code} given twice");
                    assert_eq!(flags_of(code), [a, b, c]);
                }
            }
        }
        assert_eq!(letters.len(), 27);
    }
}
