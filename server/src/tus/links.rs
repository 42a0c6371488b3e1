//! Signed, expiring links to stored evidence files, and the `/media/{id}` route that
//! serves them (inline, never sniffed, sandboxed). Every case an answer carries has a
//! link in each file reference (`Uploads::sign_media`); merchants and the platform also
//! get `media_links` in case details; a sender asks `GET /v1/uploads/{id}/link` for its
//! own file.

use aftercare_protocol::case::{Case, EvidenceLink, MediaRef};
use aftercare_protocol::time::Timestamp;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{find, UploadState, Uploads};
use crate::auth::Uploader;
use crate::error::Error;
use crate::extract::Query;
use crate::AppState;

/// RFC 5987 `filename*`: everything but letters, digits and `._-` percent-encoded.
const FILENAME_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'_').remove(b'-');

impl Uploads {
    /// An expiring link to a stored file: `(url, expires_at)`.
    pub fn link(&self, id: &str, now: Timestamp) -> (String, Timestamp) {
        let expires = now.0 + self.limits.link_ttl_ms;
        (self.signed_url(id, expires), Timestamp(expires))
    }

    fn signed_url(&self, id: &str, expires: i64) -> String {
        format!("/media/{id}?expires={expires}&signature={}", self.sign(id, expires))
    }

    /// Puts a link into each of the case's file references (its evidence and every
    /// event's). The expiry is rounded up to a whole link lifetime, so every answer within
    /// one lifetime carries the same URL (the browser's cache serves a thumbnail once) and
    /// each link stays valid for one to two lifetimes.
    pub fn sign_media(&self, case: &mut Case, now: Timestamp) {
        let ttl = self.limits.link_ttl_ms.max(1);
        let expires = (now.0.div_euclid(ttl) + 2).saturating_mul(ttl);
        let references = case.media.iter_mut().chain(case.history.iter_mut().flat_map(|event| event.media.iter_mut()));
        for reference in references {
            reference.url = Some(self.signed_url(&reference.upload_id, expires));
        }
    }

    /// Links to each of a case's files, valid from `now`.
    pub fn links(&self, media: &[MediaRef], now: Timestamp) -> Vec<EvidenceLink> {
        media
            .iter()
            .map(|media| {
                let (url, expires_at) = self.link(&media.upload_id, now);
                EvidenceLink { upload_id: media.upload_id.clone(), kind: media.kind, url, expires_at }
            })
            .collect()
    }

    fn sign(&self, id: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.link_key).expect("HMAC takes any key");
        mac.update(format!("{id}:{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify_link(&self, id: &str, expires: i64, signature: &str) -> bool {
        let Ok(signature) = hex::decode(signature) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.link_key).expect("HMAC takes any key");
        mac.update(format!("{id}:{expires}").as_bytes());
        mac.verify_slice(&signature).is_ok()
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = MediaLink)]
pub struct Link {
    url: String,
    expires_at: Timestamp,
}

/// `GET /v1/uploads/{id}/link`: an expiring link to the sender's own completed file.
#[utoipa::path(
    get,
    path = "/v1/uploads/{id}/link",
    params(("id" = String, Path)),
    responses((status = 200, description = "`{url, expires_at}`: an expiring link to the stored file", body = Link)),
    security(("order_token" = []), ("api_key" = [])),
    tag = "uploads"
)]
pub async fn link(
    State(state): State<AppState>,
    uploader: Uploader,
    UrlPath(id): UrlPath<String>,
) -> Result<axum::Json<Link>, Error> {
    let upload = find(&state, &uploader, &id).await?;
    if upload.state != UploadState::Complete {
        return Err(Error::UploadNotFound);
    }
    let (url, expires_at) = state.uploads.link(&id, state.clock.now());
    Ok(axum::Json(Link { url, expires_at }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// When the link stops working (milliseconds since the epoch), as the link says.
    #[param(required = true)]
    expires: Option<i64>,
    /// The link's signature, as the link says.
    #[param(required = true)]
    signature: Option<String>,
}

/// `GET /media/{id}?expires=…&signature=…`: the file, for as long as the link lives.
/// Links come from case details (`media_links`) and `GET /v1/uploads/{id}/link`.
#[utoipa::path(
    get,
    path = "/media/{id}",
    params(("id" = String, Path), LinkQuery),
    responses(
        (status = 200, description = "The stored (cleaned) file, `inline`, never sniffed", content(("image/jpeg"), ("image/png"), ("image/webp"), ("video/mp4"), ("video/quicktime"), ("video/webm"))),
        (status = 403, description = "The link is invalid or has expired (`media_link_invalid`)", body = aftercare_protocol::case::ApiError),
        (status = 404, description = "No such file (`upload_not_found`)", body = aftercare_protocol::case::ApiError),
    ),
    tag = "uploads"
)]
pub async fn media(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<LinkQuery>,
) -> Result<Response, Error> {
    let (Some(expires), Some(signature)) = (query.expires, query.signature) else {
        return Err(Error::MediaLinkInvalid);
    };
    if state.clock.now().0 >= expires || !state.uploads.verify_link(&id, expires, &signature) {
        return Err(Error::MediaLinkInvalid);
    }
    let upload = state.store.upload(&id).await?.ok_or(Error::UploadNotFound)?;
    let (Some(key), Some(media_type)) = (upload.object_key.as_deref(), upload.media_type) else {
        return Err(Error::UploadNotFound);
    };
    let (size, stream) = state.uploads.storage.get(key).await?;
    let name = upload.filename.clone().unwrap_or_else(|| format!("evidence.{}", media_type.extension()));
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(&name, FILENAME_UNRESERVED);
    let disposition = format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(media_type.mime()));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| Error::internal("content disposition", e))?,
    );
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    headers.insert("content-security-policy", HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok((StatusCode::OK, headers, Body::from_stream(stream)).into_response())
}
