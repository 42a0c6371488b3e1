//! Our tus 1.0 client, over `XMLHttpRequest` (for upload progress events, which
//! `fetch` does not give). One request at a time; the caller (`session`) decides what
//! to send and when to retry.

use aftercare_protocol::tus;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

use super::retry::Failure;

/// A failed tus request: what went wrong, the API error code if the server sent one,
/// and its `Retry-After`.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    pub failure: Failure,
    pub code: Option<String>,
    pub message: Option<String>,
    pub retry_after_ms: Option<u32>,
}

impl RequestError {
    fn network() -> RequestError {
        RequestError { failure: Failure::Network, code: None, message: None, retry_after_ms: None }
    }
}

/// What one request needs.
pub struct Call<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub token: Option<String>,
    pub headers: &'a [(&'a str, String)],
    pub body: Option<&'a Blob>,
}

/// A finished request: status and the response headers we read.
pub struct Answer {
    pub status: u16,
    xhr: XmlHttpRequest,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.xhr.get_response_header(name).ok().flatten()
    }
}

/// Sends one request; `on_progress(sent_bytes)` is called as the body goes out.
/// `register_abort` receives the request, so a pause can abort it.
pub async fn send(
    call: Call<'_>,
    on_progress: impl Fn(f64) + 'static,
    register_abort: &dyn Fn(Option<XmlHttpRequest>),
) -> Result<Answer, RequestError> {
    let xhr = XmlHttpRequest::new().map_err(|_| RequestError::network())?;
    xhr.open_with_async(call.method, call.url, true).map_err(|_| RequestError::network())?;
    let _ = xhr.set_request_header(tus::TUS_RESUMABLE, tus::VERSION);
    if let Some(token) = &call.token {
        let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in call.headers {
        let _ = xhr.set_request_header(name, value);
    }
    // The closures must live until the request ends; they are dropped after.
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| on_progress(event.loaded()));
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let finished = Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        xhr.set_onloadend(Some(done.unchecked_ref()));
    });
    register_abort(Some(xhr.clone()));
    let sent = xhr.send_with_opt_blob(call.body);
    if sent.is_ok() {
        let _ = JsFuture::from(finished).await;
    }
    register_abort(None);
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(None);
    }
    drop(progress);
    let status = xhr.status().unwrap_or(0);
    if sent.is_err() || status == 0 {
        return Err(RequestError::network());
    }
    let answer = Answer { status, xhr };
    if (200..300).contains(&status) {
        return Ok(answer);
    }
    let body = answer.xhr.response_text().ok().flatten().unwrap_or_default();
    let parsed: Option<serde_json::Value> = serde_json::from_str(&body).ok();
    let text = |key: &str| parsed.as_ref().and_then(|v| v.get(key)).and_then(|v| v.as_str()).map(str::to_owned);
    let retry_after_ms =
        answer.header("Retry-After").and_then(|v| v.trim().parse::<u32>().ok()).map(|s| s.saturating_mul(1000));
    Err(RequestError { failure: Failure::Status(status), code: text("code"), message: text("message"), retry_after_ms })
}
