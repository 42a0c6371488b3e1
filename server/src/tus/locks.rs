//! One writer per upload, with takeover: a new request on an upload tells the request
//! holding it to stop (its client may be gone without the server knowing yet), waits
//! for it to let go, and carries on from what it kept — as tusd does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, OwnedMutexGuard};

#[derive(Default)]
pub struct Locks {
    uploads: Mutex<HashMap<String, Arc<UploadLock>>>,
}

#[derive(Default)]
pub struct UploadLock {
    writer: Arc<tokio::sync::Mutex<()>>,
    generation: AtomicU64,
    stop: Notify,
    /// Requests waiting to take the upload over.
    waiting: AtomicU64,
}

/// Held while a request writes to an upload.
pub struct Held {
    lock: Arc<UploadLock>,
    generation: u64,
    _guard: OwnedMutexGuard<()>,
}

impl Locks {
    /// Takes the upload over: earlier holders are asked to stop, and this waits for them.
    pub async fn take(&self, id: &str) -> Held {
        let lock = self.uploads.lock().expect("lock table").entry(id.to_owned()).or_default().clone();
        let generation = lock.generation.fetch_add(1, Ordering::SeqCst) + 1;
        lock.stop.notify_waiters();
        lock.waiting.fetch_add(1, Ordering::SeqCst);
        let guard = lock.writer.clone().lock_owned().await;
        lock.waiting.fetch_sub(1, Ordering::SeqCst);
        Held { lock, generation, _guard: guard }
    }

    /// How many requests wait for an upload held by another (diagnostics, tests).
    pub fn waiting(&self, id: &str) -> u64 {
        self.uploads.lock().expect("lock table").get(id).map_or(0, |lock| lock.waiting.load(Ordering::SeqCst))
    }

    /// The upload's lock if no request holds it (no takeover): for the sweeper, which must
    /// never delete what a request is writing.
    pub fn try_take(&self, id: &str) -> Option<Held> {
        let lock = self.uploads.lock().expect("lock table").entry(id.to_owned()).or_default().clone();
        let guard = lock.writer.clone().try_lock_owned().ok()?;
        let generation = lock.generation.load(Ordering::SeqCst);
        Some(Held { lock, generation, _guard: guard })
    }

    /// Forgets an upload that is finished or deleted.
    pub fn forget(&self, id: &str) {
        self.uploads.lock().expect("lock table").remove(id);
    }
}

impl Held {
    /// Whether a newer request has asked for the upload.
    pub fn superseded(&self) -> bool {
        self.lock.generation.load(Ordering::SeqCst) != self.generation
    }

    /// Resolves when a newer request asks for the upload.
    pub async fn stopped(&self) {
        loop {
            let notified = self.lock.stop.notified();
            if self.superseded() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_request_takes_over() {
        let locks = Arc::new(Locks::default());
        let first = locks.take("u").await;
        assert!(!first.superseded());
        let locks2 = locks.clone();
        let second = tokio::spawn(async move { locks2.take("u").await });
        // The first holder is told to stop, lets go, and the second gets the upload.
        tokio::time::timeout(std::time::Duration::from_secs(5), first.stopped()).await.unwrap();
        assert!(first.superseded());
        drop(first);
        let second = tokio::time::timeout(std::time::Duration::from_secs(5), second).await.unwrap().unwrap();
        assert!(!second.superseded());
    }
}
