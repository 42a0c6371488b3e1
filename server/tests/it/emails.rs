//! Shoppers' notification emails, sent to a real SMTP server on loopback (Python's
//! aiosmtpd, from the test venv: `AFTERCARE_TEST_PYTHON`, which scripts/test sets),
//! read back from its maildir and decoded by Python's own `email` package: what needs
//! the shopper is mailed once, in the case's language, with the link to the merchant's
//! order page; nothing is lost while the SMTP server is down.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use aftercare_server::merchants::Notify;
use axum::http::StatusCode;
use serde_json::{json, Value};

fn python() -> String {
    std::env::var("AFTERCARE_TEST_PYTHON").expect(
        "AFTERCARE_TEST_PYTHON must name a Python with aiosmtpd (scripts/setup installs it; scripts/test sets it)",
    )
}

/// aiosmtpd on a free loopback port, delivering to a maildir.
struct Smtpd {
    child: Child,
    port: u16,
    maildir: std::path::PathBuf,
}

impl Smtpd {
    fn start(port: Option<u16>, maildir: &std::path::Path) -> Smtpd {
        let port =
            port.unwrap_or_else(|| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("aiosmtpd starts");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "aiosmtpd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtpd { child, port, maildir: maildir.to_owned() }
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }

    /// Every message delivered so far, decoded: `{to, from, subject, body}`, oldest first.
    fn messages(&self) -> Vec<Value> {
        let script = r#"
import json, mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
out = []
for key in box.keys():
    m = box.get_message(key)
    import email.policy, email
    parsed = email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
    out.append({"to": str(parsed["to"]), "from": str(parsed["from"]), "subject": str(parsed["subject"]),
                "body": parsed.get_content(), "date": parsed["date"] is not None})
print(json.dumps(sorted(out, key=lambda m: m["subject"])))
"#;
        let output = Command::new(python()).args(["-c", script]).arg(&self.maildir).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn app_mailing_to(smtpd: &Smtpd) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = TestApp::with(dir, |merchants| {
        merchants[0].name = "Acme".into();
        merchants[0].notify = Some(Notify {
            order_page: "https://shop.acme.example/orders/{order_id}?aftercare_case={case_id}".into(),
            from: "Acme Service <service@acme.example>".into(),
        });
    })
    .await;
    app.state.store.emails = true;
    let url = format!("smtp://127.0.0.1:{}", smtpd.port);
    app.state.mailer = Some(std::sync::Arc::new(aftercare_server::email::Mailer::new(&url).unwrap()));
    app
}

async fn file(app: &TestApp, key: &str, locale: &str, email: Option<&str>) -> String {
    let mut body = damaged("o-1");
    body["locale"] = json!(locale);
    body["contact"] = json!({"name": "Li Lei", "phone": "138 0013 8000", "email": email});
    if email.is_none() {
        body["contact"] = json!({"name": "Li Lei", "phone": "138 0013 8000"});
    }
    let (status, case) = app.post("/v1/cases", &app.token(), Some(key), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

async fn send_due(app: &TestApp) -> usize {
    aftercare_server::email::send_due(&app.state).await.unwrap()
}

#[tokio::test]
async fn what_needs_the_shopper_is_mailed_in_their_language_with_a_link_to_the_case() {
    let maildir = tempfile::tempdir().unwrap();
    let smtpd = Smtpd::start(None, &maildir.path().join("mail"));
    let app = app_mailing_to(&smtpd).await;
    let seller = app.api_key(Some("acme")).await;
    let post = |path: String, key: String, body: Value| {
        let app = &app;
        async move {
            let (status, json) = app.post(&path, &key, None, &body).await;
            assert_eq!(status, StatusCode::OK, "{json}");
        }
    };

    let english = file(&app, "k-1", "en-GB", Some("li.lei@example.com")).await;
    let chinese = file(&app, "k-2", "zh-CN", Some("li.lei@example.com")).await;
    let silent = file(&app, "k-3", "en", None).await;
    assert_eq!(send_due(&app).await, 0, "filing is the shopper's own doing: no email");

    let offer = json!({"resolution": "refund_only", "amount": {"minor_units": 5000, "currency": "CNY"}, "message": "Keep it, with 50.00 back?"});
    post(format!("/v1/merchant/cases/{english}/offer"), seller.clone(), offer).await;
    let refusal = json!({"reason": "delivered_intact", "message": "签收时完好。"});
    post(format!("/v1/merchant/cases/{chinese}/refuse"), seller.clone(), refusal).await;
    post(format!("/v1/cases/{english}/messages"), app.token(), json!({"message": "Thinking about it."})).await;
    post(format!("/v1/merchant/cases/{silent}/messages"), seller.clone(), json!({"message": "Hello?"})).await;
    assert_eq!(
        send_due(&app).await,
        2,
        "the offer and the refusal; not the shopper's own message, not a case without an address"
    );
    assert_eq!(send_due(&app).await, 0, "each once");

    let number = |id: &str| {
        let app = &app;
        let id = id.to_owned();
        async move { app.get(&format!("/v1/cases/{id}"), &app.token()).await.1["number"].as_str().unwrap().to_owned() }
    };
    let messages = smtpd.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let en = messages.iter().find(|m| m["subject"].as_str().unwrap().starts_with("Request")).unwrap();
    assert_eq!(en["subject"], format!("Request {}: The seller made you an offer", number(&english).await));
    assert_eq!(
        (en["to"].as_str(), en["from"].as_str()),
        (Some("li.lei@example.com"), Some("Acme Service <service@acme.example>"))
    );
    let body = en["body"].as_str().unwrap();
    assert!(body.contains("“Keep it, with 50.00 back?”"), "{body}");
    assert!(body.contains("Please answer by 2026-11-30 08:00 UTC."), "the offer's 48 h: {body}");
    assert!(
        body.contains(&format!("See it and answer: https://shop.acme.example/orders/o-1?aftercare_case={english}")),
        "{body}"
    );
    let zh = messages.iter().find(|m| m["subject"].as_str().unwrap().starts_with("售后申请")).unwrap();
    assert_eq!(zh["subject"], format!("售后申请 {}:卖家拒绝了您的申请", number(&chinese).await));
    let body = zh["body"].as_str().unwrap();
    assert!(
        body.contains("拒绝原因:物流显示已完好签收") && body.contains("查看并回复:https://shop.acme.example/"),
        "{body}"
    );
}

#[tokio::test]
async fn an_email_waits_out_an_smtp_server_that_is_down() {
    let maildir = tempfile::tempdir().unwrap();
    let smtpd = Smtpd::start(None, &maildir.path().join("mail"));
    let app = app_mailing_to(&smtpd).await;
    let seller = app.api_key(Some("acme")).await;
    let id = file(&app, "k-1", "en", Some("li.lei@example.com")).await;
    let port = smtpd.stop();

    let (status, _) = app
        .post(&format!("/v1/merchant/cases/{id}/messages"), &seller, None, &json!({"message": "Which colour?"}))
        .await;
    assert_eq!(status, StatusCode::OK, "the API does not wait for SMTP");
    assert_eq!(send_due(&app).await, 1);
    let queued = aftercare_server::store::emails::states(app.state.store.pool(), &id).await.unwrap();
    assert_eq!(queued, [("pending".to_owned(), 1)], "kept for a retry");
    assert_eq!(send_due(&app).await, 0, "not before its retry time");

    let smtpd = Smtpd::start(Some(port), &maildir.path().join("mail"));
    app.state.clock.advance(60_000);
    assert_eq!(send_due(&app).await, 1);
    let sent = aftercare_server::store::emails::states(app.state.store.pool(), &id).await.unwrap();
    assert_eq!(sent, [("sent".to_owned(), 2)]);
    let messages = smtpd.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0]["subject"].as_str().unwrap().ends_with(": The seller wrote to you"), "{messages:?}");
}

/// A day before a deadline that waits for the shopper, they are reminded, once per
/// deadline; a deadline that waits for the seller reminds nobody.
#[tokio::test]
async fn the_shopper_is_reminded_a_day_before_their_deadline() {
    let maildir = tempfile::tempdir().unwrap();
    let smtpd = Smtpd::start(None, &maildir.path().join("mail"));
    let app = app_mailing_to(&smtpd).await;
    let seller = app.api_key(Some("acme")).await;
    let id = file(&app, "k-1", "en", Some("li.lei@example.com")).await;
    let waiting = file(&app, "k-2", "en", Some("li.lei@example.com")).await; // waits for the seller
    let offer = json!({"resolution": "refund_only", "amount": {"minor_units": 5000, "currency": "CNY"}, "message": "50.00 back?"});
    let (status, _) = app.post(&format!("/v1/merchant/cases/{id}/offer"), &seller, None, &offer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(send_due(&app).await, 1, "the offer itself");

    // The offer lapses 48 h after it was made: nothing at 23 h, the reminder at 24 h, once.
    app.advance_hours(23).await;
    assert_eq!(send_due(&app).await, 0);
    app.advance_hours(1).await;
    assert_eq!(send_due(&app).await, 1);
    app.advance_hours(1).await;
    assert_eq!(send_due(&app).await, 0, "once per deadline");

    let reminders: Vec<Value> =
        smtpd.messages().into_iter().filter(|m| m["subject"].as_str().unwrap().contains("please act by")).collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let body = reminders[0]["body"].as_str().unwrap();
    assert!(
        body.starts_with("Please act by 2026-11-30 08:00 UTC: then the seller's offer lapses (as if declined)."),
        "{body}"
    );
    assert!(body.contains(&format!("aftercare_case={id}")), "{body}");
    let states = aftercare_server::store::emails::states(app.state.store.pool(), &waiting).await.unwrap();
    assert_eq!(states, [], "the seller's deadline reminds nobody");
}
