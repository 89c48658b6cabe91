//! The records of the whole-site data files (exports, search index, calendar, log history): each
//! record stands for one notice, modification, document or entry of a document's history, and a
//! rebuild after an edit that left the site's structure as it was copies the records of the
//! entities it did not touch from the last build instead of making them again. A title edit at
//! 10,000 notices changes some 40 records of 100 MB of such files.

use std::io::{self, Write};

use bytes::Bytes;

use super::file_bytes::FileBytes;
use super::json::Json;

/// What a record of a data file stands for. A record's bytes depend on its entity and on what the
/// whole site shares (configuration, build date, the set and order of notices, modifications and
/// documents); a `PreviousFile` is only given when the latter is as in the last build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKey {
    /// A notice, by index in the model.
    Notice(usize),
    /// A modification, by position in the model's (sorted) modifications.
    Modification(usize),
    /// A document, by index in the registry.
    Document(usize),
    /// One notice's change to one document (an entry of its history): what it shows follows
    /// from the notice, as its row and the log are as they were.
    DocumentChange {
        /// The document, by index in the registry.
        document: usize,
        /// The notice, by index in the model.
        notice: usize,
    },
}

/// Where each record of a data file lies in its text, in the order they were written.
#[derive(Debug, Clone, Default)]
pub struct RecordSpans {
    spans: Vec<(RecordKey, usize, usize)>,
}

impl RecordSpans {
    /// How many records the file has.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the file has no records.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Which records of the last build are out of date: those of the notices, modifications and
/// documents whose pages the rebuild renders again.
#[derive(Debug, Clone, Default)]
pub struct StaleRecords {
    /// By notice index.
    pub notices: Vec<bool>,
    /// By modification position.
    pub modifications: Vec<bool>,
    /// By document index.
    pub documents: Vec<bool>,
}

impl StaleRecords {
    fn is_stale(&self, key: RecordKey) -> bool {
        // An entity this list does not know is new: nothing of it can be reused.
        let flag = |flags: &[bool], i: usize| flags.get(i).copied().unwrap_or(true);
        match key {
            RecordKey::Notice(i) => flag(&self.notices, i),
            RecordKey::Modification(i) => flag(&self.modifications, i),
            RecordKey::Document(i) => flag(&self.documents, i),
            RecordKey::DocumentChange { notice, .. } => flag(&self.notices, notice),
        }
    }
}

/// One data file of the last build, whose up-to-date records a rebuild copies.
#[derive(Clone, Copy)]
pub struct PreviousFile<'a> {
    /// The file's text.
    pub text: &'a FileBytes,
    /// Where its records are.
    pub spans: &'a RecordSpans,
    /// Which records are out of date.
    pub stale: &'a StaleRecords,
}

/// A writer of a data file that notes where each record lies and, given the last build's file,
/// copies the records that are still up to date. The file's other bytes (its header, separators
/// and end) are always written anew.
pub struct RecordWriter<'a, W> {
    out: W,
    written: usize,
    // How many records were written, and where they lie when `keeps_spans`.
    records: usize,
    spans: Vec<(RecordKey, usize, usize)>,
    keeps_spans: bool,
    copied: usize,
    previous: Option<PreviousFile<'a>>,
    // Set when the writer only compares what is written with the last build's file (see
    // `remake`): nothing goes to `out`.
    probing: bool,
    // What `json` writes a value into before it goes out in one write.
    scratch: Vec<u8>,
}

/// A data file made again after an edit.
pub enum Remade {
    /// Byte for byte the last build's file.
    Unchanged,
    /// Its new text, where its records lie and how many were copied from the last build.
    Changed(FileBytes, RecordSpans, usize),
}

/// Makes a data file again with `write`, copying the up-to-date records of `previous`. Most edits
/// change no byte of most data files (a new title does not show in the modifications' export):
/// a first pass writes only the out-of-date records and compares everything written with the
/// last build's file, stopping at the first difference; only when there is one is the file
/// written out: its copied records as shared parts of the last build's file, its new bytes into
/// a buffer of their own. Without a last build it is written into a buffer of `capacity` bytes
/// to begin with.
pub fn remake(
    capacity: usize,
    previous: Option<PreviousFile<'_>>,
    write: impl Fn(&mut RecordWriter<'_, PieceWriter<'_>>) -> io::Result<()>,
) -> Remade {
    let out = match previous {
        Some(previous) => {
            // An unchanged file keeps the last build's spans, and a changed one is written
            // again: the probe keeps none.
            let mut probe = RecordWriter {
                probing: true,
                previous: Some(previous),
                ..RecordWriter::streaming(PieceWriter::new(None, 0))
            };
            if write(&mut probe).is_ok() && probe.written == previous.text.len() {
                return Remade::Unchanged;
            }
            PieceWriter::new(Some(previous.text), 4096)
        }
        None => PieceWriter::new(None, capacity),
    };
    let mut writer = RecordWriter::new(out, previous);
    write(&mut writer).expect("writing into memory does not fail");
    let copied = writer.copied;
    let (out, spans) = writer.finish();
    Remade::Changed(out.finish(), spans, copied)
}

/// Where a `RecordWriter` writes: a writer that takes the records it copies as bytes, or a
/// `PieceWriter`, which keeps them as parts of the last build's file.
pub trait RecordSink: Write {
    /// Writes bytes `from..to` of the last build's file `previous`.
    fn copy_from(&mut self, previous: &FileBytes, from: usize, to: usize) -> io::Result<()> {
        let mut parts = Vec::new();
        previous.slices_into(from, to, &mut parts);
        parts.iter().try_for_each(|part| self.write_all(part))
    }
}

impl<W: Write + ?Sized> RecordSink for &mut W {}

/// A data file being remade: runs of the last build's file (shared, not copied) and new bytes.
pub struct PieceWriter<'a> {
    previous: Option<&'a FileBytes>,
    parts: Vec<Part>,
    fresh: Vec<u8>,
}

/// A run of a file being remade.
enum Part {
    /// Bytes `from..to` of the new bytes.
    Fresh(usize, usize),
    /// Bytes `from..to` of the last build's file.
    Previous(usize, usize),
}

impl<'a> PieceWriter<'a> {
    fn new(previous: Option<&'a FileBytes>, capacity: usize) -> Self {
        PieceWriter {
            previous,
            // The file's opening is most often as it was, too.
            parts: previous.map_or_else(Vec::new, |_| vec![Part::Previous(0, 0)]),
            fresh: Vec::with_capacity(capacity),
        }
    }

    /// The file written.
    fn finish(self) -> FileBytes {
        let fresh = Bytes::from(self.fresh);
        let mut pieces = Vec::with_capacity(self.parts.len());
        for part in self.parts {
            match part {
                Part::Fresh(from, to) => pieces.push(fresh.slice(from..to)),
                Part::Previous(from, to) => {
                    if let Some(previous) = self.previous {
                        previous.slices_into(from, to, &mut pieces);
                    }
                }
            }
        }
        FileBytes::from_pieces(pieces)
    }
}

impl Write for PieceWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        // What follows a copied record (a separator, or the same bytes of a record written
        // again) is most often what followed it in the last file: the run goes on, and the
        // records on both sides become one piece.
        if let (Some(Part::Previous(_, to)), Some(previous)) =
            (self.parts.last_mut(), self.previous)
            && previous.has_at(*to, bytes)
        {
            *to += bytes.len();
            return Ok(());
        }
        let from = self.fresh.len();
        self.fresh.extend_from_slice(bytes);
        match self.parts.last_mut() {
            Some(Part::Fresh(_, to)) if *to == from => *to = self.fresh.len(),
            _ => self.parts.push(Part::Fresh(from, self.fresh.len())),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl RecordSink for PieceWriter<'_> {
    fn copy_from(&mut self, _previous: &FileBytes, from: usize, to: usize) -> io::Result<()> {
        match self.parts.last_mut() {
            Some(Part::Previous(_, end)) if *end == from => *end = to,
            _ => self.parts.push(Part::Previous(from, to)),
        }
        Ok(())
    }
}

impl<'a, W: RecordSink> RecordWriter<'a, W> {
    /// A writer to `out`, copying up-to-date records of `previous` when there is one.
    pub fn new(out: W, previous: Option<PreviousFile<'a>>) -> Self {
        RecordWriter {
            out,
            written: 0,
            records: 0,
            spans: Vec::with_capacity(previous.map_or(0, |p| p.spans.len())),
            keeps_spans: true,
            copied: 0,
            previous,
            probing: false,
            scratch: Vec::new(),
        }
    }

    /// A writer to `out` that keeps no spans, for a file no rebuild will copy from: a build
    /// into a folder streams the exports, a million records at 100,000 notices.
    pub fn streaming(out: W) -> Self {
        RecordWriter {
            keeps_spans: false,
            ..RecordWriter::new(out, None)
        }
    }

    /// Whether every record is written anew (there is no last build to copy from): what the
    /// records share is then all asked for.
    pub fn writes_every_record(&self) -> bool {
        self.previous.is_none()
    }

    /// Writes the record of `key`: the last build's bytes when they are up to date, else what
    /// `write` writes.
    pub fn record(
        &mut self,
        key: RecordKey,
        write: impl FnOnce(&mut Self) -> io::Result<()>,
    ) -> io::Result<()> {
        let start = self.written;
        // Records come in the same order in both builds when the structure is unchanged, so the
        // n-th record of the last build is the only candidate.
        let reusable = self.previous.and_then(|previous| {
            let &(previous_key, from, to) = previous.spans.spans.get(self.records)?;
            (previous_key == key && !previous.stale.is_stale(key)).then_some((previous, from, to))
        });
        match reusable {
            // Probing, the record is where it was, and as it was.
            Some((_, from, to)) if self.probing => self.written += to - from,
            Some((previous, from, to)) => {
                self.out.copy_from(previous.text, from, to)?;
                self.written += to - from;
            }
            None => write(self)?,
        }
        if reusable.is_some() {
            self.copied += 1;
        }
        self.records += 1;
        if self.keeps_spans {
            self.spans.push((key, start, self.written));
        }
        Ok(())
    }

    /// The writer and the spans of the records written.
    pub fn finish(self) -> (W, RecordSpans) {
        (self.out, RecordSpans { spans: self.spans })
    }
}

impl<W: RecordSink> RecordWriter<'_, W> {
    /// Writes `value` as JSON.
    pub fn json<T: Json + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        self.write_with(|text| value.write_json(text))
    }

    /// Writes what `write` appends to a buffer, in one go.
    pub fn write_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        write(&mut scratch);
        let written = self.write_all(&scratch);
        self.scratch = scratch;
        written
    }

    /// Probing: whether `bytes` are what the last build's file has where they would go.
    fn as_before(&self, bytes: &[u8]) -> bool {
        self.previous
            .is_some_and(|p| p.text.has_at(self.written, bytes))
    }
}

impl<W: RecordSink> Write for RecordWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.probing {
            if !self.as_before(bytes) {
                // Not an error of writing: it ends the comparison at the first difference.
                return Err(io::Error::other("differs from the last build"));
            }
        } else {
            self.out.write_all(bytes)?;
        }
        self.written += bytes.len();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[a,b,...]`, value `i` the record of notice `i`.
    fn write_list<W: RecordSink>(out: &mut RecordWriter<'_, W>, values: &[&str]) -> io::Result<()> {
        out.write_all(b"[")?;
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            out.record(RecordKey::Notice(i), |out| out.write_all(value.as_bytes()))?;
        }
        out.write_all(b"]")
    }

    /// The text, the spans and how many records were copied.
    fn file(previous: Option<PreviousFile<'_>>, values: &[&str]) -> (Vec<u8>, RecordSpans, usize) {
        let mut text = Vec::new();
        let mut writer = RecordWriter::new(&mut text, previous);
        write_list(&mut writer, values).unwrap();
        let copied = writer.copied;
        let (_, spans) = writer.finish();
        (text, spans, copied)
    }

    /// Of three notices, the second's records are out of date.
    fn second_notice_stale() -> StaleRecords {
        StaleRecords {
            notices: vec![false, true, false],
            ..StaleRecords::default()
        }
    }

    #[test]
    fn up_to_date_records_are_copied_and_stale_ones_written_again() {
        let (text, spans, _) = file(None, &["a", "bb", "c"]);
        assert_eq!(text, b"[a,bb,c]");
        let text = FileBytes::from(text);
        let stale = second_notice_stale();
        let previous = PreviousFile {
            text: &text,
            spans: &spans,
            stale: &stale,
        };
        // The writer copies records 0 and 2 (whatever they would be now) and writes record 1.
        let (again, again_spans, copied) = file(Some(previous), &["x", "yyy", "z"]);
        assert_eq!(again, b"[a,yyy,c]");
        assert_eq!(again_spans.len(), 3);
        assert_eq!(copied, 2);
    }

    #[test]
    fn a_file_whose_records_come_out_as_before_is_not_written_again() {
        let (text, spans, _) = file(None, &["a", "bb", "c"]);
        let text = FileBytes::from(text);
        let stale = second_notice_stale();
        let previous = PreviousFile {
            text: &text,
            spans: &spans,
            stale: &stale,
        };
        let remade = |values: &[&str]| remake(0, Some(previous), |out| write_list(out, values));
        // The stale record comes out as it was: the file is the last build's.
        assert!(matches!(remade(&["x", "bb", "z"]), Remade::Unchanged));
        // It differs, or the file ends elsewhere: the file is written.
        match remade(&["x", "b", "z"]) {
            Remade::Changed(text, _, copied) => {
                assert_eq!(text.to_vec(), b"[a,b,c]");
                assert_eq!(copied, 2);
            }
            Remade::Unchanged => panic!("the file changed"),
        }
        assert!(matches!(
            remade(&["x", "bb", "z", "d"]),
            Remade::Changed(..)
        ));
    }

    #[test]
    fn records_the_last_build_did_not_have_are_written() {
        let (text, spans, _) = file(None, &["a"]);
        let text = FileBytes::from(text);
        let stale = StaleRecords {
            notices: vec![false],
            ..StaleRecords::default()
        };
        let previous = PreviousFile {
            text: &text,
            spans: &spans,
            stale: &stale,
        };
        let (again, _, _) = file(Some(previous), &["x", "y"]);
        assert_eq!(again, b"[a,y]");
    }

    /// Remakes `[v0,v1,...]` from `previous`, whose record `stale` is out of date.
    fn remade(
        previous: &FileBytes,
        spans: &RecordSpans,
        stale: usize,
        values: &[&str],
    ) -> (FileBytes, RecordSpans) {
        let stale = StaleRecords {
            notices: (0..values.len()).map(|i| i == stale).collect(),
            ..StaleRecords::default()
        };
        let previous = PreviousFile {
            text: previous,
            spans,
            stale: &stale,
        };
        match remake(0, Some(previous), |out| write_list(out, values)) {
            Remade::Changed(text, spans, _) => (text, spans),
            Remade::Unchanged => panic!("the file changed"),
        }
    }

    #[test]
    fn a_remade_file_shares_the_runs_of_records_around_the_one_that_changed() {
        let values = ["a", "bb", "c", "dd", "e"];
        let (text, spans, _) = file(None, &values);
        let first = FileBytes::from(text);
        let (second, second_spans) = remade(&first, &spans, 1, &["a", "XY", "c", "dd", "e"]);
        assert_eq!(second.to_vec(), b"[a,XY,c,dd,e]");
        // The run before the record, the record, and the run after it (with its comma).
        assert_eq!(second.chunks().len(), 3);
        // A remake of a file in pieces reads across them.
        let (third, _) = remade(&second, &second_spans, 3, &["a", "XY", "c", "Z", "e"]);
        assert_eq!(third.to_vec(), b"[a,XY,c,Z,e]");
        assert!(third.has_at(2, b",XY,c,"));
        assert!(!third.has_at(2, b",XY,d"));
    }
}
