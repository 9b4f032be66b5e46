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

impl<T> Page<T> {
    /// The page of `rows` read with one row more than `limit` (keyset pagination): at most
    /// `limit` of them, and when there were more, the `key` of the last one, which the next page
    /// follows.
    pub(crate) fn of(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Page<T> {
        let next_after = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(key)
        } else {
            None
        };
        Page {
            items: rows,
            next_after,
        }
    }
}

/// A bound parameter of a built query.
pub(crate) enum Arg {
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

/// How PostgreSQL looks for text in names and addresses ([`search`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextPlan {
    /// Walk the firms in id order, the order of the page, and stop when it is full: best for a
    /// common word, and the only way for one or two characters (no trigram to look up).
    Walk,
    /// Only among the next `n` firm ids from the first one to come: a walk that cannot run
    /// long. The range is of ids, not rows: bounds the index of ids answers at once (a bound of
    /// rows made PostgreSQL walk every firm for a word that none has). Firms are never deleted,
    /// but a rolled-back load (an import's preview) leaves a gap of ids; a gap only makes the
    /// window hold fewer firms.
    Window(i64),
    /// From the trigram indexes, then sorted: best for a rare word.
    Index,
}

/// Firm ids a bounded walk ([`TextPlan::Window`]) reads before the trigram index is asked. At
/// 1,000,000 firms on PostgreSQL: a word in one firm of 400 or more fills a page within it
/// (about 1 ms); a rarer one costs the walk (about 6 ms) before the index answers.
const TEXT_WINDOW: i64 = 20_000;

/// The text a query looks for, trimmed; none when blank.
fn text_of(q: &FirmQuery) -> Option<&str> {
    q.text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Whether `text` has no letter with a case (Chinese, digits): then PostgreSQL compares it
/// byte for byte (`LIKE`, `strpos`) instead of lower-casing every name it reads (`ILIKE`,
/// `lower`), which made a search's walk of a few thousand firms 2.5 times as slow.
fn caseless(text: &str) -> bool {
    !text.chars().any(|c| c.is_lowercase() || c.is_uppercase())
}

/// Whether a trigram index can look `text` up: three characters or more.
fn has_trigrams(text: &str) -> bool {
    text.chars().count() >= 3
}

/// The statement of [`search`] and its parameters.
pub(crate) fn search_sql(backend: Backend, q: &FirmQuery, plan: TextPlan) -> (String, Vec<Arg>) {
    let mut text_index = false;
    let mut order = "f.id";
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
    if let Some(text) = text_of(q) {
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
        } else if backend == Backend::Sqlite && has_trigrams(text) {
            // The trigram index answers substrings of three or more characters. It is read in
            // id order (the order of the page) and left as soon as the page is full: a common
            // word ("天山区") does not collect its hundred thousand matches first.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            text_index = true;
            arg(
                "firm_fts MATCH ?",
                Arg::Text(phrase),
                &mut clauses,
                &mut args,
            );
        } else {
            if backend == Backend::Postgres
                && (!has_trigrams(text) || matches!(plan, TextPlan::Window(_)))
            {
                // No trigram to look up, or a bounded walk: a condition no index answers, so that
                // the planner (even with a generic plan for any text) walks the firms in page
                // order. (Given LIKE, it read a common word's every match from the trigram
                // indexes when it guessed the word rare: 50 ms instead of 1 ms.)
                args.push(Arg::Text(text.to_string()));
                let n = args.len();
                // Both sides lower-cased by the database, as ILIKE compares them.
                let (needle, name, address) = if caseless(text) {
                    (format!("${n}"), "f.name", "f.address")
                } else {
                    (format!("lower(${n})"), "lower(f.name)", "lower(f.address)")
                };
                clauses.push(format!(
                    "(strpos({name}, {needle}) > 0 OR strpos({address}, {needle}) > 0)"
                ));
            } else {
                let op = match backend {
                    Backend::Postgres if !caseless(text) => "ILIKE",
                    _ => "LIKE",
                };
                args.push(Arg::Text(like_pattern(text)));
                let n = args.len();
                clauses.push(format!(
                    "(f.name {op} ${n} ESCAPE '\\' OR f.address {op} ${n} ESCAPE '\\')"
                ));
            }
            match plan {
                TextPlan::Walk => {}
                TextPlan::Window(size) => {
                    args.push(Arg::Int(q.after_id.unwrap_or(0)));
                    let after = args.len();
                    args.push(Arg::Int(size));
                    let size = args.len();
                    clauses.push(format!(
                        "f.id > ${after} AND f.id <= (SELECT min(w.id) FROM firm w WHERE w.id > ${after}) + ${size}"
                    ));
                }
                // An expression, not the column: the planner cannot walk the primary key in
                // order, and reads the trigram indexes instead.
                TextPlan::Index => order = "f.id + 0",
            }
        }
    }
    // The id the page is ordered by: the text index's own when it leads.
    let id = if text_index { "s.rowid" } else { "f.id" };
    let order = if text_index { id } else { order };
    if let Some(after) = q.after_id {
        arg(
            &format!("{id} > ?"),
            Arg::Int(after),
            &mut clauses,
            &mut args,
        );
    }
    let limit = q.limit.clamp(1, 500);
    args.push(Arg::Int(limit + 1));
    let from = if text_index {
        "firm_fts s JOIN firm f ON f.id = s.rowid JOIN agency a ON a.id = f.agency_id"
    } else {
        "firm f JOIN agency a ON a.id = f.agency_id"
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM {from} WHERE {} ORDER BY {order} LIMIT ${}",
        clauses.join(" AND "),
        args.len()
    );
    (sql, args)
}

pub async fn search(db: &Db, q: &FirmQuery) -> Result<Page<Firm>> {
    // No firm's name holds a NUL character, and the full-text index cannot even be asked for one
    // (SQLite's phrase ends there); PostgreSQL refuses it in any text. Refused the same on both.
    if q.text.as_deref().is_some_and(|t| t.contains('\0')) {
        return Err(StoreError::Unstorable(
            "a NUL character in the search text".into(),
        ));
    }
    let limit = q.limit.clamp(1, 500);
    // A search for text is planned anew with its words each time (not a cached, generic
    // plan): PostgreSQL's generic plan cannot tell a common word from a rare one.
    let persistent = q.text.is_none();
    let fetch = |(sql, args): (String, Vec<Arg>)| async move {
        Ok::<Vec<Firm>, StoreError>(on_db!(db, |p| {
            let mut query = sqlx::query_as(&sql).persistent(persistent);
            for a in &args {
                query = match a {
                    Arg::Text(t) => query.bind(t),
                    Arg::Int(i) => query.bind(i),
                };
            }
            query.fetch_all(p).await?
        }))
    };
    // PostgreSQL, a word of three characters or more: a short walk in page order answers a
    // common word; when it does not fill the page, the trigram indexes answer a rare one. The
    // walk's matches are the first ones of the whole order, so a full page from it is exact.
    let items = if db.backend() == Backend::Postgres
        && text_of(q).is_some_and(|t| has_trigrams(t) && !looks_like_code(t))
    {
        let walked = fetch(search_sql(
            Backend::Postgres,
            q,
            TextPlan::Window(TEXT_WINDOW),
        ))
        .await?;
        if walked.len() as i64 > limit {
            walked
        } else {
            fetch(search_sql(Backend::Postgres, q, TextPlan::Index)).await?
        }
    } else {
        fetch(search_sql(db.backend(), q, TextPlan::Walk)).await?
    };
    Ok(Page::of(items, limit, |f| f.id))
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
    fn only_text_with_cased_letters_is_compared_without_case() {
        assert!(caseless("污水处理"));
        assert!(caseless("热力1号"));
        assert!(!caseless("ABC化工"));
        assert!(!caseless("steel"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a"), "%50\\%\\_a%");
    }
}
