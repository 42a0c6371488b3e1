//! The tus 1.0 resumable-upload protocol — core plus the creation,
//! creation-with-upload, expiration, checksum and termination extensions — at
//! `/v1/uploads/`, each upload bound to its sender: a shopper's order token, a
//! merchant's API key or the platform's key (`auth::Uploader`).
//!
//! Bytes stream through bounded buffers into a spool file under the data folder; the
//! spool file's length is the upload's offset, so an interrupted PATCH keeps what
//! arrived (unless it carried `Upload-Checksum`: then the chunk is held aside until
//! verified and an interrupted one keeps nothing). On the last byte the file is
//! checked by its content, cleaned of metadata, and put into storage (`completion`).
//! The spool files are `spool`'s, signed links and `/media` are `links`'.
//!
//! For several nodes the spool is the bucket instead (`objects`, chosen with
//! `--spool s3`): the offset and the parts live in the database, and a lease there keeps
//! one writer per upload across nodes. The local folder then only holds an upload
//! while it is cleaned.

pub mod completion;
pub mod links;
pub mod locks;
pub mod objects;
pub mod spool;
pub use completion::check_case_media;
pub use links::{link, media, Link, LinkQuery};

pub use aftercare_parsers::tus as headers;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use aftercare_protocol::media::MediaType;
use aftercare_protocol::time::Timestamp;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, options};
use axum::Router;
use futures_util::{FutureExt, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::auth::Uploader;
use crate::error::Error;
use crate::storage::Storage;
use crate::store::{Owner, Upload, UploadState};
use crate::AppState;
use headers::*;

/// Limits on uploads; defaults suit phone photos and short videos.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_photo_bytes: u64,
    pub max_video_bytes: u64,
    /// Everything uploaded for one order.
    pub max_order_bytes: u64,
    /// Everything one case references.
    pub max_case_bytes: u64,
    /// PATCH requests writing at the same time for one shopper and order.
    pub concurrent_per_shopper: usize,
    pub expiry_ms: i64,
    pub link_ttl_ms: i64,
    /// A PATCH whose client sends nothing for this long ends, keeping what arrived.
    pub idle_timeout: std::time::Duration,
    /// Pixels in one photo (width × height), so a small file cannot claim a huge canvas.
    pub max_photo_pixels: u64,
    /// Work caps of the media cleaners (boxes or chunks per file, nesting depth).
    pub clean_caps: aftercare_parsers::clean::Caps,
    /// Uploads being checked and cleaned at once, across all shoppers.
    pub concurrent_cleaning: usize,
    /// Uploads one order may have (any state).
    pub max_order_uploads: u64,
    /// Bytes all incomplete uploads together may promise (the spool's quota).
    pub max_spool_bytes: u64,
    /// Free space the spool's disk keeps beyond what incomplete uploads promise.
    pub min_free_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_photo_bytes: 20 * 1024 * 1024,
            max_video_bytes: 200 * 1024 * 1024,
            max_order_bytes: 1024 * 1024 * 1024,
            max_case_bytes: 600 * 1024 * 1024,
            concurrent_per_shopper: 3,
            expiry_ms: 24 * 3_600_000,
            link_ttl_ms: 15 * 60_000,
            idle_timeout: std::time::Duration::from_secs(30),
            max_photo_pixels: 100_000_000,
            clean_caps: aftercare_parsers::clean::Caps::default(),
            concurrent_cleaning: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_order_uploads: 100,
            max_spool_bytes: 20 * 1024 * 1024 * 1024,
            min_free_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Everything the upload routes share.
pub struct Uploads {
    pub spool: spool::Spool,
    pub storage: Storage,
    pub limits: Limits,
    /// Incomplete uploads live in the bucket (`objects`), not in `spool`.
    object_spool: bool,
    link_key: Vec<u8>,
    locks: locks::Locks,
    active: Mutex<HashMap<String, usize>>,
    cleaning: tokio::sync::Semaphore,
    /// Completed uploads waiting for a cleaning slot.
    cleaning_queue: std::sync::atomic::AtomicUsize,
    /// Held while an upload is admitted (quotas summed, row inserted), so concurrent
    /// creations cannot together promise more than a quota allows; across nodes,
    /// `Store::admit_upload` takes a database lock too.
    admitting: tokio::sync::Mutex<()>,
}

impl Uploads {
    /// `spool_dir` holds incomplete uploads; `link_key` signs media links.
    pub fn new(spool_dir: PathBuf, storage: Storage, limits: Limits, link_key: Vec<u8>) -> Result<Uploads, String> {
        let spool = spool::Spool::open(spool_dir)?;
        let cleaning = tokio::sync::Semaphore::new(limits.concurrent_cleaning.max(1));
        Ok(Uploads {
            spool,
            storage,
            limits,
            object_spool: false,
            link_key,
            locks: locks::Locks::default(),
            active: Mutex::default(),
            cleaning,
            cleaning_queue: Default::default(),
            admitting: tokio::sync::Mutex::new(()),
        })
    }

    /// Keeps incomplete uploads in the bucket (`objects`), so that several nodes share
    /// them; needs S3 storage.
    pub fn with_object_spool(mut self) -> Result<Uploads, String> {
        if self.storage.multipart().is_none() {
            return Err("the S3 spool needs S3 storage: set AFTERCARE_S3_BUCKET (and its endpoint and keys)".into());
        }
        self.object_spool = true;
        Ok(self)
    }

    pub fn object_spool(&self) -> bool {
        self.object_spool
    }

    /// Upload `id`'s offset: what the spool holds of it.
    async fn offset(&self, store: &crate::store::Store, id: &str) -> Result<u64, Error> {
        if self.object_spool {
            Ok(store.object_spool(id).await?.map_or(0, |spool| spool.offset))
        } else {
            Ok(self.spool.offset(id).await)
        }
    }

    pub fn max_size(&self) -> u64 {
        self.limits.max_photo_bytes.max(self.limits.max_video_bytes)
    }

    /// Completed uploads waiting for a cleaning slot right now.
    pub fn cleaning_queue(&self) -> usize {
        self.cleaning_queue.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Requests waiting for upload `id`, held by another request.
    pub fn lock_waiters(&self, id: &str) -> u64 {
        self.locks.waiting(id)
    }

    /// Takes a cleaning slot, as a completing upload would: tests hold every slot to stop
    /// completions at a known point.
    #[doc(hidden)]
    pub async fn hold_cleaning_slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.cleaning.acquire().await.expect("the semaphore is never closed")
    }

    /// Removes expired incomplete uploads and their spool files — never one a request is
    /// writing to (its lock is tried, not taken over; activity extends expiry anyway).
    pub async fn sweep(&self, store: &crate::store::Store, now: Timestamp) -> Result<usize, Error> {
        let expired = store.expired_uploads(now).await?;
        let mut removed = 0;
        for id in &expired {
            let Some(_held) = self.locks.try_take(id) else { continue };
            let lease = match self.object_spool {
                true => match objects::Lease::acquire(store, id, false).await? {
                    Some(lease) => Some(lease),
                    None => continue, // a request on another node is writing it
                },
                false => None,
            };
            self.remove_files(store, id).await?;
            store.delete_upload(id).await?;
            drop(lease);
            removed += 1;
        }
        Ok(removed)
    }

    /// Deletes complete uploads no case references once nothing can need them: the
    /// merchant's draft lifetime (`case.draft_days`) and an upload's expiry have passed
    /// since they were made, so a draft restored on its last day still finds its files.
    /// A page per merchant per call; returns how many went.
    pub async fn collect_garbage(
        &self,
        store: &crate::store::Store,
        merchants: &crate::merchants::Merchants,
        now: Timestamp,
    ) -> Result<usize, Error> {
        let mut collected = 0;
        let mut scopes: Vec<(&str, i64)> = merchants
            .all()
            .map(|merchant| (merchant.id.as_str(), i64::from(merchant.draft_days()) * 86_400_000))
            .collect();
        // The platform's uploads (no merchant) go with no draft to wait for.
        scopes.push(("", 0));
        for (merchant_id, draft_ms) in scopes {
            let keep_ms = draft_ms + self.limits.expiry_ms;
            for upload in store.old_complete_uploads(merchant_id, Timestamp(now.0 - keep_ms), 500).await? {
                if store.upload_referenced(&upload.owner, &upload.id).await? {
                    continue;
                }
                let Some(_held) = self.locks.try_take(&upload.id) else { continue };
                if let Some(key) = &upload.object_key {
                    self.storage.delete(key).await?;
                }
                store.delete_upload(&upload.id).await?;
                self.locks.forget(&upload.id);
                collected += 1;
            }
        }
        Ok(collected)
    }

    /// At start, before serving: removes what no request can be working on — cleaning
    /// leftovers (`.clean`), checksummed chunks never verified (`.chunk`), and spool files
    /// of uploads the database does not know as receiving.
    pub async fn reconcile_spool(&self, store: &crate::store::Store) -> Result<usize, Error> {
        // With the S3 spool, every local file is a cleaning leftover.
        let receiving = match self.object_spool {
            true => Default::default(),
            false => store.receiving_upload_ids().await?,
        };
        self.spool.reconcile(&receiving).await.map_err(|e| Error::internal("reconciling the spool", e))
    }

    /// Whether the spool can take `length` more bytes, with `promised` bytes of
    /// incomplete uploads already admitted and `available` bytes free on its disk: within
    /// the spool quota, and leaving `min_free_bytes` free after every incomplete upload
    /// finishes.
    fn spool_room(&self, promised: u64, length: u64, available: u64) -> Result<(), Error> {
        if promised.saturating_add(length) > self.limits.max_spool_bytes {
            tracing::warn!("spool quota reached: {promised} bytes promised, {length} more asked");
            return Err(Error::StorageFull);
        }
        // With the S3 spool the disk only holds uploads being cleaned.
        let promised = if self.object_spool { 0 } else { promised };
        // The spool files already hold part of what is promised; counting all of it again is
        // the safe side.
        if available < length.saturating_add(promised).saturating_add(self.limits.min_free_bytes) {
            tracing::warn!("spool disk nearly full: {available} bytes free, {promised} promised, {length} more asked");
            return Err(Error::StorageFull);
        }
        Ok(())
    }

    /// Removes what the spool holds of upload `id` (before its row goes: the S3 spool's
    /// record says where its parts are).
    async fn remove_files(&self, store: &crate::store::Store, id: &str) -> Result<(), Error> {
        self.spool.remove(id).await;
        self.locks.forget(id);
        if self.object_spool {
            objects::discard(store, &self.storage, id).await?;
        }
        Ok(())
    }
}

/// Counts a shopper's PATCH requests in flight; released on drop.
struct Active<'a> {
    uploads: &'a Uploads,
    key: String,
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        let mut active = self.uploads.active.lock().expect("active table");
        if let Some(count) = active.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                active.remove(&self.key);
            }
        }
    }
}

impl Uploads {
    fn begin(&self, owner: &Owner) -> Result<Active<'_>, Error> {
        let key = format!("{}\n{}\n{}", owner.merchant_id, owner.order_id, owner.shopper_id);
        let mut active = self.active.lock().expect("active table");
        let count = active.entry(key.clone()).or_default();
        if *count >= self.limits.concurrent_per_shopper {
            return Err(Error::TooManyUploads);
        }
        *count += 1;
        Ok(Active { uploads: self, key })
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/uploads", options(discovery).post(create))
        .route("/v1/uploads/", options(discovery).post(create))
        .route("/v1/uploads/{id}", options(discovery).head(head).patch(patch).delete(terminate))
        .route("/v1/uploads/{id}/link", get(link))
        .layer(middleware::from_fn(tus_resumable))
        .route("/media/{id}", get(media))
}

/// Requires `Tus-Resumable: 1.0.0` on every request but OPTIONS (and the media-link
/// route), and adds it to every response but OPTIONS.
async fn tus_resumable(request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS || request.uri().path().ends_with("/link") {
        return next.run(request).await;
    }
    if request.headers().get(TUS_RESUMABLE).and_then(|v| v.to_str().ok()) != Some(VERSION) {
        return Error::TusVersionUnsupported.into_response();
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(TUS_RESUMABLE, HeaderValue::from_static(VERSION));
    response
}

/// `OPTIONS /v1/uploads/`: what this server supports. No token needed.
#[utoipa::path(
    options,
    path = "/v1/uploads/",
    responses((status = 204, description = "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm headers")),
    tag = "uploads"
)]
pub async fn discovery(State(state): State<AppState>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("tus-version", HeaderValue::from_static(VERSION));
    headers.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    headers.insert("tus-max-size", HeaderValue::from(state.uploads.max_size()));
    headers.insert("tus-checksum-algorithm", HeaderValue::from_static(CHECKSUM_ALGORITHMS));
    (StatusCode::NO_CONTENT, headers).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The upload, if it exists, belongs to the sender — the token's (merchant, order,
/// shopper), or the key's seller or platform — and has not expired. Another owner's
/// upload is "not found", never "forbidden".
async fn find(state: &AppState, uploader: &Uploader, id: &str) -> Result<Upload, Error> {
    let upload = state.store.upload(id).await?.ok_or(Error::UploadNotFound)?;
    if upload.owner != uploader.0 {
        return Err(Error::UploadNotFound);
    }
    if upload.state == UploadState::Receiving && state.clock.now() >= upload.expires_at {
        state.uploads.remove_files(&state.store, id).await?;
        state.store.delete_upload(id).await?;
        return Err(Error::UploadExpired);
    }
    Ok(upload)
}

fn progress_headers(expires_at: Timestamp, offset: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    headers.insert(
        UPLOAD_EXPIRES,
        HeaderValue::from_str(&http_date(expires_at.0)).expect("an HTTP date is a header value"),
    );
    headers
}

/// Where a write left an upload: its offset, and its expiry (moved on by the bytes).
pub(crate) struct Written {
    offset: u64,
    expires_at: Timestamp,
}

/// `POST /v1/uploads/`: creates an upload (and, with a body, writes its first bytes).
#[utoipa::path(
    post,
    path = "/v1/uploads/",
    params(
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "The file's size in bytes"),
        ("Upload-Metadata" = Option<String>, Header, description = "`filename <base64>,filetype <base64>`"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream", description = "Optional first bytes (creation-with-upload)"),
    responses(
        (status = 201, description = "Created; `Location`, `Upload-Expires`, `Upload-Offset`"),
        (status = 412, description = "Unsupported tus version", body = aftercare_protocol::case::ApiError),
        (status = 413, description = "Over the size limit", body = aftercare_protocol::case::ApiError),
        (status = 422, description = "A type that is not accepted", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = []), ("api_key" = [])),
    tag = "uploads"
)]
pub async fn create(State(state): State<AppState>, uploader: Uploader, request: Request) -> Result<Response, Error> {
    let headers = request.headers().clone();
    if header(&headers, "upload-defer-length").is_some() {
        return Err(Error::BadRequest("Upload-Defer-Length is not supported; send Upload-Length".into()));
    }
    let length = header(&headers, UPLOAD_LENGTH)
        .and_then(parse_u64)
        .ok_or_else(|| Error::BadRequest("Upload-Length must be a non-negative integer".into()))?;
    let raw_metadata = header(&headers, UPLOAD_METADATA).unwrap_or_default().to_owned();
    let metadata = parse_metadata(&raw_metadata).map_err(Error::BadRequest)?;
    let filename = metadata_text(&metadata, FILENAME).map_err(Error::BadRequest)?.map(|name| sanitize_filename(&name));
    let filetype = metadata_text(&metadata, FILETYPE).map_err(Error::BadRequest)?;
    let declared = filetype.as_deref().and_then(MediaType::from_mime);
    if filetype.as_deref().is_some_and(|t| !t.is_empty()) && declared.is_none() {
        return Err(Error::MediaRejected {
            code: "unsupported_media_type",
            message: format!(
                "{:?} is not accepted: send JPEG, PNG or WebP photos, MP4, MOV or WebM videos",
                filetype.unwrap_or_default()
            ),
        });
    }
    let limits = &state.uploads.limits;
    let limit = match declared.map(MediaType::kind) {
        Some(aftercare_protocol::case::MediaKind::Photo) => limits.max_photo_bytes,
        _ => state.uploads.max_size(),
    };
    if length > limit {
        return Err(Error::UploadTooLarge {
            message: format!("the file is {length} bytes; the limit is {limit}"),
            max: Some(limit),
        });
    }
    if length == 0 {
        return Err(Error::BadRequest("an empty file is not evidence".into()));
    }
    let owner = uploader.0;
    let now = state.clock.now();
    state.uploads.sweep(&state.store, now).await?;
    let upload = Upload {
        id: uuid::Uuid::new_v4().simple().to_string(),
        owner,
        length,
        metadata: raw_metadata,
        filename,
        filetype,
        created_at: now,
        expires_at: Timestamp(now.0 + limits.expiry_ms),
        state: UploadState::Receiving,
        media_type: None,
        object_key: None,
        size: None,
    };
    let available = state.uploads.spool.free_bytes().await.map_err(|e| Error::internal("checking free space", e))?;
    // Admission: the quotas are summed and the row inserted under one lock (this
    // process's, and on PostgreSQL the database's, across nodes), so twelve concurrent
    // creations cannot each see room for themselves.
    let _admitting = state.uploads.admitting.lock().await;
    state
        .store
        .admit_upload(&upload, |quota| {
            if quota.owner_bytes.saturating_add(length) > limits.max_order_bytes {
                return Err(Error::UploadTooLarge {
                    message: format!("this order's uploads would exceed {} bytes", limits.max_order_bytes),
                    max: Some(limits.max_order_bytes),
                });
            }
            if quota.owner_uploads >= limits.max_order_uploads {
                return Err(Error::OrderUploadLimit(limits.max_order_uploads));
            }
            state.uploads.spool_room(quota.receiving_bytes, length, available)
        })
        .await?;
    if !state.uploads.object_spool {
        state.uploads.spool.create(&upload.id).await.map_err(|e| Error::internal("creating a spool file", e))?;
    }
    drop(_admitting);
    let location = format!("/v1/uploads/{}", upload.id);
    let with_body = header(&headers, CONTENT_TYPE.as_str()) == Some(OFFSET_OCTET_STREAM);
    let written = if with_body {
        write(&state, &upload, 0, request).await?
    } else {
        Written { offset: 0, expires_at: upload.expires_at }
    };
    let mut response_headers = progress_headers(written.expires_at, written.offset);
    response_headers.insert(LOCATION, HeaderValue::from_str(&location).expect("ids are ASCII"));
    Ok((StatusCode::CREATED, response_headers).into_response())
}

/// `HEAD /v1/uploads/{id}`: how much has arrived.
#[utoipa::path(
    head,
    path = "/v1/uploads/{id}",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header)),
    responses(
        (status = 200, description = "`Upload-Offset`, `Upload-Length`, `Upload-Expires`; `Cache-Control: no-store`"),
        (status = 404, description = "No such upload for this order"),
        (status = 410, description = "Expired"),
    ),
    security(("order_token" = []), ("api_key" = [])),
    tag = "uploads"
)]
pub async fn head(
    State(state): State<AppState>,
    uploader: Uploader,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, Error> {
    let mut upload = find(&state, &uploader, &id).await?;
    let mut offset = match upload.state {
        UploadState::Complete => upload.length,
        UploadState::Receiving => state.uploads.offset(&state.store, &id).await?,
    };
    if upload.state == UploadState::Receiving && offset == upload.length {
        // Full but not complete (its last writer was taken over or its node died, and the
        // client, seeing every byte there, will not PATCH again): finish it, unless a
        // request holds it.
        if let Some(_held) = state.uploads.locks.try_take(&id) {
            let lease = match state.uploads.object_spool {
                true => objects::Lease::acquire(&state.store, &id, false).await?.map(Some),
                false => Some(None),
            };
            if let Some(lease) = lease {
                upload = find(&state, &uploader, &id).await?;
                if upload.state == UploadState::Receiving {
                    match &lease {
                        Some(lease) => objects::finish(&state, &upload, lease).await?,
                        None => completion::finish(&state, &upload).await?,
                    }
                    upload = find(&state, &uploader, &id).await?;
                }
                offset = upload.length;
                if let Some(lease) = lease {
                    lease.release().await;
                }
            }
        }
    }
    let mut headers = progress_headers(upload.expires_at, offset);
    headers.insert(UPLOAD_LENGTH, HeaderValue::from(upload.length));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !upload.metadata.is_empty() {
        if let Ok(value) = HeaderValue::from_str(&upload.metadata) {
            headers.insert(UPLOAD_METADATA, value);
        }
    }
    Ok((StatusCode::OK, headers).into_response())
}

/// `PATCH /v1/uploads/{id}`: appends bytes at `Upload-Offset`.
#[utoipa::path(
    patch,
    path = "/v1/uploads/{id}",
    params(
        ("id" = String, Path),
        ("Tus-Resumable" = String, Header),
        ("Upload-Offset" = u64, Header),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1 <base64>` or `sha256 <base64>`"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Written; the new `Upload-Offset`"),
        (status = 409, description = "Upload-Offset mismatch; nothing written", body = aftercare_protocol::case::ApiError),
        (status = 413, description = "Past Upload-Length; nothing kept", body = aftercare_protocol::case::ApiError),
        (status = 415, description = "Not application/offset+octet-stream", body = aftercare_protocol::case::ApiError),
        (status = 422, description = "On the last byte: content not accepted", body = aftercare_protocol::case::ApiError),
        (status = 423, description = "Another request holds the upload (on the S3 spool, perhaps on a node that died, until its lease runs out); see Retry-After", body = aftercare_protocol::case::ApiError),
        (status = 429, description = "Too many uploads at once; see Retry-After", body = aftercare_protocol::case::ApiError),
        (status = 460, description = "Checksum mismatch; the chunk was discarded", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = []), ("api_key" = [])),
    tag = "uploads"
)]
pub async fn patch(
    State(state): State<AppState>,
    uploader: Uploader,
    UrlPath(id): UrlPath<String>,
    request: Request,
) -> Result<Response, Error> {
    if header(request.headers(), CONTENT_TYPE.as_str()) != Some(OFFSET_OCTET_STREAM) {
        return Err(Error::UploadContentType);
    }
    let given = header(request.headers(), UPLOAD_OFFSET)
        .and_then(parse_u64)
        .ok_or_else(|| Error::BadRequest("Upload-Offset must be a non-negative integer".into()))?;
    let upload = find(&state, &uploader, &id).await?;
    let written = write(&state, &upload, given, request).await?;
    Ok((StatusCode::NO_CONTENT, progress_headers(written.expires_at, written.offset)).into_response())
}

/// Writes a request body at `given`, under the upload's lock; finishes the upload on
/// its last byte. Returns the new offset and expiry.
async fn write(state: &AppState, upload: &Upload, given: u64, request: Request) -> Result<Written, Error> {
    let uploads = &state.uploads;
    let checksum =
        header(request.headers(), UPLOAD_CHECKSUM).map(parse_checksum).transpose().map_err(Error::BadRequest)?;
    let declared_length = header(request.headers(), CONTENT_LENGTH.as_str()).and_then(parse_u64);
    let _active = uploads.begin(&upload.owner)?;
    let held = uploads.locks.take(&upload.id).await;
    let _writing = state.metrics.upload_writing();
    // Read again under the lock: a request queued behind the one that wrote the last byte
    // must find the upload complete (or deleted), never write over it.
    let upload = &state.store.upload(&upload.id).await?.ok_or(Error::UploadNotFound)?;
    if upload.state == UploadState::Complete {
        return Err(Error::OffsetMismatch { given, actual: upload.length });
    }
    if uploads.object_spool {
        return objects::write(state, upload, given, request, checksum, declared_length, &held).await;
    }
    let spool = uploads.spool.part(&upload.id);
    let actual = uploads.spool.offset(&upload.id).await;
    if given != actual {
        return Err(Error::OffsetMismatch { given, actual });
    }
    if actual == upload.length {
        // Every byte is there but the request that wrote the last one was taken over
        // before finishing: finish now, so the upload does not stay full but incomplete.
        completion::finish(state, upload).await?;
        return Ok(Written { offset: actual, expires_at: upload.expires_at });
    }
    let room = upload.length - actual;
    if declared_length.is_some_and(|length| length > room) {
        return Err(Error::UploadTooLarge {
            message: format!("the body would pass Upload-Length by {} bytes", declared_length.unwrap_or(0) - room),
            max: Some(room),
        });
    }
    // With a checksum the chunk waits aside until verified.
    let target = if checksum.is_some() { uploads.spool.chunk(&upload.id) } else { spool.clone() };
    let file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(checksum.is_none())
        .write(true)
        .truncate(checksum.is_some())
        .open(&target)
        .await
        .map_err(|e| Error::internal("opening a spool file", e))?;
    // A 1 MiB buffer: bounded memory, few trips to the blocking pool.
    let mut file = tokio::io::BufWriter::with_capacity(1024 * 1024, file);
    let mut sha1 = sha1::Sha1::new();
    let mut sha256 = Sha256::new();
    let mut written = 0u64;
    let mut overflow = false;
    let mut stream = request.into_body().into_data_stream();
    let outcome: Result<(), Error> = loop {
        if held.superseded() {
            break Ok(());
        }
        // Take what is already there without waiting; before waiting, put what we have
        // on disk, so HEAD sees it and a stalled client loses nothing.
        let next = match stream.next().now_or_never() {
            Some(next) => next,
            None => {
                if let Err(error) = file.flush().await {
                    break Err(Error::internal("writing a spool file", error));
                }
                tokio::select! {
                    next = tokio::time::timeout(uploads.limits.idle_timeout, stream.next()) => match next {
                        Ok(next) => next,
                        Err(_) => break Ok(()), // the client stalled: keep what arrived
                    },
                    () = held.stopped() => break Ok(()),
                }
            }
        };
        match next {
            None => break Ok(()),
            Some(Err(_)) => break Ok(()), // the client went away: keep what arrived
            Some(Ok(bytes)) => {
                let take = (bytes.len() as u64).min(room - written) as usize;
                if let Err(error) = file.write_all(&bytes[..take]).await {
                    break Err(Error::internal("writing a spool file", error));
                }
                if checksum.is_some() {
                    sha1.update(&bytes[..take]);
                    sha256.update(&bytes[..take]);
                }
                written += take as u64;
                if take < bytes.len() {
                    overflow = true;
                    break Ok(());
                }
            }
        }
    };
    file.flush().await.map_err(|e| Error::internal("writing a spool file", e))?;
    file.get_ref().sync_data().await.map_err(|e| Error::internal("writing a spool file", e))?;
    drop(file);
    outcome?;
    if let Some((algorithm, expected)) = checksum {
        let digest = match algorithm {
            ChecksumAlgorithm::Sha1 => sha1.finalize().to_vec(),
            ChecksumAlgorithm::Sha256 => sha256.finalize().to_vec(),
        };
        let complete_chunk = !held.superseded() && !overflow;
        if digest != expected || !complete_chunk {
            let _ = tokio::fs::remove_file(&target).await;
            if overflow {
                return Err(Error::UploadTooLarge { message: "the body passes Upload-Length".into(), max: None });
            }
            return if digest != expected {
                Err(Error::ChecksumMismatch)
            } else {
                Ok(Written { offset: actual, expires_at: upload.expires_at })
            };
        }
        append(&target, &spool).await?;
    }
    if overflow {
        // A body longer than the upload is refused whole: nothing of it is kept.
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&spool)
            .await
            .map_err(|e| Error::internal("opening a spool file", e))?;
        file.set_len(actual).await.map_err(|e| Error::internal("truncating a spool file", e))?;
        return Err(Error::UploadTooLarge {
            message: "the body passes Upload-Length; none of it was kept".into(),
            max: None,
        });
    }
    let offset = actual + written;
    let expires_at = received(state, upload, written).await?;
    if offset == upload.length && !held.superseded() {
        completion::finish(state, upload).await?;
        state.metrics.upload_completed();
    }
    Ok(Written { offset, expires_at })
}

/// `written` more bytes of `upload` are kept: counted, and — activity keeps an upload
/// alive — its expiry moved to count from now. Returns the expiry.
async fn received(state: &AppState, upload: &Upload, written: u64) -> Result<Timestamp, Error> {
    state.metrics.upload_bytes(written);
    if written == 0 {
        return Ok(upload.expires_at);
    }
    let expires_at = Timestamp(state.clock.now().0.saturating_add(state.uploads.limits.expiry_ms));
    state.store.extend_upload(&upload.id, expires_at).await?;
    Ok(expires_at)
}

async fn append(chunk: &Path, spool: &Path) -> Result<(), Error> {
    let mut source = tokio::fs::File::open(chunk).await.map_err(|e| Error::internal("reading a chunk", e))?;
    let mut target = tokio::fs::OpenOptions::new()
        .append(true)
        .open(spool)
        .await
        .map_err(|e| Error::internal("opening a spool file", e))?;
    tokio::io::copy(&mut source, &mut target).await.map_err(|e| Error::internal("appending a chunk", e))?;
    target.sync_data().await.map_err(|e| Error::internal("appending a chunk", e))?;
    let _ = tokio::fs::remove_file(chunk).await;
    Ok(())
}

/// `DELETE /v1/uploads/{id}`: termination.
#[utoipa::path(
    delete,
    path = "/v1/uploads/{id}",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header)),
    responses(
        (status = 204, description = "Deleted, or already gone"),
        (status = 409, description = "Evidence in a filed case (`upload_referenced`)", body = aftercare_protocol::case::ApiError),
        (status = 423, description = "Another request holds the upload; see Retry-After", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = []), ("api_key" = [])),
    tag = "uploads"
)]
pub async fn terminate(
    State(state): State<AppState>,
    uploader: Uploader,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, Error> {
    // Idempotent: an upload that is already gone (or never was this shopper's) is deleted.
    let gone = |result: Result<Upload, Error>| match result {
        Ok(upload) => Ok(Some(upload)),
        Err(Error::UploadNotFound | Error::UploadExpired) => Ok(None),
        Err(error) => Err(error),
    };
    if gone(find(&state, &uploader, &id).await)?.is_none() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let _held = state.uploads.locks.take(&id).await;
    let lease = match state.uploads.object_spool {
        true => objects::Lease::acquire(&state.store, &id, true).await?,
        false => None,
    };
    // Read again under the lock: a concurrent DELETE or completion may have won.
    let Some(upload) = gone(find(&state, &uploader, &id).await)? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    // Evidence a filed case references stays: the merchant and the platform rely on it.
    if upload.state == UploadState::Complete && state.store.upload_referenced(&upload.owner, &id).await? {
        return Err(Error::UploadReferenced);
    }
    if let Some(key) = &upload.object_key {
        state.uploads.storage.delete(key).await?;
    }
    state.uploads.remove_files(&state.store, &id).await?;
    state.store.delete_upload(&id).await?;
    drop(lease);
    Ok(StatusCode::NO_CONTENT.into_response())
}
