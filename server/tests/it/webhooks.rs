//! Webhooks against a real receiver on a socket: every case event arrives signed (and
//! the README's Rust verifier accepts it), a receiver that fails is retried with
//! backoff until it answers, the merchant API lists the delivery log, and a receiver
//! that hangs holds up nothing.

use std::sync::{Arc, Mutex};

use crate::common::*;
use aftercare_protocol::webhook::WebhookEvent;
use aftercare_server::merchants::WebhookTarget;
use aftercare_server::webhooks;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::examples::verify_example;

const SECRET: &str = "whsec_test_receiver_secret";

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> (Receiver, String) {
        let receiver = Receiver { fail_first: Arc::new(Mutex::new(fail_first)), ..Receiver::default() };
        let state = receiver.clone();
        let router = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.got.lock().unwrap().push((headers, body));
                    let mut fail = state.fail_first.lock().unwrap();
                    if *fail > 0 {
                        *fail -= 1;
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (receiver, url)
    }

    fn events(&self) -> Vec<(String, WebhookEvent)> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(headers, body)| {
                let signature = headers["aftercare-signature"].to_str().unwrap().to_owned();
                (signature, serde_json::from_slice(body).unwrap())
            })
            .collect()
    }
}

async fn app_with_hook(url: &str) -> TestApp {
    let target = WebhookTarget { url: url.to_owned(), secret: SECRET.into() };
    TestApp::with(tempfile::tempdir().unwrap(), move |merchants| merchants[0].webhook = Some(target)).await
}

#[tokio::test]
async fn every_event_arrives_signed() {
    let (receiver, url) = Receiver::start(0).await;
    let app = app_with_hook(&url).await;
    let seller = app.api_key(Some("acme")).await;
    let (_, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    let id = case["id"].as_str().unwrap();
    app.post(&format!("/v1/merchant/cases/{id}/reply"), &seller, None, &json!({"message": "Looking into it"})).await;
    app.post(
        &format!("/v1/merchant/cases/{id}/refuse"),
        &seller,
        None,
        &json!({"reason": "other", "message": "Not covered"}),
    )
    .await;
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 3);

    let now_secs = app.state.clock.now().0 / 1000;
    let mut kinds = Vec::new();
    let got = receiver.got.lock().unwrap().clone();
    for ((headers, body), (_, event)) in got.iter().zip(receiver.events()) {
        let signature = headers["aftercare-signature"].to_str().unwrap();
        assert!(signature.starts_with(&format!("t={now_secs},v1=")), "{signature}");
        assert!(verify_example::verify(SECRET, signature, body, now_secs), "the README's verifier accepts it");
        assert!(!verify_example::verify("whsec_some_other_secret", signature, body, now_secs));
        assert_eq!(headers["aftercare-delivery"].to_str().unwrap(), event.id);
        assert_eq!((event.merchant_id.as_str(), event.case.id.as_str()), ("acme", id));
        kinds.push((event.kind, event.sequence, event.case.state.as_str()));
    }
    kinds.sort_by_key(|k| k.1);
    assert_eq!(
        kinds,
        [
            ("case.file".to_owned(), 1, "awaiting_seller"),
            ("case.message".to_owned(), 2, "awaiting_seller"),
            ("case.refuse".to_owned(), 3, "seller_refused")
        ]
    );
    // Delivered ones are not sent again.
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 0);
    // The other merchant has no webhook: its cases queue nothing.
    let token = app.token_for("other", "s-9", delivered("o-9"));
    let (status, _) = app.post("/v1/cases", &token, Some("k-2"), &damaged("o-9")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 0);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_and_the_log_shows_it() {
    let (receiver, url) = Receiver::start(2).await;
    let app = app_with_hook(&url).await;
    let seller = app.api_key(Some("acme")).await;
    let (_, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    let id = case["id"].as_str().unwrap();

    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 1);
    let (_, log) = app.get("/v1/merchant/webhook-deliveries", &seller).await;
    let first = &log["deliveries"][0];
    assert_eq!(
        (first["state"].as_str(), first["attempts"].as_u64(), first["last_status"].as_u64()),
        (Some("pending"), Some(1), Some(500))
    );
    assert_eq!(first["case_id"], id);
    // Not before its time: the first retry waits 10 s ± 20 %.
    app.state.clock.advance(7_000);
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 0);
    app.state.clock.advance(6_000);
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 1, "second attempt");
    app.state.clock.advance(25_000);
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 1, "third attempt");

    let events = receiver.events();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|(_, e)| e.id == events[0].1.id), "one delivery id across retries");
    let (_, log) = app.get(&format!("/v1/merchant/webhook-deliveries?case={id}"), &seller).await;
    let delivered = &log["deliveries"][0];
    assert_eq!(
        (delivered["state"].as_str(), delivered["attempts"].as_u64(), delivered["last_status"].as_u64()),
        (Some("delivered"), Some(3), Some(204))
    );
    assert_eq!(delivered["type"], "case.file");
    assert!(delivered.get("next_attempt_at").is_none());
    // Another merchant's key sees none of it.
    let other = app.api_key(Some("other")).await;
    let (_, theirs) = app.get("/v1/merchant/webhook-deliveries", &other).await;
    assert_eq!(theirs["deliveries"], json!([]));
}

#[tokio::test]
async fn a_receiver_that_never_answers_holds_up_nothing() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let app = app_with_hook(&url).await;
    let _workers = aftercare_server::workers::Workers::start(&app.state);
    let seller = app.api_key(Some("acme")).await;
    for n in 0..5 {
        // Each filing queues a delivery the workers are stuck sending; the API answers regardless.
        let (token, key, body) = (app.token(), format!("k-{n}"), damaged("o-1"));
        let answered =
            tokio::time::timeout(std::time::Duration::from_secs(5), app.post("/v1/cases", &token, Some(&key), &body));
        let (status, _) = answered.await.expect("the API does not wait for the receiver");
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, page) = app.get("/v1/merchant/cases", &seller).await;
    assert_eq!((status, page["cases"].as_array().unwrap().len()), (StatusCode::OK, 5));
}

/// Two senders (two nodes, or two ticks that overlap) that claim at once split the due
/// deliveries between them; a claimed delivery is not due again until its lease ends,
/// and one never recorded (its sender died) is due again after that.
#[tokio::test]
async fn a_due_delivery_goes_to_one_sender() {
    use aftercare_server::store::webhooks::claim_due;
    let app = app_with_hook("http://127.0.0.1:9/hooks").await;
    for n in 1..=3 {
        app.post(
            "/v1/cases",
            &app.token_for("acme", &format!("s-{n}"), delivered(&format!("o-{n}"))),
            Some(&format!("k-{n}")),
            &damaged(&format!("o-{n}")),
        )
        .await;
    }
    let (pool, now, lease) = (app.state.store.pool(), app.state.clock.now(), 60_000);
    let (a, b) = tokio::join!(claim_due(pool, now, lease, 64), claim_due(pool, now, lease, 64));
    let mut ids: Vec<String> = a.unwrap().into_iter().chain(b.unwrap()).map(|due| due.id).collect();
    ids.sort();
    let unique = ids.iter().collect::<std::collections::BTreeSet<_>>().len();
    assert_eq!((ids.len(), unique), (3, 3), "each delivery claimed once: {ids:?}");
    assert!(claim_due(pool, now, lease, 64).await.unwrap().is_empty(), "leased, not due");
    let later = aftercare_protocol::time::Timestamp(now.0 + lease);
    let mut again: Vec<String> =
        claim_due(pool, later, lease, 64).await.unwrap().into_iter().map(|due| due.id).collect();
    again.sort();
    assert_eq!(again, ids, "due again once the lease is over");
}
