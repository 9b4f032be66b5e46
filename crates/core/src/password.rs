//! Password rules for accounts: long enough, not one of the passwords every attacker tries first,
//! not the username. No composition rules (they make passwords harder to remember, not to guess);
//! the length and the list of common passwords are what count.

/// The fewest characters a password may have.
pub const MIN_LENGTH: usize = 10;

/// Passwords (and their stems) tried first by anyone guessing, Chinese favourites included; a
/// password is refused when, lowercased and with digits and punctuation at its ends removed, it
/// is one of these or consists only of one repeated character or a run of keyboard keys.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "1q2w3e4r",
    "1qaz2wsx",
    "qazwsx",
    "abc123",
    "abcdef",
    "abcd1234",
    "iloveyou",
    "admin",
    "administrator",
    "welcome",
    "letmein",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "master",
    "sunshine",
    "princess",
    "shadow",
    "superman",
    "trustno1",
    "woaini",
    "woaini1314",
    "aini1314",
    "5201314",
    "1314520",
    "wodemima",
    "mima",
    "zhongguo",
    "beijing",
    "shanghai",
    "xinjiang",
    "wulumuqi",
    "urumqi",
    "huanbao",
    "spotcheck",
    "changeme",
    "secret",
    "test",
    "guest",
    "root",
];

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort { min: usize },
    Common,
    ContainsUsername,
}

impl PasswordProblem {
    /// The translation key of the message shown to users.
    pub fn key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort { .. } => "password.too_short",
            PasswordProblem::Common => "password.common",
            PasswordProblem::ContainsUsername => "password.contains_username",
        }
    }
}

/// Checks a new password of `username`.
pub fn check(password: &str, username: &str) -> Result<(), PasswordProblem> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort { min: MIN_LENGTH });
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(PasswordProblem::ContainsUsername);
    }
    let stem = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let one_character = lower.chars().all(|c| lower.starts_with(c));
    if one_character || COMMON.contains(&stem) || is_run(&lower) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// A run of consecutive keys or digits such as `1234567890` or `abcdefghij`.
fn is_run(text: &str) -> bool {
    let bytes = text.as_bytes();
    // On the keyboard's number row 0 follows 9.
    let up = |a: u8, b: u8| b == a.wrapping_add(1) || (a, b) == (b'9', b'0');
    bytes.len() > 1
        && (bytes.windows(2).all(|w| up(w[0], w[1])) || bytes.windows(2).all(|w| up(w[1], w[0])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_username_passwords_are_refused() {
        assert_eq!(
            check("short1", "wang"),
            Err(PasswordProblem::TooShort { min: MIN_LENGTH })
        );
        for common in [
            "password123",
            "Woaini1314!",
            "1234567890",
            "aaaaaaaaaaaa",
            "qwertyuiop",
            "9876543210",
        ] {
            assert_eq!(
                check(common, "wang"),
                Err(PasswordProblem::Common),
                "{common}"
            );
        }
        assert_eq!(
            check("tianshan-admin-2026", "tianshan"),
            Err(PasswordProblem::ContainsUsername)
        );
    }

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        assert_eq!(check("天山区分局抽查2026春", "tianshan"), Ok(()));
        assert_eq!(check("violet-kettle-97-harbour", "wang"), Ok(()));
    }
}
