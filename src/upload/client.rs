//! The browser's side of the tus client ([`Transport`]): requests over
//! `XMLHttpRequest` (for upload progress events, which `fetch` does not give), blobs,
//! timers and the browser's online state. One request at a time; `transfer` decides
//! what to send and when to retry.

use aftercare_protocol::tus;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

use super::retry::Failure;
use super::transfer::{Answer, Call, Progress, RequestError, Transport};

/// The browser transport. `register` is handed each request while it runs (and `None`
/// after), so a pause or a removal can abort it.
pub struct Xhr<R: Fn(Option<XmlHttpRequest>)> {
    pub register: R,
}

impl<R: Fn(Option<XmlHttpRequest>)> Transport for Xhr<R> {
    type Body = Blob;

    async fn send(&self, call: Call<'_, Blob>, progress: Progress) -> Result<Answer, RequestError> {
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
        let on_progress =
            Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| progress(event.loaded() as u64));
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        let finished = Promise::new(&mut |resolve, _reject| {
            let done = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            xhr.set_onloadend(Some(done.unchecked_ref()));
        });
        (self.register)(Some(xhr.clone()));
        let sent = xhr.send_with_opt_blob(call.body);
        if sent.is_ok() {
            let _ = JsFuture::from(finished).await;
        }
        (self.register)(None);
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(None);
        }
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        if sent.is_err() || status == 0 {
            return Err(RequestError::network());
        }
        let header = |name: &str| xhr.get_response_header(name).ok().flatten();
        if (200..300).contains(&status) {
            return Ok(Answer {
                offset: header(tus::UPLOAD_OFFSET).and_then(|v| v.parse().ok()),
                location: header("location"),
            });
        }
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        let retry_after_ms =
            header("retry-after").and_then(|v| v.trim().parse::<u32>().ok()).map(|s| s.saturating_mul(1000));
        let code = crate::api::brief_error(&body).map(|error| error.code);
        Err(RequestError { failure: Failure::Status(status), code, retry_after_ms })
    }

    fn slice(&self, body: &Blob, start: u64, end: u64) -> Option<Blob> {
        body.slice_with_f64_and_f64(start as f64, end as f64).ok()
    }

    fn resolve(&self, location: &str, base: &str) -> Option<String> {
        web_sys::Url::new_with_base(location, base).ok().map(|url| url.href())
    }

    fn base64(bytes: &[u8]) -> String {
        // btoa works on Latin-1: one char per byte of the UTF-8 text.
        let latin1: String = bytes.iter().map(|&b| b as char).collect();
        web_sys::window().and_then(|w| w.btoa(&latin1).ok()).unwrap_or_default()
    }

    async fn sleep(&self, ms: u32) {
        crate::clock::sleep_ms(ms).await;
    }

    /// Resolves when the browser comes back online (or after 30 s, to check again).
    async fn wait_online(&self) {
        let promise = Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let options = web_sys::AddEventListenerOptions::new();
                options.set_once(true);
                let _ = window
                    .add_event_listener_with_callback_and_add_event_listener_options("online", &resolve, &options);
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30_000);
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    fn online(&self) -> bool {
        web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
    }

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
