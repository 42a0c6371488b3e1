//! The shopper API: file a case, list and read the order's cases, write messages (with
//! files), accept or decline the seller's offer, ask the platform to step in, answer
//! its evidence round, appeal its ruling, withdraw, and enter the return shipment. Every route takes a verified
//! [`Shopper`]: cases are bound to (merchant, order, shopper) and the rules are
//! enforced from the token's signed order snapshot.

use aftercare_protocol::case::{
    Actor, Case, CaseList, EscalateRequest, NewCase, NewMessage, NoteRequest, SeenRequest, Shipment, Unread,
    UnreadCase, WithdrawRequest,
};
use aftercare_protocol::lifecycle::Action;
use aftercare_protocol::validate;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::Shopper;
use crate::cases::{self, Party, Request};
use crate::error::{first_error, Error, Result};
use crate::extract::{IdempotencyKey, IfMatch, Json, Query};
use crate::store::{Created, View};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cases", post(create).get(list))
        .route("/v1/cases/{id}", get(read))
        .route("/v1/cases/{id}/escalate", post(escalate))
        .route("/v1/cases/{id}/withdraw", post(withdraw))
        .route("/v1/cases/{id}/return-shipment", post(return_shipment))
        .route("/v1/cases/{id}/messages", post(message))
        .route("/v1/cases/{id}/offer/accept", post(accept_offer))
        .route("/v1/cases/{id}/offer/decline", post(decline_offer))
        .route("/v1/cases/{id}/evidence", post(evidence))
        .route("/v1/cases/{id}/appeal", post(appeal))
        .route("/v1/unread", get(unread))
        .route("/v1/seen", post(seen))
}

impl Shopper {
    fn party(&self) -> Party {
        Party::Shopper { merchant: self.merchant.clone(), owner: self.owner() }
    }
}

/// File a case. Requires an `Idempotency-Key`: the same key and body replay the first
/// answer; the same key with another body is 422 `idempotency_key_reused`.
#[utoipa::path(
    post,
    path = "/v1/cases",
    request_body = NewCase,
    params(("Idempotency-Key" = String, Header, description = "Unique per intended case; retries reuse it")),
    responses(
        (status = 201, description = "Filed (or the first answer, replayed)", body = Case),
        (status = 400, description = "Missing Idempotency-Key or malformed JSON", body = aftercare_protocol::case::ApiError),
        (status = 401, description = "Missing, invalid or expired order token", body = aftercare_protocol::case::ApiError),
        (status = 403, description = "Origin not allowed", body = aftercare_protocol::case::ApiError),
        (status = 422, description = "A field breaks the rules, or the key was reused", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn create(
    State(state): State<AppState>,
    shopper: Shopper,
    IdempotencyKey(key): IdempotencyKey,
    body: Json<NewCase>,
) -> Result<Response> {
    let request = cases::Filing { key: &key, body: &body.value, canonical: &body.canonical };
    match cases::file(&state, &shopper.merchant, &shopper.owner(), &shopper.claims.order, request).await? {
        Created::New(case) => Ok(cases::respond(&state, StatusCode::CREATED, *case)),
        Created::Replayed(stored) => Ok(replay(stored)),
    }
}

fn replay(stored: crate::store::StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    (status, [(header::CONTENT_TYPE, "application/json")], stored.body).into_response()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Must be the token's order id.
    #[param(required = true)]
    pub order: Option<String>,
}

impl ListQuery {
    /// `order` must be given, and be the token's order.
    fn check(&self, shopper: &Shopper) -> Result<()> {
        let order =
            self.order.as_ref().ok_or_else(|| Error::BadRequest("the `order` query parameter is required".into()))?;
        if *order != shopper.claims.order_id {
            return Err(Error::OrderMismatch);
        }
        Ok(())
    }
}

/// The shopper's cases for the token's order, oldest first.
#[utoipa::path(
    get,
    path = "/v1/cases",
    params(ListQuery),
    responses(
        (status = 200, body = CaseList),
        (status = 403, description = "`order` is not the token's order", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn list(
    State(state): State<AppState>,
    shopper: Shopper,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<CaseList>> {
    query.check(&shopper)?;
    let view = View { viewer: Actor::Shopper, now: state.clock.now() };
    let mut cases = state.store.list(&shopper.owner(), shopper.merchant.terms(), view).await?;
    for case in &mut cases {
        state.uploads.sign_media(case, view.now);
    }
    Ok(axum::Json(CaseList { cases }))
}

/// One case of the token's order.
#[utoipa::path(
    get,
    path = "/v1/cases/{id}",
    params(("id" = String, Path)),
    responses((status = 200, body = Case), (status = 404, body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn read(State(state): State<AppState>, shopper: Shopper, Path(id): Path<String>) -> Result<Response> {
    let case = cases::view(&state, &shopper.party(), &id).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// Ask the platform to step in: after a refusal, or once the seller has missed a
/// deadline. Files sent with the request are added to the case's evidence.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/escalate",
    params(("id" = String, Path)),
    request_body = EscalateRequest,
    responses(
        (status = 200, body = Case),
        (status = 409, description = "Not possible in this state, or not yet", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn escalate(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<EscalateRequest>,
) -> Result<Response> {
    first_error(validate::escalate(&body.value, &shopper.merchant.rules))?;
    let message = Some(body.value.reason.trim().to_owned());
    let request = Request::new(Action::Escalate, message, body.canonical).with_media(body.value.media);
    let case = cases::act(&state, &shopper.party(), &id, version, key, request).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// Withdraw an open case.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/withdraw",
    params(("id" = String, Path)),
    request_body = WithdrawRequest,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn withdraw(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<WithdrawRequest>,
) -> Result<Response> {
    let message = body.value.message.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    if let Some(message) = &message {
        first_error(validate::message("message", message, &shopper.merchant.rules))?;
    }
    let request = Request::new(Action::Withdraw, message, body.canonical);
    let case = cases::act(&state, &shopper.party(), &id, version, key, request).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// The carrier and tracking number of the item sent back, as the seller asked.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/return-shipment",
    params(("id" = String, Path)),
    request_body = Shipment,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn return_shipment(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<Shipment>,
) -> Result<Response> {
    first_error(validate::shipment(&body.value))?;
    let shipment = Shipment {
        carrier: body.value.carrier.trim().into(),
        tracking_number: body.value.tracking_number.trim().into(),
    };
    let request = Request::new(Action::SubmitReturnShipment(shipment), None, body.canonical);
    let case = cases::act(&state, &shopper.party(), &id, version, key, request).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// What the shopper writes with files: a message, an answer to an evidence round, an
/// appeal.
async fn with_files(
    state: &AppState,
    shopper: &Shopper,
    id: &str,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NewMessage>,
    action: Option<Action>,
) -> Result<Response> {
    first_error(validate::new_message(&body.value, &shopper.merchant.rules))?;
    let text = body.value.message.trim().to_owned();
    let request = match action {
        Some(action) => Request::new(action, Some(text), body.canonical).with_media(body.value.media),
        None => Request::message(text, body.value.media, body.canonical),
    };
    let case = cases::act(state, &shopper.party(), id, version, key, request).await?;
    Ok(cases::respond(state, StatusCode::OK, case))
}

/// Write to the seller (and the platform): a message with files, no change of state.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/messages",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses(
        (status = 200, body = Case),
        (status = 409, description = "The case is over", body = aftercare_protocol::case::ApiError),
        (status = 422, body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn message(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NewMessage>,
) -> Result<Response> {
    with_files(&state, &shopper, &id, version, key, body, None).await
}

/// Answer the platform's request for evidence (photos, videos, a statement).
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/evidence",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "No evidence asked of the shopper", body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn evidence(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NewMessage>,
) -> Result<Response> {
    with_files(&state, &shopper, &id, version, key, body, Some(Action::SubmitEvidence)).await
}

/// Appeal a ruling for the seller, once, within the appeal window.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/appeal",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "Not open to appeal by the shopper", body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn appeal(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NewMessage>,
) -> Result<Response> {
    with_files(&state, &shopper, &id, version, key, body, Some(Action::Appeal)).await
}

async fn answer_offer(
    state: &AppState,
    shopper: &Shopper,
    id: &str,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NoteRequest>,
    action: Action,
) -> Result<Response> {
    let message = body.value.message.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    if let Some(message) = &message {
        first_error(validate::message("message", message, &shopper.merchant.rules))?;
    }
    let case =
        cases::act(state, &shopper.party(), id, version, key, Request::new(action, message, body.canonical)).await?;
    Ok(cases::respond(state, StatusCode::OK, case))
}

/// Accept the seller's offer: the case goes on as offered.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/offer/accept",
    params(("id" = String, Path)),
    request_body = NoteRequest,
    responses((status = 200, body = Case), (status = 409, description = "No offer waiting", body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn accept_offer(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NoteRequest>,
) -> Result<Response> {
    answer_offer(&state, &shopper, &id, version, key, body, Action::AcceptOffer).await
}

/// Decline the seller's offer: the shopper may then ask the platform to step in, or
/// withdraw; the seller may offer again.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/offer/decline",
    params(("id" = String, Path)),
    request_body = NoteRequest,
    responses((status = 200, body = Case), (status = 409, description = "No offer waiting", body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn decline_offer(
    State(state): State<AppState>,
    shopper: Shopper,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NoteRequest>,
) -> Result<Response> {
    answer_offer(&state, &shopper, &id, version, key, body, Action::DeclineOffer).await
}

/// What the seller, the platform or a deadline added to the order's cases since the
/// shopper last saw them: the loader asks once, when the page is idle, for the
/// launcher's badge.
#[utoipa::path(
    get,
    path = "/v1/unread",
    params(ListQuery),
    responses(
        (status = 200, body = Unread),
        (status = 403, description = "`order` is not the token's order", body = aftercare_protocol::case::ApiError),
    ),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn unread(
    State(state): State<AppState>,
    shopper: Shopper,
    Query(query): Query<ListQuery>,
) -> Result<axum::Json<Unread>> {
    query.check(&shopper)?;
    let cases: Vec<UnreadCase> = state
        .store
        .unread(&shopper.owner())
        .await?
        .into_iter()
        .map(|(id, number, unread)| UnreadCase { id, number, unread })
        .collect();
    Ok(axum::Json(Unread { unread: cases.iter().map(|c| c.unread).sum(), cases }))
}

/// Most cases one `POST /v1/seen` marks.
const SEEN_MAX: usize = 100;

/// The shopper has seen these cases' histories through `through` events (what My
/// requests showed). Marks only move forward; another shopper's case is 404, and then
/// none of the request's marks is written.
#[utoipa::path(
    post,
    path = "/v1/seen",
    request_body = SeenRequest,
    responses((status = 204, description = "Marked"), (status = 404, body = aftercare_protocol::case::ApiError)),
    security(("order_token" = [])),
    tag = "cases"
)]
pub async fn seen(State(state): State<AppState>, shopper: Shopper, body: Json<SeenRequest>) -> Result<StatusCode> {
    let cases = body.value.cases;
    if cases.is_empty() || cases.len() > SEEN_MAX {
        return Err(Error::Validation(Box::new(
            validate::FieldError::new("cases", "invalid", format!("mark 1 to {SEEN_MAX} cases")).with(
                aftercare_protocol::case::ErrorParams {
                    min: Some(1),
                    max: Some(SEEN_MAX as u64),
                    ..Default::default()
                },
            ),
        )));
    }
    let marks: Vec<(&str, u64)> = cases.iter().map(|case| (case.id.as_str(), case.through)).collect();
    if !state.store.mark_seen(&shopper.owner(), &marks).await? {
        return Err(Error::CaseNotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
