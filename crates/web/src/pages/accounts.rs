//! Accounts, kept by the security administrator (`Permission::ManageAccounts`) and by nobody
//! else: the list with each account's state, a new account with a random first password shown
//! once, a reset (new password shown once, sessions ended), lifting a lock-out, closing and
//! reopening. Every change is audited under the administrator's name. The administrator cannot
//! close or reset their own account here (their own password is changed at /account).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_core::role::{Permission, Role};
use spotcheck_store::account::{self, Account, NewAccount};
use spotcheck_store::{agency, StoreError};

use super::PageCtx;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// An account as the list shows it.
pub struct AccountRow {
    pub account: Account,
    pub agency_name: String,
    pub role_key: String,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    ctx: PageCtx,
    rows: Vec<AccountRow>,
    roles: Vec<(&'static str, String)>,
    agencies: Vec<(String, String)>,
    q: String,
    /// A refusal, said in the caller's language.
    message: Option<String>,
    /// (username, password) after a creation or a reset: shown this once.
    issued: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    q: String,
    message: Option<String>,
    issued: Option<(String, String)>,
) -> Result<Response, AppError> {
    user.require(Permission::ManageAccounts)?;
    let t = Tr::new(lang);
    let agencies = agency::all(&state.db).await?;
    let now = chrono::Utc::now();
    let needle = q.trim().to_lowercase();
    let rows = account::list(&state.db, "")
        .await?
        .into_iter()
        .filter(|a| {
            needle.is_empty()
                || a.username.to_lowercase().contains(&needle)
                || a.display_name.to_lowercase().contains(&needle)
        })
        .map(|a| AccountRow {
            agency_name: agencies
                .iter()
                .find(|g| g.id == a.agency_id)
                .map(|g| g.name(lang.code()).to_string())
                .unwrap_or_default(),
            role_key: format!("role.{}", a.role),
            locked: a.locked_until.is_some_and(|u| u > now),
            account: a,
        })
        .collect();
    let refused = message.is_some();
    super::render_refused(
        &AccountsPage {
            ctx: PageCtx::new(lang, Some(user), "/accounts"),
            rows,
            roles: Role::ALL
                .iter()
                .map(|r| {
                    (
                        r.as_str(),
                        t.get(&format!("role.{}", r.as_str())).to_string(),
                    )
                })
                .collect(),
            agencies: agencies
                .iter()
                .map(|g| (g.code.clone(), g.name(lang.code()).to_string()))
                .collect(),
            q,
            message,
            issued,
        },
        refused,
    )
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    page(&state, &user, lang, query.q, None, None).await
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    csrf: String,
    username: String,
    display_name: String,
    agency: String,
    role: String,
}

/// A username: 3 to 32 lower-case letters, digits, `.`, `_` or `-`.
fn username_is_valid(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Form(f): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::ManageAccounts)?;
    let t = Tr::new(lang);
    let refuse = |key: &str| Some(t.get(key).to_string());
    let username = f.username.trim().to_string();
    let display_name = f.display_name.trim().to_string();
    let problem = if !username_is_valid(&username) {
        refuse("accounts.bad_username")
    } else if display_name.is_empty() {
        refuse("accounts.no_name")
    } else {
        None
    };
    let role = Role::parse(&f.role);
    let agency = agency::by_code(&state.db, f.agency.trim()).await?;
    let problem = problem.or_else(|| match (&role, &agency) {
        (None, _) => refuse("accounts.bad_role"),
        (_, None) => refuse("accounts.bad_agency"),
        _ => None,
    });
    if let Some(message) = problem {
        return page(&state, &user, lang, String::new(), Some(message), None).await;
    }
    let (Some(role), Some(agency)) = (role, agency) else {
        unreachable!("refused above")
    };
    let password = account::random_password();
    let mut tx = state.db.begin().await?;
    let created = account::create(
        &mut tx,
        &user.account.username,
        NewAccount {
            username: username.clone(),
            display_name,
            agency_id: agency.id,
            role,
            password: password.clone(),
        },
    )
    .await;
    match created {
        Ok(_) => {
            tx.commit().await?;
            page(
                &state,
                &user,
                lang,
                String::new(),
                None,
                Some((username, password)),
            )
            .await
        }
        Err(StoreError::Duplicate(_)) => {
            let message = t.get("accounts.duplicate").replace("{username}", &username);
            page(&state, &user, lang, String::new(), Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    /// For `active`: "true" opens the account, anything else closes it.
    #[serde(default)]
    active: String,
}

/// `POST /accounts/{id}/{action}`: `reset`, `unlock` or `active`.
pub async fn change(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::ManageAccounts)?;
    let Some(target) = account::by_id(&state.db, id).await? else {
        return Err(AppError::NotFound);
    };
    if !matches!(action.as_str(), "reset" | "unlock" | "active") {
        return Err(AppError::NotFound);
    }
    if target.id == user.account.id && action != "unlock" {
        let message = Tr::new(lang).get("accounts.not_self").to_string();
        return page(&state, &user, lang, String::new(), Some(message), None).await;
    }
    let actor = user.account.username.as_str();
    let mut tx = state.db.begin().await?;
    let issued = match action.as_str() {
        "reset" => Some((
            target.username.clone(),
            account::reset_password(&mut tx, actor, &target).await?,
        )),
        "unlock" => {
            account::unlock(&mut tx, actor, target.id).await?;
            None
        }
        _ => {
            account::set_active(&mut tx, actor, target.id, f.active == "true").await?;
            None
        }
    };
    tx.commit().await?;
    match issued {
        Some(issued) => page(&state, &user, lang, String::new(), None, Some(issued)).await,
        None => Ok(super::see_other("/accounts")),
    }
}
