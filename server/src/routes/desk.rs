//! The seller's desk settings: its canned replies (read by anyone at the desk; written
//! by its admins) and its staff accounts (its admins add and remove them). A merchant's
//! API key counts as an admin: it is the merchant's own systems.

use aftercare_protocol::staff::{
    check_canned_reply, CannedReplies, CannedReply, NewStaffRequest, StaffList, StaffMember, StaffRole,
};
use aftercare_protocol::validate::FieldError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::Router;

use crate::auth::MerchantKey;
use crate::error::{Error, Result};
use crate::extract::Json;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/merchant/canned-replies", get(replies))
        .route("/v1/merchant/canned-replies/{code}", put(put_reply).delete(delete_reply))
        .route("/v1/merchant/staff", get(staff).post(add_staff))
        .route("/v1/merchant/staff/{id}", delete(remove_staff))
}

/// Only a desk's admins (or the merchant's own systems) change its settings.
fn admin(key: &MerchantKey) -> Result<()> {
    match &key.staff {
        Some(member) if member.role != StaffRole::Admin => Err(Error::AdminRequired),
        _ => Ok(()),
    }
}

/// The merchant's canned replies, as staff see them (seeded once from `merchants.toml`).
pub async fn canned_replies(state: &AppState, key: &MerchantKey) -> Result<Vec<CannedReply>> {
    let merchant = &key.merchant;
    state.store.canned_replies(&merchant.id, &merchant.canned_replies, state.clock.now()).await
}

/// The desk's canned replies, in order.
#[utoipa::path(
    get,
    path = "/v1/merchant/canned-replies",
    responses((status = 200, body = CannedReplies)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn replies(State(state): State<AppState>, key: MerchantKey) -> Result<axum::Json<CannedReplies>> {
    Ok(axum::Json(CannedReplies { replies: canned_replies(&state, &key).await? }))
}

/// Adds a canned reply under `code`, or changes it (admins).
#[utoipa::path(
    put,
    path = "/v1/merchant/canned-replies/{code}",
    params(("code" = String, Path)),
    request_body = CannedReply,
    responses((status = 200, body = CannedReplies), (status = 403, description = "`admin_required`", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn put_reply(
    State(state): State<AppState>,
    key: MerchantKey,
    Path(code): Path<String>,
    body: Json<CannedReply>,
) -> Result<axum::Json<CannedReplies>> {
    admin(&key)?;
    let mut reply = body.value;
    if reply.code != code {
        return Err(Error::Validation(Box::new(FieldError::new(
            "code",
            "code_mismatch",
            "must be the code in the path",
        ))));
    }
    if let Err((field, code)) = check_canned_reply(&reply) {
        let message = format!("{field}: {code}");
        return Err(Error::Validation(Box::new(FieldError::new(field, code, message))));
    }
    for text in [&mut reply.title_zh, &mut reply.title_en, &mut reply.zh, &mut reply.en] {
        *text = text.trim().to_owned();
    }
    let merchant = &key.merchant;
    state.store.put_canned_reply(&merchant.id, &reply, &merchant.canned_replies, state.clock.now()).await?;
    Ok(axum::Json(CannedReplies { replies: canned_replies(&state, &key).await? }))
}

/// Deletes a canned reply (admins).
#[utoipa::path(
    delete,
    path = "/v1/merchant/canned-replies/{code}",
    params(("code" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn delete_reply(
    State(state): State<AppState>,
    key: MerchantKey,
    Path(code): Path<String>,
) -> Result<StatusCode> {
    admin(&key)?;
    // Seeded first, so deleting a seeded reply before anyone read the list sticks.
    canned_replies(&state, &key).await?;
    match state.store.delete_canned_reply(&key.merchant.id, &code).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(Error::NotFound),
    }
}

/// The desk's staff accounts (admins).
#[utoipa::path(
    get,
    path = "/v1/merchant/staff",
    responses((status = 200, body = StaffList), (status = 403, description = "`admin_required`", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn staff(State(state): State<AppState>, key: MerchantKey) -> Result<axum::Json<StaffList>> {
    admin(&key)?;
    Ok(axum::Json(StaffList { staff: state.store.staff_of(Some(&key.merchant.id)).await? }))
}

/// Adds an account to the desk (admins); the admin tells the new member the password.
#[utoipa::path(
    post,
    path = "/v1/merchant/staff",
    request_body = NewStaffRequest,
    responses((status = 201, body = StaffMember), (status = 403, description = "`admin_required`", body = aftercare_protocol::case::ApiError), (status = 422, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn add_staff(
    State(state): State<AppState>,
    key: MerchantKey,
    body: Json<NewStaffRequest>,
) -> Result<Response> {
    admin(&key)?;
    let request = body.value;
    let now = state.clock.now();
    let member = crate::staff::add(
        &state.store,
        Some(&key.merchant.id),
        &request.email,
        request.name.as_deref(),
        request.role,
        &request.password,
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(member)).into_response())
}

/// Removes an account from the desk and ends its sessions (admins; not their own).
#[utoipa::path(
    delete,
    path = "/v1/merchant/staff/{id}",
    params(("id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn remove_staff(
    State(state): State<AppState>,
    key: MerchantKey,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    admin(&key)?;
    if key.staff.as_ref().is_some_and(|me| me.id == id) {
        return Err(Error::BadRequest("you cannot remove your own account".into()));
    }
    match state.store.remove_staff(&key.merchant.id, &id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(Error::NotFound),
    }
}
