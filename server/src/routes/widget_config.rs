//! `GET /v1/widget-config?merchant=ID`: the merchant's widget configuration layer.
//! Public (no token): it holds nothing but what the widget shows anyway.

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::error::Error;
use crate::extract::Query;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/widget-config", get(widget_config))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WidgetConfigQuery {
    /// The merchant id, as in the embed's `data-merchant`.
    pub merchant: Option<String>,
}

/// The merchant's widget configuration: a JSON Merge Patch over the built-in defaults
/// (channels, hours, FAQ), as the widget's `data-config` takes, with the case rules and
/// the evidence limits the server enforces.
#[utoipa::path(
    get,
    path = "/v1/widget-config",
    params(WidgetConfigQuery),
    responses(
        (status = 200, description = "The configuration layer", body = Object),
        (status = 400, description = "No merchant given", body = aftercare_protocol::case::ApiError),
        (status = 404, description = "Unknown merchant", body = aftercare_protocol::case::ApiError),
    ),
    tag = "widget"
)]
pub async fn widget_config(
    State(state): State<AppState>,
    Query(query): Query<WidgetConfigQuery>,
) -> Result<impl IntoResponse, Error> {
    let id = query.merchant.ok_or_else(|| Error::BadRequest("the `merchant` query parameter is required".into()))?;
    let merchant = state.merchants.get(&id).ok_or(Error::UnknownMerchant(id))?;
    let limits = &state.uploads.limits;
    let layer = merchant.widget_config(limits.max_photo_bytes, limits.max_video_bytes);
    Ok(([(CACHE_CONTROL, "public, max-age=60")], axum::Json(layer)))
}
