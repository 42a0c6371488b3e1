//! What survives a reload: each evidence file's record (name, size, type, fingerprint,
//! upload URL, done or not) in `localStorage`, and the bytes of files up to 10 MB in
//! IndexedDB, so they resume without the shopper choosing them again.

use aftercare_protocol::read::{At, Fields, Json, Object, Read, Write};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

/// Files up to this size are kept in IndexedDB.
pub const KEEP_BYTES: u64 = 10 * 1024 * 1024;
const DATABASE: &str = "aftercare-evidence";
const STORE: &str = "files";

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub fingerprint: String,
    pub name: String,
    /// Bytes being uploaded (after downscaling).
    pub size: u64,
    pub original_size: u64,
    pub filetype: String,
    /// `photo` or `video`.
    pub kind: String,
    /// The tus upload URL, once created.
    pub url: Option<String>,
    pub upload_id: Option<String>,
    pub completed: bool,
}

impl Read for Record {
    fn read<J: Json>(value: &J, at: &At) -> aftercare_protocol::read::Result<Record> {
        let o = Object::lenient(value, at)?;
        Ok(Record {
            fingerprint: o.required("fingerprint")?,
            name: o.required("name")?,
            size: o.required("size")?,
            original_size: o.required("original_size")?,
            filetype: o.required("filetype")?,
            kind: o.required("kind")?,
            url: o.optional("url")?,
            upload_id: o.optional("upload_id")?,
            completed: o.required("completed")?,
        })
    }
}

impl Write for Record {
    fn write<J: Json>(&self) -> J {
        Fields::new()
            .field("fingerprint", &self.fingerprint)
            .field("name", &self.name)
            .field("size", &self.size)
            .field("original_size", &self.original_size)
            .field("filetype", &self.filetype)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("upload_id", &self.upload_id)
            .field("completed", &self.completed)
            .finish()
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The records for one order (`scope`), oldest first.
pub fn load(scope: &str) -> Vec<Record> {
    let text = storage().and_then(|s| s.get_item(&format!("aftercare:evidence:{scope}")).ok().flatten());
    let parsed = text.and_then(|t| crate::json::Js::parse(&t));
    parsed.and_then(|v| Vec::<Record>::read(&v, &At::Root("records")).ok()).unwrap_or_default()
}

pub fn save(scope: &str, records: &[Record]) {
    if let Some(storage) = storage() {
        let key = format!("aftercare:evidence:{scope}");
        let _ = if records.is_empty() {
            storage.remove_item(&key)
        } else {
            storage.set_item(&key, &records.write::<crate::json::Js>().stringify())
        };
    }
}

/// Resolves an IndexedDB request to its result.
async fn settle(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    request.result()
}

async fn database() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window().ok_or("no window")?.indexed_db()?.ok_or("no IndexedDB")?;
    let open: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1)?;
    let upgrade = Closure::once_into_js({
        let open = open.clone();
        move || {
            if let Ok(db) = open.result().map(JsCast::unchecked_into::<IdbDatabase>) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    Ok(settle(&open).await?.unchecked_into())
}

/// Keeps `blob` under `fingerprint` (small files only).
pub async fn keep(fingerprint: &str, blob: &Blob) -> Result<(), JsValue> {
    if blob.size() as u64 > KEEP_BYTES {
        return Ok(());
    }
    let db = database().await?;
    let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?.object_store(STORE)?;
    settle(&store.put_with_key(blob, &fingerprint.into())?).await?;
    Ok(())
}

/// The kept bytes for `fingerprint`, if any.
pub async fn kept(fingerprint: &str) -> Option<Blob> {
    let db = database().await.ok()?;
    let store = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readonly).ok()?.object_store(STORE).ok()?;
    let value = settle(&store.get(&fingerprint.into()).ok()?).await.ok()?;
    value.dyn_into::<Blob>().ok()
}

pub async fn forget(fingerprint: &str) {
    if let Ok(db) = database().await {
        if let Ok(store) =
            db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).and_then(|t| t.object_store(STORE))
        {
            if let Ok(request) = store.delete(&fingerprint.into()) {
                let _ = settle(&request).await;
            }
        }
    }
}

/// First and last 64 KiB of a blob, for its fingerprint.
pub async fn sample(blob: &Blob) -> Vec<u8> {
    let size = blob.size();
    let edge: f64 = 64.0 * 1024.0;
    let mut bytes = Vec::new();
    for (start, end) in [(0.0, edge.min(size)), ((size - edge).max(0.0), size)] {
        if let Ok(slice) = blob.slice_with_f64_and_f64(start, end) {
            if let Ok(buffer) = JsFuture::from(slice.array_buffer()).await {
                bytes.extend(js_sys::Uint8Array::new(&buffer).to_vec());
            }
        }
    }
    bytes
}
