//! Identifiers and versions: modification keys that compare as DOMAIN.md says, and document
//! versions that compare part by part as numbers.

use std::cmp::Ordering;
use std::fmt;

/// A modification id normalised for comparison: upper case, inner spaces removed
/// (`SECMP 0030` and `secmp0030` are both `SECMP0030`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModificationKey(String);

// A key hashes and compares as its text, so maps of keys can be asked with a `&str`.
impl std::borrow::Borrow<str> for ModificationKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl ModificationKey {
    /// The key of an id as written.
    pub fn from_id(id: &str) -> Self {
        // Most ids are written in their normal form already: no need to rebuild them.
        if Self::is_normal(id) {
            return ModificationKey(id.to_string());
        }
        ModificationKey(
            id.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect(),
        )
    }

    /// Whether `id` as written is already a key (upper case, no spaces), so that a map of keys
    /// can be asked for it as it stands.
    pub fn is_normal(id: &str) -> bool {
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    }

    /// The URL segment: the key in lower case.
    pub fn url_segment(&self) -> String {
        self.0.to_lowercase()
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `id` can be a modification id: letters and digits, with `-`, `_` or one inner space.
pub fn is_valid_modification_id(id: &str) -> bool {
    let trimmed = id.trim();
    !trimmed.is_empty()
        && trimmed == id
        && trimmed.matches(' ').count() <= 1
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
}

/// A document version such as `5.14`, compared part by part as numbers (`5.14` > `5.2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    /// A version as written.
    pub fn new(text: &str) -> Self {
        Version(text.trim().to_string())
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parts_of(text: &str) -> impl Iterator<Item = VersionPart<'_>> {
    {
        text.trim_start_matches(['v', 'V'])
            .split(['.', '-'])
            .map(|part| match part.parse::<u64>() {
                Ok(n) => VersionPart::Number(n),
                Err(_) => VersionPart::Text(part),
            })
    }
}

/// Compares two versions as written, part by part as numbers, without allocating.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    Version::cmp_parts(a, b)
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum VersionPart<'a> {
    // Numbers sort before text so that `1.0` < `1.0-draft` is avoided: text parts only decide
    // between versions with equal numbers.
    Number(u64),
    Text(&'a str),
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        Version::cmp_parts(&self.0, &other.0)
    }
}

impl Version {
    fn cmp_parts(a: &str, b: &str) -> Ordering {
        let mut left = parts_of(a.trim());
        let mut right = parts_of(b.trim());
        loop {
            match (left.next(), right.next()) {
                (None, None) => return Ordering::Equal,
                // `5` equals `5.0`: missing parts count as zero.
                (None, Some(part)) => {
                    if part != VersionPart::Number(0) {
                        return Ordering::Less;
                    }
                }
                (Some(part), None) => {
                    if part != VersionPart::Number(0) {
                        return Ordering::Greater;
                    }
                }
                (Some(a), Some(b)) => match a.cmp(&b) {
                    Ordering::Equal => {}
                    unequal => return unequal,
                },
            }
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_inner_space() {
        assert_eq!(
            ModificationKey::from_id("SECMP 0030"),
            ModificationKey::from_id("secmp0030")
        );
        assert_eq!(ModificationKey::from_id("MP102A").url_segment(), "mp102a");
        assert!(is_valid_modification_id("SECMP 0030"));
        assert!(!is_valid_modification_id("../x"));
        assert!(!is_valid_modification_id("A  B"));
    }

    #[test]
    fn versions_compare_as_numbers_part_by_part() {
        assert!(Version::new("5.14") > Version::new("5.2"));
        assert!(Version::new("10.0") > Version::new("9.9"));
        assert_eq!(Version::new("5.0").cmp(&Version::new("5")), Ordering::Equal);
        assert!(Version::new("1.0") < Version::new("1.0.1"));
    }
}
