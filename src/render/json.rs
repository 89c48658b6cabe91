//! JSON written by hand for the data files: the exports, the search index and the log history
//! run to tens of megabytes at 10,000 notices, and serde_json, which looks at a string one byte
//! at a time and reaches the writer a token at a time, spent a sixth of a build's time on them.
//! The bytes are serde_json's compact form, which the tests compare against serde_json itself.

use std::borrow::Cow;

use super::dates::Iso;

/// A value that writes itself as compact JSON.
pub trait Json {
    /// Appends the value's JSON to `out`.
    fn write_json(&self, out: &mut Vec<u8>);
}

/// A struct written as the fields of a JSON object, without the braces: what `json_object!`
/// implements, so that an object can also be put together from the fields of several structs.
pub(super) trait JsonFields {
    /// Appends `"name":value` for each field, with commas between.
    fn write_fields(&self, out: &mut Vec<u8>);
}

/// Implements `JsonFields`, and `Json` as an object of those fields, for a struct: the named
/// fields in that order, each under its own name or the one given after `as` (the order and
/// names serde's derive would use).
macro_rules! json_object {
    (@key $field:ident) => { stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
    ($ty:ty { $first:ident $(as $first_key:literal)? $(, $field:ident $(as $key:literal)?)* $(,)? }) => {
        impl $crate::render::json::JsonFields for $ty {
            fn write_fields(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(
                    concat!("\"", json_object!(@key $first $($first_key)?), "\":").as_bytes(),
                );
                $crate::render::json::Json::write_json(&self.$first, out);
                $(
                    out.extend_from_slice(
                        concat!(",\"", json_object!(@key $field $($key)?), "\":").as_bytes(),
                    );
                    $crate::render::json::Json::write_json(&self.$field, out);
                )*
            }
        }

        impl $crate::render::json::Json for $ty {
            fn write_json(&self, out: &mut Vec<u8>) {
                out.push(b'{');
                $crate::render::json::JsonFields::write_fields(self, out);
                out.push(b'}');
            }
        }
    };
}
pub(crate) use json_object;

/// The low bit of each of a word's eight bytes.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// The high bit of each of a word's eight bytes.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any of the eight bytes of `word` is a control character, `"` or `\`, the bytes JSON
/// escapes. It may also answer yes for a byte that follows one of those (the subtraction
/// borrows), never no for one: a word it flags is looked at byte by byte.
fn needs_escape(word: u64) -> bool {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let is_quote = quote.wrapping_sub(ONES) & !quote;
    let is_backslash = backslash.wrapping_sub(ONES) & !backslash;
    (below_space | is_quote | is_backslash) & HIGHS != 0
}

/// How `byte` is written inside a JSON string, when not as itself.
fn escape_of(byte: u8) -> Option<&'static [u8]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // `\u00XX` for the control characters without a short form, as serde_json writes them.
    static CONTROLS: [[u8; 6]; 32] = {
        let mut table = [[0u8; 6]; 32];
        let mut byte = 0;
        while byte < 32 {
            table[byte] = [b'\\', b'u', b'0', b'0', HEX[byte >> 4], HEX[byte & 0xF]];
            byte += 1;
        }
        table
    };
    match byte {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        0x08 => Some(b"\\b"),
        0x0C => Some(b"\\f"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        b'\t' => Some(b"\\t"),
        0..=0x1F => Some(&CONTROLS[byte as usize]),
        _ => None,
    }
}

/// Appends `text` as a JSON string, quotes included.
fn write_str(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Bytes from `run` on are written as they are, once the next escape is found.
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Most strings escape nothing: eight bytes are passed over at a time.
        if let Some(chunk) = bytes.get(at..at + 8) {
            let word = u64::from_ne_bytes(chunk.try_into().expect("eight bytes"));
            if !needs_escape(word) {
                at += 8;
                continue;
            }
        }
        let end = (at + 8).min(bytes.len());
        for (offset, &byte) in bytes[at..end].iter().enumerate() {
            if let Some(escape) = escape_of(byte) {
                out.extend_from_slice(&bytes[run..at + offset]);
                out.extend_from_slice(escape);
                run = at + offset + 1;
            }
        }
        at = end;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Appends `n` in decimal.
fn write_unsigned(mut n: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

impl Json for str {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(self, out);
    }
}

impl Json for String {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(self, out);
    }
}

impl Json for Cow<'_, str> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(self, out);
    }
}

impl<T: Json + ?Sized> Json for &T {
    fn write_json(&self, out: &mut Vec<u8>) {
        (**self).write_json(out);
    }
}

impl Json for bool {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl Json for u32 {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_unsigned(u64::from(*self), out);
    }
}

impl Json for usize {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_unsigned(*self as u64, out);
    }
}

impl Json for Iso {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        self.push_to(out);
        out.push(b'"');
    }
}

impl<T: Json> Json for Option<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Some(value) => value.write_json(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

impl<T: Json> Json for [T] {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'[');
        for (n, item) in self.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        out.push(b']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn write_json(&self, out: &mut Vec<u8>) {
        self.as_slice().write_json(out);
    }
}

/// Implements `Json` for tuples, written as arrays as serde writes them.
macro_rules! json_tuple {
    ($($name:ident)+) => {
        impl<$($name: Json),+> Json for ($($name,)+) {
            #[allow(non_snake_case)]
            fn write_json(&self, out: &mut Vec<u8>) {
                let ($($name,)+) = self;
                let mut separator = b'[';
                $(
                    out.push(separator);
                    separator = b',';
                    $name.write_json(out);
                )+
                let _ = separator;
                out.push(b']');
            }
        }
    };
}

json_tuple!(A B);
json_tuple!(A B C);
json_tuple!(A B C D E);
json_tuple!(A B C D E F G H I);

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde::Serialize;

    use super::*;

    /// `value`'s JSON from this module and from serde_json.
    fn both<T: Json + Serialize + ?Sized>(value: &T) -> (String, String) {
        let mut ours = Vec::new();
        value.write_json(&mut ours);
        (
            String::from_utf8(ours).expect("UTF-8"),
            serde_json::to_string(value).expect("serde_json"),
        )
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut samples: Vec<String> = (0u8..=0x7F).map(|b| char::from(b).to_string()).collect();
        samples.extend(
            [
                "",
                "plain words longer than a word of eight bytes",
                "Quote \" in the middle, \\ and a tab\tand a newline\n at the end\r",
                "caf\u{e9} \u{2013} \u{201c}curly\u{201d} \u{1F600} \u{7f}\u{1}",
                "\"\"\"\"\"\"\"\"\"\"\"",
                "\\\\\\\\\\\\\\\\\\",
                "1234567\"",
                "12345678\"",
                "\u{1f}1234567",
            ]
            .map(String::from),
        );
        // Every control character, quote and backslash at every offset of a word.
        for special in [
            '\0', '\u{8}', '\u{1f}', '"', '\\', '\u{7f}', '\u{a2}', '\u{dc}',
        ] {
            for offset in 0..17 {
                let mut text = "x".repeat(offset);
                text.push(special);
                text.push_str("tail of the string");
                samples.push(text);
            }
        }
        for sample in &samples {
            let (ours, theirs) = both(sample.as_str());
            assert_eq!(ours, theirs, "for {sample:?}");
        }
    }

    /// A date written by `Iso` here and by chrono's `Serialize` for serde_json.
    #[derive(Clone, Copy)]
    struct Date(NaiveDate);

    impl Json for Date {
        fn write_json(&self, out: &mut Vec<u8>) {
            Iso(self.0).write_json(out);
        }
    }

    impl Serialize for Date {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.0.serialize(serializer)
        }
    }

    #[derive(Serialize)]
    struct Row<'a> {
        id: &'a str,
        #[serde(rename = "ref")]
        reference: Option<&'a str>,
        part: Option<u32>,
        count: usize,
        flag: bool,
        date: Date,
        list: Vec<(Date, Option<&'a str>, usize)>,
        missing: Option<bool>,
    }

    json_object!(Row<'_> { id, reference as "ref", part, count, flag, date, list, missing });

    #[test]
    fn objects_numbers_lists_and_tuples_are_serde_jsons() {
        let date = Date(NaiveDate::from_ymd_opt(2026, 11, 29).expect("a date"));
        let row = Row {
            id: "MP102A",
            reference: Some("Section \"A\""),
            part: Some(4_294_967_295),
            count: 0,
            flag: true,
            date,
            list: vec![(date, None, 12), (date, Some("1.0"), 1_000_007)],
            missing: None,
        };
        let (ours, theirs) = both(&row);
        assert_eq!(ours, theirs);
        let rows = vec![("a", String::from("b"), "c"), ("d", String::new(), "\n")];
        let (ours, theirs) = both(&rows);
        assert_eq!(ours, theirs);
        let empty: Vec<&str> = Vec::new();
        assert_eq!(both(&empty).0, "[]");
        let (ours, theirs) = both(&(1usize, false, "x", Some(2u32), date));
        assert_eq!(ours, theirs);
    }
}
