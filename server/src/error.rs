//! The one error type every handler returns. Variants are named by outcome; each maps
//! to a status and a stable `code`, and renders as `{"code", "message", "field"?}`.
//! Database and IO details are logged, never sent.

use aftercare_protocol::case::ApiError;
use aftercare_protocol::lifecycle::TransitionError;
use aftercare_protocol::validate::FieldError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request needs an order token: `Authorization: Bearer <token>`")]
    OrderTokenMissing,
    #[error("the order token has expired; ask the page for a fresh one")]
    OrderTokenExpired,
    #[error("the order token is not valid: {0}")]
    OrderTokenInvalid(String),
    #[error("this token is for another order")]
    OrderMismatch,
    #[error("requests from origin {0} are not allowed for this merchant")]
    OriginNotAllowed(String),
    #[error("unknown merchant {0:?}")]
    UnknownMerchant(String),
    #[error("no case with this id for this order")]
    CaseNotFound,
    #[error("POST /v1/cases needs an `Idempotency-Key` header (1 to 255 visible characters)")]
    IdempotencyKeyMissing,
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,
    #[error("{}", .0.message)]
    Validation(FieldError),
    #[error("{0}")]
    Transition(TransitionError),
    #[error("media references are not accepted yet: uploads are not enabled on this server")]
    MediaNotFound { field: String },
    #[error("the request body is not valid JSON for this call: {message}")]
    BadJson { message: String, field: Option<String> },
    #[error("the request body must be JSON (`Content-Type: application/json`)")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("this method is not allowed on this path")]
    MethodNotAllowed,
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::OrderTokenMissing | Error::OrderTokenExpired | Error::OrderTokenInvalid(_) => StatusCode::UNAUTHORIZED,
            Error::OrderMismatch | Error::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            Error::UnknownMerchant(_) | Error::CaseNotFound | Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::IdempotencyKeyMissing | Error::BadJson { .. } | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::IdempotencyKeyReused | Error::Validation(_) | Error::MediaNotFound { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::IdempotencyInProgress | Error::Transition(_) => StatusCode::CONFLICT,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::OrderTokenMissing => "order_token_missing",
            Error::OrderTokenExpired => "order_token_expired",
            Error::OrderTokenInvalid(_) => "order_token_invalid",
            Error::OrderMismatch => "order_mismatch",
            Error::OriginNotAllowed(_) => "origin_not_allowed",
            Error::UnknownMerchant(_) => "unknown_merchant",
            Error::CaseNotFound => "case_not_found",
            Error::IdempotencyKeyMissing => "idempotency_key_missing",
            Error::IdempotencyKeyReused => "idempotency_key_reused",
            Error::IdempotencyInProgress => "idempotency_in_progress",
            Error::Validation(error) => error.code,
            Error::Transition(TransitionError::EscalationNotYetAllowed { .. }) => "escalation_not_allowed_yet",
            Error::Transition(TransitionError::EscalationWindowClosed { .. }) => "escalation_window_closed",
            Error::Transition(_) => "transition_not_allowed",
            Error::MediaNotFound { .. } => "media_not_found",
            Error::BadJson { .. } => "invalid_json",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::BodyTooLarge(_) => "body_too_large",
            Error::BadRequest(_) => "bad_request",
            Error::NotFound => "not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            Error::Validation(error) => Some(error.field.clone()),
            Error::MediaNotFound { field } => Some(field.clone()),
            Error::BadJson { field, .. } => field.clone(),
            _ => None,
        }
    }

    pub fn body(&self) -> ApiError {
        ApiError { code: self.code().to_owned(), message: self.to_string(), field: self.field() }
    }

    /// For storage and IO failures: logged here, sent as a bare "internal error".
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Error {
        tracing::error!("{context}: {error}");
        Error::Internal(context.to_owned())
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Error {
        Error::internal("database", error)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if matches!(self, Error::IdempotencyInProgress) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if matches!(self, Error::OrderTokenMissing | Error::OrderTokenExpired | Error::OrderTokenInvalid(_)) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
