//! Re-running a published draw: a record agrees, or the first field that differs is named with
//! the recomputed (expected) and the recorded (found) value.

mod common;

use common::{record, small_input, vectors};
use sha2::{Digest, Sha256};
use spotcheck_draw::{
    conflicts_sha256, draw, officers_sha256, population_sha256, result_sha256, seed, ticket,
    verify, verify_command, verify_json, DrawRecord, Verification,
};

fn published() -> DrawRecord {
    let input = small_input();
    let output = draw(&input).expect("valid");
    DrawRecord { input, output }
}

fn differs_at(record: &DrawRecord) -> String {
    match verify(record) {
        Verification::Differs { field, .. } => field,
        Verification::Agrees => "agrees".into(),
    }
}

#[test]
fn a_faithful_record_agrees() {
    assert_eq!(verify(&published()), Verification::Agrees);
    let outcome = verify_command(&serde_json::to_string(&published()).expect("json"));
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(
        outcome.stdout,
        "agrees: the output is the spotcheck-draw/v1 draw of the input\n"
    );
}

#[test]
fn each_altered_output_field_is_named() {
    type Alteration = fn(&mut DrawRecord);
    let alterations: Vec<(&str, Alteration)> = vec![
        ("algorithm", |r| {
            r.output.algorithm = "spotcheck-draw/v0".into()
        }),
        ("population_sha256", |r| {
            r.output.population_sha256 = "0".repeat(64)
        }),
        ("officers_sha256", |r| {
            r.output.officers_sha256 = "0".repeat(64)
        }),
        ("conflicts_sha256", |r| {
            r.output.conflicts_sha256 = "0".repeat(64)
        }),
        ("count", |r| r.output.count += 1),
        ("selected[2].unit", |r| {
            r.output.selected[2].unit = "someone else".into()
        }),
        ("selected[1].officers", |r| {
            r.output.selected[1].officers.reverse()
        }),
        ("selected", |r| {
            r.output.selected.pop();
        }),
        ("result_sha256", |r| r.output.result_sha256 = "0".repeat(64)),
    ];
    for (field, alter) in alterations {
        let mut record = published();
        alter(&mut record);
        assert_eq!(differs_at(&record), field);
    }
}

#[test]
fn the_first_difference_in_output_order_is_the_one_named() {
    let mut record = published();
    record.output.result_sha256 = "0".repeat(64);
    record.output.selected[3].unit = "x".into();
    record.output.selected[1].officers.reverse();
    assert_eq!(differs_at(&record), "selected[1].officers");
    record.output.count = 99;
    assert_eq!(differs_at(&record), "count");
}

#[test]
fn a_difference_shows_what_was_expected_and_what_was_found() {
    let mut record = published();
    let expected = record.output.selected[1].officers.clone();
    record.output.selected[1].officers.reverse();
    let Verification::Differs {
        field,
        expected: e,
        found: f,
    } = verify(&record)
    else {
        panic!("differs")
    };
    assert_eq!(field, "selected[1].officers");
    assert_eq!(e, serde_json::to_string(&expected).expect("json"));
    assert_eq!(
        f,
        serde_json::to_string(&record.output.selected[1].officers).expect("json")
    );

    let outcome = verify_command(&serde_json::to_string(&record).expect("json"));
    assert_eq!(outcome.exit_code, 1);
    assert_eq!(
        outcome.stdout,
        format!("differs at selected[1].officers\n  expected: {e}\n  found:    {f}\n")
    );
}

#[test]
fn an_input_swapped_after_the_draw_is_caught_by_its_hash() {
    // Someone edits a flag in the published input but keeps the output: the recomputed population
    // hash no longer matches the one published at draw time.
    let mut record = published();
    record.input.population[0].inspected_this_year =
        !record.input.population[0].inspected_this_year;
    assert_eq!(differs_at(&record), "population_sha256");
}

#[test]
fn verify_json_reads_published_vectors() {
    for (name, text) in vectors() {
        assert_eq!(verify_json(&text), Ok(Verification::Agrees), "{name}");
        assert_eq!(verify(&record(&text)), Verification::Agrees, "{name}");
    }
}

#[test]
fn the_hashes_are_over_the_sorted_lines_the_spec_describes() {
    let input = small_input();
    let mut lines: Vec<String> = input
        .population
        .iter()
        .map(|u| format!("{}\t{}\n", u.id, if u.inspected_this_year { 1 } else { 0 }))
        .collect();
    lines.sort();
    assert_eq!(
        population_sha256(&input.population),
        hex::encode(Sha256::digest(lines.concat()))
    );
    let mut lines: Vec<String> = input
        .officers
        .iter()
        .map(|o| format!("{}\n", o.id))
        .collect();
    lines.sort();
    assert_eq!(
        officers_sha256(&input.officers),
        hex::encode(Sha256::digest(lines.concat()))
    );
    let mut lines: Vec<String> = input
        .conflicts
        .iter()
        .map(|c| format!("{}\t{}\n", c.officer, c.unit))
        .collect();
    lines.sort();
    assert_eq!(
        conflicts_sha256(&input.conflicts),
        hex::encode(Sha256::digest(lines.concat()))
    );
}

#[test]
fn the_seed_and_the_result_hash_are_spelled_as_the_spec_says() {
    let input = small_input();
    let expected_seed = format!(
        "650102/2026Q2/test|{}|{}|{}|dice:38172645091827364510",
        population_sha256(&input.population),
        officers_sha256(&input.officers),
        conflicts_sha256(&input.conflicts)
    );
    assert_eq!(input.seed, expected_seed);
    assert_eq!(
        seed("l", "p", "o", "c", "drand:abc:7:ff"),
        "l|p|o|c|drand:abc:7:ff"
    );
    let output = draw(&input).expect("valid");
    let lines: String = output
        .selected
        .iter()
        .map(|a| format!("{}\t{}\n", a.unit, a.officers.join(",")))
        .collect();
    assert_eq!(output.result_sha256, hex::encode(Sha256::digest(lines)));
    assert_eq!(result_sha256(&output.selected), output.result_sha256);
    let message = format!(
        "spotcheck-draw/v1\0object\0{}\0{}",
        input.seed, input.population[0].id
    );
    assert_eq!(
        ticket(&input.seed, &input.population[0].id).to_vec(),
        Sha256::digest(message).to_vec()
    );
}
