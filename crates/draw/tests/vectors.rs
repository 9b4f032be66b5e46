//! The published test vectors (tests/vectors/*.json) are reproduced bit for bit, by this engine
//! and by the independent reference implementation (reference/draw_v1.py).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{record, vectors};
use spotcheck_draw::{
    draw, run_command, verify_command, verify_json, DrawRecord, Rule, Verification,
};

#[test]
fn the_engine_reproduces_every_published_vector() {
    for (name, text) in vectors() {
        let record = record(&text);
        let output = draw(&record.input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(output, record.output, "{name}");
        assert_eq!(verify_json(&text), Ok(Verification::Agrees), "{name}");
        let run = run_command(&serde_json::to_string(&record.input).expect("serialisable"));
        assert_eq!(run.exit_code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.stdout, pretty(&record.output), "{name}");
    }
}

#[test]
fn the_vectors_cover_what_they_claim() {
    let records: Vec<(String, DrawRecord)> = vectors()
        .into_iter()
        .map(|(n, t)| (n, record(&t)))
        .collect();
    let has = |what: &str, f: &dyn Fn(&DrawRecord) -> bool| {
        assert!(records.iter().any(|(_, r)| f(r)), "no vector with {what}");
    };
    has("a key rule", &|r| matches!(r.input.rule, Rule::Key { .. }));
    has("a general rule", &|r| {
        matches!(r.input.rule, Rule::General { .. })
    });
    has("a special rule", &|r| {
        matches!(r.input.rule, Rule::Special { .. })
    });
    has("a fixed rule", &|r| {
        matches!(r.input.rule, Rule::Fixed { .. })
    });
    has("conflicts", &|r| !r.input.conflicts.is_empty());
    has("Chinese ids", &|r| {
        r.input.population.iter().any(|u| !u.id.is_ascii())
    });
    for team_size in 1..=3 {
        has(&format!("teams of {team_size}"), &|r| {
            r.input.team_size == team_size && r.output.count > 0
        });
    }
    has("a key draw with n > |R|", &|r| {
        let remaining = r
            .input
            .population
            .iter()
            .filter(|u| !u.inspected_this_year)
            .count();
        matches!(r.input.rule, Rule::Key { .. }) && r.output.count as usize > remaining
    });
    has("nothing to draw", &|r| r.output.count == 0);
    has("dice randomness", &|r| r.input.seed.contains("|dice:"));
    has("drand randomness", &|r| r.input.seed.contains("|drand:"));
}

/// The reference script agrees with the engine on every vector: same `run` output byte for byte,
/// same `verify` answers, also on records altered to differ.
#[test]
fn the_python_reference_agrees_with_the_engine_bit_for_bit() {
    let Some(python) = python3() else {
        // Straight to the process's stderr, past the test harness's capture, so that it shows.
        let _ = std::io::stderr().write_all(
            b"\n*** SKIPPED: python3 is not on the PATH; the reference implementation was not compared ***\n\n",
        );
        return;
    };
    let python = |args: &[&str]| run_python(&python, args);
    let scratch = Scratch::new();
    for (name, text) in vectors() {
        let record = record(&text);
        let input = scratch.write(
            &format!("input-{name}"),
            &serde_json::to_string(&record.input).expect("json"),
        );
        let (code, stdout, stderr) = python(&["run", path(&input)]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(
            stdout,
            run_command(&std::fs::read_to_string(&input).expect("written")).stdout,
            "{name}"
        );

        for (label, altered) in alterations(&record) {
            let json = serde_json::to_string_pretty(&altered).expect("json");
            let file = scratch.write(&format!("{label}-{name}"), &json);
            let rust = verify_command(&json);
            let (code, stdout, stderr) = python(&["verify", path(&file)]);
            assert_eq!(code, i32::from(rust.exit_code), "{name} {label}: {stderr}");
            assert_eq!(stdout, rust.stdout, "{name} {label}");
        }
    }
}

/// The record as published, and altered in each field a verification compares.
fn alterations(record: &DrawRecord) -> Vec<(&'static str, DrawRecord)> {
    let mut out = vec![("as-published", record.clone())];
    let mut altered = record.clone();
    altered.output.result_sha256 = "0".repeat(64);
    out.push(("result", altered));
    let mut altered = record.clone();
    altered.output.count += 1;
    out.push(("count", altered));
    if let Some(first) = record.output.selected.first() {
        let mut altered = record.clone();
        altered.output.selected[0].officers.reverse();
        if first.officers.len() < 2 {
            altered.output.selected[0]
                .officers
                .push("someone else".into());
        }
        out.push(("team", altered));
        let mut altered = record.clone();
        altered.output.selected[0].unit.push('x');
        out.push(("unit", altered));
    }
    let mut altered = record.clone();
    altered.input.population.retain(|u| !u.inspected_this_year);
    out.push(("population", altered));
    out
}

fn pretty(output: &spotcheck_draw::DrawOutput) -> String {
    serde_json::to_string_pretty(output).expect("serialisable") + "\n"
}

/// The Python interpreter behind `python3`, asked once: a launcher script in front of it (as
/// version managers install) would otherwise cost more than the reference run itself.
fn python3() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?;
    let path = path.trim();
    (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

fn run_python(python: &Path, args: &[&str]) -> (i32, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join("draw_v1.py");
    let output = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// A directory of this test's own under the system's temporary directory, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("spotcheck-draw-vectors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let file = self.0.join(name);
        std::fs::write(&file, text).expect("temporary file");
        file
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
