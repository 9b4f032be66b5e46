//! The verifiable draw (随机抽取) of spotcheck, algorithm `spotcheck-draw/v1`.
//!
//! Given a frozen population of regulated units, a frozen officer pool, the conflict-of-interest
//! pairs (回避) and a seed built from public randomness, [`draw`] decides which units are inspected
//! and which officers inspect each of them ("double random", R-DRAW-2R). It is a pure function:
//! no I/O, no clock, no randomness of its own, so the same input gives the same output on every
//! machine, in the browser (it builds for `wasm32-unknown-unknown`) and years later. Anyone can
//! re-run a published draw with [`verify()`] or with the independent reference script shipped
//! beside this crate (`reference/draw_v1.py`).
//!
//! The algorithm is specified, bit for bit, in the design notes (`DRAW.md`); the public
//! explanation is `docs/draw.en.md` (`docs/draw.zh.md` in Chinese). Changing anything that alters
//! an output is a new algorithm version, never an edit of `v1`.
//!
//! Entry points: [`run_command`] and [`verify_command`] for the command line (text in, text and
//! an exit code out); [`parse_input`], [`draw`] and [`verify_json`] for programs; the hash helpers
//! ([`population_sha256`], [`seed`], ...) for the freeze that comes before a draw; and
//! [`selection_count`] to show how many units a rule will draw.
//!
//! ```
//! use spotcheck_draw::*;
//!
//! // Freeze: the lists and their hashes are published before the randomness is known.
//! let population: Vec<Unit> = (1..=10)
//!     .map(|i| Unit { id: format!("91650102MA{i:08}"), inspected_this_year: i > 8 })
//!     .collect();
//! let officers: Vec<Officer> = ["650102-001", "650102-002", "650102-003"]
//!     .map(|id| Officer { id: id.into() })
//!     .to_vec();
//! let conflicts = vec![Conflict { officer: "650102-002".into(), unit: "91650102MA00000003".into() }];
//! // Then the dice are rolled before witnesses, and the seed binds them to the hashes.
//! let seed = seed(
//!     "650102/2026Q4/key",
//!     &population_sha256(&population),
//!     &officers_sha256(&officers),
//!     &conflicts_sha256(&conflicts),
//!     "dice:38172645091827364510",
//! );
//! let rule = Rule::Key { quarter: 4, quarters_in_year: 4, rate_percent: 20 };
//! // Last quarter: every unit not yet inspected this year is drawn (R-DRAW-KEY-3).
//! assert_eq!(selection_count(&rule, &population, officers.len()), 8);
//!
//! let input = DrawInput { algorithm: ALGORITHM.into(), seed, rule, population, officers, conflicts, team_size: 2 };
//! let output = draw(&input)?;
//! assert_eq!(output.count, 8);
//! assert!(output.selected.iter().all(|a| a.officers.len() == 2));
//! assert_eq!(verify(&DrawRecord { input, output }), Verification::Agrees);
//! # Ok::<(), DrawError>(())
//! ```
//!
//! Source layout, one concept per file: `model` (the JSON records), `parse` and `validate`
//! (refusing anything the spec does not define), `hashing` and `lines` (input hashes, seed,
//! tickets, `result_sha256`), `select` (how many units and which: R-DRAW-KEY-2, R-DRAW-KEY-3),
//! `deal` (which officers: R-DRAW-2R), `engine` (the draw), `verify`, `command`, and `parallel`
//! (two threads where there are threads, the same result either way).

mod bytes;
mod command;
mod deal;
mod engine;
mod error;
mod hashing;
mod lines;
mod model;
mod parallel;
mod parse;
mod select;
mod validate;
mod verify;

/// The name of this algorithm, written in every input and output (`algorithm` field).
pub const ALGORITHM: &str = "spotcheck-draw/v1";

pub use command::{
    run_command, verify_command, CommandOutcome, EXIT_BAD_INPUT, EXIT_DIFFERS, EXIT_OK,
};
pub use engine::{draw, draw_indexed};
pub use error::DrawError;
pub use hashing::{
    conflicts_sha256, deck_key, officers_sha256, population_sha256, result_sha256, seed, ticket,
    TicketHasher,
};
pub use model::{Assignment, Conflict, DrawInput, DrawOutput, DrawRecord, Officer, Rule, Unit};
pub use parse::{parse_input, parse_record};
pub use select::selection_count;
pub use validate::validate;
pub use verify::{verify, verify_json, Verification};
