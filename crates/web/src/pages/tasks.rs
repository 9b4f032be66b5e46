//! "My tasks" (我的任务): what an officer has to inspect, soonest due first, with the firm's
//! address and a link that opens a map application on the phone.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use spotcheck_store::tasks::{self, TaskView};

use super::{render, urlencode, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

struct TaskRow {
    task: TaskView,
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
    rows: Vec<TaskRow>,
}

pub async fn mine(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let today = (state.config.clock)().date_naive();
    let certificate = tasks::officer_of_account(&state.db, user.account.id).await?;
    let rows = match &certificate {
        Some(c) => tasks::for_officer(&state.db, c)
            .await?
            .into_iter()
            .map(|t| {
                let position = t.lon.zip(t.lat);
                TaskRow {
                    geo_href: position
                        .map(|(lon, lat)| format!("geo:{lat:.6},{lon:.6}?q={lat:.6},{lon:.6}")),
                    amap_href: position.map(|(lon, lat)| {
                        format!(
                            "https://uri.amap.com/marker?position={lon:.6},{lat:.6}&name={}",
                            urlencode(&t.firm_name)
                        )
                    }),
                    overdue: t.due_on < today && t.status != "done",
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
