//! The S3 spool, for several nodes: an incomplete upload's bytes live in the bucket and
//! where they are lives in the database (`store::ObjectSpool`), so any node answers
//! HEAD and takes the next PATCH — the way tusd's S3 store works.
//!
//! Layout under `.spool/{id}/`: the bytes in `data`, a multipart upload of parts of
//! exactly [`PART_SIZE`] (S3's minimum), and the bytes after the last whole part in a
//! tail object (`tail-{request}-{n}`, a new name each time, so a tail is never
//! overwritten in place). A PATCH reads the tail back, appends what arrives, and each
//! time 5 MiB have gathered puts them as the next part and records it; when the body
//! ends (or the client goes) what is left becomes the new tail. Only recorded bytes
//! count: the offset is the database's, so a node killed mid-PATCH loses at most what it
//! had not yet put and recorded, and the client resends from there. With
//! `Upload-Checksum` nothing is recorded until the chunk is verified. On the last byte
//! the multipart upload is completed into `data`, which `completion` reads back,
//! cleans and stores; then everything under the prefix goes.
//!
//! One writer across nodes: a lease in the upload's row ([`Lease`]), renewed while a
//! request writes and checked before every part is put. A request that finds the
//! upload held asks for it (`lease_wanted`); the holder lets go at its next renewal. A
//! holder that died (SIGKILL) stops renewing, and its lease runs out after
//! [`LEASE_TTL_MS`]: the waiting request then takes over. Memory: at most one part
//! and one body frame per PATCH in flight.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::Request;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::PutPayload;
use sha2::{Digest, Sha256};

use super::headers::ChecksumAlgorithm;
use super::locks::Held;
use super::Written;
use crate::error::Error;
use crate::store::{ObjectSpool, Renewal, Store, Upload, UploadState};
use crate::AppState;

/// Every part but the last: S3's minimum part size.
pub const PART_SIZE: usize = 5 * 1024 * 1024;
/// How long a lease lasts without renewal: a node that died holds its uploads this long.
pub const LEASE_TTL_MS: i64 = 6_000;
/// How often a writing request renews its lease (and sees whether it is wanted).
const RENEW_EVERY: Duration = Duration::from_secs(2);
/// How often a request waiting for a lease looks again.
const WAIT_STEP: Duration = Duration::from_millis(100);

pub fn data_key(id: &str) -> String {
    format!(".spool/{id}/data")
}

fn prefix(id: &str) -> String {
    format!(".spool/{id}/")
}

/// Real time in ms since the epoch: leases are about processes, not the case clock
/// (which `--insecure-dev` can stop).
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

/// One request's hold on an upload across nodes. Released when dropped (in the
/// background; `release` does it in line).
pub struct Lease {
    store: Store,
    id: String,
    holder: String,
    released: bool,
}

impl Lease {
    /// Takes upload `id`'s lease; with `wait`, asks its holder to let go and waits for
    /// that (or for a dead holder's lease to run out), else `None` when it is held.
    pub async fn acquire(store: &Store, id: &str, wait: bool) -> Result<Option<Lease>, Error> {
        let holder = uuid::Uuid::new_v4().simple().to_string();
        let give_up = tokio::time::Instant::now() + Duration::from_millis((LEASE_TTL_MS + 5_000) as u64);
        let mut asked = false;
        loop {
            let now = now_ms();
            if store.acquire_upload_lease(id, &holder, now, now + LEASE_TTL_MS).await? {
                return Ok(Some(Lease { store: store.clone(), id: id.to_owned(), holder, released: false }));
            }
            if !wait {
                return Ok(None);
            }
            if tokio::time::Instant::now() >= give_up {
                return Err(Error::UploadLocked);
            }
            if !asked {
                store.want_upload_lease(id).await?;
                asked = true;
            }
            tokio::time::sleep(WAIT_STEP).await;
        }
    }

    pub async fn renew(&self) -> Result<Renewal, Error> {
        self.store.renew_upload_lease(&self.id, &self.holder, now_ms() + LEASE_TTL_MS).await
    }

    /// Records `spool` if this lease still holds the upload.
    async fn save(&self, spool: &ObjectSpool) -> Result<bool, Error> {
        self.store.save_object_spool(&self.id, &self.holder, spool, now_ms() + LEASE_TTL_MS).await
    }

    pub async fn release(mut self) {
        self.released = true;
        if let Err(error) = self.store.release_upload_lease(&self.id, &self.holder).await {
            tracing::warn!("releasing an upload's lease: {error}");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.released {
            let (store, id, holder) =
                (self.store.clone(), std::mem::take(&mut self.id), std::mem::take(&mut self.holder));
            tokio::spawn(async move {
                let _ = store.release_upload_lease(&id, &holder).await;
            });
        }
    }
}

/// Cleans and stores an assembled upload (`completion::finish`) under `lease`.
pub(super) async fn finish(state: &AppState, upload: &Upload, lease: &Lease) -> Result<(), Error> {
    renewing(lease, super::completion::finish(state, upload)).await
}

/// Runs `work` while renewing `lease`: a slow S3 call or the cleaning of a long video
/// must not outlast it (another node would take the upload over meanwhile).
async fn renewing<T>(lease: &Lease, work: impl std::future::Future<Output = T>) -> T {
    tokio::pin!(work);
    let mut renew = tokio::time::interval(RENEW_EVERY);
    renew.tick().await;
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = renew.tick() => {
                if let Err(error) = lease.renew().await {
                    tracing::warn!("renewing an upload's lease: {error}");
                }
            }
        }
    }
}

/// Takes exactly `n` bytes off the front of `pending` (which holds at least `n`).
fn take_front(pending: &mut VecDeque<Bytes>, pending_len: &mut usize, n: usize) -> PutPayload {
    let mut taken = Vec::new();
    let mut need = n;
    while let Some(first) = pending.front_mut().filter(|_| need > 0) {
        if first.len() <= need {
            need -= first.len();
            taken.extend(pending.pop_front());
        } else {
            taken.push(first.split_to(need));
            need = 0;
        }
    }
    *pending_len -= n;
    taken.into_iter().collect()
}

/// Removes upload `id` from the spool: aborts its multipart upload and deletes every
/// object under its prefix (tails, the assembled data, a dead writer's leftovers).
pub async fn discard(state_store: &Store, storage: &crate::storage::Storage, id: &str) -> Result<(), Error> {
    if let (Some(spool), Some(multipart)) = (state_store.object_spool(id).await?, storage.multipart()) {
        if let Some(upload_id) = &spool.multipart {
            if let Err(error) = multipart.abort_multipart(&ObjectPath::from(data_key(id)), upload_id).await {
                // Completed already (its parts are now `data`, deleted below), or gone.
                tracing::debug!("aborting upload {id}'s multipart upload: {error}");
            }
        }
    }
    storage.delete_prefix(&prefix(id)).await?;
    Ok(())
}

/// The checksum a PATCH declared, and the running digests of what it sent.
struct Checksum {
    algorithm: ChecksumAlgorithm,
    expected: Vec<u8>,
    sha1: sha1::Sha1,
    sha256: Sha256,
}

/// Writes a request body at `given` into the S3 spool; the caller holds the upload's
/// local lock (`held`), this takes its lease. Finishes the upload on its last byte.
pub(super) async fn write(
    state: &AppState,
    upload: &Upload,
    given: u64,
    request: Request,
    checksum: Option<(ChecksumAlgorithm, Vec<u8>)>,
    declared_length: Option<u64>,
    held: &Held,
) -> Result<Written, Error> {
    let uploads = &state.uploads;
    let storage = &uploads.storage;
    let multipart = storage.multipart().ok_or_else(|| Error::internal("the S3 spool", "S3 storage is not set"))?;
    let lease = Lease::acquire(&state.store, &upload.id, true).await?.ok_or(Error::UploadLocked)?;
    // Read again under the lease: the last writer may have finished the upload.
    let upload = &state.store.upload(&upload.id).await?.ok_or(Error::UploadNotFound)?;
    if upload.state == UploadState::Complete {
        return Err(Error::OffsetMismatch { given, actual: upload.length });
    }
    let original = state.store.object_spool(&upload.id).await?.ok_or(Error::UploadNotFound)?;
    if given != original.offset {
        return Err(Error::OffsetMismatch { given, actual: original.offset });
    }
    if original.offset == upload.length {
        // Assembled, but the request that did it stopped before cleaning: clean now.
        finish(state, upload, &lease).await?;
        lease.release().await;
        return Ok(Written { offset: original.offset, expires_at: upload.expires_at });
    }
    let room = upload.length - original.offset;
    if declared_length.is_some_and(|length| length > room) {
        return Err(Error::UploadTooLarge {
            message: format!("the body would pass Upload-Length by {} bytes", declared_length.unwrap_or(0) - room),
            max: Some(room),
        });
    }
    let data = ObjectPath::from(data_key(&upload.id));
    // What has arrived but is not yet a part: the old tail first.
    let mut pending: VecDeque<Bytes> = VecDeque::new();
    let mut pending_len = 0usize;
    if let Some(tail) = &original.tail {
        let bytes = storage.get_bytes(tail).await?;
        if bytes.len() as u64 != original.tail_size {
            return Err(Error::internal(
                "the S3 spool",
                format!("tail {tail} is {} bytes, not {}", bytes.len(), original.tail_size),
            ));
        }
        pending_len = bytes.len();
        pending.push_back(bytes);
    }
    let mut checksum = checksum.map(|(algorithm, expected)| Checksum {
        algorithm,
        expected,
        sha1: sha1::Sha1::new(),
        sha256: Sha256::new(),
    });
    // `working`: the parts put so far; recorded at once without a checksum, at the end
    // (once verified) with one.
    let mut working = ObjectSpool { tail: None, tail_size: 0, ..original.clone() };
    working.offset = original.offset - original.tail_size;
    let mut received = 0u64;
    let mut overflow = false;
    let mut lost = false;
    // The offset the database holds, as this request moves it on.
    let mut recorded = original.offset;
    let mut stream = request.into_body().into_data_stream();
    let mut renew = tokio::time::interval(RENEW_EVERY);
    renew.tick().await;
    let outcome: Result<(), Error> = 'body: loop {
        if held.superseded() {
            break Ok(());
        }
        let next = tokio::select! {
            next = tokio::time::timeout(uploads.limits.idle_timeout, stream.next()) => match next {
                Ok(next) => next,
                Err(_) => break Ok(()), // the client stalled: keep what arrived
            },
            _ = renew.tick() => match lease.renew().await {
                Ok(Renewal::Kept) => continue,
                Ok(Renewal::Wanted | Renewal::Lost) => {
                    lost = true;
                    break Ok(());
                }
                Err(error) => break Err(error),
            },
            () = held.stopped() => break Ok(()),
        };
        let bytes = match next {
            None | Some(Err(_)) => break Ok(()), // done, or the client went away
            Some(Ok(bytes)) => bytes,
        };
        let take = (bytes.len() as u64).min(room - received) as usize;
        let chunk = bytes.slice(..take);
        if let Some(checksum) = &mut checksum {
            checksum.sha1.update(&chunk);
            checksum.sha256.update(&chunk);
        }
        received += take as u64;
        pending_len += chunk.len();
        pending.push_back(chunk);
        if take < bytes.len() {
            overflow = true;
            break Ok(());
        }
        while pending_len >= PART_SIZE {
            // Never put a part on a lease that may have run out.
            match lease.renew().await {
                Ok(Renewal::Kept) => {}
                Ok(Renewal::Wanted | Renewal::Lost) => {
                    lost = true;
                    break 'body Ok(());
                }
                Err(error) => break 'body Err(error),
            }
            if working.multipart.is_none() {
                let id = match multipart.create_multipart(&data).await {
                    Ok(id) => id,
                    Err(error) => break 'body Err(Error::internal("the S3 spool", error)),
                };
                working.multipart = Some(id);
                // Recorded at once, so it is aborted if the upload is never finished.
                let with_multipart = ObjectSpool { multipart: working.multipart.clone(), ..original.clone() };
                match lease.save(&with_multipart).await {
                    Ok(true) => {}
                    Ok(false) => {
                        lost = true;
                        break 'body Ok(());
                    }
                    Err(error) => break 'body Err(error),
                }
            }
            let part = take_front(&mut pending, &mut pending_len, PART_SIZE);
            let upload_id = working.multipart.clone().unwrap_or_default();
            let part = match renewing(&lease, multipart.put_part(&data, &upload_id, working.parts.len(), part)).await {
                Ok(part) => part,
                Err(error) => break 'body Err(Error::internal("the S3 spool", error)),
            };
            working.parts.push(part.content_id);
            working.offset += PART_SIZE as u64;
            if checksum.is_none() {
                match lease.save(&working).await {
                    Ok(true) => recorded = working.offset,
                    Ok(false) => {
                        lost = true;
                        break 'body Ok(());
                    }
                    Err(error) => break 'body Err(error),
                }
            }
        }
    };
    outcome?;
    if lost {
        // Taken over: what this request put but did not record is the next writer's to
        // write again.
        return Ok(Written { offset: recorded, expires_at: upload.expires_at });
    }
    if overflow {
        // A body longer than the upload is refused whole: the record goes back to what it
        // was before this request (parts it put are written over by the next).
        lease.save(&ObjectSpool { multipart: working.multipart.clone(), ..original.clone() }).await?;
        lease.release().await;
        return Err(Error::UploadTooLarge {
            message: "the body passes Upload-Length; none of it was kept".into(),
            max: None,
        });
    }
    if let Some(checksum) = checksum {
        let digest = match checksum.algorithm {
            ChecksumAlgorithm::Sha1 => checksum.sha1.finalize().to_vec(),
            ChecksumAlgorithm::Sha256 => checksum.sha256.finalize().to_vec(),
        };
        if digest != checksum.expected || held.superseded() {
            if working.multipart != original.multipart {
                lease.save(&ObjectSpool { multipart: working.multipart.clone(), ..original.clone() }).await?;
            }
            lease.release().await;
            return if digest != checksum.expected {
                Err(Error::ChecksumMismatch)
            } else {
                Ok(Written { offset: original.offset, expires_at: upload.expires_at })
            };
        }
    }
    let offset = working.offset + pending_len as u64;
    if offset == upload.length {
        let payload: PutPayload = pending.drain(..).collect();
        match &working.multipart {
            None => storage.put_bytes(&data_key(&upload.id), payload).await?,
            Some(upload_id) => {
                let mut parts: Vec<_> =
                    working.parts.iter().map(|id| object_store::multipart::PartId { content_id: id.clone() }).collect();
                if pending_len > 0 {
                    let last = renewing(&lease, multipart.put_part(&data, upload_id, parts.len(), payload))
                        .await
                        .map_err(|e| Error::internal("the S3 spool", e))?;
                    parts.push(last);
                }
                renewing(&lease, multipart.complete_multipart(&data, upload_id, parts))
                    .await
                    .map_err(|e| Error::internal("the S3 spool", e))?;
            }
        }
        working = ObjectSpool { offset, ..ObjectSpool::default() };
    } else if pending_len > 0 {
        let key = format!("{}tail-{}-{offset}", prefix(&upload.id), lease.holder);
        let payload: PutPayload = pending.drain(..).collect();
        storage.put_bytes(&key, payload).await?;
        working.tail = Some(key);
        working.tail_size = pending_len as u64;
        working.offset = offset;
    }
    if working != original && !lease.save(&working).await? {
        return Ok(Written { offset: recorded, expires_at: upload.expires_at });
    }
    if let Some(tail) = original.tail.as_ref().filter(|tail| working.tail.as_ref() != Some(*tail)) {
        storage.delete(tail).await?;
    }
    let expires_at = super::received(state, upload, offset - original.offset).await?;
    if offset == upload.length && !held.superseded() {
        finish(state, upload, &lease).await?;
        state.metrics.upload_completed();
    }
    lease.release().await;
    Ok(Written { offset, expires_at })
}
