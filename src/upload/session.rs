//! The evidence list and its uploads: each accepted file is checked by its first bytes
//! (the protocol crate's sniffer), photos are downscaled and re-encoded, and the file
//! goes up over tus as soon as it is accepted — chunk sizes by measurement, retries
//! with backoff, a fresh order token when the old one expires, pause and resume.
//!
//! The list is plain data in a signal (`FileState`), so components render it; the
//! browser objects (blobs, requests) stay in local stored values.

use aftercare_protocol::tus;
use std::collections::HashMap;

use aftercare_protocol::case::{MediaKind, MediaRef};
use aftercare_protocol::media::{self, MediaType, SNIFF_LEN};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, XmlHttpRequest};

use super::client::{self, Call, RequestError};
use super::retry::{self, Failure};
use super::{persist, plan, restore};
use crate::clock::sleep_ms;
use crate::state::WidgetState;

/// Files uploading at once.
const CONCURRENT: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Checking,
    Preparing,
    Uploading,
    Paused,
    /// Waiting to retry (network trouble, server busy).
    Waiting,
    Done,
    Failed,
    /// Remembered from before a reload, but its bytes are gone: choose it again.
    Reselect,
}

/// Why a file was not accepted or did not go up; the UI words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
    /// A code from `protocol::media::check`.
    Type(&'static str),
    TooLarge {
        max: u64,
    },
    TooMany {
        kind: MediaKind,
        max: usize,
    },
    /// A video longer than allowed (seconds).
    TooLong {
        max_seconds: u32,
    },
    /// The server refused it (its `code`).
    Server(String),
    /// Retries ran out.
    Network,
    /// The file chosen again is not the one that was being uploaded.
    WrongFile,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FileState {
    pub key: u32,
    pub name: String,
    pub kind: Option<MediaKind>,
    pub status: Status,
    pub original_size: u64,
    /// Bytes to upload (after downscaling).
    pub size: u64,
    pub sent: u64,
    /// Bytes per second over the last chunk.
    pub speed: f64,
    /// An object URL to show: the photo itself, or a video's poster frame.
    pub preview: Option<String>,
    /// A video's duration, when the browser could read it.
    pub seconds: Option<f64>,
    pub upload_id: Option<String>,
    pub error: Option<FileError>,
    /// Identity across reloads (see `restore::fingerprint`).
    pub fingerprint: Option<String>,
    /// The type it is uploaded as.
    pub filetype: String,
    /// Its tus upload URL, once created.
    pub url: Option<String>,
}

fn decision_is_restart(server: &restore::ServerState) -> bool {
    *server == restore::ServerState::Gone
}

#[derive(Clone, Copy)]
pub struct Evidence {
    pub files: RwSignal<Vec<FileState>>,
    blobs: StoredValue<HashMap<u32, Blob>, LocalStorage>,
    requests: StoredValue<HashMap<u32, XmlHttpRequest>, LocalStorage>,
    paused: RwSignal<Vec<u32>>,
    next_key: StoredValue<u32>,
    /// Uploads sending right now; at most `CONCURRENT` (the server allows 3 per shopper).
    sending: StoredValue<usize>,
    state: WidgetState,
    /// Keeps this list's saved records apart from other lists for the same order
    /// (files sent with a request for platform intervention).
    purpose: StoredValue<Option<String>>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves when the browser comes back online (or after 30 s, to check again).
async fn wait_online() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ =
                window.add_event_listener_with_callback_and_add_event_listener_options("online", &resolve, &options);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30_000);
        }
    });
    let _ = JsFuture::from(promise).await;
}

async fn read_head(blob: &Blob) -> Vec<u8> {
    let Ok(slice) = blob.slice_with_f64_and_f64(0.0, SNIFF_LEN as f64) else { return Vec::new() };
    match JsFuture::from(slice.array_buffer()).await {
        Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
        Err(_) => Vec::new(),
    }
}

impl Evidence {
    /// Limits, photo size and quality come from the widget configuration
    /// (`evidence`), read as each file arrives.
    pub fn new(state: WidgetState) -> Evidence {
        Evidence::for_purpose(state, None)
    }

    /// A separate list (its own saved records), e.g. `escalate:{case id}`.
    pub fn for_purpose(state: WidgetState, purpose: Option<String>) -> Evidence {
        Evidence {
            purpose: StoredValue::new(purpose),
            files: RwSignal::new(Vec::new()),
            blobs: StoredValue::new_local(HashMap::new()),
            requests: StoredValue::new_local(HashMap::new()),
            paused: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(1),
            sending: StoredValue::new(0),
            state,
        }
    }

    /// The completed files, as a case references them.
    pub fn media(&self) -> Vec<MediaRef> {
        self.files.with(|files| {
            files.iter().filter_map(|f| Some(MediaRef { upload_id: f.upload_id.clone()?, kind: f.kind? })).collect()
        })
    }

    fn update(&self, key: u32, change: impl FnOnce(&mut FileState)) {
        self.files.update(|files| {
            if let Some(file) = files.iter_mut().find(|f| f.key == key) {
                change(file);
            }
        });
    }

    fn alive(&self, key: u32) -> bool {
        self.files.with_untracked(|files| files.iter().any(|f| f.key == key))
    }

    /// Accepts a file from the picker, a drop or a paste, and starts on it.
    pub fn add(&self, file: File) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        let size = file.size() as u64;
        self.files.update(|files| {
            files.push(FileState {
                key,
                name: file.name(),
                kind: None,
                status: Status::Checking,
                original_size: size,
                size,
                sent: 0,
                speed: 0.0,
                preview: None,
                seconds: None,
                upload_id: None,
                error: None,
                fingerprint: None,
                filetype: file.type_(),
                url: None,
            })
        });
        let this = *self;
        leptos::task::spawn_local(async move { this.run(key, file).await });
    }

    /// Where this order's records are kept: one list per backend and order.
    fn scope(&self) -> Option<String> {
        let base = format!("{}|{}", self.state.endpoint.get_value()?, self.state.order_id().unwrap_or_default());
        Some(match self.purpose.get_value() {
            Some(purpose) => format!("{base}|{purpose}"),
            None => base,
        })
    }

    /// Files still on their way up (not done, failed or waiting to be chosen again).
    pub fn running(&self) -> usize {
        self.files.with_untracked(|files| {
            files.iter().filter(|f| !matches!(f.status, Status::Done | Status::Failed | Status::Reselect)).count()
        })
    }

    /// Writes the list's records to localStorage.
    fn persist(&self) {
        let Some(scope) = self.scope() else { return };
        let records: Vec<persist::Record> = self.files.with_untracked(|files| {
            files
                .iter()
                .filter(|f| f.status != Status::Failed)
                .filter_map(|f| {
                    Some(persist::Record {
                        fingerprint: f.fingerprint.clone()?,
                        name: f.name.clone(),
                        size: f.size,
                        original_size: f.original_size,
                        filetype: f.filetype.clone(),
                        kind: f.kind?.as_str().to_owned(),
                        url: f.url.clone(),
                        upload_id: f.upload_id.clone(),
                        completed: f.status == Status::Done,
                    })
                })
                .collect()
        });
        persist::save(&scope, &records);
    }

    /// Brings back the files remembered from before a reload: finished ones as done,
    /// the rest resumed from the server's offset (from the bytes kept in IndexedDB), or
    /// marked "choose this file again". Nothing is dropped silently.
    pub fn restore(&self) {
        let Some(scope) = self.scope() else { return };
        for record in persist::load(&scope) {
            let key = self.next_key.get_value();
            self.next_key.set_value(key + 1);
            let kind = MediaKind::parse(&record.kind);
            self.files.update(|files| {
                files.push(FileState {
                    key,
                    name: record.name.clone(),
                    kind,
                    status: if record.completed { Status::Done } else { Status::Checking },
                    original_size: record.original_size,
                    size: record.size,
                    sent: if record.completed { record.size } else { 0 },
                    speed: 0.0,
                    preview: None,
                    seconds: None,
                    upload_id: record.upload_id.clone(),
                    error: None,
                    fingerprint: Some(record.fingerprint.clone()),
                    filetype: record.filetype.clone(),
                    url: record.url.clone(),
                })
            });
            if record.completed {
                continue;
            }
            let this = *self;
            leptos::task::spawn_local(async move {
                let source = persist::kept(&record.fingerprint).await;
                this.resume_from(key, record, source.map(|blob| (blob, true))).await;
            });
        }
    }

    /// The shopper chose a file again for a remembered upload.
    pub fn reselect(&self, key: u32, file: File) {
        let this = *self;
        let record = self.files.with_untracked(|files| files.iter().find(|f| f.key == key).cloned());
        let Some(state) = record else { return };
        leptos::task::spawn_local(async move {
            let record = persist::Record {
                fingerprint: state.fingerprint.clone().unwrap_or_default(),
                name: state.name.clone(),
                size: state.size,
                original_size: state.original_size,
                filetype: state.filetype.clone(),
                kind: state.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                url: state.url.clone(),
                upload_id: None,
                completed: false,
            };
            this.resume_from(key, record, Some((file.into(), false))).await;
        });
    }

    async fn resume_from(self, key: u32, record: persist::Record, source: Option<(Blob, bool)>) {
        // The host page may hand the order token over a moment after the widget starts.
        for _ in 0..100 {
            if self.state.order_token.get_untracked().is_some() {
                break;
            }
            sleep_ms(100).await;
        }
        let server = match &record.url {
            None => restore::ServerState::Gone,
            Some(url) => self.head(key, url).await,
        };
        let (blob, source_kind) = match &source {
            Some((blob, stored)) => {
                let name = if *stored { record.name.clone() } else { blob.clone().unchecked_into::<File>().name() };
                let modified = if *stored { 0.0 } else { blob.clone().unchecked_into::<File>().last_modified() };
                let fingerprint = if *stored {
                    record.fingerprint.clone()
                } else {
                    restore::fingerprint(
                        &name,
                        blob.size() as u64,
                        &record.filetype,
                        modified,
                        &persist::sample(blob).await,
                    )
                };
                (
                    Some(blob.clone()),
                    if *stored {
                        restore::Source::Stored(fingerprint)
                    } else {
                        restore::Source::Reselected(fingerprint)
                    },
                )
            }
            None => (None, restore::Source::None),
        };
        let decision = restore::decide(&record.fingerprint, record.size, record.completed, server, &source_kind);
        match (decision, blob) {
            (restore::Decision::Done, _) => self.update(key, |f| {
                f.status = Status::Done;
                f.sent = f.size;
                f.upload_id = record
                    .upload_id
                    .clone()
                    .or_else(|| record.url.as_deref().and_then(|u| u.rsplit('/').next()).map(str::to_owned));
            }),
            (restore::Decision::Resume { .. } | restore::Decision::Restart, Some(blob)) => {
                let url = if decision_is_restart(&server) { None } else { record.url.clone() };
                let photo = MediaKind::parse(&record.kind) == Some(MediaKind::Photo);
                let preview = photo.then(|| web_sys::Url::create_object_url_with_blob(&blob).ok()).flatten();
                self.update(key, |f| {
                    if f.preview.is_none() {
                        f.preview = preview;
                    }
                    f.status = Status::Uploading;
                    f.error = None;
                    f.url = url.clone();
                });
                self.send(key, blob, &record.name, &record.filetype, url).await;
            }
            (restore::Decision::WrongFile, _) => self.update(key, |f| {
                f.status = Status::Reselect;
                f.error = Some(FileError::WrongFile);
            }),
            (restore::Decision::Wait, _) => self.update(key, |f| f.status = Status::Waiting),
            _ => self.update(key, |f| f.status = Status::Reselect),
        }
        self.persist();
    }

    async fn head(&self, key: u32, url: &str) -> restore::ServerState {
        let head = |token| Call { method: "HEAD", url, token, headers: &[], body: None };
        match self.request(key, &head, |_| {}).await {
            Ok(Some(answer)) => restore::ServerState::Offset(
                answer.header(tus::UPLOAD_OFFSET).and_then(|v| v.parse().ok()).unwrap_or(0),
            ),
            Ok(None) => restore::ServerState::Unknown,
            Err(FileError::Server(code)) if code == "upload_not_found" || code == "upload_expired" => {
                restore::ServerState::Gone
            }
            Err(_) => restore::ServerState::Unknown,
        }
    }

    pub fn remove(&self, key: u32) {
        let fingerprint =
            self.files.with_untracked(|files| files.iter().find(|f| f.key == key).and_then(|f| f.fingerprint.clone()));
        if let Some(fingerprint) = fingerprint {
            leptos::task::spawn_local(async move { persist::forget(&fingerprint).await });
        }
        if let Some(request) = self.requests.with_value(|r| r.get(&key).cloned()) {
            let _ = request.abort();
        }
        let preview =
            self.files.with_untracked(|files| files.iter().find(|f| f.key == key).and_then(|f| f.preview.clone()));
        if let Some(url) = preview {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        self.files.update(|files| files.retain(|f| f.key != key));
        self.blobs.update_value(|blobs| {
            blobs.remove(&key);
        });
        self.persist();
    }

    /// Empties the list (the case was filed with these files): nothing is kept for a
    /// reload any more.
    pub fn clear(&self) {
        let keys: Vec<u32> = self.files.with_untracked(|files| files.iter().map(|f| f.key).collect());
        for key in keys {
            self.remove(key);
        }
    }

    /// Moves a file one place earlier (`-1`) or later (`1`) in the list; the case's
    /// media follow this order.
    pub fn move_by(&self, key: u32, delta: isize) {
        self.files.update(|files| {
            let Some(from) = files.iter().position(|f| f.key == key) else { return };
            let to = from as isize + delta;
            if (0..files.len() as isize).contains(&to) {
                files.swap(from, to as usize);
            }
        });
        self.persist();
    }

    pub fn pause(&self, key: u32) {
        self.paused.update(|paused| paused.push(key));
        if let Some(request) = self.requests.with_value(|r| r.get(&key).cloned()) {
            let _ = request.abort();
        }
        self.update(key, |f| f.status = Status::Paused);
    }

    pub fn resume(&self, key: u32) {
        self.paused.update(|paused| paused.retain(|k| *k != key));
    }

    fn is_paused(&self, key: u32) -> bool {
        self.paused.with_untracked(|paused| paused.contains(&key))
    }

    async fn run(self, key: u32, file: File) {
        let fail = |error: FileError| {
            self.update(key, |f| {
                f.status = Status::Failed;
                f.error = Some(error);
            })
        };
        let head = read_head(&file).await;
        let media_type = match media::check(&file.type_(), &head) {
            Ok(media_type) => media_type,
            Err(error) => return fail(FileError::Type(error.code)),
        };
        let kind = media_type.kind();
        let settings = self.state.config.with_untracked(|config| config.evidence);
        let (count_max, byte_max) = match kind {
            MediaKind::Photo => (usize::from(settings.max_photos), settings.max_photo_bytes),
            MediaKind::Video => (usize::from(settings.max_videos), settings.max_video_bytes),
        };
        let same_kind = self.files.with_untracked(|files| {
            files.iter().filter(|f| f.key != key && f.kind == Some(kind) && f.status != Status::Failed).count()
        });
        if same_kind >= count_max {
            return fail(FileError::TooMany { kind, max: count_max });
        }
        self.update(key, |f| {
            f.kind = Some(kind);
            f.status = Status::Preparing;
        });
        let (preview, seconds) = match kind {
            MediaKind::Photo => (web_sys::Url::create_object_url_with_blob(&file).ok(), None),
            MediaKind::Video => match super::video::probe(&file).await {
                Some(probe) if probe.seconds > f64::from(settings.max_video_seconds) => {
                    return fail(FileError::TooLong { max_seconds: settings.max_video_seconds });
                }
                Some(probe) => (
                    probe.poster.and_then(|poster| web_sys::Url::create_object_url_with_blob(&poster).ok()),
                    Some(probe.seconds),
                ),
                None => (None, None),
            },
        };
        if !self.alive(key) {
            if let Some(url) = preview {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
            return;
        }
        self.update(key, |f| {
            f.preview = preview;
            f.seconds = seconds;
        });
        let (blob, filetype): (Blob, &str) = match media_type {
            MediaType::Jpeg | MediaType::Png | MediaType::Webp => {
                // Always the re-encoded copy: it carries no EXIF or GPS, whatever its size.
                // (The server strips metadata again, for clients that are not ours.)
                let format = settings.photo_format.mime();
                match super::image::downscale(&file, settings.photo_max_edge.0, format, settings.photo_quality.0).await
                {
                    Ok((small, _, _)) => (small, format),
                    Err(_) => (file.clone().into(), media_type.mime()),
                }
            }
            _ => (file.clone().into(), media_type.mime()),
        };
        let size = blob.size() as u64;
        if size > byte_max {
            return fail(FileError::TooLarge { max: byte_max });
        }
        if !self.alive(key) {
            return;
        }
        let fingerprint =
            restore::fingerprint(&file.name(), size, filetype, file.last_modified(), &persist::sample(&blob).await);
        let _ = persist::keep(&fingerprint, &blob).await;
        self.update(key, |f| {
            f.size = size;
            f.fingerprint = Some(fingerprint);
            f.filetype = filetype.to_owned();
            f.status = Status::Uploading;
        });
        self.persist();
        self.send(key, blob, &file.name(), filetype, None).await;
    }

    /// Uploads `blob` (resuming at `url` if given), one of `CONCURRENT` at a time.
    async fn send(self, key: u32, blob: Blob, name: &str, filetype: &str, url: Option<String>) {
        self.blobs.update_value(|blobs| {
            blobs.insert(key, blob.clone());
        });
        // Files queue for a sending slot, in the order they were accepted.
        while self.sending.get_value() >= CONCURRENT {
            if !self.alive(key) {
                return;
            }
            sleep_ms(100).await;
        }
        self.sending.update_value(|n| *n += 1);
        let result = self.upload(key, &blob, name, filetype, url).await;
        self.sending.update_value(|n| *n -= 1);
        match result {
            Ok(Some(upload_id)) => {
                self.update(key, |f| {
                    f.upload_id = Some(upload_id);
                    f.sent = f.size;
                    f.status = Status::Done;
                });
                self.persist();
            }
            Ok(None) => {} // removed meanwhile
            Err(error) => {
                self.update(key, |f| {
                    f.status = Status::Failed;
                    f.error = Some(error);
                });
                self.persist();
            }
        }
    }

    fn endpoint(&self) -> Option<String> {
        self.state.endpoint.get_value().map(|base| format!("{}/v1/uploads/", base.trim_end_matches('/')))
    }

    /// One tus request with retries: backoff on failures that can pass, a fresh token
    /// on `order_token_expired`. `Ok(None)` when the file was removed or paused.
    async fn request<'a>(
        &self,
        key: u32,
        call: &dyn Fn(Option<String>) -> Call<'a>,
        progress: impl Fn(f64) + Clone + 'static,
    ) -> Result<Option<client::Answer>, FileError> {
        let mut attempts = 0;
        self.request_with(key, call, progress, &mut attempts, true).await
    }

    /// Like `request`, counting failures in `attempts`. With `resend` false, a
    /// retryable failure waits out its backoff and returns `Ok(None)` instead of
    /// sending the same request again (a PATCH must first re-read the offset).
    async fn request_with<'a>(
        &self,
        key: u32,
        call: &dyn Fn(Option<String>) -> Call<'a>,
        progress: impl Fn(f64) + Clone + 'static,
        attempts: &mut u32,
        resend: bool,
    ) -> Result<Option<client::Answer>, FileError> {
        let attempt = attempts;
        loop {
            if !self.alive(key) || self.is_paused(key) {
                return Ok(None);
            }
            let token = self.state.order_token.get_untracked();
            let requests = self.requests;
            let register = move |request: Option<XmlHttpRequest>| {
                requests.update_value(|map| match request {
                    Some(request) => {
                        map.insert(key, request);
                    }
                    None => {
                        map.remove(&key);
                    }
                })
            };
            match client::send(call(token), progress.clone(), &register).await {
                Ok(answer) => return Ok(Some(answer)),
                Err(RequestError { code: Some(code), .. }) if code == "order_token_expired" && *attempt < 2 => {
                    *attempt += 1;
                    if !self.state.refresh_token().await {
                        return Err(FileError::Server(code));
                    }
                }
                Err(error) => {
                    if !self.alive(key) || self.is_paused(key) {
                        return Ok(None);
                    }
                    let online = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
                    let delay = retry::delay_ms(error.failure, *attempt, error.retry_after_ms, js_sys::Math::random());
                    match delay {
                        Some(delay) => {
                            self.update(key, |f| f.status = Status::Waiting);
                            if online {
                                sleep_ms(delay).await;
                            } else {
                                wait_online().await;
                            }
                            *attempt += if online { 1 } else { 0 };
                            self.update(key, |f| {
                                if f.status == Status::Waiting {
                                    f.status = Status::Uploading;
                                }
                            });
                            if !resend {
                                return Ok(None);
                            }
                        }
                        None => {
                            return Err(match (error.failure, error.code) {
                                (_, Some(code)) => FileError::Server(code),
                                (Failure::Network, None) => FileError::Network,
                                (Failure::Status(status), None) => FileError::Server(status.to_string()),
                            })
                        }
                    }
                }
            }
        }
    }

    /// Creates the upload, then sends it chunk by chunk; resumes from the server's
    /// offset after a pause or a conflict.
    async fn upload(
        &self,
        key: u32,
        blob: &Blob,
        name: &str,
        filetype: &str,
        existing: Option<String>,
    ) -> Result<Option<String>, FileError> {
        let Some(endpoint) = self.endpoint() else { return Err(FileError::Server("no_endpoint".into())) };
        let length = blob.size() as u64;
        let created_here = existing.is_none();
        let url = match existing {
            Some(url) => url,
            None => {
                let metadata = tus::metadata(name, filetype, base64);
                let create_headers = [(tus::UPLOAD_LENGTH, length.to_string()), (tus::UPLOAD_METADATA, metadata)];
                let create =
                    |token| Call { method: "POST", url: &endpoint, token, headers: &create_headers, body: None };
                let Some(created) = self.request(key, &create, |_| {}).await? else { return Ok(None) };
                let location = created.header("Location").ok_or(FileError::Server("no_location".into()))?;
                let url = web_sys::Url::new_with_base(&location, &endpoint)
                    .map(|u| u.href())
                    .map_err(|_| FileError::Server("bad_location".into()))?;
                self.update(key, |f| f.url = Some(url.clone()));
                self.persist();
                url
            }
        };
        let upload_id = url.rsplit('/').next().unwrap_or_default().to_owned();

        let mut offset = 0u64;
        let mut chunk = plan::START_CHUNK;
        // Ask the server where it is only when we may not know: when resuming an
        // existing upload, or after a pause or a failed chunk.
        let mut ask = !created_here;
        let mut failures = 0;
        loop {
            while self.is_paused(key) {
                if !self.alive(key) {
                    return Ok(None);
                }
                sleep_ms(250).await;
            }
            if !self.alive(key) {
                return Ok(None);
            }
            self.update(key, |f| f.status = Status::Uploading);
            if ask {
                let head = |token| Call { method: "HEAD", url: &url, token, headers: &[], body: None };
                if let Some(answer) = self.request(key, &head, |_| {}).await? {
                    offset = answer.header(tus::UPLOAD_OFFSET).and_then(|v| v.parse().ok()).unwrap_or(offset);
                }
                ask = false;
            }
            let Some((start, end)) = plan::next_range(offset, length, chunk) else { return Ok(Some(upload_id)) };
            let body = blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|_| FileError::Network)?;
            let headers =
                [(tus::UPLOAD_OFFSET, start.to_string()), ("content-type", tus::OFFSET_OCTET_STREAM.to_owned())];
            let patch = |token| Call { method: "PATCH", url: &url, token, headers: &headers, body: Some(&body) };
            let files = self.files;
            let progress = move |loaded: f64| {
                files.update(|list| {
                    if let Some(f) = list.iter_mut().find(|f| f.key == key) {
                        f.sent = start + loaded as u64;
                    }
                })
            };
            let started = now_ms();
            match self.request_with(key, &patch, progress, &mut failures, false).await? {
                Some(answer) => {
                    failures = 0;
                    let elapsed = (now_ms() - started).max(1.0);
                    offset = answer.header(tus::UPLOAD_OFFSET).and_then(|v| v.parse().ok()).unwrap_or(end);
                    self.update(key, |f| {
                        f.sent = offset;
                        f.speed = (end - start) as f64 * 1000.0 / elapsed;
                    });
                    chunk = plan::next_chunk_size(end - start, elapsed);
                    if offset >= length {
                        return Ok(Some(upload_id));
                    }
                }
                None if !self.alive(key) => return Ok(None),
                None => ask = true, // paused: wait, then re-read the offset
            }
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    let window = web_sys::window();
    // btoa works on Latin-1: one char per byte of the UTF-8 text.
    let latin1: String = bytes.iter().map(|&b| b as char).collect();
    window.and_then(|w| w.btoa(&latin1).ok()).unwrap_or_default()
}
