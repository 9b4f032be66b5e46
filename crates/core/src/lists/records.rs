//! The typed records of the six lists, and how they are written back to a row.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::headers::fold_full_width;
use super::ListKind;
use crate::credit_code::CreditCode;
use crate::demo::{
    DemoComplaint, DemoFirm, DemoKeyProblem, DemoOfficer, DemoPenaltyCase, DemoProject,
};
use crate::division::DivisionCode;
use crate::industry::IndustryCode;
use crate::period::{Quarter, Year};
use crate::rules::EnforcementMeasure;

/// Whether a firm still operates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirmStatus {
    /// In operation (在产).
    Active,
    /// Closed down (关停).
    Closed,
}

impl FirmStatus {
    pub const ALL: [FirmStatus; 2] = [FirmStatus::Active, FirmStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            FirmStatus::Active => "active",
            FirmStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<FirmStatus> {
        FirmStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The word the template writes.
    pub fn name_zh(self) -> &'static str {
        match self {
            FirmStatus::Active => "在产",
            FirmStatus::Closed => "关闭",
        }
    }
}

/// The level of the authority that approved a project's environmental impact assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovingLevel {
    /// Ministry of Ecology and Environment (国家).
    National,
    /// Autonomous region (自治区), or a province elsewhere.
    Region,
    /// City (市级).
    City,
    /// District or county (区县级).
    District,
}

impl ApprovingLevel {
    pub const ALL: [ApprovingLevel; 4] = [
        ApprovingLevel::National,
        ApprovingLevel::Region,
        ApprovingLevel::City,
        ApprovingLevel::District,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovingLevel::National => "national",
            ApprovingLevel::Region => "region",
            ApprovingLevel::City => "city",
            ApprovingLevel::District => "district",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovingLevel> {
        ApprovingLevel::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The word the template writes.
    pub fn name_zh(self) -> &'static str {
        match self {
            ApprovingLevel::National => "国家",
            ApprovingLevel::Region => "自治区",
            ApprovingLevel::City => "市",
            ApprovingLevel::District => "区县",
        }
    }
}

/// The form of an environmental impact assessment (环境影响评价文件).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EiaForm {
    /// Report (环境影响报告书), for projects with significant impact.
    Report,
    /// Table (环境影响报告表).
    Table,
    /// Registration form (环境影响登记表), filed rather than approved.
    Registration,
}

impl EiaForm {
    pub const ALL: [EiaForm; 3] = [EiaForm::Report, EiaForm::Table, EiaForm::Registration];

    pub fn as_str(self) -> &'static str {
        match self {
            EiaForm::Report => "report",
            EiaForm::Table => "table",
            EiaForm::Registration => "registration",
        }
    }

    pub fn parse(s: &str) -> Option<EiaForm> {
        EiaForm::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The word the template writes.
    pub fn name_zh(self) -> &'static str {
        match self {
            EiaForm::Report => "报告书",
            EiaForm::Table => "报告表",
            EiaForm::Registration => "登记表",
        }
    }
}

/// Supervision category (监管类别) of a pollution source: on the year's key discharge unit
/// directory, or a general unit (R-LIST-2, R-LIST-12). Special supervision sources are not a
/// category of the list; they follow from the penalty, complaint and problem lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "category", rename_all = "snake_case")]
pub enum UnitCategory {
    /// Key discharge unit (重点排污单位) on the directory of `directory_year`.
    Key { directory_year: Year },
    /// General discharge unit (一般排污单位).
    General,
}

impl UnitCategory {
    /// The word the template writes.
    pub fn name_zh(self) -> &'static str {
        match self {
            UnitCategory::Key { .. } => "重点",
            UnitCategory::General => "一般",
        }
    }

    pub fn is_key(self) -> bool {
        matches!(self, UnitCategory::Key { .. })
    }
}

/// An enforcement officer (执法人员) of the staff list, R-LIST-1 and R-LIST-7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerRecord {
    pub name: String,
    /// Enforcement certificate number (执法证号); identifies the officer.
    pub certificate_no: String,
    /// Last day the certificate is valid.
    pub certified_until: NaiveDate,
    /// On duty (在岗); only officers on duty are drawn.
    pub on_duty: bool,
    /// Code of the agency the officer serves in.
    pub agency: String,
}

/// A pollution source (污染源) of the source list, R-LIST-2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmRecord {
    pub credit_code: CreditCode,
    pub name: String,
    pub address: String,
    /// The district or county the source lies in; decides jurisdiction (属地管理).
    pub division: DivisionCode,
    pub industry: IndustryCode,
    pub category: UnitCategory,
    /// Longitude in degrees east; given together with `lat` or not at all.
    pub lon: Option<f64>,
    /// Latitude in degrees north.
    pub lat: Option<f64>,
    pub status: FirmStatus,
}

/// A construction project (建设项目) approved last year, R-LIST-3 and R-LIST-10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub name: String,
    /// The developer's name (建设单位), when the list gives it.
    pub developer: Option<String>,
    /// The developer's credit code, when the list gives it; links the project to a source.
    pub credit_code: Option<CreditCode>,
    pub approving_level: ApprovingLevel,
    /// Approval document number (审批文号), or the filing number of a registration form.
    pub approval_no: String,
    pub approved_on: NaiveDate,
    pub eia_form: EiaForm,
}

/// An administrative penalty case (行政处罚案件), R-LIST-4 and R-LIST-9.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyRecord {
    pub credit_code: CreditCode,
    /// Decision document number (处罚决定书文号).
    pub decision_no: String,
    pub decided_on: NaiveDate,
    pub violation: String,
    /// The measures of R-INSP-3 applied, without repeats, in the order of
    /// [`EnforcementMeasure::ALL`].
    pub measures: Vec<EnforcementMeasure>,
}

/// A prominent complaint (突出信访问题), R-LIST-5 and R-LIST-8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintRecord {
    pub credit_code: CreditCode,
    pub quarter: Quarter,
    /// How often it was received in the quarter, at least 1.
    pub times_received: u32,
    pub summary: String,
}

/// Another key environmental problem (其他重点环境问题), R-LIST-6 and R-LIST-11.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRecord {
    pub credit_code: CreditCode,
    pub quarter: Quarter,
    pub summary: String,
    /// The section or brigade that reported it (报送科室).
    pub reported_by: Option<String>,
}

/// A record of any of the six lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum Record {
    Officer(OfficerRecord),
    Firm(FirmRecord),
    Project(ProjectRecord),
    Penalty(PenaltyRecord),
    Complaint(ComplaintRecord),
    Problem(ProblemRecord),
}

impl Record {
    /// The list the record belongs to.
    pub fn kind(&self) -> ListKind {
        match self {
            Record::Officer(_) => ListKind::Officers,
            Record::Firm(_) => ListKind::Firms,
            Record::Project(_) => ListKind::Projects,
            Record::Penalty(_) => ListKind::Penalties,
            Record::Complaint(_) => ListKind::Complaints,
            Record::Problem(_) => ListKind::Problems,
        }
    }

    /// What identifies the record within its list ([`ListKind::key_columns`]): a firm's credit
    /// code, an officer's certificate number, a project's approval number, a penalty's decision
    /// number; a complaint or problem is its firm, quarter and summary. Document numbers are
    /// compared in a normal form (no spaces, half width, upper case, one kind of bracket),
    /// since `乌环罚〔2026〕3号` and `乌环罚[2026] 3号` are the same decision. Used to find
    /// repeats in a file and to match existing rows on re-import.
    pub fn natural_key(&self) -> String {
        match self {
            Record::Officer(o) => document_key(&o.certificate_no),
            Record::Firm(f) => f.credit_code.to_string(),
            Record::Project(p) => document_key(&p.approval_no),
            Record::Penalty(p) => document_key(&p.decision_no),
            Record::Complaint(c) => {
                format!("{}|{}|{}", c.credit_code, c.quarter, text_key(&c.summary))
            }
            Record::Problem(p) => {
                format!("{}|{}|{}", p.credit_code, p.quarter, text_key(&p.summary))
            }
        }
    }

    /// The record as a row in the template's column order ([`ListKind::columns`]), with the
    /// template's words (`重点`, `报告表`, dates as `2026-03-05`); an absent optional value is an
    /// empty cell. Parsing the row with [`super::HeaderMap::template`] gives the record back.
    pub fn to_cells(&self) -> Vec<String> {
        fn opt(value: Option<impl ToString>) -> String {
            value.map(|v| v.to_string()).unwrap_or_default()
        }
        match self {
            Record::Officer(o) => vec![
                o.name.clone(),
                o.certificate_no.clone(),
                o.certified_until.to_string(),
                if o.on_duty { "是" } else { "否" }.to_owned(),
                o.agency.clone(),
            ],
            Record::Firm(f) => {
                let year = match f.category {
                    UnitCategory::Key { directory_year } => directory_year.to_string(),
                    UnitCategory::General => String::new(),
                };
                vec![
                    f.credit_code.to_string(),
                    f.name.clone(),
                    f.division.to_string(),
                    f.address.clone(),
                    f.industry.to_string(),
                    f.category.name_zh().to_owned(),
                    year,
                    opt(f.lon),
                    opt(f.lat),
                    f.status.name_zh().to_owned(),
                ]
            }
            Record::Project(p) => vec![
                p.name.clone(),
                opt(p.developer.as_ref()),
                opt(p.credit_code.as_ref()),
                p.approving_level.name_zh().to_owned(),
                p.approval_no.clone(),
                p.approved_on.to_string(),
                p.eia_form.name_zh().to_owned(),
            ],
            Record::Penalty(p) => vec![
                p.credit_code.to_string(),
                p.decision_no.clone(),
                p.decided_on.to_string(),
                p.violation.clone(),
                p.measures
                    .iter()
                    .map(|m| m.name_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
            ],
            Record::Complaint(c) => vec![
                c.credit_code.to_string(),
                c.quarter.to_string(),
                c.times_received.to_string(),
                c.summary.clone(),
            ],
            Record::Problem(p) => vec![
                p.credit_code.to_string(),
                p.quarter.to_string(),
                p.summary.clone(),
                opt(p.reported_by.as_ref()),
            ],
        }
    }
}

/// The normal form of a document or certificate number for comparison.
fn document_key(text: &str) -> String {
    text.chars()
        .map(fold_full_width)
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' | '[' | '【' | '〖' | '［' => '〔',
            ')' | ']' | '】' | '〗' | '］' => '〕',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// The normal form of a free text for comparison: runs of whitespace become one space.
fn text_key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl FirmRecord {
    /// The record of a demo firm; a key unit is on the directory of `directory_year`.
    pub fn from_demo(firm: &DemoFirm, directory_year: Year) -> FirmRecord {
        FirmRecord {
            credit_code: firm.credit_code.clone(),
            name: firm.name.clone(),
            address: firm.address.clone(),
            division: firm.division,
            industry: firm.industry,
            category: if firm.key_unit {
                UnitCategory::Key { directory_year }
            } else {
                UnitCategory::General
            },
            lon: Some(firm.lon),
            lat: Some(firm.lat),
            status: firm.status,
        }
    }
}

impl OfficerRecord {
    /// The record of a demo officer; the agency code is the officer's division code, which is
    /// how the agency tree codes jurisdictions.
    pub fn from_demo(officer: &DemoOfficer) -> OfficerRecord {
        OfficerRecord {
            name: officer.name.clone(),
            certificate_no: officer.certificate_no.clone(),
            certified_until: officer.certified_until,
            on_duty: officer.on_duty,
            agency: officer.agency.to_string(),
        }
    }
}

impl ProjectRecord {
    /// The record of a demo project of `developer` (the firm at `project.firm_index`).
    pub fn from_demo(project: &DemoProject, developer: &DemoFirm) -> ProjectRecord {
        ProjectRecord {
            name: project.name.clone(),
            developer: Some(developer.name.clone()),
            credit_code: Some(developer.credit_code.clone()),
            approving_level: project.approving_level,
            approval_no: project.approval_no.clone(),
            approved_on: project.approved_on,
            eia_form: project.eia_form,
        }
    }
}

impl PenaltyRecord {
    /// The record of a demo case against `firm` (the firm at `case.firm_index`).
    pub fn from_demo(case: &DemoPenaltyCase, firm: &DemoFirm) -> PenaltyRecord {
        let mut measures = case.measures.clone();
        measures.sort_unstable();
        measures.dedup();
        PenaltyRecord {
            credit_code: firm.credit_code.clone(),
            decision_no: case.decision_no.clone(),
            decided_on: case.decided_on,
            violation: case.violation.clone(),
            measures,
        }
    }
}

impl ComplaintRecord {
    /// The record of a demo complaint about `firm` (the firm at `complaint.firm_index`).
    pub fn from_demo(complaint: &DemoComplaint, firm: &DemoFirm) -> ComplaintRecord {
        ComplaintRecord {
            credit_code: firm.credit_code.clone(),
            quarter: complaint.quarter,
            times_received: complaint.times_received,
            summary: complaint.summary.clone(),
        }
    }
}

impl ProblemRecord {
    /// The record of a demo problem at `firm` (the firm at `problem.firm_index`).
    pub fn from_demo(problem: &DemoKeyProblem, firm: &DemoFirm) -> ProblemRecord {
        ProblemRecord {
            credit_code: firm.credit_code.clone(),
            quarter: problem.quarter,
            summary: problem.summary.clone(),
            reported_by: Some(problem.reported_by.clone()),
        }
    }
}
