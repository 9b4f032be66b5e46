//! `spotcheck draw run` and `spotcheck draw verify` as pure functions from text to text and an
//! exit code, so that the binary only reads a file and prints (and tests need no process).

use crate::engine::draw;
use crate::parse::parse_input;
use crate::verify::{verify_json, Verification};

/// What a command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// 0: done (run) or the record agrees (verify); 1: the record differs (verify); 2: the input
    /// is unusable.
    pub exit_code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Exit code when the draw was made, or the record agrees.
pub const EXIT_OK: u8 = 0;
/// Exit code when a record differs from its recomputation.
pub const EXIT_DIFFERS: u8 = 1;
/// Exit code when the input is not a valid draw input or record.
pub const EXIT_BAD_INPUT: u8 = 2;

/// `spotcheck draw run --input FILE`: the output JSON (pretty, ending in a line feed) on stdout,
/// exit 0; or, exit 2, the error naming the field on stderr.
pub fn run_command(input_json: &str) -> CommandOutcome {
    let output = parse_input(input_json).and_then(|input| draw(&input));
    match output {
        Ok(output) => match serde_json::to_string_pretty(&output) {
            Ok(json) => outcome(EXIT_OK, json + "\n", String::new()),
            Err(e) => bad_input(&e),
        },
        Err(e) => bad_input(&e),
    }
}

/// `spotcheck draw verify RECORD.json`: exit 0 and `agrees …` when the record is the draw of its
/// input; exit 1 naming the first differing field with the recomputed (expected) and recorded
/// (found) values; exit 2 when the record is unusable.
pub fn verify_command(record_json: &str) -> CommandOutcome {
    match verify_json(record_json) {
        Ok(Verification::Agrees) => outcome(
            EXIT_OK,
            "agrees: the output is the spotcheck-draw/v1 draw of the input\n".into(),
            String::new(),
        ),
        Ok(Verification::Differs {
            field,
            expected,
            found,
        }) => outcome(
            EXIT_DIFFERS,
            format!("differs at {field}\n  expected: {expected}\n  found:    {found}\n"),
            String::new(),
        ),
        Err(e) => bad_input(&e),
    }
}

fn bad_input(error: &dyn std::fmt::Display) -> CommandOutcome {
    outcome(EXIT_BAD_INPUT, String::new(), format!("error: {error}\n"))
}

fn outcome(exit_code: u8, stdout: String, stderr: String) -> CommandOutcome {
    CommandOutcome {
        exit_code,
        stdout,
        stderr,
    }
}
