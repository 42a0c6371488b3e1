//! CORS for the merchants' pages. A preflight is answered for an origin that some
//! merchant allows; an actual request gets `Access-Control-Allow-Origin` (that exact
//! origin, never `*`) when some merchant allows it — and the shopper routes then check
//! the origin against the token's own merchant (`auth::Shopper`). Every response
//! varies by `Origin`. Written here rather than with tower-http's `CorsLayer`, which
//! answers every `OPTIONS` itself and would swallow tus discovery (`OPTIONS
//! /v1/uploads/` without a preflight header), and exposes the tus headers.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::merchants::Merchants;

const ALLOW_METHODS: &str = "GET, POST, HEAD, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str =
    "authorization, content-type, idempotency-key, tus-resumable, upload-length, upload-offset, \
    upload-metadata, upload-checksum, upload-defer-length, x-requested-with";
const EXPOSE_HEADERS: &str = "location, upload-offset, upload-length, upload-expires, upload-metadata, tus-resumable, \
    tus-version, tus-extension, tus-max-size, tus-checksum-algorithm, retry-after";

pub async fn cors(State(merchants): State<Arc<Merchants>>, request: Request, next: Next) -> Response {
    let allowed = request
        .headers()
        .get(ORIGIN)
        .filter(|origin| origin.to_str().is_ok_and(|origin| merchants.any_allows(origin)))
        .cloned();
    let preflight =
        request.method() == Method::OPTIONS && request.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if allowed.is_some() {
            let headers = response.headers_mut();
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        response
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if let Some(origin) = allowed {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
    }
    headers.append(VARY, HeaderValue::from_static("origin"));
    response
}
