//! Markdown to HTML: pulldown-cmark with GFM extensions, ids on headings, modification ids in
//! running text turned into links, root-relative links placed under the base path, and every link
//! reported with its line so that broken ones can be named precisely. Text in, HTML and facts out.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use ahash::AHashMap;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::model::ids::ModificationKey;

/// What the renderer needs to know about the site.
#[derive(Debug, Clone, Default)]
pub struct LinkContext {
    /// The path of base_url (`/` or `/sec/`).
    pub base_path: String,
    /// Every modification id and alias key, to the modification's key and URL.
    pub modifications: AHashMap<ModificationKey, (ModificationKey, String)>,
    /// Whether to leave `RenderedMarkdown::lookups` empty: only a rebuild needs them, to know
    /// which bodies a new id could change, and a build into a folder has none.
    pub skip_lookups: bool,
}

/// A link written in a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLink {
    /// The destination as written.
    pub destination: String,
    /// The destination as rendered (root-relative links placed under the base path).
    pub target: String,
    /// Line in the file.
    pub line: usize,
    /// Column in characters.
    pub column: usize,
}

/// The result of rendering one body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedMarkdown {
    /// The HTML.
    pub html: Arc<str>,
    /// The modifications named in running text.
    pub mentions: BTreeSet<ModificationKey>,
    /// Links and images to check, with their place in the file.
    pub links: Vec<BodyLink>,
    /// The ids given to headings.
    pub heading_ids: Vec<String>,
    /// The first paragraph as plain text.
    pub first_paragraph: Arc<str>,
    /// Every word looked up as a modification id, found or not, sorted and without repeats: the
    /// HTML stays valid as long as none of these ids leads elsewhere.
    pub lookups: Vec<ModificationKey>,
}

/// Renders `body`, which starts on line `first_line` of its file.
pub fn render_markdown(body: &str, first_line: usize, context: &LinkContext) -> RenderedMarkdown {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let lines = LineIndex::new(body, first_line);
    let mut result = RenderedMarkdown::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    // Depth of elements whose text must not become links: code, links, images, headings.
    let mut no_autolink_depth = 0usize;
    let mut heading_start: Option<usize> = None;
    // The ids given so far, and for each wanted id the next suffix to try (so that thousands of
    // headings with one text do not each probe `x-1`, `x-2`… from the start).
    let mut used_ids: (HashSet<String>, HashMap<String, usize>) = Default::default();
    let mut paragraph_depth = 0usize;
    let mut first_paragraph_done = false;
    let mut first_paragraph = String::new();

    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                no_autolink_depth += 1;
                let dest_url = follow_link(
                    &mut result,
                    dest_url,
                    link_type,
                    context,
                    &lines,
                    range.start,
                );
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                no_autolink_depth += 1;
                let dest_url = follow_link(
                    &mut result,
                    dest_url,
                    link_type,
                    context,
                    &lines,
                    range.start,
                );
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Heading { .. }) => {
                no_autolink_depth += 1;
                heading_start = Some(events.len());
                events.push(event);
            }
            Event::End(TagEnd::Heading(level)) => {
                no_autolink_depth -= 1;
                if let Some(start) = heading_start.take() {
                    give_heading_id(
                        &mut events,
                        start,
                        level,
                        &mut used_ids,
                        &mut result.heading_ids,
                    );
                }
                events.push(event);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                no_autolink_depth += 1;
                events.push(event);
            }
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::CodeBlock) => {
                no_autolink_depth -= 1;
                events.push(event);
            }
            Event::Start(Tag::Paragraph) => {
                paragraph_depth += 1;
                events.push(event);
            }
            Event::End(TagEnd::Paragraph) => {
                paragraph_depth -= 1;
                if paragraph_depth == 0 && !first_paragraph.trim().is_empty() {
                    first_paragraph_done = true;
                }
                events.push(event);
            }
            Event::Text(text) => {
                if paragraph_depth > 0 && !first_paragraph_done {
                    first_paragraph.push_str(&text);
                }
                if no_autolink_depth == 0 {
                    link_modification_ids(text, context, &mut events, &mut result);
                } else {
                    events.push(Event::Text(text));
                }
            }
            Event::Code(ref code) => {
                if paragraph_depth > 0 && !first_paragraph_done {
                    first_paragraph.push_str(code);
                }
                events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                if paragraph_depth > 0 && !first_paragraph_done {
                    first_paragraph.push(' ');
                }
                events.push(event);
            }
            other => events.push(other),
        }
    }
    result.first_paragraph = Arc::from(
        first_paragraph
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    result.html = Arc::from(html);
    result.lookups.sort_unstable();
    result.lookups.dedup();
    result.lookups.shrink_to_fit();
    result
}

/// Root-relative destinations (`/documents/`) are placed under the base path (`/sec/documents/`).
fn place_under_base<'a>(dest: CowStr<'a>, link_type: LinkType, base_path: &str) -> CowStr<'a> {
    let is_root_relative = dest.starts_with('/') && !dest.starts_with("//");
    if !is_root_relative || base_path == "/" || matches!(link_type, LinkType::Email) {
        return dest;
    }
    CowStr::from(format!("{base_path}{}", &dest[1..]))
}

/// Records a link or image (as written, for messages) and returns its destination placed under
/// the base path.
fn follow_link<'a>(
    result: &mut RenderedMarkdown,
    dest_url: CowStr<'a>,
    link_type: LinkType,
    context: &LinkContext,
    lines: &LineIndex,
    offset: usize,
) -> CowStr<'a> {
    let written = dest_url.to_string();
    let dest_url = place_under_base(dest_url, link_type, &context.base_path);
    record_link(result, written, &dest_url, link_type, lines, offset);
    dest_url
}

fn record_link(
    result: &mut RenderedMarkdown,
    written: String,
    target: &str,
    link_type: LinkType,
    lines: &LineIndex,
    offset: usize,
) {
    if matches!(link_type, LinkType::Email) {
        return;
    }
    let (line, column) = lines.position(offset);
    result.links.push(BodyLink {
        destination: written,
        target: target.to_string(),
        line,
        column,
    });
}

/// Splits a text event around modification ids, turning each into a link.
fn link_modification_ids<'a>(
    text: CowStr<'a>,
    context: &'a LinkContext,
    events: &mut Vec<Event<'a>>,
    result: &mut RenderedMarkdown,
) {
    let matches = find_modification_ids(&text, context, &mut result.lookups);
    if matches.is_empty() {
        events.push(Event::Text(text));
        return;
    }
    let mut last = 0;
    for (start, end, (key, url)) in matches {
        if start > last {
            events.push(Event::Text(slice(&text, last, start)));
        }
        events.push(Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: CowStr::Borrowed(url),
            title: CowStr::Borrowed(""),
            id: CowStr::Borrowed(""),
        }));
        events.push(Event::Text(slice(&text, start, end)));
        events.push(Event::End(TagEnd::Link));
        result.mentions.insert(key.clone());
        last = end;
    }
    if last < text.len() {
        events.push(Event::Text(slice(&text, last, text.len())));
    }
}

/// Part of a text event: borrowed from the source when the event is (no copy), else copied.
fn slice<'a>(text: &CowStr<'a>, start: usize, end: usize) -> CowStr<'a> {
    match text {
        CowStr::Borrowed(borrowed) => CowStr::Borrowed(&borrowed[start..end]),
        other => CowStr::from(other[start..end].to_string()),
    }
}

/// Byte ranges of known modification ids in `text`, with the key and URL of each. Words are runs
/// of ASCII letters and digits; a word is looked up when it holds a digit, and first together with
/// the word before it when that is all letters and one space away (`SECMP 0030`: the longest
/// match wins). Every id holds a digit, so the search goes from digit to digit.
fn find_modification_ids<'c>(
    text: &str,
    context: &'c LinkContext,
    lookups: &mut Vec<ModificationKey>,
) -> Vec<(usize, usize, &'c (ModificationKey, String))> {
    let mut lookup = |written: &str| {
        // Words already in a key's form (`MP080`, `2024`) need no key made to be looked up.
        let found = if ModificationKey::is_normal(written) {
            context.modifications.get(written)
        } else {
            context
                .modifications
                .get(&ModificationKey::from_id(written))
        };
        if !context.skip_lookups {
            lookups.push(ModificationKey::from_id(written));
        }
        found
    };
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(digit) = next_digit(bytes, from) {
        let start = word_start(bytes, digit);
        let end = bytes[digit..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |i| digit + i);
        from = end;
        if start >= 2 && bytes[start - 1] == b' ' && bytes[start - 2].is_ascii_alphanumeric() {
            let before = word_start(bytes, start - 1);
            if bytes[before..start - 1].iter().all(u8::is_ascii_alphabetic)
                && let Some(target) = lookup(&text[before..end])
            {
                found.push((before, end, target));
                continue;
            }
        }
        if let Some(target) = lookup(&text[start..end]) {
            found.push((start, end, target));
        }
    }
    found
}

/// Where the word that ends just before `end` (or holds byte `end`) starts.
fn word_start(bytes: &[u8], end: usize) -> usize {
    bytes[..end]
        .iter()
        .rposition(|b| !b.is_ascii_alphanumeric())
        .map_or(0, |i| i + 1)
}

/// Gives the heading that starts at `events[start]` an id from its text, unless it has one.
fn give_heading_id(
    events: &mut [Event<'_>],
    start: usize,
    level: HeadingLevel,
    used: &mut (HashSet<String>, HashMap<String, usize>),
    ids: &mut Vec<String>,
) {
    let text: String = events[start + 1..]
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
        let wanted = match id {
            Some(given) => given.to_string(),
            None => {
                let slug = slugify(&text);
                if slug.is_empty() {
                    format!("section-{}", level as usize)
                } else {
                    slug
                }
            }
        };
        let (used, next_suffix) = used;
        let mut unique = wanted.clone();
        if !used.insert(unique.clone()) {
            // Suffixes below the remembered one were taken when last tried, and still are.
            let mut n = next_suffix.get(&wanted).copied().unwrap_or(1);
            loop {
                unique = format!("{wanted}-{n}");
                n += 1;
                if used.insert(unique.clone()) {
                    break;
                }
            }
            next_suffix.insert(wanted, n);
        }
        *id = Some(CowStr::from(unique.clone()));
        ids.push(unique);
    }
}

/// A URL-safe id from heading text: lower case, runs of other characters as one `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Maps byte offsets of a body to lines and columns of its file. Links come in order, so each
/// position is counted on from the last one asked: the body is read once, and only up to its
/// last link.
struct LineIndex<'a> {
    text: &'a str,
    first_line: usize,
    // The last position asked: byte offset, line index (from 0), column.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str, first_line: usize) -> Self {
        LineIndex {
            text,
            first_line,
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let (mut from, mut line, mut column) = self.last.get();
        if offset < from {
            (from, line, column) = (0, 0, 1);
        }
        let Some(segment) = self.text.get(from..offset) else {
            return (self.first_line + line, 1);
        };
        match segment.rfind('\n') {
            Some(last_break) => {
                line += segment.bytes().filter(|&b| b == b'\n').count();
                column = segment[last_break + 1..].chars().count() + 1;
            }
            None => column += segment.chars().count(),
        }
        self.last.set((offset, line, column));
        (self.first_line + line, column)
    }
}

/// The offset of the first ASCII digit of `bytes` at or after `from`.
fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    let mut start = from;
    // Eight bytes at a time: most of a body is words without digits. A byte is a digit when it
    // lies strictly between `/` (47) and `:` (58); the test ("hasbetween", from Bit Twiddling
    // Hacks) keeps each byte to its own lane, so the lowest flagged byte is the first digit.
    while let Some(chunk) = bytes.get(start..start + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("a chunk of eight bytes"));
        let low = x & (ONES * 127);
        let flags =
            (ONES * (127 + 58)).wrapping_sub(low) & !x & (low + ONES * (127 - 47)) & (ONES * 128);
        if flags != 0 {
            return Some(start + (flags.trailing_zeros() / 8) as usize);
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|i| start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> LinkContext {
        let mut modifications = AHashMap::new();
        for id in ["MP102A", "SECMP0030"] {
            let key = ModificationKey::from_id(id);
            modifications.insert(
                key.clone(),
                (
                    key.clone(),
                    format!("/sec/modifications/{}/", key.url_segment()),
                ),
            );
        }
        LinkContext {
            base_path: "/sec/".to_string(),
            modifications,
            skip_lookups: false,
        }
    }

    /// The search as first written, word by word: the reference for the faster one.
    fn word_by_word(
        text: &str,
        context: &LinkContext,
        lookups: &mut Vec<ModificationKey>,
    ) -> Vec<(usize, usize, ModificationKey, String)> {
        let mut lookup = |key: ModificationKey| {
            let found = context.modifications.get(&key).cloned();
            lookups.push(key);
            found
        };
        let words = word_ranges(text);
        let mut found = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let (start, end) = words[i];
            // `SECMP 0030`: a word, one space, a word. Try the pair first: the longest match wins.
            if let Some(&(next_start, next_end)) = words.get(i + 1)
                && next_start == end + 1
                && text.as_bytes()[end] == b' '
                && text[start..end].bytes().all(|b| b.is_ascii_alphabetic())
                && text[next_start..next_end]
                    .bytes()
                    .any(|b| b.is_ascii_digit())
                && let Some((key, url)) = lookup(ModificationKey::from_id(&text[start..next_end]))
            {
                found.push((start, next_end, key, url));
                i += 2;
                continue;
            }
            let word = &text[start..end];
            if word.bytes().any(|b| b.is_ascii_digit())
                && let Some((key, url)) = lookup(ModificationKey::from_id(word))
            {
                found.push((start, end, key, url));
            }
            i += 1;
        }
        found
    }

    /// Byte ranges of the runs of ASCII letters and digits in `text`.
    fn word_ranges(text: &str) -> Vec<(usize, usize)> {
        let mut ranges = Vec::new();
        let mut start = None;
        for (i, b) in text.bytes().enumerate() {
            match (b.is_ascii_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    ranges.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            ranges.push((s, text.len()));
        }
        ranges
    }

    fn ids_context() -> LinkContext {
        let mut modifications = AHashMap::new();
        for id in [
            "MP1",
            "MP10",
            "SECMP0030",
            "SECMP 0031",
            "P2",
            "A1B",
            "MP102A",
        ] {
            let key = ModificationKey::from_id(id);
            modifications.insert(key.clone(), (key.clone(), key.url_segment()));
        }
        LinkContext {
            base_path: "/".to_string(),
            modifications,
            skip_lookups: false,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn the_digit_search_finds_what_the_word_search_finds(
            text in "(MP|SECMP|P|A|mp|x|1|0|0030|0031|10|102A|B| |  |-|é|\\.|,){0,24}"
        ) {
            let context = ids_context();
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let found: Vec<_> = find_modification_ids(&text, &context, &mut fast)
                .into_iter()
                .map(|(start, end, (key, url))| (start, end, key.clone(), url.clone()))
                .collect();
            let expected = word_by_word(&text, &context, &mut slow);
            proptest::prop_assert_eq!(found, expected);
            fast.sort_unstable();
            fast.dedup();
            slow.sort_unstable();
            slow.dedup();
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn ids_in_prose_become_links_but_not_in_code_links_or_headings() {
        let body =
            "# About MP102A\n\nMP102A and SECMP 0030 apply; `MP102A` and [MP102A](/x/) do not.\n";
        let out = render_markdown(body, 1, &context());
        assert!(
            out.html
                .contains("<h1 id=\"about-mp102a\">About MP102A</h1>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<a href=\"/sec/modifications/mp102a/\">MP102A</a> and <a href=\"/sec/modifications/secmp0030/\">SECMP 0030</a>"), "{}", out.html);
        assert!(out.html.contains("<code>MP102A</code>"));
        assert!(out.html.contains("<a href=\"/sec/x/\">MP102A</a>"));
        assert_eq!(out.mentions.len(), 2);
    }

    #[test]
    fn links_are_reported_with_their_line() {
        let body = "Intro.\n\nSee [the log](/documents/#top).\n";
        let out = render_markdown(body, 10, &context());
        assert_eq!(
            out.links,
            vec![BodyLink {
                destination: "/documents/#top".into(),
                target: "/sec/documents/#top".into(),
                line: 12,
                column: 5
            }]
        );
        assert_eq!(&*out.first_paragraph, "Intro.");
    }

    #[test]
    fn next_digit_finds_the_first_digit_in_any_lane() {
        let all: Vec<u8> = (0..=255).collect();
        for digit in b'0'..=b'9' {
            for at in 0..20 {
                let mut text: Vec<u8> = all
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_digit())
                    .cycle()
                    .skip(at * 7)
                    .take(24)
                    .collect();
                assert_eq!(next_digit(&text, 0), None);
                text[at] = digit;
                assert_eq!(next_digit(&text, 0), Some(at));
                assert_eq!(next_digit(&text, at), Some(at));
                assert_eq!(next_digit(&text, at + 1), None);
            }
        }
    }

    #[test]
    fn positions_count_lines_and_characters_in_any_order() {
        let text = "ab\n€d\n\nxyz";
        let lines = LineIndex::new(text, 10);
        let expected = |offset: usize| {
            let before = &text[..offset];
            let line = before.matches('\n').count();
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            (10 + line, column)
        };
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .collect();
        for &offset in offsets.iter().chain(offsets.iter().rev()) {
            assert_eq!(lines.position(offset), expected(offset), "at {offset}");
        }
    }

    #[test]
    fn heading_ids_are_unique() {
        let out = render_markdown("## A\n\n## A\n", 1, &LinkContext::default());
        assert_eq!(out.heading_ids, ["a", "a-1"]);
    }

    #[test]
    fn extensions_are_on() {
        let out = render_markdown(
            "| a |\n|---|\n| b |\n\n~~x~~ \"q\"[^1]\n\n[^1]: n\n",
            1,
            &LinkContext::default(),
        );
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("<del>x</del>"));
        assert!(out.html.contains("“q”"));
        assert!(out.html.contains("footnote"));
    }
}
