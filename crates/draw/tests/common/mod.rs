//! Builders shared by the tests: inputs made as the procedure makes them (seed bound to the
//! input hashes), and the published test vectors.

#![allow(dead_code)] // each test file uses a different part

use std::path::PathBuf;

use spotcheck_draw::{
    conflicts_sha256, officers_sha256, population_sha256, seed, Conflict, DrawInput, DrawRecord,
    Officer, Rule, Unit, ALGORITHM,
};

pub fn unit(id: impl Into<String>, inspected_this_year: bool) -> Unit {
    Unit {
        id: id.into(),
        inspected_this_year,
    }
}

pub fn units(n: usize) -> Vec<Unit> {
    (0..n)
        .map(|i| unit(format!("91650102MA{i:08}"), false))
        .collect()
}

pub fn officers(n: usize) -> Vec<Officer> {
    (0..n)
        .map(|i| Officer {
            id: format!("650102-{i:03}"),
        })
        .collect()
}

pub fn conflict(officer: &str, unit: &str) -> Conflict {
    Conflict {
        officer: officer.into(),
        unit: unit.into(),
    }
}

/// An input whose seed binds its lists' hashes to `randomness`, as the procedure builds it.
pub fn input(
    rule: Rule,
    population: Vec<Unit>,
    officers: Vec<Officer>,
    conflicts: Vec<Conflict>,
    team_size: u32,
    randomness: &str,
) -> DrawInput {
    let seed = seed(
        "650102/2026Q2/test",
        &population_sha256(&population),
        &officers_sha256(&officers),
        &conflicts_sha256(&conflicts),
        randomness,
    );
    DrawInput {
        algorithm: ALGORITHM.to_string(),
        seed,
        rule,
        population,
        officers,
        conflicts,
        team_size,
    }
}

/// A small valid input: 10 units, 4 officers, teams of 2, one conflict.
pub fn small_input() -> DrawInput {
    let population = units(10);
    let conflicts = vec![conflict("650102-001", &population[2].id)];
    input(
        Rule::Fixed { count: 4 },
        population,
        officers(4),
        conflicts,
        2,
        "dice:38172645091827364510",
    )
}

pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

/// Every published vector: file name and text, in name order.
pub fn vectors() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the published vectors are there");
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("readable vector");
            (name, text)
        })
        .collect()
}

pub fn record(text: &str) -> DrawRecord {
    serde_json::from_str(text).expect("a vector is a record")
}
