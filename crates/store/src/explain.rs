//! The query plans of the list queries that grow with the province: the firm pages and searches,
//! the register pages, an officer's tasks and the audit log. Each is asked of the database's own
//! planner (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL) with the statement and
//! parameters the application sends, and a full scan of a large table is named.
//!
//! `spotcheck bench scale` prints these plans at a million firms; a test checks on both backends
//! that every one of them can be answered from an index.

use crate::firms::{self, Arg, FirmQuery, TextPlan};
use sqlx::Row;

use crate::{on_tx, Backend, Db, Result};

/// Tables that grow with the province: a scan of one of them is a slow page.
const LARGE_TABLES: &[&str] = &["firm", "record_version", "task", "audit_event", "firm_fts"];

/// The plan of one list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPlan {
    pub name: &'static str,
    /// The planner's steps, one line each, joined by "; ".
    pub plan: String,
    /// The large tables the plan reads whole, if any.
    pub full_scans: Vec<String>,
}

/// The list queries, with the parameters of a realistic request each: the whole jurisdiction's
/// first page, a page 90% of the way in, one district's page, a name search, a credit-code
/// prefix search, a register page, an officer's tasks and the audit log.
fn queries(
    backend: Backend,
    max_firm_id: i64,
    district_path: &str,
) -> Vec<(&'static str, String, Vec<Arg>)> {
    let firm = |text: Option<&str>, after: Option<i64>, agency: Option<&str>| {
        // PostgreSQL's rare-word plan, the one that reads the trigram indexes.
        firms::search_sql(
            backend,
            &FirmQuery {
                scope_path: String::new(),
                agency_path: agency.map(str::to_string),
                text: text.map(str::to_string),
                after_id: after,
                limit: 50,
                ..FirmQuery::default()
            },
            if text.is_some() {
                TextPlan::Index
            } else {
                TextPlan::Walk
            },
        )
    };
    let mut out = Vec::new();
    let mut push = |name, (sql, args): (String, Vec<Arg>)| out.push((name, sql, args));
    push("firms, first page", firm(None, None, None));
    push(
        "firms, page at 90%",
        firm(None, Some(max_firm_id * 9 / 10), None),
    );
    push(
        "firms of one district",
        firm(None, None, Some(district_path)),
    );
    push("firms by name", firm(Some("热力有限公司"), None, None));
    push(
        "firms by credit-code prefix",
        firm(Some("91650102"), None, None),
    );
    push(
        "register page (officers)",
        (
            crate::lists::search_sql(false, false),
            vec![
                Arg::Text("officers".into()),
                Arg::Text("%".into()),
                Arg::Int(0),
                Arg::Int(51),
            ],
        ),
    );
    push(
        "tasks of an officer",
        (
            crate::tasks::officer_tasks_sql(backend).to_string(),
            vec![Arg::Text("65010220190001".into())],
        ),
    );
    push(
        "tasks of a draw",
        (
            crate::tasks::draw_tasks_sql(),
            vec![Arg::Int(1), Arg::Int(0), Arg::Int(51)],
        ),
    );
    push(
        "audit log page",
        (
            crate::audit::RECENT_SQL.to_string(),
            vec![Arg::Int(i64::MAX), Arg::Int(50)],
        ),
    );
    out
}

/// Asks the planner for the plan of every list query. With `indexes_only` the planner of
/// PostgreSQL is told to avoid sequential scans where it can (`enable_seqscan = off`), so that on
/// a small test database, where a scan is cheapest, the plan shows whether an index *can* serve
/// the query; without it the plans are the ones the data gets now.
pub async fn list_queries(db: &Db, indexes_only: bool) -> Result<Vec<ListPlan>> {
    let max_firm_id: i64 = crate::on_db!(db, |p| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM firm"
    )
    .fetch_one(p)
    .await?);
    let district = crate::agency::by_code(db, "650102")
        .await?
        .map(|a| a.path)
        .unwrap_or_default();
    let backend = db.backend();
    let mut tx = db.begin().await?;
    if indexes_only && backend == Backend::Postgres {
        on_tx!(&mut tx, |c| sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *c)
            .await?
            .rows_affected());
    }
    let mut plans = Vec::new();
    for (name, sql, args) in queries(backend, max_firm_id, &format!("{district}%")) {
        let explain = match backend {
            Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        // The plan's text is the last column: SQLite's `detail`, PostgreSQL's only one.
        let rows: Vec<String> = on_tx!(&mut tx, |c| {
            let mut query = sqlx::query(&explain);
            for a in &args {
                query = match a {
                    Arg::Text(t) => query.bind(t.clone()),
                    Arg::Int(i) => query.bind(*i),
                };
            }
            query
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(r.len() - 1))
                .collect::<std::result::Result<_, _>>()?
        });
        let lines: Vec<String> = match backend {
            Backend::Sqlite => rows,
            Backend::Postgres => rows
                .into_iter()
                .map(|l| l.trim().trim_start_matches("->").trim().to_string())
                .filter(|l| l.contains("Scan"))
                .collect(),
        };
        // SQLite walks a table in id order for `ORDER BY id LIMIT n` ("SCAN f") and stops after
        // the page: only a walk that must go to the end (no limit, or a sort after it) is a
        // full scan.
        let stops_early =
            sql.contains(" LIMIT ") && !lines.iter().any(|l| l.contains("TEMP B-TREE"));
        let full_scans = lines
            .iter()
            .filter_map(|l| full_scan_of(backend, l, stops_early))
            .collect();
        plans.push(ListPlan {
            name,
            plan: lines.join("; "),
            full_scans,
        });
    }
    drop(tx);
    Ok(plans)
}

/// The large table a plan line reads whole, if it does.
fn full_scan_of(backend: Backend, line: &str, stops_early: bool) -> Option<String> {
    let table = match backend {
        // "SCAN f" / "SCAN firm" reads the table; "SCAN f USING INDEX …" reads a whole index,
        // which for an ORDER BY … LIMIT stops early and is fine; a virtual table is the text index.
        Backend::Sqlite => {
            let rest = line.strip_prefix("SCAN ")?;
            if rest.contains("USING") || rest.contains("VIRTUAL TABLE") || stops_early {
                return None;
            }
            rest.split_whitespace().next()?.to_string()
        }
        Backend::Postgres => {
            let rest = line.split("Seq Scan on ").nth(1)?;
            rest.split_whitespace().next()?.to_string()
        }
    };
    let known = |t: &str| LARGE_TABLES.contains(&t);
    // Aliases of the statements: f firm, v record_version, t task.
    let name = match table.as_str() {
        "f" => "firm",
        "v" => "record_version",
        "t" => "task",
        other => other,
    };
    known(name).then(|| name.to_string())
}

/// Gathers the planner's statistics (SQLite `ANALYZE`; PostgreSQL `VACUUM ANALYZE`, which also
/// marks the pages visible to all, so that a query answered from an index alone need not visit
/// the table), as `PRAGMA optimize` or autovacuum would after a large load.
pub async fn analyze(db: &Db) -> Result<()> {
    match db {
        Db::Sqlite(p) => sqlx::raw_sql("ANALYZE").execute(p).await?.rows_affected(),
        Db::Pg(p) => sqlx::raw_sql("VACUUM ANALYZE")
            .execute(p)
            .await?
            .rows_affected(),
    };
    Ok(())
}

/// Writes the changed pages out (SQLite: the write-ahead log into the database; PostgreSQL:
/// `CHECKPOINT`, for a superuser or a member of `pg_checkpoint`), as the databases do on their
/// own within minutes of a large load.
pub async fn checkpoint(db: &Db) -> Result<()> {
    match db {
        Db::Sqlite(p) => sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(p)
            .await?
            .rows_affected(),
        Db::Pg(p) => sqlx::raw_sql("CHECKPOINT")
            .execute(p)
            .await?
            .rows_affected(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_read_whole_is_named_and_an_index_search_is_not() {
        // SQLite
        assert_eq!(
            full_scan_of(Backend::Sqlite, "SCAN t", false).as_deref(),
            Some("task")
        );
        assert_eq!(
            full_scan_of(Backend::Sqlite, "SCAN audit_event", false).as_deref(),
            Some("audit_event")
        );
        // In id order with a limit and no sort after it, the walk stops at the page.
        assert_eq!(full_scan_of(Backend::Sqlite, "SCAN f", true), None);
        assert_eq!(
            full_scan_of(Backend::Sqlite, "SCAN f USING INDEX firm_draw", false),
            None
        );
        assert_eq!(
            full_scan_of(Backend::Sqlite, "SCAN s VIRTUAL TABLE INDEX 64:M2", false),
            None
        );
        assert_eq!(
            full_scan_of(
                Backend::Sqlite,
                "SEARCH f USING INTEGER PRIMARY KEY (rowid=?)",
                false
            ),
            None
        );
        // Small tables may be read whole.
        assert_eq!(full_scan_of(Backend::Sqlite, "SCAN a", false), None);
        // PostgreSQL
        assert_eq!(
            full_scan_of(
                Backend::Postgres,
                "Parallel Seq Scan on task t  (cost=0.00..5153.39 rows=1 width=68)",
                true
            )
            .as_deref(),
            Some("task")
        );
        assert_eq!(
            full_scan_of(
                Backend::Postgres,
                "Index Scan using firm_pkey on firm f  (cost=0.43..5751.04 rows=102991 width=186)",
                false
            ),
            None
        );
        assert_eq!(
            full_scan_of(
                Backend::Postgres,
                "Seq Scan on agency a  (cost=0.00..1.23 rows=1 width=8)",
                false
            ),
            None
        );
    }
}
