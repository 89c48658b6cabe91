//! `/calendar.ics`: an iCalendar (RFC 5545) file with one all-day event on the effective date of
//! each release (every notice of a releasing kind), so a party can subscribe to the dates things
//! take effect. Made in Rust, not through a template: the format's escaping and line folding are
//! easy to get wrong in a template.

use std::io::{self, Write};

use chrono::{Days, NaiveDate};

use super::records::{PreviousFile, RecordKey, RecordSink, RecordWriter, Remade, remake};
use super::views::{Urls, ViewBuilder};

/// The longest a content line may be, in octets, before it is folded (RFC 5545 §3.1).
const LINE_LIMIT: usize = 75;

/// The calendar of the model's releases, in the order of the Document Log (effective date, then
/// date published, then slug), each event a record: the up-to-date events of `previous` are
/// copied.
pub fn calendar_ics(
    views: &ViewBuilder<'_>,
    title: &str,
    description: Option<&str>,
    previous: Option<PreviousFile<'_>>,
) -> Remade {
    // A rebuild writes the file twice (see `remake`): the releases are put in order once.
    let releases = releases_in_log_order(views);
    remake(256 + releases.len() * 1024, previous, |out| {
        write_events(views, title, description, &releases, out)
    })
}

/// Writes the calendar (see `calendar_ics`) to `out`.
pub fn write_calendar<W: RecordSink>(
    views: &ViewBuilder<'_>,
    title: &str,
    description: Option<&str>,
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    write_events(
        views,
        title,
        description,
        &releases_in_log_order(views),
        out,
    )
}

/// The notices of releasing kinds, in the order of the Document Log.
fn releases_in_log_order(views: &ViewBuilder<'_>) -> Vec<usize> {
    let model = views.model;
    let mut releases: Vec<usize> = (0..model.notices.len())
        .filter(|&i| model.notices[i].is_releasing())
        .collect();
    releases.sort_by_key(|&i| model.notices[i].log_order_key());
    releases
}

/// Writes the calendar of `releases`, in order.
fn write_events<W: RecordSink>(
    views: &ViewBuilder<'_>,
    title: &str,
    description: Option<&str>,
    releases: &[usize],
    out: &mut RecordWriter<'_, W>,
) -> io::Result<()> {
    let model = views.model;
    let base_url = views.urls.permalink("");
    let host = host_of(&base_url);

    let mut head = String::with_capacity(256);
    line(&mut head, "BEGIN:VCALENDAR");
    line(&mut head, "VERSION:2.0");
    line(
        &mut head,
        &format!("PRODID:-//secsite//{}//EN", text(title)),
    );
    line(&mut head, "CALSCALE:GREGORIAN");
    line(&mut head, "METHOD:PUBLISH");
    line(&mut head, &format!("X-WR-CALNAME:{}", text(title)));
    if let Some(description) = description {
        line(&mut head, &format!("X-WR-CALDESC:{}", text(description)));
    }
    let write_event = |i: usize, out: &mut String| {
        let notice = &model.notices[i];
        let source = &notice.source;
        let url = views.urls.permalink(&Urls::notice_path(notice.slug()));
        // "November 2020 SEC Release takes effect (SEC v27.0)"; a notice without a release name
        // has a title that says what it is.
        let summary = match (&source.release, &source.sec_version) {
            (Some(release), Some(version)) => format!("{release} takes effect (SEC v{version})"),
            (Some(release), None) => format!("{release} takes effect"),
            (None, _) => source.title.clone(),
        };
        let mut details = String::new();
        if source.release.is_some() {
            details.push_str(&source.title);
            details.push('\n');
        }
        let said = views.summary(i);
        if !said.is_empty() {
            details.push_str(said);
            details.push('\n');
        }
        details.push_str(&url);
        let end = notice
            .effective
            .checked_add_days(Days::new(1))
            .unwrap_or(notice.effective);
        line(out, "BEGIN:VEVENT");
        line(out, &format!("UID:{}@{host}", notice.slug()));
        // A fixed stamp (the day it was published), never the time of the build.
        line(out, &format!("DTSTAMP:{}T000000Z", basic(source.date)));
        line(
            out,
            &format!("DTSTART;VALUE=DATE:{}", basic(notice.effective)),
        );
        line(out, &format!("DTEND;VALUE=DATE:{}", basic(end)));
        line(out, &format!("SUMMARY:{}", text(&summary)));
        line(out, &format!("DESCRIPTION:{}", text(&details)));
        line(out, &format!("CATEGORIES:{}", text(source.kind.label())));
        line(out, &format!("URL:{url}"));
        line(out, "TRANSP:TRANSPARENT");
        line(out, "END:VEVENT");
    };
    let mut end = String::new();
    line(&mut end, "END:VCALENDAR");
    out.write_all(head.as_bytes())?;
    let mut event = String::with_capacity(1024);
    for &i in releases {
        out.record(RecordKey::Notice(i), |out| {
            event.clear();
            write_event(i, &mut event);
            out.write_all(event.as_bytes())
        })?;
    }
    out.write_all(end.as_bytes())
}

/// `20201129`.
fn basic(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// The host of an absolute URL (`example.org` of `https://example.org/sec/`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.is_empty() { "secsite" } else { host }
}

/// A TEXT value escaped as RFC 5545 §3.3.11 says.
fn text(value: &str) -> String {
    if !value.contains(['\\', ';', ',', '\n', '\r']) && !value.contains(char::is_control) {
        return value.to_string();
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends a content line, folded at 75 octets without splitting a character, ended by CRLF.
fn line(out: &mut String, content: &str) {
    let mut rest = content;
    // The first line holds 75 octets; each continuation line a space and 74.
    let mut room = LINE_LIMIT;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = LINE_LIMIT - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let content = format!("SUMMARY:{}", "é".repeat(60));
        line(&mut out, &content);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= LINE_LIMIT, "{physical:?} is too long");
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, content);
    }

    #[test]
    fn the_host_names_the_site() {
        assert_eq!(host_of("https://example.org/sec/"), "example.org");
        assert_eq!(host_of("http://user@127.0.0.1:8080/"), "127.0.0.1:8080");
    }
}
