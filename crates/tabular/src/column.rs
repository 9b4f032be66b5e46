//! Column letters as spreadsheet programs show them, so errors can point at a cell.

/// The letters of the 0-based column `index`: 0 → `"A"`, 25 → `"Z"`, 26 → `"AA"`,
/// 16383 → `"XFD"` (the last column of an .xlsx sheet).
pub fn column_letter(index: usize) -> String {
    // Bijective base 26: there is no zero digit, so subtract one before each division.
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        // `rem` < 26, so the cast cannot truncate.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}
