//! The console's calls to the reference backend, same origin: the session cookie goes
//! with every request, writes carry `X-CSRF-Token` and `If-Match`. Errors are
//! `CallError { status, error }` (status 0: the network failed).

use aftercare_protocol::case::{ApiError, Case, CaseDetail, CasePage, MediaKind, MediaRef};
use aftercare_protocol::staff::{
    CannedReplies, CannedReply, NewStaffRequest, Queue, QueueTab, SignInRequest, StaffList, StaffMember, StaffSession,
    CSRF_HEADER,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

use crate::actions::Desk;

#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub status: u16,
    pub error: Option<ApiError>,
}

impl CallError {
    pub fn code(&self) -> &str {
        self.error.as_ref().map(|e| e.code.as_str()).unwrap_or_default()
    }

    /// Whether signing in again is the way on.
    pub fn signed_out(&self) -> bool {
        self.status == 401
    }
}

fn network(_: gloo_net::Error) -> CallError {
    CallError { status: 0, error: None }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, CallError> {
    let status = response.status();
    if response.ok() {
        return response.json::<T>().await.map_err(|_| CallError { status, error: None });
    }
    Err(CallError { status, error: response.json::<ApiError>().await.ok() })
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, CallError> {
    decode(Request::get(path).send().await.map_err(network)?).await
}

pub async fn session() -> Result<StaffSession, CallError> {
    get("/v1/staff/session").await
}

pub async fn sign_in(email: &str, password: &str) -> Result<StaffSession, CallError> {
    let body = SignInRequest { email: email.to_owned(), password: password.to_owned() };
    let request = Request::post("/v1/staff/sign-in").json(&body).map_err(network)?;
    decode(request.send().await.map_err(network)?).await
}

pub async fn sign_out(csrf: &str, everywhere: bool) -> Result<(), CallError> {
    let path = if everywhere { "/v1/staff/sign-out-everywhere" } else { "/v1/staff/sign-out" };
    let response = Request::post(path).header(CSRF_HEADER, csrf).send().await.map_err(network)?;
    match response.status() {
        204 => Ok(()),
        status => Err(CallError { status, error: response.json::<ApiError>().await.ok() }),
    }
}

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

pub async fn queue(tab: QueueTab, search: &str) -> Result<Queue, CallError> {
    let mut path = format!("/v1/merchant/queue?tab={}", tab.as_str());
    if !search.trim().is_empty() {
        path.push_str(&format!("&q={}", encode(search.trim())));
    }
    get(&path).await
}

/// The platform's cases in a state, oldest first; `appealed`: only appealed ones.
pub async fn platform_cases(state: &str, appealed: bool) -> Result<CasePage, CallError> {
    let appeals = if appealed { "&appealed=true" } else { "" };
    get(&format!("/v1/platform/cases?state={}&order=oldest{appeals}", encode(state))).await
}

pub async fn detail(desk: Desk, id: &str) -> Result<CaseDetail, CallError> {
    get(&format!("{}/{}", desk.base(), encode(id))).await
}

/// A write to a case at the version shown. On `version_mismatch` the error carries the
/// case as it stands.
pub async fn act(path: &str, csrf: &str, version: u64, body: &serde_json::Value) -> Result<Case, CallError> {
    let request = Request::post(path)
        .header(CSRF_HEADER, csrf)
        .header("if-match", &format!("\"{version}\""))
        .json(body)
        .map_err(network)?;
    decode(request.send().await.map_err(network)?).await
}

pub async fn canned_replies() -> Result<Vec<CannedReply>, CallError> {
    get::<CannedReplies>("/v1/merchant/canned-replies").await.map(|r| r.replies)
}

pub async fn put_canned_reply(csrf: &str, reply: &CannedReply) -> Result<Vec<CannedReply>, CallError> {
    let path = format!("/v1/merchant/canned-replies/{}", encode(&reply.code));
    let request = Request::put(&path).header(CSRF_HEADER, csrf).json(reply).map_err(network)?;
    decode::<CannedReplies>(request.send().await.map_err(network)?).await.map(|r| r.replies)
}

async fn delete(path: &str, csrf: &str) -> Result<(), CallError> {
    let response = Request::delete(path).header(CSRF_HEADER, csrf).send().await.map_err(network)?;
    match response.status() {
        204 => Ok(()),
        status => Err(CallError { status, error: response.json::<ApiError>().await.ok() }),
    }
}

pub async fn delete_canned_reply(csrf: &str, code: &str) -> Result<(), CallError> {
    delete(&format!("/v1/merchant/canned-replies/{}", encode(code)), csrf).await
}

pub async fn staff() -> Result<Vec<StaffMember>, CallError> {
    get::<StaffList>("/v1/merchant/staff").await.map(|l| l.staff)
}

pub async fn add_staff(csrf: &str, request: &NewStaffRequest) -> Result<StaffMember, CallError> {
    let request = Request::post("/v1/merchant/staff").header(CSRF_HEADER, csrf).json(request).map_err(network)?;
    decode(request.send().await.map_err(network)?).await
}

pub async fn remove_staff(csrf: &str, id: &str) -> Result<(), CallError> {
    delete(&format!("/v1/merchant/staff/{}", encode(id)), csrf).await
}

/// Uploads one file through tus in a single creation-with-upload request (the staff's
/// files are theirs: the session is the uploader), as evidence to attach.
pub async fn upload(csrf: &str, file: &web_sys::File) -> Result<MediaRef, CallError> {
    let mime = file.type_();
    let kind = if mime.starts_with("video/") { MediaKind::Video } else { MediaKind::Photo };
    let filetype = web_sys::window().and_then(|w| w.btoa(&mime).ok()).unwrap_or_default();
    let request = Request::post("/v1/uploads/")
        .header(CSRF_HEADER, csrf)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &(file.size() as u64).to_string())
        .header("upload-metadata", &format!("filetype {filetype}"))
        .header("content-type", "application/offset+octet-stream")
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(network)?;
    let response = request.send().await.map_err(network)?;
    if response.status() != 201 {
        return Err(CallError { status: response.status(), error: response.json::<ApiError>().await.ok() });
    }
    let location = response.headers().get("location").unwrap_or_default();
    let id = location.rsplit('/').next().unwrap_or_default().to_owned();
    Ok(MediaRef::new(id, kind))
}
