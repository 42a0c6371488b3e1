//! Shared test set-up: a server state on a temporary SQLite file with a fixed clock and
//! two merchants, helpers to send requests through `oneshot` or a real socket.
#![allow(dead_code)]

pub mod contract;

use std::sync::Arc;

use aftercare_protocol::order::{ItemPrice, OrderSnapshot, OrderState};
use aftercare_protocol::time::Timestamp;
use aftercare_server::clock::Clock;
use aftercare_server::merchants::{Merchant, Merchants, SigningKey};
use aftercare_server::store::Store;
use aftercare_server::{app, auth, AppState};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const SHOP: &str = "https://shop.acme.example";
pub const NOW: &str = "2026-11-28T08:00:00Z";

pub fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap()
}

pub fn merchant(id: &str, origin: &str, secret_byte: &str) -> Merchant {
    Merchant {
        id: id.into(),
        name: id.into(),
        allowed_origins: vec![origin.into()],
        keys: vec![SigningKey { kid: format!("{id}-key"), secret_hex: secret_byte.repeat(32) }],
        widget: json!({"channels": {"phone": {"menu_key": "9"}}}),
        rules: Default::default(),
        deadlines: Default::default(),
        return_address: Some(aftercare_protocol::case::ReturnInstructions {
            address: format!("{id} returns desk, 1 Example Road"),
            instructions: None,
        }),
        webhook: None,
        refusal_reasons: aftercare_server::merchants::default_refusal_reasons(),
        canned_replies: aftercare_server::merchants::default_canned_replies(),
        notify: None,
    }
}

/// The database a test uses: a SQLite file in its folder, or — with
/// `AFTERCARE_TEST_POSTGRES=postgres://…/postgres` (see `scripts/postgres`) — a
/// PostgreSQL database of its own, named after the folder, so reopening the folder
/// (a restart) finds the same data.
pub async fn database_url(dir: &std::path::Path) -> String {
    let Ok(base) = std::env::var("AFTERCARE_TEST_POSTGRES") else {
        return format!("sqlite://{}", dir.join("test.db").display());
    };
    let folder = dir.file_name().unwrap().to_string_lossy().to_lowercase();
    let name = format!("t_{}", folder.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&base).await.expect("AFTERCARE_TEST_POSTGRES answers");
    let exists =
        sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1").bind(&name).fetch_optional(&admin).await.unwrap();
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
    }
    admin.close().await;
    let (server, _) = base.rsplit_once('/').expect("a URL ending in /database");
    format!("{server}/{name}")
}

pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        TestApp::at(dir).await
    }

    pub async fn at(dir: tempfile::TempDir) -> TestApp {
        TestApp::with(dir, |_| {}).await
    }

    /// The two test merchants, as `adjust` changes them (e.g. a webhook, a policy).
    pub async fn with(dir: tempfile::TempDir, adjust: impl FnOnce(&mut Vec<Merchant>)) -> TestApp {
        let store = Store::open(&database_url(dir.path()).await).await.unwrap();
        let mut list = vec![merchant("acme", SHOP, "11"), merchant("other", "https://shop.other.example", "22")];
        adjust(&mut list);
        let merchants = Merchants::new(list).unwrap();
        let storage = aftercare_server::storage::Storage::local(&dir.path().join("media")).unwrap();
        let uploads =
            aftercare_server::tus::Uploads::new(dir.path().join("spool"), storage, Default::default(), vec![7; 32])
                .unwrap();
        let state = AppState::new(
            store,
            Arc::new(merchants),
            Clock::fixed(now()),
            dir.path().join("no-dist"),
            false,
            Arc::new(uploads),
        );
        TestApp { state, dir }
    }

    pub fn token_for(&self, merchant: &str, shopper: &str, order: OrderSnapshot) -> String {
        let merchant = self.state.merchants.get(merchant).unwrap();
        auth::mint(merchant, &merchant.keys[0], shopper, order, self.state.clock.now(), 1800)
    }

    /// A token for shopper `s-1` and the delivered order `o-1` at acme.
    pub fn token(&self) -> String {
        self.token_for("acme", "s-1", delivered("o-1"))
    }

    /// Sends a request through the app. A write to a case without `If-Match` gets the
    /// case's current version, as a client that has just read it would send (tests of
    /// `If-Match` itself send their own, or `x-test-no-if-match`).
    pub async fn send(&self, mut request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
        let headers = request.headers_mut();
        if headers.remove("x-test-no-if-match").is_none() && !headers.contains_key("if-match") {
            if let Some(id) = case_write(request.method(), request.uri().path()) {
                if let Some(version) = self.version_of(&id).await {
                    request.headers_mut().insert("if-match", format!("\"{version}\"").parse().unwrap());
                }
            }
        }
        let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        contract::check(&method, &path, status.as_u16(), &bytes);
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, headers, json)
    }

    /// Applies a seller's step straight through the store (no HTTP), at the case's
    /// current version; returns the case as the seller sees it.
    pub async fn seller_step(&self, id: &str, action: aftercare_protocol::lifecycle::Action) -> Value {
        let merchant = self.state.merchants.get("acme").unwrap();
        let step = aftercare_server::store::Step {
            id,
            owner: None,
            merchant,
            actor: aftercare_protocol::case::Actor::Seller,
            action,
            message: None,
            media: Vec::new(),
            refusal_reason: None,
            staff: None,
            expected_version: None,
            remember: None,
            now: self.state.clock.now(),
        };
        serde_json::to_value(self.state.store.apply(step).await.unwrap()).unwrap()
    }

    /// The stored version of a case, if there is one.
    pub async fn version_of(&self, id: &str) -> Option<i64> {
        use sqlx::Row;
        let row = sqlx::query("SELECT version FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(self.state.store.pool())
            .await
            .unwrap()?;
        Some(row.try_get::<i64, _>(0).unwrap())
    }

    pub async fn post(&self, path: &str, token: &str, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = Request::post(path)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let (status, _, json) = self.send(request.body(Body::from(body.to_string())).unwrap()).await;
        (status, json)
    }

    /// A new API key for `merchant` (or the platform, with `None`).
    pub async fn api_key(&self, merchant: Option<&str>) -> String {
        let prefix = if merchant.is_some() { auth::MERCHANT_KEY_PREFIX } else { auth::PLATFORM_KEY_PREFIX };
        let key = format!("{prefix}test_{}_{}", merchant.unwrap_or("platform"), uuid_like());
        self.state.store.add_api_key(merchant, &auth::api_key_hash(&key), self.state.clock.now()).await.unwrap();
        key
    }

    /// Moves the server's clock on through `POST /dev/clock` (as with `--insecure-dev`),
    /// which applies what fell due before answering. Returns how many consequences
    /// were applied, read from the case histories.
    pub async fn advance_hours(&self, hours: i64) -> usize {
        let before = self.system_steps().await;
        let mut state = self.state.clone();
        state.insecure_dev = true;
        let request = Request::post("/dev/clock")
            .header("content-type", "application/json")
            .body(Body::from(json!({"advance_seconds": hours * 3600}).to_string()))
            .unwrap();
        let response = app(state).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        self.system_steps().await - before
    }

    /// How many steps the system has taken in all cases' histories.
    async fn system_steps(&self) -> usize {
        use sqlx::Row;
        let row = sqlx::query("SELECT COUNT(*) FROM case_events WHERE actor = 'system'")
            .fetch_one(self.state.store.pool())
            .await
            .unwrap();
        row.try_get::<i64, _>(0).unwrap() as usize
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let request =
            Request::get(path).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
        let (status, _, json) = self.send(request).await;
        (status, json)
    }

    /// The bytes at `path` (a signed media link: no credentials), which must be there.
    pub async fn raw_get(&self, path: &str) -> Vec<u8> {
        let response = app(self.state.clone()).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    /// Serves the app on a real socket; returns its base URL.
    pub async fn serve(&self) -> String {
        self.serve_router(app(self.state.clone())).await
    }

    /// Serves a router through the server's own listener (header timeout, connection cap).
    pub async fn serve_router(&self, router: axum::Router) -> String {
        self.serve_with(router, aftercare_server::serve::Settings::default()).await
    }

    pub async fn serve_with(&self, router: axum::Router, settings: aftercare_server::serve::Settings) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(aftercare_server::serve::serve(listener, router, settings, std::future::pending()));
        format!("http://{address}")
    }
}

/// The case a request writes to: `POST /v1/{cases|merchant/cases|platform/cases}/{id}/{action}`.
pub fn case_write(method: &axum::http::Method, path: &str) -> Option<String> {
    if method != axum::http::Method::POST {
        return None;
    }
    let rest = path.strip_prefix("/v1/")?;
    let rest = rest.strip_prefix("merchant/").or_else(|| rest.strip_prefix("platform/")).unwrap_or(rest);
    let (id, action) = rest.strip_prefix("cases/")?.split_once('/')?;
    // One segment (`refuse`), or two for an offer's answer (`offer/accept`).
    (!action.is_empty() && action.matches('/').count() <= 1).then(|| id.to_owned())
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("{:08x}", NEXT.fetch_add(1, Ordering::SeqCst))
}

pub fn delivered(order_id: &str) -> OrderSnapshot {
    OrderSnapshot {
        order_id: order_id.into(),
        item_ids: vec!["item-1".into(), "item-2".into()],
        state: Some(OrderState::Delivered),
        delivered_at: Some("2026-11-25".into()),
        prices: vec![
            ItemPrice { item_id: "item-1".into(), quantity: 1, unit_price: 19900, currency: "CNY".into() },
            ItemPrice { item_id: "item-2".into(), quantity: 2, unit_price: 5000, currency: "CNY".into() },
        ],
    }
}

/// A case that needs no evidence: damaged in transit, return and refund.
pub fn damaged(order_id: &str) -> Value {
    json!({
        "order_id": order_id,
        "item_ids": ["item-1"],
        "problem_type": "logistics",
        "reason": "damaged_in_transit",
        "resolution": "return_and_refund",
        "description": "The box arrived crushed and the lid is bent.",
        "contact": {"name": "Li Lei", "phone": "138 0013 8000"}
    })
}

/// File references as sent: without the links answers add (`url`).
pub fn bare(media: &Value) -> Value {
    let mut media = media.clone();
    for reference in media.as_array_mut().into_iter().flatten() {
        reference.as_object_mut().map(|fields| fields.remove("url"));
    }
    media
}

/// The actions a case offers the party that read it, by name.
pub fn next_actions(case: &Value) -> Vec<&str> {
    case["next_actions"]
        .as_array()
        .expect("every case lists its next actions")
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect()
}

/// A case's history as `actor:kind`, oldest first.
pub fn story(case: &Value) -> Vec<String> {
    case["history"]
        .as_array()
        .expect("every case has a history")
        .iter()
        .map(|e| format!("{}:{}", e["actor"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect()
}
