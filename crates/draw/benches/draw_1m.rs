//! Benchmark of the draw at national scale: 1,000,000 key units, 200 officers, teams of two.
//!
//! `cargo bench -p spotcheck-draw` prints a table: the draw (best and median of several runs),
//! the floor it is measured against (computing the 1,000,000 SHA-256 tickets alone, with the same
//! message bytes and the same absorbed-prefix trick the engine uses), the naive cost of hashing
//! each ticket message in full, the ratio draw / floor, and the process's peak resident memory.
//!
//! When `python3` is on the PATH it then runs `reference/bench_1m.py`, which builds the same
//! population, draws it with the independent reference implementation, and prints its time and
//! `result_sha256`; the table shows the speed-up and whether both implementations agree. Set
//! `SPOTCHECK_BENCH_PYTHON=0` to skip that part.
//!
//! The population (kept identical in `reference/bench_1m.py`):
//! - unit `i` in `0..1_000_000`: id `91650100MA` + `(387,433 i) mod 1,000,000` in 8 digits (a
//!   permutation: the list is not in id order, as a real export need not be), none inspected yet
//!   this year;
//! - officer `j` in `1..=200`: id `650102-` + `j` in 3 digits;
//! - conflicts: officer `650102-` + `(20k+1)` with unit `k` of the list, for `k` in `0..10`;
//! - rule key, quarter 1 of 4, 20%; team size 2; label `650102/2026Q1/key`, randomness
//!   `dice:38172645091827364510`.
//!
//! With nobody inspected yet, coverage (R-DRAW-KEY-3) binds before the rate (R-DRAW-KEY-2):
//! `n = max(200,000, ceil(1,000,000 / 4)) = 250,000`, and every unit needs its ticket.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use spotcheck_draw::{
    conflicts_sha256, draw, officers_sha256, population_sha256, seed, Conflict, DrawInput, Officer,
    Rule, TicketHasher, Unit, ALGORITHM,
};

const UNITS: usize = 1_000_000;
const OFFICERS: usize = 200;
const RUNS: usize = 7;

fn main() {
    let started = Instant::now();
    let input = population();
    let built = started.elapsed();

    let mut draw_times = Vec::new();
    let mut output = None;
    let cpu_before = cpu_time();
    for _ in 0..RUNS {
        // Freeing the previous run's output is not part of a draw.
        drop(output.take());
        let start = Instant::now();
        let drawn = draw(&input).expect("the bench input is valid");
        draw_times.push(start.elapsed());
        output = Some(drawn);
    }
    let output = output.expect("ran at least once");
    // Processor time of all threads per draw: unlike the wall clock, it hardly moves when other
    // programs share the machine. It includes freeing the earlier outputs.
    let cpu_per_draw = cpu_before
        .zip(cpu_time())
        .map(|(before, after)| (after - before) / RUNS as u32);
    // Input, one output and the draw's own peak: the floor below allocates its own table.
    let peak_after_draws = peak_rss();

    let tickets = TicketHasher::new(&input.seed);
    let mut digests = vec![[0u8; 32]; UNITS];
    let floor_times = timed(RUNS, || {
        for (digest, unit) in digests.iter_mut().zip(&input.population) {
            *digest = tickets.ticket(&unit.id);
        }
        black_box(&digests);
    });
    let naive_times = timed(3, || {
        for (digest, unit) in digests.iter_mut().zip(&input.population) {
            let mut hasher = Sha256::new();
            hasher.update(ALGORITHM.as_bytes());
            hasher.update(b"\0object\0");
            hasher.update(input.seed.as_bytes());
            hasher.update(b"\0");
            hasher.update(unit.id.as_bytes());
            *digest = hasher.finalize().into();
        }
        black_box(&digests);
    });

    let draw = best_and_median(&draw_times);
    let floor = best_and_median(&floor_times);
    let naive = best_and_median(&naive_times);
    println!();
    println!("spotcheck-draw/v1, {UNITS} key units, quarter 1 of 4 at 20%, {OFFICERS} officers, teams of 2");
    println!(
        "drawn: {} units, result_sha256 {}",
        output.count, output.result_sha256
    );
    println!("(building the input took {})", ms(built));
    println!();
    println!("| what                                    |       best |     median |");
    println!("| --------------------------------------- | ---------: | ---------: |");
    row(
        "draw (validate, hash, select, deal)",
        ms(draw.0),
        ms(draw.1),
    );
    row(
        "floor: 1,000,000 tickets, prefix kept",
        ms(floor.0),
        ms(floor.1),
    );
    row(
        "naive: 1,000,000 tickets hashed whole",
        ms(naive.0),
        ms(naive.1),
    );
    row(
        "ratio draw / floor",
        ratio(draw.0, floor.0),
        ratio(draw.1, floor.1),
    );
    row(
        "ratio draw / naive",
        ratio(draw.0, naive.0),
        ratio(draw.1, naive.1),
    );
    match cpu_per_draw {
        Some(cpu) => println!("processor time per draw, both threads: {}", ms(cpu)),
        None => println!("processor time per draw: n/a"),
    }
    println!("peak resident memory (VmHWM) after the draws: {peak_after_draws} (input included)");

    python_reference(draw.1, &output.result_sha256);
}

/// The bench population, described in the file's doc comment.
fn population() -> DrawInput {
    let population: Vec<Unit> = (0..UNITS)
        .map(|i| Unit {
            id: unit_id(i),
            inspected_this_year: false,
        })
        .collect();
    // Officers with a conflict of interest with the first ten units of the list.
    let officers: Vec<Officer> = (1..=OFFICERS)
        .map(|j| Officer {
            id: format!("650102-{j:03}"),
        })
        .collect();
    let conflicts: Vec<Conflict> = (0..10)
        .map(|k| Conflict {
            officer: format!("650102-{:03}", 20 * k + 1),
            unit: unit_id(k),
        })
        .collect();
    let seed = seed(
        "650102/2026Q1/key",
        &population_sha256(&population),
        &officers_sha256(&officers),
        &conflicts_sha256(&conflicts),
        "dice:38172645091827364510",
    );
    DrawInput {
        algorithm: ALGORITHM.to_string(),
        seed,
        rule: Rule::Key {
            quarter: 1,
            quarters_in_year: 4,
            rate_percent: 20,
        },
        population,
        officers,
        conflicts,
        team_size: 2,
    }
}

/// The id of unit `i` of the list.
fn unit_id(i: usize) -> String {
    format!("91650100MA{:08}", (i * 387_433) % UNITS)
}

fn timed(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn best_and_median(times: &[Duration]) -> (Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    (sorted[0], sorted[sorted.len() / 2])
}

fn row(what: &str, best: String, median: String) {
    println!("| {what:<39} | {best:>10} | {median:>10} |");
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}", a.as_secs_f64() / b.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// User plus system time of this process so far, from Linux's /proc (in clock ticks of 1/100 s,
/// the usual value); `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Peak resident set size of this process, from Linux's /proc; "n/a" elsewhere.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".to_string())
}

/// Times the Python reference on the same population, when python3 is there.
fn python_reference(rust_median: Duration, rust_result: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join("bench_1m.py");
    println!();
    if std::env::var("SPOTCHECK_BENCH_PYTHON").as_deref() == Ok("0") {
        println!(
            "python reference skipped (SPOTCHECK_BENCH_PYTHON=0); run: python3 {}",
            script.display()
        );
        return;
    }
    println!(
        "running the python reference on the same population: python3 {}",
        script.display()
    );
    let output = match Command::new("python3").arg(&script).output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            println!(
                "python reference failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return;
        }
        Err(e) => {
            println!("python reference SKIPPED: cannot run python3 ({e})");
            return;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    print!("{text}");
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name).map(|rest| rest.trim().to_string()))
    };
    let seconds = field("draw_seconds:").and_then(|s| s.parse::<f64>().ok());
    let result = field("result_sha256:");
    if let Some(seconds) = seconds {
        println!(
            "speed-up of the engine over the reference (median): {:.0}x",
            seconds / rust_median.as_secs_f64()
        );
    }
    match result {
        Some(r) if r == rust_result => println!("both implementations give result_sha256 {r}"),
        Some(r) => println!("MISMATCH: python result_sha256 {r}, rust {rust_result}"),
        None => println!("python printed no result_sha256"),
    }
}
