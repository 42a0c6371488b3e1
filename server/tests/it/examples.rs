//! The README's token-minting examples (Rust, Node, Python) make tokens the server accepts.

use std::process::Command;

use aftercare_protocol::time::Timestamp;
use aftercare_server::auth;
use aftercare_server::merchants::{Merchant, Merchants, SigningKey};

#[path = "../../../examples/mint_token.rs"]
mod rust_example;

const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ORDER: &str = r#"{"order_id":"A-100","item_ids":["sku-1","sku-2"],"state":"delivered","delivered_at":"2026-11-25",
    "prices":[{"item_id":"sku-1","quantity":1,"unit_price":12900,"currency":"CNY"},{"item_id":"sku-2","quantity":2,"unit_price":500,"currency":"CNY"}]}"#;

fn merchants() -> Merchants {
    Merchants::new(vec![Merchant {
        id: "acme".into(),
        name: String::new(),
        allowed_origins: vec![],
        keys: vec![SigningKey { kid: "acme-2026".into(), secret_hex: SECRET.into() }],
        widget: serde_json::json!({}),
        rules: Default::default(),
        deadlines: Default::default(),
        return_address: None,
        webhook: None,
        refusal_reasons: aftercare_server::merchants::default_refusal_reasons(),
        canned_replies: aftercare_server::merchants::default_canned_replies(),
        notify: None,
    }])
    .unwrap()
}

fn system_now() -> Timestamp {
    Timestamp(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64)
}

#[track_caller]
fn check(token: &str) {
    let (merchant, claims) =
        auth::verify(token.trim(), &merchants(), system_now()).expect("the example's token verifies");
    assert_eq!((merchant.id.as_str(), claims.sub.as_str(), claims.order_id.as_str()), ("acme", "shopper-9", "A-100"));
    assert_eq!(claims.order.item_ids, ["sku-1", "sku-2"]);
    let paid = claims.order.paid_for(&claims.order.item_ids).unwrap();
    assert_eq!(paid, Some(aftercare_protocol::money::Money::new(13900, "CNY")), "the prices are signed as given");
}

fn run(program: &str, script: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let output = Command::new(program)
        .current_dir(root)
        .args([script, "acme", "acme-2026", SECRET, "shopper-9", ORDER])
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn rust_example() {
    let order: serde_json::Value = serde_json::from_str(ORDER).unwrap();
    check(&rust_example::order_token("acme", "acme-2026", SECRET, "shopper-9", order, system_now().0 / 1000));
}

#[test]
fn node_example() {
    check(&run("node", "examples/mint-token.mjs"));
}

#[test]
fn python_example() {
    check(&run("python3", "examples/mint_token.py"));
}

#[path = "../../../examples/verify_webhook.rs"]
pub(crate) mod verify_example;

const HOOK_SECRET: &str = "whsec_0123456789abcdef";
const HOOK_BODY: &str = r#"{"id":"d-1","type":"case.accept","case":{"number":"AC-20261128-000001"}}"#;

/// A header the server would send now, and one for a tampered copy of the body.
fn signed() -> (String, i64) {
    let now = system_now().0 / 1000;
    (aftercare_server::webhooks::signature(HOOK_SECRET.as_bytes(), now, HOOK_BODY), now)
}

#[test]
fn rust_webhook_example() {
    let (header, now) = signed();
    assert!(verify_example::verify(HOOK_SECRET, &header, HOOK_BODY.as_bytes(), now));
    assert!(
        !verify_example::verify(HOOK_SECRET, &header, HOOK_BODY.replace("accept", "refuse").as_bytes(), now),
        "tampered body"
    );
    assert!(!verify_example::verify("whsec_another_secret!", &header, HOOK_BODY.as_bytes(), now), "other secret");
    assert!(!verify_example::verify(HOOK_SECRET, &header, HOOK_BODY.as_bytes(), now + 301), "too old: a replay");
}

fn run_verifier(program: &str, script: &str, header: &str, body: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, body).unwrap();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let output = Command::new(program)
        .current_dir(root)
        .args([script, HOOK_SECRET, header, path.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(
        said,
        if output.status.success() { "valid" } else { "invalid" },
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.status.success()
}

#[test]
fn node_webhook_example() {
    let (header, _) = signed();
    assert!(run_verifier("node", "examples/verify-webhook.mjs", &header, HOOK_BODY));
    assert!(!run_verifier("node", "examples/verify-webhook.mjs", &header, &HOOK_BODY.replace("d-1", "d-2")));
}

#[test]
fn python_webhook_example() {
    let (header, _) = signed();
    assert!(run_verifier("python3", "examples/verify_webhook.py", &header, HOOK_BODY));
    assert!(!run_verifier("python3", "examples/verify_webhook.py", &header.replace("v1=", "v1=00"), HOOK_BODY));
}
