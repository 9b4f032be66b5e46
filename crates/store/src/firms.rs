//! Firms (污染源 / 排污单位): search and page through them within a jurisdiction.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{on_db, Backend, Db, Result, StoreError};

/// A firm as stored now.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Firm {
    pub id: i64,
    pub agency_id: i64,
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub division_code: String,
    pub industry_code: String,
    /// `key` (重点排污单位) or `general` (一般排污单位).
    pub category: String,
    pub key_directory_year: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// `active` or `closed`: a closed firm is kept, never deleted.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "f.id, f.agency_id, f.credit_code, f.name, f.address, f.division_code, \
    f.industry_code, f.category, f.key_directory_year, f.lon, f.lat, f.status, f.created_at, f.updated_at";

/// What to look for. Every query is confined to `scope_path` (the caller's jurisdiction).
#[derive(Debug, Clone, Default)]
pub struct FirmQuery {
    /// Agency path prefix of the caller's jurisdiction (`""` for the whole city).
    pub scope_path: String,
    /// Only this agency (and below), by path prefix.
    pub agency_path: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    /// A credit-code prefix, or text found in the name or address.
    pub text: Option<String>,
    /// Keyset pagination: only firms with a larger id.
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// One page of results and whether more follow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<i64>,
}

enum Arg {
    Text(String),
    Int(i64),
}

/// True when `text` can only be the beginning of a unified social credit code.
fn looks_like_code(text: &str) -> bool {
    text.len() >= 4
        && text.chars().all(|c| c.is_ascii_alphanumeric())
        && text.chars().any(|c| c.is_ascii_digit())
}

/// The smallest string greater than every string that starts with `prefix` (ASCII prefixes).
fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push('\u{7f}');
    s
}

/// A LIKE pattern matching `text` anywhere, with the wildcards in it taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn search(db: &Db, q: &FirmQuery) -> Result<Page<Firm>> {
    // No firm's name holds a NUL character, and the full-text index cannot even be asked for one
    // (SQLite's phrase ends there); PostgreSQL refuses it in any text. Refused the same on both.
    if q.text.as_deref().is_some_and(|t| t.contains('\0')) {
        return Err(StoreError::Unstorable(
            "a NUL character in the search text".into(),
        ));
    }
    let mut clauses = vec!["a.path LIKE $1".to_string()];
    let mut args = vec![Arg::Text(format!("{}%", q.scope_path))];
    let arg = |clause: &str, value: Arg, clauses: &mut Vec<String>, args: &mut Vec<Arg>| {
        args.push(value);
        clauses.push(clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(p) = &q.agency_path {
        arg(
            "a.path LIKE ?",
            Arg::Text(format!("{p}%")),
            &mut clauses,
            &mut args,
        );
    }
    if let Some(c) = &q.category {
        arg(
            "f.category = ?",
            Arg::Text(c.clone()),
            &mut clauses,
            &mut args,
        );
    }
    if let Some(s) = &q.status {
        arg(
            "f.status = ?",
            Arg::Text(s.clone()),
            &mut clauses,
            &mut args,
        );
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if looks_like_code(text) {
            let upper = text.to_ascii_uppercase();
            arg(
                "f.credit_code >= ?",
                Arg::Text(upper.clone()),
                &mut clauses,
                &mut args,
            );
            arg(
                "f.credit_code < ?",
                Arg::Text(prefix_upper_bound(&upper)),
                &mut clauses,
                &mut args,
            );
        } else if db.backend() == Backend::Sqlite && text.chars().count() >= 3 {
            // The trigram index answers substrings of three or more characters.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            arg(
                "f.id IN (SELECT rowid FROM firm_fts WHERE firm_fts MATCH ?)",
                Arg::Text(phrase),
                &mut clauses,
                &mut args,
            );
        } else {
            let op = if db.backend() == Backend::Postgres {
                "ILIKE"
            } else {
                "LIKE"
            };
            let pattern = like_pattern(text);
            args.push(Arg::Text(pattern));
            let n = args.len();
            clauses.push(format!(
                "(f.name {op} ${n} ESCAPE '\\' OR f.address {op} ${n} ESCAPE '\\')"
            ));
        }
    }
    if let Some(after) = q.after_id {
        arg("f.id > ?", Arg::Int(after), &mut clauses, &mut args);
    }
    let limit = q.limit.clamp(1, 500);
    args.push(Arg::Int(limit + 1));
    let sql = format!(
        "SELECT {COLUMNS} FROM firm f JOIN agency a ON a.id = f.agency_id WHERE {} ORDER BY f.id LIMIT ${}",
        clauses.join(" AND "),
        args.len()
    );
    let mut items: Vec<Firm> = on_db!(db, |p| {
        let mut query = sqlx::query_as(&sql);
        for a in &args {
            query = match a {
                Arg::Text(t) => query.bind(t),
                Arg::Int(i) => query.bind(i),
            };
        }
        query.fetch_all(p).await?
    });
    let next_after = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|f| f.id)
    } else {
        None
    };
    Ok(Page { items, next_after })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Firm>> {
    let sql = format!("SELECT {COLUMNS} FROM firm f WHERE f.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await?))
}

pub async fn by_credit_code(db: &Db, code: &str) -> Result<Option<Firm>> {
    let sql = format!("SELECT {COLUMNS} FROM firm f WHERE f.credit_code = $1");
    Ok(on_db!(db, |p| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(p)
        .await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_alphanumeric_text_with_a_digit_is_taken_for_a_credit_code() {
        assert!(looks_like_code("9165"));
        assert!(looks_like_code("91650100MA7"));
        assert!(!looks_like_code("化工"));
        assert!(!looks_like_code("abcd"));
        assert!(!looks_like_code("916"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a"), "%50\\%\\_a%");
    }
}
