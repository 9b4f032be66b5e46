//! Large first loads of the source list: the firm table's secondary indexes set aside while the
//! rows go in, and built again, sorted, before the same transaction commits.
//!
//! Kept up row by row, the name, district and draw indexes and the text index of names and
//! addresses cost most of a million-firm load: every new firm lands somewhere in each of them,
//! and the pages touched no longer fit in the database's cache. Built once over the loaded table
//! they cost a fraction (1,000,000 firms on SQLite: 35.6 s with the indexes kept up, 12.3 s
//! loaded bare and indexed after). The unique credit-code index stays: a load looks firms up by
//! it and it refuses duplicates.
//!
//! Everything happens inside the caller's transaction: a load that fails or is rolled back
//! leaves the indexes as they were. While it runs, SQLite's readers see the table as it was
//! before the transaction; PostgreSQL's wait for it, since dropping an index locks its table.
//! That is why it is only done when the load at least doubles the table (a registry's first
//! load), and on PostgreSQL only for a load that is applied, never for its preview.

use crate::{Result, Tx};

/// Loads of fewer new rows keep the indexes up as they go.
pub const DEFER_MIN_ROWS: usize = 10_000;

/// Whether a load of `incoming` firms should set the indexes aside: it is large
/// ([`DEFER_MIN_ROWS`]) and at least twice as large as the table already is, so that at least
/// half of it is new and the table at least doubles, whatever it holds already (a second load of
/// the same file does not qualify).
pub async fn worth_deferring(tx: &mut Tx, incoming: usize) -> Result<bool> {
    if incoming < DEFER_MIN_ROWS {
        return Ok(false);
    }
    if let Tx::Pg(c) = tx {
        // Two large loads at once would each read the table (a shared lock) and then wait for
        // the other to let go of it to drop its indexes: one at a time instead, each deciding
        // on the table as the one before left it.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(BULK_LOAD_LOCK)
            .execute(&mut **c)
            .await?;
    }
    // Firms are never deleted or renumbered (the `firm_kept` rules), so the largest id bounds
    // their number and is read from the primary key at once.
    let stored: i64 = crate::on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM firm"
    )
    .fetch_one(&mut *c)
    .await?);
    Ok(incoming as u64 >= 2 * stored.max(0) as u64)
}

/// The key of PostgreSQL's advisory lock that large loads of firms take in turn.
const BULK_LOAD_LOCK: i64 = 0x7370_6f74_6669_726d; // "spotfirm"

/// The firm table's secondary indexes (and, on SQLite, the triggers keeping its text index),
/// dropped by [`DeferredIndexes::defer`]. [`DeferredIndexes::restore`] must run before the
/// transaction commits.
#[must_use = "restore the indexes before the transaction commits"]
#[derive(Debug)]
pub struct DeferredIndexes {
    /// The statements that create what was dropped, as the database itself reported them.
    definitions: Vec<String>,
}

impl DeferredIndexes {
    /// Drops the indexes of `firm` that no constraint needs, remembering their definitions, and
    /// on SQLite the triggers that keep its text index (`firm_fts`, migration 0002): without
    /// them a firm both added and changed in the load would be taken out of the text index
    /// without ever having been in it.
    pub async fn defer(tx: &mut Tx) -> Result<DeferredIndexes> {
        let dropped: Vec<(String, String)> = match tx {
            Tx::Sqlite(c) => {
                // Indexes without `sql` are those SQLite made for a constraint (the unique
                // credit code).
                let found: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'firm' AND sql IS NOT NULL \
                     AND (type = 'index' OR (type = 'trigger' AND sql LIKE '%firm_fts%')) ORDER BY type, name",
                )
                .fetch_all(&mut **c)
                .await?;
                for (kind, name, _) in &found {
                    let kind = if kind == "index" { "INDEX" } else { "TRIGGER" };
                    sqlx::query(&format!("DROP {kind} {}", quote(name)))
                        .execute(&mut **c)
                        .await?;
                }
                found
                    .into_iter()
                    .map(|(_, name, sql)| (name, sql))
                    .collect()
            }
            Tx::Pg(c) => {
                // Taken now rather than by the first DROP, so that the definitions read below
                // are those of the table this transaction then changes.
                sqlx::query("LOCK TABLE firm IN ACCESS EXCLUSIVE MODE")
                    .execute(&mut **c)
                    .await?;
                let found: Vec<(String, String)> = sqlx::query_as(
                    "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) FROM pg_index x \
                     WHERE x.indrelid = 'firm'::regclass AND NOT x.indisprimary \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) \
                     ORDER BY 1",
                )
                .fetch_all(&mut **c)
                .await?;
                for (name, _) in &found {
                    // The name as PostgreSQL prints it: quoted and qualified as needed.
                    sqlx::query(&format!("DROP INDEX {name}"))
                        .execute(&mut **c)
                        .await?;
                }
                found
            }
        };
        tracing::debug!(
            dropped = ?dropped.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
            "firm indexes set aside for a large load"
        );
        Ok(DeferredIndexes {
            definitions: dropped.into_iter().map(|(_, sql)| sql).collect(),
        })
    }

    /// How many indexes (and triggers) were set aside.
    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    /// Whether nothing was set aside.
    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// Builds again what [`defer`](Self::defer) dropped, over the whole table: on SQLite the
    /// text index anew from the table (at least half of which the load wrote), then its
    /// triggers for the firms to come.
    pub async fn restore(self, tx: &mut Tx) -> Result<()> {
        match tx {
            Tx::Sqlite(c) => {
                sqlx::query("INSERT INTO firm_fts (firm_fts) VALUES ('rebuild')")
                    .execute(&mut **c)
                    .await?;
                for sql in &self.definitions {
                    sqlx::query(sql).execute(&mut **c).await?;
                }
            }
            Tx::Pg(c) => {
                for sql in &self.definitions {
                    sqlx::query(sql).execute(&mut **c).await?;
                }
                // The planner's figures of a table that has just doubled are wrong enough to
                // pick scans over these indexes until autovacuum comes by.
                sqlx::query("ANALYZE firm").execute(&mut **c).await?;
            }
        }
        Ok(())
    }
}

/// An SQL identifier in double quotes.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
