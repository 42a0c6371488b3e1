//! The widget's calls to the backend's case API: JSON over `fetch`, with the order
//! token. When the server says the token expired, the host page is asked for a fresh
//! one and the call goes again; network failures, 5xx and "busy" answers are retried
//! with backoff and jitter (`upload::retry`), waiting for the browser to be online.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::state::WidgetState;
use crate::upload::retry::{self, Failure};

/// A call that did not succeed: the HTTP status (0 when no answer came) and the API
/// error's `code` and `message` when the server sent one.
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
    /// The request field the server named, if any.
    pub field: Option<String>,
}

impl CallError {
    fn network() -> CallError {
        CallError { status: 0, code: None, message: None, field: None }
    }
}

/// One request: `(status, body)` whatever the status, or a network failure.
async fn send(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
    idempotency_key: Option<&str>,
) -> Result<(u16, String, Option<u32>), ()> {
    let window = web_sys::window().ok_or(())?;
    let headers = web_sys::Headers::new().map_err(|_| ())?;
    if let Some(token) = token {
        headers.set("authorization", &format!("Bearer {token}")).map_err(|_| ())?;
    }
    if body.is_some() {
        headers.set("content-type", "application/json").map_err(|_| ())?;
    }
    if let Some(key) = idempotency_key {
        headers.set("idempotency-key", key).map_err(|_| ())?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&body.into());
    }
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| ())?;
    let response: web_sys::Response = response.unchecked_into();
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|s| s * 1000);
    let text = JsFuture::from(response.text().map_err(|_| ())?).await.map_err(|_| ())?;
    Ok((response.status(), text.as_string().unwrap_or_default(), retry_after))
}

fn error_of(status: u16, body: &str) -> CallError {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let text = |key: &str| parsed.as_ref().and_then(|v| v.get(key)).and_then(|v| v.as_str()).map(str::to_owned);
    CallError { status, code: text("code"), message: text("message"), field: text("field") }
}

/// Calls `path` (relative to the backend's endpoint) and returns the answer's body.
/// `on_retry` is told each time the call waits to go again.
pub async fn call(
    state: &WidgetState,
    method: &str,
    path: &str,
    body: Option<&str>,
    idempotency_key: Option<&str>,
    on_retry: &dyn Fn(),
) -> Result<String, CallError> {
    let endpoint = state.endpoint.get_value().ok_or_else(CallError::network)?;
    let url = format!("{}/{}", endpoint.trim_end_matches('/'), path.trim_start_matches('/'));
    let mut failures = 0;
    let mut refreshed = false;
    loop {
        let token = state.order_token.get_untracked();
        let (failure, retry_after) = match send(method, &url, token.as_deref(), body, idempotency_key).await {
            Ok((status, text, _)) if (200..300).contains(&status) => return Ok(text),
            Ok((401, text, _)) if !refreshed && error_of(401, &text).code.as_deref() == Some("order_token_expired") => {
                refreshed = true;
                if state.refresh_token().await {
                    continue;
                }
                return Err(error_of(401, &text));
            }
            Ok((status, text, retry_after)) => {
                // A 409 is worth waiting out only while the same request is in progress.
                let busy = status != 409 || error_of(status, &text).code.as_deref() == Some("idempotency_in_progress");
                if !Failure::Status(status).retryable() || !busy {
                    return Err(error_of(status, &text));
                }
                (Failure::Status(status), retry_after)
            }
            Err(()) => (Failure::Network, None),
        };
        let Some(wait) = retry::delay_ms(failure, failures, retry_after, js_sys::Math::random()) else {
            return Err(match failure {
                Failure::Network => CallError::network(),
                Failure::Status(status) => CallError { status, code: None, message: None, field: None },
            });
        };
        failures += 1;
        on_retry();
        crate::clock::sleep_ms(wait).await;
        while !web_sys::window().is_some_and(|w| w.navigator().on_line()) {
            crate::clock::sleep_ms(1_000).await;
        }
    }
}
