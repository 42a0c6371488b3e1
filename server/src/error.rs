//! The one error type every handler returns. Variants are named by outcome; each maps
//! to a status and a stable `code`, and renders as `{"code", "message", "field"?}`.
//! Database and IO details are logged, never sent.

use aftercare_protocol::case::{ApiError, ErrorParams, MediaKind};
use aftercare_protocol::lifecycle::TransitionError;
use aftercare_protocol::time::Timestamp;
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
    #[error("the case is {}; nothing more can be added to it", .0.as_str())]
    CaseClosed(aftercare_protocol::case::CaseState),
    #[error("too many requests from this address; retry in {0} s")]
    RateLimited(u64),
    #[error("this API needs a key: `Authorization: Bearer <api key>` (see `aftercare-server api-key`)")]
    ApiKeyMissing,
    #[error("the API key is not valid")]
    ApiKeyInvalid,
    #[error("this API key is not for this API (merchant keys for /v1/merchant, platform keys for /v1/platform)")]
    ApiKeyWrongScope,
    #[error("the email or the password is wrong, or the account is locked for a while")]
    SignInFailed,
    #[error("sign in first (POST /v1/staff/sign-in), or send an API key")]
    SessionMissing,
    #[error("the session has ended; sign in again")]
    SessionExpired,
    #[error("a write from a staff session needs its CSRF token in `X-CSRF-Token`")]
    CsrfTokenInvalid,
    #[error(
        "this desk is not for this staff member (a merchant's staff work /v1/merchant, the platform's /v1/platform)"
    )]
    WrongDesk,
    #[error("only the desk's admins may do this")]
    AdminRequired,
    #[error("POST /v1/cases needs an `Idempotency-Key` header (1 to 255 visible characters)")]
    IdempotencyKeyMissing,
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,
    #[error("{}", .0.message)]
    Validation(Box<FieldError>),
    #[error("{0}")]
    Transition(TransitionError),
    #[error("no complete upload with this id for this order")]
    MediaNotFound { field: String },
    #[error("the upload is a {actual}, not a {declared}")]
    MediaKindMismatch { field: String, declared: &'static str, actual: &'static str },
    #[error("the case's files come to {0} bytes, over the {1}-byte limit")]
    CaseMediaTooLarge(u64, u64),
    #[error("no upload with this id for this order")]
    UploadNotFound,
    #[error("this upload has expired; start a new one")]
    UploadExpired,
    #[error("Upload-Offset {given} does not match the upload's offset {actual}")]
    OffsetMismatch { given: u64, actual: u64 },
    #[error("{message}")]
    UploadTooLarge { message: String, max: Option<u64> },
    #[error("this server speaks tus 1.0.0 (`Tus-Resumable: 1.0.0`)")]
    TusVersionUnsupported,
    #[error("the chunk's checksum does not match; it was discarded")]
    ChecksumMismatch,
    #[error("PATCH bodies must be `Content-Type: application/offset+octet-stream`")]
    UploadContentType,
    #[error("too many uploads at once for this order; retry shortly")]
    TooManyUploads,
    #[error("another request is writing this upload (perhaps on a node that stopped); retry shortly")]
    UploadLocked,
    #[error("{message}")]
    MediaRejected { code: &'static str, message: String },
    #[error("this media link is invalid or has expired")]
    MediaLinkInvalid,
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
    #[error("the request took longer than {0} s; nothing was changed by the part not received")]
    RequestTimeout(u64),
    #[error("the server has no room for more uploads right now; retry later")]
    StorageFull,
    #[error("this upload is evidence in a filed case and cannot be deleted")]
    UploadReferenced,
    #[error("{0}")]
    InvalidText(String),
    #[error("{0} uploads already, the most allowed (per order for a shopper; not yet sent to a case for a seller or the platform)")]
    OrderUploadLimit(u64),
    #[error("writes to a case need `If-Match` with the version they are based on (the case's `version`, or its ETag)")]
    PreconditionRequired,
    #[error("`If-Match` must be one case version, e.g. `\"3\"`")]
    IfMatchInvalid,
    #[error("the case has changed since version {expected}; it is now version {}", .current.version)]
    VersionMismatch { expected: u64, current: Box<aftercare_protocol::case::Case> },
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::OrderTokenMissing | Error::OrderTokenExpired | Error::OrderTokenInvalid(_) => {
                StatusCode::UNAUTHORIZED
            }
            Error::OrderMismatch | Error::OriginNotAllowed(_) | Error::ApiKeyWrongScope => StatusCode::FORBIDDEN,
            Error::ApiKeyMissing | Error::ApiKeyInvalid => StatusCode::UNAUTHORIZED,
            Error::SignInFailed | Error::SessionMissing | Error::SessionExpired => StatusCode::UNAUTHORIZED,
            Error::CsrfTokenInvalid | Error::WrongDesk | Error::AdminRequired => StatusCode::FORBIDDEN,
            Error::CaseClosed(_) => StatusCode::CONFLICT,
            Error::UnknownMerchant(_) | Error::CaseNotFound | Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::IdempotencyKeyMissing | Error::BadJson { .. } | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::IdempotencyKeyReused
            | Error::Validation(_)
            | Error::MediaNotFound { .. }
            | Error::MediaKindMismatch { .. }
            | Error::CaseMediaTooLarge(..)
            | Error::MediaRejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::UploadNotFound => StatusCode::NOT_FOUND,
            Error::UploadExpired => StatusCode::GONE,
            Error::OffsetMismatch { .. } => StatusCode::CONFLICT,
            Error::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TusVersionUnsupported => StatusCode::PRECONDITION_FAILED,
            Error::ChecksumMismatch => StatusCode::from_u16(460).expect("460 is a valid status"),
            Error::UploadContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyUploads | Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::UploadLocked => StatusCode::LOCKED,
            Error::MediaLinkInvalid => StatusCode::FORBIDDEN,
            Error::IdempotencyInProgress | Error::Transition(_) => StatusCode::CONFLICT,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Error::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            Error::UploadReferenced => StatusCode::CONFLICT,
            Error::InvalidText(_) => StatusCode::BAD_REQUEST,
            Error::OrderUploadLimit(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Error::IfMatchInvalid => StatusCode::BAD_REQUEST,
            Error::VersionMismatch { .. } => StatusCode::CONFLICT,
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
            Error::CaseClosed(_) => "case_closed",
            Error::ApiKeyMissing => "api_key_missing",
            Error::RateLimited(_) => "rate_limited",
            Error::ApiKeyInvalid => "api_key_invalid",
            Error::ApiKeyWrongScope => "api_key_wrong_scope",
            Error::SignInFailed => "sign_in_failed",
            Error::SessionMissing => "session_missing",
            Error::SessionExpired => "session_expired",
            Error::CsrfTokenInvalid => "csrf_token_invalid",
            Error::WrongDesk => "wrong_desk",
            Error::AdminRequired => "admin_required",
            Error::IdempotencyKeyMissing => "idempotency_key_missing",
            Error::IdempotencyKeyReused => "idempotency_key_reused",
            Error::IdempotencyInProgress => "idempotency_in_progress",
            Error::Validation(error) => error.code,
            Error::Transition(TransitionError::EscalationNotYetAllowed { .. }) => "escalation_not_allowed_yet",
            Error::Transition(TransitionError::EscalationWindowClosed { .. }) => "escalation_window_closed",
            Error::Transition(TransitionError::EvidenceNotAsked { .. }) => "evidence_not_asked",
            Error::Transition(TransitionError::AppealNotAllowed { .. }) => "appeal_not_allowed",
            Error::Transition(TransitionError::ReturnInstructionsRequired) => "return_instructions_required",
            Error::Transition(_) => "transition_not_allowed",
            Error::MediaNotFound { .. } => "media_not_found",
            Error::MediaKindMismatch { .. } => "media_kind_mismatch",
            Error::CaseMediaTooLarge(..) => "case_media_too_large",
            Error::UploadNotFound => "upload_not_found",
            Error::UploadExpired => "upload_expired",
            Error::OffsetMismatch { .. } => "offset_mismatch",
            Error::UploadTooLarge { .. } => "upload_too_large",
            Error::TusVersionUnsupported => "tus_version_unsupported",
            Error::ChecksumMismatch => "checksum_mismatch",
            Error::UploadContentType => "unsupported_media_type",
            Error::TooManyUploads => "too_many_uploads",
            Error::UploadLocked => "upload_locked",
            Error::MediaRejected { code, .. } => code,
            Error::MediaLinkInvalid => "media_link_invalid",
            Error::BadJson { .. } => "invalid_json",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::BodyTooLarge(_) => "body_too_large",
            Error::BadRequest(_) => "bad_request",
            Error::NotFound => "not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::RequestTimeout(_) => "request_timeout",
            Error::StorageFull => "storage_full",
            Error::UploadReferenced => "upload_referenced",
            Error::InvalidText(_) => "invalid_text",
            Error::OrderUploadLimit(_) => "order_upload_limit",
            Error::PreconditionRequired => "if_match_required",
            Error::IfMatchInvalid => "if_match_invalid",
            Error::VersionMismatch { .. } => "version_mismatch",
            Error::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            Error::Validation(error) => Some(error.field.clone()),
            Error::MediaNotFound { field } | Error::MediaKindMismatch { field, .. } => Some(field.clone()),
            Error::BadJson { field, .. } => field.clone(),
            _ => None,
        }
    }

    /// The numbers the message is made of, for clients to word it themselves.
    fn params(&self) -> ErrorParams {
        let max = |max: u64| ErrorParams { max: Some(max), ..ErrorParams::default() };
        let at = |at: Option<Timestamp>| ErrorParams { at, ..ErrorParams::default() };
        match self {
            Error::Validation(error) => error.params.clone(),
            Error::Transition(TransitionError::EscalationNotYetAllowed { from }) => at(*from),
            Error::Transition(TransitionError::EscalationWindowClosed { closed_at }) => at(Some(*closed_at)),
            Error::Transition(TransitionError::NotDue { due_at }) => at(*due_at),
            Error::Transition(TransitionError::AppealNotAllowed { closed_at }) => at(*closed_at),
            Error::CaseMediaTooLarge(_, limit) => max(*limit),
            Error::UploadTooLarge { max: limit, .. } => ErrorParams { max: *limit, ..ErrorParams::default() },
            Error::BodyTooLarge(limit) => max(u64::try_from(*limit).unwrap_or(u64::MAX)),
            Error::OrderUploadLimit(limit) => max(*limit),
            Error::RateLimited(seconds) | Error::RequestTimeout(seconds) => max(*seconds),
            Error::MediaKindMismatch { actual, .. } => {
                ErrorParams { kind: MediaKind::parse(actual), ..ErrorParams::default() }
            }
            _ => ErrorParams::default(),
        }
    }

    pub fn body(&self) -> ApiError {
        ApiError {
            code: self.code().to_owned(),
            message: self.to_string(),
            field: self.field(),
            params: self.params(),
            case: match self {
                Error::VersionMismatch { current, .. } => Some(current.clone()),
                _ => None,
            },
        }
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
        if matches!(
            self,
            Error::IdempotencyInProgress | Error::TooManyUploads | Error::StorageFull | Error::UploadLocked
        ) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let Error::RateLimited(seconds) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, Error::TusVersionUnsupported) {
            response.headers_mut().insert("tus-version", HeaderValue::from_static(aftercare_protocol::tus::VERSION));
        }
        if matches!(
            self,
            Error::OrderTokenMissing
                | Error::OrderTokenExpired
                | Error::OrderTokenInvalid(_)
                | Error::ApiKeyMissing
                | Error::ApiKeyInvalid
        ) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The first of a request's field errors, as the API's answer (a 422 naming the field).
pub fn first_error(errors: Vec<FieldError>) -> Result<()> {
    match errors.into_iter().next() {
        Some(error) => Err(Error::Validation(Box::new(error))),
        None => Ok(()),
    }
}
