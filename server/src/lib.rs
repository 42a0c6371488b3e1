//! Aftercare's reference backend: an axum server that serves the widget and its demo,
//! answers `GET /v1/widget-config`, verifies signed order tokens, and takes and tracks
//! shoppers' after-sale cases idempotently, on SQLite (PostgreSQL from part 2).
//!
//! [`app`] builds the whole router from an [`AppState`]; `main.rs` is configuration.

pub mod auth;
pub mod cases;
pub mod clock;
pub mod cors;
pub mod email;
pub mod error;
pub mod extract;
#[doc(hidden)]
pub mod fuzzing;
pub mod live;
pub mod merchants;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
pub mod scheduler;
pub mod serve;
pub mod staff;
pub mod storage;
pub mod store;
pub mod tus;
pub mod webhooks;
pub mod workers;

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
    /// Nudges for the background workers (a new event, a clock change).
    pub wake: Arc<Wake>,
    pub metrics: Arc<metrics::Metrics>,
    /// Outgoing requests: webhook deliveries.
    pub http: reqwest::Client,
    pub rate_limit: Arc<ratelimit::RateLimit>,
    /// How long a JSON request may take, body included (not tus PATCH/POST, which have
    /// their own idle timeout, nor media downloads).
    pub request_timeout: std::time::Duration,
    /// Shoppers' notification emails go out on it (`--smtp-url`); none without.
    pub mailer: Option<Arc<email::Mailer>>,
    /// When staff sessions end, and when failed sign-ins lock an account.
    pub sessions: store::staff::SessionPolicy,
    /// Sign-in attempts per client address (on top of `rate_limit`).
    pub sign_in_limit: Arc<ratelimit::RateLimit>,
    /// The console's live updates.
    pub live: Arc<live::Live>,
    /// The console (`--console-dir`): its built files, served at `/console/`.
    pub console_dir: Option<PathBuf>,
    /// Set when the server starts to shut down: `/readyz` answers 503 from then on, so a
    /// load balancer takes the node out before it stops accepting.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Arc<ratelimit::TrustedProxies>,
}

/// Wakes the background workers before their next tick.
#[derive(Default)]
pub struct Wake {
    pub scheduler: tokio::sync::Notify,
    pub webhooks: tokio::sync::Notify,
    pub emails: tokio::sync::Notify,
}

impl AppState {
    /// A state with fresh workers' plumbing around the given parts.
    pub fn new(
        store: Store,
        merchants: Arc<Merchants>,
        clock: Clock,
        static_dir: PathBuf,
        insecure_dev: bool,
        uploads: Arc<tus::Uploads>,
    ) -> AppState {
        AppState {
            store,
            merchants,
            clock,
            static_dir,
            insecure_dev,
            uploads,
            wake: Arc::default(),
            metrics: Arc::default(),
            http: webhooks::client(),
            rate_limit: Arc::default(),
            request_timeout: std::time::Duration::from_secs(30),
            mailer: None,
            sessions: store::staff::SessionPolicy::default(),
            sign_in_limit: Arc::new(ratelimit::RateLimit::sign_in()),
            live: Arc::default(),
            console_dir: None,
            draining: Arc::default(),
            trusted_proxies: Arc::default(),
        }
    }
}

/// The whole HTTP application (without `/metrics`: see [`metrics_app`]).
pub fn app(state: AppState) -> Router {
    let merchants = state.merchants.clone();
    let mut json = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(routes::widget_config::router())
        .merge(routes::cases::router())
        .merge(routes::merchant::router())
        .merge(routes::platform::router())
        .merge(routes::staff::router())
        .merge(routes::desk::router())
        .route("/v1/{*rest}", any(|| async { Error::NotFound }));
    if state.insecure_dev {
        json = json.merge(routes::dev::router());
    }
    json = json.merge(routes::demo::router(&state));
    // The JSON routes (and the static site) have a deadline for the whole request, body
    // included; uploads have their own idle timeout instead.
    let json = json.layer(axum::middleware::from_fn_with_state(state.clone(), request_timeout));
    let mut site = Router::new();
    if let Some(dir) = &state.console_dir {
        site = site.nest_service("/console", routes::assets::console(dir.clone()));
    }
    site.merge(json)
        .merge(tus::router())
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ratelimit::limit))
        .layer(axum::middleware::from_fn(extract::reject_control_characters))
        .layer(axum::middleware::from_fn_with_state(merchants, cors::cors))
        // A panic in a handler answers that request with a logged 500; the process and
        // every other request go on.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// `/metrics`, served on its own listener (`serve --metrics-listen`, loopback by default).
pub fn metrics_app(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics::render)).with_state(state)
}

/// Ready for traffic: not draining, and the database and the storage answer. 503
/// otherwise, with which of them is not.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let draining = state.draining.load(std::sync::atomic::Ordering::SeqCst);
    let (database, storage) = tokio::join!(state.store.reachable(), state.uploads.storage.reachable());
    let ready = !draining && database && storage;
    let status = if ready { axum::http::StatusCode::OK } else { axum::http::StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({"ready": ready, "draining": draining, "database": database, "storage": storage});
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response
}

async fn request_timeout(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::RequestTimeout(state.request_timeout.as_secs()).into_response(),
    }
}

fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    Error::internal("a request handler panicked", message).into_response()
}
