//! The case service: what every route calls to file, view and act on a case. Routes
//! parse HTTP and check a request's own fields; this layer decides who acts, with which
//! version, under which merchant's terms, replays a repeated action, and tells the
//! workers; `store` only persists. Every case leaves here projected for the party
//! asking (`next_actions` are theirs).

use std::sync::Arc;

use aftercare_protocol::case::{Actor, Case, MediaRef, NewCase, RefusalReason};
use aftercare_protocol::lifecycle::Action;
use aftercare_protocol::order::OrderSnapshot;
use aftercare_protocol::validate;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::{first_error, Error, Result};
use crate::extract::{IdempotencyKey, IfMatch};
use crate::merchants::Merchant;
use crate::store::{Created, Message, NewFiling, Owner, Remember, Step, View};
use crate::AppState;

/// Who is acting on a case, and within what they may see.
#[derive(Clone, Debug)]
pub enum Party {
    /// The shopper, on their own order's cases.
    Shopper { merchant: Arc<Merchant>, owner: Owner },
    /// A merchant's systems or staff (`staff`: by name, from the console), on that
    /// merchant's cases.
    Seller { merchant: Arc<Merchant>, staff: Option<String> },
    /// The platform (an arbiter, from the console), on any case: the one whose merchant
    /// this is ([`Party::platform_on`] finds it).
    Platform { merchant: Arc<Merchant>, staff: Option<String> },
}

impl Party {
    pub fn actor(&self) -> Actor {
        match self {
            Party::Shopper { .. } => Actor::Shopper,
            Party::Seller { .. } => Actor::Seller,
            Party::Platform { .. } => Actor::Platform,
        }
    }

    /// The platform, acting on case `id` (of whichever merchant). An arbiter (`key`
    /// from a console session) reaches only a case that was escalated at some time.
    pub async fn platform_on(state: &AppState, id: &str, key: &crate::auth::PlatformKey) -> Result<Party> {
        let merchant_id = state.store.merchant_of(id).await?.ok_or(Error::CaseNotFound)?;
        let merchant = state.merchants.get(&merchant_id).cloned().ok_or(Error::CaseNotFound)?;
        if key.staff.is_some() && !state.store.ever_escalated(id).await? {
            return Err(Error::CaseNotFound);
        }
        Ok(Party::Platform { merchant, staff: key.staff.as_ref().map(|s| s.name.clone()) })
    }

    /// The staff member acting, by name (a console session).
    pub fn staff(&self) -> Option<&str> {
        match self {
            Party::Seller { staff, .. } | Party::Platform { staff, .. } => staff.as_deref(),
            Party::Shopper { .. } => None,
        }
    }

    /// The owner scope every query of the party is limited to (only shoppers have one).
    pub fn owner(&self) -> Option<&Owner> {
        match self {
            Party::Shopper { owner, .. } => Some(owner),
            _ => None,
        }
    }

    /// Who owns the files this party uploads (as `auth::Uploader` finds them).
    pub fn uploader(&self) -> Owner {
        match self {
            Party::Shopper { owner, .. } => owner.clone(),
            Party::Seller { merchant, .. } => Owner::seller(&merchant.id),
            Party::Platform { .. } => Owner::platform(),
        }
    }

    /// The merchant whose cases the party is acting on.
    pub fn merchant(&self) -> &Arc<Merchant> {
        match self {
            Party::Shopper { merchant, .. } | Party::Seller { merchant, .. } | Party::Platform { merchant, .. } => {
                merchant
            }
        }
    }

    /// Whose idempotency keys these are: each party's keys are their own.
    fn key_owner(&self, merchant_id: &str) -> Owner {
        let principal = match self {
            Party::Shopper { owner, .. } => owner.shopper_id.clone(),
            Party::Seller { .. } => "seller".to_owned(),
            Party::Platform { .. } => "platform".to_owned(),
        };
        Owner { merchant_id: merchant_id.to_owned(), order_id: String::new(), shopper_id: principal }
    }
}

/// What a party asks to do: a lifecycle step, or a message that changes no state.
#[derive(Clone, Debug)]
pub enum Change {
    Step(Action),
    Message,
}

/// A change a party asks for.
pub struct Request {
    pub change: Change,
    pub message: Option<String>,
    /// Files sent with it: the shopper's own uploads, checked by [`act`].
    pub media: Vec<MediaRef>,
    /// With a refusal: the merchant's reason.
    pub refusal_reason: Option<RefusalReason>,
    /// The request's JSON, for recognising a repeated `Idempotency-Key`.
    pub body: serde_json::Value,
}

impl Request {
    pub fn new(action: Action, message: Option<String>, body: serde_json::Value) -> Request {
        Request { change: Change::Step(action), message, media: Vec::new(), refusal_reason: None, body }
    }

    /// A message into the history, with files.
    pub fn message(message: String, media: Vec<MediaRef>, body: serde_json::Value) -> Request {
        Request { change: Change::Message, message: Some(message), media, refusal_reason: None, body }
    }

    pub fn with_media(mut self, media: Vec<MediaRef>) -> Request {
        self.media = media;
        self
    }
}

/// A shopper's filing: the idempotency key, the case, and its JSON as sent.
pub struct Filing<'a> {
    pub key: &'a str,
    pub body: &'a NewCase,
    pub canonical: &'a serde_json::Value,
}

/// Files a case for the shopper `owner` of `merchant`, checked against the signed
/// order snapshot: once per idempotency key — a retry with the same body gets the
/// first answer (even if the rules would now say otherwise), another body is refused.
pub async fn file(
    state: &AppState,
    merchant: &Arc<Merchant>,
    owner: &Owner,
    order: &OrderSnapshot,
    filing: Filing<'_>,
) -> Result<Created> {
    let now = state.clock.now();
    let hash = hex::encode(Sha256::digest(filing.canonical.to_string()));
    if let Some(stored) = state.store.find_idempotent(owner, filing.key, &hash, now).await? {
        return Ok(Created::Replayed(stored));
    }
    first_error(validate::new_case(filing.body, order, &merchant.rules, now))?;
    let mut case = filing.body.clone();
    case.media = crate::tus::check_case_media(state, owner, &filing.body.media).await?;
    // Checked by `validate::new_case`: the prices are there and add up, or absent.
    let paid = order.paid_for(&case.item_ids).ok().flatten();
    let new = NewFiling { key: filing.key, request_hash: &hash, case: &case, paid };
    let created = state.store.create_case(owner, new, merchant, now).await?;
    if let Created::New(case) = &created {
        state.live.publish(&merchant.id, case);
    }
    state.wake.webhooks.notify_one();
    Ok(created)
}

/// The case as `party` sees it now.
pub async fn view(state: &AppState, party: &Party, id: &str) -> Result<Case> {
    let view = View { viewer: party.actor(), now: state.clock.now() };
    state.store.get(id, party.owner(), party.merchant().terms(), view).await
}

/// Applies `request` to case `id` for `party`, if the case is still at `version`: the
/// lifecycle decides; a repeated `Idempotency-Key` with the same body gets the first
/// answer (also when the first attempt landed and this one finds the case moved on).
pub async fn act(
    state: &AppState,
    party: &Party,
    id: &str,
    version: IfMatch,
    key: Option<IdempotencyKey>,
    request: Request,
) -> Result<Case> {
    let merchant = party.merchant();
    let now = state.clock.now();
    let remembered = match &key {
        Some(IdempotencyKey(key)) => {
            let hash = hex::encode(Sha256::digest(format!("{id} {}", request.body)));
            let scope = (party.key_owner(&merchant.id), format!("act {id} {key}"), hash);
            if let Some(first) = replay(state, &scope).await? {
                return Ok(first);
            }
            Some(scope)
        }
        None => None,
    };
    let actor = party.actor();
    let mut request = request;
    if !request.media.is_empty() {
        // Each party attaches its own uploads (tus binds them to the sender): complete,
        // of the kind declared, within the case's limits.
        request.media = crate::tus::check_case_media(state, &party.uploader(), &request.media).await?;
    }
    let remember = remembered.as_ref().map(|(owner, key, request_hash)| Remember { owner, key, request_hash });
    let result = match request.change {
        Change::Message => {
            let note = Message {
                id,
                owner: party.owner(),
                merchant,
                actor,
                message: request.message.unwrap_or_default(),
                media: request.media,
                staff: party.staff().map(str::to_owned),
                expected_version: Some(version.0),
                remember,
                now,
            };
            state.store.message(note).await
        }
        Change::Step(action) => {
            let step = Step {
                id,
                owner: party.owner(),
                merchant,
                actor,
                action,
                message: request.message,
                media: request.media,
                refusal_reason: request.refusal_reason,
                staff: party.staff().map(str::to_owned),
                expected_version: Some(version.0),
                remember,
                now,
            };
            state.store.apply(step).await
        }
    };
    let case = match (result, &remembered) {
        (Ok(case), _) => case,
        // A duplicate of an action that landed meanwhile: its answer.
        (Err(Error::VersionMismatch { expected, current }), Some(scope)) => match replay(state, scope).await? {
            Some(first) => return Ok(first),
            None => return Err(Error::VersionMismatch { expected, current }),
        },
        (Err(error), _) => return Err(error),
    };
    state.live.publish(&merchant.id, &case);
    state.wake.webhooks.notify_one();
    state.wake.emails.notify_one();
    Ok(case)
}

async fn replay(state: &AppState, (owner, key, hash): &(Owner, String, String)) -> Result<Option<Case>> {
    let Some(stored) = state.store.find_idempotent(owner, key, hash, state.clock.now()).await? else {
        return Ok(None);
    };
    serde_json::from_str(&stored.body).map(Some).map_err(|e| Error::internal("replaying an action", e))
}

/// A case as an HTTP answer: JSON with the version as its `ETag`.
/// A case as an answer, with its `ETag` and a link to each of its files.
pub fn respond(state: &AppState, status: StatusCode, mut case: Case) -> Response {
    state.uploads.sign_media(&mut case, state.clock.now());
    let version = case.version;
    let mut response = (status, axum::Json(case)).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header value")
}
