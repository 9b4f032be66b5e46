//! The draw engine's external input: the JSON of `spotcheck draw run` (a draw input) and of
//! `spotcheck draw verify` (a published record). Parsing never panics; an accepted input
//! serialises and parses back to itself; a draw made from it keeps the rules of DRAW.md and
//! verifies; and the command functions agree with the library.

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use spotcheck_draw::{
    draw, parse_input, parse_record, run_command, selection_count, validate, verify,
    verify_command, verify_json, DrawError, DrawInput, DrawOutput, DrawRecord, Verification,
    ALGORITHM, EXIT_BAD_INPUT, EXIT_OK,
};

/// Checks a valid input and its draw; returns the draw.
fn check_input(input: &DrawInput) -> Result<DrawOutput, DrawError> {
    assert_eq!(validate(input), Ok(()));
    for json in [
        serde_json::to_string(input).expect("an input serialises"),
        serde_json::to_string_pretty(input).expect("an input serialises"),
    ] {
        assert_eq!(
            parse_input(&json).as_ref(),
            Ok(input),
            "round trip of {json}"
        );
    }
    let drawn = draw(input);
    match &drawn {
        Ok(output) => check_output(input, output),
        // The only failure left once the input is valid.
        Err(DrawError::NotEnoughOfficers { unit }) => {
            assert!(input.population.iter().any(|u| &u.id == unit), "{unit:?}");
        }
        Err(error) => panic!("a valid input fails to draw: {error}"),
    }
    drawn
}

fn check_output(input: &DrawInput, output: &DrawOutput) {
    assert_eq!(output.algorithm, ALGORITHM);
    let n = selection_count(&input.rule, &input.population, input.officers.len());
    assert_eq!(output.count, n as u64);
    assert_eq!(output.selected.len(), n);
    let units: HashSet<&str> = input.population.iter().map(|u| u.id.as_str()).collect();
    let officers: HashSet<&str> = input.officers.iter().map(|o| o.id.as_str()).collect();
    let conflicts: HashSet<(&str, &str)> = input
        .conflicts
        .iter()
        .map(|c| (c.officer.as_str(), c.unit.as_str()))
        .collect();
    let mut drawn = HashSet::new();
    for assignment in &output.selected {
        assert!(units.contains(assignment.unit.as_str()));
        assert!(drawn.insert(assignment.unit.as_str()), "a unit drawn twice");
        assert_eq!(assignment.officers.len(), input.team_size as usize);
        let team: HashSet<&str> = assignment.officers.iter().map(String::as_str).collect();
        assert_eq!(
            team.len(),
            assignment.officers.len(),
            "an officer twice in a team"
        );
        for officer in &assignment.officers {
            assert!(officers.contains(officer.as_str()));
            assert!(
                !conflicts.contains(&(officer.as_str(), assignment.unit.as_str())),
                "{officer} sent to {} despite a conflict",
                assignment.unit
            );
        }
    }
    let record = DrawRecord {
        input: input.clone(),
        output: output.clone(),
    };
    assert_eq!(verify(&record), Verification::Agrees);
    let json = serde_json::to_string(&record).expect("a record serialises");
    assert_eq!(parse_record(&json).as_ref(), Ok(&record));
    assert_eq!(verify_json(&json), Ok(Verification::Agrees));
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_input(&text);
    let run = run_command(&text);
    match &parsed {
        Ok(input) => match check_input(input) {
            Ok(output) => {
                assert_eq!(run.exit_code, EXIT_OK, "{}", run.stderr);
                let printed: DrawOutput =
                    serde_json::from_str(&run.stdout).expect("run prints the output");
                assert_eq!(printed, output);
            }
            Err(_) => assert_eq!(run.exit_code, EXIT_BAD_INPUT),
        },
        Err(error) => {
            assert!(!error.to_string().is_empty());
            let _ = error.field();
            assert_eq!(run.exit_code, EXIT_BAD_INPUT);
            assert_eq!(run.stderr, format!("error: {error}\n"));
        }
    }
    // The same text as a published record.
    let outcome = verify_command(&text);
    match verify_json(&text) {
        Ok(Verification::Agrees) => {
            assert_eq!(outcome.exit_code, EXIT_OK);
            let record = parse_record(&text).expect("a record that verifies parses");
            assert!(check_input(&record.input).is_ok());
        }
        Ok(Verification::Differs { .. }) => assert_eq!(outcome.exit_code, 1),
        Err(error) => {
            assert_eq!(outcome.exit_code, EXIT_BAD_INPUT);
            assert_eq!(outcome.stderr, format!("error: {error}\n"));
        }
    }
});
