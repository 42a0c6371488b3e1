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

/// A build's output in miniature (one chunk), finished as `scripts/build` finishes it.
fn build(dir: &Path, wasm: &[u8]) -> Value {
    std::fs::write(dir.join("index.html"), "<!doctype html><title>Order</title><script src=aftercare.js></script>")
        .unwrap();
    std::fs::write(dir.join("aftercare.js"), LOADER).unwrap();
    let glue = format!(
        "import * as import1 from \"./__wasm_split.js\"\nimport * as import2 from \"./__wasm_split.js\"\nconst imports = {{ \"./__wasm_split.js\": import1 }};\n{}",
        "export default function init() {} // glue ".repeat(20)
    );
    std::fs::write(dir.join("aftercare-widget.js"), glue).unwrap();
    std::fs::write(dir.join("aftercare-widget_bg.wasm"), wasm).unwrap();
    let split = r#"import { initSync } from "./aftercare-widget.js"; export const load = () => fetch(new URL("./split_case.wasm", import.meta.url));"#;
    std::fs::write(dir.join("__wasm_split.js"), split).unwrap();
    std::fs::write(dir.join("split_case.wasm"), &wasm[..1000]).unwrap();
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
    let (split, chunk) = (manifest["split"].as_str().unwrap(), manifest["chunks"]["case"].as_str().unwrap());
    for name in [glue, wasm_name, split, chunk] {
        assert!(assets::content_hashed(name), "{name} in {manifest}");
    }
    for stable in ["aftercare-widget_bg.wasm", "aftercare-widget.js", "__wasm_split.js", "split_case.wasm"] {
        assert!(!dir.path().join(stable).exists(), "only the hashed name is left of {stable}");
    }
    // The files name each other by their new names.
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let glue_js = read(glue);
    assert!(glue_js.contains(&format!("from \"./{split}\"")), "the glue imports the chunk loader: {glue_js}");
    assert!(glue_js.contains("{ \"./__wasm_split.js\": import1 }"), "the wasm's import keeps its module name");
    let loader_js = read(split);
    assert!(
        loader_js.contains(&format!("\"./{glue}\"")) && loader_js.contains(&format!("\"./{chunk}\"")),
        "{loader_js}"
    );
    let got = get(dir.path(), &format!("/{chunk}"), &[("accept-encoding", "br")]).await;
    assert_eq!(
        (got.header("cache-control").as_deref(), got.header("content-type").as_deref()),
        (Some(IMMUTABLE), Some("application/wasm"))
    );

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
    assert_ne!(next["wasm"], manifest["wasm"], "new content, new names");
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
