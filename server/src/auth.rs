//! Order tokens: JWTs that a merchant's own server mints for one shopper and one order.
//!
//! HS256 only (the algorithm is pinned: `none` and every other algorithm are refused),
//! `kid` names the merchant key, and the claims bind the token to (merchant `iss`,
//! shopper `sub`, `order_id`), with `order` — the signed snapshot the case rules are
//! enforced from. Expiry is checked against the server's injectable clock.

use std::sync::Arc;

use aftercare_protocol::order::OrderSnapshot;
use aftercare_protocol::staff::StaffMember;
use aftercare_protocol::time::Timestamp;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::merchants::{Merchant, Merchants, SigningKey};
use crate::staff::Session;
use crate::store::Owner;
use crate::AppState;

pub const AUDIENCE: &str = "aftercare";
/// Tokens issued a little in the future (clock skew between servers) are accepted.
const ISSUED_AT_SKEW_MS: i64 = 60_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub order_id: String,
    pub order: OrderSnapshot,
    /// Seconds since the epoch, as RFC 7519 says.
    pub iat: i64,
    pub exp: i64,
    /// Not before (optional), honoured with the same skew as `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
}

/// Signs a token for `shopper` and `order` with `key`, valid for `ttl_secs` from `now`.
pub fn mint(
    merchant: &Merchant,
    key: &SigningKey,
    shopper: &str,
    order: OrderSnapshot,
    now: Timestamp,
    ttl_secs: i64,
) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    let iat = now.0.div_euclid(1000);
    let claims = Claims {
        iss: merchant.id.clone(),
        aud: AUDIENCE.to_owned(),
        sub: shopper.to_owned(),
        order_id: order.order_id.clone(),
        order,
        iat,
        exp: iat + ttl_secs,
        nbf: None,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&key.secret())).expect("HS256 signing cannot fail")
}

/// Verifies a token: signature (constant time), algorithm, key, issuer, audience,
/// expiry at `now`, and that the snapshot is for the token's `order_id`.
pub fn verify(token: &str, merchants: &Merchants, now: Timestamp) -> Result<(Arc<Merchant>, Claims), Error> {
    let invalid = |why: &str| Error::OrderTokenInvalid(why.to_owned());
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
    if header.alg != Algorithm::HS256 {
        return Err(invalid("only HS256 tokens are accepted"));
    }
    let kid = header.kid.ok_or_else(|| invalid("the header names no key (kid)"))?;
    let (merchant, key) = merchants.by_kid(&kid).ok_or_else(|| invalid("unknown signing key"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[merchant.id.as_str()]);
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    // Expiry is checked below, against the server's own clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&key.secret()), &validation).map_err(
        |error| {
            use jsonwebtoken::errors::ErrorKind;
            match error.kind() {
                ErrorKind::InvalidSignature => invalid("bad signature"),
                ErrorKind::InvalidIssuer => invalid("issuer does not match the signing key's merchant"),
                ErrorKind::InvalidAudience => invalid("audience must be \"aftercare\""),
                ErrorKind::InvalidAlgorithm => invalid("only HS256 tokens are accepted"),
                ErrorKind::MissingRequiredClaim(claim) => invalid(&format!("missing claim {claim}")),
                _ => invalid("claims are malformed"),
            }
        },
    )?;
    let claims = data.claims;
    let now_secs = now.0.div_euclid(1000);
    if now_secs >= claims.exp {
        return Err(Error::OrderTokenExpired);
    }
    // Times from the token are the sender's: saturating, so a huge one cannot overflow.
    let not_before_ms = now.0.saturating_add(ISSUED_AT_SKEW_MS);
    if claims.iat.saturating_mul(1000) > not_before_ms {
        return Err(invalid("issued in the future"));
    }
    if claims.nbf.is_some_and(|nbf| nbf.saturating_mul(1000) > not_before_ms) {
        return Err(invalid("not valid yet (nbf)"));
    }
    if claims.order.order_id != claims.order_id {
        return Err(invalid("the order snapshot is for another order"));
    }
    if claims.sub.is_empty() || claims.sub.len() > 128 || claims.order_id.is_empty() || claims.order_id.len() > 64 {
        return Err(invalid("sub and order_id must be 1 to 128 / 64 characters"));
    }
    // They become database keys and show in merchants' views: no NUL, controls or bidi.
    let visible = |text: &str| !text.chars().any(aftercare_protocol::validate::forbidden_in_name);
    if !visible(&claims.sub) || !visible(&claims.order_id) || !claims.order.item_ids.iter().all(|id| visible(id)) {
        return Err(invalid("sub, order_id and item ids must not hold control or text-direction characters"));
    }
    Ok((merchant.clone(), claims))
}

/// A verified shopper: every shopper route takes this, so none can run without a
/// valid token — and a request from a browser must come from one of the token's
/// merchant's allowed origins.
pub struct Shopper {
    pub merchant: Arc<Merchant>,
    pub claims: Claims,
}

impl Shopper {
    /// Whose cases and uploads these are: the token's (merchant, order, shopper).
    pub fn owner(&self) -> Owner {
        Owner {
            merchant_id: self.merchant.id.clone(),
            order_id: self.claims.order_id.clone(),
            shopper_id: self.claims.sub.clone(),
        }
    }
}

impl FromRequestParts<AppState> for Shopper {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(Error::OrderTokenMissing)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(Error::OrderTokenMissing)?;
        let (merchant, claims) = verify(token, &state.merchants, state.clock.now())?;
        if let Some(origin) = parts.headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            if !merchant.allows(origin) {
                return Err(Error::OriginNotAllowed(origin.to_owned()));
            }
        }
        Ok(Shopper { merchant, claims })
    }
}

/// The bearer credential of a request, if well formed.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// How a merchant's API keys begin (`aftercare-server api-key --merchant …`).
pub const MERCHANT_KEY_PREFIX: &str = "acm_";
/// How platform keys begin (`aftercare-server api-key --platform`).
pub const PLATFORM_KEY_PREFIX: &str = "acp_";

/// The hash an API key is stored under (keys themselves are never stored).
pub fn api_key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A request from a merchant's server, authenticated by one of its API keys
/// (`aftercare-server api-key --merchant <id>`), or from one of its staff in the
/// console (a session cookie; writes with the CSRF token). Only that merchant's cases
/// are reachable through it.
pub struct MerchantKey {
    pub merchant: Arc<Merchant>,
    /// The staff member, when the request comes from the console.
    pub staff: Option<StaffMember>,
}

impl FromRequestParts<AppState> for MerchantKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(key) = bearer(parts) else {
            let session = Session::of(parts, state).await?.ok_or(Error::ApiKeyMissing)?;
            let member = session.stored.member;
            let id = member.merchant_id.as_deref().ok_or(Error::WrongDesk)?;
            let merchant = state.merchants.get(id).cloned().ok_or(Error::SessionExpired)?;
            return Ok(MerchantKey { merchant, staff: Some(member) });
        };
        match state.store.api_key_owner(&api_key_hash(key)).await? {
            Some(Some(id)) => Ok(MerchantKey {
                merchant: state.merchants.get(&id).cloned().ok_or(Error::ApiKeyInvalid)?,
                staff: None,
            }),
            // A platform key is not a merchant key.
            Some(None) => Err(Error::ApiKeyWrongScope),
            None => Err(Error::ApiKeyInvalid),
        }
    }
}

/// A request from the platform (the marketplace operator who rules on escalations),
/// authenticated by a platform key (`aftercare-server api-key --platform`), or from one
/// of its arbiters in the console (a session cookie; writes with the CSRF token).
pub struct PlatformKey {
    /// The arbiter, when the request comes from the console: they reach the cases that
    /// were ever escalated, where a platform key reaches every case.
    pub staff: Option<StaffMember>,
}

impl FromRequestParts<AppState> for PlatformKey {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(key) = bearer(parts) else {
            let session = Session::of(parts, state).await?.ok_or(Error::ApiKeyMissing)?;
            let member = session.stored.member;
            if !member.is_platform() {
                return Err(Error::WrongDesk);
            }
            return Ok(PlatformKey { staff: Some(member) });
        };
        match state.store.api_key_owner(&api_key_hash(key)).await? {
            Some(None) => Ok(PlatformKey { staff: None }),
            Some(Some(_)) => Err(Error::ApiKeyWrongScope),
            None => Err(Error::ApiKeyInvalid),
        }
    }
}

/// Whoever sends evidence through the tus endpoint — a shopper with an order token, a
/// merchant's systems with one of its API keys (`acm_…`) or its staff in the console,
/// or the platform with a platform key (`acp_…`) or an arbiter — as the owner of what
/// they upload. Only the owner can resume, read, delete or attach an upload.
pub struct Uploader(pub Owner);

impl FromRequestParts<AppState> for Uploader {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Uploader(match bearer(parts) {
            Some(key) if key.starts_with(MERCHANT_KEY_PREFIX) => {
                Owner::seller(&MerchantKey::from_request_parts(parts, state).await?.merchant.id)
            }
            Some(key) if key.starts_with(PLATFORM_KEY_PREFIX) => {
                PlatformKey::from_request_parts(parts, state).await?;
                Owner::platform()
            }
            None if crate::staff::session_cookie(&parts.headers).is_some() => {
                let session = Session::of(parts, state).await?.ok_or(Error::SessionMissing)?;
                match &session.stored.member.merchant_id {
                    Some(merchant_id) => Owner::seller(merchant_id),
                    None => Owner::platform(),
                }
            }
            _ => Shopper::from_request_parts(parts, state).await?.owner(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_protocol::order::OrderState;

    fn setup() -> (Merchants, Arc<Merchant>) {
        use crate::merchants::tests::merchant_with_secret;
        let merchants = Merchants::new(vec![
            merchant_with_secret("acme", "acme-1", "11"),
            merchant_with_secret("other", "other-1", "22"),
        ])
        .unwrap();
        let acme = merchants.get("acme").unwrap().clone();
        (merchants, acme)
    }

    fn snapshot(order_id: &str) -> OrderSnapshot {
        OrderSnapshot {
            order_id: order_id.into(),
            item_ids: vec!["a".into()],
            state: Some(OrderState::Delivered),
            delivered_at: None,
            prices: Vec::new(),
        }
    }

    const NOW: Timestamp = Timestamp(1_764_316_800_000);

    #[test]
    fn a_minted_token_verifies_until_it_expires() {
        let (merchants, acme) = setup();
        let token = mint(&acme, &acme.keys[0], "shopper-1", snapshot("o-1"), NOW, 1800);
        let (merchant, claims) = verify(&token, &merchants, NOW).unwrap();
        assert_eq!((merchant.id.as_str(), claims.sub.as_str(), claims.order_id.as_str()), ("acme", "shopper-1", "o-1"));
        assert!(verify(&token, &merchants, Timestamp(NOW.0 + 1_799_999)).is_ok());
        assert!(matches!(verify(&token, &merchants, Timestamp(NOW.0 + 1_800_000)), Err(Error::OrderTokenExpired)));
        assert!(matches!(verify(&token, &merchants, Timestamp(NOW.0 - 120_000)), Err(Error::OrderTokenInvalid(_))));
    }

    #[test]
    fn forged_tokens_are_refused() {
        let (merchants, acme) = setup();
        let other = merchants.get("other").unwrap().clone();
        // Signed with another merchant's key but claiming acme.
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("other-1".into());
        let claims = Claims {
            iss: "acme".into(),
            aud: AUDIENCE.into(),
            sub: "s".into(),
            order_id: "o-1".into(),
            order: snapshot("o-1"),
            iat: NOW.0 / 1000,
            exp: NOW.0 / 1000 + 60,
            nbf: None,
            jti: "j".into(),
        };
        let cross = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&other.keys[0].secret())).unwrap();
        assert!(matches!(verify(&cross, &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m.contains("issuer")));

        // Tampered payload: signature no longer matches.
        let token = mint(&acme, &acme.keys[0], "s", snapshot("o-1"), NOW, 60);
        let parts: Vec<&str> = token.split('.').collect();
        let mut forged_claims = claims.clone();
        forged_claims.order_id = "o-2".into();
        forged_claims.order = snapshot("o-2");
        let payload = base64_url(&serde_json::to_vec(&forged_claims).unwrap());
        let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        assert!(matches!(verify(&tampered, &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m == "bad signature"));

        // alg: none, and HS512.
        let none = format!("{}.{}.", base64_url(br#"{"alg":"none","kid":"acme-1","typ":"JWT"}"#), parts[1]);
        assert!(matches!(verify(&none, &merchants, NOW), Err(Error::OrderTokenInvalid(_))));
        let mut hs512 = Header::new(Algorithm::HS512);
        hs512.kid = Some("acme-1".into());
        let strong = jsonwebtoken::encode(&hs512, &claims, &EncodingKey::from_secret(&acme.keys[0].secret())).unwrap();
        assert!(matches!(verify(&strong, &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m.contains("HS256")));

        // Snapshot for another order than the claim.
        let mut mismatch = claims.clone();
        mismatch.order = snapshot("o-9");
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("acme-1".into());
        let token =
            jsonwebtoken::encode(&header, &mismatch, &EncodingKey::from_secret(&acme.keys[0].secret())).unwrap();
        assert!(matches!(verify(&token, &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m.contains("snapshot")));

        assert!(matches!(verify("not-a-token", &merchants, NOW), Err(Error::OrderTokenInvalid(_))));

        // nbf in the future (past the skew) is refused; within the skew, accepted.
        let sign = |claims: &Claims| {
            jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(&acme.keys[0].secret())).unwrap()
        };
        let early = Claims { nbf: Some(NOW.0 / 1000 + 3600), ..claims.clone() };
        assert!(
            matches!(verify(&sign(&early), &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m.contains("nbf"))
        );
        let skewed = Claims { nbf: Some(NOW.0 / 1000 + 5), ..claims.clone() };
        assert!(verify(&sign(&skewed), &merchants, NOW).is_ok());
        // Times that overflow when turned into milliseconds: refused, no panic.
        let huge = Claims { iat: i64::MAX, nbf: Some(i64::MAX), ..claims.clone() };
        assert!(matches!(verify(&sign(&huge), &merchants, NOW), Err(Error::OrderTokenInvalid(_))));
        // A NUL in the shopper id (a database key): refused before any query.
        let nul = Claims { sub: "s\0hopper".into(), ..claims.clone() };
        assert!(
            matches!(verify(&sign(&nul), &merchants, NOW), Err(Error::OrderTokenInvalid(m)) if m.contains("control"))
        );
    }

    fn base64_url(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
