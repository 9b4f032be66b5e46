//! The six registry lists (R-LIST) through one set of pages: list, add and edit a record, import a
//! file with a preview, export, and download the import template. Columns, headers and
//! validation come from `spotcheck_core::lists`, so the form, the file and the export agree.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use serde::Deserialize;
use spotcheck_core::lists::{self as core_lists, ListKind};
use spotcheck_core::role::Permission;
use spotcheck_store::import::{self, ImportInput, Rejection, Summary};
use spotcheck_store::{agency, export, lists, upload};
use spotcheck_tabular::{Format, Limits};

use super::{render, urlencode, PageCtx};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::records::Refusal;
use crate::AppState;

/// The largest file an import accepts through the web (the command line takes more).
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;
const PAGE_SIZE: i64 = 50;
const SHOWN_ERRORS: usize = 200;

fn kind_of(s: &str) -> Result<ListKind, AppError> {
    ListKind::parse(s).ok_or(AppError::NotFound)
}

fn headers(kind: ListKind, lang: Lang) -> Vec<&'static str> {
    kind.columns()
        .iter()
        .map(|c| {
            if lang == Lang::En {
                c.header_en
            } else {
                c.header_zh
            }
        })
        .collect()
}

/// One list on the overview page.
struct ListLink {
    kind: &'static str,
    name: &'static str,
    rules: String,
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListsPage {
    ctx: PageCtx,
    lists: Vec<ListLink>,
}

/// The six lists of the dynamic information database.
pub async fn overview(
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let lists = ListKind::ALL
        .into_iter()
        .map(|k| ListLink {
            kind: k.as_str(),
            name: k.name(lang.into()),
            rules: k.rule_ids().join(", "),
        })
        .collect();
    render(&ListsPage {
        ctx: PageCtx::new(lang, Some(&user), "/lists"),
        lists,
    })
}

struct ListRow {
    id: i64,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    ctx: PageCtx,
    kind: String,
    title: String,
    headers: Vec<&'static str>,
    rows: Vec<ListRow>,
    next_href: Option<String>,
    can_edit: bool,
    /// The day the list is shown as of, or empty for now.
    as_of: String,
    /// The text searched for.
    q: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<i64>,
    /// Show the list as it stood at the end of this day (YYYY-MM-DD).
    as_of: Option<String>,
    /// Only records containing this text.
    q: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let kind = kind_of(&kind)?;
    let as_of_day = q
        .as_of
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<chrono::NaiveDate>())
        .transpose()
        .map_err(|_| AppError::BadRequest("lists.bad_date"))?;
    let as_of = as_of_day
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc());
    let page = lists::search(
        &state.db,
        kind,
        user.scope_path(),
        as_of,
        q.q.as_deref(),
        q.after,
        PAGE_SIZE,
    )
    .await?;
    let text = q.q.clone().unwrap_or_default();
    let as_of_param = as_of_day.map(|d| format!("&as_of={d}")).unwrap_or_default()
        + &format!("&q={}", urlencode(&text));
    render(&ListPage {
        ctx: PageCtx::new(lang, Some(&user), &format!("/lists/{kind}")),
        as_of: as_of_day.map(|d| d.to_string()).unwrap_or_default(),
        q: text,
        title: kind.name(lang.into()).to_string(),
        headers: headers(kind, lang),
        rows: page
            .items
            .into_iter()
            .map(|s| ListRow {
                id: s.id,
                cells: s.record.to_cells(),
            })
            .collect(),
        next_href: page
            .next_after
            .map(|a| format!("/lists/{kind}?after={a}{as_of_param}")),
        can_edit: user.role.may(Permission::EditRegistry),
        kind: kind.as_str().to_string(),
    })
}

/// One field of the record form.
struct Field {
    name: String,
    label: &'static str,
    value: String,
    required: bool,
    example: &'static str,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    ctx: PageCtx,
    kind: String,
    title: String,
    action: String,
    fields: Vec<Field>,
    errors: Vec<String>,
}

fn form_page(
    user: &CurrentUser,
    lang: Lang,
    kind: ListKind,
    id: Option<i64>,
    values: &[String],
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let t = Tr::new(lang);
    let action = match id {
        Some(id) => format!("/lists/{kind}/{id}"),
        None => format!("/lists/{kind}/new"),
    };
    let fields = kind
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| Field {
            name: format!("f{i}"),
            label: if lang == Lang::En {
                c.header_en
            } else {
                c.header_zh
            },
            value: values.get(i).cloned().unwrap_or_default(),
            required: c.required,
            example: c.example,
        })
        .collect();
    let title = format!(
        "{} · {}",
        kind.name(lang.into()),
        t.get(if id.is_some() {
            "lists.edit"
        } else {
            "lists.add"
        })
    );
    let refused = !errors.is_empty();
    super::render_refused(
        &RecordForm {
            ctx: PageCtx::new(lang, Some(user), &action),
            kind: kind.as_str().into(),
            title,
            action,
            fields,
            errors,
        },
        refused,
    )
}

pub async fn new_form(
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    form_page(&user, lang, kind_of(&kind)?, None, &[], Vec::new())
}

async fn owned_record(
    state: &AppState,
    user: &CurrentUser,
    kind: ListKind,
    id: i64,
) -> Result<lists::Stored, AppError> {
    let stored = lists::get(&state.db, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = agency::by_id(&state.db, stored.agency_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.can_see(&owner) {
        return Err(AppError::Forbidden);
    }
    Ok(stored)
}

pub async fn edit_form(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let kind = kind_of(&kind)?;
    let stored = owned_record(&state, &user, kind, id).await?;
    form_page(
        &user,
        lang,
        kind,
        Some(id),
        &stored.record.to_cells(),
        Vec::new(),
    )
}

/// Saves a record typed into the form: the fields are checked exactly as a row of an import
/// (the form is a one-row file), then written with its history.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    kind: ListKind,
    id: Option<i64>,
    form: Vec<(String, String)>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    user.check_csrf(csrf)?;
    let values: Vec<String> = (0..kind.columns().len())
        .map(|i| {
            form.iter()
                .find(|(k, _)| *k == format!("f{i}"))
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        })
        .collect();
    let editing = match id {
        Some(id) => Some(
            owned_record(state, user, kind, id)
                .await?
                .record
                .natural_key(),
        ),
        None => None,
    };
    let t = Tr::new(lang);
    let problems =
        match crate::records::save(state, user, kind, &values, editing.as_deref()).await? {
            Ok(_) => {
                return Ok(super::see_other(format!("/lists/{kind}")));
            }
            Err(Refusal::Invalid(errors)) => errors
                .iter()
                .map(|e| field_message(e, kind, lang))
                .collect(),
            Err(Refusal::KeyChanged) => vec![t.get("lists.key_changed").to_string()],
            Err(Refusal::UnknownReference) => vec![t.get("lists.unknown_reference").to_string()],
        };
    form_page(user, lang, kind, id, &values, problems)
}

/// A row error of a form: the form has no row numbers, so only the field (as the form labels
/// it in the reader's language) and the reason.
fn field_message(e: &core_lists::ListError, kind: ListKind, lang: Lang) -> String {
    let full = e.message(lang.into());
    // The form's cells are read under the template's Chinese headers.
    let column = e.column.as_deref().map(|c| match lang {
        Lang::Zh => c,
        Lang::En => kind
            .columns()
            .iter()
            .find(|spec| spec.header_zh == c)
            .map_or(c, |spec| spec.header_en),
    });
    let separator = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    // Messages begin with the row ("第 1 行" / "Row 1"); a form has one row, so drop it.
    full.split_once('：')
        .or_else(|| full.split_once(": "))
        .map(|(_, rest)| match column {
            Some(c) => format!("{c}{separator}{rest}"),
            None => rest.to_string(),
        })
        .unwrap_or(full)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kind = kind_of(&kind)?;
    save(&state, &user, lang, kind, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kind = kind_of(&kind)?;
    save(&state, &user, lang, kind, Some(id), form).await
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: PageCtx,
    kind: String,
    title: String,
    /// Set after a preview or an import.
    outcome: Option<ImportOutcome>,
}

/// What the import page reports after a file was checked.
struct ImportOutcome {
    file_name: String,
    applied: bool,
    summary: Option<Summary>,
    errors: Vec<String>,
    more_errors: usize,
    token: String,
}

pub async fn import_form(
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let kind = kind_of(&kind)?;
    render(&ImportPage {
        ctx: PageCtx::new(lang, Some(&user), &format!("/lists/{kind}/import")),
        title: kind.name(lang.into()).to_string(),
        kind: kind.as_str().into(),
        outcome: None,
    })
}

async fn check_file(
    state: &AppState,
    user: &CurrentUser,
    kind: ListKind,
    file_name: &str,
    bytes: &[u8],
    apply: bool,
    lang: Lang,
) -> Result<(Option<Summary>, Vec<String>, usize), AppError> {
    let input = web_import(state, user, kind, file_name, bytes);
    Ok(
        match import::run(&state.db, &user.account.username, &input, apply, &|_| {}).await? {
            Ok(summary) => (Some(summary), Vec::new(), 0),
            Err(Rejection::File(e)) => (None, vec![e.message(lang.into())], 0),
            Err(Rejection::Rows { errors, .. }) => {
                let more = errors.len().saturating_sub(SHOWN_ERRORS);
                (
                    None,
                    errors
                        .iter()
                        .take(SHOWN_ERRORS)
                        .map(|e| e.message(lang.into()))
                        .collect(),
                    more,
                )
            }
        },
    )
}

/// Receives a file and shows what importing it would do (nothing is written yet).
pub async fn import_preview(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let kind = kind_of(&kind)?;
    let (mut csrf, mut file_name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("lists.upload_failed"))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|_| AppError::BadRequest("lists.upload_failed"))?
            }
            Some("file") => {
                file_name = field.file_name().unwrap_or("list.csv").to_string();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest("lists.file_too_large"))?
                    .to_vec();
            }
            _ => {}
        }
    }
    user.check_csrf(&csrf)?;
    if bytes.is_empty() {
        return Err(AppError::BadRequest("lists.no_file"));
    }
    let (summary, errors, more_errors) =
        check_file(&state, &user, kind, &file_name, &bytes, false, lang).await?;
    let token = upload::save(
        &state.db,
        user.account.id,
        user.agency.id,
        kind.as_str(),
        &file_name,
        &bytes,
    )
    .await?;
    let outcome = ImportOutcome {
        file_name,
        applied: false,
        summary,
        errors,
        more_errors,
        token,
    };
    import_result_page(&user, lang, kind, outcome)
}

/// The import page with what a preview or an import found: 422 when the file was refused.
fn import_result_page(
    user: &CurrentUser,
    lang: Lang,
    kind: ListKind,
    outcome: ImportOutcome,
) -> Result<Response, AppError> {
    let refused = !outcome.errors.is_empty();
    super::render_refused(
        &ImportPage {
            ctx: PageCtx::new(lang, Some(user), &format!("/lists/{kind}/import")),
            title: kind.name(lang.into()).to_string(),
            kind: kind.as_str().into(),
            outcome: Some(outcome),
        },
        refused,
    )
}

#[derive(Deserialize)]
pub struct ApplyForm {
    csrf: String,
    token: String,
}

/// Applies a previewed file in one transaction.
pub async fn import_apply(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Form(f): Form<ApplyForm>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    user.check_csrf(&f.csrf)?;
    let kind = kind_of(&kind)?;
    let up = upload::load(&state.db, &f.token, user.account.id)
        .await?
        .ok_or(AppError::BadRequest("lists.upload_expired"))?;
    if up.list_kind != kind.as_str() || up.agency_id != user.agency.id {
        return Err(AppError::Forbidden);
    }
    let (summary, errors, more_errors) =
        check_file(&state, &user, kind, &up.file_name, &up.content, true, lang).await?;
    if summary.is_some() {
        upload::remove(&state.db, &f.token).await?;
    }
    let outcome = ImportOutcome {
        file_name: up.file_name,
        applied: summary.is_some(),
        summary,
        errors,
        more_errors,
        token: f.token,
    };
    import_result_page(&user, lang, kind, outcome)
}

#[derive(Deserialize)]
pub struct FileQuery {
    format: Option<String>,
}

fn format_of(q: &FileQuery) -> Format {
    match q.format.as_deref() {
        Some("csv") => Format::Csv,
        _ => Format::Xlsx,
    }
}

/// An import of `bytes` by the caller's agency, with the web's size limit.
fn web_import<'a>(
    state: &AppState,
    user: &'a CurrentUser,
    kind: ListKind,
    file_name: &'a str,
    bytes: &'a [u8],
) -> ImportInput<'a> {
    ImportInput {
        kind,
        agency: &user.agency,
        file_name,
        bytes,
        today: state.config.today(),
        limits: Limits {
            max_bytes: MAX_UPLOAD_BYTES,
            ..Limits::default()
        },
    }
}

/// The error report of a refused import, as a spreadsheet.
pub async fn import_errors(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path((kind, token)): Path<(String, String)>,
) -> Result<Response, AppError> {
    user.require(Permission::EditRegistry)?;
    let kind = kind_of(&kind)?;
    let up = upload::load(&state.db, &token, user.account.id)
        .await?
        .ok_or(AppError::BadRequest("lists.upload_expired"))?;
    let input = web_import(&state, &user, kind, &up.file_name, &up.content);
    let lines = match import::run(&state.db, &user.account.username, &input, false, &|_| {}).await?
    {
        Err(Rejection::Rows { errors, .. }) => errors
            .iter()
            .map(|e| export::ReportLine::of(e, lang.into()))
            .collect(),
        Err(Rejection::File(e)) => vec![export::ReportLine::of_file(&e, lang.into())],
        Ok(_) => Vec::new(),
    };
    let bytes = export::error_report(&lines, lang.into(), Format::Xlsx)?;
    Ok(super::download(
        bytes,
        Format::Xlsx,
        &Tr::new(lang).fmt("lists.errors_file", &[("list", kind.name(lang.into()))]),
    ))
}

pub async fn export_list(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let kind = kind_of(&kind)?;
    let format = format_of(&q);
    let bytes = export::list(&state.db, kind, user.scope_path(), format, &|_| {}).await?;
    Ok(super::download(bytes, format, kind.name(lang.into())))
}

pub async fn template(
    Extension(lang): Extension<Lang>,
    user: CurrentUser,
    Path(kind): Path<String>,
    Query(q): Query<FileQuery>,
) -> Result<Response, AppError> {
    user.require(Permission::ViewRegistry)?;
    let kind = kind_of(&kind)?;
    let format = format_of(&q);
    let bytes = export::template(kind, format)?;
    Ok(super::download(
        bytes,
        format,
        &Tr::new(lang).fmt("lists.template_file", &[("list", kind.name(lang.into()))]),
    ))
}
