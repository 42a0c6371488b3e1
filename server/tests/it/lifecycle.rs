//! The merchant and platform APIs over HTTP: whole case lifecycles, refused
//! transitions, keys kept to their merchant, deadlines moved on by the scheduler (once,
//! and again correctly after a restart).

use crate::common::*;
use aftercare_protocol::case::Consequence;
use axum::http::StatusCode;
use serde_json::{json, Value};

struct Parties {
    app: TestApp,
    seller: String,
    platform: String,
}

impl Parties {
    async fn new() -> Parties {
        Parties::of(TestApp::new().await).await
    }

    async fn of(app: TestApp) -> Parties {
        let seller = app.api_key(Some("acme")).await;
        let platform = app.api_key(None).await;
        Parties { app, seller, platform }
    }

    /// Files the standard damaged-in-transit case (return and refund) as shopper s-1.
    async fn file(&self, key: &str) -> String {
        self.file_body(key, damaged("o-1")).await
    }

    async fn file_body(&self, key: &str, body: Value) -> String {
        let (status, case) = self.app.post("/v1/cases", &self.app.token(), Some(key), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        case["id"].as_str().unwrap().to_owned()
    }

    async fn seller(&self, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/v1/merchant/cases/{id}/{action}"), &self.seller, None, &body).await
    }

    async fn shopper(&self, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/v1/cases/{id}/{action}"), &self.app.token(), None, &body).await
    }

    async fn ok(&self, (status, case): (StatusCode, Value), state: &str) -> Value {
        assert_eq!(status, StatusCode::OK, "{case}");
        assert_eq!(case["state"], state, "{case}");
        case
    }
}

const PARCEL: &str = r#"{"carrier": "SF Express", "tracking_number": "SF1234567890"}"#;

#[tokio::test]
async fn the_return_path_from_filing_to_refund() {
    let p = Parties::new().await;
    let id = p.file("k-1").await;

    // The merchant sees it, with who filed it.
    let (status, page) = p.app.get("/v1/merchant/cases?state=awaiting_seller", &p.seller).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["cases"][0]["id"], id.as_str());
    let (_, detail) = p.app.get(&format!("/v1/merchant/cases/{id}"), &p.seller).await;
    assert_eq!((detail["shopper_id"].as_str(), detail["merchant_id"].as_str()), (Some("s-1"), Some("acme")));

    // A reply is history, not a change of state.
    let replied = p
        .ok(p.seller(&id, "reply", json!({"message": "Sorry! Could you send the box back?"})).await, "awaiting_seller")
        .await;
    assert_eq!(replied["history"][1]["kind"], "message");
    assert_eq!(replied["deadline"]["due_at"], "2026-11-30T08:00:00.000Z", "a reply does not restart the clock");

    let address = json!({"return_instructions": {"address": "Returns desk, 8 Warehouse Rd, Hangzhou", "instructions": "Write AC on the box"}});
    let accepted = p.ok(p.seller(&id, "accept", address).await, "awaiting_return_shipment").await;
    assert_eq!(accepted["return_instructions"]["address"], "Returns desk, 8 Warehouse Rd, Hangzhou");

    p.ok(p.shopper(&id, "return-shipment", serde_json::from_str(PARCEL).unwrap()).await, "awaiting_seller_receipt")
        .await;
    p.ok(p.seller(&id, "confirm-receipt", json!({"message": "Arrived in good order"})).await, "awaiting_resolution")
        .await;
    let (status, bad) = p.seller(&id, "refund", json!({"amount": {"minor_units": 0, "currency": "CNY"}})).await;
    assert_eq!((status, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("amount.minor_units")));
    let (status, bad) = p.seller(&id, "refund", json!({"amount": "199.00"})).await;
    assert_eq!(
        (status, bad["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json")),
        "decimal strings are gone"
    );
    let resolved = p
        .ok(
            p.seller(
                &id,
                "refund",
                json!({"amount": {"minor_units": 19900, "currency": "CNY"}, "reference": "WX-REF-1"}),
            )
            .await,
            "resolved",
        )
        .await;
    assert_eq!(
        resolved["refund"],
        json!({"amount": {"minor_units": 19900, "currency": "CNY"}, "reference": "WX-REF-1"})
    );
    assert_eq!(resolved["history"].as_array().unwrap().last().unwrap()["message"], "199.00 CNY");
    assert_eq!(
        story(&resolved),
        [
            "shopper:file",
            "seller:message",
            "seller:accept",
            "shopper:return_shipment",
            "seller:confirm_receipt",
            "seller:pay_refund"
        ]
    );
    // Over: no more replies.
    let (status, closed) = p.seller(&id, "reply", json!({"message": "Anything else?"})).await;
    assert_eq!((status, closed["code"].as_str()), (StatusCode::CONFLICT, Some("case_closed")));

    // The shopper sees the same story.
    let (_, seen) = p.app.get(&format!("/v1/cases/{id}"), &p.app.token()).await;
    assert_eq!(seen["state"], "resolved");
    assert_eq!(seen["history"][1]["message"], "Sorry! Could you send the box back?");
}

#[tokio::test]
async fn refusal_escalation_and_the_platforms_ruling() {
    let p = Parties::new().await;
    let id = p.file("k-1").await;
    let (status, missing) = p.seller(&id, "refuse", json!({"reason": "no_quality_problem", "message": " "})).await;
    assert_eq!((status, missing["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("message")));
    p.ok(
        p.seller(&id, "refuse", json!({"reason": "used_or_damaged", "message": "The photos show wear from use."}))
            .await,
        "seller_refused",
    )
    .await;
    p.ok(p.shopper(&id, "escalate", json!({"reason": "It arrived like this; see the photos."})).await, "escalated")
        .await;

    // The platform sees it among escalated cases, across merchants.
    let (status, page) = p.app.get("/v1/platform/cases", &p.platform).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["cases"].as_array().unwrap().len(), 1);
    assert_eq!(page["cases"][0]["history"][2]["message"], "It arrived like this; see the photos.");
    let (_, detail) = p.app.get(&format!("/v1/platform/cases/{id}"), &p.platform).await;
    assert_eq!(detail["merchant_id"], "acme");

    let ruling = json!({"in_favour_of": "seller", "message": "The damage is consistent with use."});
    let (status, ruled) = p.app.post(&format!("/v1/platform/cases/{id}/ruling"), &p.platform, None, &ruling).await;
    assert_eq!(status, StatusCode::OK, "{ruled}");
    assert_eq!(ruled["state"], "ruled", "open to appeal by the shopper");
    assert_eq!(ruled["history"][3]["actor"], "platform");
    assert_eq!(ruled["history"][3]["message"], "The damage is consistent with use.");
    assert_eq!(ruled["ruling"], json!({"in_favour_of": "seller", "on_appeal": false}));
    let (status, again) = p.app.post(&format!("/v1/platform/cases/{id}/ruling"), &p.platform, None, &ruling).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("transition_not_allowed")));
    // The appeal window (72 h) passes: the ruling takes effect.
    assert_eq!(p.app.advance_hours(72).await, 1);
    let (_, closed) = p.app.get(&format!("/v1/platform/cases/{id}"), &p.platform).await;
    assert_eq!(closed["case"]["state"], "closed");
    assert_eq!(story(&closed["case"]).last().unwrap(), "system:ruling_carried_out");

    // Ruling for the shopper on a return: the merchant's return address applies.
    let id = p.file("k-2").await;
    p.seller(&id, "refuse", json!({"reason": "other", "message": "No."})).await;
    p.shopper(&id, "escalate", json!({"reason": "The seller will not help."})).await;
    let ruling = json!({"in_favour_of": "shopper", "message": "Return it for a refund."});
    let (status, ruled) = p.app.post(&format!("/v1/platform/cases/{id}/ruling"), &p.platform, None, &ruling).await;
    assert_eq!(status, StatusCode::OK, "{ruled}");
    assert_eq!(ruled["state"], "ruled");
    assert_eq!(ruled["return_instructions"]["address"], "acme returns desk, 1 Example Road");
    assert_eq!(p.app.advance_hours(72).await, 1);
    let (_, carried) = p.app.get(&format!("/v1/cases/{id}"), &p.app.token()).await;
    assert_eq!(carried["state"], "awaiting_return_shipment");
    let (status, odd) = p
        .app
        .post(
            &format!("/v1/platform/cases/{id}/ruling"),
            &p.platform,
            None,
            &json!({"in_favour_of": "system", "message": "x"}),
        )
        .await;
    assert_eq!((status, odd["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("in_favour_of")));
}

#[tokio::test]
async fn exchange_ends_with_the_replacements_shipment_and_withdrawal_stops_a_case() {
    let p = Parties::new().await;
    let mut exchange = damaged("o-1");
    exchange["resolution"] = json!("reshipment");
    exchange["reason"] = json!("lost");
    let id = p.file_body("k-1", exchange).await;
    p.ok(p.seller(&id, "accept", json!({})).await, "awaiting_resolution").await;
    let shipped =
        p.ok(p.seller(&id, "replacement-shipment", serde_json::from_str(PARCEL).unwrap()).await, "resolved").await;
    assert_eq!(shipped["replacement_shipment"]["tracking_number"], "SF1234567890");

    let id = p.file("k-2").await;
    p.ok(p.shopper(&id, "withdraw", json!({"message": "Found a neighbour had it"})).await, "withdrawn").await;
    let (status, late) = p.seller(&id, "accept", json!({})).await;
    assert_eq!((status, late["code"].as_str()), (StatusCode::CONFLICT, Some("transition_not_allowed")));
}

/// Every merchant action in every reachable state: allowed ones change the state as
/// the lifecycle says; every other one is a 409 and changes nothing.
#[tokio::test]
async fn every_forbidden_merchant_transition_is_refused() {
    let p = Parties::new().await;
    let accept = json!({"return_instructions": {"address": "Returns desk"}});
    let calls: [(&str, Value); 6] = [
        ("accept", accept.clone()),
        ("refuse", json!({"reason": "other", "message": "No."})),
        ("confirm-receipt", json!({})),
        ("refund", json!({"amount": {"minor_units": 100, "currency": "CNY"}})),
        ("replacement-shipment", serde_json::from_str(PARCEL).unwrap()),
        ("resolve", json!({"message": "Settled by phone."})),
    ];
    // (state to reach, the calls that must succeed there)
    let table: [(&str, &[&str]); 6] = [
        ("awaiting_seller", &["accept", "refuse"]),
        ("seller_refused", &[]),
        ("awaiting_return_shipment", &[]),
        ("awaiting_seller_receipt", &["confirm-receipt"]),
        ("awaiting_resolution", &["refund", "resolve"]),
        ("escalated", &[]),
    ];
    let mut n = 0;
    for (state, allowed) in table {
        for (action, body) in &calls {
            n += 1;
            let id = p.file(&format!("k-{n}")).await;
            match state {
                "awaiting_seller" => {}
                "seller_refused" => drop(p.seller(&id, "refuse", json!({"reason": "other", "message": "No."})).await),
                "escalated" => {
                    p.seller(&id, "refuse", json!({"reason": "other", "message": "No."})).await;
                    p.shopper(&id, "escalate", json!({"reason": "Please look at this."})).await;
                }
                _ => {
                    p.seller(&id, "accept", accept.clone()).await;
                    if state != "awaiting_return_shipment" {
                        p.shopper(&id, "return-shipment", serde_json::from_str(PARCEL).unwrap()).await;
                    }
                    if state == "awaiting_resolution" {
                        p.seller(&id, "confirm-receipt", json!({})).await;
                    }
                }
            }
            let (_, before) = p.app.get(&format!("/v1/merchant/cases/{id}"), &p.seller).await;
            assert_eq!(before["case"]["state"], state);
            let (status, answer) = p.seller(&id, action, body.clone()).await;
            if allowed.contains(action) {
                assert_eq!(status, StatusCode::OK, "{state} {action}: {answer}");
            } else {
                assert_eq!(
                    (status, answer["code"].as_str()),
                    (StatusCode::CONFLICT, Some("transition_not_allowed")),
                    "{state} {action}: {answer}"
                );
                let (_, after) = p.app.get(&format!("/v1/merchant/cases/{id}"), &p.seller).await;
                assert_eq!(after["case"], before["case"], "{state} {action} changed nothing");
            }
        }
    }
}

#[tokio::test]
async fn keys_reach_only_their_own_merchants_cases() {
    let p = Parties::new().await;
    let id = p.file("k-1").await;
    let other = p.app.api_key(Some("other")).await;
    let (status, body) = p.app.get(&format!("/v1/merchant/cases/{id}"), &other).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("case_not_found")));
    let (status, _) = p.app.post(&format!("/v1/merchant/cases/{id}/accept"), &other, None, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = p.app.get("/v1/merchant/cases", &other).await;
    assert_eq!(page["cases"], json!([]));

    let (status, body) = p.app.get("/v1/merchant/cases", &p.platform).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("api_key_wrong_scope")));
    let (status, body) = p.app.get("/v1/platform/cases", &p.seller).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("api_key_wrong_scope")));
    let (status, body) = p.app.get("/v1/merchant/cases", "acm_not_a_key").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("api_key_invalid")));
    // A shopper's order token is not an API key.
    let (status, _) = p.app.get("/v1/merchant/cases", &p.app.token()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn lists_filter_and_page() {
    let p = Parties::new().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(p.file(&format!("k-{n}")).await);
        p.app.state.clock.advance(60_000);
    }
    let mut quality = damaged("o-1");
    quality["problem_type"] = json!("seller_service");
    quality["reason"] = json!("no_response");
    quality["resolution"] = json!("complaint_only");
    let service = p.file_body("k-s", quality).await;

    let (_, page) = p.app.get("/v1/merchant/cases?type=seller_service", &p.seller).await;
    assert_eq!(
        page["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>(),
        [service.as_str()]
    );
    let (_, page) = p.app.get("/v1/merchant/cases?type=logistics&limit=2", &p.seller).await;
    let first: Vec<&str> = page["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(first, [ids[4].as_str(), ids[3].as_str()], "newest first");
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, page) = p.app.get(&format!("/v1/merchant/cases?type=logistics&limit=2&cursor={cursor}"), &p.seller).await;
    let second: Vec<&str> = page["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(second, [ids[2].as_str(), ids[1].as_str()]);
    let (_, page) = p.app.get("/v1/merchant/cases?from=2026-11-28T08:02:00Z&to=2026-11-28T08:04:00Z", &p.seller).await;
    assert_eq!(page["cases"].as_array().unwrap().len(), 2);
    let (_, page) = p.app.get("/v1/merchant/cases?order=o-2", &p.seller).await;
    assert_eq!(page["cases"], json!([]));
    let (status, bad) = p.app.get("/v1/merchant/cases?state=lost", &p.seller).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    let (status, _) = p.app.get("/v1/merchant/cases?limit=0", &p.seller).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn each_deadline_consequence_fires_once() {
    let p = Parties::new().await;
    let accept = json!({"return_instructions": {"address": "Returns desk"}});
    // The shopper does not ship the return within 7 days: closed.
    let unshipped = p.file("k-1").await;
    p.seller(&unshipped, "accept", accept.clone()).await;
    // The seller does not confirm receipt within 7 days: receipt taken as confirmed.
    let unconfirmed = p.file("k-2").await;
    p.seller(&unconfirmed, "accept", accept.clone()).await;
    p.shopper(&unconfirmed, "return-shipment", serde_json::from_str(PARCEL).unwrap()).await;
    // After a refusal the shopper does not escalate within 7 days: closed.
    let refused = p.file("k-3").await;
    p.seller(&refused, "refuse", json!({"reason": "other", "message": "No."})).await;
    // The seller never answers: nothing automatic (the shopper may escalate).
    let silent = p.file("k-4").await;

    assert_eq!(p.app.advance_hours(7 * 24 - 1).await, 0, "nothing is due an hour early");
    assert_eq!(p.app.advance_hours(1).await, 3);
    let state = |id: String| {
        let app = &p.app;
        let key = p.seller.clone();
        async move { app.get(&format!("/v1/merchant/cases/{id}"), &key).await.1["case"].clone() }
    };
    let closed = state(unshipped.clone()).await;
    assert_eq!((closed["state"].as_str(), closed["history"][2]["actor"].as_str()), (Some("closed"), Some("system")));
    assert_eq!(state(unconfirmed.clone()).await["state"], "awaiting_resolution");
    assert_eq!(state(refused.clone()).await["state"], "closed");
    let (_, seen) = p.app.get(&format!("/v1/cases/{silent}"), &p.app.token()).await;
    let silent = state(silent).await;
    assert_eq!(silent["state"], "awaiting_seller");
    assert_eq!(
        next_actions(&seen),
        ["escalate", "withdraw", "message"],
        "the shopper may now ask the platform: {seen}"
    );

    // Once: nothing fires again, however long we wait.
    assert_eq!(p.app.advance_hours(30 * 24).await, 0);
    assert_eq!(state(unshipped).await["history"].as_array().unwrap().len(), 3);
    // The auto-confirmed case now waits for the refund; its deadline has no automatic consequence.
    assert_eq!(state(unconfirmed).await["history"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn auto_accept_when_the_merchant_chooses_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::with(dir, |merchants| merchants[0].deadlines.on_seller_silence = Consequence::AutoAccept).await;
    let p = Parties::of(app).await;
    let id = p.file("k-1").await;
    let (_, seen) = p.app.get(&format!("/v1/cases/{id}"), &p.app.token()).await;
    assert_eq!(seen["deadline"]["consequence"], "auto_accept");
    assert_eq!(p.app.advance_hours(48).await, 1);
    let (_, seen) = p.app.get(&format!("/v1/cases/{id}"), &p.app.token()).await;
    assert_eq!(seen["state"], "awaiting_return_shipment");
    assert_eq!(seen["return_instructions"]["address"], "acme returns desk, 1 Example Road");
    assert_eq!(seen["history"][1]["actor"], "system");
}

#[tokio::test]
async fn deadlines_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let p = Parties::of(TestApp::at(dir).await).await;
    let id = p.file("k-1").await;
    p.seller(&id, "accept", json!({"return_instructions": {"address": "Returns desk"}})).await;
    // Six days pass, then the server stops.
    p.app.advance_hours(6 * 24).await;
    let Parties { app, seller, .. } = p;
    app.state.store.close().await;
    let TestApp { dir, .. } = app;
    assert_eq!(dir.path(), path);

    // A new process: its clock says the same moment, the deadline is a day away.
    let app = TestApp::at(dir).await;
    app.state.clock.advance(6 * 24 * 3_600_000);
    assert_eq!(app.advance_hours(23).await, 0);
    assert_eq!(app.advance_hours(1).await, 1, "fires at 7 days, after the restart");
    assert_eq!(app.advance_hours(24).await, 0, "and only once");
    let (_, detail) = app.get(&format!("/v1/merchant/cases/{id}"), &seller).await;
    assert_eq!(detail["case"]["state"], "closed");
}
