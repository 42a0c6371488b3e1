//! tus uploads end to end through the router: discovery, creation, resumption,
//! checksums, expiry, termination, ownership, content checks, clean-up, media links,
//! and cases referencing uploads.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::json;
use sha1::Digest;
use tower::ServiceExt;

pub(crate) fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A real 32×32 JPEG with EXIF GPS, XMP, and an HTML tail.
pub(crate) fn jpeg_with_gps() -> Vec<u8> {
    let pixels: Vec<u8> = (0..32 * 32).flat_map(|i| [(i % 256) as u8, 90, 200]).collect();
    let mut plain = Vec::new();
    jpeg_encoder::Encoder::new(&mut plain, 85).encode(&pixels, 32, 32, jpeg_encoder::ColorType::Rgb).unwrap();
    let exif = b"Exif\0\0MM\0\x2a\0\0\0\x08GPSLatitude 31.2304N GPSLongitude 121.4737E";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(exif);
    [&plain[..2], &app1, &plain[2..], b"<html><script>alert(1)</script>"].concat()
}

pub(crate) struct Tus<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl Tus<'_> {
    pub fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(path)
            .header("tus-resumable", "1.0.0")
            .header("authorization", format!("Bearer {}", self.token))
    }

    pub async fn create(
        &self,
        length: usize,
        filetype: &str,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let request = self
            .request("POST", "/v1/uploads/")
            .header("upload-length", length.to_string())
            .header("upload-metadata", format!("filename {},filetype {}", b64("../我的 照片.jpg"), b64(filetype)));
        self.app.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn created(&self, length: usize, filetype: &str) -> String {
        let (status, headers, json) = self.create(length, filetype).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        headers["location"].to_str().unwrap().to_owned()
    }

    pub async fn patch(
        &self,
        location: &str,
        offset: usize,
        bytes: &[u8],
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let request = self
            .request("PATCH", location)
            .header("upload-offset", offset.to_string())
            .header("content-type", "application/offset+octet-stream");
        self.app.send(request.body(Body::from(bytes.to_vec())).unwrap()).await
    }

    pub async fn offset(&self, location: &str) -> (StatusCode, Option<u64>) {
        let (status, headers, _) = self.app.send(self.request("HEAD", location).body(Body::empty()).unwrap()).await;
        (status, headers.get("upload-offset").map(|v| v.to_str().unwrap().parse().unwrap()))
    }

    /// Uploads `bytes` in two PATCHes; returns the upload id.
    pub async fn upload(&self, bytes: &[u8], filetype: &str) -> String {
        let location = self.created(bytes.len(), filetype).await;
        let half = bytes.len() / 2;
        let (status, _, json) = self.patch(&location, 0, &bytes[..half]).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{json}");
        let (status, headers, json) = self.patch(&location, half, &bytes[half..]).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{json}");
        assert_eq!(headers["upload-offset"], bytes.len().to_string().as_str());
        location.rsplit('/').next().unwrap().to_owned()
    }
}

#[tokio::test]
async fn discovery_and_the_protocol_version() {
    let app = TestApp::new().await;
    for origin in [None, Some(SHOP)] {
        let mut request = Request::options("/v1/uploads/");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let (status, headers, _) = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(headers["tus-version"], "1.0.0");
        assert!(headers["tus-extension"].to_str().unwrap().contains("creation-with-upload"));
        assert!(headers["tus-checksum-algorithm"].to_str().unwrap().contains("sha1"));
        assert_eq!(headers["tus-max-size"], (200 * 1024 * 1024).to_string().as_str());
        assert!(headers.get("tus-resumable").is_none(), "not on OPTIONS");
    }
    // A browser's preflight from a merchant's page is answered, and tus headers are
    // exposed to that origin.
    let preflight = Request::options("/v1/uploads/")
        .header("origin", SHOP)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "tus-resumable, upload-offset, upload-checksum, content-type")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = app.send(preflight).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers["access-control-allow-origin"], SHOP);
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("upload-checksum"));
    let tus = Tus { token: app.token(), app: &app };
    let request = tus.request("HEAD", "/v1/uploads/nope").header("origin", SHOP).body(Body::empty()).unwrap();
    let (_, headers, _) = app.send(request).await;
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("upload-offset") && exposed.contains("location") && exposed.contains("tus-resumable"));
    let request = Request::post("/v1/uploads/")
        .header("authorization", format!("Bearer {}", tus.token))
        .header("upload-length", "10");
    let (status, headers, json) = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PRECONDITION_FAILED, Some("tus_version_unsupported")));
    assert_eq!(headers["tus-version"], "1.0.0");
}

#[tokio::test]
async fn a_photo_uploaded_in_two_parts_is_cleaned_stored_and_linked() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let original = jpeg_with_gps();
    let (status, headers, _) = tus.create(original.len(), "image/jpeg").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(headers["tus-resumable"], "1.0.0");
    assert!(headers["upload-expires"].to_str().unwrap().ends_with("GMT"));
    let location = headers["location"].to_str().unwrap().to_owned();
    assert_eq!(tus.offset(&location).await, (StatusCode::OK, Some(0)));

    let (status, _, _) = tus.patch(&location, 0, &original[..100]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(tus.offset(&location).await.1, Some(100));
    // A wrong offset changes nothing.
    let (status, _, json) = tus.patch(&location, 50, &original[50..]).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::CONFLICT, Some("offset_mismatch")));
    assert_eq!(tus.offset(&location).await.1, Some(100));
    let (status, _, _) = tus.patch(&location, 100, &original[100..]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let id = location.rsplit('/').next().unwrap();
    let spool = app.dir.path().join("spool").join(format!("{id}.part"));
    assert!(!spool.exists(), "the spool file is gone once stored");
    let (status, link) = app.get(&format!("/v1/uploads/{id}/link"), &tus.token).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let url = link["url"].as_str().unwrap();
    let response = tower::ServiceExt::oneshot(
        aftercare_server::app(app.state.clone()),
        Request::get(url).body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("inline; filename=\"") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    assert!(!disposition.contains(".."), "the path was dropped from the name");
    let stored = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let contains = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"GPS") && !contains(b"<script>"), "metadata and polyglot tail removed");
    assert!(stored.ends_with(&[0xFF, 0xD9]));
    let decoded = jpeg_decoder::Decoder::new(&stored[..]).decode().unwrap();
    assert_eq!(decoded.len(), 32 * 32 * 3, "still a 32x32 image");

    // Links expire; a tampered link is refused.
    let tampered = url.replace("expires=", "expires=9");
    let (status, _, json) = app.send(Request::get(&tampered).body(Body::empty()).unwrap()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::FORBIDDEN, Some("media_link_invalid")));
    app.state.clock.advance(16 * 60_000);
    let (status, _, _) = app.send(Request::get(url).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn checksums_and_lengths() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let original = jpeg_with_gps();
    let location = tus.created(original.len(), "image/jpeg").await;
    let chunk = &original[..64];
    let digest = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(chunk));
    let send = |checksum: String, bytes: Vec<u8>| {
        tus.request("PATCH", &location)
            .header("upload-offset", "0")
            .header("content-type", "application/offset+octet-stream")
            .header("upload-checksum", checksum)
            .body(Body::from(bytes))
            .unwrap()
    };
    let wrong = base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(b"something else"));
    let (status, _, json) = app.send(send(format!("sha1 {wrong}"), chunk.to_vec())).await;
    assert_eq!((status.as_u16(), json["code"].as_str()), (460, Some("checksum_mismatch")));
    assert_eq!(tus.offset(&location).await.1, Some(0), "the chunk was discarded");
    let (status, _, json) = app.send(send(format!("md5 {wrong}"), chunk.to_vec())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    let (status, _, _) = app.send(send(format!("sha1 {digest}"), chunk.to_vec())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(tus.offset(&location).await.1, Some(64));

    // Past Upload-Length: 413, nothing beyond the length is kept.
    let mut too_much = original[64..].to_vec();
    too_much.extend_from_slice(b"extra bytes");
    let (status, _, json) = tus.patch(&location, 64, &too_much).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("upload_too_large")));
    assert_eq!(tus.offset(&location).await.1, Some(64));

    // Wrong content type.
    let request = tus.request("PATCH", &location).header("upload-offset", "64").header("content-type", "image/jpeg");
    let (status, _, _) = app.send(request.body(Body::from(vec![1, 2, 3])).unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Creation limits.
    let (status, _, json) = tus.create(21 * 1024 * 1024, "image/jpeg").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("upload_too_large")));
    let (status, _, json) = tus.create(100, "application/x-msdownload").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unsupported_media_type")));
    let request =
        tus.request("POST", "/v1/uploads/").header("upload-length", "10").header("upload-metadata", "filename !!!");
    let (status, _, json) = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
}

#[tokio::test]
async fn creation_with_upload_and_content_checks() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let original = jpeg_with_gps();
    let request = tus
        .request("POST", "/v1/uploads/")
        .header("upload-length", original.len().to_string())
        .header("upload-metadata", format!("filetype {}", b64("image/jpeg")))
        .header("content-type", "application/offset+octet-stream");
    let (status, headers, json) = app.send(request.body(Body::from(original.clone())).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(headers["upload-offset"], original.len().to_string().as_str());

    // An executable renamed .jpg, HTML claiming to be PNG, and a HEIC photo are refused
    // on their last byte, and removed.
    for (bytes, filetype, code) in [
        (b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec(), "image/jpeg", "unsupported_media_type"),
        (b"<!doctype html><script>alert(1)</script>".to_vec(), "image/png", "unsupported_media_type"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(), "image/jpeg", "heic_not_supported"),
        (original.clone(), "image/png", "media_type_mismatch"),
    ] {
        let location = tus.created(bytes.len(), filetype).await;
        let (status, _, json) = tus.patch(&location, 0, &bytes).await;
        assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{filetype}");
        assert_eq!(tus.offset(&location).await.0, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn ownership_renewal_expiry_and_termination() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let original = jpeg_with_gps();
    let location = tus.created(original.len(), "image/jpeg").await;
    tus.patch(&location, 0, &original[..10]).await;

    // Another order, shopper or merchant: not found on HEAD and PATCH; DELETE (idempotent:
    // "it is gone") answers 204 and leaves the upload alone.
    for token in [
        app.token_for("acme", "s-1", delivered("o-2")),
        app.token_for("acme", "s-2", delivered("o-1")),
        app.token_for("other", "s-1", delivered("o-1")),
    ] {
        let stranger = Tus { token, app: &app };
        assert_eq!(stranger.offset(&location).await.0, StatusCode::NOT_FOUND);
        assert_eq!(stranger.patch(&location, 10, &original[10..]).await.0, StatusCode::NOT_FOUND);
        let (status, _, _) = app.send(stranger.request("DELETE", &location).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(tus.offset(&location).await, (StatusCode::OK, Some(10)), "still there");
    }
    // No token at all.
    let request = Request::head(&location).header("tus-resumable", "1.0.0").body(Body::empty()).unwrap();
    assert_eq!(app.send(request).await.0, StatusCode::UNAUTHORIZED);

    // The token expires mid-upload; a fresh one for the same shopper and order carries on.
    app.state.clock.advance(31 * 60_000);
    assert_eq!(tus.offset(&location).await.0, StatusCode::UNAUTHORIZED);
    let renewed = Tus { token: app.token(), app: &app };
    assert_eq!(renewed.offset(&location).await, (StatusCode::OK, Some(10)));

    // Expiry: 24 hours after creation the upload answers 410 and its spool file is gone.
    let id = location.rsplit('/').next().unwrap().to_owned();
    let spool = app.dir.path().join("spool").join(format!("{id}.part"));
    assert!(spool.exists());
    app.state.clock.advance(24 * 3_600_000);
    let late = Tus { token: app.token(), app: &app };
    assert_eq!(late.offset(&location).await.0, StatusCode::GONE);
    assert!(!spool.exists());
    assert_eq!(late.offset(&location).await.0, StatusCode::NOT_FOUND);

    // Termination.
    let location = late.created(original.len(), "image/jpeg").await;
    let (status, _, _) = app.send(late.request("DELETE", &location).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(late.offset(&location).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cases_reference_their_own_orders_complete_uploads() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let photo = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let mut case = damaged("o-1");
    case["problem_type"] = json!("quality");
    case["reason"] = json!("broken");
    case["media"] = json!([{"upload_id": photo, "kind": "photo"}]);
    let (status, filed) = app.post("/v1/cases", &app.token(), Some("k-1"), &case).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["media"][0]["upload_id"], photo.as_str());

    let mut wrong_kind = damaged("o-1");
    wrong_kind["media"] = json!([{"upload_id": photo, "kind": "video"}]);
    wrong_kind["description"] = json!("Another description, long enough.");
    let (status, json) = app.post("/v1/cases", &app.token(), Some("k-2"), &wrong_kind).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_kind_mismatch")));

    // Another order's upload, and an incomplete one, are not found.
    let elsewhere = Tus { token: app.token_for("acme", "s-1", delivered("o-2")), app: &app };
    let foreign = elsewhere.upload(&jpeg_with_gps(), "image/jpeg").await;
    let incomplete = tus.created(100, "image/jpeg").await;
    for id in [foreign.as_str(), incomplete.rsplit('/').next().unwrap()] {
        let mut stolen = case.clone();
        stolen["media"] = json!([{"upload_id": id, "kind": "photo"}]);
        stolen["description"] = json!(format!("A case that borrows {id}."));
        let (status, json) = app.post("/v1/cases", &app.token(), Some(id), &stolen).await;
        assert_eq!(
            (status, json["code"].as_str(), json["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("media_not_found"), Some("media[0].upload_id"))
        );
    }
}

#[tokio::test]
async fn merchants_and_the_platform_get_expiring_links_to_a_cases_files() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let photo = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let mut case = damaged("o-1");
    case["media"] = json!([{"upload_id": photo, "kind": "photo"}]);
    let (_, filed) = app.post("/v1/cases", &app.token(), Some("k-1"), &case).await;
    let id = filed["id"].as_str().unwrap();
    let seller = app.api_key(Some("acme")).await;
    let platform = app.api_key(None).await;
    for key in [&seller, &platform] {
        let path = if *key == seller { format!("/v1/merchant/cases/{id}") } else { format!("/v1/platform/cases/{id}") };
        let (status, detail) = app.get(&path, key).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let link = &detail["media_links"][0];
        assert_eq!((link["upload_id"].as_str(), link["kind"].as_str()), (Some(photo.as_str()), Some("photo")));
        let request = Request::get(link["url"].as_str().unwrap()).body(Body::empty()).unwrap();
        let response = app_router(&app).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
    }
    let (_, detail) = app.get(&format!("/v1/merchant/cases/{id}"), &seller).await;
    app.state.clock.advance(16 * 60_000);
    let request = Request::get(detail["media_links"][0]["url"].as_str().unwrap()).body(Body::empty()).unwrap();
    let response = app_router(&app).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "the link expired");
}

fn app_router(app: &TestApp) -> axum::Router {
    aftercare_server::app(app.state.clone())
}

#[tokio::test]
async fn files_sent_with_an_escalation_join_the_case() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let (status, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = case["id"].as_str().unwrap();
    app.seller_step(id, aftercare_protocol::lifecycle::Action::Refuse).await;
    let photo = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let request = json!({"reason": "The seller refused without looking at the photos.", "media": [{"upload_id": photo, "kind": "photo"}]});
    let (status, escalated) = app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &request).await;
    assert_eq!(status, StatusCode::OK, "{escalated}");
    assert_eq!(escalated["state"], "escalated");
    assert_eq!(bare(&escalated["media"]), json!([{"upload_id": photo, "kind": "photo"}]));
    // Someone else's upload cannot be slipped in.
    let other = Tus { token: app.token_for("acme", "s-1", delivered("o-2")), app: &app };
    let foreign = other.upload(&jpeg_with_gps(), "image/jpeg").await;
    let second = file_refused_case(&app).await;
    let request = json!({"reason": "Trying to borrow a file.", "media": [{"upload_id": foreign, "kind": "photo"}]});
    let (status, json) = app.post(&format!("/v1/cases/{second}/escalate"), &app.token(), None, &request).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_not_found")));
}

async fn file_refused_case(app: &TestApp) -> String {
    let (_, case) = app.post("/v1/cases", &app.token(), Some("k-2"), &json!({
        "order_id": "o-1", "item_ids": ["item-2"], "problem_type": "seller_service", "reason": "attitude",
        "resolution": "complaint_only", "description": "Rude answers on the phone.", "contact": {"email": "a@example.com"}
    })).await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.seller_step(&id, aftercare_protocol::lifecycle::Action::Refuse).await;
    id
}

#[tokio::test]
async fn an_upload_lease_keeps_one_writer_until_released_or_run_out_and_fences_the_old_one() {
    use aftercare_server::store::{ObjectSpool, Renewal};
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let location = tus.created(10, "image/jpeg").await;
    let id = location.rsplit('/').next().unwrap();
    let store = &app.state.store;
    assert!(store.acquire_upload_lease(id, "a", 1_000, 2_000).await.unwrap());
    assert!(!store.acquire_upload_lease(id, "b", 1_500, 2_500).await.unwrap(), "held until 2000");
    store.want_upload_lease(id).await.unwrap();
    assert_eq!(
        store.renew_upload_lease(id, "a", 3_000).await.unwrap(),
        Renewal::Wanted,
        "the holder hears it is wanted"
    );
    // Only the holder's record is written.
    let spool = ObjectSpool { offset: 5, tail: Some(".spool/x/tail".into()), tail_size: 5, ..ObjectSpool::default() };
    assert!(store.save_object_spool(id, "a", &spool, 3_000).await.unwrap());
    assert!(!store.save_object_spool(id, "b", &ObjectSpool::default(), 3_000).await.unwrap());
    assert_eq!(store.object_spool(id).await.unwrap(), Some(spool.clone()));
    // A holder that stops renewing (its node died) loses the lease once it runs out …
    assert!(!store.acquire_upload_lease(id, "b", 2_999, 9_000).await.unwrap());
    assert!(store.acquire_upload_lease(id, "b", 3_001, 9_000).await.unwrap());
    // … and cannot write after it wakes up.
    assert_eq!(store.renew_upload_lease(id, "a", 9_999).await.unwrap(), Renewal::Lost);
    assert!(!store.save_object_spool(id, "a", &ObjectSpool::default(), 9_999).await.unwrap());
    assert_eq!(store.object_spool(id).await.unwrap(), Some(spool));
    assert_eq!(
        store.renew_upload_lease(id, "b", 9_500).await.unwrap(),
        Renewal::Kept,
        "taking over clears the request"
    );
    store.release_upload_lease(id, "a").await.unwrap(); // not a's to release
    assert!(!store.acquire_upload_lease(id, "c", 5_000, 6_000).await.unwrap());
    store.release_upload_lease(id, "b").await.unwrap();
    assert!(store.acquire_upload_lease(id, "c", 5_000, 6_000).await.unwrap());
}
