//! The rule parameters of an agency's spot checks (抽查规则参数): rates, ratios, team size and due
//! days. [`RulesConfig::default`] holds the values of the Urumqi 2020 plan; every other agency
//! configures its own, so no number of RULES.md appears as a literal anywhere else.

use std::ops::RangeInclusive;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::period::DrawCadence;

/// Rule parameters (抽查规则参数) of one agency. Deserialising fills missing fields with the
/// Urumqi defaults and rejects unknown ones; call [`RulesConfig::validate`] before use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Minimum share of the area's key discharge units (重点排污单位) drawn per draw period, in
    /// percent. R-DRAW-KEY-2; Urumqi 20.
    pub key_rate_percent: u32,
    /// Whether every key unit must be drawn at least once a year. R-DRAW-KEY-3; Urumqi `true`.
    pub key_all_covered_in_year: bool,
    /// Minimum objects per enforcement officer in the year's general draw, city level (市本级).
    /// R-DRAW-GEN-2; Urumqi 5 (ratio 1:5).
    pub general_objects_per_officer_city: u32,
    /// Minimum objects per enforcement officer in the year's general draw, district or county
    /// level (区县级). R-DRAW-GEN-2; Urumqi 10 (ratio 1:10).
    pub general_objects_per_officer_district: u32,
    /// Lower bound of the share of last period's special supervision sources (特殊监管源) drawn,
    /// in percent. R-DRAW-SPC-2; Urumqi 50.
    pub special_rate_min_percent: u32,
    /// Upper bound of that share, in percent. R-DRAW-SPC-2; Urumqi 60.
    pub special_rate_max_percent: u32,
    /// Officers per inspection team (检查组人数). R-DRAW-2R, national practice: at least 2.
    pub team_size: u32,
    /// How often key and special sources are drawn. R-DRAW-KEY-1, R-DRAW-SPC-1; Urumqi quarterly
    /// (4 draw periods a year).
    pub draw_cadence: DrawCadence,
    /// Day of the last month of the previous draw period by which a period's key draw is made
    /// and dispatched. R-DRAW-KEY-1; Urumqi 25.
    pub key_draw_due_day: u32,
    /// The same for the special draw. R-DRAW-SPC-1; Urumqi 25.
    pub special_draw_due_day: u32,
    /// Month of the previous year by which the year's general draw is made. R-DRAW-GEN-1;
    /// Urumqi 12.
    pub general_draw_due_month: u32,
    /// Day of that month. R-DRAW-GEN-1; Urumqi 31 (31 December of the year before).
    pub general_draw_due_day: u32,
    /// Days after a quarter ends by which the complaint, penalty and other-problem lists of the
    /// quarter are filed. R-LIST-8, R-LIST-9, R-LIST-11; Urumqi 3.
    pub quarter_lists_due_days: u32,
    /// Days after a month ends by which the monthly report (双随机月报) is sent. R-REP-1;
    /// Urumqi 3.
    pub monthly_report_due_days: u32,
    /// Days after a quarter ends by which the brigades send the on-site forms (附表1) and results
    /// detail (附表2). R-REP-2; Urumqi 3.
    pub quarter_forms_due_days: u32,
    /// Days after a quarter ends by which the quarter's checks are published (公示). R-REP-3;
    /// Urumqi 20.
    pub disclosure_due_days: u32,
    /// The agencies' offset from UTC, as `+08:00`: the days of every deadline, of a period's
    /// end and of "today" are days of this clock, not of the server's. China Standard Time
    /// (`+08:00`) in Urumqi, as everywhere in China.
    pub time_zone: String,
}

/// China Standard Time, the default [`RulesConfig::time_zone`].
const CHINA_STANDARD_TIME: &str = "+08:00";

impl Default for RulesConfig {
    /// The Urumqi 2020 plan (RULES.md).
    fn default() -> RulesConfig {
        RulesConfig {
            key_rate_percent: 20,
            key_all_covered_in_year: true,
            general_objects_per_officer_city: 5,
            general_objects_per_officer_district: 10,
            special_rate_min_percent: 50,
            special_rate_max_percent: 60,
            team_size: 2,
            draw_cadence: DrawCadence::Quarterly,
            key_draw_due_day: 25,
            special_draw_due_day: 25,
            general_draw_due_month: 12,
            general_draw_due_day: 31,
            quarter_lists_due_days: 3,
            monthly_report_due_days: 3,
            quarter_forms_due_days: 3,
            disclosure_due_days: 20,
            time_zone: CHINA_STANDARD_TIME.to_string(),
        }
    }
}

/// The fields of [`RulesConfig`], named as in its serialised form, for error messages and forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RulesField {
    KeyRatePercent,
    GeneralObjectsPerOfficerCity,
    GeneralObjectsPerOfficerDistrict,
    SpecialRateMinPercent,
    SpecialRateMaxPercent,
    TeamSize,
    KeyDrawDueDay,
    SpecialDrawDueDay,
    GeneralDrawDue,
    QuarterListsDueDays,
    MonthlyReportDueDays,
    QuarterFormsDueDays,
    DisclosureDueDays,
    TimeZone,
}

impl RulesField {
    /// The field's serialised name (`key_rate_percent`, ...); `general_draw_due` stands for the
    /// month and day pair.
    pub fn as_str(self) -> &'static str {
        match self {
            RulesField::KeyRatePercent => "key_rate_percent",
            RulesField::GeneralObjectsPerOfficerCity => "general_objects_per_officer_city",
            RulesField::GeneralObjectsPerOfficerDistrict => "general_objects_per_officer_district",
            RulesField::SpecialRateMinPercent => "special_rate_min_percent",
            RulesField::SpecialRateMaxPercent => "special_rate_max_percent",
            RulesField::TeamSize => "team_size",
            RulesField::KeyDrawDueDay => "key_draw_due_day",
            RulesField::SpecialDrawDueDay => "special_draw_due_day",
            RulesField::GeneralDrawDue => "general_draw_due",
            RulesField::QuarterListsDueDays => "quarter_lists_due_days",
            RulesField::MonthlyReportDueDays => "monthly_report_due_days",
            RulesField::QuarterFormsDueDays => "quarter_forms_due_days",
            RulesField::DisclosureDueDays => "disclosure_due_days",
            RulesField::TimeZone => "time_zone",
        }
    }
}

/// The longest delay after a period's end that a due date may have: a quarter. Longer delays
/// would push a duty into the period after next, which no plan intends.
pub const MAX_DUE_DAYS_AFTER: u32 = 92;

/// The latest day of a month a monthly due day may name, so that it exists in February.
pub const MAX_DUE_DAY_OF_MONTH: u32 = 28;

/// What is wrong with a [`RulesConfig`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesConfigError {
    #[error("{}: a rate of {value}% must be between 1 and 100", field.as_str())]
    RateOutOfRange { field: RulesField, value: u32 },
    #[error("the special draw's minimum rate {min}% is above its maximum {max}%")]
    SpecialRateMinAboveMax { min: u32, max: u32 },
    #[error("{}: must be at least 1", field.as_str())]
    Zero { field: RulesField },
    #[error("{}: day {day} must be between 1 and {max}", field.as_str())]
    DueDayOutOfRange {
        field: RulesField,
        day: u32,
        max: u32,
    },
    #[error("{}: {month}-{day} is not a date that exists every year", field.as_str())]
    InvalidDueDate {
        field: RulesField,
        month: u32,
        day: u32,
    },
    #[error("{}: {days} days is more than {max}", field.as_str())]
    DueDaysTooLong {
        field: RulesField,
        days: u32,
        max: u32,
    },
    #[error("{}: {value:?} is not an offset from UTC such as \"+08:00\"", RulesField::TimeZone.as_str())]
    BadTimeZone { value: String },
}

impl RulesConfigError {
    /// A stable key naming the kind of error, for translated messages (`rules.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            RulesConfigError::RateOutOfRange { .. } => "rate_out_of_range",
            RulesConfigError::SpecialRateMinAboveMax { .. } => "special_rate_min_above_max",
            RulesConfigError::Zero { .. } => "zero",
            RulesConfigError::DueDayOutOfRange { .. } => "due_day_out_of_range",
            RulesConfigError::InvalidDueDate { .. } => "invalid_due_date",
            RulesConfigError::DueDaysTooLong { .. } => "due_days_too_long",
            RulesConfigError::BadTimeZone { .. } => "bad_time_zone",
        }
    }
}

/// Days in each month of a common year: a yearly due date must exist every year.
const DAYS_IN_COMMON_YEAR_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl RulesConfig {
    /// The first problem of the configuration, if any.
    pub fn validate(&self) -> Result<(), RulesConfigError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem of the configuration, in field order, for a settings form.
    pub fn problems(&self) -> Vec<RulesConfigError> {
        use RulesField as F;
        let mut problems = Vec::new();
        for (field, value) in [
            (F::KeyRatePercent, self.key_rate_percent),
            (F::SpecialRateMinPercent, self.special_rate_min_percent),
            (F::SpecialRateMaxPercent, self.special_rate_max_percent),
        ] {
            if !(1..=100).contains(&value) {
                problems.push(RulesConfigError::RateOutOfRange { field, value });
            }
        }
        if self.special_rate_min_percent > self.special_rate_max_percent {
            problems.push(RulesConfigError::SpecialRateMinAboveMax {
                min: self.special_rate_min_percent,
                max: self.special_rate_max_percent,
            });
        }
        for (field, value) in [
            (
                F::GeneralObjectsPerOfficerCity,
                self.general_objects_per_officer_city,
            ),
            (
                F::GeneralObjectsPerOfficerDistrict,
                self.general_objects_per_officer_district,
            ),
            (F::TeamSize, self.team_size),
        ] {
            if value == 0 {
                problems.push(RulesConfigError::Zero { field });
            }
        }
        for (field, day) in [
            (F::KeyDrawDueDay, self.key_draw_due_day),
            (F::SpecialDrawDueDay, self.special_draw_due_day),
        ] {
            if !(1..=MAX_DUE_DAY_OF_MONTH).contains(&day) {
                problems.push(RulesConfigError::DueDayOutOfRange {
                    field,
                    day,
                    max: MAX_DUE_DAY_OF_MONTH,
                });
            }
        }
        let (month, day) = (self.general_draw_due_month, self.general_draw_due_day);
        let month_length = month
            .checked_sub(1)
            .and_then(|i| DAYS_IN_COMMON_YEAR_MONTH.get(i as usize));
        if !month_length.is_some_and(|&length| (1..=length).contains(&day)) {
            problems.push(RulesConfigError::InvalidDueDate {
                field: F::GeneralDrawDue,
                month,
                day,
            });
        }
        for (field, days) in [
            (F::QuarterListsDueDays, self.quarter_lists_due_days),
            (F::MonthlyReportDueDays, self.monthly_report_due_days),
            (F::QuarterFormsDueDays, self.quarter_forms_due_days),
            (F::DisclosureDueDays, self.disclosure_due_days),
        ] {
            if days > MAX_DUE_DAYS_AFTER {
                problems.push(RulesConfigError::DueDaysTooLong {
                    field,
                    days,
                    max: MAX_DUE_DAYS_AFTER,
                });
            }
        }
        if self.time_zone.parse::<FixedOffset>().is_err() {
            problems.push(RulesConfigError::BadTimeZone {
                value: self.time_zone.clone(),
            });
        }
        problems
    }

    /// The offset of [`Self::time_zone`] (China Standard Time if it does not parse, which
    /// [`Self::validate`] refuses).
    pub fn offset(&self) -> FixedOffset {
        self.time_zone
            .parse()
            .or_else(|_| CHINA_STANDARD_TIME.parse())
            .expect("China Standard Time is an offset")
    }

    /// The agencies' day at the instant `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }

    /// The agencies' day now.
    pub fn today(&self) -> NaiveDate {
        self.day_of(Utc::now())
    }

    /// Whether drawing `rate_percent` of the key units in a period meets R-DRAW-KEY-2.
    pub fn key_rate_ok(&self, rate_percent: u32) -> bool {
        (self.key_rate_percent..=100).contains(&rate_percent)
    }

    /// Whether drawing `rate_percent` of last period's special sources is within R-DRAW-SPC-2.
    pub fn special_rate_ok(&self, rate_percent: u32) -> bool {
        (self.special_rate_min_percent..=self.special_rate_max_percent).contains(&rate_percent)
    }

    /// The fewest key units a period's draw may hold out of `key_units` (R-DRAW-KEY-2): the rate,
    /// rounded up, since "at least 20%" of 7 units is 2, not 1.
    pub fn key_minimum(&self, key_units: usize) -> usize {
        percent_rounded_up(key_units, self.key_rate_percent).min(key_units)
    }

    /// The fewest key units this period's draw may hold so that every key unit is still drawn
    /// once in the year (R-DRAW-KEY-2 and R-DRAW-KEY-3): at least the rate, and at least an even
    /// share of the units not yet drawn this year over the periods left, this one included. In
    /// the year's last period that is all of them.
    pub fn key_minimum_this_period(
        &self,
        key_units: usize,
        not_yet_drawn_this_year: usize,
        periods_left_including_this: usize,
    ) -> usize {
        let by_rate = self.key_minimum(key_units);
        if !self.key_all_covered_in_year {
            return by_rate;
        }
        let remaining = not_yet_drawn_this_year.min(key_units);
        let by_coverage = remaining.div_ceil(periods_left_including_this.max(1));
        by_rate.max(by_coverage)
    }

    /// How many of `special_sources` (last period's special supervision sources) a draw holds
    /// (R-DRAW-SPC-2): the band between the two rates, the lower rounded up and the upper rounded
    /// down. When no whole number falls in the band (1 source at 50%-60%), the lower bound wins:
    /// it is the obligation, the upper bound only spares capacity.
    pub fn special_count_range(&self, special_sources: usize) -> RangeInclusive<usize> {
        let min =
            percent_rounded_up(special_sources, self.special_rate_min_percent).min(special_sources);
        let max = (special_sources.saturating_mul(self.special_rate_max_percent as usize) / 100)
            .clamp(min, special_sources);
        min..=max
    }

    /// The fewest general units the year's general draw holds (R-DRAW-GEN-2): `officers` times
    /// the level's objects per officer (1:5 city, 1:10 district or county), capped by the number
    /// of general units there are.
    pub fn general_minimum(
        &self,
        level_is_city: bool,
        officers: usize,
        general_units: usize,
    ) -> usize {
        let per_officer = if level_is_city {
            self.general_objects_per_officer_city
        } else {
            self.general_objects_per_officer_district
        };
        officers
            .saturating_mul(per_officer as usize)
            .min(general_units)
    }

    /// Whether a team of `officers` is large enough (R-DRAW-2R).
    pub fn team_size_ok(&self, officers: usize) -> bool {
        officers >= self.team_size as usize
    }
}

/// `count * percent / 100`, rounded up, without overflow.
fn percent_rounded_up(count: usize, percent: u32) -> usize {
    let product = u128::from(count as u64) * u128::from(percent);
    usize::try_from(product.div_ceil(100)).unwrap_or(usize::MAX)
}

/// The four enforcement measures of the Environmental Protection Law's supporting rules
/// (环保法四个配套办法), applied to a violation where they fit (R-INSP-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnforcementMeasure {
    /// Daily continuous penalty (按日连续处罚).
    DailyContinuousPenalty,
    /// Seizure and detention of facilities or equipment (查封扣押).
    Seizure,
    /// Production limits or suspension (限产停产).
    ProductionLimit,
    /// Transfer to the police for administrative detention (移送行政拘留).
    TransferForDetention,
}

impl EnforcementMeasure {
    pub const ALL: [EnforcementMeasure; 4] = [
        EnforcementMeasure::DailyContinuousPenalty,
        EnforcementMeasure::Seizure,
        EnforcementMeasure::ProductionLimit,
        EnforcementMeasure::TransferForDetention,
    ];

    /// The serialised name, also the message key (`measure.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            EnforcementMeasure::DailyContinuousPenalty => "daily_continuous_penalty",
            EnforcementMeasure::Seizure => "seizure",
            EnforcementMeasure::ProductionLimit => "production_limit",
            EnforcementMeasure::TransferForDetention => "transfer_for_detention",
        }
    }

    pub fn parse(s: &str) -> Option<EnforcementMeasure> {
        EnforcementMeasure::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// The measure's name in the law, in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            EnforcementMeasure::DailyContinuousPenalty => "按日连续处罚",
            EnforcementMeasure::Seizure => "查封扣押",
            EnforcementMeasure::ProductionLimit => "限产停产",
            EnforcementMeasure::TransferForDetention => "移送行政拘留",
        }
    }
}
