//! Aftercare's reference backend: an axum server that serves the widget and its demo,
//! answers `GET /v1/widget-config`, verifies signed order tokens, and takes and tracks
//! shoppers' after-sale cases idempotently, on SQLite (PostgreSQL from part 2).
//!
//! [`app`] builds the whole router from an [`AppState`]; `main.rs` is configuration.
#![cfg(not(target_arch = "wasm32"))]

pub mod auth;
pub mod clock;
pub mod cors;
pub mod error;
pub mod extract;
pub mod media;
pub mod merchants;
pub mod openapi;
pub mod routes;
pub mod storage;
pub mod store;
pub mod tus;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get};
use axum::Router;

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
    /// Resumable evidence uploads: spool, storage, limits.
    pub uploads: Arc<tus::Uploads>,
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let merchants = state.merchants.clone();
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(routes::widget_config::router())
        .merge(routes::cases::router())
        .merge(tus::router())
        .route("/v1/{*rest}", any(|| async { Error::NotFound }));
    if state.insecure_dev {
        router = router.merge(routes::dev::router());
    }
    router = router.merge(routes::demo::router(&state));
    router
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(merchants, cors::cors))
        .with_state(state)
}
