//! The console's staff over HTTP: sign-in (one answer for an unknown email, a wrong
//! password and a locked account; the lock after five failures and its end; the limit
//! per address), the session cookie and its CSRF token on every write, idle and
//! absolute expiry, signing out here and everywhere, a seller's reach (its merchant's
//! cases, not the platform's desk) and an arbiter's (cases that were escalated), and
//! the staff member's name in the history — for staff, never for the shopper.

use std::net::SocketAddr;

use aftercare_protocol::staff::StaffRole;
use aftercare_server::staff;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

const PASSWORD: &str = "correct horse battery";

async fn add(app: &TestApp, merchant: Option<&str>, email: &str, name: &str) {
    let now = app.state.clock.now();
    staff::add(&app.state.store, merchant, email, Some(name), StaffRole::Agent, PASSWORD, now).await.unwrap();
}

/// A signed-in console: its cookie and CSRF token.
#[derive(Clone)]
struct Console {
    cookie: String,
    csrf: String,
}

/// Sends `request` from `peer` (the address sign-in is limited by).
async fn send_from(app: &TestApp, peer: [u8; 4], mut request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    app.send(request).await
}

async fn sign_in_from(app: &TestApp, peer: [u8; 4], email: &str, password: &str) -> (StatusCode, HeaderMap, Value) {
    let body = json!({"email": email, "password": password}).to_string();
    let request = Request::post("/v1/staff/sign-in")
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8080")
        .body(Body::from(body))
        .unwrap();
    send_from(app, peer, request).await
}

async fn sign_in(app: &TestApp, email: &str) -> Console {
    let (status, headers, session) = sign_in_from(app, [192, 0, 2, 1], email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Console { cookie, csrf: session["csrf_token"].as_str().unwrap().to_owned() }
}

impl Console {
    async fn get(&self, app: &TestApp, path: &str) -> (StatusCode, Value) {
        let request = Request::get(path).header("cookie", &self.cookie).body(Body::empty()).unwrap();
        let (status, _, body) = app.send(request).await;
        (status, body)
    }

    /// A write, with the CSRF token unless `csrf` is `None`.
    async fn post_with(&self, app: &TestApp, path: &str, csrf: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = Request::post(path).header("cookie", &self.cookie).header("content-type", "application/json");
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let (status, _, body) = app.send(request.body(Body::from(body.to_string())).unwrap()).await;
        (status, body)
    }

    async fn post(&self, app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_with(app, path, Some(&self.csrf.clone()), body).await
    }
}

async fn file(app: &TestApp) -> String {
    let (status, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_seller_signs_in_and_works_a_case_under_their_name() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "Li.Wei@Shop.example", "李伟").await;
    let id = file(&app).await;
    // The email is matched trimmed and in any case.
    let console = sign_in(&app, "  li.wei@shop.EXAMPLE ").await;

    let (status, session) = console.get(&app, "/v1/staff/session").await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["staff"]["email"], "li.wei@shop.example");
    assert_eq!(session["staff"]["merchant_id"], "acme");
    let desk = &session["desk"];
    assert_eq!(desk["merchant_id"], "acme");
    assert!(desk["refusal_reasons"].as_array().is_some_and(|r| !r.is_empty()), "{desk}");
    assert!(desk["canned_replies"].as_array().is_some_and(|r| !r.is_empty()), "{desk}");

    let (status, page) = console.get(&app, "/v1/merchant/cases").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["cases"][0]["id"], id.as_str());

    let (status, case) =
        console.post(&app, &format!("/v1/merchant/cases/{id}/messages"), &json!({"message": "请补充照片"})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (status, case) = console.post(&app, &format!("/v1/merchant/cases/{id}/accept"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let staff_of = |case: &Value| -> Vec<Value> {
        case["history"].as_array().unwrap().iter().map(|e| e["staff"].clone()).collect()
    };
    assert_eq!(staff_of(&case), [Value::Null, json!("李伟"), json!("李伟")], "{case}");

    // The shopper hears from "the seller", not from 李伟.
    let (status, mine) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(staff_of(&mine), [Value::Null, Value::Null, Value::Null], "{mine}");
    assert!(!mine.to_string().contains("李伟"), "{mine}");
    // The merchant's API sees the name, as the console does.
    let key = app.api_key(Some("acme")).await;
    let (_, detail) = app.get(&format!("/v1/merchant/cases/{id}"), &key).await;
    assert_eq!(staff_of(&detail["case"])[2], "李伟");
}

#[tokio::test]
async fn writes_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    let id = file(&app).await;
    let console = sign_in(&app, "agent@shop.example").await;
    let before = app.version_of(&id).await;
    let path = format!("/v1/merchant/cases/{id}/accept");
    for csrf in [None, Some(""), Some("not-the-token"), Some(&console.csrf[..63])] {
        let (status, error) = console.post_with(&app, &path, csrf, &json!({})).await;
        assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf_token_invalid")), "{csrf:?}");
    }
    let (status, error) = console.post_with(&app, "/v1/staff/sign-out", None, &json!({})).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf_token_invalid")));
    assert_eq!(app.version_of(&id).await, before, "nothing was written");
    // Another session's token is not this one's.
    let other = sign_in(&app, "agent@shop.example").await;
    let (status, _) = console.post_with(&app, &path, Some(&other.csrf), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Reads need no token; the right one writes.
    assert_eq!(console.get(&app, &format!("/v1/merchant/cases/{id}")).await.0, StatusCode::OK);
    assert_eq!(console.post(&app, &path, &json!({})).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_email_a_wrong_password_and_a_locked_account_get_one_answer() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    let peer = [192, 0, 2, 7];
    let (status, _, unknown) = sign_in_from(&app, peer, "nobody@shop.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown["code"], "sign_in_failed");
    for attempt in 1..=5 {
        let (status, headers, wrong) = sign_in_from(&app, peer, "agent@shop.example", "wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert_eq!(wrong, unknown, "attempt {attempt}: the same answer");
        assert!(!headers.contains_key("set-cookie"));
    }
    // Locked: the right password gets the same answer, for 15 minutes.
    let (status, _, locked) = sign_in_from(&app, peer, "agent@shop.example", PASSWORD).await;
    assert_eq!((status, &locked), (StatusCode::UNAUTHORIZED, &unknown));
    app.state.clock.advance(15 * 60_000 - 1);
    assert_eq!(sign_in_from(&app, peer, "agent@shop.example", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    app.state.clock.advance(1);
    assert_eq!(sign_in_from(&app, peer, "agent@shop.example", PASSWORD).await.0, StatusCode::OK);
    // The count started again: four failures and a success do not lock.
    for _ in 0..4 {
        sign_in_from(&app, peer, "agent@shop.example", "wrong password!").await;
    }
    assert_eq!(sign_in_from(&app, peer, "agent@shop.example", PASSWORD).await.0, StatusCode::OK);
    for _ in 0..4 {
        sign_in_from(&app, peer, "agent@shop.example", "wrong password!").await;
    }
    assert_eq!(sign_in_from(&app, peer, "agent@shop.example", PASSWORD).await.0, StatusCode::OK, "not locked");
    // An oversized password is refused before any hashing, the same way.
    let (_, _, long) = sign_in_from(&app, peer, "agent@shop.example", &"x".repeat(5000)).await;
    assert_eq!(long, unknown);
}

#[tokio::test]
async fn sign_in_is_limited_per_address() {
    let app = TestApp::new().await;
    add(&app, None, "arbiter@platform.example", "Arbiter").await;
    let mut refused = None;
    for attempt in 1..=40 {
        let (status, headers, body) = sign_in_from(&app, [198, 51, 100, 1], "nobody@x.example", "guess guess").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["code"], "rate_limited");
            assert!(headers.contains_key("retry-after"));
            refused = Some(attempt);
            break;
        }
    }
    assert_eq!(refused, Some(21), "a burst of 20, then refused");
    // Another address is not held up.
    let (status, _, _) = sign_in_from(&app, [198, 51, 100, 2], "arbiter@platform.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_end_when_idle_at_their_limit_and_on_sign_out() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    let policy = app.state.sessions;

    // Idle: 30 minutes without a request.
    let console = sign_in(&app, "agent@shop.example").await;
    app.state.clock.advance(policy.idle_ms - 1);
    assert_eq!(console.get(&app, "/v1/staff/session").await.0, StatusCode::OK, "a request keeps it alive");
    app.state.clock.advance(policy.idle_ms - 1);
    assert_eq!(console.get(&app, "/v1/staff/session").await.0, StatusCode::OK);
    app.state.clock.advance(policy.idle_ms);
    let (status, error) = console.get(&app, "/v1/staff/session").await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("session_expired")));
    assert_eq!(console.get(&app, "/v1/merchant/cases").await.0, StatusCode::UNAUTHORIZED);

    // Absolute: 12 hours after sign-in, however busy.
    let console = sign_in(&app, "agent@shop.example").await;
    let mut elapsed = 0;
    while elapsed + 20 * 60_000 < policy.absolute_ms {
        app.state.clock.advance(20 * 60_000);
        elapsed += 20 * 60_000;
        assert_eq!(console.get(&app, "/v1/merchant/cases").await.0, StatusCode::OK, "at {elapsed} ms");
    }
    app.state.clock.advance(policy.absolute_ms - elapsed);
    assert_eq!(console.get(&app, "/v1/merchant/cases").await.0, StatusCode::UNAUTHORIZED);

    // Sign-out ends this session only; sign-out everywhere ends them all.
    let (laptop, tablet, phone) = (
        sign_in(&app, "agent@shop.example").await,
        sign_in(&app, "agent@shop.example").await,
        sign_in(&app, "agent@shop.example").await,
    );
    let request = Request::post("/v1/staff/sign-out")
        .header("cookie", &laptop.cookie)
        .header("x-csrf-token", &laptop.csrf)
        .header("host", "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = app.send(request).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(laptop.get(&app, "/v1/staff/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(tablet.get(&app, "/v1/staff/session").await.0, StatusCode::OK);
    assert_eq!(tablet.post(&app, "/v1/staff/sign-out-everywhere", &json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(tablet.get(&app, "/v1/staff/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.get(&app, "/v1/staff/session").await.0, StatusCode::UNAUTHORIZED);
    // A made-up cookie is no session.
    let forged = Console { cookie: format!("aftercare_staff={}", "ab".repeat(32)), csrf: String::new() };
    assert_eq!(forged.get(&app, "/v1/staff/session").await.0, StatusCode::UNAUTHORIZED);
    // No cookie at all.
    let (status, _, error) = app.send(Request::get("/v1/staff/session").body(Body::empty()).unwrap()).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("session_missing")));
}

#[tokio::test]
async fn a_seller_reaches_its_merchants_cases_and_an_arbiter_the_escalated_ones() {
    let app = TestApp::new().await;
    add(&app, Some("other"), "agent@other.example", "Other agent").await;
    add(&app, Some("acme"), "agent@shop.example", "Acme agent").await;
    add(&app, None, "arbiter@platform.example", "仲裁员").await;
    let id = file(&app).await;
    let other = sign_in(&app, "agent@other.example").await;
    let (status, error) = other.get(&app, &format!("/v1/merchant/cases/{id}")).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::NOT_FOUND, Some("case_not_found")));
    let (status, _) = other.post(&app, &format!("/v1/merchant/cases/{id}/accept"), &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = other.get(&app, "/v1/merchant/cases").await;
    assert_eq!(page["cases"], json!([]));
    let (status, error) = other.get(&app, "/v1/platform/cases").await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("wrong_desk")));

    // The arbiter: not a case that was never escalated, nor the seller's desk.
    let arbiter = sign_in(&app, "arbiter@platform.example").await;
    let (status, session) = arbiter.get(&app, "/v1/staff/session").await;
    assert_eq!(status, StatusCode::OK);
    assert!(session.get("desk").is_none(), "{session}");
    assert_eq!(arbiter.get(&app, &format!("/v1/platform/cases/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(arbiter.get(&app, "/v1/platform/cases?state=awaiting_seller").await.1["cases"], json!([]));
    assert_eq!(arbiter.get(&app, "/v1/merchant/cases").await.0, StatusCode::FORBIDDEN);

    // Refused and escalated: now the arbiter's, and a stale ruling changes nothing.
    let acme = sign_in(&app, "agent@shop.example").await;
    let refusal = json!({"reason": "no_quality_problem", "message": "包装完好"});
    assert_eq!(acme.post(&app, &format!("/v1/merchant/cases/{id}/refuse"), &refusal).await.0, StatusCode::OK);
    let (status, case) =
        app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &json!({"reason": "请平台介入"})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (status, page) = arbiter.get(&app, "/v1/platform/cases").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["cases"][0]["id"], id.as_str());
    let ruling = json!({"in_favour_of": "seller", "message": "证据不足"});
    let path = format!("/v1/platform/cases/{id}/ruling");
    let stale = Request::post(&path)
        .header("cookie", &arbiter.cookie)
        .header("x-csrf-token", &arbiter.csrf)
        .header("content-type", "application/json")
        .header("if-match", "\"1\"")
        .body(Body::from(ruling.to_string()))
        .unwrap();
    let (status, _, error) = app.send(stale).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::CONFLICT, Some("version_mismatch")));
    assert_eq!(error["case"]["state"], "escalated", "the case as it stands");
    let (status, case) = arbiter.post(&app, &path, &ruling).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let last = case["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["actor"].as_str(), last["staff"].as_str()), (Some("platform"), Some("仲裁员")));
    // Still the arbiter's after the ruling (it was escalated once).
    assert_eq!(arbiter.get(&app, &format!("/v1/platform/cases/{id}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn accounts_need_an_email_a_long_password_and_a_free_address() {
    let app = TestApp::new().await;
    let store = &app.state.store;
    let now = app.state.clock.now();
    let add = |email: &'static str, password: &'static str| {
        staff::add(store, Some("acme"), email, None, StaffRole::Admin, password, now)
    };
    let member = add("Boss@Shop.example", "long enough!").await.unwrap();
    assert_eq!((member.email.as_str(), member.name.as_str()), ("boss@shop.example", "boss"));
    assert!(add("boss@shop.example", "another long one").await.unwrap_err().to_string().contains("exists"));
    assert!(add("not an email", "long enough!").await.unwrap_err().to_string().contains("email"));
    assert!(add("short@shop.example", "short").await.unwrap_err().to_string().contains("10 characters"));
    // The password is stored as an argon2id hash, never as given.
    use sqlx::Row;
    let row = sqlx::query("SELECT password_hash FROM staff WHERE email = 'boss@shop.example'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let hash: String = row.try_get(0).unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("long enough"), "{hash}");
}

#[tokio::test]
async fn the_queue_has_tabs_with_counts_search_and_the_nearest_deadline_first() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    // Three cases an hour apart, each with the seller's deadline 48 h after filing.
    let mut ids = Vec::new();
    for (n, phone) in ["138-0013-8000", "139 0000 1111", "13700002222"].into_iter().enumerate() {
        let order = format!("o-{n}");
        let token = app.token_for("acme", "s-1", delivered(&order));
        let mut body = damaged(&order);
        body["contact"] = json!({"phone": phone});
        let (status, case) = app.post("/v1/cases", &token, Some(&format!("k-{n}")), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        ids.push(case["id"].as_str().unwrap().to_owned());
        app.state.clock.advance(3_600_000);
    }
    let console = sign_in(&app, "agent@shop.example").await;
    let (status, queue) = console.get(&app, "/v1/merchant/queue").await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["tab"], "new");
    let order: Vec<&str> = queue["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(order, [ids[0].as_str(), ids[1].as_str(), ids[2].as_str()], "nearest deadline first");
    let count = |queue: &Value, tab: &str| {
        queue["counts"].as_array().unwrap().iter().find(|c| c["tab"] == tab).unwrap()["count"].as_u64().unwrap()
    };
    assert_eq!((count(&queue, "new"), count(&queue, "in_return"), count(&queue, "closed")), (3, 0, 0));

    // Accepting the first moves it to "in return".
    let (status, _) = console.post(&app, &format!("/v1/merchant/cases/{}/accept", ids[0]), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, queue) = console.get(&app, "/v1/merchant/queue?tab=in_return").await;
    assert_eq!(queue["cases"][0]["id"], ids[0].as_str());
    assert_eq!((count(&queue, "new"), count(&queue, "in_return")), (2, 1));

    // Search: by phone however it is spaced, by part of it, by order id and case number.
    for (q, expected) in [("13800138000", 0), ("1390000", 1), ("o-2", 2)] {
        let (_, found) = console.get(&app, &format!("/v1/merchant/queue?tab=new&q={q}")).await;
        let tab = if expected == 0 { "in_return" } else { "new" };
        assert_eq!(count(&found, tab), 1, "{q}: {found}");
        assert_eq!(found["counts"].as_array().unwrap().iter().map(|c| c["count"].as_u64().unwrap()).sum::<u64>(), 1);
        if expected > 0 {
            assert_eq!(found["cases"][0]["id"], ids[expected].as_str(), "{q}");
        }
    }
    let number = queue["cases"][0]["number"].as_str().unwrap().to_owned();
    let (_, found) = console.get(&app, &format!("/v1/merchant/queue?tab=in_return&q={}", number.to_lowercase())).await;
    assert_eq!(found["cases"][0]["id"], ids[0].as_str());
    // LIKE's wildcards are the shopper's text, not patterns.
    let (_, none) = console.get(&app, "/v1/merchant/queue?q=%25").await;
    assert_eq!(none["cases"], json!([]));
    // Pages follow the sort.
    let (_, first) = console.get(&app, "/v1/merchant/queue?limit=1").await;
    assert_eq!(first["cases"][0]["id"], ids[1].as_str());
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = console.get(&app, &format!("/v1/merchant/queue?limit=1&cursor={cursor}")).await;
    assert_eq!(second["cases"][0]["id"], ids[2].as_str());
    assert!(second.get("next_cursor").is_none());
    // Another merchant's desk sees none of it.
    add(&app, Some("other"), "agent@other.example", "Other").await;
    let other = sign_in(&app, "agent@other.example").await;
    let (_, theirs) = other.get(&app, "/v1/merchant/queue").await;
    assert_eq!((theirs["cases"].clone(), count(&theirs, "new")), (json!([]), 0));
}

#[tokio::test]
async fn desks_hear_of_their_cases_live_and_the_streams_end_at_shutdown() {
    let app = TestApp::new().await;
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    add(&app, Some("other"), "agent@other.example", "Other").await;
    add(&app, None, "arbiter@platform.example", "Arbiter").await;
    let (acme, other, arbiter) = (
        sign_in(&app, "agent@shop.example").await,
        sign_in(&app, "agent@other.example").await,
        sign_in(&app, "arbiter@platform.example").await,
    );
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let stream =
        |console: &Console| client.get(format!("{base}/v1/staff/events")).header("cookie", &console.cookie).send();
    let mut acme_events = stream(&acme).await.unwrap();
    assert_eq!(acme_events.status(), StatusCode::OK);
    assert_eq!(acme_events.headers()["content-type"], "text/event-stream");
    let mut other_events = stream(&other).await.unwrap();
    let mut arbiter_events = stream(&arbiter).await.unwrap();
    let id = file(&app).await;
    let event = next_event(&mut acme_events).await.unwrap();
    assert_eq!(
        (event["case_id"].as_str(), event["kind"].as_str(), event["state"].as_str()),
        (Some(id.as_str()), Some("file"), Some("awaiting_seller"))
    );
    // A refusal and an escalation: the arbiters hear of the case once it is theirs.
    let refusal = json!({"reason": "no_quality_problem", "message": "包装完好"});
    acme.post(&app, &format!("/v1/merchant/cases/{id}/refuse"), &refusal).await;
    assert_eq!(next_event(&mut acme_events).await.unwrap()["kind"], "refuse");
    let (status, _) =
        app.post(&format!("/v1/cases/{id}/escalate"), &app.token(), None, &json!({"reason": "请平台介入"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(next_event(&mut acme_events).await.unwrap()["kind"], "escalate");
    let heard = next_event(&mut arbiter_events).await.unwrap();
    assert_eq!((heard["case_id"].as_str(), heard["state"].as_str()), (Some(id.as_str()), Some("escalated")));

    // The other merchant's desk heard nothing of acme's case: the first it hears of is its own.
    let token = app.token_for("other", "s-9", delivered("o-9"));
    let (status, theirs) = app.post("/v1/cases", &token, Some("k-9"), &damaged("o-9")).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_eq!(next_event(&mut other_events).await.unwrap()["case_id"], theirs["id"]);

    // Shutdown: every stream ends, so a drain is not held open.
    app.state.live.stop();
    assert!(next_event(&mut acme_events).await.is_none());
    assert!(next_event(&mut other_events).await.is_none());
    assert!(next_event(&mut arbiter_events).await.is_none());
    // Without a session: no stream.
    let anonymous = client.get(format!("{base}/v1/staff/events")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// The next `case` event of a stream, or `None` once the stream ends.
async fn next_event(response: &mut reqwest::Response) -> Option<Value> {
    let mut text = String::new();
    while !(text.contains("event: case") && text.contains("\n\n")) {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap();
        match chunk {
            Some(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
            None => return None,
        }
    }
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap().to_owned();
    Some(serde_json::from_str::<Value>(&data).unwrap())
}

#[tokio::test]
async fn a_desks_admin_manages_its_canned_replies_and_staff() {
    let app = TestApp::new().await;
    let now = app.state.clock.now();
    staff::add(&app.state.store, Some("acme"), "boss@shop.example", Some("Boss"), StaffRole::Admin, PASSWORD, now)
        .await
        .unwrap();
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    let (boss, agent) = (sign_in(&app, "boss@shop.example").await, sign_in(&app, "agent@shop.example").await);

    // Seeded from the configuration (the defaults here), once.
    let (status, list) = agent.get(&app, "/v1/merchant/canned-replies").await;
    assert_eq!(status, StatusCode::OK);
    let codes = |list: &Value| -> Vec<String> {
        list["replies"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(codes(&list), ["photos_please", "return_address_sent", "refund_on_the_way"]);

    let reply = json!({"code": "thanks", "title_zh": "感谢", "title_en": "Thanks", "zh": "感谢您的耐心，订单 {order_id}。", "en": "Thank you for your patience about {order_id}."});
    let put = |console: &Console, code: &str, body: Value| {
        let request = Request::put(format!("/v1/merchant/canned-replies/{code}"))
            .header("cookie", &console.cookie)
            .header("x-csrf-token", &console.csrf)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        app.send(request)
    };
    let (status, _, error) = put(&agent, "thanks", reply.clone()).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::FORBIDDEN, Some("admin_required")));
    let (status, _, list) = put(&boss, "thanks", reply.clone()).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(codes(&list).last().unwrap(), "thanks");
    let mut bad = reply.clone();
    bad["en"] = json!("");
    let (status, _, error) = put(&boss, "thanks", bad).await;
    assert_eq!(
        (status, error["field"].as_str(), error["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("en"), Some("too_short"))
    );
    let (status, _, _) = put(&boss, "other_code", reply.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the body's code is the path's");
    // Changing one keeps its place.
    let mut changed = reply.clone();
    changed["code"] = json!("photos_please");
    changed["title_en"] = json!("More photos");
    let (_, _, list) = put(&boss, "photos_please", changed).await;
    assert_eq!(codes(&list)[0], "photos_please");
    assert_eq!(list["replies"][0]["title_en"], "More photos");

    // Deleted stays deleted (no reseeding), and the session's desk shows the same.
    let delete = Request::delete("/v1/merchant/canned-replies/return_address_sent")
        .header("cookie", &boss.cookie)
        .header("x-csrf-token", &boss.csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(delete).await.0, StatusCode::NO_CONTENT);
    let (_, session) = agent.get(&app, "/v1/staff/session").await;
    let desk_codes: Vec<&str> =
        session["desk"]["canned_replies"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(desk_codes, ["photos_please", "refund_on_the_way", "thanks"]);

    // Staff: an agent may not see or add; the admin adds one, who signs in; removed, their sessions end.
    assert_eq!(agent.get(&app, "/v1/merchant/staff").await.0, StatusCode::FORBIDDEN);
    let new =
        json!({"email": "new@shop.example", "name": "新同事", "role": "agent", "password": "a long new password"});
    assert_eq!(agent.post(&app, "/v1/merchant/staff", &new).await.0, StatusCode::FORBIDDEN);
    let (status, member) = boss.post(&app, "/v1/merchant/staff", &new).await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    assert_eq!((member["merchant_id"].as_str(), member["role"].as_str()), (Some("acme"), Some("agent")));
    let (status, error) = boss.post(&app, "/v1/merchant/staff", &new).await;
    assert_eq!((status, error["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email_taken")));
    let weak = json!({"email": "weak@shop.example", "role": "agent", "password": "short"});
    let (_, error) = boss.post(&app, "/v1/merchant/staff", &weak).await;
    assert_eq!((error["field"].as_str(), error["code"].as_str()), (Some("password"), Some("too_short")));
    let (_, list) = boss.get(&app, "/v1/merchant/staff").await;
    let emails: Vec<&str> = list["staff"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["agent@shop.example", "boss@shop.example", "new@shop.example"]);
    let (status, _, _) = sign_in_from(&app, [192, 0, 2, 9], "new@shop.example", "a long new password").await;
    assert_eq!(status, StatusCode::OK);
    let agent_id = list["staff"][0]["id"].as_str().unwrap();
    let remove = |console: &Console, id: &str| {
        Request::delete(format!("/v1/merchant/staff/{id}"))
            .header("cookie", &console.cookie)
            .header("x-csrf-token", &console.csrf)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(app.send(remove(&boss, agent_id)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        agent.get(&app, "/v1/staff/session").await.0,
        StatusCode::UNAUTHORIZED,
        "the removed agent is signed out"
    );
    let boss_id = list["staff"][1]["id"].as_str().unwrap();
    assert_eq!(app.send(remove(&boss, boss_id)).await.0, StatusCode::BAD_REQUEST, "not one's own account");
    // Another merchant's admin cannot remove acme's staff.
    staff::add(&app.state.store, Some("other"), "boss@other.example", None, StaffRole::Admin, PASSWORD, now)
        .await
        .unwrap();
    let other = sign_in(&app, "boss@other.example").await;
    assert_eq!(app.send(remove(&other, boss_id)).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_arbiters_queue_is_oldest_first_page_by_page() {
    let app = TestApp::new().await;
    let seller = app.api_key(Some("acme")).await;
    let platform = app.api_key(None).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let order = format!("o-{n}");
        let token = app.token_for("acme", "s-1", delivered(&order));
        let (_, case) = app.post("/v1/cases", &token, Some(&format!("k-{n}")), &damaged(&order)).await;
        let id = case["id"].as_str().unwrap().to_owned();
        let refusal = json!({"reason": "no_quality_problem", "message": "包装完好"});
        assert_eq!(
            app.post(&format!("/v1/merchant/cases/{id}/refuse"), &seller, None, &refusal).await.0,
            StatusCode::OK
        );
        let (status, _) =
            app.post(&format!("/v1/cases/{id}/escalate"), &token, None, &json!({"reason": "请平台介入处理"})).await;
        assert_eq!(status, StatusCode::OK);
        ids.push(id);
        app.state.clock.advance(60_000);
    }
    let ids_of = |page: &Value| -> Vec<String> {
        page["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
    };
    let (_, newest) = app.get("/v1/platform/cases", &platform).await;
    assert_eq!(ids_of(&newest), [ids[2].clone(), ids[1].clone(), ids[0].clone()]);
    let (_, first) = app.get("/v1/platform/cases?order=oldest&limit=2", &platform).await;
    assert_eq!(ids_of(&first), [ids[0].clone(), ids[1].clone()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = app.get(&format!("/v1/platform/cases?order=oldest&limit=2&cursor={cursor}"), &platform).await;
    assert_eq!(ids_of(&rest), [ids[2].clone()]);
    assert!(rest.get("next_cursor").is_none());

    // The appeals queue: ruled for the seller, appealed by the shopper, back with the platform.
    let ruling = json!({"in_favour_of": "seller", "message": "证据不足，支持卖家"});
    let (status, ruled) = app.post(&format!("/v1/platform/cases/{}/ruling", ids[1]), &platform, None, &ruling).await;
    assert_eq!(status, StatusCode::OK, "{ruled}");
    let token = app.token_for("acme", "s-1", delivered("o-1"));
    let appeal = json!({"message": "我有新的证据，请重新审理"});
    let (status, appealed) = app.post(&format!("/v1/cases/{}/appeal", ids[1]), &token, None, &appeal).await;
    assert_eq!(status, StatusCode::OK, "{appealed}");
    let state = appealed["state"].as_str().unwrap().to_owned();
    let (_, appeals) = app.get(&format!("/v1/platform/cases?state={state}&appealed=true"), &platform).await;
    assert_eq!(ids_of(&appeals), [ids[1].clone()]);
    let (_, all) = app.get(&format!("/v1/platform/cases?state={state}"), &platform).await;
    assert_eq!(ids_of(&all).len(), if state == "escalated" { 3 } else { 1 });
}

#[tokio::test]
async fn on_postgresql_a_console_on_one_node_hears_of_a_change_made_through_another() {
    let app = TestApp::new().await;
    let Some(url) = app.state.store.postgres_url.clone() else {
        return; // SQLite is one node: nothing crosses (the test command runs this on PostgreSQL too).
    };
    add(&app, Some("acme"), "agent@shop.example", "Agent").await;
    let console = sign_in(&app, "agent@shop.example").await;
    // Node B: the same database, its own process state (its own broadcast).
    let mut b = app.state.clone();
    b.store = aftercare_server::store::Store::open(&url).await.unwrap();
    b.live = std::sync::Arc::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = aftercare_server::live::fan_out(&app.state, stopped.clone())
        .into_iter()
        .chain(aftercare_server::live::fan_out(&b, stopped))
        .collect();
    app.state.live.listening(&app.state.store).await;
    b.live.listening(&b.store).await;

    let base = app.serve().await;
    let mut events = reqwest::Client::new()
        .get(format!("{base}/v1/staff/events"))
        .header("cookie", &console.cookie)
        .send()
        .await
        .unwrap();
    // A shopper files through node B.
    let request = Request::post("/v1/cases")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", app.token()))
        .header("idempotency-key", "k-b")
        .body(Body::from(damaged("o-1").to_string()))
        .unwrap();
    let response = tower::ServiceExt::oneshot(aftercare_server::app(b.clone()), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let heard = next_event(&mut events).await.expect("node A's console hears of it");
    assert_eq!((heard["kind"].as_str(), heard["state"].as_str()), (Some("file"), Some("awaiting_seller")));
    stop.send_replace(true);
    for (_, task) in tasks {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn behind_a_trusted_balancer_the_sign_in_limit_is_per_client() {
    let mut app = TestApp::new().await;
    app.state.trusted_proxies =
        std::sync::Arc::new(aftercare_server::ratelimit::TrustedProxies::parse(&["10.0.0.0/8".into()]).unwrap());
    // Through the balancer (10.0.0.2): one client's 20 attempts do not hold up another's.
    for _ in 0..20 {
        assert_eq!(attempt_via(&app, [10, 0, 0, 2], "198.51.100.1").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt_via(&app, [10, 0, 0, 2], "198.51.100.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt_via(&app, [10, 0, 0, 2], "198.51.100.2").await, StatusCode::UNAUTHORIZED);
    // A peer that is not the balancer cannot pick a fresh address for itself.
    for _ in 0..20 {
        attempt_via(&app, [203, 0, 113, 5], "192.0.2.77").await;
    }
    assert_eq!(attempt_via(&app, [203, 0, 113, 5], "192.0.2.78").await, StatusCode::TOO_MANY_REQUESTS);
}

/// A sign-in attempt from `peer` whose `X-Forwarded-For` says `client`.
async fn attempt_via(app: &TestApp, peer: [u8; 4], client: &str) -> StatusCode {
    let body = json!({"email": "nobody@x.example", "password": "guess guess"}).to_string();
    let request = Request::post("/v1/staff/sign-in")
        .header("content-type", "application/json")
        .header("x-forwarded-for", client)
        .body(Body::from(body))
        .unwrap();
    send_from(app, peer, request).await.0
}

#[tokio::test]
async fn on_postgresql_moving_the_dev_clock_through_one_node_moves_every_node() {
    let mut app = TestApp::new().await;
    let Some(url) = app.state.store.postgres_url.clone() else {
        return; // SQLite is one node.
    };
    app.state.insecure_dev = true;
    let mut b = app.state.clone();
    b.store = aftercare_server::store::Store::open(&url).await.unwrap();
    b.live = std::sync::Arc::default();
    b.clock = aftercare_server::clock::Clock::fixed(app.state.clock.now());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks: Vec<_> = aftercare_server::live::fan_out(&app.state, stopped.clone())
        .into_iter()
        .chain(aftercare_server::live::fan_out(&b, stopped))
        .collect();
    app.state.live.listening(&app.state.store).await;
    b.live.listening(&b.store).await;

    let before = app.state.clock.now();
    let request = Request::post("/dev/clock")
        .header("content-type", "application/json")
        .body(Body::from(json!({"advance_seconds": 3600}).to_string()))
        .unwrap();
    let response = tower::ServiceExt::oneshot(aftercare_server::app(b.clone()), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(b.clock.now().0 - before.0, 3_600_000);
    // Node A follows (through NOTIFY), within a generous limit.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.state.clock.now() != b.clock.now() {
        assert!(tokio::time::Instant::now() < deadline, "node A never followed the dev clock");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // A node that starts later reads it from the database.
    assert_eq!(app.state.store.dev_clock().await.unwrap(), Some(b.clock.setting()));
    stop.send_replace(true);
    for (_, task) in tasks {
        task.await.unwrap();
    }
}
