//! Running the server: per-IP rate limits (429 with Retry-After), body limits (413),
//! `/metrics` counting what happened, and SIGTERM letting requests in flight finish.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::common::*;
use aftercare_server::ratelimit::RateLimit;
use aftercare_server::webhooks;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_address_over_its_quota_gets_429_with_retry_after() {
    let mut app = TestApp::new().await;
    app.state.rate_limit = Arc::new(RateLimit::new(1, 5));
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let url = format!("{base}/v1/widget-config?merchant=acme");
    for n in 0..5 {
        assert_eq!(client.get(&url).send().await.unwrap().status(), 200, "request {n} is within the burst");
    }
    let refused = client.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // The widget and demo files are not limited.
    assert_ne!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 429);
}

#[tokio::test]
async fn the_default_limit_lets_a_busy_shopper_and_a_test_suite_through() {
    let app = TestApp::new().await;
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let token = app.token();
    // An evidence step's worth of requests and more, at once.
    let requests = (0..120).map(|_| client.get(format!("{base}/v1/cases?order=o-1")).bearer_auth(&token).send());
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let app = TestApp::new().await;
    let seller = app.api_key(Some("acme")).await;
    let (_, case) = app.post("/v1/cases", &app.token(), Some("k-1"), &damaged("o-1")).await;
    let id = case["id"].as_str().unwrap();
    let huge = json!({"message": "x".repeat(70 * 1024)});
    for path in [format!("/v1/merchant/cases/{id}/reply"), format!("/v1/cases/{id}/withdraw")] {
        let key = if path.contains("merchant") { seller.clone() } else { app.token() };
        let (status, body) = app.post(&path, &key, None, &huge).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large")), "{path}");
    }
    let (_, seen) = app.get(&format!("/v1/cases/{id}"), &app.token()).await;
    assert_eq!(seen["history"].as_array().unwrap().len(), 1, "nothing was stored");
}

/// The value of one sample in Prometheus text, by its name and labels as written.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_count_what_the_test_did() {
    let dir = tempfile::tempdir().unwrap();
    let hook = aftercare_server::merchants::WebhookTarget {
        url: "http://127.0.0.1:9/nowhere".into(),
        secret: "whsec_metrics_test_1".into(),
    };
    let app = TestApp::with(dir, move |merchants| merchants[0].webhook = Some(hook)).await;
    for key in ["k-1", "k-2", "k-1"] {
        app.post("/v1/cases", &app.token(), Some(key), &damaged("o-1")).await;
    }
    let (status, _) = app.get("/v1/cases/nope", &app.token()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(webhooks::deliver_due(&app.state).await.unwrap(), 2);

    let (status, _) = app.get("/metrics", &app.token()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not on the public listener");
    let metrics = app.serve_router(aftercare_server::metrics_app(app.state.clone())).await;
    let response = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = response.text().await.unwrap();
    assert_eq!(
        sample(&text, r#"aftercare_http_requests_total{method="POST",route="/v1/cases",status="201"}"#),
        3.0,
        "two cases, one replay"
    );
    assert_eq!(
        sample(&text, r#"aftercare_http_requests_total{method="GET",route="/v1/cases/{id}",status="404"}"#),
        1.0
    );
    assert_eq!(sample(&text, r#"aftercare_http_request_duration_seconds_count{route="/v1/cases"}"#), 3.0);
    assert_eq!(sample(&text, r#"aftercare_cases{state="awaiting_seller"}"#), 2.0);
    assert_eq!(
        sample(&text, r#"aftercare_webhook_deliveries_total{outcome="failed"}"#),
        2.0,
        "nothing listens on port 9"
    );
    assert_eq!(sample(&text, "aftercare_deadline_consequences_total"), 0.0);
}

/// Reads the child's stderr until a line contains `needle`.
fn wait_for_line(lines: &mut impl Iterator<Item = std::io::Result<String>>, needle: &str) {
    for line in lines.by_ref() {
        if line.unwrap().contains(needle) {
            return;
        }
    }
    panic!("the server never said {needle:?}");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aftercare-server"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--drain-seconds",
            "20",
            "--static-dir",
        ])
        .arg(dir.path().join("nothing-built"))
        .env("AFTERCARE_DATA_DIR", dir.path())
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("http://").unwrap().to_owned();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();

    // A shopper's upload of 1,000 bytes, created; its PATCH sends half and pauses.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (token, location) = runtime.block_on(async {
        let token: serde_json::Value =
            reqwest::get(format!("http://{address}/demo/token?order=20261128-0042&shopper=s-1"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let token = token["token"].as_str().unwrap().to_owned();
        let created = reqwest::Client::new()
            .post(format!("http://{address}/v1/uploads/"))
            .bearer_auth(&token)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "1000")
            .header("upload-metadata", "filetype dmlkZW8vbXA0")
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        (token, created.headers()["location"].to_str().unwrap().to_owned())
    });
    let path = location.trim_start_matches(&format!("http://{address}"));
    let mut body = vec![0u8; 1000];
    body[..32].copy_from_slice(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free");
    let mut socket = std::net::TcpStream::connect(&address).unwrap();
    write!(
        socket,
        "PATCH {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
         Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    socket.write_all(&body[..500]).unwrap();
    socket.flush().unwrap();
    // Wait until the server is inside that request: it has spooled the first half.
    let head = || {
        runtime.block_on(async {
            let answer = reqwest::Client::new()
                .head(format!("http://{address}{path}"))
                .bearer_auth(&token)
                .header("tus-resumable", "1.0.0")
                .send()
                .await
                .unwrap();
            answer.headers()["upload-offset"].to_str().unwrap().to_owned()
        })
    };
    assert!((0..1000).any(|_| head() == "500" || {
        std::thread::sleep(std::time::Duration::from_millis(10));
        false
    }));

    // SIGTERM while it is in flight; the server stops listening but waits for it.
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    wait_for_line(&mut log, "shutting down");
    // New connections are refused once the listener closes (a moment after the log line).
    let refused = (0..500).any(|_| {
        let closed = std::net::TcpStream::connect(&address).is_err();
        if !closed {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        closed
    });
    assert!(refused, "the server stopped taking new connections");
    socket.write_all(&body[500..]).unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("upload-offset: 1000"), "{answer}");

    wait_for_line(&mut log, "stopped");
    assert!(child.wait().unwrap().success());
}
