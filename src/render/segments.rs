//! Texts made once and read in numbered pieces: what a notice shows the same way wherever a data
//! file names it, kept in one allocation so that reading it again takes one or two trips to
//! memory rather than one for each field of the notice.

/// A text in numbered segments.
pub(super) struct Segments {
    text: Box<str>,
    // Where each segment ends.
    ends: Box<[u32]>,
}

impl Segments {
    /// The segments that `write` appends, one `segment` call each.
    pub(super) fn new(capacity: usize, write: impl FnOnce(&mut SegmentWriter)) -> Self {
        let mut writer = SegmentWriter {
            text: Vec::with_capacity(capacity),
            ends: Vec::new(),
        };
        write(&mut writer);
        // Copied into an allocation of its own size: a build keeps one of these for each
        // notice, and shrinking the buffer in place would keep the size class of `capacity`.
        Segments {
            text: Box::from(std::str::from_utf8(&writer.text).expect("every segment is text")),
            ends: Box::from(writer.ends.as_slice()),
        }
    }

    /// Segment `n`.
    pub(super) fn get(&self, n: usize) -> &str {
        let start = n.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.text[start..self.ends[n] as usize]
    }
}

/// What makes the segments of a `Segments`.
pub(super) struct SegmentWriter {
    text: Vec<u8>,
    ends: Vec<u32>,
}

impl SegmentWriter {
    /// Appends the next segment, what `write` appends: text (UTF-8), or `Segments::new` panics.
    pub(super) fn segment(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.text);
        let end = u32::try_from(self.text.len()).expect("a notice's segments fit in 4 GB");
        self.ends.push(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_read_back_by_number() {
        let segments = Segments::new(0, |w| {
            w.segment(|t| t.extend_from_slice(b"head"));
            w.segment(|_| {});
            w.segment(|t| t.extend_from_slice(b"tail"));
        });
        assert_eq!(segments.get(0), "head");
        assert_eq!(segments.get(1), "");
        assert_eq!(segments.get(2), "tail");
    }
}
