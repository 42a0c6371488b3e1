//! The write contract: every case carries a version (also its `ETag`), every write to a
//! case names the version it is based on, a stale write changes nothing and answers
//! with the case as it stands, and a repeated `Idempotency-Key` replays the first
//! answer.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

async fn file(app: &TestApp) -> String {
    let (status, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

/// A merchant write with exactly these headers (no `If-Match` added for it).
async fn seller_write(
    app: &TestApp,
    key: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, Value) {
    let mut request = Request::post(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {key}"))
        .header("x-test-no-if-match", "1");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, _, json) = app.send(request.body(Body::from(body.to_string())).unwrap()).await;
    (status, json)
}

#[tokio::test]
async fn writes_name_the_version_they_are_based_on() {
    let app = TestApp::new().await;
    let key = app.api_key(Some("acme")).await;
    let id = file(&app).await;
    let refuse = format!("/v1/merchant/cases/{id}/refuse");
    let reason = json!({"reason": "used_or_damaged", "message": "The photos show wear from use."});

    let (status, json) = seller_write(&app, &key, &refuse, &[], reason.clone()).await;
    assert_eq!((status, json["code"].as_str()), (StatusCode::PRECONDITION_REQUIRED, Some("if_match_required")));
    for bad in ["*", "\"one\"", "\"1\", \"2\""] {
        let (status, json) = seller_write(&app, &key, &refuse, &[("if-match", bad)], reason.clone()).await;
        assert_eq!((status, json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("if_match_invalid")), "{bad}");
    }
    assert_eq!(app.version_of(&id).await, Some(1), "nothing changed");

    // The ETag of a read is what a write names.
    let request = Request::get(format!("/v1/merchant/cases/{id}")).header("authorization", format!("Bearer {key}"));
    let (status, headers, detail) = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((headers["etag"].to_str().unwrap(), &detail["case"]["version"]), ("\"1\"", &json!(1)));
    let (status, refused) = seller_write(&app, &key, &refuse, &[("if-match", "\"1\"")], reason.clone()).await;
    assert_eq!(status, StatusCode::OK, "{refused}");
    assert_eq!((refused["state"].as_str(), refused["version"].as_u64()), (Some("seller_refused"), Some(2)));
    let (_, stored) = app.get(&format!("/v1/merchant/cases/{id}"), &key).await;
    assert_eq!(refused, stored["case"], "the answer is the case as stored");

    // Another write based on version 1 is stale: refused, with the case as it is now.
    let reply = format!("/v1/merchant/cases/{id}/reply");
    let (status, stale) = seller_write(&app, &key, &reply, &[("if-match", "\"1\"")], json!({"message": "Hello"})).await;
    assert_eq!((status, stale["code"].as_str()), (StatusCode::CONFLICT, Some("version_mismatch")), "{stale}");
    assert_eq!((stale["case"]["state"].as_str(), stale["case"]["version"].as_u64()), (Some("seller_refused"), Some(2)));
    assert_eq!(next_actions(&stale["case"]), ["message"], "projected for the seller who asked");
    let (_, now) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(now["history"].as_array().unwrap().len(), 2, "the stale reply left no trace");

    // A reply moves the version too, and so does the system's step.
    let (status, replied) =
        seller_write(&app, &key, &reply, &[("if-match", "W/\"2\"")], json!({"message": "Hello"})).await;
    assert_eq!((status, replied["version"].as_u64()), (StatusCode::OK, Some(3)), "{replied}");
    let (_, stored) = app.get(&format!("/v1/merchant/cases/{id}"), &key).await;
    assert_eq!(replied, stored["case"], "the answer is the case as stored");
    assert_eq!(app.advance_hours(8 * 24).await, 1, "the refused case closes");
    assert_eq!(app.version_of(&id).await, Some(4));

    // The shopper's writes too.
    let id = {
        let (_, case) = app.post("/v1/cases", &app.token(), Some("k-2"), &damaged("o-1")).await;
        case["id"].as_str().unwrap().to_owned()
    };
    let request = Request::post(format!("/v1/cases/{id}/withdraw"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", app.token()))
        .header("x-test-no-if-match", "1")
        .header("if-match", "\"7\"");
    let (status, _, stale) = app.send(request.body(Body::from("{}")).unwrap()).await;
    assert_eq!((status, stale["code"].as_str()), (StatusCode::CONFLICT, Some("version_mismatch")));
    assert_eq!(next_actions(&stale["case"]), ["withdraw", "message"], "projected for the shopper");
}

#[tokio::test]
async fn a_retried_action_gets_its_first_answer() {
    let app = TestApp::new().await;
    let key = app.api_key(Some("acme")).await;
    let id = file(&app).await;
    let refuse = format!("/v1/merchant/cases/{id}/refuse");
    let reason = json!({"reason": "used_or_damaged", "message": "The photos show wear from use."});
    let headers = [("if-match", "\"1\""), ("idempotency-key", "refuse-1")];
    let (status, first) = seller_write(&app, &key, &refuse, &headers, reason.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // The answer was lost; the client sends the same request again.
    let (status, again) = seller_write(&app, &key, &refuse, &headers, reason.clone()).await;
    assert_eq!((status, &again), (StatusCode::OK, &first));
    assert_eq!(app.version_of(&id).await, Some(2), "applied once");
    // Without the key, the retry is stale and says so.
    let (status, stale) = seller_write(&app, &key, &refuse, &headers[..1], reason.clone()).await;
    assert_eq!((status, stale["code"].as_str()), (StatusCode::CONFLICT, Some("version_mismatch")));
    // The same key for another body is refused.
    let (status, reused) =
        seller_write(&app, &key, &refuse, &headers, json!({"reason": "other", "message": "Another reason"})).await;
    assert_eq!((status, reused["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    // Keys are per party: the other merchant's identical key is theirs.
    let other = app.api_key(Some("other")).await;
    let (status, _) = seller_write(&app, &other, &refuse, &headers, reason).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not their case");
}

/// Makes every write of an idempotency record fail, as a full disk would.
async fn break_idempotency_writes(app: &TestApp) {
    let pool = app.state.store.pool();
    let statements: &[&str] = if std::env::var("AFTERCARE_TEST_POSTGRES").is_ok() {
        &[
            "CREATE FUNCTION refuse_write() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_keys BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION refuse_write()",
        ]
    } else {
        &["CREATE TRIGGER refuse_keys BEFORE INSERT ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'disk full'); END"]
    };
    for statement in statements {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
}

#[tokio::test]
async fn an_action_and_its_remembered_answer_commit_together() {
    let app = TestApp::new().await;
    let key = app.api_key(Some("acme")).await;
    let id = file(&app).await;
    break_idempotency_writes(&app).await;
    let refuse = format!("/v1/merchant/cases/{id}/refuse");
    let headers = [("if-match", "\"1\""), ("idempotency-key", "refuse-1")];
    let reason = json!({"reason": "used_or_damaged", "message": "The photos show wear from use."});
    let (status, failed) = seller_write(&app, &key, &refuse, &headers, reason.clone()).await;
    assert_eq!((status, failed["code"].as_str()), (StatusCode::INTERNAL_SERVER_ERROR, Some("internal")), "{failed}");
    // Nothing happened: had the action committed without its record, this retry
    // would be refused as stale although the refusal landed.
    assert_eq!(app.version_of(&id).await, Some(1));
    let (_, case) = app.get(&format!("/v1/merchant/cases/{id}"), &key).await;
    assert_eq!(case["case"]["state"].as_str(), Some("awaiting_seller"));
    assert_eq!(case["case"]["history"].as_array().unwrap().len(), 1);
    // A reply too.
    let reply = format!("/v1/merchant/cases/{id}/reply");
    let headers = [("if-match", "\"1\""), ("idempotency-key", "reply-1")];
    let (status, _) = seller_write(&app, &key, &reply, &headers, json!({"message": "Hello"})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.version_of(&id).await, Some(1));
    // Without a key nothing is remembered, and the action goes through.
    let (status, refused) = seller_write(&app, &key, &refuse, &headers[..1], reason).await;
    assert_eq!((status, refused["version"].as_u64()), (StatusCode::OK, Some(2)), "{refused}");
}

#[tokio::test]
async fn errors_carry_the_numbers_their_message_is_made_of() {
    let app = TestApp::new().await;
    let mut case = damaged("o-1");
    case["description"] = json!("x".repeat(1001));
    let (status, error) = app.post("/v1/cases", &app.token(), Some("k-1"), &case).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((error["field"].as_str(), error["code"].as_str()), (Some("description"), Some("too_long")));
    assert_eq!(error["params"], json!({"min": 0, "max": 1000}));

    let id = file(&app).await;
    let reason = json!({"reason": "The seller has not answered for two days."});
    let (status, early) = app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &reason).await;
    assert_eq!((status, early["code"].as_str()), (StatusCode::CONFLICT, Some("escalation_not_allowed_yet")));
    assert_eq!(early["params"], json!({"at": "2026-11-30T08:00:00.000Z"}));
}

#[test]
fn the_contract_check_can_fail() {
    let case_without_version = json!({"id": "x"}).to_string();
    for (status, body) in [(200, case_without_version.as_str()), (299, "{}"), (200, "not json")] {
        let result = std::panic::catch_unwind(|| contract::check("GET", "/v1/cases/abc", status, body.as_bytes()));
        assert!(result.is_err(), "{status} {body}");
    }
    let mut extra: Value = serde_json::from_str(r#"{"code":"x","message":"y"}"#).unwrap();
    contract::check("GET", "/v1/cases/abc", 404, extra.to_string().as_bytes());
    extra["surprise"] = json!(1);
    let result =
        std::panic::catch_unwind(|| contract::check("GET", "/v1/cases/abc", 404, extra.to_string().as_bytes()));
    assert!(result.is_err(), "a field the document does not name");
}

#[tokio::test]
async fn widget_config_carries_the_limits_the_server_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = TestApp::at(dir).await;
    let limits =
        aftercare_server::tus::Limits { max_photo_bytes: 1_234_567, max_video_bytes: 7_654_321, ..Default::default() };
    let uploads = aftercare_server::tus::Uploads::new(
        app.dir.path().join("spool-2"),
        aftercare_server::storage::Storage::local(&app.dir.path().join("media-2")).unwrap(),
        limits,
        vec![7; 32],
    )
    .unwrap();
    app.state.uploads = std::sync::Arc::new(uploads);
    let request = Request::get("/v1/widget-config?merchant=acme").body(Body::empty()).unwrap();
    let (status, _, layer) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(layer["evidence"]["max_photo_bytes"], 1_234_567);
    assert_eq!(layer["evidence"]["max_video_bytes"], 7_654_321);
    assert_eq!(layer["channels"]["phone"]["menu_key"], "9", "the merchant's own settings stay");
    // As the widget loads it, with a page trying to allow more and less.
    let server = layer.to_string();
    let page = r#"{"evidence":{"max_photo_bytes":99999999,"max_video_bytes":1000}}"#;
    let (config, errors) = aftercare_protocol::config::WidgetConfig::load(&[
        aftercare_protocol::config::Layer::new("widget-config response", &server),
        aftercare_protocol::config::Layer { source: "data-config", json: page, tightens_limits: true },
    ]);
    assert_eq!(errors, []);
    assert_eq!((config.evidence.max_photo_bytes, config.evidence.max_video_bytes), (1_234_567, 1000));
}
