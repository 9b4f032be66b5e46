//! The unified social credit code validator (GB 32100-2015): never panics, accepts exactly what an
//! independent implementation of the standard accepts, and what it accepts is an 18-character
//! code whose check characters it reproduces.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spotcheck_core::credit_code::{CreditCode, CreditCodeError, ALPHABET, LENGTH};

/// The standard, written out again from its text: normalise as typed (full-width forms and the
/// ideographic space to half width, trim, upper-case ASCII), then 18 characters of the alphabet,
/// digits at 3-8, the GB 11714 check digit at 17 and the mod-31 check character at 18.
fn reference_accepts(input: &str) -> bool {
    let half: String = input
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect();
    let code: Vec<char> = half.trim().to_ascii_uppercase().chars().collect();
    if code.len() != 18 {
        return false;
    }
    let value = |c: char| ALPHABET.find(c).filter(|_| c.is_ascii());
    if code.iter().any(|&c| value(c).is_none()) {
        return false;
    }
    if !code[2..8].iter().all(char::is_ascii_digit) {
        return false;
    }
    let weights = [3, 7, 9, 10, 5, 8, 4, 2];
    let org_sum: u32 = code[8..16]
        .iter()
        .zip(weights)
        .map(|(&c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    let org_check = match 11 - org_sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('?'),
    };
    if code[16] != org_check {
        return false;
    }
    let mut weight = 1;
    let mut sum = 0;
    for &c in &code[..17] {
        sum += value(c).unwrap_or(0) * weight;
        weight = weight * 3 % 31;
    }
    let check = ALPHABET.as_bytes()[(31 - sum % 31) % 31] as char;
    code[17] == check
}

/// What holds for every accepted code.
fn check_valid(code: &CreditCode) {
    let text = code.as_str();
    assert_eq!(text.len(), LENGTH);
    assert!(text.chars().all(|c| ALPHABET.contains(c)), "{text}");
    assert_eq!(code.to_string(), text);
    assert_eq!(CreditCode::parse(text).as_ref(), Ok(code), "re-parse");
    assert_eq!(text.chars().next(), Some(code.registration_authority()));
    assert_eq!(text.chars().nth(1), Some(code.organisation_type()));
    assert_eq!(&text[2..8], code.division_code());
    assert_eq!(&text[8..17], code.organisation_code());
    let _ = code.division();
    // Both check characters, computed from the first 16 characters, give the code back.
    let rebuilt = CreditCode::from_parts(
        code.registration_authority(),
        code.organisation_type(),
        code.division_code(),
        &code.organisation_code()[..8],
    );
    assert_eq!(rebuilt.as_ref(), Ok(code), "from_parts");
    // Any other check character is refused, naming the right one.
    let check = text.chars().last().unwrap_or('0');
    for other in ALPHABET.chars().filter(|&c| c != check) {
        let wrong = format!("{}{other}", &text[..17]);
        assert_eq!(
            CreditCode::parse(&wrong),
            Err(CreditCodeError::InvalidCheckCharacter {
                expected: check,
                found: other
            })
        );
    }
    let json = serde_json::to_string(code).expect("a code serialises");
    assert_eq!(
        serde_json::from_str::<CreditCode>(&json).ok().as_ref(),
        Some(code)
    );
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let parsed = CreditCode::parse(&input);
    assert_eq!(
        parsed.is_ok(),
        reference_accepts(&input),
        "{input:?}: {parsed:?}"
    );
    match &parsed {
        Ok(code) => check_valid(code),
        Err(error) => {
            assert!(!error.key().is_empty());
            assert!(!error.to_string().is_empty());
        }
    }
    // The same text split into the parts of a code: two characters, the division, the body.
    let chars: Vec<char> = input.chars().collect();
    if let [registration, org_type, rest @ ..] = chars.as_slice() {
        let (division, body) = rest.split_at(rest.len().min(6));
        let division: String = division.iter().collect();
        let body: String = body.iter().collect();
        match CreditCode::from_parts(*registration, *org_type, &division, &body) {
            Ok(code) => check_valid(&code),
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
});
