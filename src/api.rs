//! The widget's one way to the backend's JSON API: typed calls that take and return
//! protocol types (`Case`, `NewCase`, `ApiError`), over `gloo-net`'s `fetch`. The order
//! token goes with every case call; when the server says it expired, the host page is
//! asked for a fresh one and the call goes again; network failures, 5xx and "busy"
//! answers are retried with backoff and jitter (`upload::retry`), waiting for the
//! browser to be online. A call stops (its `fetch` aborted) when its future is dropped,
//! so a task cancelled with its view cancels its request. Decoding is [`decode`], the
//! one place JSON becomes types.
//! Uploads go over XHR instead (`upload::client`), for progress.

use aftercare_protocol::case::{
    ApiError, Case, CaseList, EscalateRequest, NewCase, NewMessage, NoteRequest, Receipt, Seen, SeenRequest, Shipment,
    WithdrawRequest,
};
use aftercare_protocol::read::{At, Json, Read, Write};
use gloo_net::http::{Method, RequestBuilder};
use leptos::prelude::*;
use web_sys::RequestCredentials;

use crate::json::Js;
use crate::state::WidgetState;
use crate::upload::retry::{self, Failure};

/// A call that did not succeed: the HTTP status (0 when no answer came) and the
/// server's error when it sent one.
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub status: u16,
    pub error: Option<Box<ApiError>>,
}

impl CallError {
    fn network() -> CallError {
        CallError { status: 0, error: None }
    }

    pub fn code(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.code.as_str())
    }
}

/// The one place the API's JSON becomes protocol types (`JSON.parse`, then
/// `protocol::read`).
pub fn decode<T: Read>(text: &str) -> Option<T> {
    T::read(&Js::parse(text)?, &At::Root("")).ok()
}

/// The one place protocol types become the API's JSON.
fn encode<T: Write>(value: &T) -> String {
    value.write::<Js>().stringify()
}

/// Aborts its request when dropped: a call whose task is cancelled (its view was
/// unmounted, see `controllers::requests`) stops its `fetch` too.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn new() -> AbortOnDrop {
        AbortOnDrop(web_sys::AbortController::new().ok())
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(web_sys::AbortController::signal)
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

/// One request over `gloo-net`: `(status, body, Retry-After in ms)` whatever the status,
/// or a network failure (or an abort). `url` has no query: `query` is its parameters,
/// encoded here.
async fn send(
    method: Method,
    url: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<&str>,
    abort: &AbortOnDrop,
) -> Result<(u16, String, Option<u32>), ()> {
    let signal = abort.signal();
    let mut request = RequestBuilder::new(url)
        .method(method)
        .query(query.iter().copied())
        .credentials(RequestCredentials::Omit)
        .abort_signal(signal.as_ref());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = match body {
        Some(body) => request.header("content-type", "application/json").body(body),
        None => request.build(),
    };
    let response = request.map_err(|_| ())?.send().await.map_err(|_| ())?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map(|s| s.saturating_mul(1000));
    let text = response.text().await.map_err(|_| ())?;
    Ok((response.status(), text, retry_after))
}

/// The merchant's widget-config layer (public, no token) from `url`
/// (`Settings::widget_config_url`), as JSON text for the configuration loader.
pub async fn widget_config(url: &str, merchant: &str) -> Result<String, String> {
    match send(Method::GET, url, &[("merchant", merchant)], &[], None, &AbortOnDrop::new()).await {
        Ok((200..=299, text, _)) => Ok(text),
        Ok((status, _, _)) => Err(format!("HTTP {status}")),
        Err(()) => Err("network error".into()),
    }
}

/// A request to the case API.
struct Call<'a> {
    method: Method,
    path: String,
    query: &'a [(&'a str, &'a str)],
    body: Option<String>,
    idempotency_key: Option<&'a str>,
    if_match: Option<u64>,
    /// How an error answer is read: [`brief_error`] but where a stale case is replaced
    /// by the one a `version_mismatch` carries (so the case flow and the uploads do not
    /// carry the whole case's reader).
    error: fn(&str) -> Option<ApiError>,
}

/// An error answer, read without the case a `version_mismatch` carries.
pub fn brief_error(text: &str) -> Option<ApiError> {
    ApiError::read_brief(&Js::parse(text)?, &At::Root("")).ok()
}

/// A path on the backend (an API call, a file link from an answer) as a full URL.
pub fn at_backend(state: &WidgetState, path: &str) -> Option<String> {
    let endpoint = state.endpoint.get_value()?;
    Some(format!("{}/{}", endpoint.trim_end_matches('/'), path.trim_start_matches('/')))
}

/// Sends `call` (its path relative to the backend's endpoint) and returns the answer's
/// body. `on_retry` is told each time the call waits to go again.
async fn call(state: &WidgetState, call: Call<'_>, on_retry: &dyn Fn()) -> Result<String, CallError> {
    let url = at_backend(state, &call.path).ok_or_else(CallError::network)?;
    let version = call.if_match.map(|v| format!("\"{v}\""));
    let abort = AbortOnDrop::new();
    let mut failures = 0;
    let mut refreshed = false;
    loop {
        let token = state.order_token.get_untracked().map(|t| format!("Bearer {t}"));
        let mut headers = Vec::new();
        if let Some(token) = &token {
            headers.push(("authorization", token.as_str()));
        }
        if let Some(key) = call.idempotency_key {
            headers.push(("idempotency-key", key));
        }
        if let Some(version) = &version {
            headers.push(("if-match", version.as_str()));
        }
        let (failure, retry_after) =
            match send(call.method.clone(), &url, call.query, &headers, call.body.as_deref(), &abort).await {
                Ok((status, text, _)) if (200..300).contains(&status) => return Ok(text),
                Ok((status, text, retry_after)) => {
                    let failed = CallError { status, error: (call.error)(&text).map(Box::new) };
                    if status == 401 && !refreshed && failed.code() == Some("order_token_expired") {
                        refreshed = true;
                        if state.refresh_token().await {
                            continue;
                        }
                        return Err(failed);
                    }
                    // A 409 is worth waiting out only while the same request is in progress.
                    let busy = status != 409 || failed.code() == Some("idempotency_in_progress");
                    if !Failure::Status(status).retryable() || !busy {
                        return Err(failed);
                    }
                    (Failure::Status(status), retry_after)
                }
                Err(()) => (Failure::Network, None),
            };
        let Some(wait) = retry::delay_ms(failure, failures, retry_after, js_sys::Math::random()) else {
            return Err(match failure {
                Failure::Network => CallError::network(),
                Failure::Status(status) => CallError { status, error: None },
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

/// A successful answer (`status`) read as `T`; one that does not read is an error.
fn answer<T: Read>(text: Result<String, CallError>, status: u16) -> Result<T, CallError> {
    decode(&text?).ok_or(CallError { status, error: None })
}

/// Files a case, once per idempotency key. The answer (the case) is read as a
/// [`Receipt`], all the case flow shows of it.
pub async fn file(state: &WidgetState, case: &NewCase, key: &str, on_retry: &dyn Fn()) -> Result<Receipt, CallError> {
    let request = Call {
        method: Method::POST,
        path: "v1/cases".into(),
        query: &[],
        body: Some(encode(case)),
        idempotency_key: Some(key),
        if_match: None,
        error: brief_error,
    };
    answer(call(state, request, on_retry).await, 201)
}

/// The shopper's cases for their order, oldest first.
pub async fn cases(state: &WidgetState, order: &str) -> Result<Vec<Case>, CallError> {
    let request = Call {
        method: Method::GET,
        path: "v1/cases".into(),
        query: &[("order", order)],
        body: None,
        idempotency_key: None,
        if_match: None,
        error: brief_error,
    };
    answer::<CaseList>(call(state, request, &|| {}).await, 200).map(|list| list.cases)
}

/// Marks what My requests showed as seen (each case through its history's length), so
/// the launcher's unread badge and `GET /v1/unread` count only what came after.
pub async fn seen(state: &WidgetState, cases: Vec<Seen>) -> Result<(), CallError> {
    let seen = SeenRequest { cases };
    let request = Call {
        method: Method::POST,
        path: "v1/seen".into(),
        query: &[],
        body: Some(encode(&seen)),
        idempotency_key: None,
        if_match: None,
        error: brief_error,
    };
    call(state, request, &|| {}).await.map(|_| ())
}

/// Something the shopper does to a case: the actions `next_actions` can offer them.
#[derive(Clone, Debug, PartialEq)]
pub enum ShopperAction {
    ReturnShipment(Shipment),
    Escalate(EscalateRequest),
    Withdraw(WithdrawRequest),
    Message(NewMessage),
    AcceptOffer(NoteRequest),
    DeclineOffer(NoteRequest),
    /// The shopper's answer to the platform's evidence round.
    Evidence(NewMessage),
    Appeal(NewMessage),
}

impl ShopperAction {
    fn request(&self) -> (&'static str, String) {
        match self {
            ShopperAction::ReturnShipment(shipment) => ("return-shipment", encode(shipment)),
            ShopperAction::Escalate(request) => ("escalate", encode(request)),
            ShopperAction::Withdraw(request) => ("withdraw", encode(request)),
            ShopperAction::Message(request) => ("messages", encode(request)),
            ShopperAction::AcceptOffer(request) => ("offer/accept", encode(request)),
            ShopperAction::DeclineOffer(request) => ("offer/decline", encode(request)),
            ShopperAction::Evidence(request) => ("evidence", encode(request)),
            ShopperAction::Appeal(request) => ("appeal", encode(request)),
        }
    }
}

/// Applies `action` to `case` at the version shown; answers the case as it now stands.
/// A case that changed meanwhile is refused with `version_mismatch` and its current
/// state in the error.
pub async fn act(state: &WidgetState, case: &Case, action: &ShopperAction, key: &str) -> Result<Case, CallError> {
    let (endpoint, body) = action.request();
    let request = Call {
        method: Method::POST,
        path: format!("v1/cases/{}/{endpoint}", case.id),
        query: &[],
        body: Some(body),
        idempotency_key: Some(key),
        if_match: Some(case.version),
        error: decode::<ApiError>,
    };
    answer(call(state, request, &|| {}).await, 200)
}

/// A fresh idempotency key: random enough to be unique per intended request.
pub fn new_key() -> String {
    format!("{:016x}{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64, js_sys::Date::now() as u64)
}
