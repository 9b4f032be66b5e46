//! Which kind of spreadsheet a file is, from its name or from its first bytes.

/// The start of every zip archive, and so of every .xlsx workbook.
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The start of an OLE compound document: an Excel 97-2003 .xls workbook, or an .xlsx workbook
/// that was encrypted with a password (Excel wraps those in the same container).
pub(crate) const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// How many leading bytes [`Format::sniff`] looks at to tell text from binary.
const SNIFF_LEN: usize = 8 * 1024;

/// A spreadsheet file format we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma- (or tab-) separated text, in any encoding [`decode_text`](crate::decode_text) reads.
    Csv,
    /// An Office Open XML workbook (Excel 2007 and later, WPS).
    Xlsx,
}

impl Format {
    /// The format a file name's extension promises (case-insensitive): `.csv`, `.tsv` and `.txt`
    /// (Excel's "Unicode text" export) are [`Format::Csv`]; `.xlsx` and `.xlsm` are
    /// [`Format::Xlsx`].
    pub fn from_file_name(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The format the content itself shows: a zip archive is [`Format::Xlsx`]; text (a BOM, or
    /// leading bytes with no control characters besides tab and line breaks that decode as
    /// UTF-8 or GB18030) is [`Format::Csv`]; anything else (images, PDFs, .xls) is `None`.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(ZIP_MAGIC) {
            return Some(Format::Xlsx);
        }
        if starts_with_bom(bytes) {
            return Some(Format::Csv);
        }
        if bytes.is_empty() || looks_binary(bytes) {
            return None;
        }
        let head = &bytes[..bytes.len().min(SNIFF_LEN)];
        // The head may end in the middle of a character; only the complete part must decode.
        let cut = bytes.len() > head.len();
        if looks_like_utf8(head, cut) || looks_like_gb18030(head, cut) {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// The format to read a named upload as: the content decides when it is clear (so an
    /// .xlsx renamed to .csv still reads), the name otherwise.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
            // An .xls is reported as Xlsx so that reading it explains what to do with it.
            return Some(Format::Xlsx);
        }
        match Format::from_file_name(file_name) {
            Some(Format::Xlsx) => Some(Format::Xlsx),
            // A text name on binary content (a photo named .csv) is not a spreadsheet; text
            // that does not decode is left for reading to report with its line number.
            Some(Format::Csv) => (!looks_binary(bytes)).then_some(Format::Csv),
            None => Format::sniff(bytes),
        }
    }

    /// The usual file name extension, without the dot (for naming exports).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The media type to serve an export with (our CSV exports are always UTF-8).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Byte-order marks of UTF-8, UTF-16 LE and UTF-16 BE.
pub(crate) fn starts_with_bom(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xEF\xBB\xBF")
        || bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
}

/// Whether the leading bytes hold control characters that no text file has (and no
/// byte-order mark announces UTF-16, whose text is full of zero bytes).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    !starts_with_bom(bytes) && head.iter().any(|&b| is_binary_control(b))
}

/// Control bytes that text files do not contain (tab, line feed, carriage return, form feed
/// and the old end-of-file mark 0x1A are allowed).
fn is_binary_control(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0B | 0x0E..=0x19 | 0x1B..=0x1F)
}

fn looks_like_utf8(head: &[u8], cut: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // `error_len() == None` means the input ended inside a character.
        Err(e) => cut && e.error_len().is_none(),
    }
}

fn looks_like_gb18030(head: &[u8], cut: bool) -> bool {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(head.len() * 2);
    let (result, _) = decoder.decode_to_string_without_replacement(head, &mut out, !cut);
    matches!(result, encoding_rs::DecoderResult::InputEmpty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_head_cut_inside_a_character_is_still_text() {
        // 13 bytes a line: 8192 falls two bytes into a three-byte character.
        let text = "单位名称\n".repeat(1000);
        let bytes = text.as_bytes();
        assert!(std::str::from_utf8(&bytes[..SNIFF_LEN]).is_err());
        assert_eq!(Format::sniff(bytes), Some(Format::Csv));
    }
}
