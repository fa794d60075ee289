//! A streaming scanner that finds where JSON values begin and end without parsing
//! them, so a FeatureCollection of several hundred megabytes is read in blocks and
//! its features handed to the parser a batch at a time.
//!
//! The scanner tracks strings, escapes and bracket nesting only; the values it
//! delimits are parsed by serde_json. It keeps the line number of the start of its
//! buffer so every error can name a line and column in the file.

use std::io::Read;

/// Where an error happened in the file (1-based line and column, 0-based byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
    pub byte: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {} (byte {})",
            self.line, self.column, self.byte
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("{position}: {reason}")]
    Syntax { position: Position, reason: String },
}

const BLOCK: usize = 4 << 20;

pub struct Scanner<R: Read> {
    reader: R,
    pub buf: Vec<u8>,
    pub pos: usize,
    /// Absolute byte offset of `buf[0]`.
    base: u64,
    /// Line (1-based) of `buf[0]`.
    line: u64,
    /// Column (0-based) of `buf[0]` within its line.
    column: u64,
    eof: bool,
    pub bytes_read: u64,
}

impl<R: Read> Scanner<R> {
    pub fn new(reader: R) -> Scanner<R> {
        Scanner {
            reader,
            buf: Vec::with_capacity(BLOCK),
            pos: 0,
            base: 0,
            line: 1,
            column: 0,
            eof: false,
            bytes_read: 0,
        }
    }

    /// The position of buffer offset `at` in the file.
    pub fn position(&self, at: usize) -> Position {
        let at = at.min(self.buf.len());
        let head = self.buf.get(..at).unwrap_or_default();
        let newlines = count_newlines(head);
        let column = match memchr::memrchr(b'\n', head) {
            Some(nl) => (at - nl - 1) as u64,
            None => self.column + at as u64,
        };
        Position {
            line: self.line + newlines,
            column: column + 1,
            byte: self.base + at as u64,
        }
    }

    /// The position of buffer offset `at`, counting on from `known`, an earlier
    /// position in the file, when it is still in the buffer: a run of calls with
    /// rising offsets then costs the bytes between them, not the whole buffer each
    /// time (a file of many top-level members would otherwise cost quadratic time).
    pub fn position_after(&self, known: Position, at: usize) -> Position {
        let from = known
            .byte
            .checked_sub(self.base)
            .and_then(|k| usize::try_from(k).ok())
            .filter(|&k| k <= at && at <= self.buf.len());
        let Some(from) = from else {
            return self.position(at);
        };
        let between = self.buf.get(from..at).unwrap_or_default();
        let newlines = count_newlines(between);
        let column = match memchr::memrchr(b'\n', between) {
            Some(nl) => (between.len() - nl) as u64,
            None => known.column + between.len() as u64,
        };
        Position {
            line: known.line + newlines,
            column,
            byte: self.base + at as u64,
        }
    }

    pub fn error(&self, at: usize, reason: impl Into<String>) -> ScanError {
        ScanError::Syntax {
            position: self.position(at),
            reason: reason.into(),
        }
    }

    /// Drops the bytes before `pos` and reads another block. Returns false at the end
    /// of the input. Offsets relative to `pos` stay valid across the call.
    pub fn fill(&mut self) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            let dropped = self.buf.get(..self.pos).unwrap_or_default();
            let newlines = count_newlines(dropped);
            match memchr::memrchr(b'\n', dropped) {
                Some(nl) => self.column = (self.pos - nl - 1) as u64,
                None => self.column += self.pos as u64,
            }
            self.line += newlines;
            self.base += self.pos as u64;
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        // Grow the read with the buffer so that a single huge value is not rescanned
        // from the start once per block.
        let want = BLOCK.max(self.buf.len());
        let old = self.buf.len();
        self.buf.resize(old + want, 0);
        let mut filled = old;
        while filled < self.buf.len() {
            let Some(space) = self.buf.get_mut(filled..) else {
                break;
            };
            match self.reader.read(space) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ScanError::Io(e)),
            }
        }
        self.buf.truncate(filled);
        self.bytes_read += (filled - old) as u64;
        Ok(filled > old)
    }

    /// Skips white space and returns the next byte without consuming it; `None` at
    /// the end of the input.
    pub fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                    self.pos += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes the byte `want` (after white space), or fails naming what was found.
    pub fn expect(&mut self, want: u8, context: &str) -> Result<(), ScanError> {
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.error(
                self.pos,
                format!(
                    "expected '{}' {context}, found '{}'",
                    want as char,
                    printable(b)
                ),
            )),
            None => Err(self.error(
                self.pos,
                format!(
                    "unexpected end of file: expected '{}' {context}",
                    want as char
                ),
            )),
        }
    }

    /// Delimits the JSON value that starts at the next non-space byte and returns its
    /// range in `buf`, leaving `pos` after it.
    pub fn take_value(&mut self) -> Result<(usize, usize), ScanError> {
        let Some(first) = self.peek()? else {
            return Err(self.error(self.pos, "unexpected end of file: expected a value"));
        };
        let mut stack: Vec<u8> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        // Offset (relative to pos) up to which the value has been scanned.
        let mut done = 0usize;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let start = self.pos;
            let bytes = self.buf.get(start + done..).unwrap_or_default();
            let mut end = None;
            let mut i = 0;
            while let Some(&b) = bytes.get(i) {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if stack.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        // Jump to the next quote or backslash: string content is most
                        // of a file's bytes in attribute-heavy layers.
                        match memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
                            Some(k) => {
                                i += k;
                                continue;
                            }
                            None => {
                                i = bytes.len();
                                continue;
                            }
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        end = Some(i);
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => stack.push(b),
                        b'}' | b']' => {
                            let open = if b == b'}' { b'{' } else { b'[' };
                            match stack.pop() {
                                Some(o) if o == open => {}
                                _ => {
                                    let at = start + done + i;
                                    return Err(self.error(
                                        at,
                                        format!(
                                            "unexpected '{}': brackets do not match",
                                            b as char
                                        ),
                                    ));
                                }
                            }
                            if stack.is_empty() {
                                end = Some(i + 1);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            if let Some(e) = end {
                let range = (start, start + done + e);
                self.pos = range.1;
                return Ok(range);
            }
            done += bytes.len();
            if !self.fill()? {
                if scalar && done > 0 {
                    let range = (self.pos, self.pos + done);
                    self.pos = range.1;
                    return Ok(range);
                }
                return Err(self.error(
                    self.buf.len(),
                    "unexpected end of file inside a value (the file is truncated)",
                ));
            }
        }
    }
}

/// The number of newlines in `bytes`.
///
/// Positions are counted over the whole file, so this runs over every byte of it;
/// counting 32 bytes at a time in lanes the compiler vectorises is several times
/// faster than stepping from one newline to the next.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(32);
    let mut total = 0u64;
    for chunk in &mut chunks {
        let n: u8 = chunk.iter().map(|&b| u8::from(b == b'\n')).sum();
        total += u64::from(n);
    }
    total + chunks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// The position just after `bytes`, which start at `from`.
pub fn advance(from: Position, bytes: &[u8]) -> Position {
    let newlines = count_newlines(bytes);
    let column = match memchr::memrchr(b'\n', bytes) {
        Some(nl) => (bytes.len() - nl) as u64,
        None => from.column + bytes.len() as u64,
    };
    Position {
        line: from.line + newlines,
        column,
        byte: from.byte + bytes.len() as u64,
    }
}

/// A byte as something readable in an error message.
pub fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimits_values_across_tiny_blocks() {
        let text = br#"  {"a": [1, {"b": "x]}\"y"}], "c": 2}  , 17 , "s\"" "#;
        let mut s = Scanner::new(&text[..]);
        let (a, b) = s.take_value().unwrap();
        assert_eq!(&s.buf[a..b], &br#"{"a": [1, {"b": "x]}\"y"}], "c": 2}"#[..]);
        s.expect(b',', "between values").unwrap();
        let (a, b) = s.take_value().unwrap();
        assert_eq!(&s.buf[a..b], b"17");
        s.expect(b',', "").unwrap();
        let (a, b) = s.take_value().unwrap();
        assert_eq!(&s.buf[a..b], br#""s\"""#);
        assert_eq!(s.peek().unwrap(), None);
    }

    #[test]
    fn truncated_and_mismatched_inputs_name_positions() {
        let mut s = Scanner::new(&b"{\"a\":\n [1, 2"[..]);
        let err = s.take_value().unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("truncated"), "{err}");
        let mut s = Scanner::new(&b"[1, 2}"[..]);
        let err = s.take_value().unwrap_err().to_string();
        assert!(
            err.contains("column 6") && err.contains("do not match"),
            "{err}"
        );
    }

    #[test]
    fn positions_counted_on_from_a_known_one_agree_with_counting_from_the_start() {
        let text = b"{\"a\": 1,\n  \"b\": [2,\n 3], \"c\": 4}";
        let mut s = Scanner::new(&text[..]);
        s.fill().unwrap();
        let mut known = s.position(0);
        for at in 0..=text.len() {
            let p = s.position_after(known, at);
            assert_eq!(p, s.position(at), "at {at}");
            known = p;
        }
        for at in 0..=text.len() {
            let from = s.position(0);
            assert_eq!(advance(from, &text[..at]), s.position(at), "at {at}");
        }
        // A known position after the offset is not used.
        let late = s.position(20);
        assert_eq!(s.position_after(late, 3), s.position(3));
    }

    #[test]
    fn newlines_are_counted_in_every_lane_and_the_tail() {
        let mut text = Vec::new();
        for i in 0..300u32 {
            text.push(if i % 7 == 0 || i % 31 == 0 {
                b'\n'
            } else {
                b'a' + (i % 26) as u8
            });
        }
        for end in 0..text.len() {
            let naive = text[..end].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(count_newlines(&text[..end]), naive, "first {end} bytes");
        }
        // A chunk of 32 newlines is the most one lane sums.
        assert_eq!(count_newlines(&[b'\n'; 96]), 96);
    }
}
