//! Checks that the stored draws are what they claim: every executed draw is recomputed from its
//! stored input and seed and compared with its stored output, with the result hash kept beside
//! it and with the result hash that the audit log recorded when it was drawn. An edit of any of
//! them (outside the application, since the application never changes an executed draw) is
//! named with the draw and the field.

use serde::Serialize;
use spotcheck_draw::Verification;

use crate::{draws, on_db, Db, Result};

/// A stored draw that does not hold up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawProblem {
    pub draw_id: i64,
    pub plan_id: i64,
    /// What disagrees: a field of the record, `result_sha256 column` or `audit log`.
    pub field: String,
    pub expected: String,
    pub found: String,
}

/// The outcome of [`check_draws`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawsCheck {
    /// Executed draws recomputed.
    pub checked: usize,
    pub problems: Vec<DrawProblem>,
}

/// Recomputes every executed draw and compares it with what is stored and what was audited.
pub async fn check_draws(db: &Db, progress: &dyn Fn(usize, usize)) -> Result<DrawsCheck> {
    let ids: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, plan_id FROM draw_record WHERE output IS NOT NULL ORDER BY id"
    )
    .fetch_all(p)
    .await?);
    let mut problems = Vec::new();
    for (done, (id, plan_id)) in ids.iter().copied().enumerate() {
        progress(done, ids.len());
        let problem = |field: &str, expected: &str, found: &str| DrawProblem {
            draw_id: id,
            plan_id,
            field: field.to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
        };
        let record = match draws::draw_by_id(db, id).await {
            Ok(Some(record)) => record,
            Ok(None) => continue,
            // Its input or result stored deflated does not inflate.
            Err(crate::StoreError::Invalid(e)) => {
                problems.push(problem("record", "a stored record that inflates", &e));
                continue;
            }
            Err(e) => return Err(e),
        };
        let exported = match draws::export(&record) {
            Ok(Some(e)) => e,
            Ok(None) => {
                problems.push(problem("record", "input, seed and output", "incomplete"));
                continue;
            }
            Err(e) => {
                problems.push(problem("record", "readable JSON", &e.to_string()));
                continue;
            }
        };
        let json = exported.to_string();
        // Recomputing a large draw takes a while: off the async workers.
        let verdict = tokio::task::spawn_blocking(move || spotcheck_draw::verify_json(&json))
            .await
            .map_err(|e| crate::StoreError::Invalid(format!("draw check: {e}")))?;
        match verdict {
            Ok(Verification::Agrees) => {}
            Ok(Verification::Differs {
                field,
                expected,
                found,
            }) => problems.push(problem(&field, &expected, &found)),
            Err(e) => problems.push(problem(
                "record",
                "a record the engine reads",
                &e.to_string(),
            )),
        }
        let in_output = exported["output"]["result_sha256"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let column = record.result_sha256.clone().unwrap_or_default();
        if column != in_output {
            problems.push(problem("result_sha256 column", &in_output, &column));
        }
        let audited: Option<String> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT payload FROM audit_event WHERE action = 'draw.execute' AND subject = $1 \
             ORDER BY seq LIMIT 1"
        )
        .bind(format!("draw:{id}"))
        .fetch_optional(p)
        .await?);
        let audited = audited
            .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
            .and_then(|p| p["result_sha256"].as_str().map(str::to_string));
        match audited {
            Some(a) if a == in_output => {}
            Some(a) => problems.push(problem("audit log", &a, &in_output)),
            None => problems.push(problem("audit log", "a draw.execute event", "none")),
        }
    }
    progress(ids.len(), ids.len());
    Ok(DrawsCheck {
        checked: ids.len(),
        problems,
    })
}
