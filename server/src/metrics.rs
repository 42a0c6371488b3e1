//! `GET /metrics` in the Prometheus text format (OpenMetrics): requests by route and
//! status with their latencies, cases by state (counted when scraped), webhook
//! deliveries, uploads and case deadlines applied by the scheduler.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::Row;

use crate::error::Error;
use crate::AppState;

type Labels = Vec<(&'static str, String)>;

pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    cases: Family<Labels, Gauge>,
    webhooks: Family<Labels, Counter>,
    upload_bytes: Counter,
    upload_writes: Gauge,
    uploads_completed: Counter,
    deadlines: Counter,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("aftercare");
        let requests = Family::<Labels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        let latency = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register("http_request_duration_seconds", "Time to answer, by route", latency.clone());
        let cases = Family::<Labels, Gauge>::default();
        registry.register("cases", "Cases by state", cases.clone());
        let webhooks = Family::<Labels, Counter>::default();
        registry.register("webhook_deliveries", "Webhook delivery attempts by outcome", webhooks.clone());
        let upload_bytes = Counter::default();
        registry.register("upload_bytes", "Bytes received by tus PATCH requests", upload_bytes.clone());
        let upload_writes = Gauge::default();
        registry.register("upload_writes", "tus requests writing to an upload now", upload_writes.clone());
        let uploads_completed = Counter::default();
        registry.register("uploads_completed", "Uploads received whole, checked and stored", uploads_completed.clone());
        let deadlines = Counter::default();
        registry.register(
            "deadline_consequences",
            "Consequences of passed deadlines applied by the scheduler",
            deadlines.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            cases,
            webhooks,
            upload_bytes,
            upload_writes,
            uploads_completed,
            deadlines,
        }
    }
}

impl Metrics {
    pub fn webhook(&self, delivered: bool) {
        let outcome = if delivered { "delivered" } else { "failed" };
        self.webhooks.get_or_create(&vec![("outcome", outcome.to_owned())]).inc();
    }

    pub fn upload_bytes(&self, bytes: u64) {
        self.upload_bytes.inc_by(bytes);
    }

    /// Counts a request writing to an upload while the guard lives.
    pub fn upload_writing(&self) -> Writing {
        self.upload_writes.inc();
        Writing(self.upload_writes.clone())
    }

    pub fn upload_completed(&self) {
        self.uploads_completed.inc();
    }

    pub fn deadline_applied(&self) {
        self.deadlines.inc();
    }
}

/// A request writing to an upload, counted in `aftercare_upload_writes` until dropped.
pub struct Writing(Gauge);

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts and times every request, by its route template (not its raw path, so ids
/// do not explode the label set).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = vec![("method", method), ("route", route.clone()), ("status", response.status().as_u16().to_string())];
    state.metrics.requests.get_or_create(&labels).inc();
    state.metrics.latency.get_or_create(&vec![("route", route)]).observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>) -> Result<Response, Error> {
    let rows = sqlx::query("SELECT state, COUNT(*) FROM cases GROUP BY state").fetch_all(state.store.pool()).await?;
    for row in rows {
        let (name, count): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        state.metrics.cases.get_or_create(&vec![("state", name)]).set(count);
    }
    let mut text = String::new();
    encode(&mut text, &state.metrics.registry).map_err(|e| Error::internal("encoding metrics", e))?;
    Ok(([(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response())
}
