//! The demo: the built widget and the demo order page, and — for the built-in demo
//! merchant only — `GET /demo/token`, standing in for the merchant's own server that
//! would mint order tokens. The widget then uses the same token path as production.

use aftercare_protocol::order::{ItemPrice, OrderSnapshot, OrderState};
use aftercare_protocol::time::Timestamp;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{Method, Uri};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::error::Error;
use crate::extract::Query;
use crate::merchants::DEMO_MERCHANT;
use crate::AppState;

/// The demo shop's one order, as its server knows it.
pub const DEMO_ORDER_ID: &str = "20261128-0042";

/// How long the tokens the demo (and the `token` command) mint live by default.
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 30 * 60;

/// The demo order's snapshot at `now`: delivered three days ago, so every problem
/// type, the seven-day no-reason return included, is open to try.
pub fn demo_order(now: Timestamp) -> OrderSnapshot {
    let delivered = Timestamp(now.0 - 3 * 24 * 3_600_000);
    OrderSnapshot {
        order_id: DEMO_ORDER_ID.to_owned(),
        item_ids: vec!["item-1".to_owned(), "item-2".to_owned()],
        state: Some(OrderState::Delivered),
        delivered_at: Some(delivered.to_rfc3339()[..10].to_owned()),
        // As on the demo page: ¥129.00 and ¥399.00, one of each.
        prices: vec![price("item-1", 12900), price("item-2", 39900)],
    }
}

fn price(item_id: &str, unit_price: i64) -> ItemPrice {
    ItemPrice { item_id: item_id.to_owned(), quantity: 1, unit_price, currency: "CNY".to_owned() }
}

/// `/demo/token` (for the demo merchant), and the static site as the fallback for
/// every path no API route takes — or, if the widget is not built, a page saying how.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    if state.merchants.get(DEMO_MERCHANT).is_some() {
        router = router.route("/demo/token", get(token));
    }
    if state.static_dir.join("index.html").is_file() {
        router.fallback_service(super::assets::router(state.static_dir.clone()))
    } else {
        router.fallback(not_built)
    }
}

/// Shown at `/` when the widget has not been built into the static folder.
pub async fn not_built(State(state): State<AppState>, method: Method, uri: Uri) -> Result<impl IntoResponse, Error> {
    if method != Method::GET || !matches!(uri.path(), "/" | "/index.html") {
        return Err(Error::NotFound);
    }
    let dir = state.static_dir.display().to_string();
    Ok(Html(format!(
        "<!doctype html><meta charset=utf-8><title>Aftercare: widget not built</title>\
         <h1>The widget has not been built yet</h1>\
         <p>The server looks for it in <code>{}</code>. From the repository, run <code>scripts/setup</code> \
         and <code>scripts/build</code>, then reload this page — or start the server with \
         <code>--static-dir</code> pointing at a built <code>dist/</code>.</p>",
        html_escape(&dir)
    )))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[derive(Deserialize)]
pub struct TokenQuery {
    order: Option<String>,
    shopper: Option<String>,
}

#[derive(serde::Serialize)]
struct TokenResponse {
    token: String,
    expires_at: Timestamp,
}

async fn token(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Result<impl IntoResponse, Error> {
    let merchant = state.merchants.get(DEMO_MERCHANT).ok_or(Error::NotFound)?;
    let order = query.order.unwrap_or_default();
    if order != DEMO_ORDER_ID {
        return Err(Error::BadRequest(format!("the demo shop has one order, {DEMO_ORDER_ID}")));
    }
    let shopper = query.shopper.unwrap_or_default();
    if shopper.is_empty()
        || shopper.len() > 64
        || !shopper.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::BadRequest("`shopper` must be 1 to 64 letters, digits, - or _".into()));
    }
    let now = state.clock.now();
    let token = crate::auth::mint(merchant, &merchant.keys[0], &shopper, demo_order(now), now, DEFAULT_TOKEN_TTL_SECS);
    let expires_at = Timestamp(now.0 + DEFAULT_TOKEN_TTL_SECS * 1000);
    Ok(([(CACHE_CONTROL, "no-store")], axum::Json(TokenResponse { token, expires_at })))
}
