//! The built widget as the reference backend serves it: a dist folder finished by the
//! real `scripts/dist.mjs` (hashed names, the loader rewritten, `.br`/`.gz` made), then
//! fetched with and without `Accept-Encoding`, revalidated, and rebuilt.

use std::path::Path;
use std::process::Command;

use aftercare_server::routes::assets::{self, IMMUTABLE, LOADER_CACHE, REVALIDATE};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const LOADER: &str = r#"(function () { var base = "./"; import(base + "aftercare-widget.js").then(function (glue) { return glue.default({ module_or_path: base + "aftercare-widget_bg.wasm" }); }); })();"#;

/// A Trunk build's output in miniature, finished as `scripts/build` finishes it.
fn build(dir: &Path, wasm: &[u8]) -> Value {
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Order</title><script src=aftercare.js></script>")
        .unwrap();
    std::fs::write(dir.join("aftercare.js"), LOADER).unwrap();
    std::fs::write(dir.join("aftercare-widget.js"), "export default function init() {} // glue ".repeat(20)).unwrap();
    std::fs::write(dir.join("aftercare-widget_bg.wasm"), wasm).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/dist.mjs");
    let out = Command::new("node").arg(script).arg(dir).output().expect("node runs scripts/dist.mjs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn wasm(seed: u8) -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend((0..50_000u32).map(|i| (i % 61) as u8 ^ seed));
    bytes
}

struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    /// All values of header `name`, joined.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

async fn get(dir: &Path, path: &str, headers: &[(&str, &str)]) -> Got {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = assets::router(dir.to_owned()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Got { status, headers, body }
}

#[tokio::test]
async fn the_widget_is_served_precompressed_with_hashed_names_cached_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = build(dir.path(), &wasm(0));
    let (glue, wasm_name) = (manifest["glue"].as_str().unwrap(), manifest["wasm"].as_str().unwrap());
    assert!(assets::content_hashed(glue) && assets::content_hashed(wasm_name), "{manifest}");
    assert!(!dir.path().join("aftercare-widget_bg.wasm").exists(), "only the hashed name is left");

    // The wasm: brotli when asked for, as application/wasm, immutable.
    let got = get(dir.path(), &format!("/{wasm_name}"), &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(got.header("content-type").as_deref(), Some("application/wasm"));
    assert_eq!(got.header("cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(got.header("vary").as_deref(), Some("accept-encoding"));
    assert_eq!(got.body, std::fs::read(dir.path().join(format!("{wasm_name}.br"))).unwrap());
    assert!(got.body.len() < 10_000, "brotli made it small: {}", got.body.len());
    let gzip = get(dir.path(), &format!("/{wasm_name}"), &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.header("content-encoding").as_deref(), Some("gzip"));
    let plain = get(dir.path(), &format!("/{wasm_name}"), &[]).await;
    assert_eq!(
        (plain.header("content-encoding"), plain.body),
        (None, wasm(0)),
        "identity for a client that asks nothing"
    );

    // The loader: names the hashed files, short-lived, revalidated by its ETag.
    let loader = get(dir.path(), "/aftercare.js", &[("accept-encoding", "br")]).await;
    assert_eq!(loader.header("cache-control").as_deref(), Some(LOADER_CACHE));
    let etag = loader.header("etag").expect("the loader has an ETag");
    let text = String::from_utf8(get(dir.path(), "/aftercare.js", &[]).await.body).unwrap();
    assert!(text.contains(glue) && text.contains(wasm_name) && !text.contains("\"aftercare-widget.js\""), "{text}");
    let again = get(dir.path(), "/aftercare.js", &[("if-none-match", &etag)]).await;
    assert_eq!((again.status, again.body.len()), (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(again.header("etag"), Some(etag.clone()));

    // A rebuild: new names, a new loader ETag, and the old ETag no longer matches.
    let rebuilt = tempfile::tempdir().unwrap();
    let next = build(rebuilt.path(), &wasm(1));
    assert_ne!(next["wasm"], manifest["wasm"]);
    assert_eq!(next["glue"], manifest["glue"], "the same glue keeps its name (and its cache)");
    let stale = get(rebuilt.path(), "/aftercare.js", &[("if-none-match", &etag)]).await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_ne!(stale.header("etag"), Some(etag));

    // The page itself is revalidated every time; a missing file is not cached.
    let page = get(dir.path(), "/", &[("accept-encoding", "br")]).await;
    assert_eq!(
        (page.header("cache-control").as_deref(), page.header("content-encoding").as_deref()),
        (Some(REVALIDATE), Some("br"))
    );
    let missing = get(dir.path(), "/aftercare-widget.0123456789abcdef_bg.wasm", &[]).await;
    assert_eq!((missing.status, missing.header("cache-control")), (StatusCode::NOT_FOUND, None));
}
