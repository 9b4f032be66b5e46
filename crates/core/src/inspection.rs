//! The on-site form (附表1 污染源现场监察情况表, R-INSP-1): what the team records at the firm, and
//! the checks a form must pass before it is submitted.
//!
//! A draft may be incomplete (every field has a default, so a partial draft deserialises); only
//! [`InspectionForm::validate_for_submit`] asks for completeness. No display text lives here: the
//! user interface shows `insp.item.<key>`, `insp.problem.<key>` and so on in the user's language.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// One item of the on-site check (R-INSP-2), in the order of the paper form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckItem {
    /// 污染防治设施已建成.
    FacilitiesBuilt,
    /// 污染防治设施正常运行.
    FacilitiesRunning,
    /// 污染防治设施运行记录齐全.
    FacilitiesRecords,
    /// 排污口规范化设置.
    OutletsStandard,
    /// 在线监测设施安装联网并正常运行.
    OnlineMonitoring,
    /// 污染物达标排放（无超标排放）.
    DischargeWithinLimits,
    /// 环境影响评价文件已审批.
    EiaApproved,
    /// 建设项目竣工环境保护验收.
    EiaAccepted,
    /// “三同时”制度执行情况.
    ThreeSimultaneities,
    /// 持有排污许可证.
    PermitHeld,
    /// 排污许可证在有效期内.
    PermitValid,
    /// 按排污许可证要求排污.
    PermitConditions,
    /// 危险废物规范化管理.
    HazardousWaste,
    /// 其他环境管理制度执行情况.
    OtherRules,
}

impl CheckItem {
    /// Every item, in the order of the form.
    pub const ALL: &'static [CheckItem] = &[
        CheckItem::FacilitiesBuilt,
        CheckItem::FacilitiesRunning,
        CheckItem::FacilitiesRecords,
        CheckItem::OutletsStandard,
        CheckItem::OnlineMonitoring,
        CheckItem::DischargeWithinLimits,
        CheckItem::EiaApproved,
        CheckItem::EiaAccepted,
        CheckItem::ThreeSimultaneities,
        CheckItem::PermitHeld,
        CheckItem::PermitValid,
        CheckItem::PermitConditions,
        CheckItem::HazardousWaste,
        CheckItem::OtherRules,
    ];

    /// The stable key (also the serde name): stored in the database and used in translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckItem::FacilitiesBuilt => "facilities_built",
            CheckItem::FacilitiesRunning => "facilities_running",
            CheckItem::FacilitiesRecords => "facilities_records",
            CheckItem::OutletsStandard => "outlets_standard",
            CheckItem::OnlineMonitoring => "online_monitoring",
            CheckItem::DischargeWithinLimits => "discharge_within_limits",
            CheckItem::EiaApproved => "eia_approved",
            CheckItem::EiaAccepted => "eia_accepted",
            CheckItem::ThreeSimultaneities => "three_simultaneities",
            CheckItem::PermitHeld => "permit_held",
            CheckItem::PermitValid => "permit_valid",
            CheckItem::PermitConditions => "permit_conditions",
            CheckItem::HazardousWaste => "hazardous_waste",
            CheckItem::OtherRules => "other_rules",
        }
    }

    pub fn parse(key: &str) -> Option<CheckItem> {
        CheckItem::ALL.iter().copied().find(|i| i.as_str() == key)
    }

    /// The section of the form the item stands in (R-INSP-2): `facilities`, `discharge`, `eia`,
    /// `three_simultaneities`, `permit` or `other`.
    pub fn group(self) -> &'static str {
        match self {
            CheckItem::FacilitiesBuilt
            | CheckItem::FacilitiesRunning
            | CheckItem::FacilitiesRecords => "facilities",
            CheckItem::OutletsStandard
            | CheckItem::OnlineMonitoring
            | CheckItem::DischargeWithinLimits => "discharge",
            CheckItem::EiaApproved | CheckItem::EiaAccepted => "eia",
            CheckItem::ThreeSimultaneities => "three_simultaneities",
            CheckItem::PermitHeld | CheckItem::PermitValid | CheckItem::PermitConditions => {
                "permit"
            }
            CheckItem::HazardousWaste | CheckItem::OtherRules => "other",
        }
    }
}

/// The answer to one check item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 符合.
    Compliant,
    /// 不符合.
    NonCompliant,
    /// 不适用.
    NotApplicable,
}

/// One answered item, with the officers' remark (what they saw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCheck {
    pub item: CheckItem,
    pub verdict: Verdict,
    #[serde(default)]
    pub remark: String,
}

/// The four measures of the Environmental Protection Law's supporting rules (R-INSP-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 按日连续处罚.
    DailyPenalty,
    /// 查封扣押.
    Seizure,
    /// 限产停产.
    ProductionLimit,
    /// 移送行政拘留.
    TransferDetention,
}

impl MeasureKind {
    pub const ALL: &'static [MeasureKind] = &[
        MeasureKind::DailyPenalty,
        MeasureKind::Seizure,
        MeasureKind::ProductionLimit,
        MeasureKind::TransferDetention,
    ];

    /// The stable key (also the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::DailyPenalty => "daily_penalty",
            MeasureKind::Seizure => "seizure",
            MeasureKind::ProductionLimit => "production_limit",
            MeasureKind::TransferDetention => "transfer_detention",
        }
    }

    pub fn parse(key: &str) -> Option<MeasureKind> {
        MeasureKind::ALL.iter().copied().find(|m| m.as_str() == key)
    }
}

/// A measure taken on a finding, with the decision's date and document number (R-INSP-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub kind: MeasureKind,
    pub decided_on: NaiveDate,
    #[serde(default)]
    pub document_no: String,
}

/// A violation found on site and how it is handled (R-INSP-3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Finding {
    /// The check item the violation concerns, if one does.
    pub item: Option<CheckItem>,
    /// What was found (违法行为).
    pub violation: String,
    /// Document number of the order to correct (责令改正决定书).
    pub order_to_correct: Option<String>,
    /// Case number, when a case was filed (立案).
    pub case_filed: Option<String>,
    pub measures: Vec<Measure>,
}

/// An enforcement officer present at the check, who shows the certificate (执法证).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficerPresent {
    pub name: String,
    pub certificate_no: String,
}

/// Monitoring at the same visit and other departments present (R-INSP-5, 联合检查).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JointCheck {
    /// Whether monitoring staff sampled at the visit (监测与执法同步).
    pub monitoring: bool,
    pub samples_taken: u32,
    /// Number of the monitoring report.
    pub report_no: String,
    pub results: String,
    /// Other departments that joined the check.
    pub departments: Vec<String>,
}

/// The on-site form (附表1 污染源现场监察情况表, R-INSP-1). The firm's identity is prefilled from
/// the registry and may be corrected on site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InspectionForm {
    pub firm_name: String,
    pub credit_code: String,
    pub address: String,
    /// 法定代表人.
    pub legal_representative: String,
    pub contact_person: String,
    pub contact_phone: String,
    /// Local time the team arrived at the firm.
    pub arrived_at: Option<NaiveDateTime>,
    pub departed_at: Option<NaiveDateTime>,
    pub officers: Vec<OfficerPresent>,
    /// The firm's person present at the check (现场负责人).
    pub representative: String,
    pub items: Vec<ItemCheck>,
    pub findings: Vec<Finding>,
    pub joint: Option<JointCheck>,
    pub summary: String,
    /// Whether the firm asked for an officer's withdrawal (是否申请回避), asked on site.
    pub withdrawal_requested: bool,
}

/// Why a form cannot be submitted yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemReason {
    MissingFirmName,
    MissingArrival,
    MissingDeparture,
    DepartureBeforeArrival,
    /// R-DRAW-2R: at least `min` officers inspect together.
    TooFewOfficers {
        min: u32,
    },
    MissingOfficerName,
    MissingCertificate,
    DuplicateCertificate,
    MissingRepresentative,
    ItemUnanswered,
    ItemAnsweredTwice,
    NonCompliantWithoutRemark,
    NonCompliantWithoutFinding,
    FindingWithoutViolation,
    MeasureWithoutDocument,
    /// The officer is not on the task's team (as drawn, or as reassigned).
    OfficerNotOnTeam,
    /// The officer has declared a conflict with the firm (after the draw): replaced first.
    OfficerWithdrawn,
    /// The credit code is not that of the task's firm.
    OtherFirmCode,
    /// The time is before the task could be inspected: before its period, and before its draw.
    BeforeTask {
        earliest: NaiveDate,
    },
    /// The time is still to come.
    InFuture,
}

impl ProblemReason {
    /// The translation key of the message (`insp.problem.<reason>`).
    pub fn key(&self) -> &'static str {
        match self {
            ProblemReason::MissingFirmName => "insp.problem.missing_firm_name",
            ProblemReason::MissingArrival => "insp.problem.missing_arrival",
            ProblemReason::MissingDeparture => "insp.problem.missing_departure",
            ProblemReason::DepartureBeforeArrival => "insp.problem.departure_before_arrival",
            ProblemReason::TooFewOfficers { .. } => "insp.problem.too_few_officers",
            ProblemReason::MissingOfficerName => "insp.problem.missing_officer_name",
            ProblemReason::MissingCertificate => "insp.problem.missing_certificate",
            ProblemReason::DuplicateCertificate => "insp.problem.duplicate_certificate",
            ProblemReason::MissingRepresentative => "insp.problem.missing_representative",
            ProblemReason::ItemUnanswered => "insp.problem.item_unanswered",
            ProblemReason::ItemAnsweredTwice => "insp.problem.item_answered_twice",
            ProblemReason::NonCompliantWithoutRemark => "insp.problem.non_compliant_without_remark",
            ProblemReason::NonCompliantWithoutFinding => {
                "insp.problem.non_compliant_without_finding"
            }
            ProblemReason::FindingWithoutViolation => "insp.problem.finding_without_violation",
            ProblemReason::MeasureWithoutDocument => "insp.problem.measure_without_document",
            ProblemReason::OfficerNotOnTeam => "insp.problem.officer_not_on_team",
            ProblemReason::OfficerWithdrawn => "insp.problem.officer_withdrawn",
            ProblemReason::OtherFirmCode => "insp.problem.other_firm_code",
            ProblemReason::BeforeTask { .. } => "insp.problem.before_task",
            ProblemReason::InFuture => "insp.problem.in_future",
        }
    }
}

/// One problem of a form: the field it concerns (`officers`, `officers.1`, `items.permit_held`,
/// `findings.0`, `findings.0.measures.1`, `departed_at`, …) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblem {
    pub field: String,
    pub reason: ProblemReason,
}

impl FormProblem {
    /// Where the field stands on the form: its section, then the row within it.
    fn place(&self) -> (usize, usize) {
        const SECTIONS: [&str; 8] = [
            "firm_name",
            "credit_code",
            "arrived_at",
            "departed_at",
            "officers",
            "representative",
            "items",
            "findings",
        ];
        let mut parts = self.field.split('.');
        let section = parts.next().unwrap_or_default();
        let section = SECTIONS
            .iter()
            .position(|s| *s == section)
            .unwrap_or(SECTIONS.len());
        let row = parts.next().and_then(|r| r.parse().ok()).unwrap_or(0);
        (section, row)
    }

    fn new(field: impl Into<String>, reason: ProblemReason) -> FormProblem {
        FormProblem {
            field: field.into(),
            reason,
        }
    }
}

/// What a form is checked against besides itself when it is submitted: the task it answers.
#[derive(Debug, Clone)]
pub struct TaskFacts<'a> {
    /// The certificate numbers of those who may sign as the task's team: the team as it stood
    /// at the visit (after any reassignment before it).
    pub team: &'a [String],
    /// The certificate numbers of the officers with a conflict declared with the firm before
    /// the visit, still standing.
    pub withdrawn: &'a [String],
    /// The registered credit code of the task's firm.
    pub credit_code: &'a str,
    /// The first day the firm could have been inspected on this task: the first day of the
    /// plan's period, or the day of the draw when that came first.
    pub earliest: NaiveDate,
    /// The latest local time a visit may have started or ended: now, as the latest time zone
    /// sees it (a phone's local time is not known to the server).
    pub latest: NaiveDateTime,
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl InspectionForm {
    /// Whether a violation was found: a finding, or an item that is not complied with
    /// (R-DRAW-SPC-1: such a firm becomes a special supervision source).
    pub fn has_violation(&self) -> bool {
        !self.findings.is_empty()
            || self
                .items
                .iter()
                .any(|c| c.verdict == Verdict::NonCompliant)
    }

    /// Everything that keeps the form from being submitted, in the order of the form; empty when
    /// it may be submitted. `min_officers` is the team size of R-DRAW-2R (2 by default).
    pub fn validate_for_submit(&self, min_officers: u32) -> Vec<FormProblem> {
        let mut problems = Vec::new();
        if blank(&self.firm_name) {
            problems.push(FormProblem::new(
                "firm_name",
                ProblemReason::MissingFirmName,
            ));
        }
        self.check_times(&mut problems);
        self.check_officers(min_officers, &mut problems);
        if blank(&self.representative) {
            problems.push(FormProblem::new(
                "representative",
                ProblemReason::MissingRepresentative,
            ));
        }
        self.check_items(&mut problems);
        self.check_findings(&mut problems);
        problems
    }

    /// Everything that keeps the form from answering its task, in the order of the form: a
    /// credit code other than the firm's, a time before the task or still to come, an officer
    /// not on the team (R-DRAW-1: the inspectors are those drawn; a change goes through a
    /// recorded reassignment first) or one who has declared a conflict with the firm since the
    /// draw (R-DRAW-2R: replaced first). Blank fields are left to [`Self::validate_for_submit`].
    pub fn check_against(&self, task: &TaskFacts) -> Vec<FormProblem> {
        let mut problems = Vec::new();
        let code = self.credit_code.trim();
        if !code.is_empty() && !code.eq_ignore_ascii_case(task.credit_code.trim()) {
            problems.push(FormProblem::new(
                "credit_code",
                ProblemReason::OtherFirmCode,
            ));
        }
        for (field, time) in [
            ("arrived_at", self.arrived_at),
            ("departed_at", self.departed_at),
        ] {
            let Some(time) = time else { continue };
            if time.date() < task.earliest {
                problems.push(FormProblem::new(
                    field,
                    ProblemReason::BeforeTask {
                        earliest: task.earliest,
                    },
                ));
            } else if time > task.latest {
                problems.push(FormProblem::new(field, ProblemReason::InFuture));
            }
        }
        for (i, officer) in self.officers.iter().enumerate() {
            let certificate = officer.certificate_no.trim();
            if certificate.is_empty() {
                continue;
            }
            let reason = if !task.team.iter().any(|t| t == certificate) {
                ProblemReason::OfficerNotOnTeam
            } else if task.withdrawn.iter().any(|t| t == certificate) {
                ProblemReason::OfficerWithdrawn
            } else {
                continue;
            };
            problems.push(FormProblem::new(format!("officers.{i}"), reason));
        }
        problems
    }

    /// [`Self::validate_for_submit`] and [`Self::check_against`] together, in the order of the
    /// form: what keeps the form from being submitted for its task.
    pub fn validate_for_task(&self, min_officers: u32, task: &TaskFacts) -> Vec<FormProblem> {
        let mut problems = self.validate_for_submit(min_officers);
        problems.extend(self.check_against(task));
        problems.sort_by_key(FormProblem::place);
        problems
    }

    fn check_times(&self, problems: &mut Vec<FormProblem>) {
        match (self.arrived_at, self.departed_at) {
            (None, departed) => {
                problems.push(FormProblem::new(
                    "arrived_at",
                    ProblemReason::MissingArrival,
                ));
                if departed.is_none() {
                    problems.push(FormProblem::new(
                        "departed_at",
                        ProblemReason::MissingDeparture,
                    ));
                }
            }
            (Some(_), None) => problems.push(FormProblem::new(
                "departed_at",
                ProblemReason::MissingDeparture,
            )),
            (Some(arrived), Some(departed)) if departed <= arrived => problems.push(
                FormProblem::new("departed_at", ProblemReason::DepartureBeforeArrival),
            ),
            _ => {}
        }
    }

    /// R-DRAW-2R: at least `min_officers` officers, each named with a certificate, none twice.
    fn check_officers(&self, min_officers: u32, problems: &mut Vec<FormProblem>) {
        if self.officers.len() < min_officers as usize {
            problems.push(FormProblem::new(
                "officers",
                ProblemReason::TooFewOfficers { min: min_officers },
            ));
        }
        let mut seen = HashSet::new();
        for (i, officer) in self.officers.iter().enumerate() {
            let field = format!("officers.{i}");
            if blank(&officer.name) {
                problems.push(FormProblem::new(&field, ProblemReason::MissingOfficerName));
            }
            let certificate = officer.certificate_no.trim();
            if certificate.is_empty() {
                problems.push(FormProblem::new(field, ProblemReason::MissingCertificate));
            } else if !seen.insert(certificate) {
                problems.push(FormProblem::new(field, ProblemReason::DuplicateCertificate));
            }
        }
    }

    /// R-INSP-2: every item answered once; a non-compliance is described and has a finding.
    fn check_items(&self, problems: &mut Vec<FormProblem>) {
        for item in CheckItem::ALL {
            let field = format!("items.{}", item.as_str());
            let answers: Vec<&ItemCheck> = self.items.iter().filter(|c| c.item == *item).collect();
            let check = match answers.as_slice() {
                [] => {
                    problems.push(FormProblem::new(field, ProblemReason::ItemUnanswered));
                    continue;
                }
                [one] => *one,
                _ => {
                    problems.push(FormProblem::new(field, ProblemReason::ItemAnsweredTwice));
                    continue;
                }
            };
            if check.verdict != Verdict::NonCompliant {
                continue;
            }
            if blank(&check.remark) {
                problems.push(FormProblem::new(
                    &field,
                    ProblemReason::NonCompliantWithoutRemark,
                ));
            }
            if !self.findings.iter().any(|f| f.item == Some(*item)) {
                problems.push(FormProblem::new(
                    field,
                    ProblemReason::NonCompliantWithoutFinding,
                ));
            }
        }
    }

    /// R-INSP-3: a finding names the violation; a measure names its document.
    fn check_findings(&self, problems: &mut Vec<FormProblem>) {
        for (i, finding) in self.findings.iter().enumerate() {
            if blank(&finding.violation) {
                problems.push(FormProblem::new(
                    format!("findings.{i}"),
                    ProblemReason::FindingWithoutViolation,
                ));
            }
            for (j, measure) in finding.measures.iter().enumerate() {
                if blank(&measure.document_no) {
                    problems.push(FormProblem::new(
                        format!("findings.{i}.measures.{j}"),
                        ProblemReason::MeasureWithoutDocument,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn officer(name: &str, certificate_no: &str) -> OfficerPresent {
        OfficerPresent {
            name: name.into(),
            certificate_no: certificate_no.into(),
        }
    }

    /// A form that may be submitted: everything answered, all compliant.
    fn complete() -> InspectionForm {
        InspectionForm {
            firm_name: "乌鲁木齐某某化工有限公司".into(),
            arrived_at: Some(at("2026-04-10 09:30")),
            departed_at: Some(at("2026-04-10 11:00")),
            officers: vec![officer("王芳", "65010001"), officer("李军", "65010002")],
            representative: "张伟".into(),
            items: CheckItem::ALL
                .iter()
                .map(|item| ItemCheck {
                    item: *item,
                    verdict: Verdict::Compliant,
                    remark: String::new(),
                })
                .collect(),
            ..InspectionForm::default()
        }
    }

    fn reasons(form: &InspectionForm) -> Vec<(String, ProblemReason)> {
        form.validate_for_submit(2)
            .into_iter()
            .map(|p| (p.field, p.reason))
            .collect()
    }

    fn set_verdict(form: &mut InspectionForm, item: CheckItem, verdict: Verdict, remark: &str) {
        let check = form.items.iter_mut().find(|c| c.item == item).unwrap();
        check.verdict = verdict;
        check.remark = remark.into();
    }

    #[test]
    fn a_complete_form_has_no_problem_and_no_violation() {
        let form = complete();
        assert!(form.validate_for_submit(2).is_empty());
        assert!(!form.has_violation());
    }

    #[test]
    fn item_keys_are_stable_unique_and_parse_back() {
        let keys: HashSet<&str> = CheckItem::ALL.iter().map(|i| i.as_str()).collect();
        assert_eq!(keys.len(), 14);
        for item in CheckItem::ALL {
            assert_eq!(CheckItem::parse(item.as_str()), Some(*item));
            assert_eq!(
                serde_json::to_value(item).unwrap(),
                serde_json::json!(item.as_str()),
                "the serde name is the key"
            );
        }
        assert_eq!(CheckItem::parse("nope"), None);
        assert_eq!(CheckItem::PermitValid.group(), "permit");
        for kind in MeasureKind::ALL {
            assert_eq!(MeasureKind::parse(kind.as_str()), Some(*kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
    }

    #[test]
    fn items_of_a_group_stand_together_in_form_order() {
        let groups: Vec<&str> = CheckItem::ALL.iter().map(|i| i.group()).collect();
        let mut distinct = groups.clone();
        distinct.dedup();
        assert_eq!(
            distinct,
            [
                "facilities",
                "discharge",
                "eia",
                "three_simultaneities",
                "permit",
                "other"
            ]
        );
    }

    #[test]
    fn a_partial_draft_deserialises_with_defaults() {
        let form: InspectionForm =
            serde_json::from_str(r#"{"firm_name":"某厂","officers":[{"name":"王芳"}]}"#).unwrap();
        assert_eq!(form.firm_name, "某厂");
        assert_eq!(form.officers[0].certificate_no, "");
        assert!(form.items.is_empty() && form.arrived_at.is_none());
        let back: InspectionForm =
            serde_json::from_str(&serde_json::to_string(&complete()).unwrap()).unwrap();
        assert_eq!(back, complete());
    }

    #[test]
    fn arrival_and_departure_are_required() {
        let mut form = complete();
        form.arrived_at = None;
        form.departed_at = None;
        assert_eq!(
            reasons(&form),
            [
                ("arrived_at".into(), ProblemReason::MissingArrival),
                ("departed_at".into(), ProblemReason::MissingDeparture)
            ]
        );
        form.arrived_at = Some(at("2026-04-10 09:30"));
        assert_eq!(
            reasons(&form),
            [("departed_at".into(), ProblemReason::MissingDeparture)]
        );
    }

    #[test]
    fn departure_must_follow_arrival() {
        let mut form = complete();
        form.departed_at = Some(at("2026-04-10 09:00"));
        assert_eq!(
            reasons(&form),
            [("departed_at".into(), ProblemReason::DepartureBeforeArrival)]
        );
        form.departed_at = form.arrived_at;
        assert_eq!(
            reasons(&form),
            [("departed_at".into(), ProblemReason::DepartureBeforeArrival)]
        );
    }

    #[test]
    fn a_form_answers_its_task_firm_team_and_time() {
        let team = ["65010001".to_string(), "65010002".to_string()];
        let withdrawn = ["65010002".to_string()];
        let task = TaskFacts {
            team: &team,
            withdrawn: &[],
            credit_code: "91650100MA77XXXX0A",
            earliest: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            latest: at("2026-04-20 12:00"),
        };
        let mut form = complete();
        form.credit_code = "91650100ma77xxxx0a ".into();
        assert!(
            form.validate_for_task(2, &task).is_empty(),
            "case and spaces aside"
        );
        form.credit_code.clear();
        assert!(
            form.check_against(&task).is_empty(),
            "a blank code is not another firm's"
        );

        form.credit_code = "91650100MA77YYYY0A".into();
        form.arrived_at = Some(at("2025-04-10 09:30"));
        form.departed_at = Some(at("2026-04-21 11:00"));
        form.officers[1] = officer("赵敏", "65010003");
        form.officers.push(officer("", "65010004"));
        let found: Vec<(String, ProblemReason)> = form
            .validate_for_task(2, &task)
            .into_iter()
            .map(|p| (p.field, p.reason))
            .collect();
        let earliest = task.earliest;
        assert_eq!(
            found,
            [
                ("credit_code".into(), ProblemReason::OtherFirmCode),
                ("arrived_at".into(), ProblemReason::BeforeTask { earliest }),
                ("departed_at".into(), ProblemReason::InFuture),
                ("officers.1".into(), ProblemReason::OfficerNotOnTeam),
                ("officers.2".into(), ProblemReason::MissingOfficerName),
                ("officers.2".into(), ProblemReason::OfficerNotOnTeam),
            ],
            "in the order of the form"
        );

        // A member of the team who has declared a conflict with the firm since the draw.
        let mut form = complete();
        let task = TaskFacts {
            withdrawn: &withdrawn,
            ..task
        };
        assert_eq!(
            form.check_against(&task),
            [FormProblem::new(
                "officers.1",
                ProblemReason::OfficerWithdrawn
            )]
        );
        form.officers[1] = officer("赵敏", "65010003");
        assert_eq!(
            form.check_against(&task),
            [FormProblem::new(
                "officers.1",
                ProblemReason::OfficerNotOnTeam
            )]
        );
    }

    #[test]
    fn at_least_the_team_size_of_officers_inspect() {
        let mut form = complete();
        form.officers.truncate(1);
        assert_eq!(
            reasons(&form),
            [("officers".into(), ProblemReason::TooFewOfficers { min: 2 })]
        );
        assert!(form.validate_for_submit(1).is_empty(), "configurable");
        assert_eq!(
            ProblemReason::TooFewOfficers { min: 2 }.key(),
            "insp.problem.too_few_officers"
        );
    }

    #[test]
    fn every_officer_has_a_name_and_a_certificate_shown_once() {
        let mut form = complete();
        form.officers.push(officer("", "65010003"));
        form.officers.push(officer("赵敏", " "));
        form.officers.push(officer("王芳", "65010001"));
        assert_eq!(
            reasons(&form),
            [
                ("officers.2".into(), ProblemReason::MissingOfficerName),
                ("officers.3".into(), ProblemReason::MissingCertificate),
                ("officers.4".into(), ProblemReason::DuplicateCertificate),
            ]
        );
    }

    #[test]
    fn the_firms_representative_is_named() {
        let mut form = complete();
        form.representative = "  ".into();
        assert_eq!(
            reasons(&form),
            [(
                "representative".into(),
                ProblemReason::MissingRepresentative
            )]
        );
    }

    #[test]
    fn the_firm_is_named() {
        let mut form = complete();
        form.firm_name.clear();
        assert_eq!(
            reasons(&form),
            [("firm_name".into(), ProblemReason::MissingFirmName)]
        );
    }

    #[test]
    fn every_item_is_answered_exactly_once() {
        let mut form = complete();
        form.items.retain(|c| c.item != CheckItem::PermitHeld);
        let twice = form.items[0].clone();
        form.items.push(twice);
        assert_eq!(
            reasons(&form),
            [
                (
                    "items.facilities_built".into(),
                    ProblemReason::ItemAnsweredTwice
                ),
                ("items.permit_held".into(), ProblemReason::ItemUnanswered),
            ]
        );
    }

    #[test]
    fn not_applicable_is_an_answer() {
        let mut form = complete();
        set_verdict(
            &mut form,
            CheckItem::HazardousWaste,
            Verdict::NotApplicable,
            "",
        );
        assert!(form.validate_for_submit(2).is_empty());
    }

    #[test]
    fn a_non_compliant_item_needs_a_remark_and_a_finding() {
        let mut form = complete();
        set_verdict(&mut form, CheckItem::PermitValid, Verdict::NonCompliant, "");
        assert_eq!(
            reasons(&form),
            [
                (
                    "items.permit_valid".into(),
                    ProblemReason::NonCompliantWithoutRemark
                ),
                (
                    "items.permit_valid".into(),
                    ProblemReason::NonCompliantWithoutFinding
                ),
            ]
        );
        assert!(form.has_violation());
        set_verdict(
            &mut form,
            CheckItem::PermitValid,
            Verdict::NonCompliant,
            "许可证已过期",
        );
        form.findings.push(Finding {
            item: Some(CheckItem::PermitHeld),
            violation: "无证排污".into(),
            ..Finding::default()
        });
        assert_eq!(
            reasons(&form),
            [(
                "items.permit_valid".into(),
                ProblemReason::NonCompliantWithoutFinding
            )],
            "a finding about another item does not count"
        );
        form.findings[0].item = Some(CheckItem::PermitValid);
        assert!(form.validate_for_submit(2).is_empty());
    }

    #[test]
    fn a_finding_names_the_violation_and_a_measure_its_document() {
        let mut form = complete();
        form.findings.push(Finding {
            violation: " ".into(),
            measures: vec![Measure {
                kind: MeasureKind::Seizure,
                decided_on: NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
                document_no: String::new(),
            }],
            ..Finding::default()
        });
        assert_eq!(
            reasons(&form),
            [
                ("findings.0".into(), ProblemReason::FindingWithoutViolation),
                (
                    "findings.0.measures.0".into(),
                    ProblemReason::MeasureWithoutDocument
                ),
            ]
        );
        assert!(form.has_violation(), "a finding is a violation");
    }

    #[test]
    fn every_reason_has_its_own_translation_key() {
        let all = [
            ProblemReason::MissingFirmName,
            ProblemReason::MissingArrival,
            ProblemReason::MissingDeparture,
            ProblemReason::DepartureBeforeArrival,
            ProblemReason::TooFewOfficers { min: 2 },
            ProblemReason::MissingOfficerName,
            ProblemReason::MissingCertificate,
            ProblemReason::DuplicateCertificate,
            ProblemReason::MissingRepresentative,
            ProblemReason::ItemUnanswered,
            ProblemReason::ItemAnsweredTwice,
            ProblemReason::NonCompliantWithoutRemark,
            ProblemReason::NonCompliantWithoutFinding,
            ProblemReason::FindingWithoutViolation,
            ProblemReason::MeasureWithoutDocument,
            ProblemReason::OfficerNotOnTeam,
            ProblemReason::OfficerWithdrawn,
            ProblemReason::OtherFirmCode,
            ProblemReason::BeforeTask {
                earliest: NaiveDate::MIN,
            },
            ProblemReason::InFuture,
        ];
        let keys: HashSet<&str> = all.iter().map(|r| r.key()).collect();
        assert_eq!(keys.len(), all.len());
        assert!(keys.iter().all(|k| k.starts_with("insp.problem.")));
    }
}
