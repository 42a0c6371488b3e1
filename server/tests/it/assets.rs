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
        "import * as import1 from \"./__wasm_split.js\"\nimport * as import2 from \"./__wasm_split.js\"\nconst imports = {{ \"./__wasm_split.js\": import1, \"./aftercare-widget_bg.js\": {{ __proto__: null, {} }} }};\n{}",
        GLUE_KEYS,
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

/// The functions a glue gives its wasm, as wasm-bindgen names them.
const IMPORTS: [&str; 2] = ["__wbg_log_0123456789abcdef", "__wbg_now_fedcba9876543210"];
const GLUE_KEYS: &str = "__wbg_log_0123456789abcdef: function () {}, __wbg_now_fedcba9876543210: () => 1";

/// A wasm module that imports `names` (functions of no arguments) from its glue
/// `module`, and carries 50,000 bytes of `seed`'s filler in a custom section.
fn module(seed: u8, glue: &str, names: &[&str]) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n > 0 { low | 0x80 } else { low });
            if n == 0 {
                break;
            }
        }
    }
    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(body.len(), out);
        out.extend_from_slice(body);
    }
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    section(1, &[1, 0x60, 0, 0], &mut bytes); // one type: () -> ()
    let mut imports = Vec::new();
    leb(names.len(), &mut imports);
    for name in names {
        for text in [glue, name] {
            leb(text.len(), &mut imports);
            imports.extend_from_slice(text.as_bytes());
        }
        imports.extend_from_slice(&[0, 0]); // a function of type 0
    }
    section(2, &imports, &mut bytes);
    let mut filler = vec![6];
    filler.extend_from_slice(b"filler");
    filler.extend((0..50_000u32).map(|i| (i % 61) as u8 ^ seed));
    section(0, &filler, &mut bytes);
    bytes
}

fn wasm(seed: u8) -> Vec<u8> {
    module(seed, "./aftercare-widget_bg.js", &IMPORTS)
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
    assert!(glue_js.contains(&format!("from\"./{split}\"")), "the glue imports the chunk loader: {glue_js}");
    assert!(
        glue_js.contains(&format!("import\"./{split}\"")),
        "an import the minifier left bare names the chunk loader too: {glue_js}"
    );
    assert!(glue_js.contains("{\"./__wasm_split.js\":"), "the wasm's import keeps its module name: {glue_js}");
    assert_eq!(glue_js.matches("__wasm_split.js").count(), 1, "nothing else names the old file: {glue_js}");
    assert!(!glue_js.contains("// glue"), "the glue is minified: {glue_js}");
    // The functions the wasm imports from the glue have short names, the same in both.
    assert!(!glue_js.contains("__wbg_"), "{glue_js}");
    assert!(glue_js.contains("{__proto__:null,a:function(){},b:()=>1}"), "{glue_js}");
    let stored = std::fs::read(dir.path().join(wasm_name)).unwrap();
    assert_eq!(stored, module(0, "./aftercare-widget_bg.js", &["a", "b"]), "only the import names changed");
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
        (None, stored),
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

/// The console's build in miniature, finished as `scripts/build` finishes it.
fn build_console(dir: &Path) -> Value {
    let console = Path::new(env!("CARGO_MANIFEST_DIR")).join("../console");
    for name in ["index.html", "boot.js", "favicon.svg"] {
        std::fs::copy(console.join(name), dir.join(name)).unwrap();
    }
    std::fs::copy(console.join("style/console.css"), dir.join("console.css")).unwrap();
    std::fs::write(
        dir.join("aftercare-console.js"),
        format!(
            "const imports = {{ \"./aftercare-console_bg.js\": {{ {GLUE_KEYS} }} }}; export default async function init() {{}} export function start() {{}}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("aftercare-console_bg.wasm"), module(2, "./aftercare-console_bg.js", &IMPORTS)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/dist.mjs");
    let out = Command::new("node").arg(script).arg("--console").arg(dir).output().expect("node runs scripts/dist.mjs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[tokio::test]
async fn the_console_is_served_at_its_path_under_its_policy_cached_like_the_widget() {
    let app = crate::common::TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = build_console(dir.path());
    let mut state = app.state.clone();
    state.console_dir = Some(dir.path().to_owned());
    let router = aftercare_server::app(state);
    let fetch = |path: &str, encoding: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        router.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    // The page names its hashed files (boot script, stylesheet, preloads), and is revalidated.
    let page = fetch("/console/", Some("br")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers["cache-control"], REVALIDATE);
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["content-security-policy"], assets::CONSOLE_CSP);
    let csp = assets::CONSOLE_CSP;
    assert!(!csp.contains("unsafe-inline") && csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
    let page = String::from_utf8(
        fetch("/console/index.html", None).await.unwrap().into_body().collect().await.unwrap().to_bytes().to_vec(),
    )
    .unwrap();
    for key in ["boot", "css", "glue", "wasm"] {
        let name = manifest[key].as_str().unwrap();
        assert!(assets::content_hashed(name), "{name}");
        assert!(page.contains(name), "index.html names {name}: {page}");
    }
    assert!(!page.contains("<script>") && !page.contains("style="), "no inline script or style: {page}");
    let boot = std::fs::read_to_string(dir.path().join(manifest["boot"].as_str().unwrap())).unwrap();
    assert!(
        boot.contains(manifest["glue"].as_str().unwrap()) && boot.contains(manifest["wasm"].as_str().unwrap()),
        "{boot}"
    );
    // Hashed files for a year; the wasm as wasm, brotli when asked.
    let wasm_name = manifest["wasm"].as_str().unwrap();
    let got = fetch(&format!("/console/{wasm_name}"), Some("br")).await.unwrap();
    assert_eq!(
        (got.headers()["cache-control"].to_str().unwrap(), got.headers()["content-type"].to_str().unwrap()),
        (IMMUTABLE, "application/wasm")
    );
    assert_eq!(got.headers()["content-encoding"], "br");
    // Without the slash: redirected, so the page's relative names resolve.
    let bare = fetch("/console", None).await.unwrap();
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.headers()["location"], "/console/");
    // Not configured: not served.
    let none = aftercare_server::app(app.state.clone())
        .oneshot(Request::get("/console/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_ne!(none.status(), StatusCode::OK);
}
