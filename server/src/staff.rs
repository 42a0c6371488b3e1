//! The console's staff: password hashing (argon2id), sign-in with its lock and
//! per-address limit, and the session every console request arrives with — a random
//! token in an HttpOnly, SameSite=Strict cookie (stored as its SHA-256), and a CSRF
//! token every write must repeat in `X-CSRF-Token`.

use std::net::SocketAddr;
use std::sync::LazyLock;

use aftercare_protocol::staff::{StaffMember, StaffRole, CSRF_HEADER, SESSION_COOKIE};
use aftercare_protocol::time::Timestamp;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, HOST};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::staff::StoredSession;
use crate::AppState;

/// Shortest password `staff add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password hashed (longer ones are refused, not truncated).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// An argon2id PHC string for `password` (OWASP's parameters, argon2's defaults).
pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::internal("a password salt", e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::internal("a password salt", e))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::internal("hashing a password", e))
}

/// Whether `password` matches `hash`; a malformed hash matches nothing.
pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Checked against when no account has the email, so an unknown email costs what a
/// wrong password does.
static ABSENT: LazyLock<String> =
    LazyLock::new(|| hash_password("no account has this password").expect("hashing cannot fail"));

/// Emails are kept and looked up trimmed and in ASCII lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// A new random token (32 bytes, hex).
pub fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal("a random token", e))?;
    Ok(hex::encode(bytes))
}

/// What a session token is stored under.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("{0:?} is not an email address")]
    Email(String),
    #[error("the password must be {MIN_PASSWORD_CHARS} characters or more (and at most {MAX_PASSWORD_BYTES} bytes)")]
    Password,
    #[error("the name must be at most 80 characters, without control or text-direction characters")]
    Name,
    #[error("an account with the email {0} exists already")]
    EmailTaken(String),
    #[error("{0}")]
    Failed(#[from] Error),
}

impl From<AddError> for Error {
    /// As an API answer: the field that is wrong.
    fn from(error: AddError) -> Error {
        use aftercare_protocol::validate::FieldError;
        let field = |field: &str, code: &'static str, message: String| {
            Error::Validation(Box::new(FieldError::new(field, code, message)))
        };
        match error {
            AddError::Email(_) => field("email", "invalid_email", error.to_string()),
            AddError::Password => field("password", "too_short", error.to_string()),
            AddError::Name => field("name", "invalid_characters", error.to_string()),
            AddError::EmailTaken(_) => field("email", "email_taken", error.to_string()),
            AddError::Failed(error) => error,
        }
    }
}

/// A new staff account (`aftercare-server staff add`, or an admin in the console): of
/// `merchant_id`, or of the platform with `None`. Checks the email and the password's
/// length; the name defaults to the email's local part.
pub async fn add(
    store: &crate::store::Store,
    merchant_id: Option<&str>,
    email: &str,
    name: Option<&str>,
    role: StaffRole,
    password: &str,
    now: Timestamp,
) -> Result<StaffMember, AddError> {
    let email = normalise_email(email);
    if !aftercare_protocol::validate::email_address(&email) {
        return Err(AddError::Email(email));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AddError::Password);
    }
    let name =
        name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or_else(|| email.split('@').next().unwrap_or(&email));
    if name.chars().count() > 80 || name.chars().any(aftercare_protocol::validate::forbidden_in_name) {
        return Err(AddError::Name);
    }
    let member = StaffMember {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.clone(),
        name: name.to_owned(),
        role,
        merchant_id: merchant_id.map(str::to_owned),
    };
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::internal("hashing a password", e))??;
    match store.add_staff(&member, &hash, now).await? {
        Ok(()) => Ok(member),
        Err(crate::store::staff::EmailTaken) => Err(AddError::EmailTaken(email)),
    }
}

/// Checks `email` and `password` (argon2 on the blocking pool): the account, or
/// `sign_in_failed` — the same answer for an unknown email, a wrong password and a
/// locked account. A wrong password counts towards the lock.
pub async fn sign_in(state: &AppState, email: &str, password: &str) -> Result<StaffMember, Error> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::SignInFailed);
    }
    let account = state.store.staff_by_email(&normalise_email(email)).await?;
    let hash = account.as_ref().map_or_else(|| ABSENT.clone(), |a| a.password_hash.clone());
    let given = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || password_matches(&hash, &given))
        .await
        .map_err(|e| Error::internal("checking a password", e))?;
    let now = state.clock.now();
    let Some(account) = account else { return Err(Error::SignInFailed) };
    if now.0 < account.locked_until {
        return Err(Error::SignInFailed);
    }
    if !matches {
        state.store.record_sign_in_failure(&account.member.id, state.sessions, now).await?;
        return Err(Error::SignInFailed);
    }
    Ok(account.member)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether the request came to a loopback name (a developer's machine, the demo): the
/// only place a session cookie goes without `Secure`, since plain http is all there is.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `Set-Cookie` for a new session (`Secure` except on loopback, where there is no https).
pub fn set_cookie(headers: &HeaderMap, token: &str, max_age_secs: i64) -> String {
    let secure = if loopback_host(headers) { "" } else { "; Secure" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(headers: &HeaderMap) -> String {
    set_cookie(headers, "", 0)
}

/// The address sign-in is limited by.
pub fn peer(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// A request of a signed-in staff member. A write (anything but GET and HEAD) must
/// carry the session's CSRF token in `X-CSRF-Token`.
pub struct Session {
    pub stored: StoredSession,
    /// Its cookie's hash (to sign this one out).
    pub token_hash: String,
}

impl Session {
    pub fn member(&self) -> &StaffMember {
        &self.stored.member
    }

    pub fn expires_at(&self) -> Timestamp {
        self.stored.expires_at
    }

    /// The session of a request that carries its cookie: `session_expired` if it has
    /// ended (or never was), `csrf_token_invalid` for a write without its token.
    pub async fn of(parts: &Parts, state: &AppState) -> Result<Option<Session>, Error> {
        let Some(token) = session_cookie(&parts.headers) else { return Ok(None) };
        let token_hash = token_hash(token);
        let stored =
            state.store.session(&token_hash, state.sessions, state.clock.now()).await?.ok_or(Error::SessionExpired)?;
        if !parts.method.is_safe() {
            let given = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            // Compared as hashes: equal length, and no early exit on a prefix of the token.
            if token_hash_eq(given, &stored.csrf_token) {
                return Ok(Some(Session { stored, token_hash }));
            }
            return Err(Error::CsrfTokenInvalid);
        }
        Ok(Some(Session { stored, token_hash }))
    }
}

fn token_hash_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Session::of(parts, state).await?.ok_or(Error::SessionMissing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "correct horse battery"));
        assert!(!password_matches(&hash, "correct horse batterY"));
        assert!(!password_matches("not a phc string", "anything"));
        // Salted: the same password hashes differently.
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_cookie(&headers), None);
        headers.append(COOKIE, HeaderValue::from_static("a=1; aftercare_staffx=no"));
        headers.append(COOKIE, HeaderValue::from_static("b=2;  aftercare_staff=abc ; c=3"));
        assert_eq!(session_cookie(&headers), Some("abc"));
        let mut empty = HeaderMap::new();
        empty.insert(COOKIE, HeaderValue::from_static("aftercare_staff="));
        assert_eq!(session_cookie(&empty), None);
    }

    #[test]
    fn cookies_are_secure_except_on_loopback() {
        let cookie = |host: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(HOST, HeaderValue::from_static(host));
            set_cookie(&headers, "t", 60)
        };
        for host in ["127.0.0.1:8080", "localhost:3000", "[::1]:80", "localhost"] {
            assert!(!cookie(host).contains("Secure"), "{host}");
        }
        for host in ["shop.example", "shop.example:443", "10.0.0.2:8080", "localhost.evil.example"] {
            assert!(cookie(host).ends_with("; Secure"), "{host}");
        }
        let cookie = cookie("shop.example");
        assert!(cookie.starts_with("aftercare_staff=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60"), "{cookie}");
    }
}
