//! The built widget and the demo page (`--static-dir`, a `dist/` from `scripts/build`),
//! served the way a merchant's CDN should serve them:
//!
//! - precompressed `.br`/`.gz` siblings by content negotiation (`Accept-Encoding`),
//!   with `Vary: Accept-Encoding`; wasm as `application/wasm`, for streaming compilation;
//! - content-hashed names (`aftercare-widget.<16 hex>.js`, `…_bg.wasm`) cached for a
//!   year as `immutable`: a new build has new names;
//! - the loader, `aftercare.js` — the one URL a merchant's page names, which points at
//!   the hashed names — for five minutes, then revalidated by its `ETag`;
//! - anything else (the demo page, its images) revalidated on every use (`no-cache`,
//!   `Last-Modified`).

use std::path::{Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

/// The loader's stable path.
pub const LOADER: &str = "aftercare.js";
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const LOADER_CACHE: &str = "public, max-age=300";
pub const REVALIDATE: &str = "no-cache";

/// The static site under `dir`, with the headers above.
pub fn router(dir: PathBuf) -> Router {
    let files = ServeDir::new(&dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(files).layer(middleware::from_fn_with_state(dir, headers))
}

/// The console's policy: its own scripts and wasm, its own API, the evidence links.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; \
    img-src 'self'; media-src 'self'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The console (`--console-dir`), served at `/console/` like the widget's files, every
/// answer under [`CONSOLE_CSP`]. `/console` without the slash redirects, so the page's
/// relative names resolve.
pub fn console(dir: PathBuf) -> Router {
    async fn policy(request: Request, next: Next) -> Response {
        // Nested, `/console` and `/console/` both arrive as `/`: the original tells them apart.
        let original = request.extensions().get::<axum::extract::OriginalUri>().map(|uri| uri.path().to_owned());
        if original.as_deref() == Some("/console") {
            return axum::response::Redirect::permanent("/console/").into_response();
        }
        let mut response = next.run(request).await;
        let headers = response.headers_mut();
        headers.insert("content-security-policy", HeaderValue::from_static(CONSOLE_CSP));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        response
    }
    router(dir).layer(middleware::from_fn(policy))
}

/// Whether `name` carries a content hash: `.` + 16 hex digits, then `.` or `_`.
pub fn content_hashed(name: &str) -> bool {
    name.match_indices('.').any(|(at, _)| {
        let rest = &name.as_bytes()[at + 1..];
        rest.len() > 16 && rest[..16].iter().all(u8::is_ascii_hexdigit) && matches!(rest[16], b'.' | b'_')
    })
}

/// Compressible by the build (`scripts/dist.mjs` makes `.br`/`.gz` for these).
fn compressible(name: &str) -> bool {
    let extension = name.rsplit('.').next().unwrap_or_default();
    matches!(extension, "js" | "mjs" | "wasm" | "html" | "css" | "svg" | "json") || !name.contains('.')
}

/// The loader's weak ETag (its representations — identity, br, gzip — are the same
/// content), from its bytes on disk: a rebuild changes it without a restart.
async fn loader_etag(dir: &Path) -> Option<HeaderValue> {
    let bytes = tokio::fs::read(dir.join(LOADER)).await.ok()?;
    let digest = hex::encode(&Sha256::digest(&bytes)[..8]);
    HeaderValue::from_str(&format!("W/\"{digest}\"")).ok()
}

/// Whether an `If-None-Match` list names `etag` (weak comparison).
fn none_match(header: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(list) = header.to_str() else { return false };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag.to_str().unwrap_or_default());
    list.split(',').any(|tag| tag.trim() == "*" || bare(tag) == ours)
}

async fn headers(State(dir): State<PathBuf>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let name = path.rsplit('/').next().unwrap_or_default().to_owned();
    let loader = path == format!("/{LOADER}");
    let etag = if loader { loader_etag(&dir).await } else { None };
    if let (Some(etag), Some(asked)) = (&etag, request.headers().get(IF_NONE_MATCH)) {
        if none_match(asked, etag) {
            let headers = [(ETAG, etag.clone()), (CACHE_CONTROL, HeaderValue::from_static(LOADER_CACHE))];
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
    }
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
        return response;
    }
    let cache = if loader {
        LOADER_CACHE
    } else if content_hashed(&name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Some(etag) = etag {
        headers.insert(ETAG, etag);
    }
    if compressible(&name) {
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_told_from_stable_ones() {
        for name in [
            "aftercare-widget.0123456789abcdef.js",
            "aftercare-widget.0123456789abcdef_bg.wasm",
            "x.ABCDEF0123456789.css",
        ] {
            assert!(content_hashed(name), "{name}");
        }
        for name in [
            "aftercare.js",
            "aftercare-widget.js",
            "aftercare-widget.0123456789abcde.js",
            "aftercare-widget.0123456789abcdefg.js",
            "a.0123456789abcdef",
            "index.html",
            "",
        ] {
            assert!(!content_hashed(name), "{name}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let ours = HeaderValue::from_static("W/\"abc\"");
        for (asked, expected) in
            [("W/\"abc\"", true), ("\"abc\"", true), ("\"x\", W/\"abc\"", true), ("*", true), ("\"abd\"", false)]
        {
            assert_eq!(none_match(&HeaderValue::from_static(asked), &ours), expected, "{asked}");
        }
    }
}
