//! The platform API, for the marketplace operator who steps in when a shopper asks
//! (`Authorization: Bearer <platform key>`): list escalated cases across merchants
//! with their evidence and history, read one, write to both sides, ask one or both for
//! evidence by a deadline, and rule for the shopper (the case goes on as if the seller
//! had accepted, or as the ruling settles it: e.g. a partial refund) or for the seller
//! (it closes) — after the appeal window, when the merchant allows appeals.

use aftercare_protocol::case::{
    Actor, Case, CaseDetail, CasePage, CaseState, EvidenceRoundRequest, NewMessage, ProblemType, RulingRequest,
};
use aftercare_protocol::lifecycle::Action;
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::validate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::merchant::{detail, page_limit, parse_cursor};
use crate::auth::PlatformKey;
use crate::cases::{self, Party, Request};
use crate::error::{first_error, Error, Result};
use crate::extract::{IdempotencyKey, IfMatch, Json, Query};
use crate::store::{CaseFilter, View};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/platform/cases", get(list))
        .route("/v1/platform/cases/{id}", get(read))
        .route("/v1/platform/cases/{id}/ruling", post(rule))
        .route("/v1/platform/cases/{id}/evidence-round", post(evidence_round))
        .route("/v1/platform/cases/{id}/messages", post(message))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlatformQuery {
    /// Default `escalated`: the cases waiting for a ruling.
    pub state: Option<CaseState>,
    /// Only this merchant's cases.
    pub merchant: Option<String>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub problem_type: Option<ProblemType>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// `oldest` for the longest waiting first (the arbiters' queue); default newest first.
    #[param(inline)]
    pub order: Option<ListOrder>,
    /// `true`: only cases that were appealed (the appeals queue).
    pub appealed: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    Newest,
    Oldest,
}

/// Cases across merchants, newest first (or `order=oldest`); escalated ones unless
/// `state` says otherwise.
#[utoipa::path(
    get,
    path = "/v1/platform/cases",
    params(PlatformQuery),
    responses((status = 200, body = CasePage), (status = 403, description = "A merchant key", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "platform"
)]
pub async fn list(
    State(state): State<AppState>,
    key: PlatformKey,
    Query(query): Query<PlatformQuery>,
) -> Result<axum::Json<CasePage>> {
    let filter = CaseFilter {
        merchant_id: query.merchant,
        state: Some(query.state.unwrap_or(CaseState::Escalated)),
        problem_type: query.problem_type,
        order_id: None,
        created_from: query.from,
        created_before: query.to,
        after: parse_cursor(query.cursor.as_deref())?,
        limit: page_limit(query.limit)?,
        ever_escalated: key.staff.is_some(),
        oldest_first: query.order == Some(ListOrder::Oldest),
        appealed: query.appealed == Some(true),
    };
    let merchants = state.merchants.clone();
    let view = View { viewer: Actor::Platform, now: state.clock.now() };
    let (cases, next_cursor) = state.store.search(&filter, |m| merchants.get(m).map(|m| m.terms()), view).await?;
    Ok(axum::Json(CasePage { cases, next_cursor }))
}

/// One case, any merchant's, with links to its evidence.
#[utoipa::path(
    get,
    path = "/v1/platform/cases/{id}",
    params(("id" = String, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "platform"
)]
pub async fn read(State(state): State<AppState>, key: PlatformKey, Path(id): Path<String>) -> Result<Response> {
    Party::platform_on(&state, &id, &key).await?;
    detail(&state, &id, Actor::Platform, None).await
}

/// Rule on an escalated case.
#[utoipa::path(
    post,
    path = "/v1/platform/cases/{id}/ruling",
    params(("id" = String, Path)),
    request_body = RulingRequest,
    responses(
        (status = 200, body = Case),
        (status = 409, description = "The case is not escalated", body = aftercare_protocol::case::ApiError),
        (status = 422, body = aftercare_protocol::case::ApiError),
    ),
    security(("api_key" = [])),
    tag = "platform"
)]
pub async fn rule(
    State(state): State<AppState>,
    platform: PlatformKey,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<RulingRequest>,
) -> Result<Response> {
    let party = Party::platform_on(&state, &id, &platform).await?;
    let merchant = party.merchant();
    let request = body.value;
    first_error(validate::message("message", &request.message, &merchant.rules))?;
    if let Some(settlement) = &request.settlement {
        if request.in_favour_of != Actor::Shopper {
            return Err(Error::Validation(Box::new(validate::FieldError::new(
                "settlement",
                "settlement_not_allowed",
                "only a ruling for the shopper awards something",
            ))));
        }
        let case = cases::view(&state, &party, &id).await?;
        let (resolution, amount) = (settlement.resolution, settlement.amount.as_ref());
        first_error(validate::settlement(
            "settlement",
            resolution,
            amount,
            case.resolution,
            case.paid.as_ref(),
            false,
        ))?;
    }
    let action = match request.in_favour_of {
        Actor::Shopper => {
            Action::RuleForShopper { settlement: request.settlement, return_instructions: request.return_instructions }
        }
        Actor::Seller => Action::RuleForSeller,
        _ => {
            return Err(Error::Validation(Box::new(
                validate::FieldError::new("in_favour_of", "invalid", "must be `shopper` or `seller`")
                    .allowing(&["shopper", "seller"]),
            )))
        }
    };
    let message = Some(request.message.trim().to_owned());
    let case = cases::act(&state, &party, &id, version, key, Request::new(action, message, body.canonical)).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// Longest evidence round the platform may set, in hours (30 days).
const EVIDENCE_ROUND_MAX_HOURS: u32 = 720;

/// Ask the shopper, the seller or both for evidence and statements by a deadline (the
/// merchant's `evidence_round_hours` unless given). The round ends when everyone asked
/// has answered, or at the deadline; the case then returns to the platform.
#[utoipa::path(
    post,
    path = "/v1/platform/cases/{id}/evidence-round",
    params(("id" = String, Path)),
    request_body = EvidenceRoundRequest,
    responses(
        (status = 200, body = Case),
        (status = 409, description = "The case is not escalated", body = aftercare_protocol::case::ApiError),
        (status = 422, body = aftercare_protocol::case::ApiError),
    ),
    security(("api_key" = [])),
    tag = "platform"
)]
pub async fn evidence_round(
    State(state): State<AppState>,
    platform: PlatformKey,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<EvidenceRoundRequest>,
) -> Result<Response> {
    let party = Party::platform_on(&state, &id, &platform).await?;
    let merchant = party.merchant();
    let request = body.value;
    let mut errors = validate::message("message", &request.message, &merchant.rules);
    let sides = [Actor::Shopper, Actor::Seller];
    let mut from: Vec<Actor> = Vec::new();
    for actor in &request.from {
        if !sides.contains(actor) || from.contains(actor) {
            errors.push(
                validate::FieldError::new("from", "invalid", "ask `shopper`, `seller` or both, each once")
                    .allowing(&["shopper", "seller"]),
            );
            break;
        }
        from.push(*actor);
    }
    if from.is_empty() && errors.is_empty() {
        errors.push(validate::FieldError::new("from", "required", "ask the shopper, the seller or both"));
    }
    let hours = request.due_in_hours.unwrap_or(merchant.deadlines.evidence_round_hours);
    if !(1..=EVIDENCE_ROUND_MAX_HOURS).contains(&hours) {
        errors.push(
            validate::FieldError::new(
                "due_in_hours",
                "out_of_range",
                format!("must be 1 to {EVIDENCE_ROUND_MAX_HOURS}"),
            )
            .with(aftercare_protocol::case::ErrorParams {
                min: Some(1),
                max: Some(u64::from(EVIDENCE_ROUND_MAX_HOURS)),
                ..Default::default()
            }),
        );
    }
    first_error(errors)?;
    let due_at = state.clock.now().plus_hours(hours);
    let action = Action::RequestEvidence { from, due_at };
    let message = Some(request.message.trim().to_owned());
    let case = cases::act(&state, &party, &id, version, key, Request::new(action, message, body.canonical)).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}

/// Write to both sides: a message in the case's history, no change of state.
#[utoipa::path(
    post,
    path = "/v1/platform/cases/{id}/messages",
    params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = Case), (status = 409, description = "The case is over", body = aftercare_protocol::case::ApiError)),
    security(("api_key" = [])),
    tag = "platform"
)]
pub async fn message(
    State(state): State<AppState>,
    platform: PlatformKey,
    Path(id): Path<String>,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    body: Json<NewMessage>,
) -> Result<Response> {
    let party = Party::platform_on(&state, &id, &platform).await?;
    first_error(validate::new_message(&body.value, &party.merchant().rules))?;
    let request = Request::message(body.value.message.trim().to_owned(), body.value.media, body.canonical);
    let case = cases::act(&state, &party, &id, version, key, request).await?;
    Ok(cases::respond(&state, StatusCode::OK, case))
}
