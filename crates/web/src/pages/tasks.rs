//! "My tasks" (我的任务): what an officer has to inspect, soonest due first, with the firm's
//! address and a link that opens a map application on the phone.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_core::role::{Permission, Role};
use spotcheck_store::conflicts;
use spotcheck_store::tasks::{self, Reassignment, TaskRow, TaskView};

use super::{render, urlencode, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

struct TaskCard {
    task: TaskView,
    status_key: String,
    /// `geo:` opens the phone's map application; the Amap link works in any browser.
    geo_href: Option<String>,
    amap_href: Option<String>,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    ctx: PageCtx,
    linked: bool,
    rows: Vec<TaskCard>,
}

pub async fn mine(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let today = state.config.today();
    let certificate = tasks::officer_of_account(&state.db, user.account.id).await?;
    let rows = match &certificate {
        Some(c) => tasks::for_officer(&state.db, c)
            .await?
            .into_iter()
            .map(|t| {
                let position = t.lon.zip(t.lat);
                TaskCard {
                    geo_href: position
                        .map(|(lon, lat)| format!("geo:{lat:.6},{lon:.6}?q={lat:.6},{lon:.6}")),
                    amap_href: position.map(|(lon, lat)| {
                        format!(
                            "https://uri.amap.com/marker?position={lon:.6},{lat:.6}&name={}",
                            urlencode(&t.firm_name)
                        )
                    }),
                    overdue: t.due_on < today
                        && !matches!(t.status.as_str(), "submitted" | "accepted" | "cancelled"),
                    status_key: format!("tasks.status_{}", t.status),
                    task: t,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    render(&TasksPage {
        ctx: PageCtx::new(lang, Some(&user), "/tasks"),
        linked: certificate.is_some(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    ctx: PageCtx,
    task: TaskRow,
    status_key: String,
    /// (certificate number, name) of each team member.
    team: Vec<(String, String)>,
    reassignments: Vec<Reassignment>,
    can_reassign: bool,
    message: Option<String>,
    /// Members of the team who declared a conflict with the firm since the draw, as a warning.
    withdrawn: Option<String>,
}

async fn task_page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    id: i64,
    message: Option<String>,
) -> Result<Response, AppError> {
    let task = tasks::get(&state.db, user.scope_path(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let certificates: Vec<String> = serde_json::from_str(&task.officers).unwrap_or_default();
    // An officer sees their own tasks only, not their colleagues'.
    if user.role == Role::Officer {
        let own = tasks::officer_of_account(&state.db, user.account.id).await?;
        if !own.is_some_and(|c| certificates.contains(&c)) {
            return Err(AppError::Forbidden);
        }
    }
    let team = tasks::officer_names(&state.db, &certificates).await?;
    // Conflicts declared since the draw (the draw itself kept the declared ones apart).
    let declared = conflicts::declared_against(&state.db, task.firm_id).await?;
    let withdrawn: Vec<&str> = team
        .iter()
        .filter(|(c, _)| declared.contains(c))
        .map(|(c, n)| if n.is_empty() { c.as_str() } else { n.as_str() })
        .collect();
    let t = Tr::new(lang);
    let withdrawn = (!withdrawn.is_empty())
        .then(|| t.fmt("tasks.withdrawn_on_team", &[("names", &t.list(&withdrawn))]));
    let refused = message.is_some();
    super::render_refused(
        &TaskPage {
            withdrawn,
            ctx: PageCtx::new(lang, Some(user), &format!("/tasks/{id}")),
            team,
            reassignments: tasks::reassignments(&state.db, id).await?,
            can_reassign: user.role.may(Permission::RunDraws) && task.is_open(),
            status_key: format!("tasks.status_{}", task.status),
            task,
            message,
        },
        refused,
    )
}

/// One task: the firm, the team, its reassignments; a district admin may reassign from here.
pub async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    task_page(&state, &user, lang, id, None).await
}

#[derive(Deserialize)]
pub struct ReassignForm {
    csrf: String,
    officer: String,
    reason: String,
}

/// Replaces one officer of the team by one drawn at random among the eligible (R-DRAW-2R).
pub async fn reassign(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReassignForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::RunDraws)?;
    let today = state.config.today();
    match tasks::reassign(
        &state.db,
        &user.account.username,
        user.scope_path(),
        id,
        &f.officer,
        &f.reason,
        today,
    )
    .await?
    {
        Ok(_) => Ok(super::see_other(format!("/tasks/{id}"))),
        Err(tasks::ReassignRefusal::UnknownTask) => Err(AppError::NotFound),
        Err(refusal) => {
            let message = Tr::new(lang).get(refusal.key()).to_string();
            task_page(&state, &user, lang, id, Some(message)).await
        }
    }
}
