//! The on-site form (附表1 污染源现场监察情况表, R-INSP-1 to R-INSP-5) on a phone: filled in by the
//! task's team, kept as a draft while it is typed (in the browser too, so that a lost connection
//! loses nothing), submitted once, reviewed by the branch, printed on A4; and its evidence.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use chrono::{NaiveDate, NaiveDateTime};
use spotcheck_core::inspection::{
    CheckItem, Finding, InspectionForm, ItemCheck, JointCheck, Measure, MeasureKind,
    OfficerPresent, ProblemReason, Verdict,
};
use spotcheck_core::role::Permission;
use spotcheck_store::inspections::{
    self, EvidenceLimits, FoundFile, InspRefusal, Inspection, NewEvidence,
};
use spotcheck_store::tasks::{self, TaskRow};

use super::{render, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// Rows of officers the form offers (more officers: a second visit).
const OFFICER_ROWS: usize = 4;
/// Rows of findings a blank form offers; a form with more non-compliant items offers a row for
/// each, up to one per check item and a general one.
const FINDING_ROWS: usize = 3;
const MAX_FINDING_ROWS: usize = CheckItem::ALL.len() + 1;
/// `datetime-local` inputs send minutes; seconds are accepted too.
const DATETIME_FORMATS: [&str; 2] = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"];

fn verdict_key(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Compliant => "compliant",
        Verdict::NonCompliant => "non_compliant",
        Verdict::NotApplicable => "not_applicable",
    }
}

/// Who the caller is to a task: a member of its team (may fill in the form), a reviewer of the
/// jurisdiction, or someone of the jurisdiction who may only read it.
struct Access {
    task: TaskRow,
    on_team: bool,
    reviewer: bool,
}

async fn access(state: &AppState, user: &CurrentUser, task_id: i64) -> Result<Access, AppError> {
    let task = tasks::get(&state.db, user.scope_path(), task_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap_or_default();
    let own = tasks::officer_of_account(&state.db, user.account.id).await?;
    let on_team = own.is_some_and(|c| team.contains(&c));
    let reviewer = user.role.may(Permission::ReviewInspections);
    if !on_team && !reviewer && !user.role.may(Permission::RunDraws) {
        return Err(AppError::Forbidden);
    }
    Ok(Access {
        task,
        on_team,
        reviewer,
    })
}

// ---------------------------------------------------------------------------------------------
// The form as the page shows it.

struct ItemView {
    key: &'static str,
    label_key: String,
    verdict: &'static str,
    /// The translation key of the verdict (`insp.compliant`), empty when unanswered.
    verdict_label: String,
    remark: String,
}

struct GroupView {
    key: String,
    items: Vec<ItemView>,
}

struct MeasureView {
    kind: String,
    label_key: String,
    on: String,
    doc: String,
}

struct FindingView {
    item: String,
    violation: String,
    order: String,
    case: String,
    measures: Vec<MeasureView>,
}

struct FormView {
    form: InspectionForm,
    arrived_at: String,
    departed_at: String,
    officers: Vec<(String, String)>,
    groups: Vec<GroupView>,
    findings: Vec<FindingView>,
    /// Who signs the paper form by hand: the officers named on it, with blank lines up to a
    /// team (R-DRAW-2R).
    signers: Vec<String>,
    joint_monitoring: bool,
    joint_samples: String,
    joint_report_no: String,
    joint_results: String,
    joint_departments: String,
}

fn datetime_text(at: Option<NaiveDateTime>) -> String {
    at.map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

impl FormView {
    fn new(form: InspectionForm, team_size: u32) -> FormView {
        let mut officers: Vec<(String, String)> = form
            .officers
            .iter()
            .map(|o| (o.name.clone(), o.certificate_no.clone()))
            .collect();
        officers.resize(OFFICER_ROWS.max(officers.len()), Default::default());
        let mut groups: Vec<GroupView> = Vec::new();
        for item in CheckItem::ALL {
            let check = form.items.iter().find(|c| c.item == *item);
            let verdict = check.map(|c| verdict_key(c.verdict)).unwrap_or("");
            let view = ItemView {
                key: item.as_str(),
                label_key: format!("insp.item.{}", item.as_str()),
                verdict,
                verdict_label: if verdict.is_empty() {
                    String::new()
                } else {
                    format!("insp.{verdict}")
                },
                remark: check.map(|c| c.remark.clone()).unwrap_or_default(),
            };
            let group = format!("insp.group.{}", item.group());
            match groups.last_mut() {
                Some(g) if g.key == group => g.items.push(view),
                _ => groups.push(GroupView {
                    key: group,
                    items: vec![view],
                }),
            }
        }
        let mut findings: Vec<FindingView> = form
            .findings
            .iter()
            .map(|f| FindingView {
                item: f.item.map(|i| i.as_str().to_string()).unwrap_or_default(),
                violation: f.violation.clone(),
                order: f.order_to_correct.clone().unwrap_or_default(),
                case: f.case_filed.clone().unwrap_or_default(),
                measures: measure_views(&f.measures),
            })
            .collect();
        // R-INSP-2: every non-compliant item needs a finding; a row for each still without one,
        // and one more.
        let undescribed = form
            .items
            .iter()
            .filter(|c| {
                c.verdict == Verdict::NonCompliant
                    && !form.findings.iter().any(|f| f.item == Some(c.item))
            })
            .count();
        let rows = (findings.len() + undescribed.max(1)).clamp(FINDING_ROWS, MAX_FINDING_ROWS);
        while findings.len() < rows {
            findings.push(FindingView {
                item: String::new(),
                violation: String::new(),
                order: String::new(),
                case: String::new(),
                measures: measure_views(&[]),
            });
        }
        let joint = form.joint.clone();
        let mut signers: Vec<String> = form
            .officers
            .iter()
            .map(|o| o.name.clone())
            .filter(|n| !n.trim().is_empty())
            .collect();
        // A line for each officer named, and blank ones up to a team.
        signers.resize(signers.len().max(team_size as usize), String::new());
        FormView {
            signers,
            arrived_at: datetime_text(form.arrived_at),
            departed_at: datetime_text(form.departed_at),
            officers,
            groups,
            findings,
            joint_monitoring: joint.as_ref().is_some_and(|j| j.monitoring),
            joint_samples: joint
                .as_ref()
                .filter(|j| j.samples_taken > 0)
                .map(|j| j.samples_taken.to_string())
                .unwrap_or_default(),
            joint_report_no: joint
                .as_ref()
                .map(|j| j.report_no.clone())
                .unwrap_or_default(),
            joint_results: joint
                .as_ref()
                .map(|j| j.results.clone())
                .unwrap_or_default(),
            joint_departments: joint.map(|j| j.departments.join("、")).unwrap_or_default(),
            form,
        }
    }
}

fn measure_views(measures: &[Measure]) -> Vec<MeasureView> {
    MeasureKind::ALL
        .iter()
        .map(|kind| {
            let m = measures.iter().find(|m| m.kind == *kind);
            let key = kind.as_str();
            MeasureView {
                label_key: format!("insp.measure.{key}"),
                kind: key.to_string(),
                on: m.map(|m| m.decided_on.to_string()).unwrap_or_default(),
                doc: m.map(|m| m.document_no.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The form as the browser sends it.

/// Reads the posted fields into a form. Unknown fields are ignored; a malformed date or time is
/// left out (and the submission check then names it as missing).
fn form_from_fields(fields: &[(String, String)]) -> InspectionForm {
    let get = |name: &str| -> String {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let datetime = |name: &str| {
        let text = get(name);
        DATETIME_FORMATS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
    };
    let optional = |text: String| (!text.is_empty()).then_some(text);
    let officers = (0..OFFICER_ROWS.max(8))
        .map(|i| OfficerPresent {
            name: get(&format!("officer_name_{i}")),
            certificate_no: get(&format!("officer_cert_{i}")),
        })
        .filter(|o| !o.name.is_empty() || !o.certificate_no.is_empty())
        .collect();
    let items = CheckItem::ALL
        .iter()
        .filter_map(|item| {
            let verdict = match get(&format!("verdict_{}", item.as_str())).as_str() {
                "compliant" => Verdict::Compliant,
                "non_compliant" => Verdict::NonCompliant,
                "not_applicable" => Verdict::NotApplicable,
                _ => return None,
            };
            Some(ItemCheck {
                item: *item,
                verdict,
                remark: get(&format!("remark_{}", item.as_str())),
            })
        })
        .collect();
    let findings = (0..MAX_FINDING_ROWS)
        .filter_map(|n| {
            let measures: Vec<Measure> = MeasureKind::ALL
                .iter()
                .filter_map(|kind| {
                    let key = kind.as_str();
                    let on = get(&format!("finding_{n}_{key}_on"));
                    let decided_on = NaiveDate::parse_from_str(&on, "%Y-%m-%d").ok()?;
                    Some(Measure {
                        kind: *kind,
                        decided_on,
                        document_no: get(&format!("finding_{n}_{key}_doc")),
                    })
                })
                .collect();
            let finding = Finding {
                item: CheckItem::parse(&get(&format!("finding_{n}_item"))),
                violation: get(&format!("finding_{n}_violation")),
                order_to_correct: optional(get(&format!("finding_{n}_order"))),
                case_filed: optional(get(&format!("finding_{n}_case"))),
                measures,
            };
            let empty = finding.item.is_none()
                && finding.violation.is_empty()
                && finding.order_to_correct.is_none()
                && finding.case_filed.is_none()
                && finding.measures.is_empty();
            (!empty).then_some(finding)
        })
        .collect();
    let departments: Vec<String> = get("joint_departments")
        .split([',', '，', '、', ';', '；'])
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect();
    let joint = JointCheck {
        monitoring: !get("joint_monitoring").is_empty(),
        samples_taken: get("joint_samples").parse().unwrap_or(0),
        report_no: get("joint_report_no"),
        results: get("joint_results"),
        departments,
    };
    let joint_used = joint.monitoring
        || joint.samples_taken > 0
        || !joint.report_no.is_empty()
        || !joint.results.is_empty()
        || !joint.departments.is_empty();
    InspectionForm {
        firm_name: get("firm_name"),
        credit_code: get("credit_code").to_uppercase(),
        address: get("address"),
        legal_representative: get("legal_representative"),
        contact_person: get("contact_person"),
        contact_phone: get("contact_phone"),
        arrived_at: datetime("arrived_at"),
        departed_at: datetime("departed_at"),
        officers,
        representative: get("representative"),
        items,
        findings,
        joint: joint_used.then_some(joint),
        summary: get("summary"),
        withdrawal_requested: !get("withdrawal_requested").is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// Pages.

struct EvidenceView {
    id: i64,
    file_name: String,
    kind_key: String,
    signer: Option<String>,
    size_kb: u64,
    sha256: String,
    has_thumbnail: bool,
    taken_at: Option<String>,
    position: Option<String>,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct InspectionPage {
    ctx: PageCtx,
    /// The replacements on the team since the form was last saved, as a notice.
    team_changed: Option<String>,
    task_id: i64,
    inspection_id: Option<i64>,
    version: i64,
    status_key: String,
    v: FormView,
    editable: bool,
    can_attach: bool,
    can_review: bool,
    can_correct: bool,
    submission_key: String,
    saved_at: String,
    problems: Vec<String>,
    /// Whether the problems are the form's own, to complete or correct before it can be sent
    /// (else the step was refused for the form's state: sent already, not yet submitted, …).
    fixable: bool,
    message: Option<String>,
    review_comment: Option<String>,
    evidence: Vec<EvidenceView>,
    verdicts: [(&'static str, &'static str); 3],
    item_options: Vec<(&'static str, String)>,
}

/// Why a step on the form page was refused, as the page lists it.
#[derive(Default)]
struct Refused {
    problems: Vec<String>,
    /// The form's own problems, to mend before it can be sent ([`InspRefusal::Invalid`]).
    fixable: bool,
}

impl Refused {
    fn of(lang: Lang, refusal: &InspRefusal) -> Self {
        Refused {
            problems: refusal_messages(lang, refusal),
            fixable: matches!(refusal, InspRefusal::Invalid(_)),
        }
    }
}

/// Renders the form page. `typed` is what the user just sent (shown again when refused).
async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    task_id: i64,
    typed: Option<InspectionForm>,
    refused: Refused,
    message: Option<String>,
) -> Result<Response, AppError> {
    let Refused { problems, fixable } = refused;
    let a = access(state, user, task_id).await?;
    let current: Option<Inspection> = inspections::current(&state.db, task_id).await?;
    let status = current
        .as_ref()
        .map(|i| i.status.clone())
        .unwrap_or_else(|| "new".to_string());
    let open = matches!(status.as_str(), "new" | "draft" | "returned");
    let editable = a.on_team && open && a.task.status != "cancelled";
    let form = match (typed, &current) {
        (Some(f), _) => f,
        (None, Some(i)) => i.form()?,
        (None, None) => inspections::prefill(&state.db, task_id).await?,
    };
    let evidence = match &current {
        Some(i) => inspections::evidence_of(&state.db, i.id)
            .await?
            .into_iter()
            .map(|e| EvidenceView {
                id: e.id,
                kind_key: format!("insp.kind_{}", e.kind),
                signer: e.signer,
                size_kb: (e.size as u64).div_ceil(1024),
                has_thumbnail: e.has_thumbnail,
                taken_at: e.taken_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                position: e
                    .lat
                    .zip(e.lon)
                    .map(|(lat, lon)| format!("{lat:.5}, {lon:.5}")),
                file_name: e.file_name,
                sha256: e.sha256,
            })
            .collect(),
        None => Vec::new(),
    };
    // A form saved before the team changed still names the officer replaced: say so, and let
    // the team correct it (the visit may have been made before the change).
    let team_changed = match current.as_ref().filter(|_| editable) {
        Some(saved) => {
            let changes: Vec<_> = tasks::reassignments(&state.db, task_id)
                .await?
                .into_iter()
                .filter(|r| r.reassigned_at > saved.updated_at)
                .collect();
            let certificates: Vec<String> = changes
                .iter()
                .flat_map(|r| [r.officer_out.clone(), r.officer_in.clone()])
                .collect();
            let names = tasks::officer_names(&state.db, &certificates).await?;
            let name = |c: &str| {
                names
                    .iter()
                    .find(|(n, _)| n == c)
                    .map_or(c.to_string(), |(_, name)| format!("{name} {c}"))
            };
            let t = Tr::new(lang);
            (!changes.is_empty()).then(|| {
                let lines = changes
                    .iter()
                    .map(|r| format!("{} → {}", name(&r.officer_out), name(&r.officer_in)));
                t.fmt("insp.team_changed", &[("changes", &t.list(lines))])
            })
        }
        None => None,
    };
    let refused = !problems.is_empty();
    super::render_refused(
        &InspectionPage {
            team_changed,
            ctx: PageCtx::new(lang, Some(user), &format!("/tasks/{task_id}/inspection")),
            task_id,
            inspection_id: current.as_ref().map(|i| i.id),
            version: current.as_ref().map(|i| i.version).unwrap_or(1),
            status_key: format!("insp.status_{status}"),
            editable,
            can_attach: a.on_team && (open || status == "submitted"),
            can_review: a.reviewer && status == "submitted",
            can_correct: a.on_team && status == "accepted",
            submission_key: spotcheck_store::random_token(),
            saved_at: current
                .as_ref()
                .map(|i| i.updated_at.timestamp_millis().to_string())
                .unwrap_or_default(),
            review_comment: current
                .as_ref()
                .filter(|i| i.status == "returned")
                .and_then(|i| i.review_comment.clone()),
            v: FormView::new(form, state.config.rules.team_size),
            problems,
            fixable,
            message,
            evidence,
            verdicts: [
                ("compliant", "insp.compliant"),
                ("non_compliant", "insp.non_compliant"),
                ("not_applicable", "insp.not_applicable"),
            ],
            item_options: CheckItem::ALL
                .iter()
                .map(|i| (i.as_str(), format!("insp.item.{}", i.as_str())))
                .collect(),
        },
        refused,
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(task_id): Path<i64>,
) -> Result<Response, AppError> {
    form_page(&state, &user, lang, task_id, None, Refused::default(), None).await
}

/// The messages of a refusal, in the user's language.
fn refusal_messages(lang: Lang, refusal: &InspRefusal) -> Vec<String> {
    let t = Tr::new(lang);
    match refusal {
        InspRefusal::Invalid(problems) => problems
            .iter()
            .map(|p| {
                let field = field_label(&t, &p.field);
                let reason = match p.reason {
                    ProblemReason::TooFewOfficers { min } => {
                        t.fmt(p.reason.key(), &[("min", &min.to_string())])
                    }
                    ProblemReason::BeforeTask { earliest } => {
                        t.fmt(p.reason.key(), &[("earliest", &earliest.to_string())])
                    }
                    _ => t.get(p.reason.key()).to_string(),
                };
                t.fmt("punct.labelled", &[("label", &field), ("text", &reason)])
            })
            .collect(),
        InspRefusal::TooLarge { limit, size } => {
            let mb = |b: &u64| format!("{:.1}", *b as f64 / (1024.0 * 1024.0));
            vec![t.fmt(refusal.key(), &[("limit", &mb(limit)), ("size", &mb(size))])]
        }
        InspRefusal::BadFileType { found } => {
            // What the content was recognised as: a media type, or no known kind at all.
            let found = match found {
                FoundFile::Unknown => t.get("insp.file_kind_unknown"),
                FoundFile::DamagedImage => t.get("insp.file_kind_damaged"),
                FoundFile::MediaType(media_type) => media_type,
            };
            vec![t.fmt(refusal.key(), &[("found", found)])]
        }
        other => vec![t.get(other.key()).to_string()],
    }
}

/// The largest evidence file accepted (the request may be a little larger: the form around it).
pub fn max_evidence_bytes() -> usize {
    EvidenceLimits::default().max_bytes as usize
}

/// The label of a form field named by a problem (`items.permit_held` → the item's name).
fn field_label(t: &Tr, field: &str) -> String {
    if let Some(item) = field.strip_prefix("items.") {
        return t.get(&format!("insp.item.{item}")).to_string();
    }
    let mut parts = field.split('.');
    let key = format!("insp.field.{}", parts.next().unwrap_or(field));
    let text = t.get(&key);
    if text == key {
        return field.to_string();
    }
    // A row of a list (`officers.1`, `findings.0.measures.1`): which one, counted from 1.
    match parts.next().and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => t.fmt(
            "insp.field_row",
            &[("field", text), ("row", &(n + 1).to_string())],
        ),
        None => text.to_string(),
    }
}

/// Saves the draft (`action=save`) or submits the form (`action=submit`). A request sent by the
/// page's script (`X-Requested-With: fetch`) gets JSON instead of a page.
pub async fn save(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(task_id): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    user.check_csrf(csrf)?;
    let a = access(&state, &user, task_id).await?;
    if !a.on_team {
        return Err(AppError::Forbidden);
    }
    let by_script = headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch");
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
        .unwrap_or("save");
    let form = form_from_fields(&fields);
    let actor = user.account.username.as_str();
    let outcome = if action == "submit" {
        let key = fields
            .iter()
            .find(|(k, _)| k == "submission_key")
            .map(|(_, v)| v.clone())
            .filter(|k| !k.is_empty())
            .unwrap_or_else(spotcheck_store::random_token);
        inspections::submit(
            &state.db,
            actor,
            task_id,
            &form,
            &key,
            state.config.rules.team_size,
        )
        .await?
    } else {
        inspections::save_draft(&state.db, actor, task_id, &form).await?
    };
    match outcome {
        Ok(saved) if by_script => Ok(Json(serde_json::json!({
            "status": saved.status,
            "saved_at": saved.updated_at.timestamp_millis(),
        }))
        .into_response()),
        Ok(_) => Ok(super::see_other(format!("/tasks/{task_id}/inspection"))),
        Err(refusal) if by_script => {
            let body = serde_json::json!({ "error": { "code": refusal.key(), "problems": refusal_messages(lang, &refusal) } });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        Err(refusal) => {
            let refused = Refused::of(lang, &refusal);
            form_page(&state, &user, lang, task_id, Some(form), refused, None).await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// After acceptance, a correction starts a new version; the accepted one is kept.
pub async fn correct(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(task_id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    let a = access(&state, &user, task_id).await?;
    if !a.on_team {
        return Err(AppError::Forbidden);
    }
    let outcome = inspections::correct(&state.db, &user.account.username, task_id).await?;
    after_step(&state, &user, lang, task_id, outcome).await
}

/// Back to the task's form after a step: the form itself when it was done, the form with the
/// refusal's messages when not.
async fn after_step<T>(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    task_id: i64,
    outcome: Result<T, InspRefusal>,
) -> Result<Response, AppError> {
    match outcome {
        Ok(_) => Ok(super::see_other(format!("/tasks/{task_id}/inspection"))),
        Err(r) => {
            form_page(
                state,
                user,
                lang,
                task_id,
                None,
                Refused::of(lang, &r),
                None,
            )
            .await
        }
    }
}

/// The inspection, if the caller may see its task.
async fn inspection_in_scope(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(Inspection, Access), AppError> {
    let inspection = inspections::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = access(state, user, inspection.task_id).await?;
    Ok((inspection, a))
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    comment: String,
}

/// A reviewer of the jurisdiction accepts the submitted form or returns it with a comment.
pub async fn review(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::ReviewInspections)?;
    let (inspection, _) = inspection_in_scope(&state, &user, id).await?;
    let accept = f.decision == "accept";
    let outcome =
        inspections::review(&state.db, &user.account.username, id, accept, &f.comment).await?;
    after_step(&state, &user, lang, inspection.task_id, outcome).await
}

/// Receives a photo, document or signature for the form (R-INSP-1, evidence).
pub async fn attach(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (inspection, a) = inspection_in_scope(&state, &user, id).await?;
    let mut fields: Vec<(String, String)> = Vec::new();
    let (mut file_name, mut bytes) = (String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("insp.upload_failed"))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            file_name = field.file_name().unwrap_or("evidence").to_string();
            bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(_) => {
                    // Over the request limit: the form stays as it was, with what to do.
                    let message = Tr::new(lang).get("insp.file_too_large").to_string();
                    let task_id = inspection.task_id;
                    let refused = Refused {
                        problems: vec![message],
                        fixable: false,
                    };
                    let mut page =
                        form_page(&state, &user, lang, task_id, None, refused, None).await?;
                    *page.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    return Ok(page);
                }
            };
        } else {
            let text = field
                .text()
                .await
                .map_err(|_| AppError::BadRequest("insp.upload_failed"))?;
            fields.push((name, text));
        }
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    user.check_csrf(&get("csrf"))?;
    if !a.on_team {
        return Err(AppError::Forbidden);
    }
    if bytes.is_empty() {
        return Err(AppError::BadRequest("insp.no_file"));
    }
    let upload = NewEvidence {
        item: CheckItem::parse(&get("item")),
        kind: match get("kind").as_str() {
            "document" => "document",
            "signature" => "signature",
            _ => "photo",
        }
        .to_string(),
        file_name,
        bytes,
        taken_at: DATETIME_FORMATS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(&get("taken_at"), f).ok()),
        lat: get("lat").parse().ok(),
        lon: get("lon").parse().ok(),
        signer: Some(get("signer")).filter(|s| !s.is_empty()),
    };
    let limits = EvidenceLimits::default();
    let outcome =
        inspections::attach(&state.db, &user.account.username, id, upload, &limits).await?;
    after_step(&state, &user, lang, inspection.task_id, outcome).await
}

/// The original file of a piece of evidence, unaltered.
pub async fn evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (meta, bytes) = inspections::evidence_content(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    inspection_in_scope(&state, &user, meta.inspection_id).await?;
    let disposition = format!(
        "inline; filename*=UTF-8''{}",
        super::urlencode(&meta.file_name)
    );
    Ok((
        [
            (CONTENT_TYPE, meta.media_type.clone()),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The thumbnail of a photo (JPEG).
pub async fn thumbnail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (meta, bytes) = inspections::evidence_thumbnail(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    inspection_in_scope(&state, &user, meta.inspection_id).await?;
    Ok((
        [
            (CONTENT_TYPE, "image/jpeg".to_string()),
            (CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The script of the form page: drafts kept in the browser and sent when the connection returns.
pub async fn script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/inspection.js"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "inspection_print.html")]
struct PrintPage {
    ctx: PageCtx,
    task_id: i64,
    agency: String,
    version: i64,
    status_key: String,
    form_sha256: Option<String>,
    v: FormView,
    /// Drawn signatures: (who signed, the evidence id of the image).
    signatures: Vec<(String, Option<i64>)>,
}

/// The A4 print of the form, laid out like the paper 附表1, with the drawn signatures and lines
/// to sign by hand.
pub async fn print(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (inspection, a) = inspection_in_scope(&state, &user, id).await?;
    let agency = spotcheck_store::agency::by_id(&state.db, a.task.agency_id)
        .await?
        .map(|g| g.name(lang.code()).to_string())
        .unwrap_or_default();
    let signatures = inspections::evidence_of(&state.db, id)
        .await?
        .into_iter()
        .filter(|e| e.kind == "signature")
        .map(|e| (e.signer.unwrap_or_default(), Some(e.id)))
        .collect();
    render(&PrintPage {
        ctx: PageCtx::new(lang, Some(&user), &format!("/inspections/{id}/print")),
        task_id: inspection.task_id,
        agency,
        version: inspection.version,
        status_key: format!("insp.status_{}", inspection.status),
        form_sha256: inspection.form_sha256.clone(),
        v: FormView::new(inspection.form()?, state.config.rules.team_size),
        signatures,
    })
}

/// One form of the quarterly pack.
struct Paper {
    v: FormView,
    agency: String,
    version: i64,
    status_key: String,
    form_sha256: Option<String>,
    signatures: Vec<(String, Option<i64>)>,
}

#[derive(Template)]
#[template(path = "pack_forms.html")]
struct PackFormsPage {
    ctx: PageCtx,
    agency_code: String,
    agency_name: String,
    quarter: String,
    papers: Vec<Paper>,
}

#[derive(serde::Deserialize)]
pub struct PackQuery {
    agency: String,
    period: String,
}

/// Every submitted or accepted form (附表1) of an agency's quarter as one printable document,
/// the paper half of the quarterly pack (R-REP-2).
pub async fn pack_forms(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<PackQuery>,
) -> Result<Response, AppError> {
    // Every form of the quarter in full (contacts, officers, findings, signatures): for those
    // who may print any form of their jurisdiction, as `print` lets them.
    user.require(Permission::ReviewInspections)?;
    let agency = super::visible_agencies(&state, &user)
        .await?
        .into_iter()
        .find(|a| a.code == q.agency)
        .ok_or(AppError::NotFound)?;
    let quarter = spotcheck_core::period::Quarter::parse(&q.period)
        .map_err(|_| AppError::BadRequest("plan.bad_period"))?;
    let rows = inspections::results_detail(
        &state.db,
        &agency.path,
        quarter.first_day(),
        quarter.last_day(),
    )
    .await?;
    let name = agency.name(lang.code()).to_string();
    let mut papers = Vec::new();
    for id in rows.iter().filter_map(|r| r.inspection_id) {
        let Some(inspection) = inspections::by_id(&state.db, id).await? else {
            continue;
        };
        let signatures = inspections::evidence_of(&state.db, id)
            .await?
            .into_iter()
            .filter(|e| e.kind == "signature")
            .map(|e| (e.signer.unwrap_or_default(), Some(e.id)))
            .collect();
        papers.push(Paper {
            v: FormView::new(inspection.form()?, state.config.rules.team_size),
            agency: name.clone(),
            version: inspection.version,
            status_key: format!("insp.status_{}", inspection.status),
            form_sha256: inspection.form_sha256.clone(),
            signatures,
        });
    }
    render(&PackFormsPage {
        ctx: PageCtx::new(lang, Some(&user), "/reports/pack/forms"),
        agency_code: agency.code.clone(),
        agency_name: name,
        quarter: quarter.to_string(),
        papers,
    })
}
