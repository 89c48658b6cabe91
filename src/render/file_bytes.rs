//! The bytes of one file of a rendered site: one buffer, or pieces of buffers. A data file
//! remade after an edit is its last version's pieces around the records that changed: a title
//! edit changes one record of a 30 MB file, and copies none of the rest.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;

/// A file's bytes. Cloning shares them.
#[derive(Clone)]
pub struct FileBytes(Repr);

#[derive(Clone)]
enum Repr {
    Whole(Bytes),
    Pieces(Arc<Pieces>),
}

/// Two or more pieces, with where each starts in the file.
struct Pieces {
    pieces: Vec<Bytes>,
    starts: Vec<usize>,
    len: usize,
}

/// Past this many pieces a file is copied into one buffer again, so that a file edited over and
/// over does not become a list of crumbs.
const MOST_PIECES: usize = 64;

impl FileBytes {
    /// The file made of `pieces`, in order (empty ones left out).
    pub fn from_pieces(pieces: Vec<Bytes>) -> Self {
        let mut pieces: Vec<Bytes> = pieces.into_iter().filter(|p| !p.is_empty()).collect();
        match pieces.len() {
            0 => FileBytes(Repr::Whole(Bytes::new())),
            1 => FileBytes(Repr::Whole(pieces.remove(0))),
            n if n > MOST_PIECES => {
                let mut whole = Vec::with_capacity(pieces.iter().map(Bytes::len).sum());
                for piece in &pieces {
                    whole.extend_from_slice(piece);
                }
                FileBytes(Repr::Whole(Bytes::from(whole)))
            }
            _ => {
                let mut starts = Vec::with_capacity(pieces.len());
                let mut len = 0;
                for piece in &pieces {
                    starts.push(len);
                    len += piece.len();
                }
                FileBytes(Repr::Pieces(Arc::new(Pieces {
                    pieces,
                    starts,
                    len,
                })))
            }
        }
    }

    /// How many bytes the file has.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Whole(bytes) => bytes.len(),
            Repr::Pieces(pieces) => pieces.len,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file's buffers, in order.
    pub fn chunks(&self) -> &[Bytes] {
        match &self.0 {
            Repr::Whole(bytes) => std::slice::from_ref(bytes),
            Repr::Pieces(pieces) => &pieces.pieces,
        }
    }

    /// The file's one buffer, unless it is in pieces (only a data file remade by a rebuild is:
    /// pages never are).
    pub fn as_whole(&self) -> Option<&[u8]> {
        match &self.0 {
            Repr::Whole(bytes) => Some(bytes),
            Repr::Pieces(_) => None,
        }
    }

    /// The file in one buffer: its own when it has one, else a copy.
    pub fn contiguous(&self) -> Cow<'_, [u8]> {
        match &self.0 {
            Repr::Whole(bytes) => Cow::Borrowed(bytes),
            Repr::Pieces(_) => Cow::Owned(self.to_vec()),
        }
    }

    /// The file as one `Bytes` (copied when it is in pieces).
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            Repr::Whole(bytes) => bytes.clone(),
            Repr::Pieces(_) => Bytes::from(self.to_vec()),
        }
    }

    /// A copy of the file's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut whole = Vec::with_capacity(self.len());
        for chunk in self.chunks() {
            whole.extend_from_slice(chunk);
        }
        whole
    }

    /// Writes the file to `out`.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        for chunk in self.chunks() {
            out.write_all(chunk)?;
        }
        Ok(())
    }

    /// Bytes `from..to` as parts of the file's buffers, shared, appended to `out`.
    pub fn slices_into(&self, from: usize, to: usize, out: &mut Vec<Bytes>) {
        if from >= to {
            return;
        }
        match &self.0 {
            Repr::Whole(bytes) => out.push(bytes.slice(from..to)),
            Repr::Pieces(pieces) => {
                let mut index = pieces.piece_at(from);
                let mut at = from;
                while at < to {
                    let start = pieces.starts[index];
                    let piece = &pieces.pieces[index];
                    let end = (start + piece.len()).min(to);
                    out.push(piece.slice(at - start..end - start));
                    at = end;
                    index += 1;
                }
            }
        }
    }

    /// Whether the file has `bytes` at `offset`.
    pub fn has_at(&self, offset: usize, bytes: &[u8]) -> bool {
        let Some(end) = offset
            .checked_add(bytes.len())
            .filter(|&end| end <= self.len())
        else {
            return false;
        };
        match &self.0 {
            // Most are a separator or a short token: compared in place, not by a call.
            Repr::Whole(whole) => match bytes {
                [byte] => whole[offset] == *byte,
                _ => &whole[offset..end] == bytes,
            },
            Repr::Pieces(pieces) => {
                let mut index = pieces.piece_at(offset);
                let (mut at, mut rest) = (offset, bytes);
                while !rest.is_empty() {
                    let start = pieces.starts[index];
                    let piece = &pieces.pieces[index][at - start..];
                    let n = piece.len().min(rest.len());
                    if piece[..n] != rest[..n] {
                        return false;
                    }
                    rest = &rest[n..];
                    at += n;
                    index += 1;
                }
                true
            }
        }
    }
}

impl Pieces {
    /// The index of the piece that holds byte `offset` (which is within the file).
    fn piece_at(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }
}

impl From<Bytes> for FileBytes {
    fn from(bytes: Bytes) -> Self {
        FileBytes(Repr::Whole(bytes))
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes(Repr::Whole(Bytes::from(bytes)))
    }
}

impl From<String> for FileBytes {
    fn from(text: String) -> Self {
        FileBytes(Repr::Whole(Bytes::from(text)))
    }
}

impl From<&'static str> for FileBytes {
    fn from(text: &'static str) -> Self {
        FileBytes(Repr::Whole(Bytes::from_static(text.as_bytes())))
    }
}

impl PartialEq for FileBytes {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.has_at(0, &other.contiguous())
    }
}

impl Eq for FileBytes {}

impl PartialEq<[u8]> for FileBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.len() == other.len() && self.has_at(0, other)
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FileBytes({} bytes in {} pieces)",
            self.len(),
            self.chunks().len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(parts: &[&'static str]) -> FileBytes {
        FileBytes::from_pieces(
            parts
                .iter()
                .map(|p| Bytes::from_static(p.as_bytes()))
                .collect(),
        )
    }

    #[test]
    fn a_file_in_pieces_reads_as_its_bytes_in_order() {
        let file = pieces(&["ab", "", "cde", "f"]);
        assert_eq!(file.len(), 6);
        assert_eq!(file.chunks().len(), 3);
        assert_eq!(file.to_vec(), b"abcdef");
        assert!(file == *b"abcdef".as_slice());
        assert!(file.has_at(1, b"bcd"));
        assert!(file.has_at(5, b"f"));
        assert!(!file.has_at(5, b"fg"));
        assert!(!file.has_at(2, b"cdx"));
        let mut out = Vec::new();
        file.slices_into(1, 5, &mut out);
        let joined: Vec<u8> = out.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(joined, b"bcde");
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn too_many_pieces_are_joined_into_one_buffer() {
        let parts: Vec<&'static str> = vec!["x"; MOST_PIECES + 1];
        let file = pieces(&parts);
        assert_eq!(file.chunks().len(), 1);
        assert_eq!(file.len(), MOST_PIECES + 1);
    }
}
