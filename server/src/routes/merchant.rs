//! The merchant API, for the merchant's own systems (`Authorization: Bearer <merchant
//! API key>`): list and read its cases — never another merchant's — with expiring
//! links to their files, and drive them through the lifecycle: accept (with where the
//! item goes back), refuse (with a reason), offer something else (another resolution
//! or a partial refund), write messages, answer an evidence round, appeal a ruling,
//! confirm the return's receipt, record the refund, record the replacement's
//! shipment, mark resolved. Every state change is a
//! transition of the protocol's lifecycle; an illegal one is a 409.

use aftercare_protocol::case::{
    AcceptRequest, Actor, Case, CaseDetail, CasePage, CaseState, MessageRequest, NewMessage, NoteRequest, Offer,
    OfferRequest, ProblemType, Refund, RefuseRequest, ReturnInstructions, Shipment,
};
use aftercare_protocol::lifecycle::Action;
use aftercare_protocol::staff::{search_key, Queue, QueueTab};
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::validate;
use aftercare_protocol::webhook::WebhookDeliveryPage;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::auth::MerchantKey;
use crate::cases::{self, Change, Party, Request};
use crate::error::{first_error, Error, Result};
use crate::extract::{IdempotencyKey, IfMatch, Json, Query};
use crate::store::{webhooks, CaseFilter, View};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/merchant/cases", get(list))
        .route("/v1/merchant/queue", get(queue))
        .route("/v1/merchant/cases/{id}", get(read))
        .route("/v1/merchant/cases/{id}/accept", post(accept))
        .route("/v1/merchant/cases/{id}/refuse", post(refuse))
        .route("/v1/merchant/cases/{id}/reply", post(reply))
        .route("/v1/merchant/cases/{id}/messages", post(message))
        .route("/v1/merchant/cases/{id}/offer", post(offer))
        .route("/v1/merchant/cases/{id}/evidence", post(evidence))
        .route("/v1/merchant/cases/{id}/appeal", post(appeal))
        .route("/v1/merchant/cases/{id}/confirm-receipt", post(confirm_receipt))
        .route("/v1/merchant/cases/{id}/refund", post(refund))
        .route("/v1/merchant/cases/{id}/replacement-shipment", post(replacement_shipment))
        .route("/v1/merchant/cases/{id}/resolve", post(resolve))
        .route("/v1/merchant/webhook-deliveries", get(deliveries))
}

/// Page sizes: default and most.
const PAGE: u32 = 50;
const PAGE_MAX: u32 = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases of this problem type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub problem_type: Option<ProblemType>,
    /// Only cases for this order.
    pub order: Option<String>,
    /// Filed at or after (RFC 3339).
    pub from: Option<Timestamp>,
    /// Filed before (RFC 3339).
    pub to: Option<Timestamp>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub(crate) fn page_limit(limit: Option<u32>) -> Result<u32> {
    match limit.unwrap_or(PAGE) {
        limit @ 1..=PAGE_MAX => Ok(limit),
        _ => Err(Error::BadRequest(format!("`limit` must be 1 to {PAGE_MAX}"))),
    }
}

pub(crate) fn parse_cursor(cursor: Option<&str>) -> Result<Option<(i64, String)>> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || Error::BadRequest("`cursor` is not one this API gave out".into());
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    Ok(Some((at.parse().map_err(|_| bad())?, id.to_owned())))
}

impl CaseQuery {
    pub(crate) fn filter(self, merchant_id: Option<String>) -> Result<CaseFilter> {
        Ok(CaseFilter {
            merchant_id,
            state: self.state,
            problem_type: self.problem_type,
            order_id: self.order,
            created_from: self.from,
            created_before: self.to,
            after: parse_cursor(self.cursor.as_deref())?,
            limit: page_limit(self.limit)?,
            ever_escalated: false,
            oldest_first: false,
            appealed: false,
        })
    }
}

/// The merchant's cases, newest first.
#[utoipa::path(
    get,
    path = "/v1/merchant/cases",
    params(CaseQuery),
    responses(
        (status = 200, body = CasePage),
        (status = 401, description = "Missing or unknown API key", body = aftercare_protocol::case::ApiError),
        (status = 403, description = "A platform key", body = aftercare_protocol::case::ApiError),
    ),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn list(
    State(state): State<AppState>,
    key: MerchantKey,
    Query(query): Query<CaseQuery>,
) -> Result<axum::Json<CasePage>> {
    let filter = query.filter(Some(key.merchant.id.clone()))?;
    let terms = key.merchant.terms();
    let view = View { viewer: Actor::Seller, now: state.clock.now() };
    let (cases, next_cursor) = state.store.search(&filter, |_| Some(terms), view).await?;
    Ok(axum::Json(CasePage { cases, next_cursor }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Default `new`.
    pub tab: Option<QueueTab>,
    /// An order id, a case number, the shopper's phone or a tracking number (or part of
    /// one; spaces and dashes do not matter).
    pub q: Option<String>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The console's queue: one tab's cases, nearest deadline first, and every tab's count
/// (both under the search, if any).
#[utoipa::path(
    get,
    path = "/v1/merchant/queue",
    params(QueueQuery),
    responses((status = 200, body = Queue)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn queue(
    State(state): State<AppState>,
    key: MerchantKey,
    Query(query): Query<QueueQuery>,
) -> Result<axum::Json<Queue>> {
    let tab = query.tab.unwrap_or(QueueTab::New);
    let search = query.q.as_deref().map(search_key).filter(|key| !key.is_empty());
    if search.as_ref().is_some_and(|key| key.chars().count() > 64) {
        return Err(Error::BadRequest("`q` must be at most 64 characters".into()));
    }
    let after = parse_cursor(query.cursor.as_deref())?;
    let view = View { viewer: Actor::Seller, now: state.clock.now() };
    let (cases, counts, next_cursor) =
        state.store.queue(&key.merchant, tab, search.as_deref(), after, page_limit(query.limit)?, view).await?;
    Ok(axum::Json(Queue { tab, counts, cases, next_cursor }))
}

/// A case with its history, who filed it, and expiring links to its files.
pub(crate) async fn detail(state: &AppState, id: &str, viewer: Actor, merchant_id: Option<&str>) -> Result<Response> {
    let now = state.clock.now();
    let merchants = state.merchants.clone();
    let view = View { viewer, now };
    let (mut case, merchant_id, shopper_id) =
        state.store.detail(id, merchant_id, |m| merchants.get(m).map(|m| m.terms()), view).await?;
    state.uploads.sign_media(&mut case, now);
    let media_links = state.uploads.links(&case.media, now);
    let etag = cases::etag(case.version);
    let mut response = axum::Json(CaseDetail { case, merchant_id, shopper_id, media_links }).into_response();
    response.headers_mut().insert(axum::http::header::ETAG, etag);
    Ok(response)
}

/// One of the merchant's cases.
#[utoipa::path(
    get,
    path = "/v1/merchant/cases/{id}",
    params(("id" = String, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, description = "No such case for this merchant", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn read(State(state): State<AppState>, key: MerchantKey, Path(id): Path<String>) -> Result<Response> {
    detail(&state, &id, Actor::Seller, Some(&key.merchant.id)).await
}

fn optional_message(key: &MerchantKey, message: Option<String>) -> Result<Option<String>> {
    let message = message.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    if let Some(message) = &message {
        first_error(validate::message("message", message, &key.merchant.rules))?;
    }
    Ok(message)
}

fn required_message(key: &MerchantKey, message: &str) -> Result<String> {
    first_error(validate::message("message", message, &key.merchant.rules))?;
    Ok(message.trim().to_owned())
}

/// What every write of the merchant API takes besides its body: the key, the case, its
/// `If-Match` version and an optional `Idempotency-Key`.
pub struct Write {
    state: AppState,
    key: MerchantKey,
    id: String,
    version: IfMatch,
    idempotency: Option<IdempotencyKey>,
}

impl Write {
    fn party(&self) -> Party {
        Party::Seller { merchant: self.key.merchant.clone(), staff: self.key.staff.as_ref().map(|s| s.name.clone()) }
    }

    async fn send(self, change: Change, message: Option<String>, body: serde_json::Value) -> Result<Response> {
        let request = Request { change, message, media: Vec::new(), refusal_reason: None, body };
        self.send_request(request).await
    }

    async fn send_request(self, request: Request) -> Result<Response> {
        let party = self.party();
        let case = cases::act(&self.state, &party, &self.id, self.version, self.idempotency, request).await?;
        Ok(cases::respond(&self.state, StatusCode::OK, case))
    }

    /// The case as the seller sees it now, for checks against what it holds (the price
    /// paid, what was agreed). The write still names its version, so the case cannot
    /// change between the check and the write.
    async fn case(&self) -> Result<Case> {
        cases::view(&self.state, &self.party(), &self.id).await
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Write
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self> {
        use axum::extract::FromRef;
        let app = AppState::from_ref(state);
        let key = <MerchantKey as axum::extract::FromRequestParts<AppState>>::from_request_parts(parts, &app).await?;
        let Path(id) = <Path<String> as axum::extract::FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        let version = <IfMatch as axum::extract::FromRequestParts<S>>::from_request_parts(parts, state).await?;
        let idempotency = IdempotencyKey::from_headers(&parts.headers)?;
        Ok(Write { state: app, key, id, version, idempotency })
    }
}

fn check_instructions(key: &MerchantKey, instructions: &ReturnInstructions) -> Result<()> {
    let rules = &key.merchant.rules;
    let mut errors = Vec::new();
    errors.extend(validate::message("return_instructions.address", &instructions.address, rules));
    if let Some(text) = &instructions.instructions {
        errors.extend(validate::message("return_instructions.instructions", text, rules));
    }
    first_error(errors)
}

/// Accept the request as filed. A return or an exchange needs `return_instructions`
/// (or the merchant's configured return address).
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/accept",
    params(("id" = String, Path)),
    request_body = AcceptRequest,
    responses(
        (status = 200, body = Case),
        (status = 409, description = "Not possible in this state", body = aftercare_protocol::case::ApiError),
    ),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn accept(write: Write, body: Json<AcceptRequest>) -> Result<Response> {
    let request = body.value;
    if let Some(instructions) = &request.return_instructions {
        check_instructions(&write.key, instructions)?;
    }
    let message = optional_message(&write.key, request.message)?;
    let action = Action::Accept { return_instructions: request.return_instructions };
    write.send(Change::Step(action), message, body.canonical).await
}

/// Refuse, with one of the merchant's `refusal_reasons` and a message (the shopper may
/// then ask the platform to step in).
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/refuse",
    params(("id" = String, Path)),
    request_body = RefuseRequest,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError), (status = 422, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn refuse(write: Write, body: Json<RefuseRequest>) -> Result<Response> {
    let message = required_message(&write.key, &body.value.message)?;
    let reasons = &write.key.merchant.refusal_reasons;
    let Some(reason) = reasons.iter().find(|r| r.code == body.value.reason) else {
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        return Err(Error::Validation(Box::new(
            validate::FieldError::new(
                "reason",
                "unknown_refusal_reason",
                "is not one of this merchant's refusal reasons",
            )
            .allowing(&codes),
        )));
    };
    let mut request = Request::new(Action::Refuse, Some(message), body.canonical).with_media(body.value.media);
    request.refusal_reason = Some(reason.clone());
    write.send_request(request).await
}

/// Offer the shopper something else: another resolution, or a partial refund (at most
/// the price paid, `paid`), saying why. The shopper accepts or declines.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/offer",
    params(("id" = String, Path)),
    request_body = OfferRequest,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError), (status = 422, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn offer(write: Write, body: Json<OfferRequest>) -> Result<Response> {
    let request = body.value;
    let message = required_message(&write.key, &request.message)?;
    let case = write.case().await?;
    first_error(validate::settlement(
        "",
        request.resolution,
        request.amount.as_ref(),
        case.resolution,
        case.paid.as_ref(),
        true,
    ))?;
    if let Some(instructions) = &request.return_instructions {
        check_instructions(&write.key, instructions)?;
    }
    let offer = Offer {
        resolution: request.resolution,
        amount: request.amount,
        return_instructions: request.return_instructions,
    };
    let action = Action::CounterOffer(offer);
    write.send_request(Request::new(action, Some(message), body.canonical).with_media(request.media)).await
}

/// Write to the shopper: an event in the case's history, no change of state (the same
/// as `messages` without files).
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/reply",
    params(("id" = String, Path)),
    request_body = MessageRequest,
    responses((status = 200, body = Case), (status = 409, description = "The case is over", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn reply(write: Write, body: Json<MessageRequest>) -> Result<Response> {
    let message = required_message(&write.key, &body.value.message)?;
    write.send(Change::Message, Some(message), body.canonical).await
}

/// A message into the case's history; no change of state.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/messages",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "The case is over", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn message(write: Write, body: Json<NewMessage>) -> Result<Response> {
    first_error(validate::new_message(&body.value, &write.key.merchant.rules))?;
    let request = Request::message(body.value.message.trim().to_owned(), body.value.media, body.canonical);
    write.send_request(request).await
}

/// The seller's answer to the platform's request for evidence.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/evidence",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "No evidence asked of the seller", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn evidence(write: Write, body: Json<NewMessage>) -> Result<Response> {
    first_error(validate::new_message(&body.value, &write.key.merchant.rules))?;
    let message = Some(body.value.message.trim().to_owned());
    let request = Request::new(Action::SubmitEvidence, message, body.canonical).with_media(body.value.media);
    write.send_request(request).await
}

/// Appeal a ruling for the shopper, once, within the appeal window.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/appeal",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "Not open to appeal by the seller", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn appeal(write: Write, body: Json<NewMessage>) -> Result<Response> {
    first_error(validate::new_message(&body.value, &write.key.merchant.rules))?;
    let message = Some(body.value.message.trim().to_owned());
    let request = Request::new(Action::Appeal, message, body.canonical).with_media(body.value.media);
    write.send_request(request).await
}

/// The returned item arrived.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/confirm-receipt",
    params(("id" = String, Path)),
    request_body = NoteRequest,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn confirm_receipt(write: Write, body: Json<NoteRequest>) -> Result<Response> {
    let message = optional_message(&write.key, body.value.message)?;
    write.send(Change::Step(Action::ConfirmReceipt), message, body.canonical).await
}

/// The refund was paid.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/refund",
    params(("id" = String, Path)),
    request_body = Refund,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError), (status = 422, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn refund(write: Write, body: Json<Refund>) -> Result<Response> {
    first_error(validate::refund(&body.value))?;
    // At most what was agreed (a partial refund), or else the price paid, where known.
    let case = write.case().await?;
    let cap = case.settlement.as_ref().and_then(|s| s.amount.as_ref()).or(case.paid.as_ref());
    if cap.is_some() {
        first_error(validate::amount_within("amount", &body.value.amount, cap))?;
    }
    let refund = body.value;
    let message = refund.amount.to_string();
    write.send(Change::Step(Action::PayRefund(refund)), Some(message), body.canonical).await
}

/// The replacement (exchange or reshipment) is on its way.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/replacement-shipment",
    params(("id" = String, Path)),
    request_body = Shipment,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError), (status = 422, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn replacement_shipment(write: Write, body: Json<Shipment>) -> Result<Response> {
    first_error(validate::shipment(&body.value))?;
    let shipment = Shipment {
        carrier: body.value.carrier.trim().into(),
        tracking_number: body.value.tracking_number.trim().into(),
    };
    write.send(Change::Step(Action::ShipReplacement(shipment)), None, body.canonical).await
}

/// Settled another way (say how); only once the request is being carried out.
#[utoipa::path(
    post,
    path = "/v1/merchant/cases/{id}/resolve",
    params(("id" = String, Path)),
    request_body = MessageRequest,
    responses((status = 200, body = Case), (status = 409, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn resolve(write: Write, body: Json<MessageRequest>) -> Result<Response> {
    let message = required_message(&write.key, &body.value.message)?;
    write.send(Change::Step(Action::Resolve), Some(message), body.canonical).await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only deliveries about this case.
    pub case: Option<String>,
    /// 1 to 200; default 50.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The webhook delivery log, newest first.
#[utoipa::path(
    get,
    path = "/v1/merchant/webhook-deliveries",
    params(DeliveryQuery),
    responses((status = 200, body = WebhookDeliveryPage)),
    security(("api_key" = [])),
    tag = "merchant"
)]
pub async fn deliveries(
    State(state): State<AppState>,
    key: MerchantKey,
    Query(query): Query<DeliveryQuery>,
) -> Result<axum::Json<WebhookDeliveryPage>> {
    let after = parse_cursor(query.cursor.as_deref())?;
    let (deliveries, next_cursor) =
        webhooks::list(state.store.pool(), &key.merchant.id, query.case.as_deref(), after, page_limit(query.limit)?)
            .await?;
    Ok(axum::Json(WebhookDeliveryPage { deliveries, next_cursor }))
}
