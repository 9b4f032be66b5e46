//! One error type for pages and API calls. Internals are logged; the caller sees a translated
//! message that says what to do next, as a page or as JSON under `/api`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use spotcheck_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not logged in")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("form expired or forged (CSRF)")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

/// Attached to an error response so that the language layer can render it in the caller's
/// language, as a page or as JSON.
#[derive(Debug, Clone, Copy)]
pub struct ErrorKey(pub &'static str);

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            AppError::Store(StoreError::Unstorable(_)) => StatusCode::BAD_REQUEST,
            AppError::Store(_) | AppError::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The translation key of the message the user sees.
    pub fn key(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "error.unauthorized",
            AppError::Forbidden => "error.forbidden",
            AppError::NotFound | AppError::Store(StoreError::NotFound(_)) => "error.not_found",
            AppError::Store(StoreError::Unstorable(_)) => "error.unstorable",
            AppError::Csrf => "error.csrf",
            AppError::BadRequest(key) => key,
            AppError::Store(_) | AppError::Template(_) => "error.internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorKey(self.key()));
        response
    }
}
