//! Staff sign-in for the console: `POST /v1/staff/sign-in` starts a session (the
//! cookie), `GET /v1/staff/session` tells the console who is signed in, their CSRF
//! token and their desk (the merchant's refusal reasons, return address and canned
//! replies), `POST /v1/staff/sign-out` ends this session and
//! `POST /v1/staff/sign-out-everywhere` every session of the account. A signed-in
//! seller then works `/v1/merchant/…` and an arbiter `/v1/platform/…` with the cookie.

use aftercare_protocol::staff::{MerchantDesk, SignInRequest, StaffMember, StaffSession};
use aftercare_protocol::time::Timestamp;
use axum::extract::{FromRequestParts, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::{Error, Result};
use crate::extract::Json;
use crate::staff::{self, Session};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/staff/sign-in", post(sign_in))
        .route("/v1/staff/session", get(session))
        .route("/v1/staff/sign-out", post(sign_out))
        .route("/v1/staff/sign-out-everywhere", post(sign_out_everywhere))
        .route("/v1/staff/events", get(crate::live::events))
}

/// The client address (behind a trusted proxy, the one it names), for the sign-in limit.
pub struct Peer(Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for Peer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        Ok(Peer(crate::ratelimit::client_address(state, staff::peer(parts), &parts.headers)))
    }
}

async fn answer(
    state: &AppState,
    member: StaffMember,
    csrf_token: String,
    expires_at: Timestamp,
) -> Result<StaffSession> {
    let merchant = member.merchant_id.as_deref().and_then(|id| state.merchants.get(id));
    let desk = match merchant {
        Some(merchant) => Some(MerchantDesk {
            merchant_id: merchant.id.clone(),
            merchant_name: merchant.name.clone(),
            refusal_reasons: merchant.refusal_reasons.clone(),
            return_address: merchant.return_address.clone(),
            canned_replies: state
                .store
                .canned_replies(&merchant.id, &merchant.canned_replies, state.clock.now())
                .await?,
        }),
        None => None,
    };
    Ok(StaffSession { staff: member, csrf_token, expires_at, desk })
}

/// Sign in with email and password: the session's cookie (HttpOnly, SameSite=Strict,
/// Secure except on loopback) and the session. An unknown email, a wrong password and
/// a locked account (5 wrong passwords in a row lock it for 15 minutes) get the same
/// `sign_in_failed`; attempts are limited per address.
#[utoipa::path(
    post,
    path = "/v1/staff/sign-in",
    request_body = SignInRequest,
    responses(
        (status = 200, body = StaffSession, headers(("set-cookie" = String, description = "The session cookie"))),
        (status = 401, description = "`sign_in_failed`", body = aftercare_protocol::case::ApiError),
        (status = 429, description = "Too many attempts from this address", body = aftercare_protocol::case::ApiError),
    ),
    tag = "staff"
)]
pub async fn sign_in(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: Json<SignInRequest>,
) -> Result<Response> {
    if let Some(ip) = peer {
        state.sign_in_limit.check(ip).map_err(|wait| Error::RateLimited(wait.as_secs() + 1))?;
    }
    let member = staff::sign_in(&state, &body.value.email, &body.value.password).await?;
    let token = staff::random_token()?;
    let csrf_token = staff::random_token()?;
    let now = state.clock.now();
    let expires_at =
        state.store.start_session(&member.id, &staff::token_hash(&token), &csrf_token, state.sessions, now).await?;
    tracing::info!(staff = %member.id, "staff signed in");
    let cookie = staff::set_cookie(&headers, &token, state.sessions.absolute_ms / 1000);
    let mut response = axum::Json(answer(&state, member, csrf_token, expires_at).await?).into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| Error::internal("cookie", e))?);
    Ok(response)
}

/// Who is signed in: the session (`session_missing` without the cookie,
/// `session_expired` once it has ended).
#[utoipa::path(
    get,
    path = "/v1/staff/session",
    responses(
        (status = 200, body = StaffSession),
        (status = 401, description = "`session_missing` or `session_expired`", body = aftercare_protocol::case::ApiError),
    ),
    tag = "staff"
)]
pub async fn session(State(state): State<AppState>, session: Session) -> Result<axum::Json<StaffSession>> {
    let expires_at = session.expires_at();
    let stored = session.stored;
    Ok(axum::Json(answer(&state, stored.member, stored.csrf_token, expires_at).await?))
}

fn signed_out(headers: &HeaderMap) -> Result<Response> {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cookie = HeaderValue::from_str(&staff::clear_cookie(headers)).map_err(|e| Error::internal("cookie", e))?;
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Ends this session (needs `X-CSRF-Token`).
#[utoipa::path(
    post,
    path = "/v1/staff/sign-out",
    responses((status = 204, description = "Signed out; the cookie is cleared"), (status = 403, description = "`csrf_token_invalid`", body = aftercare_protocol::case::ApiError)),
    tag = "staff"
)]
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap, session: Session) -> Result<Response> {
    state.store.end_session(&session.token_hash).await?;
    signed_out(&headers)
}

/// Ends every session of the signed-in account, on every device (needs `X-CSRF-Token`).
#[utoipa::path(
    post,
    path = "/v1/staff/sign-out-everywhere",
    responses((status = 204, description = "Every session ended; the cookie is cleared"), (status = 403, description = "`csrf_token_invalid`", body = aftercare_protocol::case::ApiError)),
    tag = "staff"
)]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Session,
) -> Result<Response> {
    let ended = state.store.end_sessions_of(&session.member().id).await?;
    tracing::info!(staff = %session.member().id, ended, "staff signed out everywhere");
    signed_out(&headers)
}
