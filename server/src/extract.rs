//! Request extractors whose rejections are the API's JSON errors, never plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// The largest JSON body any call accepts.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body, parsed into `T`, with the parsed document kept for hashing.
pub struct Json<T> {
    pub value: T,
    /// The body as a JSON document, keys sorted: equal for equal requests however the
    /// client spaced or ordered them.
    pub canonical: serde_json::Value,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::BodyTooLarge(BODY_LIMIT)
            } else {
                Error::BadRequest("the request body could not be read".to_owned())
            }
        })?;
        let canonical: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|error| Error::BadJson { message: error.to_string(), field: None })?;
        let value = serde_path_to_error::deserialize(canonical.clone()).map_err(|error| {
            let path = error.path().to_string();
            Error::BadJson { message: error.into_inner().to_string(), field: (path != ".").then_some(path) }
        })?;
        Ok(Json { value, canonical })
    }
}

/// Query parameters parsed into `T`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| Error::BadRequest(rejection.body_text()))
    }
}

/// Refuses a request whose path or query, once percent-decoded, holds a control or
/// bidirectional formatting character (`%00` in an id reached PostgreSQL as an error):
/// 400 `invalid_text`, before any route sees it.
pub async fn reject_control_characters(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    for (part, raw) in [("path", uri.path()), ("query", uri.query().unwrap_or_default())] {
        let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        if let Some(c) = decoded.chars().find(|&c| aftercare_protocol::validate::forbidden_in_name(c)) {
            return crate::error::Error::InvalidText(format!(
                "the URL's {part} holds U+{:04X}, a control or text-direction character",
                c as u32
            ))
            .into_response();
        }
    }
    next.run(request).await
}

/// `If-Match` on a write to a case: the version the client's change is based on, as
/// the case's ETag (`"3"`, also `W/"3"` or bare `3`). Missing → 428
/// `if_match_required`; anything but one version → 400 `if_match_invalid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfMatch(pub u64);

impl IfMatch {
    pub fn parse(value: &str) -> Option<IfMatch> {
        let value = value.trim();
        let value = value.strip_prefix("W/").unwrap_or(value);
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok().map(IfMatch)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(axum::http::header::IF_MATCH).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(if parts.headers.contains_key(axum::http::header::IF_MATCH) {
                Error::IfMatchInvalid
            } else {
                Error::PreconditionRequired
            });
        };
        value.to_str().ok().and_then(IfMatch::parse).ok_or(Error::IfMatchInvalid)
    }
}

/// An `Idempotency-Key` header: 1 to 255 visible ASCII characters. Required when
/// filing; optional on actions, where a retry with the same key and body gets the
/// first answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(pub String);

impl IdempotencyKey {
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Result<Option<IdempotencyKey>, Error> {
        let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
        let key = value.to_str().map(str::trim).unwrap_or_default();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::IdempotencyKeyMissing);
        }
        Ok(Some(IdempotencyKey(key.to_owned())))
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        IdempotencyKey::from_headers(&parts.headers)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        IdempotencyKey::from_headers(&parts.headers)?.ok_or(Error::IdempotencyKeyMissing)
    }
}

#[cfg(test)]
mod tests {
    use super::IfMatch;

    #[test]
    fn if_match_takes_one_version() {
        for (value, expected) in [("\"3\"", Some(3)), ("W/\"12\"", Some(12)), ("7", Some(7)), (" \"1\" ", Some(1))] {
            assert_eq!(IfMatch::parse(value), expected.map(IfMatch), "{value}");
        }
        for bad in ["", "\"\"", "*", "\"1\", \"2\"", "\"-1\"", "\"1x\"", "99999999999999999999", "\"3"] {
            assert_eq!(IfMatch::parse(bad), None, "{bad}");
        }
    }
}
