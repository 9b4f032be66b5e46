//! The public page that checks a published draw (复核抽取结果), `/verify`: anyone, without an
//! account, gives a draw record `{"input": …, "output": …}` (what `spotcheck draw export` writes
//! and `/api/v1/plans/{id}/export` returns) and learns whether its output is exactly the draw of
//! its input.
//!
//! With JavaScript the record never leaves the browser: `static/verify.js` runs the draw engine
//! built to WebAssembly (`crates/draw-wasm`, embedded by `build.rs`). Without JavaScript, or
//! when the module was built without the `wasm32-unknown-unknown` target, the form is posted and
//! the server runs the same check.
//!
//! A published quarter (R-REP-3) links each of its draws here as
//! `/verify?record=/public/{agency}/{quarter}/draws/{id}.json`: the script loads that record from
//! this site and checks it at once; without JavaScript the page links the record for download.

use std::sync::atomic::{AtomicUsize, Ordering};

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use spotcheck_draw::{verify_json, Verification};

use super::{render, PageCtx};
use crate::auth::MaybeUser;
use crate::error::{AppError, ErrorKey};
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// The engine built to WebAssembly; empty when the target was not installed at build time.
static DRAW_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/draw.wasm"));

/// The largest record the server checks: the record of a draw from about a million units.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Room for the form's other field and the multipart boundaries around a record of
/// [`MAX_RECORD_BYTES`].
const FORM_OVERHEAD_BYTES: usize = 64 * 1024;

/// Server-side checks running at once: each holds a record of up to 64 MiB and a few times that
/// while it is parsed, and takes a core for a second or two. The browser's check costs the server
/// nothing, so this only limits what visitors without JavaScript can ask of it.
const MAX_CHECKS_AT_ONCE: usize = 2;

/// Records shown back in the form after a check without JavaScript, up to this size.
const MAX_ECHOED_BYTES: usize = 1024 * 1024;

static CHECKS_RUNNING: AtomicUsize = AtomicUsize::new(0);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verify",
            get(form).post(check).layer(DefaultBodyLimit::max(
                MAX_RECORD_BYTES + FORM_OVERHEAD_BYTES,
            )),
        )
        .route("/static/verify.js", get(script))
        .route("/static/draw.wasm", get(wasm))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    ctx: PageCtx,
    record: String,
    /// A published record the page loads and checks (`?record=`), see [`public_record_path`].
    record_url: Option<String>,
    verdict: Option<VerdictView>,
    wasm_available: bool,
}

#[derive(serde::Deserialize)]
pub struct VerifyQuery {
    record: Option<String>,
}

/// The address of a published draw record the page may load (`/verify?record=…`, R-REP-3): a
/// path of this site under `/public/`, never another site's address, so that a link cannot make
/// the page fetch from elsewhere.
fn public_record_path(record: &str) -> Option<String> {
    let allowed = record.starts_with("/public/")
        && record.len() <= 512
        && record.bytes().all(|b| b.is_ascii_graphic())
        && !record.contains("//")
        && !record.contains('\\')
        && !record.contains("..");
    allowed.then(|| record.to_string())
}

/// A verdict as the page shows it; `verify.js` writes the same markup with `data-engine="wasm"`.
struct VerdictView {
    /// `agrees`, `differs` or `invalid` (the element's `data-verdict`).
    kind: &'static str,
    text: String,
    /// The engine's own message, shown under the verdict.
    detail: Option<String>,
}

impl VerdictView {
    fn of(t: &Tr, verification: Result<Verification, spotcheck_draw::DrawError>) -> Self {
        match verification {
            Ok(Verification::Agrees) => VerdictView {
                kind: "agrees",
                text: t.get("verify.agrees").to_string(),
                detail: None,
            },
            Ok(Verification::Differs {
                field,
                expected,
                found,
            }) => VerdictView {
                kind: "differs",
                text: t.fmt(
                    "verify.differs",
                    &[
                        ("field", &field),
                        ("expected", &expected),
                        ("found", &found),
                    ],
                ),
                detail: None,
            },
            Err(e) => Self::invalid(t, &e),
        }
    }

    /// A record that cannot be checked: why, in the reader's language, naming where in the
    /// record; the engine's own words (English, as the specification's) as the detail.
    fn invalid(t: &Tr, e: &spotcheck_draw::DrawError) -> Self {
        use spotcheck_draw::DrawError;
        // The reader names no place ("?") for text that is not JSON at all.
        let field = e.field().filter(|f| *f != "?");
        let key = match e {
            DrawError::Json { .. } if field.is_none() => "verify.invalid_json",
            DrawError::Json { .. } => "verify.invalid_shape",
            DrawError::Invalid { .. } => "verify.invalid_value",
            DrawError::NotEnoughOfficers { .. } => "verify.invalid_officers",
        };
        VerdictView {
            kind: "invalid",
            text: t.fmt(key, &[("field", field.unwrap_or_default())]),
            detail: Some(e.to_string()),
        }
    }

    /// Nothing was checked, for the reason given.
    fn refused(reason: &str) -> Self {
        VerdictView {
            kind: "invalid",
            text: reason.to_string(),
            detail: None,
        }
    }

    /// 422 when nothing could be checked; a record that differs is a successful check.
    fn status(&self) -> StatusCode {
        match self.kind {
            "invalid" => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::OK,
        }
    }
}

fn page(
    lang: Lang,
    user: Option<&crate::auth::CurrentUser>,
    record: String,
    record_url: Option<String>,
    verdict: Option<VerdictView>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut response = render(&VerifyPage {
        ctx: PageCtx::new(lang, user, "/verify"),
        record,
        record_url,
        verdict,
        wasm_available: !DRAW_WASM.is_empty(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// The form, for anyone; with `?record=/public/…` it loads that published record and checks it.
pub async fn form(
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<VerifyQuery>,
) -> Result<Response, AppError> {
    let record_url = query.record.as_deref().and_then(public_record_path);
    page(
        lang,
        user.as_ref(),
        String::new(),
        record_url,
        None,
        StatusCode::OK,
    )
}

/// What the form sent: a pasted record or a chosen file (the file wins when both are there).
enum Submitted {
    Record {
        text: String,
        pasted: bool,
    },
    Empty,
    TooLarge,
    NotUtf8,
    /// The upload broke off or was not a well-formed form.
    Broken,
}

/// Checks a posted record on the server (the page without JavaScript).
pub async fn check(
    Extension(lang): Extension<Lang>,
    MaybeUser(user): MaybeUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let t = Tr::new(lang);
    let answer = |record: String, verdict: VerdictView, status: StatusCode| {
        page(lang, user.as_ref(), record, None, Some(verdict), status)
    };
    let Ok(multipart) = multipart else {
        return Err(AppError::BadRequest("verify.not_a_form"));
    };
    // Taken before the body is read, so that waiting uploads hold no memory.
    let Some(_slot) = CheckSlot::take() else {
        let verdict = VerdictView::refused(t.get("verify.busy"));
        return answer(String::new(), verdict, StatusCode::SERVICE_UNAVAILABLE);
    };
    let (reason, status) = match read_form(multipart).await {
        Submitted::Record { text, pasted } => return run_check(text, pasted, &t, answer).await,
        Submitted::Empty => (t.get("verify.empty"), StatusCode::UNPROCESSABLE_ENTITY),
        Submitted::TooLarge => (t.get("verify.too_large"), StatusCode::PAYLOAD_TOO_LARGE),
        Submitted::NotUtf8 => (t.get("verify.not_utf8"), StatusCode::UNPROCESSABLE_ENTITY),
        Submitted::Broken => (t.get("verify.upload_failed"), StatusCode::BAD_REQUEST),
    };
    answer(String::new(), VerdictView::refused(reason), status)
}

/// Runs the engine on a record and answers with the verdict.
async fn run_check(
    text: String,
    pasted: bool,
    t: &Tr,
    answer: impl FnOnce(String, VerdictView, StatusCode) -> Result<Response, AppError>,
) -> Result<Response, AppError> {
    // A big record takes a core for a second or two: off the async workers.
    let Ok((text, verification)) = tokio::task::spawn_blocking(move || {
        let verification = verify_json(&text);
        (text, verification)
    })
    .await
    else {
        tracing::error!("draw verification stopped");
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(ErrorKey("error.internal"));
        return Ok(response);
    };
    let verdict = VerdictView::of(t, verification);
    let status = verdict.status();
    let echoed = if pasted && text.len() <= MAX_ECHOED_BYTES {
        text
    } else {
        String::new()
    };
    answer(echoed, verdict, status)
}

async fn read_form(mut multipart: Multipart) -> Submitted {
    let (mut pasted, mut file) = (String::new(), Vec::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return refused(&e),
        };
        match field.name() {
            Some("record") => match field.text().await {
                Ok(text) => pasted = text,
                Err(e) => return refused(&e),
            },
            Some("file") => match field.bytes().await {
                Ok(bytes) => file = bytes.to_vec(),
                Err(e) => return refused(&e),
            },
            _ => {}
        }
    }
    if !file.is_empty() {
        // A byte order mark is not part of the JSON; the browser's file reader drops it too.
        if file.starts_with(b"\xEF\xBB\xBF") {
            file.drain(..3);
        }
        return match String::from_utf8(file) {
            Ok(text) => Submitted::Record {
                text,
                pasted: false,
            },
            Err(_) => Submitted::NotUtf8,
        };
    }
    if pasted.trim().is_empty() {
        return Submitted::Empty;
    }
    Submitted::Record {
        text: pasted,
        pasted: true,
    }
}

fn refused(e: &MultipartError) -> Submitted {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Submitted::TooLarge
    } else {
        Submitted::Broken
    }
}

/// One of the [`MAX_CHECKS_AT_ONCE`] server-side checks, given back when dropped.
struct CheckSlot;

impl CheckSlot {
    fn take() -> Option<CheckSlot> {
        CHECKS_RUNNING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |running| {
                (running < MAX_CHECKS_AT_ONCE).then_some(running + 1)
            })
            .ok()
            .map(|_| CheckSlot)
    }
}

impl Drop for CheckSlot {
    fn drop(&mut self) {
        CHECKS_RUNNING.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/verify.js"),
    )
}

/// The engine for the browser; 404 when it was not built, and the page then posts the form.
async fn wasm() -> Response {
    if DRAW_WASM.is_empty() {
        return AppError::NotFound.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/wasm"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DRAW_WASM,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::public_record_path;

    #[test]
    fn only_published_records_of_this_site_are_loaded() {
        let ok = "/public/650102/2026Q2/draws/7.json";
        assert_eq!(public_record_path(ok).as_deref(), Some(ok));
        assert!(public_record_path("/public/650102/2026Q2/draws/7.json?version=1").is_some());
        for refused in [
            "https://example.org/public/x.json",
            "//example.org/public/x.json",
            "/public//example.org/x.json",
            "/public/../plans/1",
            "/plans/1/export",
            "/public/a b.json",
            "/public/\\\\example.org",
        ] {
            assert_eq!(public_record_path(refused), None, "{refused}");
        }
    }
}
