//! Public disclosure (公示, R-REP-3): the portal anyone may read without an account, and the page
//! where an agency publishes a quarter.
//!
//! Public, read only what has been published (a quarter not published is a 404):
//! - `/public`: the agencies and their published quarters;
//! - `/public/{agency}/{quarter}` (`?version=N` for an earlier version): the quarter's checks and
//!   its draws with their hashes, randomness, witnesses and result, each with a link that checks
//!   it in the browser on `/verify`;
//! - `/public/{agency}/{quarter}.csv` and `.json`: open data (docs/open-data.md);
//! - `/public/{agency}/{quarter}/draws/{id}.json`: one draw's full `{"input", "output"}` record;
//! - `/public/feed.xml`: an Atom feed of the publications.
//!
//! For the agency (district admins and the city legal section, [`Permission::RunDraws`], own
//! jurisdiction): `/disclosures`, each quarter's due date and state, and the form that publishes
//! a quarter or, with a note, an amendment.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_DISPOSITION, CONTENT_TYPE, ETAG};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use spotcheck_core::calendar::Duty;
use spotcheck_core::period::Quarter;
use spotcheck_core::role::Permission;
use spotcheck_store::agency::{self, Agency};
use spotcheck_store::disclosure::{
    self, Disclosure, DisclosureConfig, PublicCheck, PublicDraw, Publication, Refusal, Snapshot,
};
use spotcheck_store::StoreError;
use spotcheck_tabular::Cell;

use super::{render, urlencode, visible_agencies, PageCtx};
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// Which rendering of a public quarter page: the agency, the quarter, the version asked for (none
/// for the latest), the latest version published (a new one changes every version's page: its
/// list of versions) and the language.
type PageKey = (i64, String, Option<i64>, i64, Lang);

/// The public quarter pages as rendered for visitors without an account. A published version
/// never changes, so its page is rendered once per language and served from memory. Which
/// version is the latest is asked of the database (one indexed row) at most once a second per
/// agency and quarter ([`Self::LATEST_FOR`]): a publication shows at once on the server that
/// made it, and within that second on every other server. Bounded: when full, it starts again
/// empty.
#[derive(Clone, Default)]
pub struct PublicPageCache {
    pages: Arc<Mutex<HashMap<PageKey, axum::body::Bytes>>>,
    latest: Arc<Mutex<HashMap<(String, Quarter), LatestRead>>>,
}

/// Inserts into a map of at most [`PublicPageCache::CAPACITY`] entries: when full, it starts
/// again empty.
fn insert_bounded<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut map) = map.lock() {
        if map.len() >= PublicPageCache::CAPACITY {
            map.clear();
        }
        map.insert(key, value);
    }
}

/// A quarter's latest version as read from the database: the agency's id, the version, and
/// when it was read.
type LatestRead = (i64, i64, Instant);

impl PublicPageCache {
    /// Pages kept at most (each a few hundred kB at most).
    const CAPACITY: usize = 256;
    /// How long a latest version read from the database is taken as the latest. The database's
    /// round trip per page held the PostgreSQL server to 0.27–0.29 of nginx's rate for the same
    /// page (docs/performance.md).
    const LATEST_FOR: Duration = Duration::from_secs(1);

    fn get(&self, key: &PageKey) -> Option<axum::body::Bytes> {
        self.pages.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: PageKey, page: axum::body::Bytes) {
        insert_bounded(&self.pages, key, page);
    }

    /// The agency's id and the latest published version of its quarter: as read less than
    /// [`Self::LATEST_FOR`] ago, or read now. `None` when nothing is published (not kept: the
    /// first publication shows at once).
    async fn latest(
        &self,
        db: &spotcheck_store::Db,
        code: &str,
        quarter: Quarter,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        let key = (code.to_string(), quarter);
        let read = self.latest.lock().ok().and_then(|l| l.get(&key).copied());
        if let Some((id, version, at)) = read {
            if at.elapsed() < Self::LATEST_FOR {
                return Ok(Some((id, version)));
            }
        }
        let Some((id, Some(version))) =
            disclosure::latest_version_by_code(db, code, quarter).await?
        else {
            return Ok(None);
        };
        insert_bounded(&self.latest, key, (id, version, Instant::now()));
        Ok(Some((id, version)))
    }

    /// Forgets the latest versions read: a publication on this server shows at once.
    fn published(&self) {
        if let Ok(mut latest) = self.latest.lock() {
            latest.clear();
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public", get(index))
        .route("/public/feed.xml", get(feed))
        .route("/public/{agency}/{quarter}", get(quarter))
        .route("/public/{agency}/{quarter}/draws/{file}", get(draw_record))
        .route("/disclosures", get(disclosures).post(publish))
}

/// How many publications the feed carries.
const FEED_ENTRIES: i64 = 50;

/// How many quarters the agency's page lists, the current one included.
const QUARTERS_SHOWN: usize = 8;

fn time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

// ---------------------------------------------------------------------------------------------
// The list of agencies and their published quarters.

struct QuarterLink {
    quarter: String,
    version: i64,
    published_at: String,
}

struct AgencyEntry {
    code: String,
    name: String,
    quarters: Vec<QuarterLink>,
}

#[derive(Template)]
#[template(path = "public_index.html")]
struct IndexPage {
    ctx: PageCtx,
    agencies: Vec<AgencyEntry>,
    can_publish: bool,
}

async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, AppError> {
    let mut latest: BTreeMap<(i64, String), Publication> = BTreeMap::new();
    for p in disclosure::list_published(&state.db, None, None).await? {
        // Listed latest version first: keep the first of each quarter.
        latest.entry((p.agency_id, p.quarter.clone())).or_insert(p);
    }
    let agencies = agency::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .map(|a| {
            let mut quarters: Vec<QuarterLink> = latest
                .values()
                .filter(|p| p.agency_id == a.id)
                .map(|p| QuarterLink {
                    quarter: p.quarter.clone(),
                    version: p.version,
                    published_at: time(&p.published_at),
                })
                .collect();
            quarters.sort_by(|x, y| y.quarter.cmp(&x.quarter));
            AgencyEntry {
                name: a.name(lang.code()).to_string(),
                code: a.code,
                quarters,
            }
        })
        .collect();
    render(&IndexPage {
        ctx: PageCtx::new(lang, user.as_ref(), "/public"),
        agencies,
        can_publish: user.is_some_and(|u| u.role.may(Permission::RunDraws)),
    })
}

// ---------------------------------------------------------------------------------------------
// One published quarter.

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<i64>,
}

/// What a quarter's address asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Page,
    Csv,
    Json,
}

fn format_of(file: &str) -> (&str, Format) {
    if let Some(q) = file.strip_suffix(".csv") {
        (q, Format::Csv)
    } else if let Some(q) = file.strip_suffix(".json") {
        (q, Format::Json)
    } else {
        (file, Format::Page)
    }
}

#[derive(Template)]
#[template(path = "public_missing.html")]
struct MissingPage {
    ctx: PageCtx,
    message: String,
}

/// The 404 page of something not published (or not there at all); it says which.
fn missing(
    lang: Lang,
    user: Option<&CurrentUser>,
    path: &str,
    message: String,
) -> Result<Response, AppError> {
    let mut response = render(&MissingPage {
        ctx: PageCtx::new(lang, user, path),
        message,
    })?;
    *response.status_mut() = StatusCode::NOT_FOUND;
    Ok(response)
}

/// The published version asked for, or the page saying it is not published.
async fn find(
    state: &AppState,
    lang: Lang,
    user: Option<&CurrentUser>,
    path: &str,
    agency_code: &str,
    quarter: &str,
    version: Option<i64>,
) -> Result<Result<(Agency, Quarter, Disclosure), Response>, AppError> {
    let t = Tr::new(lang);
    let agency = agency::by_code(&state.db, agency_code).await?;
    let (Some(agency), Ok(q)) = (agency, Quarter::parse(quarter)) else {
        let message = t.get("public.unknown").to_string();
        return Ok(Err(missing(lang, user, path, message)?));
    };
    let found = match version {
        Some(v) => disclosure::by_version(&state.db, agency.id, q, v).await?,
        None => disclosure::latest(&state.db, agency.id, q).await?,
    };
    match found {
        Some(d) => Ok(Ok((agency, q, d))),
        None => {
            let due = Duty::Disclosure(q)
                .due_date(&state.config.rules)
                .to_string();
            let quarter = q.to_string();
            let message = match version {
                Some(v) => t.fmt(
                    "public.no_such_version",
                    &[
                        ("agency", agency.name(lang.code())),
                        ("quarter", &quarter),
                        ("version", &v.to_string()),
                    ],
                ),
                None => t.fmt(
                    "public.not_published",
                    &[
                        ("agency", agency.name(lang.code())),
                        ("quarter", &quarter),
                        ("due", &due),
                    ],
                ),
            };
            Ok(Err(missing(lang, user, path, message)?))
        }
    }
}

struct VersionLink {
    version: i64,
    published_at: String,
    note: String,
    current: bool,
}

struct CheckLine {
    firm_name: String,
    credit_code: String,
    category: String,
    plan: String,
    due_on: NaiveDate,
    checked_on: String,
    result_key: String,
    result_class: &'static str,
    problems: String,
    handling: String,
    officers: String,
}

struct DrawView {
    d: PublicDraw,
    plan: String,
    witnesses: String,
    /// The seed's parts, shown with a line break allowed after each `|`.
    seed_parts: Vec<String>,
    frozen_at: String,
    seeded_at: String,
    executed_at: String,
    record_href: String,
    verify_href: String,
}

#[derive(Template)]
#[template(path = "public_quarter.html")]
struct QuarterPage {
    ctx: PageCtx,
    agency_code: String,
    agency_name: String,
    quarter: String,
    version: i64,
    latest_version: i64,
    published_at: String,
    note: String,
    content_sha256: String,
    versions: Vec<VersionLink>,
    show_officers: bool,
    checks: Vec<CheckLine>,
    checked: usize,
    violations: usize,
    draws: Vec<DrawView>,
    csv_href: String,
    json_href: String,
}

/// The measures (translated), the documents and the rectification of a check, as one text.
fn handling(t: &Tr, c: &PublicCheck) -> String {
    let mut parts: Vec<String> = c
        .measures
        .iter()
        .map(|m| t.get(&format!("insp.measure.{}", m.as_str())).to_string())
        .collect();
    parts.extend(c.orders_to_correct.iter().cloned());
    parts.extend(c.cases_filed.iter().cloned());
    if let Some(r) = &c.rectification {
        parts.push(t.get(&format!("public.rectification_{r}")).to_string());
    }
    t.clauses(&parts)
}

/// The officers of a check as far as they are published.
fn officers_text(t: &Tr, c: &PublicCheck) -> String {
    t.list(
        c.officers
            .iter()
            .flatten()
            .map(|o| match (&o.name, &o.certificate_no) {
                (Some(n), Some(c)) => t.fmt("punct.aside", &[("text", n), ("aside", c)]),
                (Some(n), None) => n.clone(),
                (None, Some(c)) => c.clone(),
                (None, None) => String::new(),
            }),
    )
}

fn check_line(t: &Tr, c: &PublicCheck) -> CheckLine {
    CheckLine {
        firm_name: c.firm_name.clone(),
        credit_code: c.credit_code.clone(),
        category: t
            .get(&format!("public.category_{}", c.firm_category))
            .to_string(),
        plan: format!(
            "{} {}",
            t.get(&format!("plan.kind_{}", c.plan_kind)),
            c.plan_period
        ),
        due_on: c.due_on,
        checked_on: c.checked_on.map(|d| d.to_string()).unwrap_or_default(),
        result_key: format!("public.result_{}", c.result),
        result_class: match c.result.as_str() {
            "violation" => "error",
            "compliant" => "ok",
            _ => "muted",
        },
        problems: c.problems.clone(),
        handling: handling(t, c),
        officers: officers_text(t, c),
    }
}

/// The address of a draw's record, of the version shown when it is not the latest.
fn record_href(agency: &str, quarter: &str, id: i64, version: Option<i64>) -> String {
    let base = format!("/public/{agency}/{quarter}/draws/{id}.json");
    match version {
        Some(v) => format!("{base}?version={v}"),
        None => base,
    }
}

fn draw_view(t: &Tr, agency: &str, quarter: &str, version: Option<i64>, d: PublicDraw) -> DrawView {
    let record_href = record_href(agency, quarter, d.id, version);
    DrawView {
        plan: format!(
            "{} {}",
            t.get(&format!("plan.kind_{}", d.plan_kind)),
            d.plan_period
        ),
        witnesses: t.list(&d.witnesses),
        seed_parts: d.seed.split('|').map(str::to_string).collect(),
        frozen_at: time(&d.frozen_at),
        seeded_at: d.seeded_at.as_ref().map(time).unwrap_or_default(),
        executed_at: d.executed_at.as_ref().map(time).unwrap_or_default(),
        verify_href: format!("/verify?record={}", urlencode(&record_href)),
        record_href,
        d,
    }
}

async fn quarter(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
    Path((agency_code, file)): Path<(String, String)>,
    Query(query): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let (quarter_text, format) = format_of(&file);
    let path = format!("/public/{agency_code}/{file}");
    // A visitor without an account gets the page rendered before, if the latest version is still
    // the one it was rendered with.
    let mut cache_key = None;
    if let (Format::Page, None, Ok(q)) = (format, &user, Quarter::parse(quarter_text)) {
        if let Some((agency_id, latest)) = state
            .public_pages
            .latest(&state.db, &agency_code, q)
            .await?
        {
            let key = (agency_id, q.to_string(), query.version, latest, lang);
            if let Some(page) = state.public_pages.get(&key) {
                return Ok(Html(page).into_response());
            }
            cache_key = Some(key);
        }
    }
    let (agency, q, published) = match find(
        &state,
        lang,
        user.as_ref(),
        &path,
        &agency_code,
        quarter_text,
        query.version,
    )
    .await?
    {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    match format {
        Format::Json => Ok(json_file(&agency, &published)),
        Format::Csv => csv_file(&agency, &published),
        Format::Page => {
            let versions =
                disclosure::list_published(&state.db, Some(&agency.code), Some(q)).await?;
            let page = axum::body::Bytes::from(quarter_page(
                lang,
                user.as_ref(),
                &path,
                &agency,
                published,
                versions,
            )?);
            if let Some(key) = cache_key {
                state.public_pages.put(key, page.clone());
            }
            Ok(Html(page).into_response())
        }
    }
}

fn quarter_page(
    lang: Lang,
    user: Option<&CurrentUser>,
    path: &str,
    agency: &Agency,
    published: Disclosure,
    versions: Vec<Publication>,
) -> Result<String, AppError> {
    let t = Tr::new(lang);
    let snapshot = published.snapshot()?;
    let latest_version = versions.first().map_or(published.version, |p| p.version);
    // Links to the records of an earlier version name it; the latest's stay short.
    let pinned = (published.version != latest_version).then_some(published.version);
    let Snapshot {
        quarter,
        checks,
        draws,
        officers_shown,
        note,
        ..
    } = snapshot;
    let suffix = pinned.map(|v| format!("?version={v}")).unwrap_or_default();
    let page = QuarterPage {
        ctx: PageCtx::new(lang, user, path),
        agency_name: agency.name(lang.code()).to_string(),
        csv_href: format!("/public/{}/{quarter}.csv{suffix}", agency.code),
        json_href: format!("/public/{}/{quarter}.json{suffix}", agency.code),
        version: published.version,
        latest_version,
        published_at: time(&published.published_at),
        note: note.unwrap_or_default(),
        content_sha256: published.content_sha256.clone(),
        versions: versions
            .iter()
            .map(|p| VersionLink {
                version: p.version,
                published_at: time(&p.published_at),
                note: p.note.clone().unwrap_or_default(),
                current: p.version == published.version,
            })
            .collect(),
        show_officers: officers_shown.show_officer_names
            || officers_shown.show_officer_certificates,
        checked: checks.iter().filter(|c| c.result != "not_checked").count(),
        violations: checks.iter().filter(|c| c.result == "violation").count(),
        checks: checks.iter().map(|c| check_line(&t, c)).collect(),
        draws: draws
            .into_iter()
            .map(|d| draw_view(&t, &agency.code, &quarter, pinned, d))
            .collect(),
        agency_code: agency.code.clone(),
        quarter,
    };
    Ok(page.render()?)
}

/// The file name of a version's open data.
fn file_name(agency: &Agency, published: &Disclosure, extension: &str) -> String {
    format!(
        "disclosure-{}-{}-v{}.{extension}",
        agency.code, published.quarter, published.version
    )
}

/// The published document exactly as stored: its SHA-256 is the one listed on the page.
fn json_file(agency: &Agency, published: &Disclosure) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{}\"",
                    file_name(agency, published, "json")
                ),
            ),
            (ETAG, format!("\"{}\"", published.content_sha256)),
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        published.content.clone(),
    )
        .into_response()
}

/// The columns of the open-data CSV, in order (docs/open-data.md).
pub const CSV_COLUMNS: [&str; 19] = [
    "agency_code",
    "quarter",
    "version",
    "firm_name",
    "credit_code",
    "firm_category",
    "plan_kind",
    "plan_period",
    "draw_label",
    "due_on",
    "checked_on",
    "result",
    "problems",
    "measures",
    "orders_to_correct",
    "cases_filed",
    "rectification",
    "officer_names",
    "officer_certificates",
];

fn csv_row(agency: &Agency, published: &Disclosure, c: &PublicCheck) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_string());
    let list = |items: &[String]| Cell::Text(items.join(";"));
    let team = |pick: fn(&disclosure::PublicOfficer) -> Option<&String>| {
        let names: Vec<String> = c
            .officers
            .iter()
            .flatten()
            .filter_map(pick)
            .cloned()
            .collect();
        Cell::Text(names.join(";"))
    };
    let measures: Vec<String> = c.measures.iter().map(|m| m.as_str().to_string()).collect();
    vec![
        text(&agency.code),
        text(&published.quarter),
        Cell::Integer(published.version),
        text(&c.firm_name),
        text(&c.credit_code),
        text(&c.firm_category),
        text(&c.plan_kind),
        text(&c.plan_period),
        text(&c.draw_label),
        Cell::Date(c.due_on),
        c.checked_on.map_or(Cell::Empty, Cell::Date),
        text(&c.result),
        text(&c.problems),
        list(&measures),
        list(&c.orders_to_correct),
        list(&c.cases_filed),
        text(c.rectification.as_deref().unwrap_or("")),
        team(|o| o.name.as_ref()),
        team(|o| o.certificate_no.as_ref()),
    ]
}

/// The checks of a version as CSV: UTF-8 with a byte order mark (so that spreadsheet programs
/// on Chinese systems read it right), one line per check.
fn csv_file(agency: &Agency, published: &Disclosure) -> Result<Response, AppError> {
    let snapshot = published.snapshot()?;
    let mut bytes = Vec::new();
    spotcheck_tabular::write_csv(
        &CSV_COLUMNS,
        snapshot
            .checks
            .iter()
            .map(|c| csv_row(agency, published, c)),
        &mut bytes,
        true,
    )
    .map_err(|e| AppError::Store(StoreError::Invalid(e.to_string())))?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    file_name(agency, published, "csv")
                ),
            ),
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// One draw's full record, as `/verify` and `spotcheck draw verify` take it.
async fn draw_record(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
    Path((agency_code, quarter, file)): Path<(String, String, String)>,
    Query(query): Query<VersionQuery>,
) -> Result<Response, AppError> {
    let path = format!("/public/{agency_code}/{quarter}/draws/{file}");
    let (_, _, published) = match find(
        &state,
        lang,
        user.as_ref(),
        &path,
        &agency_code,
        &quarter,
        query.version,
    )
    .await?
    {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let id = file
        .strip_suffix(".json")
        .and_then(|id| id.parse::<i64>().ok());
    let draw = published
        .snapshot()?
        .draws
        .into_iter()
        .find(|d| Some(d.id) == id);
    let Some(draw) = draw else {
        let message = Tr::new(lang).get("public.no_such_draw").to_string();
        return missing(lang, user.as_ref(), &path, message);
    };
    let body = serde_json::to_string(&draw.record)
        .map_err(|e| AppError::Store(StoreError::Invalid(e.to_string())))?;
    Ok((
        [
            (CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"draw-{}-{}.json\"",
                    draw.label.replace('/', "-"),
                    draw.attempt
                ),
            ),
            (ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The Atom feed.

struct FeedEntry {
    id: String,
    title: String,
    href: String,
    updated: String,
    author: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "public_feed.xml")]
struct FeedDocument {
    t: Tr,
    updated: String,
    entries: Vec<FeedEntry>,
}

fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn feed(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
) -> Result<Response, AppError> {
    let t = Tr::new(lang);
    let publications = disclosure::feed(&state.db, FEED_ENTRIES).await?;
    let updated = publications
        .first()
        .map(|p| rfc3339(&p.published_at))
        .unwrap_or_else(|| rfc3339(&DateTime::<Utc>::UNIX_EPOCH));
    let entries = publications
        .iter()
        .map(|p| {
            let agency = p.agency_name(lang.code()).to_string();
            let version = p.version.to_string();
            FeedEntry {
                id: format!(
                    "urn:spotcheck:disclosure:{}:{}:{}",
                    p.agency_code, p.quarter, p.version
                ),
                title: t.fmt(
                    "public.feed_entry",
                    &[
                        ("agency", &agency),
                        ("quarter", &p.quarter),
                        ("version", &version),
                    ],
                ),
                href: format!(
                    "/public/{}/{}?version={}",
                    p.agency_code, p.quarter, p.version
                ),
                updated: rfc3339(&p.published_at),
                summary: match &p.note {
                    Some(note) => t.fmt("public.feed_amended", &[("note", note)]),
                    None => t.get("public.feed_first").to_string(),
                },
                author: agency,
            }
        })
        .collect();
    let body = FeedDocument {
        t,
        updated,
        entries,
    }
    .render()?;
    Ok((
        [(CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// The agency's page: each quarter's state, and publishing.

#[derive(Deserialize)]
struct AgencyQuery {
    agency: Option<String>,
}

struct QuarterState {
    quarter: String,
    due: NaiveDate,
    /// The quarter has ended: it may be published.
    ended: bool,
    draws: i64,
    published_version: Option<i64>,
    published_at: String,
    state_key: &'static str,
    state_class: &'static str,
}

#[derive(Template)]
#[template(path = "disclosures.html")]
struct DisclosuresPage {
    ctx: PageCtx,
    agencies: Vec<(String, String)>,
    agency_code: String,
    agency_name: String,
    rows: Vec<QuarterState>,
    message: Option<String>,
    /// Whether the caller may publish (R-REP-3): the others see where the quarters stand.
    can_publish: bool,
}

async fn disclosures(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Query(q): Query<AgencyQuery>,
) -> Result<Response, AppError> {
    // Anyone of the jurisdiction sees where its disclosures stand; publishing is for those
    // who run its draws.
    user.require(Permission::ViewRegistry)?;
    disclosures_page(&state, &user, lang, q.agency.as_deref(), None).await
}

/// The quarters the page lists: the current one and those before it, latest first.
fn recent_quarters(today: NaiveDate) -> Vec<Quarter> {
    std::iter::successors(Some(Quarter::containing(today)), |q| q.prev())
        .take(QUARTERS_SHOWN)
        .collect()
}

async fn disclosures_page(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    agency_code: Option<&str>,
    message: Option<String>,
) -> Result<Response, AppError> {
    let today = state.config.today();
    let visible: Vec<Agency> = visible_agencies(state, user)
        .await?
        .into_iter()
        .filter(|a| a.kind().is_some_and(|k| k.is_jurisdiction()))
        .collect();
    let selected = match agency_code.filter(|c| !c.is_empty()) {
        Some(code) => Some(
            visible
                .iter()
                .find(|a| a.code == code)
                .ok_or(AppError::Forbidden)?,
        ),
        None => visible
            .iter()
            .find(|a| a.id == user.agency.id)
            .or(visible.first()),
    };
    let mut rows = Vec::new();
    if let Some(agency) = selected {
        let published = disclosure::list_published(&state.db, Some(&agency.code), None).await?;
        for q in recent_quarters(today) {
            let due = Duty::Disclosure(q).due_date(&state.config.rules);
            let ended = today > q.last_day();
            let quarter = q.to_string();
            // Listed latest version first.
            let latest = published.iter().find(|p| p.quarter == quarter);
            let first = published.iter().rev().find(|p| p.quarter == quarter);
            let draws = disclosure::executed_draws(&state.db, agency, q).await?;
            let (state_key, state_class) = match (latest, first) {
                (Some(_), Some(f)) if state.config.rules.day_of(f.published_at) > due => {
                    ("disclosure.state_published_late", "warn")
                }
                (Some(_), _) => ("disclosure.state_published", "ok"),
                (None, _) if !ended => ("disclosure.state_not_over", "muted"),
                // R-REP-3 publishes a quarter's draws: a quarter without one has nothing to
                // publish and is never overdue.
                (None, _) if draws == 0 => ("disclosure.state_no_draw", "muted"),
                (None, _) if today > due => ("disclosure.state_overdue", "error"),
                (None, _) => ("disclosure.state_due", "warn"),
            };
            rows.push(QuarterState {
                draws,
                published_version: latest.map(|p| p.version),
                published_at: latest.map(|p| time(&p.published_at)).unwrap_or_default(),
                quarter,
                due,
                ended,
                state_key,
                state_class,
            });
        }
    }
    let refused = message.is_some();
    super::render_refused(
        &DisclosuresPage {
            ctx: PageCtx::new(lang, Some(user), "/disclosures"),
            agencies: visible
                .iter()
                .map(|a| (a.code.clone(), a.name(lang.code()).to_string()))
                .collect(),
            agency_code: selected.map(|a| a.code.clone()).unwrap_or_default(),
            agency_name: selected
                .map(|a| a.name(lang.code()).to_string())
                .unwrap_or_default(),
            rows,
            message,
            can_publish: user.role.may(Permission::RunDraws),
        },
        refused,
    )
}

#[derive(Deserialize)]
struct PublishForm {
    csrf: String,
    agency: String,
    quarter: String,
    #[serde(default)]
    note: String,
    /// A checkbox: present when ticked.
    show_officer_names: Option<String>,
    show_officer_certificates: Option<String>,
}

fn refusal_message(t: &Tr, refusal: &Refusal) -> String {
    match refusal {
        Refusal::QuarterNotOver { ends } => t.fmt(refusal.key(), &[("ends", &ends.to_string())]),
        Refusal::NoExecutedDraw => t.get(refusal.key()).to_string(),
        Refusal::AlreadyPublished { version } => {
            t.fmt(refusal.key(), &[("version", &version.to_string())])
        }
    }
}

/// Publishes a quarter, or with a note an amendment (R-REP-3), for an agency in the caller's
/// jurisdiction.
async fn publish(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&f.csrf)?;
    user.require(Permission::RunDraws)?;
    let agency = agency::by_code(&state.db, f.agency.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&agency) {
        return Err(AppError::Forbidden);
    }
    let quarter = Quarter::parse(f.quarter.trim())
        .map_err(|_| AppError::BadRequest("disclosure.bad_quarter"))?;
    let config = DisclosureConfig {
        show_officer_names: f.show_officer_names.is_some(),
        show_officer_certificates: f.show_officer_certificates.is_some(),
    };
    let today = state.config.today();
    let outcome = disclosure::publish(
        &state.db,
        &user.account.username,
        &agency,
        quarter,
        Some(f.note.as_str()),
        &config,
        today,
    )
    .await?;
    match outcome {
        Ok(d) => {
            state.public_pages.published();
            Ok(super::see_other(format!(
                "/public/{}/{}",
                agency.code, d.quarter
            )))
        }
        Err(refusal) => {
            let message = refusal_message(&Tr::new(lang), &refusal);
            disclosures_page(&state, &user, lang, Some(&agency.code), Some(message)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarters_address_names_its_format() {
        assert!(matches!(format_of("2026Q2"), ("2026Q2", Format::Page)));
        assert!(matches!(format_of("2026Q2.csv"), ("2026Q2", Format::Csv)));
        assert!(matches!(format_of("2026Q2.json"), ("2026Q2", Format::Json)));
    }

    #[test]
    fn the_page_lists_the_current_quarter_and_the_seven_before() {
        let quarters = recent_quarters("2026-11-29".parse().unwrap());
        assert_eq!(quarters.len(), QUARTERS_SHOWN);
        assert_eq!(quarters[0].to_string(), "2026Q4");
        assert_eq!(quarters[7].to_string(), "2025Q1");
    }
}
