//! Case submissions under load, printed (not a test): the release server on loopback,
//! rate limits off, `POST /v1/cases` with a fresh Idempotency-Key each, from 16 and 64
//! concurrent clients, on SQLite and — when `AFTERCARE_TEST_POSTGRES` names a server
//! (see `scripts/postgres`) — on PostgreSQL. Each answer is a 201 for a case whose
//! commit is durable (SQLite: WAL with synchronous=FULL; PostgreSQL: fsync and
//! synchronous_commit on).
//!
//!   cargo bench -p aftercare-server --bench load [-- --seconds 10]
//!   (bench/load runs it with a PostgreSQL cluster of its own)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CASE: &str = r#"{"order_id":"20261128-0042","item_ids":["item-1"],"problem_type":"logistics","reason":"damaged_in_transit",
"resolution":"return_and_refund","description":"The box arrived crushed and the lid is bent.","contact":{"phone":"138 0013 8000"}}"#;

struct Server {
    child: Child,
    origin: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = Command::new("cargo")
        .args(["build", "--release", "-p", "aftercare-server"])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success());
    let meta = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&meta.stdout).unwrap();
    format!("{}/release/aftercare-server", meta["target_directory"].as_str().unwrap())
}

fn start(binary: &str, database_url: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary);
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--rate-limit",
            "0",
            "--static-dir",
        ])
        .arg(dir.path().join("none"))
        .env("AFTERCARE_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    Server { child, origin: line.trim().to_owned(), _dir: dir }
}

struct Run {
    cases_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

async fn run(origin: &str, clients: usize, seconds: u64) -> Run {
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let token: serde_json::Value = http
        .get(format!("{origin}/demo/token?order=20261128-0042&shopper=bench"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, token, next, errors, url) =
            (http.clone(), token.clone(), next.clone(), errors.clone(), format!("{origin}/v1/cases"));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let key = format!("bench-{}", next.fetch_add(1, Ordering::Relaxed));
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("idempotency-key", key)
                    .header("content-type", "application/json")
                    .body(CASE)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == 201 => {
                        let _ = r.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    Run {
        cases_per_second: all.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let binary = binary();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut databases = vec![("SQLite", None)];
    match std::env::var("AFTERCARE_TEST_POSTGRES") {
        Ok(base) => databases.push(("PostgreSQL", Some(base))),
        Err(_) => println!("(PostgreSQL skipped: set AFTERCARE_TEST_POSTGRES, or run bench/load)"),
    }
    println!("POST /v1/cases on loopback, release build, rate limits off, {seconds} s per run, client and server on the same 2 cores:");
    for (name, url) in databases {
        for clients in [16, 64] {
            let url = url.as_deref().map(|base| fresh_database(&runtime, base));
            let server = start(&binary, url.as_deref());
            let result = runtime.block_on(run(&server.origin, clients, seconds));
            drop(server);
            println!(
                "  {name:<10} {clients:>2} clients  {:>7.0} cases/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
                result.cases_per_second, result.p50_ms, result.p99_ms, result.errors
            );
        }
    }
    println!("  (aim: >= 2000 durable cases/s with p99 <= 20 ms on SQLite)");
}

/// A new, empty database on the PostgreSQL server at `base`.
fn fresh_database(runtime: &tokio::runtime::Runtime, base: &str) -> String {
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(base).await.unwrap();
        let name = format!("bench_{}", std::process::id() as u64 * 1000 + rand_suffix());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
        admin.close().await;
        format!("{}/{name}", base.rsplit_once('/').unwrap().0)
    })
}

fn rand_suffix() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
