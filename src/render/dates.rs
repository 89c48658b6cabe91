//! Dates as the pages and data files write them: ISO 8601 (`2020-11-29`), the display form
//! (`29 November 2020`) and RFC 3339 at midnight UTC. Written by hand because a large site
//! writes hundreds of thousands of dates and chrono interprets its format string on every call;
//! the bytes are chrono's (`%Y-%m-%d`, `%-d %B %Y`), which a unit test compares over many years.

use chrono::{Datelike, NaiveDate};

/// The months' English names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `date` as `YYYY-MM-DD`, or `None` for a year outside 0–9999 (chrono writes those with a sign
/// or more digits, and is left to).
fn iso_bytes(date: NaiveDate) -> Option<[u8; 10]> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (month, day) = (date.month(), date.day());
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ])
}

/// Appends `date` as `YYYY-MM-DD`.
pub fn push_iso(out: &mut String, date: NaiveDate) {
    match iso_bytes(date) {
        Some(bytes) => out.push_str(std::str::from_utf8(&bytes).expect("ASCII digits")),
        None => out.push_str(&date.format("%Y-%m-%d").to_string()),
    }
}

/// `date` as `YYYY-MM-DD`.
pub fn iso(date: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_iso(&mut out, date);
    out
}

/// `date` as `29 November 2020`.
pub fn display(date: NaiveDate) -> String {
    match iso_bytes(date) {
        Some(bytes) => {
            let mut out = String::with_capacity(17);
            let day = date.day();
            if day >= 10 {
                out.push(char::from(bytes[8]));
            }
            out.push(char::from(bytes[9]));
            out.push(' ');
            out.push_str(MONTHS[date.month0() as usize]);
            out.push(' ');
            out.push_str(std::str::from_utf8(&bytes[..4]).expect("ASCII digits"));
            out
        }
        None => date.format("%-d %B %Y").to_string(),
    }
}

/// Midnight UTC of `date` in RFC 3339, the timestamp Atom requires.
pub fn rfc3339(date: NaiveDate) -> String {
    let mut out = String::with_capacity(20);
    push_iso(&mut out, date);
    out.push_str("T00:00:00Z");
    out
}

/// A date that the data files write as `YYYY-MM-DD`, as chrono's `NaiveDate` serialises, only
/// faster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Iso(pub NaiveDate);

impl Iso {
    /// Appends the date as its JSON string holds it: `YYYY-MM-DD` (chrono's `Display`, with a sign
    /// or more digits outside 0–9999).
    pub fn push_to(self, out: &mut Vec<u8>) {
        match iso_bytes(self.0) {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => out.extend_from_slice(self.0.to_string().as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hand_written_forms_are_chronos() {
        let mut date = NaiveDate::from_ymd_opt(-3, 12, 25).expect("a date");
        let last = NaiveDate::from_ymd_opt(10_002, 1, 3).expect("a date");
        let mut checked = 0;
        while date <= last {
            assert_eq!(iso(date), date.format("%Y-%m-%d").to_string());
            assert_eq!(display(date), date.format("%-d %B %Y").to_string());
            assert_eq!(
                rfc3339(date),
                format!("{}T00:00:00Z", date.format("%Y-%m-%d"))
            );
            let json = serde_json::to_string(&serde_json::json!(date)).expect("chrono's JSON");
            let mut ours = b"\"".to_vec();
            Iso(date).push_to(&mut ours);
            ours.push(b'"');
            assert_eq!(String::from_utf8(ours).expect("ASCII"), json);
            // Every day near the edges of the fast path, a day in each month elsewhere.
            let near_edge = date.year() < 2 || date.year() > 9997;
            date = if near_edge {
                date.succ_opt().expect("a next day")
            } else {
                date.checked_add_days(chrono::Days::new(29))
                    .expect("a later day")
            };
            checked += 1;
        }
        assert!(checked > 100_000, "{checked} dates compared");
    }
}
