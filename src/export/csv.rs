//! The one CSV encoder of every export (card activity, order history): RFC 4180 cells, CRLF,
//! a UTF-8 byte-order mark by default, and text neutralized against formula injection (OWASP),
//! phone numbers excepted.

use std::io::Write;

use crate::money::write_units;

/// The UTF-8 byte-order mark: without it Excel on Windows reads the file in the ANSI code page
/// and shows "Réponse" or "Müller" garbled.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a CSV export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Start with [`BOM`] (the default; `--no-bom` for pipelines that do not expect it).
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { bom: true }
    }
}

/// OWASP CSV injection: a text cell that a spreadsheet would read as a formula gets a leading
/// apostrophe. Spreadsheet programs trim leading spaces and fold compatibility characters, so
/// the test is on the first character after whitespace (any, NBSP and U+3000 included) and
/// format characters (BOM, ZWSP, …), NFKC-folded (`＝` is `=`): one of `= + - @`, or a TAB or
/// CR among the leading blanks.
pub fn needs_neutralizing(cell: &[u8]) -> bool {
    match cell.first() {
        None => false,
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        // Nearly every cell starts with a printable ASCII character: decided by its first byte.
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => false,
        Some(_) => formula_after_blanks(&String::from_utf8_lossy(cell)),
    }
}

fn formula_after_blanks(s: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    for c in s.chars() {
        if c == '\t' || c == '\r' {
            return true;
        }
        if c.is_whitespace() || is_format_char(c) {
            continue;
        }
        let mut one = [0u8; 4];
        return c.encode_utf8(&mut one).nfkc().next().is_some_and(|f| matches!(f, '=' | '+' | '-' | '@'));
    }
    false
}

/// Unicode's format characters (general category Cf): invisible, and skipped by programs that
/// trim a cell.
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// A fax number as people write it: `+`, digits, spaces, dots, dashes and parentheses, with at
/// least one digit. Not a formula, whatever its first character: written as it is.
pub fn is_phone_number(cell: &[u8]) -> bool {
    cell.iter().any(u8::is_ascii_digit)
        && cell.iter().all(|b| matches!(b, b'0'..=b'9' | b'+' | b' ' | b'.' | b'-' | b'(' | b')'))
}

/// The CSV encoder of every export (cards and orders). One row being built: RFC 4180 cells (quoted only when they hold a quote, a comma or a
/// line break, quotes doubled), comma-separated, ended by CRLF. Text cells are neutralized
/// against formula injection first.
/// Rows collect in one buffer that goes to the writer in 64 KiB writes.
pub(crate) struct CsvRow {
    buf: Vec<u8>,
    num: itoa::Buffer,
    /// No cell yet in the current row.
    fresh: bool,
}

const ROWS_BUFFER: usize = 1 << 16;

impl CsvRow {
    pub(crate) fn new() -> CsvRow {
        CsvRow { buf: Vec::with_capacity(ROWS_BUFFER + 1024), num: itoa::Buffer::new(), fresh: true }
    }

    fn sep(&mut self) {
        if !self.fresh {
            self.buf.push(b',');
        }
        self.fresh = false;
    }

    /// Starts the file: the byte-order mark when asked for. Call before the header row.
    pub(crate) fn start(&mut self, opts: CsvOptions) {
        if opts.bom {
            self.buf.extend_from_slice(BOM);
        }
    }

    pub(crate) fn int(&mut self, v: i64) {
        self.sep();
        let s = self.num.format(v);
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn units(&mut self, v: i64) {
        self.sep();
        write_units(&mut self.buf, v);
    }

    /// A cell written as is (quoted if it must be): timestamps and the currency code.
    pub(crate) fn plain(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, false);
    }

    /// A text cell from outside (fax id, user, destination, subject): neutralized, then quoted
    /// if it must be.
    pub(crate) fn text(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, needs_neutralizing(s));
    }

    /// A fax number: as written when it is only a phone number, else a text cell.
    pub(crate) fn phone(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, !is_phone_number(s) && needs_neutralizing(s));
    }

    fn quoted_if_needed(&mut self, s: &[u8], neutralize: bool) {
        if !s.iter().any(|&b| matches!(b, b'"' | b',' | b'\r' | b'\n')) {
            if neutralize {
                self.buf.push(b'\'');
            }
            self.buf.extend_from_slice(s);
            return;
        }
        self.buf.push(b'"');
        if neutralize {
            self.buf.push(b'\'');
        }
        for &b in s {
            if b == b'"' {
                self.buf.push(b'"');
            }
            self.buf.push(b);
        }
        self.buf.push(b'"');
    }

    pub(crate) fn end(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.buf.extend_from_slice(b"\r\n");
        self.fresh = true;
        if self.buf.len() >= ROWS_BUFFER {
            self.flush(out)?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.buf)?;
        self.buf.clear();
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::CsvRow;

    fn row(cells: &[&str]) -> String {
        let mut r = CsvRow::new();
        for c in cells {
            r.text(c.as_bytes());
        }
        r.int(-7);
        r.units(12_345);
        let mut out = Vec::new();
        r.end(&mut out).unwrap();
        r.flush(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Issue 13, item 8: formulas hidden behind blanks, invisible characters or full-width
    /// signs are neutralized; a fax number is written as it is.
    #[test]
    fn neutralizes_formulas_behind_blanks_and_folded_signs_but_not_phone_numbers() {
        use super::{is_phone_number, needs_neutralizing};
        for live in [
            " =1+1",
            "\u{a0}=1+1",
            "\u{3000}=1+1",
            "\u{feff}=1+1",
            "\u{200b}=1+1",
            "\u{ff1d}1+1",
            "\u{ff0b}1+1",
            "\u{fe63}1",
            "\u{ff20}SUM(A1)",
            " \t x",
            "\u{200b} \r",
            "=1+1",
            "-1",
        ] {
            assert!(needs_neutralizing(live.as_bytes()), "{live:?} left live");
        }
        for inert in ["Réponse", "Müller", " plain", "\u{3000}text", "", "1+1", "a=b"] {
            assert!(!needs_neutralizing(inert.as_bytes()), "{inert:?} changed");
        }
        assert_eq!(row(&[" =1+1"]), "' =1+1,-7,1.2345\r\n");
        assert_eq!(row(&["\u{ff1d}1+1"]), "'\u{ff1d}1+1,-7,1.2345\r\n");
        for phone in ["+1 (312) 555-0100", "+44.20.7946.0000", "-1 312", "(312) 555 0100"] {
            assert!(is_phone_number(phone.as_bytes()), "{phone}");
            let mut r = CsvRow::new();
            r.phone(phone.as_bytes());
            let mut out = Vec::new();
            r.end(&mut out).unwrap();
            r.flush(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("{phone}\r\n"));
        }
        for not_phone in ["+1+cmd|' /C calc'!A0", "=1+1", "+", "+1 x"] {
            assert!(!is_phone_number(not_phone.as_bytes()), "{not_phone}");
            let mut r = CsvRow::new();
            r.phone(not_phone.as_bytes());
            let mut out = Vec::new();
            r.end(&mut out).unwrap();
            r.flush(&mut out).unwrap();
            let cell = String::from_utf8(out).unwrap();
            assert!(cell.starts_with('\'') || cell.starts_with("\"'"), "{not_phone}: {cell}");
        }
    }

    #[test]
    fn quotes_only_what_rfc_4180_requires_and_neutralizes_formulas() {
        assert_eq!(row(&["a", ""]), "a,,-7,1.2345\r\n");
        assert_eq!(row(&["x,y", "say \"hi\""]), "\"x,y\",\"say \"\"hi\"\"\",-7,1.2345\r\n");
        assert_eq!(row(&["two\r\nlines", "=1+1"]), "\"two\r\nlines\",'=1+1,-7,1.2345\r\n");
        assert_eq!(row(&["@a,\"b\""]), "\"'@a,\"\"b\"\"\",-7,1.2345\r\n");
        let back: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row(&["x,y", "say \"hi\"", "two\r\nlines"]).as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(back, ["x,y", "say \"hi\"", "two\r\nlines", "-7", "1.2345"]);
    }
}
