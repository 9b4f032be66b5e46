//! Turning the bytes of a text file into text, whatever Excel or WPS saved it as.
//!
//! Excel in China saves "CSV (comma delimited)" in GBK, "CSV UTF-8" with a byte-order mark, and
//! "Unicode text" in UTF-16 LE with a mark; other tools write UTF-8 without one. All are read.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, GB18030, UTF_16BE, UTF_16LE};

use crate::TabularError;

/// The encoding a text file turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark (plain ASCII is reported as this too).
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16, little- or big-endian, with a byte-order mark (Excel's "Unicode text").
    Utf16,
    /// GB18030, the superset of GBK and GB2312 (Excel's "CSV" on a Chinese system).
    Gb18030,
}

/// Decodes the bytes of a text file into text and says which encoding they were in.
///
/// A UTF-8 byte-order mark is stripped; a UTF-16 mark selects UTF-16; otherwise valid UTF-8 is
/// UTF-8 and anything else is read as GB18030 (which covers GBK). Bytes valid in none of these
/// give [`TabularError::Encoding`] with the line of the first bad byte.
pub fn decode_text(bytes: &[u8]) -> Result<(String, Encoding), TabularError> {
    decode(bytes).map(|(text, encoding)| (text.into_owned(), encoding))
}

/// [`decode_text`] without copying text that is already UTF-8, the usual case for big files.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), TabularError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // The mark declares UTF-8: bad bytes after it are an error, not a hint to try GBK.
        return utf8(rest).map(|text| (Cow::Borrowed(text), Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return strict(UTF_16LE, rest).map(|text| (Cow::Owned(text), Encoding::Utf16));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return strict(UTF_16BE, rest).map(|text| (Cow::Owned(text), Encoding::Utf16));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(text), Encoding::Utf8));
    }
    strict(GB18030, bytes).map(|text| (Cow::Owned(text), Encoding::Gb18030))
}

fn utf8(bytes: &[u8]) -> Result<&str, TabularError> {
    std::str::from_utf8(bytes).map_err(|e| TabularError::Encoding {
        line: line_at(&bytes[..e.valid_up_to()]),
    })
}

/// Decodes without replacement characters: a silently replaced character in a credit code or a
/// name would be imported as wrong data, so the first bad byte is an error instead.
fn strict(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> Result<String, TabularError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    // Room for the usual case, Chinese text: two bytes of GBK or UTF-16 become three of UTF-8.
    // Not the decoder's worst-case bound (three times the input): the decoder touches all the
    // room it is given, which would make a 130 MB file cost 400 MB of memory.
    let mut text = String::with_capacity((bytes.len() / 2).saturating_mul(3).saturating_add(16));
    let mut input = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut text, true);
        input = &input[read..];
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve((input.len() / 2).saturating_mul(3).max(16)),
            DecoderResult::Malformed(_, _) => {
                return Err(TabularError::Encoding {
                    line: line_at(text.as_bytes()),
                })
            }
        }
    }
}

/// The 1-based line that the text after `before` starts on.
fn line_at(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_grows_more_than_expected_is_still_decoded_whole() {
        // In GB18030 the single byte 0x80 is the euro sign, three bytes in UTF-8.
        let bytes = [0x80u8; 1000];
        let text = strict(GB18030, &bytes).unwrap();
        assert_eq!(text, "€".repeat(1000));
    }
}
