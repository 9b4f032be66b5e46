//! Saving one registry record typed into a form or sent to the API: the one path both use.
//!
//! The text is checked exactly as a row of an imported file, the record must stay within the
//! caller's jurisdiction (a firm goes to the branch of its district), a record with the same
//! natural key owned outside the jurisdiction is refused, and the write is audited.

use spotcheck_core::lists::{self as core_lists, HeaderMap, ListError, ListKind, Record};
use spotcheck_store::lists::{self, Outcome};
use spotcheck_store::{agency, audit, import, StoreError};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// Why a record was not saved, for the caller to show.
pub enum Refusal {
    /// The fields failed the list's checks.
    Invalid(Vec<ListError>),
    /// It names a firm (or agency) that is not on the list.
    UnknownReference,
    /// An edit tried to change the record's identifying code.
    KeyChanged,
}

/// Checks and saves `cells` (in the list's column order). `editing` is the natural key of the
/// record being edited, if any.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    kind: ListKind,
    cells: &[String],
    editing: Option<&str>,
) -> Result<Result<Outcome, Refusal>, AppError> {
    let today = state.config.today();
    let ctx = import::context_for(&state.db, &user.agency, today).await?;
    let record = match core_lists::parse_row(kind, &HeaderMap::template(kind), 1, cells, &ctx) {
        Ok(r) => r,
        Err(errors) => return Ok(Err(Refusal::Invalid(errors))),
    };
    if editing.is_some_and(|key| key != record.natural_key()) {
        return Ok(Err(Refusal::KeyChanged));
    }
    // 属地管理: a firm belongs to the branch of its district.
    let owner = match &record {
        Record::Firm(f) => agency::by_code(&state.db, f.division.as_str())
            .await?
            .filter(|a| user.can_see(a))
            .map(|a| a.id),
        _ => None,
    }
    .unwrap_or(user.agency.id);
    let mut tx = state.db.begin().await?;
    if let Some((_, current_owner)) = lists::existing(&mut tx, &record).await? {
        let current_owner = agency::by_id(&state.db, current_owner)
            .await?
            .ok_or(AppError::NotFound)?;
        if !user.can_see(&current_owner) {
            return Err(AppError::Forbidden);
        }
    }
    let at = spotcheck_store::now();
    let outcome = match lists::upsert(&mut tx, &user.account.username, owner, &record, at).await {
        Ok(o) => o,
        Err(StoreError::NotFound(_)) => return Ok(Err(Refusal::UnknownReference)),
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &mut tx,
        at,
        &user.account.username,
        "list.record_saved",
        &format!("{kind}:{}", outcome.id()),
        serde_json::json!({ "record": record }),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(outcome))
}
