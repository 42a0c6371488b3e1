//! The case as a conversation, over HTTP (on SQLite, and on PostgreSQL when the test
//! command runs them again): messages with files from every party, counter-offers
//! accepted, declined and lapsed, evidence rounds ended by answers and by their
//! deadline, rulings with a partial refund, an appeal, and what each party may not do.

use crate::common::*;
use crate::uploads::{jpeg_with_gps, Tus};
use axum::http::StatusCode;
use serde_json::{json, Value};

struct Sides {
    app: TestApp,
    seller: String,
    platform: String,
}

impl Sides {
    async fn new() -> Sides {
        let app = TestApp::new().await;
        let seller = app.api_key(Some("acme")).await;
        let platform = app.api_key(None).await;
        Sides { app, seller, platform }
    }

    /// Files the standard damaged-in-transit case (return and refund, item-1 at ¥199.00).
    async fn file(&self, key: &str) -> String {
        let (status, case) = self.app.post("/v1/cases", &self.app.token(), Some(key), &damaged("o-1")).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(case["paid"], json!({"minor_units": 19900, "currency": "CNY"}), "from the signed prices");
        case["id"].as_str().unwrap().to_owned()
    }

    async fn shopper(&self, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/v1/cases/{id}/{action}"), &self.app.token(), None, &body).await
    }

    async fn seller(&self, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/v1/merchant/cases/{id}/{action}"), &self.seller, None, &body).await
    }

    async fn platform(&self, id: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.app.post(&format!("/v1/platform/cases/{id}/{action}"), &self.platform, None, &body).await
    }

    /// A photo uploaded by the shopper.
    async fn photo(&self) -> Value {
        self.photo_from(&self.app.token()).await
    }

    /// A photo uploaded through tus with `credential`: an order token, or the seller's or
    /// the platform's key.
    async fn photo_from(&self, credential: &str) -> Value {
        let tus = Tus { token: credential.to_owned(), app: &self.app };
        json!({"upload_id": tus.upload(&jpeg_with_gps(), "image/jpeg").await, "kind": "photo"})
    }

    /// The case as stored, read through the merchant API.
    async fn stored(&self, id: &str) -> Value {
        let (status, detail) = self.app.get(&format!("/v1/merchant/cases/{id}"), &self.seller).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        detail["case"].clone()
    }
}

#[track_caller]
fn ok(answer: (StatusCode, Value), state: &str) -> Value {
    let (status, case) = answer;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], state, "{case}");
    case
}

#[track_caller]
fn refused(answer: (StatusCode, Value), status: StatusCode, code: &str) -> Value {
    assert_eq!((answer.0, answer.1["code"].as_str()), (status, Some(code)), "{}", answer.1);
    answer.1
}

fn last(case: &Value) -> &Value {
    case["history"].as_array().unwrap().last().unwrap()
}

/// Request → message with a photo → counter-offer → decline → intervention → evidence
/// round → ruling (a partial refund) → appeal → final ruling → refund, as the three
/// parties argue it; then the closed case takes no more messages.
#[tokio::test]
async fn a_case_argued_to_its_end_by_all_three_parties() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;

    // Messages change no state; the shopper's photo joins the case's evidence.
    let photo = s.photo().await;
    let case = ok(
        s.shopper(&id, "messages", json!({"message": "Here is the dent, close up.", "media": [photo.clone()]})).await,
        "awaiting_seller",
    );
    assert_eq!(bare(&last(&case)["media"]), json!([photo.clone()]));
    assert_eq!(bare(&case["media"]), json!([photo.clone()]));
    // The seller's photo goes through the same tus endpoint, with the seller's key.
    let seller_photo = s.photo_from(&s.seller).await;
    let reply = json!({"message": "Thank you; is this the spot?", "media": [seller_photo.clone()]});
    let case = ok(s.seller(&id, "messages", reply).await, "awaiting_seller");
    assert_eq!(bare(&last(&case)["media"]), json!([seller_photo.clone()]));

    // A partial refund instead of the return: ¥80 of ¥199.
    let offer = json!({"resolution": "refund_only", "amount": {"minor_units": 8000, "currency": "CNY"},
        "message": "Keep it, with ¥80 back for the dent?"});
    let case = ok(s.seller(&id, "offer", offer).await, "offer_pending");
    assert_eq!(case["offer"], json!({"resolution": "refund_only", "amount": {"minor_units": 8000, "currency": "CNY"}}));
    assert_eq!(last(&case)["offer"], case["offer"]);
    let (_, seen) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    assert_eq!(next_actions(&seen), ["accept_offer", "decline_offer", "withdraw", "message"]);
    assert_eq!(seen["deadline"]["waiting_for"], json!(["shopper"]));
    assert_eq!(seen["deadline"]["consequence"], "offer_lapses");
    ok(s.shopper(&id, "offer/decline", json!({"message": "I would rather return it."})).await, "offer_declined");
    ok(s.shopper(&id, "escalate", json!({"reason": "The seller will not take the return."})).await, "escalated");

    // The platform asks both sides; each answers once, and the last answer ends the round.
    let round = json!({"from": ["shopper", "seller"], "message": "Please send photos of the box and the packing."});
    let case = ok(s.platform(&id, "evidence-round", round).await, "evidence_round");
    assert_eq!(case["evidence_round"]["from"], json!(["shopper", "seller"]));
    assert_eq!(case["evidence_round"]["due_at"], "2026-12-01T08:00:00.000Z", "72 h, the default");
    assert_eq!(case["deadline"]["waiting_for"], json!(["shopper", "seller"]));
    let (_, seen) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    assert!(next_actions(&seen).contains(&"submit_evidence"), "{seen}");
    let box_photo = s.photo().await;
    let answer = json!({"message": "The outer box, as delivered.", "media": [box_photo.clone()]});
    let case = ok(s.shopper(&id, "evidence", answer.clone()).await, "evidence_round");
    assert_eq!(case["evidence_round"]["answered"], json!(["shopper"]));
    assert_eq!(case["deadline"]["waiting_for"], json!(["seller"]));
    refused(s.shopper(&id, "evidence", answer).await, StatusCode::CONFLICT, "evidence_not_asked");
    let packing = s.photo_from(&s.seller).await;
    let answer = json!({"message": "It left our warehouse intact; see the packing.", "media": [packing.clone()]});
    ok(s.seller(&id, "evidence", answer).await, "escalated");
    let platform_photo = s.photo_from(&s.platform).await;
    let note = json!({"message": "Thank you both; this is the carrier's photo.", "media": [platform_photo.clone()]});
    let case = ok(s.platform(&id, "messages", note).await, "escalated");
    assert_eq!(bare(&last(&case)["media"]), json!([platform_photo.clone()]));

    // A ruling for the shopper, as a partial refund; the seller appeals within the window.
    let ruling = json!({"in_favour_of": "shopper", "message": "Refund ¥120: the dent is from transit.",
        "settlement": {"resolution": "refund_only", "amount": {"minor_units": 12000, "currency": "CNY"}}});
    let case = ok(s.platform(&id, "ruling", ruling).await, "ruled");
    assert_eq!(case["deadline"]["waiting_for"], json!(["seller"]), "the losing side may appeal");
    let (_, seen) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    assert!(!next_actions(&seen).contains(&"appeal"), "the winner does not appeal");
    refused(s.shopper(&id, "appeal", json!({"message": "More!"})).await, StatusCode::CONFLICT, "appeal_not_allowed");
    ok(s.shopper(&id, "messages", json!({"message": "Thank you."})).await, "ruled");
    ok(s.seller(&id, "appeal", json!({"message": "The carrier's report says the box was intact."})).await, "escalated");
    let ruling = json!({"in_favour_of": "shopper", "message": "On appeal: the refund stands.",
        "settlement": {"resolution": "refund_only", "amount": {"minor_units": 12000, "currency": "CNY"}}});
    let case = ok(s.platform(&id, "ruling", ruling).await, "awaiting_resolution");
    assert_eq!(case["ruling"]["on_appeal"], true, "final: carried out at once");
    assert_eq!(
        case["settlement"],
        json!({"resolution": "refund_only", "amount": {"minor_units": 12000, "currency": "CNY"}})
    );

    // The refund is what was ruled, not more.
    let over = json!({"amount": {"minor_units": 19900, "currency": "CNY"}});
    let error = refused(s.seller(&id, "refund", over).await, StatusCode::UNPROCESSABLE_ENTITY, "amount_over_cap");
    assert_eq!((error["field"].as_str(), error["params"]["max"].as_u64()), (Some("amount.minor_units"), Some(12000)));
    let case =
        ok(s.seller(&id, "refund", json!({"amount": {"minor_units": 12000, "currency": "CNY"}})).await, "resolved");
    assert_eq!(
        story(&case),
        [
            "shopper:file",
            "shopper:message",
            "seller:message",
            "seller:counter_offer",
            "shopper:decline_offer",
            "shopper:escalate",
            "platform:request_evidence",
            "shopper:submit_evidence",
            "seller:submit_evidence",
            "platform:message",
            "platform:rule_for_shopper",
            "shopper:message",
            "seller:appeal",
            "platform:rule_for_shopper",
            "seller:pay_refund",
        ]
    );
    assert_eq!(
        bare(&case["media"]),
        json!([photo, seller_photo, box_photo, packing, platform_photo]),
        "every party's files are the case's evidence"
    );
    // Each stored file is the cleaned one, whoever sent it: no GPS left.
    let (_, detail) = s.app.get(&format!("/v1/merchant/cases/{id}"), &s.seller).await;
    let links = detail["media_links"].as_array().unwrap();
    assert_eq!(links.len(), 5);
    for link in links {
        let stored = s.app.raw_get(link["url"].as_str().unwrap()).await;
        assert!(stored.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(!stored.windows(11).any(|w| w == b"GPSLatitude"), "{link}");
    }

    // Over: no more messages from anyone.
    for answer in [
        s.shopper(&id, "messages", json!({"message": "One more thing"})).await,
        s.seller(&id, "messages", json!({"message": "One more thing"})).await,
        s.platform(&id, "messages", json!({"message": "One more thing"})).await,
    ] {
        refused(answer, StatusCode::CONFLICT, "case_closed");
    }
    // What was answered is what is stored.
    assert_eq!(s.stored(&id).await["history"], case["history"]);
}

#[tokio::test]
async fn an_accepted_offer_is_carried_out_as_offered() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    let offer = json!({"resolution": "refund_only", "amount": {"minor_units": 5000, "currency": "CNY"},
        "message": "¥50 back and keep the item?"});
    ok(s.seller(&id, "offer", offer).await, "offer_pending");
    let case = ok(s.shopper(&id, "offer/accept", json!({})).await, "awaiting_resolution");
    assert_eq!(
        case["settlement"],
        json!({"resolution": "refund_only", "amount": {"minor_units": 5000, "currency": "CNY"}})
    );
    assert_eq!(case["resolution"], "return_and_refund", "what was asked stays on record");
    let seller = s.stored(&id).await;
    assert_eq!(next_actions(&seller), ["pay_refund", "resolve", "message"], "no return first");
    refused(
        s.seller(&id, "refund", json!({"amount": {"minor_units": 5001, "currency": "CNY"}})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount_over_cap",
    );
    ok(s.seller(&id, "refund", json!({"amount": {"minor_units": 5000, "currency": "CNY"}})).await, "resolved");

    // An exchange offered goes to the merchant's return address, and the return comes first.
    let id = s.file("k-2").await;
    let offer = json!({"resolution": "exchange", "message": "We can send a new one."});
    ok(s.seller(&id, "offer", offer).await, "offer_pending");
    let case = ok(s.shopper(&id, "offer/accept", json!({"message": "Deal."})).await, "awaiting_return_shipment");
    assert_eq!(case["return_instructions"]["address"], "acme returns desk, 1 Example Road");
}

#[tokio::test]
async fn an_unanswered_offer_lapses_and_the_seller_may_offer_again() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    let offer =
        json!({"resolution": "refund_only", "amount": {"minor_units": 5000, "currency": "CNY"}, "message": "¥50?"});
    ok(s.seller(&id, "offer", offer).await, "offer_pending");
    assert_eq!(s.app.advance_hours(47).await, 0, "nothing early");
    assert_eq!(s.app.advance_hours(1).await, 1);
    let case = s.stored(&id).await;
    assert_eq!((case["state"].as_str(), last(&case)["kind"].as_str()), (Some("offer_declined"), Some("offer_lapsed")));
    assert_eq!(next_actions(&case), ["accept", "counter_offer", "message"]);
    let better =
        json!({"resolution": "refund_only", "amount": {"minor_units": 9000, "currency": "CNY"}, "message": "¥90?"});
    ok(s.seller(&id, "offer", better).await, "offer_pending");
    // Declined offers also close when the shopper does not escalate within 7 days.
    ok(s.shopper(&id, "offer/decline", json!({})).await, "offer_declined");
    assert_eq!(s.app.advance_hours(7 * 24).await, 1);
    assert_eq!(s.stored(&id).await["state"], "closed");
}

#[tokio::test]
async fn an_evidence_round_ends_at_its_deadline_and_the_sides_are_told_what_they_may_do() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    ok(
        s.seller(&id, "refuse", json!({"reason": "delivered_intact", "message": "Signed for in good order."})).await,
        "seller_refused",
    );
    let case = s.stored(&id).await;
    let reason = &last(&case)["refusal_reason"];
    assert_eq!(
        (reason["code"].as_str(), reason["zh"].as_str()),
        (Some("delivered_intact"), Some("物流显示已完好签收"))
    );
    ok(s.shopper(&id, "escalate", json!({"reason": "It was dented when I opened it."})).await, "escalated");
    let round = json!({"from": ["seller"], "message": "Send the carrier's delivery record.", "due_in_hours": 24});
    ok(s.platform(&id, "evidence-round", round).await, "evidence_round");
    refused(
        s.shopper(&id, "evidence", json!({"message": "Me too!"})).await,
        StatusCode::CONFLICT,
        "evidence_not_asked",
    );
    assert_eq!(s.app.advance_hours(24).await, 1, "the seller never answers");
    let case = s.stored(&id).await;
    assert_eq!(
        (case["state"].as_str(), last(&case)["kind"].as_str()),
        (Some("escalated"), Some("evidence_round_ended"))
    );
    assert_eq!(case["evidence_round"]["answered"], json!([]));

    // A ruling for the seller, not appealed: it takes effect when the window closes.
    ok(
        s.platform(&id, "ruling", json!({"in_favour_of": "seller", "message": "No transit damage shown."})).await,
        "ruled",
    );
    let (_, seen) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    let appeal = seen["next_actions"].as_array().unwrap().iter().find(|a| a["action"] == "appeal").unwrap();
    assert_eq!(appeal["due_at"], seen["deadline"]["due_at"], "by when");
    assert_eq!(s.app.advance_hours(72).await, 1);
    refused(
        s.shopper(&id, "appeal", json!({"message": "Too late?"})).await,
        StatusCode::CONFLICT,
        "transition_not_allowed",
    );
    assert_eq!(s.stored(&id).await["state"], "closed");
}

#[tokio::test]
async fn what_no_party_may_do() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    let cny = |minor_units: i64| json!({"minor_units": minor_units, "currency": "CNY"});
    for (body, field, code) in [
        (
            json!({"resolution": "refund_only", "amount": cny(19901), "message": "m"}),
            "amount.minor_units",
            "amount_over_cap",
        ),
        (
            json!({"resolution": "refund_only", "amount": cny(0), "message": "m"}),
            "amount.minor_units",
            "amount_over_cap",
        ),
        (
            json!({"resolution": "refund_only", "amount": {"minor_units": 100, "currency": "USD"}, "message": "m"}),
            "amount.currency",
            "currency_mismatch",
        ),
        (json!({"resolution": "exchange", "amount": cny(100), "message": "m"}), "amount", "amount_not_allowed"),
        (json!({"resolution": "return_and_refund", "message": "m"}), "resolution", "offer_same_as_asked"),
        (
            json!({"resolution": "return_and_refund", "amount": cny(19900), "message": "m"}),
            "resolution",
            "offer_same_as_asked",
        ),
        (json!({"resolution": "refund_only", "message": " "}), "message", "too_short"),
    ] {
        let error = refused(s.seller(&id, "offer", body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, code);
        assert_eq!(error["field"], field, "{body}");
    }
    let error = refused(
        s.seller(&id, "refuse", json!({"reason": "because", "message": "No."})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_refusal_reason",
    );
    assert!(error["params"]["allowed"].as_array().unwrap().contains(&json!("no_quality_problem")));
    // Each party attaches only its own files.
    let photo = s.photo().await;
    let seller_photo = s.photo_from(&s.seller).await;
    let other_seller = s.app.api_key(Some("other")).await;
    let others = s.photo_from(&other_seller).await;
    for answer in [
        s.seller(&id, "messages", json!({"message": "See this", "media": [photo.clone()]})).await,
        s.seller(&id, "messages", json!({"message": "See this", "media": [others]})).await,
        s.shopper(&id, "messages", json!({"message": "Mine now", "media": [seller_photo.clone()]})).await,
        s.platform(&id, "messages", json!({"message": "Ours now", "media": [seller_photo]})).await,
    ] {
        let error = refused(answer, StatusCode::UNPROCESSABLE_ENTITY, "media_not_found");
        assert_eq!(error["field"], "media[0].upload_id");
    }
    let control = json!({"message": "ok\u{0}"});
    let error =
        refused(s.shopper(&id, "messages", control).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_characters");
    assert_eq!(error["field"], "message");
    refused(s.shopper(&id, "offer/accept", json!({})).await, StatusCode::CONFLICT, "transition_not_allowed");
    refused(
        s.platform(&id, "evidence-round", json!({"from": ["shopper"], "message": "Too early"})).await,
        StatusCode::CONFLICT,
        "transition_not_allowed",
    );
    for (round, field) in [
        (json!({"from": [], "message": "m"}), "from"),
        (json!({"from": ["platform"], "message": "m"}), "from"),
        (json!({"from": ["shopper", "shopper"], "message": "m"}), "from"),
        (json!({"from": ["shopper"], "message": "m", "due_in_hours": 0}), "due_in_hours"),
        (json!({"from": ["shopper"], "message": "m", "due_in_hours": 721}), "due_in_hours"),
    ] {
        let (status, error) = s.platform(&id, "evidence-round", round.clone()).await;
        assert_eq!((status, error["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{round}");
    }
    assert_eq!(s.stored(&id).await["version"], 1, "nothing changed");

    // A stale answer to an offer is refused, and the offer stands.
    let offer = json!({"resolution": "refund_only", "amount": cny(5000), "message": "¥50?"});
    ok(s.seller(&id, "offer", offer).await, "offer_pending");
    let request = axum::http::Request::post(format!("/v1/cases/{id}/offer/accept"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", s.app.token()))
        .header("if-match", "\"1\"")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    let (status, _, stale) = s.app.send(request).await;
    assert_eq!((status, stale["code"].as_str()), (StatusCode::CONFLICT, Some("version_mismatch")));
    assert_eq!(stale["case"]["state"], "offer_pending");

    // An order signed without prices: no amount can be checked, so none is offered.
    let unpriced = aftercare_protocol::order::OrderSnapshot { prices: Vec::new(), ..delivered("o-9") };
    let token = s.app.token_for("acme", "s-1", unpriced);
    let (status, case) = s.app.post("/v1/cases", &token, Some("k-9"), &damaged("o-9")).await;
    assert_eq!((status, case.get("paid")), (StatusCode::CREATED, None));
    let id = case["id"].as_str().unwrap();
    let offer = json!({"resolution": "refund_only", "amount": cny(5000), "message": "¥50?"});
    refused(s.seller(id, "offer", offer).await, StatusCode::UNPROCESSABLE_ENTITY, "order_prices_unknown");
    ok(s.seller(id, "offer", json!({"resolution": "exchange", "message": "A new one?"})).await, "offer_pending");
}

/// What others wrote since the shopper last looked: counted per case on the server,
/// cleared by the shopper's seen marks (which only move forward), never the shopper's
/// own turns, and never another shopper's.
#[tokio::test]
async fn unread_updates_and_seen_marks() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    let unread = |token: String| {
        let app = &s.app;
        async move { app.get("/v1/unread?order=o-1", &token).await }
    };
    let seen = |body: Value| {
        let app = &s.app;
        async move {
            let request = axum::http::Request::post("/v1/seen")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {}", app.token()))
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let (status, _, json) = app.send(request).await;
            (status, json)
        }
    };
    let (status, none) = unread(s.app.token()).await;
    assert_eq!((status, none), (StatusCode::OK, json!({"unread": 0, "cases": []})), "the shopper's own filing");

    ok(s.seller(&id, "messages", json!({"message": "Which colour was it?"})).await, "awaiting_seller");
    ok(s.shopper(&id, "messages", json!({"message": "Blue."})).await, "awaiting_seller");
    ok(s.seller(&id, "refuse", json!({"reason": "other", "message": "Out of stock."})).await, "seller_refused");
    let (_, some) = unread(s.app.token()).await;
    let number = s.stored(&id).await["number"].clone();
    assert_eq!(some, json!({"unread": 2, "cases": [{"id": id, "number": number, "unread": 2}]}));

    // Seen through the first message (event 2): the refusal is still new.
    assert_eq!(seen(json!({"cases": [{"id": id, "through": 2}]})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(unread(s.app.token()).await.1["unread"], 1);
    // Marks never go back, nor past the history there is.
    assert_eq!(seen(json!({"cases": [{"id": id, "through": 1}]})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(unread(s.app.token()).await.1["unread"], 1);
    assert_eq!(seen(json!({"cases": [{"id": id, "through": 99}]})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(unread(s.app.token()).await.1["unread"], 0);
    ok(s.seller(&id, "messages", json!({"message": "Sorry again."})).await, "seller_refused");
    assert_eq!(unread(s.app.token()).await.1["unread"], 1, "what comes after the mark is new");
    // A deadline's consequence counts too: the refused case closes after 7 days.
    assert_eq!(s.app.advance_hours(7 * 24).await, 1);
    assert_eq!(unread(s.app.token()).await.1["unread"], 2);

    // Another shopper sees none of it and marks none of it.
    let stranger = s.app.token_for("acme", "s-2", delivered("o-1"));
    assert_eq!(unread(stranger.clone()).await.1, json!({"unread": 0, "cases": []}));
    let (status, _) = s.app.get("/v1/unread?order=o-2", &s.app.token()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another order than the token's");
    let (status, missing) = seen(json!({"cases": [{"id": "no-such-case", "through": 1}]})).await;
    assert_eq!((status, missing["code"].as_str()), (StatusCode::NOT_FOUND, Some("case_not_found")));
    // With one case not the shopper's, none is marked: the request is all or nothing.
    let both = json!({"cases": [{"id": id, "through": 99}, {"id": "no-such-case", "through": 1}]});
    assert_eq!(seen(both).await.0, StatusCode::NOT_FOUND);
    assert_eq!(unread(s.app.token()).await.1["unread"], 2, "nothing was marked");
    let (status, _) = seen(json!({"cases": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every case an answer carries links each of its files (for the conversation's
/// thumbnails): the same link within a link lifetime, valid for at least one; what a
/// client sends as a link is never kept.
#[tokio::test]
async fn answers_link_every_file_and_keep_no_link_a_client_sent() {
    let s = Sides::new().await;
    let id = s.file("k-1").await;
    let mut photo = s.photo().await;
    photo["url"] = json!("https://evil.example/x.jpg");
    let case = ok(
        s.shopper(&id, "messages", json!({"message": "The dent.", "media": [photo.clone()]})).await,
        "awaiting_seller",
    );
    let url = last(&case)["media"][0]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("/media/{}?expires=", photo["upload_id"].as_str().unwrap())), "{url}");
    assert_eq!(case["media"][0]["url"], url.as_str());
    assert!(s.app.raw_get(&url).await.starts_with(&[0xFF, 0xD8]));
    // The list, the case, the seller's detail: the same link, until the lifetime rolls over.
    let (_, list) = s.app.get("/v1/cases?order=o-1", &s.app.token()).await;
    assert_eq!(list["cases"][0]["history"][1]["media"][0]["url"], url.as_str());
    s.app.state.clock.advance(60_000);
    let (_, read) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    assert_eq!(last(&read)["media"][0]["url"], url.as_str(), "cacheable");
    assert_eq!(last(&s.stored(&id).await)["media"][0]["url"], url.as_str());
    // Stored without any link: the database holds the reference only.
    let body: String = sqlx::Row::get(
        &sqlx::query("SELECT body FROM cases WHERE id = $1")
            .bind(&id)
            .fetch_one(s.app.state.store.pool())
            .await
            .unwrap(),
        0,
    );
    assert!(!body.contains("evil") && !body.contains("/media/"), "{body}");
    // A link outlives its lifetime by at most one more, then is refused.
    s.app.state.clock.advance(30 * 60_000);
    assert_eq!(s.app.get(&url, "").await.0, StatusCode::FORBIDDEN);
    let (_, read) = s.app.get(&format!("/v1/cases/{id}"), &s.app.token()).await;
    assert_ne!(last(&read)["media"][0]["url"], url.as_str(), "a fresh link");
}
