//! Aftercare's reference backend: an axum server that serves the widget and its demo,
//! answers `GET /v1/widget-config`, verifies signed order tokens, and takes and tracks
//! shoppers' after-sale cases idempotently, on SQLite (PostgreSQL from part 2).
//!
//! [`app`] builds the whole router from an [`AppState`]; `main.rs` is configuration.
#![cfg(not(target_arch = "wasm32"))]

pub mod auth;
pub mod clock;
pub mod error;
pub mod extract;
pub mod media;
pub mod merchants;
pub mod openapi;
pub mod routes;
pub mod store;
pub mod tus;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, Method};
use axum::routing::{any, get};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::clock::Clock;
use crate::error::Error;
use crate::merchants::Merchants;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub merchants: Arc<Merchants>,
    pub clock: Clock,
    /// The built widget and demo page (`dist/`).
    pub static_dir: PathBuf,
    /// Enables `/dev/*` routes. Never in production.
    pub insecure_dev: bool,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let merchants = state.merchants.clone();
    // Preflights are answered for an origin some merchant allows; the actual request
    // is then checked against the token's own merchant (see `auth::Shopper`).
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin.to_str().is_ok_and(|origin| merchants.any_allows(origin))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .max_age(std::time::Duration::from_secs(600));

    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(routes::widget_config::router())
        .merge(routes::cases::router())
        .route("/v1/{*rest}", any(|| async { Error::NotFound }));
    if state.insecure_dev {
        router = router.merge(routes::dev::router());
    }
    router = router.merge(routes::demo::router(&state));
    router
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(cors)
        .with_state(state)
}
