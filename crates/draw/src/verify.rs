//! Re-running a published draw (复核): recompute the output from the input and name the first
//! field where the record differs.

use crate::engine::draw;
use crate::error::DrawError;
use crate::model::{Assignment, DrawOutput, DrawRecord};
use crate::parse::read_record;

/// The answer of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The recorded output is exactly what `spotcheck-draw/v1` computes from the recorded input.
    Agrees,
    /// The first field, in the order of the output, where the record differs from the
    /// recomputation: `algorithm`, `population_sha256`, `officers_sha256`, `conflicts_sha256`,
    /// `count`, `selected[i].unit`, `selected[i].officers`, `selected` (a different number of
    /// entries after all the common ones agree) or `result_sha256`. `expected` is the recomputed
    /// value, `found` the recorded one; teams are written as JSON arrays.
    Differs {
        field: String,
        expected: String,
        found: String,
    },
}

/// Recomputes `record.output` from `record.input`.
///
/// An input that cannot be drawn from (invalid, or too few eligible officers) has no output to
/// agree with: the answer is then `Differs` on field `input`, with the engine's error as `found`.
/// [`verify_json`] reports such inputs as errors instead.
pub fn verify(record: &DrawRecord) -> Verification {
    match draw(&record.input) {
        Ok(expected) => compare(&expected, &record.output),
        Err(e) => Verification::Differs {
            field: "input".into(),
            expected: "an input the engine can draw from".into(),
            found: e.to_string(),
        },
    }
}

/// Reads a record `{"input": …, "output": …}` and verifies it (`spotcheck draw verify`, and the
/// public page's in-browser check). A record that is not valid JSON of that shape, or whose input
/// is invalid or cannot be drawn from, is an error naming the field.
pub fn verify_json(record_json: &str) -> Result<Verification, DrawError> {
    let record = read_record(record_json)?;
    // The draw validates the input first, as parse_record would.
    let expected = draw(&record.input).map_err(|e| e.within("input"))?;
    Ok(compare(&expected, &record.output))
}

fn compare(expected: &DrawOutput, found: &DrawOutput) -> Verification {
    let fields = [
        ("algorithm", &expected.algorithm, &found.algorithm),
        (
            "population_sha256",
            &expected.population_sha256,
            &found.population_sha256,
        ),
        (
            "officers_sha256",
            &expected.officers_sha256,
            &found.officers_sha256,
        ),
        (
            "conflicts_sha256",
            &expected.conflicts_sha256,
            &found.conflicts_sha256,
        ),
    ];
    for (field, e, f) in fields {
        if e != f {
            return differs(field, e, f);
        }
    }
    if expected.count != found.count {
        return differs("count", expected.count, found.count);
    }
    if let Some(difference) = compare_selected(&expected.selected, &found.selected) {
        return difference;
    }
    if expected.result_sha256 != found.result_sha256 {
        return differs(
            "result_sha256",
            &expected.result_sha256,
            &found.result_sha256,
        );
    }
    Verification::Agrees
}

fn compare_selected(expected: &[Assignment], found: &[Assignment]) -> Option<Verification> {
    for (i, (e, f)) in expected.iter().zip(found).enumerate() {
        if e.unit != f.unit {
            return Some(differs(format!("selected[{i}].unit"), &e.unit, &f.unit));
        }
        if e.officers != f.officers {
            return Some(differs(
                format!("selected[{i}].officers"),
                team(&e.officers),
                team(&f.officers),
            ));
        }
    }
    (expected.len() != found.len()).then(|| {
        differs(
            "selected",
            format!("{} entries", expected.len()),
            format!("{} entries", found.len()),
        )
    })
}

fn differs(
    field: impl Into<String>,
    expected: impl ToString,
    found: impl ToString,
) -> Verification {
    Verification::Differs {
        field: field.into(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// A team as a JSON array, so that ids holding commas or spaces stay readable.
fn team(officers: &[String]) -> String {
    serde_json::to_string(officers).unwrap_or_else(|_| officers.join(","))
}
