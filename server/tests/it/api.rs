//! The shopper API end to end, through `oneshot` and over real sockets: case
//! lifecycles, idempotency, order-token attacks, CORS, bad input, restarts.

use crate::common::*;
use aftercare_protocol::case::ReturnInstructions;
use aftercare_protocol::lifecycle::Action;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

async fn file(app: &TestApp, key: &str) -> Value {
    let (status, case) = app.post("/v1/cases", &app.token(), Some(key), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case
}

async fn seller(app: &TestApp, case: &Value, action: Action) -> Value {
    app.seller_step(case["id"].as_str().unwrap(), action).await
}

#[tokio::test]
async fn file_then_withdraw() {
    let app = TestApp::new().await;
    let case = file(&app, "k-1").await;
    assert_eq!(case["state"], "awaiting_seller");
    assert!(case["number"].as_str().unwrap().starts_with("AC-20261128-"));
    assert_eq!(case["deadline"]["due_at"], "2026-11-30T08:00:00.000Z");
    assert_eq!(case["deadline"]["consequence"], "shopper_may_escalate");
    assert_eq!(
        next_actions(&case),
        ["withdraw", "message"],
        "the shopper may only withdraw (or write) before the seller answers"
    );
    assert_eq!(case["version"], 1);
    assert_eq!(case["history"][0]["kind"], "file");

    let id = case["id"].as_str().unwrap();
    let (_, stored) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(stored, case, "the answer to the filing is the case as stored");
    let (status, withdrawn) = app
        .post(&format!("/v1/cases/{id}/withdraw"), &app.token(), None, &json!({"message": "Solved it myself"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(withdrawn["history"][1]["message"], "Solved it myself");
    assert!(withdrawn.get("deadline").is_none());

    let (status, again) = app.post(&format!("/v1/cases/{id}/withdraw"), &app.token(), None, &json!({})).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("transition_not_allowed")));
}

#[tokio::test]
async fn return_path_from_acceptance_to_refund() {
    let app = TestApp::new().await;
    let case = file(&app, "k-1").await;
    let id = case["id"].as_str().unwrap().to_owned();
    // Shipping a return before the seller agreed is refused.
    let parcel = json!({"carrier": "SF Express", "tracking_number": "SF1234567890"});
    let (status, early) = app.post(&format!("/v1/cases/{id}/return-shipment"), &app.token(), None, &parcel).await;
    assert_eq!((status, early["code"].as_str()), (StatusCode::CONFLICT, Some("transition_not_allowed")));

    let accepted = seller(
        &app,
        &case,
        Action::Accept {
            return_instructions: Some(ReturnInstructions {
                address: "Returns, 1 Example Road".into(),
                instructions: Some("Keep the box".into()),
            }),
        },
    )
    .await;
    assert_eq!(accepted["state"], "awaiting_return_shipment");
    let (_, seen) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(seen["return_instructions"]["address"], "Returns, 1 Example Road");
    assert_eq!(seen["deadline"]["consequence"], "auto_close");

    let (status, bad) = app
        .post(
            &format!("/v1/cases/{id}/return-shipment"),
            &app.token(),
            None,
            &json!({"carrier": "SF", "tracking_number": "no spaces allowed"}),
        )
        .await;
    assert_eq!((status, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("tracking_number")));
    let (status, shipped) = app.post(&format!("/v1/cases/{id}/return-shipment"), &app.token(), None, &parcel).await;
    assert_eq!(status, StatusCode::OK, "{shipped}");
    assert_eq!(shipped["state"], "awaiting_seller_receipt");
    assert_eq!(shipped["return_shipment"]["tracking_number"], "SF1234567890");

    seller(&app, &case, Action::ConfirmReceipt).await;
    let resolved = seller(
        &app,
        &case,
        Action::PayRefund(aftercare_protocol::case::Refund {
            amount: aftercare_protocol::money::Money::new(19900, "CNY"),
            reference: None,
        }),
    )
    .await;
    assert_eq!(resolved["state"], "resolved");
    let actions: Vec<&str> =
        resolved["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(actions, ["file", "accept", "return_shipment", "confirm_receipt", "pay_refund"]);
    let actors: Vec<&str> =
        resolved["history"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["shopper", "seller", "shopper", "seller", "seller"]);
}

#[tokio::test]
async fn escalation_only_when_the_rules_allow() {
    let app = TestApp::new().await;
    let case = file(&app, "k-1").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let reason = json!({"reason": "The seller has not answered for two days."});
    let (status, early) = app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &reason).await;
    assert_eq!((status, early["code"].as_str()), (StatusCode::CONFLICT, Some("escalation_not_allowed_yet")));
    assert!(early["message"].as_str().unwrap().contains("2026-11-30T08:00:00.000Z"));

    app.state.clock.advance(48 * 3_600_000);
    let (_, seen) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(next_actions(&seen), ["escalate", "withdraw", "message"]);
    let (status, escalated) = app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &reason).await;
    assert_eq!(status, StatusCode::OK, "{escalated}");
    assert_eq!(escalated["state"], "escalated");
    assert_eq!(escalated["history"][1]["message"], "The seller has not answered for two days.");

    // After a refusal, at once.
    let refused = file(&app, "k-2").await;
    let refused = seller(&app, &refused, Action::Refuse).await;
    assert_eq!(next_actions(&refused), ["message"], "as the seller sees it");
    let (_, seen) = app.get(&format!("/v1/cases/{}", refused["id"].as_str().unwrap()), &app.token()).await;
    assert_eq!(next_actions(&seen), ["escalate", "withdraw", "message"]);
    let id = refused["id"].as_str().unwrap();
    let (status, _) = app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &reason).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn idempotency_over_a_real_socket() {
    let app = TestApp::new().await;
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let token = app.token();
    let body = damaged("o-1");
    let posts = (0..20).map(|_| {
        client
            .post(format!("{base}/v1/cases"))
            .bearer_auth(&token)
            .header("idempotency-key", "same-key")
            .json(&body)
            .send()
    });
    let responses = futures_join_all(posts).await;
    let mut bodies = Vec::new();
    for response in responses {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        bodies.push(response.text().await.unwrap());
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "every duplicate replays the first answer");
    let (_, list) = app.get("/v1/cases?order=o-1", &token).await;
    assert_eq!(list["cases"].as_array().unwrap().len(), 1, "twenty posts, one case");

    // Same key, different body.
    let mut other = damaged("o-1");
    other["description"] = json!("A different complaint entirely.");
    let response = client
        .post(format!("{base}/v1/cases"))
        .bearer_auth(&token)
        .header("idempotency-key", "same-key")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "idempotency_key_reused");

    // Same body, keys differently spaced and ordered: still the same request.
    let reordered = r#"{ "contact": {"phone": "138 0013 8000", "name": "Li Lei"}, "order_id": "o-1", "item_ids": ["item-1"],
        "problem_type": "logistics", "reason": "damaged_in_transit", "resolution": "return_and_refund",
        "description": "The box arrived crushed and the lid is bent." }"#;
    let response = client
        .post(format!("{base}/v1/cases"))
        .bearer_auth(&token)
        .header("idempotency-key", "same-key")
        .header("content-type", "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.text().await.unwrap(), bodies[0]);

    // No key.
    let response = client.post(format!("{base}/v1/cases")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "idempotency_key_missing");
}

/// Filings arriving together are committed together (group commit); one that fails
/// (a reused key with another body) leaves the others in its batch alone.
#[tokio::test]
async fn concurrent_filings_with_some_refused_all_commit_correctly() {
    let app = TestApp::new().await;
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let token = app.token();
    let mut posts = Vec::new();
    for n in 0..30 {
        let mut body = damaged("o-1");
        body["description"] = json!(format!("Complaint number {n}, the box was crushed."));
        posts.push((format!("key-{n}"), body.clone()));
        if n % 3 == 0 {
            body["description"] = json!(format!("A different story for key {n}, also long enough."));
            posts.push((format!("key-{n}"), body));
        }
    }
    let sent = posts.into_iter().map(|(key, body)| {
        client.post(format!("{base}/v1/cases")).bearer_auth(&token).header("idempotency-key", key).json(&body).send()
    });
    let mut statuses = Vec::new();
    for response in futures_join_all(sent).await {
        statuses.push(response.unwrap().status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 30);
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 10, "{statuses:?}");
    let (_, list) = app.get("/v1/cases?order=o-1", &token).await;
    let mut numbers: Vec<String> =
        list["cases"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 30, "thirty cases, each with its own number");
    assert_eq!(numbers.last().unwrap(), "AC-20261128-000030", "numbers have no gaps");
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn idempotency_keys_survive_a_restart() {
    let app = TestApp::new().await;
    let first = file(&app, "k-restart").await;
    let token = app.token();
    app.state.store.close().await;
    let dir = app.dir;
    let app = TestApp::at(dir).await;
    let (status, again) = app.post("/v1/cases", &token, Some("k-restart"), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, first, "replayed from the database");
    let (_, list) = app.get("/v1/cases?order=o-1", &token).await;
    assert_eq!(list["cases"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn token_attacks() {
    let app = TestApp::new().await;
    let case = file(&app, "k-1").await;
    let id = case["id"].as_str().unwrap();
    let check = |status: StatusCode, json: &Value, expected: (StatusCode, &str)| {
        assert_eq!((status, json["code"].as_str().unwrap_or("")), expected, "{json}");
    };

    // No token, garbage, expired.
    let (status, _, json) = app.send(Request::get("/v1/cases?order=o-1").body(Body::empty()).unwrap()).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_missing"));
    let (status, json) = app.get("/v1/cases?order=o-1", "abc.def.ghi").await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));
    let token = app.token();
    app.state.clock.advance(31 * 60_000);
    let (status, json) = app.get("/v1/cases?order=o-1", &token).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_expired"));
    app.state.clock.set(now());

    // Tampered claims keep the old signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64_decode(parts[1])).unwrap();
    claims["order_id"] = json!("o-2");
    claims["order"]["order_id"] = json!("o-2");
    let tampered = format!("{}.{}.{}", parts[0], b64_encode(claims.to_string().as_bytes()), parts[2]);
    let (status, json) = app.get("/v1/cases?order=o-2", &tampered).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));
    let mut snapshot_only: Value = serde_json::from_slice(&b64_decode(parts[1])).unwrap();
    snapshot_only["order"]["state"] = json!("paid");
    let tampered = format!("{}.{}.{}", parts[0], b64_encode(snapshot_only.to_string().as_bytes()), parts[2]);
    let (status, json) = app.get("/v1/cases?order=o-1", &tampered).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));

    // alg: none.
    let none = format!("{}.{}.", b64_encode(br#"{"alg":"none","typ":"JWT","kid":"acme-key"}"#), parts[1]);
    let (status, json) = app.get("/v1/cases?order=o-1", &none).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));

    // Another algorithm with the right key.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384);
    header.kid = Some("acme-key".into());
    let claims: Value = serde_json::from_slice(&b64_decode(parts[1])).unwrap();
    let hs384 = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&[0x11; 32])).unwrap();
    let (status, json) = app.get("/v1/cases?order=o-1", &hs384).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));

    // Another merchant's key, claiming to be acme.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("other-key".into());
    let cross = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&[0x22; 32])).unwrap();
    let (status, json) = app.get("/v1/cases?order=o-1", &cross).await;
    check(status, &json, (StatusCode::UNAUTHORIZED, "order_token_invalid"));

    // A valid token for another order cannot reach this order's case or list it.
    let elsewhere = app.token_for("acme", "s-1", delivered("o-2"));
    let (status, json) = app.get(&format!("/v1/cases/{id}"), &elsewhere).await;
    check(status, &json, (StatusCode::NOT_FOUND, "case_not_found"));
    let (status, json) = app.post(&format!("/v1/cases/{id}/withdraw"), &elsewhere, None, &json!({})).await;
    check(status, &json, (StatusCode::NOT_FOUND, "case_not_found"));
    let (status, json) = app.get("/v1/cases?order=o-1", &elsewhere).await;
    check(status, &json, (StatusCode::FORBIDDEN, "order_mismatch"));
    // Another shopper on the same order sees nothing of it; so does another merchant.
    let neighbour = app.token_for("acme", "s-2", delivered("o-1"));
    let (status, json) = app.get(&format!("/v1/cases/{id}"), &neighbour).await;
    check(status, &json, (StatusCode::NOT_FOUND, "case_not_found"));
    let other_merchant = app.token_for("other", "s-1", delivered("o-1"));
    let (_, json) = app.get("/v1/cases?order=o-1", &other_merchant).await;
    assert_eq!(json["cases"], json!([]));

    // A body naming another order than the token's.
    let (status, json) = app.post("/v1/cases", &app.token(), Some("k-x"), &damaged("o-2")).await;
    check(status, &json, (StatusCode::UNPROCESSABLE_ENTITY, "order_mismatch"));
}

fn b64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn b64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn rules_come_from_the_signed_snapshot() {
    let app = TestApp::new().await;
    let paid = aftercare_protocol::order::OrderSnapshot {
        state: Some(aftercare_protocol::order::OrderState::Paid),
        delivered_at: None,
        prices: Vec::new(),
        ..delivered("o-1")
    };
    let token = app.token_for("acme", "s-1", paid);
    let (status, json) = app.post("/v1/cases", &token, Some("k-1"), &damaged("o-1")).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_available_for_order_state"))
    );
    let mut refund = damaged("o-1");
    refund["reason"] = json!("delayed");
    refund["resolution"] = json!("refund_only");
    let (status, json) = app.post("/v1/cases", &token, Some("k-2"), &refund).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    // A refund-only acceptance goes straight to the refund.
    let accepted = seller(&app, &json, Action::Accept { return_instructions: None }).await;
    assert_eq!(accepted["state"], "awaiting_resolution");
}

#[tokio::test]
async fn bad_input_gets_specific_errors() {
    let app = TestApp::new().await;
    let token = app.token();
    let post_raw = |body: &'static str, content_type: &'static str| {
        Request::post("/v1/cases")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "k")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, json) = app.send(post_raw("{not json", "application/json")).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_json")));
    let (status, _, json) = app.send(post_raw("{}", "text/plain")).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));

    let mut wrong_type = damaged("o-1");
    wrong_type["item_ids"] = json!("item-1");
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &wrong_type).await;
    assert_eq!((status, json["field"].as_str()), (StatusCode::BAD_REQUEST, Some("item_ids")));
    let mut unknown_type = damaged("o-1");
    unknown_type["problem_type"] = json!("boredom");
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &unknown_type).await;
    assert_eq!((status, json["field"].as_str()), (StatusCode::BAD_REQUEST, Some("problem_type")));
    let mut missing = damaged("o-1");
    missing.as_object_mut().unwrap().remove("contact");
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &missing).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(json["message"].as_str().unwrap().contains("missing field `contact`"));

    let mut long = damaged("o-1");
    long["description"] = json!("x".repeat(1001));
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &long).await;
    assert_eq!(
        (status, json["code"].as_str(), json["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("too_long"), Some("description"))
    );
    let mut forbidden = damaged("o-1");
    forbidden["resolution"] = json!("reshipment");
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &forbidden).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("resolution_not_allowed")));
    let mut with_media = damaged("o-1");
    with_media["media"] = json!([{"upload_id": "up_1", "kind": "photo"}]);
    let (status, json) = app.post("/v1/cases", &token, Some("k"), &with_media).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("media_not_found")));

    let huge = Box::leak(format!("{{\"description\":\"{}\"}}", "x".repeat(70_000)).into_boxed_str());
    let (status, _, json) = app.send(post_raw(huge, "application/json")).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")));

    let (status, json) = app.get("/v1/cases", &token).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    let (status, json) = app.get("/v1/no-such-thing", &token).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _, json) = app.send(Request::delete("/v1/cases").body(Body::empty()).unwrap()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    let (status, _, json) =
        app.send(Request::get("/v1/widget-config?merchant=nobody").body(Body::empty()).unwrap()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_merchant")));
}

#[tokio::test]
async fn cors() {
    let app = TestApp::new().await;
    let preflight = |origin: &str| {
        Request::options("/v1/cases")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type, idempotency-key")
            .body(Body::empty())
            .unwrap()
    };
    let (_, headers, _) = app.send(preflight(SHOP)).await;
    assert_eq!(headers["access-control-allow-origin"], SHOP);
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("idempotency-key"));
    assert!(headers.get_all("vary").iter().any(|v| v.to_str().unwrap().contains("origin")));
    let (_, headers, _) = app.send(preflight("https://evil.example")).await;
    assert!(headers.get("access-control-allow-origin").is_none());

    let request = |origin: Option<&str>, token: &str| {
        let mut request = Request::get("/v1/cases?order=o-1").header("authorization", format!("Bearer {token}"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.body(Body::empty()).unwrap()
    };
    let token = app.token();
    let (status, headers, _) = app.send(request(Some(SHOP), &token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], SHOP);
    // Allowed for another merchant, not for this token's merchant.
    let (status, _, json) = app.send(request(Some("https://shop.other.example"), &token)).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::FORBIDDEN, Some("origin_not_allowed")));
    let (status, _, json) = app.send(request(Some("https://evil.example"), &token)).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::FORBIDDEN, Some("origin_not_allowed")));
    // A merchant's server or a CLI sends no Origin.
    let (status, headers, _) = app.send(request(None, &token)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn dev_clock_exists_only_with_insecure_dev() {
    let mut app = TestApp::new().await;
    let clock = || {
        let request = Request::post("/dev/clock").header("content-type", "application/json");
        request.body(Body::from(r#"{"set":"2027-01-01T00:00:00Z","advance_seconds":60}"#)).unwrap()
    };
    let (status, _, _) = app.send(clock()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.state.insecure_dev = true;
    let (status, _, json) = app.send(clock()).await;
    assert_eq!((status, json["now"].as_str()), (StatusCode::OK, Some("2027-01-01T00:01:00.000Z")));
    assert_eq!(app.state.clock.now().to_rfc3339(), "2027-01-01T00:01:00.000Z");
}

#[tokio::test]
async fn the_demo_serves_tokens_and_explains_a_missing_build() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = TestApp::new().await;
    let demo = aftercare_server::merchants::demo(dir.path(), vec!["http://127.0.0.1:8080".into()]).unwrap();
    app.state.merchants = std::sync::Arc::new(aftercare_server::merchants::Merchants::new(vec![demo]).unwrap());
    let (status, _, json) =
        app.send(Request::get("/demo/token?order=20261128-0042&shopper=demo-1").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let token = json["token"].as_str().unwrap().to_owned();
    let (status, list) = app.get("/v1/cases?order=20261128-0042", &token).await;
    assert_eq!((status, list["cases"].clone()), (StatusCode::OK, json!([])));
    let (status, _, _) =
        app.send(Request::get("/demo/token?order=other&shopper=demo-1").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let response =
        aftercare_server::app(app.state.clone()).oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("scripts/build"));

    // After a restart (same data folder) the demo key, and so old tokens, still work.
    let again = aftercare_server::merchants::demo(dir.path(), vec![]).unwrap();
    app.state.merchants = std::sync::Arc::new(aftercare_server::merchants::Merchants::new(vec![again]).unwrap());
    let (status, _) = app.get("/v1/cases?order=20261128-0042", &token).await;
    assert_eq!(status, StatusCode::OK);
}

use tower::ServiceExt;

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json")).unwrap_or_default();
    let generated = aftercare_server::openapi::document();
    assert!(
        committed == generated,
        "openapi.json is out of date: run `cargo run -p aftercare-server -- openapi > openapi.json`"
    );
    let doc: Value = serde_json::from_str(&generated).unwrap();
    for path in [
        "/v1/cases",
        "/v1/cases/{id}",
        "/v1/cases/{id}/escalate",
        "/v1/cases/{id}/withdraw",
        "/v1/cases/{id}/return-shipment",
        "/v1/widget-config",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    for schema in ["NewCase", "Case", "ApiError", "CaseState", "Shipment"] {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "{schema} documented");
    }
}

/// Every wire enum is documented with the values the wire carries (snake_case), so a
/// client generated from `openapi.json` parses real answers.
#[test]
fn the_documented_enums_are_the_wire_values() {
    use aftercare_protocol::case::{Actor, CaseState, Consequence, MediaKind, ProblemType, Reason, Resolution};
    let doc: Value = serde_json::from_str(&aftercare_server::openapi::document()).unwrap();
    let documented = |name: &str| -> Vec<String> {
        let values = doc["components"]["schemas"][name]["enum"].as_array();
        values.unwrap_or_else(|| panic!("{name} has no enum")).iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    fn wire<T: serde::Serialize>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_owned()).collect()
    }
    assert_eq!(documented("ProblemType"), wire(ProblemType::ALL));
    assert_eq!(documented("Reason"), wire(Reason::ALL));
    assert_eq!(documented("Resolution"), wire(Resolution::ALL));
    assert_eq!(documented("Actor"), wire(Actor::ALL));
    assert_eq!(documented("CaseState"), wire(CaseState::ALL));
    assert_eq!(documented("MediaKind"), wire(MediaKind::ALL));
    assert_eq!(documented("Consequence"), wire(Consequence::ALL));
    assert_eq!(documented("CaseState")[0], "awaiting_seller");
}

#[tokio::test]
async fn readyz_answers_for_the_database_and_the_storage_and_says_so_while_draining() {
    let app = TestApp::new().await;
    let get = |state: aftercare_server::AppState| async move {
        let request = axum::http::Request::get("/readyz").body(axum::body::Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(aftercare_server::app(state), request).await.unwrap();
        let status = response.status();
        let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
    };
    let (status, body) = get(app.state.clone()).await;
    assert_eq!((status.as_u16(), body["ready"].as_bool()), (200, Some(true)));
    app.state.draining.store(true, std::sync::atomic::Ordering::SeqCst);
    let (status, body) = get(app.state.clone()).await;
    assert_eq!(
        (status.as_u16(), body["draining"].as_bool(), body["database"].as_bool()),
        (503, Some(true), Some(true))
    );
    app.state.draining.store(false, std::sync::atomic::Ordering::SeqCst);
    // A database that no longer answers.
    app.state.store.close().await;
    let (status, body) = get(app.state.clone()).await;
    assert_eq!((status.as_u16(), body["database"].as_bool()), (503, Some(false)));
}
