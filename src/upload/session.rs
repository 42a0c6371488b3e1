//! The evidence list and its uploads: each accepted file is checked by its first bytes
//! (the protocol crate's sniffer), photos are downscaled and re-encoded, and the file
//! goes up over tus as soon as it is accepted — chunk sizes by measurement, retries
//! with backoff, a fresh order token when the old one expires, pause and resume.
//!
//! The list is plain data in a signal (`FileState`), so components render it; the
//! browser objects (blobs, requests) stay in local stored values.

use std::collections::HashMap;

use aftercare_protocol::case::{MediaKind, MediaRef};
use aftercare_protocol::media::{self, MediaType, SNIFF_LEN};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, XmlHttpRequest};

use super::transfer::{self, Report, Run};
pub use super::transfer::{FileError, Status};
use super::{client, persist, restore};
use crate::clock::sleep_ms;
use crate::state::WidgetState;

/// Files uploading at once.
const CONCURRENT: usize = 2;

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
        self.files
            .with(|files| files.iter().filter_map(|f| Some(MediaRef::new(f.upload_id.clone()?, f.kind?))).collect())
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
            Some(url) => transfer::probe(&self.transport(key), &Slot { evidence: self, key }, url).await,
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

    /// The browser transport for file `key`: its running request is kept, so a pause or
    /// a removal can abort it.
    fn transport(&self, key: u32) -> client::Xhr<impl Fn(Option<XmlHttpRequest>)> {
        let requests = self.requests;
        client::Xhr {
            register: move |request: Option<XmlHttpRequest>| {
                requests.update_value(|map| match request {
                    Some(request) => {
                        map.insert(key, request);
                    }
                    None => {
                        map.remove(&key);
                    }
                })
            },
        }
    }

    async fn upload(
        &self,
        key: u32,
        blob: &Blob,
        name: &str,
        filetype: &str,
        existing: Option<String>,
    ) -> Result<Option<String>, FileError> {
        let Some(endpoint) = self.endpoint() else { return Err(FileError::Server("no_endpoint".into())) };
        let source = transfer::Source { body: blob, length: blob.size() as u64, name, filetype };
        transfer::upload(&self.transport(key), &Slot { evidence: *self, key }, &endpoint, source, existing).await
    }
}

/// One file of an evidence list, as the tus client's [`transfer::Owner`].
#[derive(Clone, Copy)]
struct Slot {
    evidence: Evidence,
    key: u32,
}

impl transfer::Owner for Slot {
    fn run(&self) -> Run {
        if !self.evidence.alive(self.key) {
            Run::Gone
        } else if self.evidence.is_paused(self.key) {
            Run::Paused
        } else {
            Run::Go
        }
    }

    fn token(&self) -> Option<String> {
        self.evidence.state.order_token.get_untracked()
    }

    async fn refresh_token(&self) -> bool {
        self.evidence.state.refresh_token().await
    }

    fn report(&self, report: Report) {
        let paused = self.evidence.is_paused(self.key);
        match report {
            // A pause that came meanwhile keeps its status.
            Report::Status(status) => self.evidence.update(self.key, |f| {
                if !paused {
                    f.status = status;
                }
            }),
            Report::Created(url) => {
                self.evidence.update(self.key, |f| f.url = Some(url));
                self.evidence.persist();
            }
            Report::Sent(sent) => self.evidence.update(self.key, |f| f.sent = sent),
            Report::Chunk { offset, speed } => self.evidence.update(self.key, |f| {
                f.sent = offset;
                f.speed = speed;
            }),
        }
    }
}
