//! Cell text as people type it: stray spaces, full-width characters, and the quote that guards
//! against formula injection.

/// Characters trimmed from both ends of every cell: Unicode white space (which includes the
/// full-width space U+3000 of Chinese input methods and the no-break space U+00A0 that web
/// pages leave behind) plus the zero-width characters that copy and paste carries along.
pub(crate) fn is_padding(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
        )
}

/// Characters that make a spreadsheet program read a cell as a formula, or that it drops
/// before doing so (OWASP's list for CSV injection).
fn is_formula_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Whether exported text must get a leading `'` so no spreadsheet program runs it as a formula.
///
/// Text that already starts with `'` before such a character gets one too, so that reading
/// an export back ([`clean_cell`] removes exactly one `'`) gives the original text.
pub(crate) fn needs_quote_prefix(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if is_formula_trigger(c) => true,
        Some('\'') => needs_quote_prefix(chars.as_str()),
        _ => false,
    }
}

/// A cell's text as the user meant it: padding trimmed, and the `'` our exports put before
/// formula-like text removed (Excel drops such a quote too when it is typed into a cell).
pub(crate) fn clean_cell(raw: &str) -> &str {
    let trimmed = raw.trim_matches(is_padding);
    match trimmed.strip_prefix('\'') {
        Some(rest) if needs_quote_prefix(rest) => rest.trim_matches(is_padding),
        _ => trimmed,
    }
}

/// A header name reduced to what identifies it: no white space anywhere (headers are often
/// wrapped onto two lines inside the cell), full-width ASCII forms (`ＩＤ`, `（`) as half-width,
/// ASCII letters in lower case.
pub(crate) fn header_key(name: &str) -> String {
    name.chars()
        .filter(|&c| !is_padding(c))
        .map(|c| {
            let half = match c {
                // The full-width forms block mirrors printable ASCII at a fixed offset.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            half.to_ascii_lowercase()
        })
        .collect()
}

/// The largest magnitude below which every integer is exactly an `f64` (2^53).
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Writes a number the way a user would type it: integer-valued numbers without a spurious
/// `.0` (`650102`), never in exponent notation (an 18-digit number must not become `6.5e17`),
/// and otherwise the shortest text that reads back as the same number.
pub(crate) fn render_float(value: f64, out: &mut String) {
    use std::fmt::Write as _;
    // `write!` into a String cannot fail.
    if value == 0.0 {
        // Also turns -0 into 0.
        out.push('0');
    } else if value.fract() == 0.0 && value.abs() < EXACT_INTEGER_LIMIT {
        // Exact: the value is an integer within i64 range.
        let _ = write!(out, "{}", value as i64);
    } else {
        // Rust's float formatting is shortest-round-trip and never uses an exponent.
        let _ = write!(out, "{value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_of_every_kind_is_trimmed() {
        assert_eq!(
            clean_cell("\u{3000} 91350100M000100Y\u{A0}\t"),
            "91350100M000100Y"
        );
        assert_eq!(clean_cell("\u{FEFF}单位名称"), "单位名称");
        assert_eq!(clean_cell("   "), "");
    }

    #[test]
    fn the_export_guard_quote_is_removed_only_before_formula_text() {
        assert_eq!(clean_cell("'=SUM(A1:A2)"), "=SUM(A1:A2)");
        assert_eq!(clean_cell("'-"), "-");
        assert_eq!(clean_cell("''=1"), "'=1");
        assert_eq!(clean_cell("'abc"), "'abc");
        assert_eq!(clean_cell("'"), "'");
    }

    #[test]
    fn formula_text_and_its_guarded_form_both_need_a_prefix() {
        for text in ["=1+1", "+86", "-5", "@cmd", "\tx", "\rx", "'=1", "''-1"] {
            assert!(needs_quote_prefix(text), "{text:?}");
        }
        for text in ["", "abc", "'abc", "5-1", "－5", "＝1"] {
            assert!(!needs_quote_prefix(text), "{text:?}");
        }
    }

    fn float(value: f64) -> String {
        let mut out = String::new();
        render_float(value, &mut out);
        out
    }

    #[test]
    fn numbers_read_as_they_were_typed() {
        assert_eq!(float(650102.0), "650102");
        assert_eq!(float(-0.0), "0");
        assert_eq!(float(-12.5), "-12.5");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(9_007_199_254_740_991.0), "9007199254740991");
        assert_eq!(float(6.5e17), "650000000000000000");
        assert_eq!(float(1.5e-7), "0.00000015");
    }

    #[test]
    fn header_keys_ignore_width_case_and_spaces() {
        assert_eq!(
            header_key("统一社会\n信用代码"),
            header_key("统一社会信用代码")
        );
        assert_eq!(header_key("ＩＤ（编号）"), header_key("id(编号)"));
        assert_eq!(header_key(" Name "), "name");
    }
}
