//! Attacks on the server, each a regression test: hostile media that used to crash,
//! hang or exhaust it; panics; connections that trickle or stall; uploads that could be
//! deleted, attached or sized in ways they should not be.

use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;
use crate::uploads::{jpeg_with_gps, Tus};

/// Creates an upload of `bytes` and sends them in one PATCH; returns the PATCH's answer.
async fn upload_whole(tus: &Tus<'_>, bytes: &[u8], filetype: &str) -> (StatusCode, serde_json::Value) {
    let location = tus.created(bytes.len(), filetype).await;
    let (status, _, json) = tus.patch(&location, 0, bytes).await;
    (status, json)
}

fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(kind);
    bytes.extend_from_slice(payload);
    bytes
}

#[tokio::test]
async fn hostile_media_is_refused_and_the_server_serves_on() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    // A MOV of ~1.2 MB of moov nested in moov (overflowed the stack).
    let levels = 150_000u32;
    let inner = mp4_box(b"mvhd", &[0; 8]);
    let mut nested = mp4_box(b"ftyp", b"qt  \0\0\0\0qt  ");
    for level in (0..levels).rev() {
        nested.extend_from_slice(&(inner.len() as u32 + 8 * (level + 1)).to_be_bytes());
        nested.extend_from_slice(b"moov");
    }
    nested.extend(&inner);
    let (status, json) = upload_whole(&tus, &nested, "video/quicktime").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "accepted, the inner boxes neutralised: {json}");
    // A 28-byte MOV whose 64-bit box size wraps `position + size` (looped for ever).
    let mut wrap = mp4_box(b"ftyp", b"qt  ");
    wrap.extend_from_slice(&[0, 0, 0, 1]);
    wrap.extend_from_slice(b"mdat");
    wrap.extend_from_slice(&(u64::MAX - 7).to_be_bytes());
    let (status, json) = upload_whole(&tus, &wrap, "video/quicktime").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_malformed")), "{json}");
    // The same again: no lock left behind, answered at once.
    let (status, _) = tokio::time::timeout(Duration::from_secs(60), upload_whole(&tus, &wrap, "video/quicktime"))
        .await
        .expect("a retry does not hang");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A 30-byte WebP whose VP8X chunk claims 4 GiB (allocated 4 GiB).
    let mut lying = b"RIFF\x16\0\0\0WEBPVP8X".to_vec();
    lying.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    lying.extend_from_slice(&[0; 10]);
    let (status, json) = upload_whole(&tus, &lying, "image/webp").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_malformed")), "{json}");
    // 20 MiB of empty WebP chunks (cost 11 s of CPU): refused by the work cap.
    let chunks = 20 * 1024 * 1024 / 8 - 2;
    let mut body = b"WEBP".to_vec();
    body.extend(b"zzzz\0\0\0\0".repeat(chunks));
    let mut empty = b"RIFF".to_vec();
    empty.extend_from_slice(&(body.len() as u32).to_le_bytes());
    empty.extend(body);
    let (status, json) = upload_whole(&tus, &empty, "image/webp").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("media_too_complex")),
        "{json}"
    );
    // Nothing of the refused files is left in the spool.
    let spool: Vec<_> = std::fs::read_dir(app.dir.path().join("spool")).unwrap().collect();
    assert!(spool.is_empty(), "{spool:?}");
}

#[tokio::test]
async fn a_far_future_clock_does_not_panic_an_upload() {
    let app = TestApp::new().await;
    app.state.clock.set(aftercare_protocol::time::Timestamp::parse("9999-12-31T12:00:00Z").unwrap());
    let tus = Tus { token: app.token(), app: &app };
    let (status, headers, json) = tus.create(10, "image/jpeg").await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(headers["upload-expires"], "Fri, 31 Dec 9999 23:59:59 GMT");
}

#[tokio::test]
async fn a_panicking_handler_fails_its_request_only() {
    let mut app = TestApp::new().await;
    app.state.insecure_dev = true;
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let response = client.post(format!("{base}/dev/panic")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "internal");
    assert!(!body["message"].as_str().unwrap().contains("dev/panic"), "the panic's text is logged, not sent");
    for _ in 0..3 {
        assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    }
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return answer,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn headers_trickled_byte_by_byte_are_cut_off() {
    let app = TestApp::new().await;
    let settings =
        aftercare_server::serve::Settings { header_read_timeout: Duration::from_secs(1), max_connections: 16 };
    let base = app.serve_with(aftercare_server::app(app.state.clone()), settings).await;
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().chain(b"a".repeat(10_000).iter()) {
            if stream.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    // The server closes the connection well before the trickle would end (~17 min).
    tokio::time::timeout(Duration::from_secs(60), trickle).await.expect("the server hung up on the trickle");
    let closed = tokio::time::timeout(Duration::from_secs(10), until_closed(&mut stream)).await;
    assert!(closed.is_ok());
}

#[tokio::test]
async fn a_json_body_that_stops_is_answered_408() {
    let mut app = TestApp::new().await;
    app.state.request_timeout = Duration::from_secs(1);
    let base = app.serve().await;
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIdempotency-Key: k-1\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"or",
        app.token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(30), async {
        let mut answer = Vec::new();
        let mut buffer = [0u8; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") || !answer.ends_with(b"}") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("the server answers a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

async fn file_case_with(app: &TestApp, token: &str, upload_id: &str) -> (StatusCode, serde_json::Value) {
    let mut case = damaged("o-1");
    case["media"] = json!([{"upload_id": upload_id, "kind": "photo"}]);
    app.post("/v1/cases", token, Some(&format!("k-{upload_id}")), &case).await
}

#[tokio::test]
async fn evidence_of_a_filed_case_cannot_be_deleted_and_delete_is_idempotent() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let id = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let (status, json) = file_case_with(&app, &tus.token, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let delete = || tus.request("DELETE", &format!("/v1/uploads/{id}")).body(Body::empty()).unwrap();
    let (status, _, json) = app.send(delete()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::CONFLICT, Some("upload_referenced")));
    // Still there for the merchant.
    let (status, _) = app.get(&format!("/v1/uploads/{id}/link"), &tus.token).await;
    assert_eq!(status, StatusCode::OK);
    // An unreferenced upload: deleted by two DELETEs at once, both answered 204.
    let loose = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let request = || tus.request("DELETE", &format!("/v1/uploads/{loose}")).body(Body::empty()).unwrap();
    let (first, second) = tokio::join!(app.send(request()), app.send(request()));
    assert_eq!((first.0, second.0), (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT));
    let (status, _, _) = app.send(request()).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn another_shopper_on_the_same_order_cannot_attach_an_upload() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let id = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let other = app.token_for("acme", "s-2", delivered("o-1"));
    let (status, json) = file_case_with(&app, &other, &id).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_not_found")), "{json}");
}

#[tokio::test]
async fn without_a_filetype_a_photo_is_held_to_the_photo_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = TestApp::at(dir).await;
    let storage = aftercare_server::storage::Storage::local(&app.dir.path().join("media")).unwrap();
    let limits = aftercare_server::tus::Limits { max_photo_bytes: 500, ..Default::default() };
    let uploads =
        aftercare_server::tus::Uploads::new(app.dir.path().join("spool"), storage, limits, vec![7; 32]).unwrap();
    app.state.uploads = std::sync::Arc::new(uploads);
    let tus = Tus { token: app.token(), app: &app };
    let photo = jpeg_with_gps();
    assert!(photo.len() > 500, "{}", photo.len());
    // Declared: refused at creation.
    let (status, _, _) = tus.create(photo.len(), "image/jpeg").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Undeclared: refused once its bytes say it is a photo.
    let request = tus.request("POST", "/v1/uploads/").header("upload-length", photo.len().to_string());
    let (status, headers, _) = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let location = headers["location"].to_str().unwrap().to_owned();
    let (status, _, json) = tus.patch(&location, 0, &photo).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("upload_too_large")), "{json}");
}

#[tokio::test]
async fn a_due_consequence_that_cannot_apply_never_spins_the_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = TestApp::with(dir, |merchants| {
        merchants[0].deadlines.on_seller_silence = aftercare_protocol::case::Consequence::AutoAccept;
    })
    .await;
    // More due return cases than one page of the scheduler.
    for n in 0..150 {
        let (status, json) = app.post("/v1/cases", &app.token(), Some(&format!("k-{n}")), &damaged("o-1")).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
    }
    // The merchant as configuration that cannot work would have it (loading now refuses
    // it): automatic acceptance of returns, but nowhere to send them.
    let mut broken: Vec<_> = ["acme", "other"]
        .iter()
        .map(|id| aftercare_server::merchants::Merchant::clone(app.state.merchants.get(id).unwrap()))
        .collect();
    broken[0].return_address = None;
    app.state.merchants = std::sync::Arc::new(aftercare_server::merchants::Merchants::new_unchecked(broken));
    app.state.clock.advance(49 * 3_600_000);
    let applied = tokio::time::timeout(Duration::from_secs(120), aftercare_server::scheduler::run_due(&app.state))
        .await
        .expect("the scheduler finishes its pass")
        .unwrap();
    assert_eq!(applied, 0);
    // Postponed, not due again at once; the cases stay as they were.
    let due = app.state.store.due_cases(app.state.clock.now(), None, 1000).await.unwrap();
    assert!(due.is_empty(), "{} still due", due.len());
    let (_, cases) = app.get("/v1/cases?order=o-1", &app.token()).await;
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 150);
    assert!(cases.iter().all(|c| c["state"] == "awaiting_seller"), "{cases:?}");
    // Loading such a configuration is refused, naming the merchant and the field.
    let mut config = aftercare_server::merchants::Merchant::clone(app.state.merchants.get("acme").unwrap());
    config.return_address = None;
    let error = aftercare_server::merchants::Merchants::new(vec![config]).unwrap_err();
    assert!(error.contains("acme") && error.contains("return_address"), "{error}");
}

#[tokio::test]
async fn control_characters_in_urls_and_text_are_refused_not_500() {
    let app = TestApp::new().await;
    let token = app.token();
    for path in ["/v1/cases/abc%00def", "/v1/cases?order=o%001", "/v1/uploads/%E2%80%AEid/link", "/v1/cases/%0a"] {
        let (status, json) = app.get(path, &token).await;
        assert_eq!((status, json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_text")), "{path}: {json}");
    }
    let mut case = damaged("o-1");
    case["description"] = json!("The lid is bent\u{0} and \u{202E}broken.");
    let (status, json) = app.post("/v1/cases", &token, Some("k-nul"), &case).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_characters")),
        "{json}"
    );
    assert_eq!(json["field"], "description");
    // Nothing was stored.
    let (_, cases) = app.get("/v1/cases?order=o-1", &token).await;
    assert_eq!(cases["cases"].as_array().unwrap().len(), 0);
}

/// An app whose upload limits `adjust` changes.
async fn with_limits(adjust: impl FnOnce(&mut aftercare_server::tus::Limits)) -> TestApp {
    let mut app = TestApp::new().await;
    let storage = aftercare_server::storage::Storage::local(&app.dir.path().join("media")).unwrap();
    let mut limits = aftercare_server::tus::Limits::default();
    adjust(&mut limits);
    let uploads =
        aftercare_server::tus::Uploads::new(app.dir.path().join("spool"), storage, limits, vec![7; 32]).unwrap();
    app.state.uploads = std::sync::Arc::new(uploads);
    app
}

#[tokio::test]
async fn concurrent_creations_cannot_overrun_the_order_quota() {
    let app = with_limits(|limits| limits.max_order_bytes = 1024 * 1024 * 1024).await;
    let tus = Tus { token: app.token(), app: &app };
    let size = 200 * 1024 * 1024;
    let answers = futures_util::future::join_all((0..12).map(|_| tus.create(size, "video/mp4"))).await;
    let created = answers.iter().filter(|(status, _, _)| *status == StatusCode::CREATED).count();
    assert_eq!(created, 5, "5 × 200 MiB fit in 1 GiB, a sixth does not");
    for (status, _, json) in &answers {
        if *status != StatusCode::CREATED {
            assert_eq!((*status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("upload_too_large")));
        }
    }
}

#[tokio::test]
async fn an_order_has_a_cap_on_uploads_and_the_spool_a_quota() {
    let app = with_limits(|limits| limits.max_order_uploads = 3).await;
    let tus = Tus { token: app.token(), app: &app };
    for _ in 0..3 {
        tus.created(10, "image/jpeg").await;
    }
    let (status, _, json) = tus.create(10, "image/jpeg").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("order_upload_limit")), "{json}");

    let app = with_limits(|limits| limits.max_spool_bytes = 1000).await;
    let tus = Tus { token: app.token(), app: &app };
    tus.created(600, "image/jpeg").await;
    let (status, headers, json) = tus.create(600, "image/jpeg").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::INSUFFICIENT_STORAGE, Some("storage_full")), "{json}");
    assert!(headers.contains_key("retry-after"));
    // A disk that would be left with less than the reserve: refused the same way.
    let app = with_limits(|limits| limits.min_free_bytes = u64::MAX / 2).await;
    let tus = Tus { token: app.token(), app: &app };
    let (status, _, _) = tus.create(10, "image/jpeg").await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
}

#[tokio::test]
async fn an_upload_left_full_but_incomplete_is_finished_when_asked_about() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let photo = jpeg_with_gps();
    let location = tus.created(photo.len(), "image/jpeg").await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    // What a takeover of the request that wrote the last byte leaves: every byte in the
    // spool, the upload still receiving.
    std::fs::write(app.dir.path().join("spool").join(format!("{id}.part")), &photo).unwrap();
    assert_eq!(tus.offset(&location).await, (StatusCode::OK, Some(photo.len() as u64)));
    let (status, link) = app.get(&format!("/v1/uploads/{id}/link"), &tus.token).await;
    assert_eq!(status, StatusCode::OK, "complete, and cleaned: {link}");
    let stored = std::fs::read(app.dir.path().join("media").join("acme").join(format!("{id}.jpg"))).unwrap();
    assert!(!stored.windows(3).any(|w| w == b"GPS"));
    // A PATCH that comes after finds it complete and changes nothing.
    let (status, _, _) = tus.patch(&location, 0, &vec![0u8; photo.len()]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(std::fs::read(app.dir.path().join("media").join("acme").join(format!("{id}.jpg"))).unwrap(), stored);
}

#[tokio::test]
async fn activity_keeps_an_upload_alive() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let photo = jpeg_with_gps();
    let location = tus.created(photo.len(), "image/jpeg").await;
    app.state.clock.advance(20 * 3_600_000);
    let fresh = Tus { token: app.token(), app: &app };
    let (status, _, _) = fresh.patch(&location, 0, &photo[..100]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // 40 hours after creation, 20 after the last bytes: still there (the expiry is 24 h).
    app.state.clock.advance(20 * 3_600_000);
    let fresh = Tus { token: app.token(), app: &app };
    assert_eq!(fresh.offset(&location).await, (StatusCode::OK, Some(100)));
    app.state.clock.advance(5 * 3_600_000);
    let fresh = Tus { token: app.token(), app: &app };
    assert_eq!(fresh.offset(&location).await.0, StatusCode::GONE, "idle for 25 hours: expired");
}

#[tokio::test]
async fn unreferenced_uploads_are_collected_after_the_draft_lifetime_only() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let filed = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let (status, json) = file_case_with(&app, &tus.token, &filed).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let loose = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let media = app.dir.path().join("media").join("acme");
    let collect = || app.state.uploads.collect_garbage(&app.state.store, &app.state.merchants, app.state.clock.now());
    // Within the draft's 7 days (+ a day of upload expiry), a restored draft finds it.
    app.state.clock.advance(7 * 86_400_000);
    assert_eq!(collect().await.unwrap(), 0);
    assert!(media.join(format!("{loose}.jpg")).exists());
    app.state.clock.advance(86_400_000 + 1);
    assert_eq!(collect().await.unwrap(), 1, "the loose one only");
    assert!(!media.join(format!("{loose}.jpg")).exists());
    assert!(media.join(format!("{filed}.jpg")).exists(), "evidence of a case stays");
    assert!(app.state.store.upload(&filed).await.unwrap().is_some());
}

/// Sellers and the platform upload through the same endpoint with their keys: each
/// upload is its sender's alone, only those no case references yet count against the
/// sender's cap, and unsent ones are collected like a shopper's.
#[tokio::test]
async fn staff_uploads_belong_to_their_sender() {
    let app = with_limits(|limits| limits.max_order_uploads = 2).await;
    let seller = app.api_key(Some("acme")).await;
    let platform = app.api_key(None).await;
    let other_seller = app.api_key(Some("other")).await;
    let as_shopper = Tus { token: app.token(), app: &app };
    let as_seller = Tus { token: seller.clone(), app: &app };
    let as_platform = Tus { token: platform.clone(), app: &app };
    let shoppers = as_shopper.upload(&jpeg_with_gps(), "image/jpeg").await;
    let sellers = as_seller.upload(&jpeg_with_gps(), "image/jpeg").await;
    let platforms = as_platform.upload(&jpeg_with_gps(), "image/jpeg").await;
    let head = |token: &str, id: &str| {
        let tus = Tus { token: token.to_owned(), app: &app };
        let location = format!("/v1/uploads/{id}");
        async move { tus.offset(&location).await.0 }
    };
    let other_shopper = app.token_for("acme", "s-2", delivered("o-1"));
    for (who, token, own) in [
        ("shopper", app.token(), &shoppers),
        ("seller", seller.clone(), &sellers),
        ("platform", platform.clone(), &platforms),
    ] {
        assert_eq!(head(&token, own).await, StatusCode::OK, "{who} reads its own");
        for id in [&shoppers, &sellers, &platforms].into_iter().filter(|id| *id != own) {
            assert_eq!(head(&token, id).await, StatusCode::NOT_FOUND, "{who} reads another's");
        }
    }
    assert_eq!(head(&other_seller, &sellers).await, StatusCode::NOT_FOUND, "another merchant's seller");
    assert_eq!(head(&other_shopper, &shoppers).await, StatusCode::NOT_FOUND, "another shopper, same order");
    // A seller's DELETE of the shopper's file deletes nothing (it is "already gone" to them).
    let request = as_seller.request("DELETE", &format!("/v1/uploads/{shoppers}")).body(Body::empty()).unwrap();
    assert_eq!(app.send(request).await.0, StatusCode::NO_CONTENT);
    assert_eq!(head(&app.token(), &shoppers).await, StatusCode::OK);
    // A forged or wrong-scope key is refused before anything is created.
    let (status, _, json) = Tus { token: "acm_forged".into(), app: &app }.create(10, "image/jpeg").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("api_key_invalid")), "{json}");
    // The platform's files have their own folder, the seller's the merchant's.
    let media = app.dir.path().join("media");
    assert!(media.join(".platform").join(format!("{platforms}.jpg")).exists());
    assert!(media.join("acme").join(format!("{sellers}.jpg")).exists());

    // The cap counts a seller's unsent files only: one sent to a case frees its place.
    as_seller.created(10, "image/jpeg").await;
    let (status, _, json) = as_seller.create(10, "image/jpeg").await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("order_upload_limit")), "{json}");
    let (status, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap();
    let message = json!({"message": "Our photo", "media": [{"upload_id": sellers, "kind": "photo"}]});
    let (status, answer) = app.post(&format!("/v1/merchant/cases/{id}/messages"), &seller, None, &message).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    as_seller.created(10, "image/jpeg").await;

    // Unsent files go after the upload expiry (and, for a seller, the merchant's draft
    // lifetime); the file sent to a case stays.
    let collect = || app.state.uploads.collect_garbage(&app.state.store, &app.state.merchants, app.state.clock.now());
    app.state.clock.advance(86_400_000 + 1);
    assert_eq!(app.state.uploads.sweep(&app.state.store, app.state.clock.now()).await.unwrap(), 2, "the empty ones");
    assert_eq!(collect().await.unwrap(), 1, "the platform's, a day on");
    assert!(!media.join(".platform").join(format!("{platforms}.jpg")).exists());
    app.state.clock.advance(7 * 86_400_000);
    assert_eq!(collect().await.unwrap(), 1, "the shopper's loose one; the seller's sent one stays");
    assert!(media.join("acme").join(format!("{sellers}.jpg")).exists());
    assert!(!media.join("acme").join(format!("{shoppers}.jpg")).exists());
}

#[tokio::test]
async fn leftover_spool_files_are_removed_at_start() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let live = tus.created(100, "image/jpeg").await;
    let live = live.rsplit('/').next().unwrap();
    let spool = app.dir.path().join("spool");
    for name in ["gone.part", "x.clean", "y.chunk"] {
        std::fs::write(spool.join(name), b"left over").unwrap();
    }
    assert_eq!(app.state.uploads.reconcile_spool(&app.state.store).await.unwrap(), 3);
    let left: Vec<_> = std::fs::read_dir(&spool).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from(format!("{live}.part"))]);
}

#[test]
fn the_server_fuzz_regressions_run_clean() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut replayed = 0;
    for target in aftercare_server::fuzzing::TARGETS {
        for entry in std::fs::read_dir(root.join(target)).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| aftercare_server::fuzzing::run(target, &data));
            assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 4);
}

#[tokio::test]
async fn the_sweeper_leaves_an_upload_a_request_is_writing() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let location = tus.created(1000, "image/jpeg").await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    let base = app.serve().await;
    // A PATCH that sends 10 of its 1000 bytes and then waits: it holds the upload.
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789",
        tus.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let spool = app.dir.path().join("spool").join(format!("{id}.part"));
    // Wait until the bytes are on disk (the request holds the lock from before then).
    tokio::time::timeout(Duration::from_secs(30), async {
        while std::fs::metadata(&spool).map(|m| m.len()).unwrap_or(0) < 10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the first bytes arrive");
    app.state.clock.advance(25 * 3_600_000);
    assert_eq!(app.state.uploads.sweep(&app.state.store, app.state.clock.now()).await.unwrap(), 0);
    assert!(spool.exists(), "not deleted under the writer");
    drop(stream);
}

#[tokio::test]
async fn a_stored_file_that_is_gone_is_not_found_not_500() {
    let app = TestApp::new().await;
    let tus = Tus { token: app.token(), app: &app };
    let id = tus.upload(&jpeg_with_gps(), "image/jpeg").await;
    let (_, link) = app.get(&format!("/v1/uploads/{id}/link"), &tus.token).await;
    std::fs::remove_file(app.dir.path().join("media").join("acme").join(format!("{id}.jpg"))).unwrap();
    let request = axum::http::Request::get(link["url"].as_str().unwrap()).body(Body::empty()).unwrap();
    let (status, _, json) = app.send(request).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::NOT_FOUND, Some("upload_not_found")), "{json}");
}

#[tokio::test]
async fn demo_tokens_are_rate_limited() {
    let mut app = TestApp::new().await;
    app.state.rate_limit = std::sync::Arc::new(aftercare_server::ratelimit::RateLimit::new(1, 3));
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            client.get(format!("{base}/demo/token?order=o-1&shopper=s-1")).send().await.unwrap().status().as_u16(),
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn a_patch_queued_behind_the_last_byte_cannot_replace_the_completed_upload() {
    let app = with_limits(|limits| limits.concurrent_cleaning = 1).await;
    let tus = Tus { token: app.token(), app: &app };
    let photo = jpeg_with_gps();
    let location = tus.created(photo.len(), "image/jpeg").await;
    let id = location.rsplit('/').next().unwrap().to_owned();
    let base = app.serve().await;
    let patch = |body: Vec<u8>| {
        let (url, token) = (format!("{base}{location}"), tus.token.clone());
        tokio::spawn(async move {
            let response = reqwest::Client::new()
                .patch(url)
                .bearer_auth(token)
                .header("tus-resumable", "1.0.0")
                .header("upload-offset", "0")
                .header("content-type", "application/offset+octet-stream")
                .body(body)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        })
    };
    // The only cleaning slot is taken: the last-byte PATCH stops inside its completion.
    let slot = app.state.uploads.hold_cleaning_slot().await;
    let first = patch(photo.clone());
    tokio::time::timeout(Duration::from_secs(60), async {
        while app.state.uploads.cleaning_queue() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the first PATCH reaches its completion");
    // A second PATCH with other bytes queues behind it, having read the upload before.
    let second = patch(vec![0u8; photo.len()]);
    tokio::time::timeout(Duration::from_secs(60), async {
        while app.state.uploads.lock_waiters(&id) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the second PATCH waits for the upload");
    drop(slot);
    assert_eq!(first.await.unwrap(), 204);
    assert_eq!(second.await.unwrap(), 409, "the upload is complete: nothing is written over it");
    let stored = std::fs::read(app.dir.path().join("media").join("acme").join(format!("{id}.jpg"))).unwrap();
    assert!(stored.starts_with(&[0xFF, 0xD8]) && !stored.windows(3).any(|w| w == b"GPS"), "the photo, cleaned");
    assert_eq!(tus.offset(&location).await, (StatusCode::OK, Some(photo.len() as u64)));
}

#[tokio::test]
async fn on_postgresql_creations_on_two_nodes_cannot_overrun_the_order_quota() {
    let app = with_limits(|limits| limits.max_order_bytes = 1024 * 1024 * 1024).await;
    let Some(url) = app.state.store.postgres_url.clone() else {
        return; // SQLite is one node (the test command runs this on PostgreSQL too).
    };
    // Node B: the same database, its own process state (its own admission mutex).
    let mut b = app.state.clone();
    b.store = aftercare_server::store::Store::open(&url).await.unwrap();
    let storage = aftercare_server::storage::Storage::local(&app.dir.path().join("media")).unwrap();
    let limits = app.state.uploads.limits.clone();
    b.uploads = std::sync::Arc::new(
        aftercare_server::tus::Uploads::new(app.dir.path().join("spool-b"), storage, limits, vec![7; 32]).unwrap(),
    );
    let tus = Tus { token: app.token(), app: &app };
    let size = 200 * 1024 * 1024;
    let on_b = || {
        let request = tus
            .request("POST", "/v1/uploads/")
            .header("upload-length", size.to_string())
            .header("upload-metadata", "filetype dmlkZW8vbXA0")
            .body(Body::empty())
            .unwrap();
        let b = aftercare_server::app(b.clone());
        async move { tower::ServiceExt::oneshot(b, request).await.unwrap().status() }
    };
    let on_a = || async { tus.create(size, "video/mp4").await.0 };
    let answers = futures_util::future::join_all((0..12).map(|i| {
        let a = on_a();
        let b = on_b();
        async move {
            if i % 2 == 0 {
                a.await
            } else {
                b.await
            }
        }
    }))
    .await;
    let created = answers.iter().filter(|status| **status == StatusCode::CREATED).count();
    assert_eq!(created, 5, "5 × 200 MiB fit in 1 GiB, a sixth does not, whichever node admits it: {answers:?}");
}

#[tokio::test]
async fn creations_while_other_uploads_write_are_admitted_not_refused_with_a_locked_database() {
    // Admission reads the quotas and then inserts: on SQLite its transaction must take the
    // write lock first, or another writer's commit in between fails the upgrade ("database
    // is locked", a 500).
    let app = TestApp::new().await;
    let shoppers: Vec<Tus> = (0..6)
        .map(|i| Tus { token: app.token_for("acme", &format!("s-{i}"), delivered(&format!("o-{i}"))), app: &app })
        .collect();
    let answers = futures_util::future::join_all(shoppers.iter().map(|tus| async move {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let (status, headers, json) = tus.create(64, "image/jpeg").await;
            statuses.push((status, json["code"].clone()));
            if let Some(location) = headers.get("location") {
                let (status, _, json) = tus.patch(location.to_str().unwrap(), 0, &[0u8; 32]).await;
                statuses.push((status, json["code"].clone()));
            }
        }
        statuses
    }))
    .await;
    for (status, code) in answers.into_iter().flatten() {
        assert!(status == StatusCode::CREATED || status == StatusCode::NO_CONTENT, "{status} {code}");
    }
}
