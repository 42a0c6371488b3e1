//! tusd's end-to-end fault scenarios, ported: a connection closed after N bytes, a TCP
//! reset mid-PATCH, a client that stops sending (read timeout), lock takeover by a new
//! request, and a body longer than the upload. Faults are made by a small byte-limiting
//! TCP proxy between a real HTTP client and the real server; waits are on conditions.

use std::time::Duration;

use crate::common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the proxy ends the client's connection once `limit` request bytes went through.
#[derive(Clone, Copy)]
enum Cut {
    Close,
    Reset,
    /// Keep the connection open but send nothing more.
    Stall,
}

/// Forwards one connection to `upstream`, passing at most `limit` bytes upstream.
async fn proxy(upstream: String, limit: usize, cut: Cut) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut client, _) = listener.accept().await.unwrap();
        let mut server = TcpStream::connect(upstream.trim_start_matches("http://")).await.unwrap();
        let mut passed = 0;
        let mut buffer = vec![0u8; 8192];
        loop {
            let read = client.read(&mut buffer).await.unwrap_or(0);
            if read == 0 {
                break;
            }
            let take = read.min(limit - passed);
            server.write_all(&buffer[..take]).await.unwrap();
            passed += take;
            if passed == limit {
                break;
            }
        }
        match cut {
            Cut::Close => drop(server),
            Cut::Reset => {
                // SO_LINGER 0 makes the close a TCP reset; with a zero timeout it does not block.
                #[allow(deprecated)]
                server.set_linger(Some(Duration::ZERO)).unwrap();
                drop(server);
            }
            Cut::Stall => {
                tokio::time::sleep(Duration::from_secs(120)).await;
                drop(server);
            }
        }
        drop(client);
    });
    format!("http://{address}")
}

/// A raw PATCH carrying `body` (declaring its full length), as a client would send it.
fn raw_patch(path: &str, token: &str, offset: usize, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nAuthorization: Bearer {token}\r\n\
         Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    [head.as_bytes(), body].concat()
}

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    async fn create(&self, length: usize) -> String {
        let response = self
            .http
            .post(format!("{}/v1/uploads/", self.base))
            .bearer_auth(&self.token)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", length)
            .header("upload-metadata", "filetype dmlkZW8vbXA0")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    async fn offset(&self, location: &str) -> u64 {
        let response = self
            .http
            .head(format!("{}{location}", self.base))
            .bearer_auth(&self.token)
            .header("tus-resumable", "1.0.0")
            .send()
            .await
            .unwrap();
        response.headers()["upload-offset"].to_str().unwrap().parse().unwrap()
    }

    /// Waits (polling, bounded) until the upload's offset is `expected`.
    async fn offset_becomes(&self, location: &str, expected: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let offset = self.offset(location).await;
            if offset == expected {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "offset stayed {offset}, expected {expected}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resumes the way a tus client does: HEAD, then PATCH the rest from there (again
    /// after a 409, if an earlier request was still finishing). Returns the first offset.
    async fn resume(&self, location: &str, body: &[u8]) -> u64 {
        let mut first = None;
        for _ in 0..50 {
            let offset = self.offset(location).await;
            first.get_or_insert(offset);
            let response = self.patch(location, offset as usize, body[offset as usize..].to_vec()).await;
            match response.status().as_u16() {
                204 => return first.unwrap(),
                409 => tokio::time::sleep(Duration::from_millis(20)).await,
                other => panic!("resume answered {other}"),
            }
        }
        panic!("could not resume");
    }

    /// The stored file, through a media link.
    async fn stored(&self, location: &str) -> Vec<u8> {
        let id = location.rsplit('/').next().unwrap();
        let link: serde_json::Value = self
            .http
            .get(format!("{}/v1/uploads/{id}/link", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let response = self.http.get(format!("{}{}", self.base, link["url"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap().to_vec()
    }

    async fn patch(&self, location: &str, offset: usize, body: Vec<u8>) -> reqwest::Response {
        self.http
            .patch(format!("{}{location}", self.base))
            .bearer_auth(&self.token)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", offset)
            .header("content-type", "application/offset+octet-stream")
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

fn video(size: usize) -> Vec<u8> {
    let mut bytes = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    let rest = size - bytes.len();
    bytes.extend_from_slice(&(rest as u32).to_be_bytes());
    bytes.extend_from_slice(b"mdat");
    bytes.extend((0..rest - 8).map(|i| (i * 31 % 251) as u8));
    bytes
}

async fn setup(idle: Duration) -> (TestApp, Client) {
    let mut app = TestApp::new().await;
    let limits = aftercare_server::tus::Limits { idle_timeout: idle, ..Default::default() };
    let storage = aftercare_server::storage::Storage::local(&app.dir.path().join("media")).unwrap();
    let uploads =
        aftercare_server::tus::Uploads::new(app.dir.path().join("spool"), storage, limits, vec![1; 32]).unwrap();
    app.state.uploads = std::sync::Arc::new(uploads);
    let base = app.serve().await;
    let client = Client { base, token: app.token(), http: reqwest::Client::new() };
    (app, client)
}

/// Sends a raw request through a proxy that cuts it after `limit` bytes.
async fn send_cut(client: &Client, request: Vec<u8>, limit: usize, cut: Cut) {
    let through = proxy(client.base.clone(), limit, cut).await;
    let mut stream = TcpStream::connect(through.trim_start_matches("http://")).await.unwrap();
    let _ = stream.write_all(&request).await;
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(200), stream.read_to_end(&mut sink)).await;
}

#[tokio::test]
async fn connection_closed_after_n_bytes_keeps_what_arrived() {
    let (_app, client) = setup(Duration::from_secs(30)).await;
    let body = video(300_000);
    let location = client.create(body.len()).await;
    let request = raw_patch(&location, &client.token, 0, &body);
    let header_len = request.len() - body.len();
    send_cut(&client, request, header_len + 100_000, Cut::Close).await;
    client.offset_becomes(&location, 100_000).await;
    // The client resumes from there.
    let response = client.patch(&location, 100_000, body[100_000..].to_vec()).await;
    assert_eq!(response.status(), 204);
    assert_eq!(client.offset(&location).await, 300_000);
    assert_eq!(client.stored(&location).await, body);
}

#[tokio::test]
async fn tcp_reset_mid_patch_keeps_what_arrived() {
    let (_app, client) = setup(Duration::from_secs(30)).await;
    let body = video(200_000);
    let location = client.create(body.len()).await;
    let request = raw_patch(&location, &client.token, 0, &body);
    let header_len = request.len() - body.len();
    send_cut(&client, request, header_len + 65_536, Cut::Reset).await;
    // A reset discards what the server had not read yet, so the kept offset is at most
    // what was sent; the client resumes from whatever HEAD says, as tus clients do.
    let kept = client.resume(&location, &body).await;
    assert!(kept <= 65_536, "{kept}");
    assert_eq!(client.stored(&location).await, body);
}

#[tokio::test]
async fn a_stalled_client_times_out_and_keeps_what_arrived() {
    let (_app, client) = setup(Duration::from_millis(300)).await;
    let body = video(150_000);
    let location = client.create(body.len()).await;
    let request = raw_patch(&location, &client.token, 0, &body);
    let header_len = request.len() - body.len();
    send_cut(&client, request, header_len + 40_000, Cut::Stall).await;
    client.offset_becomes(&location, 40_000).await;
    let response = client.patch(&location, 40_000, body[40_000..].to_vec()).await;
    assert_eq!(response.status(), 204);
    assert_eq!(client.stored(&location).await, body);
}

#[tokio::test]
async fn a_new_request_takes_over_from_a_dead_one() {
    // The stalled request would hold the upload for a minute; the new one takes it over.
    let (_app, client) = setup(Duration::from_secs(60)).await;
    let body = video(120_000);
    let location = client.create(body.len()).await;
    let request = raw_patch(&location, &client.token, 0, &body);
    let header_len = request.len() - body.len();
    send_cut(&client, request, header_len + 30_000, Cut::Stall).await;
    client.offset_becomes(&location, 30_000).await;
    let response =
        tokio::time::timeout(Duration::from_secs(10), client.patch(&location, 30_000, body[30_000..].to_vec()))
            .await
            .expect("the new request does not wait for the stalled one's timeout");
    assert_eq!(response.status(), 204);
    assert_eq!(client.offset(&location).await, 120_000);
    assert_eq!(client.stored(&location).await, body);
}

#[tokio::test]
async fn a_body_longer_than_the_upload_is_refused_whole() {
    let (_app, client) = setup(Duration::from_secs(30)).await;
    let body = video(50_000);
    let location = client.create(body.len()).await;
    let mut longer = body.clone();
    longer.extend_from_slice(&[0; 10]);
    let response = client.patch(&location, 0, longer).await;
    assert_eq!(response.status(), 413);
    assert_eq!(client.offset(&location).await, 0);
    let response = client.patch(&location, 0, body).await;
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn too_many_uploads_at_once_get_429_with_retry_after() {
    let (_app, client) = setup(Duration::from_secs(60)).await;
    let body = video(80_000);
    // Three stalled PATCHes hold the shopper's three slots.
    for _ in 0..3 {
        let location = client.create(body.len()).await;
        let request = raw_patch(&location, &client.token, 0, &body);
        let header_len = request.len() - body.len();
        send_cut(&client, request, header_len + 1_000, Cut::Stall).await;
        client.offset_becomes(&location, 1_000).await;
    }
    let location = client.create(body.len()).await;
    let response = client.patch(&location, 0, body.clone()).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    // Another shopper on another order is not affected.
    let other = Client {
        base: client.base.clone(),
        token: _app.token_for("acme", "s-9", delivered("o-9")),
        http: reqwest::Client::new(),
    };
    let location = other.create(body.len()).await;
    assert_eq!(other.patch(&location, 0, body).await.status(), 204);
}
