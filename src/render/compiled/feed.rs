//! The twin of `feed.xml`: an Atom feed (the site's, a modification's, a document's).

use super::{Chrome, Out};
use crate::render::views::{FeedEntryView, FeedView, touch_all};

/// Renders a feed as `feed.xml` does.
pub(super) fn render(chrome: &Chrome<'_>, feed: &FeedView<'_>) -> String {
    let site = chrome.site;
    let content: usize = feed
        .entries
        .iter()
        .map(|e| e.summary.len() + e.content_html.as_ref().map_or(0, |c| c.len() + c.len() / 8))
        .sum();
    let mut out = Out::with_capacity(1024 + feed.entries.len() * 512 + content);
    out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
    out.text(&site.language);
    out.raw("\">\n  <id>");
    out.text(&feed.id);
    out.raw("</id>\n  <title>");
    out.text(&feed.title);
    out.raw("</title>\n");
    out.stated_in("  <subtitle>", &feed.subtitle, "</subtitle>\n");
    out.raw("  <updated>");
    out.text(&feed.updated);
    out.raw("</updated>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
    out.text(&feed.feed_url);
    out.raw("\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
    out.text(&feed.url);
    out.raw("\"/>\n  <author>\n    <name>");
    out.text(&site.title);
    out.raw("</name>\n    <uri>");
    out.text(&site.base_url);
    out.raw("</uri>\n  </author>\n  <generator>secsite</generator>\n");
    // What an entry says of its notice is the same in every feed that has it (the feeds of its
    // modifications and documents): written once and copied.
    let heads: Vec<&str> = feed
        .entries
        .iter()
        .map(|entry| {
            &**chrome
                .cache
                .feed_entry_heads
                .get_or_init(entry.notice_index, || entry_head(entry))
        })
        .collect();
    touch_all(heads.iter().map(|head| head.as_bytes()));
    for (entry, head) in feed.entries.iter().zip(heads) {
        out.raw(head);
        if !entry.summary.is_empty() {
            out.raw("    <summary>");
            out.text(&entry.summary);
            out.raw("</summary>\n");
        }
        if let Some(content) = &entry.content_html {
            out.raw("    <content type=\"html\">");
            out.xml_text(content);
            out.raw("</content>\n");
        }
        out.raw("  </entry>\n");
    }
    out.raw("</feed>\n");
    out.into_string()
}

/// An entry's opening up to its summary: its id, title, link and dates.
pub(super) fn entry_head(entry: &FeedEntryView<'_>) -> Box<str> {
    let mut out = Out::with_capacity(512);
    out.raw("  <entry>\n    <id>");
    out.text(entry.id);
    out.raw("</id>\n    <title>");
    out.text(entry.title);
    out.raw("</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
    out.text(entry.permalink);
    out.raw("\"/>\n    <published>");
    out.text(entry.published);
    out.raw("</published>\n    <updated>");
    out.text(entry.updated);
    out.raw("</updated>\n");
    out.into_kept()
}
