//! CSV dialect sniffing: encoding, delimiter, quoting and header row.
//!
//! Exports from German and Dutch tools are `;`-separated, Windows-1252 and use
//! a decimal comma; those from American tools are the opposite. The sniffed
//! dialect is shown to the user, who can override every part of it.

use rust_i18n::t;
use serde::{Deserialize, Serialize};

use super::values::{DateFormat, DecimalMark};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 starting with a byte-order mark, as Excel writes "CSV UTF-8".
    Utf8Bom,
    /// The Western European code page Excel on Windows writes by default.
    Windows1252,
    /// UTF-16 with a byte-order mark: Excel's "Unicode Text" export.
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    pub const ALL: [TextEncoding; 5] = [
        TextEncoding::Utf8,
        TextEncoding::Utf8Bom,
        TextEncoding::Windows1252,
        TextEncoding::Utf16Le,
        TextEncoding::Utf16Be,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Windows1252 => "Windows-1252",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
        }
    }
}

/// How a CSV file is written. Every field is sniffed, shown and changeable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvDialect {
    pub delimiter: char,
    /// `None` when fields are never quoted.
    pub quote: Option<char>,
    pub has_header: bool,
    pub encoding: TextEncoding,
    pub decimal_mark: DecimalMark,
}

/// The user's corrections to a sniffed dialect; `None` keeps what was sniffed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialectOverrides {
    pub delimiter: Option<char>,
    /// `Some(None)`: the file has no quote character.
    #[serde(with = "quote_override")]
    pub quote: Option<Option<char>>,
    pub has_header: Option<bool>,
    pub encoding: Option<TextEncoding>,
    pub decimal_mark: Option<DecimalMark>,
}

/// "No quote character" (`Some(None)`) and "detect it" (`None`) must stay
/// apart in a saved analysis, but JSON writes both as null; "no quote
/// character" is written as an empty text instead.
mod quote_override {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Option<char>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            None => s.serialize_none(),
            Some(None) => s.serialize_some(""),
            Some(Some(quote)) => s.serialize_some(&quote.to_string()),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<char>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(text.map(|t| t.chars().next()))
    }
}

impl DialectOverrides {
    pub fn is_empty(&self) -> bool {
        *self == DialectOverrides::default()
    }
}

pub const DELIMITERS: [char; 4] = [',', ';', '\t', '|'];

pub fn delimiter_label(delimiter: char) -> String {
    match delimiter {
        '\t' => t!("tab").into_owned(),
        ',' => t!("comma ,").into_owned(),
        ';' => t!("semicolon ;").into_owned(),
        '|' => t!("pipe |").into_owned(),
        other => format!("'{other}'"),
    }
}

/// Turns the file's bytes into UTF-8. A byte-order mark means UTF-8; bytes
/// that are not valid UTF-8 are read as Windows-1252, which maps every byte.
/// UTF-8 input is passed through without a copy.
pub fn decode(mut bytes: Vec<u8>, forced: Option<TextEncoding>) -> (Vec<u8>, TextEncoding) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let has_bom = bytes.starts_with(BOM);
    let utf16 = utf16_bom(&bytes);
    let valid_utf8 = utf16.is_none() && std::str::from_utf8(&bytes).is_ok();
    let sniffed = match (utf16, has_bom, valid_utf8) {
        (Some(encoding), _, _) => encoding,
        (None, true, _) => TextEncoding::Utf8Bom,
        (None, false, true) => TextEncoding::Utf8,
        (None, false, false) => TextEncoding::Windows1252,
    };
    let encoding = forced.unwrap_or(sniffed);
    let text = match encoding {
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => {
            let codec = if encoding == TextEncoding::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            codec
                .decode_with_bom_removal(&bytes)
                .0
                .into_owned()
                .into_bytes()
        }
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(&bytes)
            .0
            .into_owned()
            .into_bytes(),
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            if has_bom {
                bytes.drain(..BOM.len());
            }
            if valid_utf8 {
                bytes
            } else {
                String::from_utf8_lossy(&bytes).into_owned().into_bytes()
            }
        }
    };
    (text, encoding)
}

/// The UTF-16 encoding a byte-order mark at the start names.
pub fn utf16_bom(bytes: &[u8]) -> Option<TextEncoding> {
    if bytes.starts_with(b"\xFF\xFE") {
        Some(TextEncoding::Utf16Le)
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// Puts a decoded text into the shape the reader expects: Excel's first
/// line `sep=;` removed (its delimiter returned) and old-Mac line endings
/// (CR only) turned into newlines.
pub fn tidy(mut text: Vec<u8>) -> (Vec<u8>, Option<char>) {
    let mut delimiter = None;
    if text.len() >= 5 && text[..4].eq_ignore_ascii_case(b"sep=") {
        let line_end = text.iter().position(|b| *b == b'\n' || *b == b'\r');
        let line = &text[4..line_end.unwrap_or(text.len())];
        if let [d] = line
            && (d.is_ascii_punctuation() || *d == b'\t')
        {
            delimiter = Some(*d as char);
            let end = line_end.unwrap_or(text.len());
            let ending = match text.get(end..end + 2) {
                Some(b"\r\n") => 2,
                _ => usize::from(end < text.len()),
            };
            text.drain(..end + ending);
        }
    }
    if !text.contains(&b'\n') && text.contains(&b'\r') {
        for b in text.iter_mut() {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
    }
    (text, delimiter)
}

/// The line (numbered from 0, the header) where a quote opens that no
/// later quote closes: polars would read the rest of the file into that
/// one field. `None` when every quote is closed.
pub fn unclosed_quote_line(text: &[u8], quote: u8) -> Option<usize> {
    let count = text.iter().filter(|b| **b == quote).count();
    if count.is_multiple_of(2) {
        return None;
    }
    let (mut line, mut open, mut opened_at) = (0usize, false, 0usize);
    for b in text {
        if *b == quote {
            open = !open;
            if open {
                opened_at = line;
            }
        } else if *b == b'\n' {
            line += 1;
        }
    }
    open.then_some(opened_at)
}

/// How much of a file's start is sniffed.
pub const SNIFF_BYTES: usize = 256 * 1024;

/// The start of a decoded file as text, for sniffing.
pub fn head(text: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&text[..text.len().min(SNIFF_BYTES)])
}

/// What sniffing the first lines found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SniffedLayout {
    pub delimiter: char,
    pub quote: Option<char>,
    pub has_header: bool,
    /// Set when two delimiters fit equally well, so the user should check.
    pub delimiter_doubt: Option<String>,
}

const SNIFF_LINES: usize = 60;

/// Sniffs delimiter, quoting and header from the first lines of `text`.
pub fn sniff_layout(text: &str) -> SniffedLayout {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(SNIFF_LINES)
        .collect();
    let quote = sniff_quote(&lines);
    let mut scored: Vec<(char, f64, usize)> = DELIMITERS
        .iter()
        .map(|&d| {
            let counts: Vec<usize> = lines
                .iter()
                .map(|l| count_outside_quotes(l, d, quote))
                .collect();
            let (mode, consistency) = mode_and_share(&counts);
            (d, if mode == 0 { 0.0 } else { consistency }, mode)
        })
        .collect();
    // Most consistent first; among equally consistent, more columns first.
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)));
    let (delimiter, best_share, _) = scored[0];
    let delimiter = if best_share == 0.0 { ',' } else { delimiter };
    let delimiter_doubt = scored
        .get(1)
        .filter(|second| best_share > 0.0 && second.1 == best_share && second.2 == scored[0].2)
        .map(|second| {
            format!(
                "The delimiter could be {} or {}; {} was chosen. Check the preview.",
                delimiter_label(delimiter),
                delimiter_label(second.0),
                delimiter_label(delimiter)
            )
        });
    let has_header = sniff_header(&lines, delimiter, quote);
    SniffedLayout {
        delimiter,
        quote,
        has_header,
        delimiter_doubt,
    }
}

fn sniff_quote(lines: &[&str]) -> Option<char> {
    let starts = |q: char| {
        lines
            .iter()
            .filter(|l| {
                l.starts_with(q) || DELIMITERS.iter().any(|d| l.contains(&format!("{d}{q}")))
            })
            .count()
    };
    let single = starts('\'');
    let double = starts('"');
    if single > double && single * 2 >= lines.len() {
        Some('\'')
    } else {
        Some('"')
    }
}

fn count_outside_quotes(line: &str, delimiter: char, quote: Option<char>) -> usize {
    let mut inside = false;
    let mut count = 0;
    for c in line.chars() {
        if Some(c) == quote {
            inside = !inside;
        } else if c == delimiter && !inside {
            count += 1;
        }
    }
    count
}

fn mode_and_share(counts: &[usize]) -> (usize, f64) {
    if counts.is_empty() {
        return (0, 0.0);
    }
    let mut freq = std::collections::BTreeMap::new();
    for &c in counts {
        *freq.entry(c).or_insert(0usize) += 1;
    }
    let (mode, n) = freq
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
        .unwrap_or((0, 0));
    (mode, n as f64 / counts.len() as f64)
}

pub(crate) fn split_line(line: &str, delimiter: char, quote: Option<char>) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut inside = false;
    for c in line.chars() {
        if Some(c) == quote {
            inside = !inside;
        } else if c == delimiter && !inside {
            fields.push(String::new());
        } else if let Some(last) = fields.last_mut() {
            last.push(c);
        }
    }
    fields
}

/// A value that is clearly data, not a column title.
fn looks_typed(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    let numeric = super::values::parse_number(v, DecimalMark::Dot).is_some()
        || super::values::parse_number(v, DecimalMark::Comma).is_some();
    numeric
        || DateFormat::ALL
            .iter()
            .filter(|f| !f.needs_header_hint())
            .any(|f| f.parse(v).is_some())
        || v.contains('@')
}

/// A first row is a header unless it looks like the rows below it: a header
/// has a title where the data has a number or a date.
fn sniff_header(lines: &[&str], delimiter: char, quote: Option<char>) -> bool {
    let Some(first) = lines.first() else {
        return true;
    };
    let first = split_line(first, delimiter, quote);
    let rest: Vec<Vec<String>> = lines
        .iter()
        .skip(1)
        .take(20)
        .map(|l| split_line(l, delimiter, quote))
        .collect();
    if rest.is_empty() {
        return true;
    }
    let mut title_over_data = false;
    let mut data_over_data = false;
    for (j, head) in first.iter().enumerate() {
        let typed_below = rest
            .iter()
            .filter(|row| row.get(j).is_some_and(|v| looks_typed(v)))
            .count()
            * 2
            > rest.len();
        if typed_below {
            if looks_typed(head) {
                data_over_data = true;
            } else {
                title_over_data = true;
            }
        }
    }
    title_over_data || !data_over_data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_excel_export() {
        let text = "Kunde;Datum;Umsatz (€)\n001;31.03.2024;1.234,56\n002;01.04.2024;12,50\n";
        let layout = sniff_layout(text);
        assert_eq!(layout.delimiter, ';');
        assert!(layout.has_header);
        assert_eq!(layout.delimiter_doubt, None);
    }

    #[test]
    fn headerless_tab_file() {
        let text = "c1\t2024-01-01\t10.5\nc2\t2024-01-02\t3.25\nc3\t2024-01-05\t8\n";
        let layout = sniff_layout(text);
        assert_eq!(layout.delimiter, '\t');
        assert!(!layout.has_header);
    }

    #[test]
    fn quoted_commas_do_not_count() {
        let text = "id|name|amount\n1|\"Doe, J.\"|10\n2|\"Roe, R.\"|12\n";
        assert_eq!(sniff_layout(text).delimiter, '|');
    }

    #[test]
    fn windows_1252_bytes() {
        let bytes = b"Umsatz (\x80)\n12,50\n";
        let (text, enc) = decode(bytes.to_vec(), None);
        assert_eq!(enc, TextEncoding::Windows1252);
        assert!(String::from_utf8(text).unwrap().starts_with("Umsatz (€)"));
        let (text, enc) = decode(b"\xEF\xBB\xBFa,b\n".to_vec(), None);
        assert_eq!(enc, TextEncoding::Utf8Bom);
        assert_eq!(text, b"a,b\n");
    }
}
