//! The JSON records of a draw, field for field as DRAW.md writes them.
//!
//! Unknown fields are refused everywhere: a misspelt `team_sise` must be an error, never a
//! silently ignored value.

use serde::{Deserialize, Serialize};

/// Everything a draw depends on (抽取输入): frozen before the randomness is known, except the
/// seed, which binds the frozen lists' hashes to the public randomness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// Always [`crate::ALGORITHM`].
    pub algorithm: String,
    /// `S`: `label|population_sha256|officers_sha256|conflicts_sha256|randomness`, see
    /// [`crate::seed`]. The engine takes any string so that any record can be recomputed; the
    /// procedure around it refuses randomness too short to be unguessable.
    pub seed: String,
    /// How many units are drawn.
    pub rule: Rule,
    /// The units that can be drawn (抽查对象库), as frozen.
    pub population: Vec<Unit>,
    /// The officers who can be sent (执法检查人员库), as frozen.
    pub officers: Vec<Officer>,
    /// Pairs that must never meet: the officer withdraws (回避) from that unit.
    pub conflicts: Vec<Conflict>,
    /// Officers per inspected unit; national practice is at least two (R-DRAW-2R).
    pub team_size: u32,
}

/// How many units a draw takes, by the kind of list drawn from (抽查比例).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Key discharge units (重点排污单位): at least `rate_percent` each quarter (R-DRAW-KEY-2),
    /// and every unit by the last quarter of the year (R-DRAW-KEY-3).
    Key {
        quarter: u32,
        quarters_in_year: u32,
        rate_percent: u32,
    },
    /// General units (一般排污单位): `objects_per_officer` per officer of the pool
    /// (R-DRAW-GEN-2).
    General { objects_per_officer: u64 },
    /// Special supervision sources (特殊监管对象): a share of them (R-DRAW-SPC-2; the rules
    /// layer keeps it within 50..=60, the engine accepts 1..=100).
    Special { rate_percent: u32 },
    /// A fixed number of units, for ad-hoc checks (专项检查).
    Fixed { count: u64 },
}

/// One unit that can be drawn: a regulated firm or project (监管对象).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Its id, usually the unified social credit code (统一社会信用代码).
    pub id: String,
    /// Already inspected in this year; only matters for [`Rule::Key`] (R-DRAW-KEY-3).
    pub inspected_this_year: bool,
}

/// One officer of the pool (执法人员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    /// Its id, e.g. the enforcement certificate number (执法证号).
    pub id: String,
}

/// A conflict of interest: `officer` must never be sent to `unit` (回避).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// An id from `officers`.
    pub officer: String,
    /// An id from `population`.
    pub unit: String,
}

/// The result of a draw (抽取结果), with the input hashes it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawOutput {
    /// Always [`crate::ALGORITHM`].
    pub algorithm: String,
    /// See [`crate::population_sha256`].
    pub population_sha256: String,
    /// See [`crate::officers_sha256`].
    pub officers_sha256: String,
    /// See [`crate::conflicts_sha256`].
    pub conflicts_sha256: String,
    /// Number of units drawn: `n` of the spec, see [`crate::selection_count`].
    pub count: u64,
    /// The drawn units in output order, each with its team.
    pub selected: Vec<Assignment>,
    /// See [`crate::result_sha256`]: published at draw time while the list stays confidential.
    pub result_sha256: String,
}

/// One drawn unit and the officers sent to it (检查任务).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The unit's id.
    pub unit: String,
    /// The team, in the order the officers were dealt.
    pub officers: Vec<String>,
}

/// A published draw: its input and the output claimed for it. `verify` recomputes the one from
/// the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawRecord {
    pub input: DrawInput,
    pub output: DrawOutput,
}
