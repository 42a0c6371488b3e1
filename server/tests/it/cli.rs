//! The `aftercare-server` command line, run as a real process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_aftercare-server");

fn run(args: &[&str], data_dir: &std::path::Path) -> (bool, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .env("AFTERCARE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("AFTERCARE_DATABASE_URL")
        .output()
        .unwrap();
    (output.status.success(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

/// Starts `serve` with `args` (metrics on a free port, no built widget); returns the
/// process and the first line it printed, its address.
fn serve(args: &[&str], data_dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .args(["--metrics-listen", "127.0.0.1:0", "--static-dir"])
        .arg(data_dir.join("nothing-built"))
        .env("AFTERCARE_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line)
}

#[test]
fn openapi_prints_only_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, _) = run(&["openapi"], dir.path());
    assert!(ok);
    assert_eq!(stdout, aftercare_server::openapi::document());
}

#[test]
fn token_prints_one_line_that_the_demo_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = run(
        &["token", "--merchant", "demo", "--order", "20261128-0042", "--shopper", "s-1", "--ttl", "5m"],
        dir.path(),
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    let token = stdout.trim();
    let demo = aftercare_server::merchants::demo(dir.path(), vec![]).unwrap();
    let merchants = aftercare_server::merchants::Merchants::new(vec![demo]).unwrap();
    let now = aftercare_server::clock::Clock::system().now();
    let (_, claims) = aftercare_server::auth::verify(token, &merchants, now).unwrap();
    assert_eq!((claims.sub.as_str(), claims.exp - claims.iat), ("s-1", 300));
    assert_eq!(claims.order.prices.len(), 2, "the demo order's prices are signed");
    let (ok, _, stderr) = run(&["token", "--merchant", "nobody", "--order", "o", "--shopper", "s"], dir.path());
    assert!(!ok && stderr.contains("unknown merchant"));

    // Another order, with what was paid per item.
    let priced = ["token", "--merchant", "demo", "--order", "A-1", "--shopper", "s-1", "--items", "a,b"];
    let (ok, stdout, stderr) =
        run(&[&priced[..], &["--prices", "12900,2x500", "--currency", "CNY"]].concat(), dir.path());
    assert!(ok, "{stderr}");
    let (_, claims) = aftercare_server::auth::verify(stdout.trim(), &merchants, now).unwrap();
    let paid = claims.order.paid_for(&["a".to_owned(), "b".to_owned()]).unwrap();
    assert_eq!(paid, Some(aftercare_protocol::money::Money::new(13900, "CNY")));
    let (ok, _, stderr) = run(&[&priced[..], &["--prices", "12900"]].concat(), dir.path());
    assert!(!ok && stderr.contains("one per item"), "{stderr}");
    let (ok, _, stderr) = run(&[&priced[..], &["--prices", "1,0x5"]].concat(), dir.path());
    assert!(!ok && stderr.contains("--prices \"0x5\""), "{stderr}");
}

#[test]
fn api_key_prints_the_key_once_and_stores_only_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = run(&["api-key", "--merchant", "demo"], dir.path());
    assert!(ok, "{stderr}");
    let key = stdout.trim().to_owned();
    assert!(key.starts_with("acm_") && key.len() == 68, "{key}");
    let database = std::fs::read(dir.path().join("aftercare.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("aftercare.db-wal")).unwrap_or_default();
    let needle = key.as_bytes();
    for bytes in [&database, &wal] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the key itself is not stored");
    }
    let (ok, stdout, _) = run(&["api-key", "--platform"], dir.path());
    assert!(ok && stdout.starts_with("acp_"));
    let (ok, _, _) = run(&["api-key"], dir.path());
    assert!(!ok, "needs --merchant or --platform");
}

#[test]
fn serve_on_port_zero_prints_its_address_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = serve(&["--listen", "127.0.0.1:0"], dir.path());
    let address = line.trim().strip_prefix("http://").unwrap().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (health, page) = runtime.block_on(async {
        let health = reqwest::get(format!("http://{address}/healthz")).await.unwrap().text().await.unwrap();
        let page = reqwest::get(format!("http://{address}/")).await.unwrap().text().await.unwrap();
        (health, page)
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(health, "ok");
    assert!(page.contains("scripts/build"), "explains how to build the widget");
    assert!(dir.path().join("demo-signing-key.json").is_file());
}

#[test]
fn the_demo_merchant_is_served_beyond_loopback_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(&["serve", "--listen", "0.0.0.0:0", "--metrics-listen", "127.0.0.1:0"], dir.path());
    assert!(!ok);
    assert!(stderr.contains("--demo") && stderr.contains("--config"), "{stderr}");
    // With --demo it starts (and prints where it listens).
    let (mut child, line) = serve(&["--listen", "0.0.0.0:0", "--demo"], dir.path());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("http://0.0.0.0:"), "{line}");
}

#[test]
fn a_panic_in_the_real_binary_fails_one_request_and_the_server_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = serve(&["--listen", "127.0.0.1:0", "--insecure-dev"], dir.path());
    let base = line.trim().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (panicked, health) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let panicked = client.post(format!("{base}/dev/panic")).send().await.unwrap().status();
        let health = client.get(format!("{base}/healthz")).send().await.unwrap().text().await.unwrap();
        (panicked, health)
    });
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!((panicked.as_u16(), health.as_str(), still_running), (500, "ok", true));
}

#[test]
fn staff_accounts_are_added_listed_and_given_new_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let add = |args: &[&str], password: Option<&str>| {
        let mut command = Command::new(BIN);
        command.args(["staff", "add"]).args(args).env("AFTERCARE_DATA_DIR", dir.path()).env_remove("DATABASE_URL");
        match password {
            Some(password) => command.env("AFTERCARE_STAFF_PASSWORD", password),
            None => command.env_remove("AFTERCARE_STAFF_PASSWORD"),
        };
        let output = command.output().unwrap();
        (output.status.success(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let (ok, stdout, stderr) =
        add(&["--merchant", "demo", "--email", "Wang@Demo.example", "--role", "admin", "--name", "小王"], None);
    assert!(ok, "{stderr}");
    let generated = stdout.lines().find_map(|l| l.strip_prefix("password: ")).expect("a generated password, printed");
    assert!(generated.len() >= 10, "{stdout}");
    let (ok, _, stderr) = add(&["--platform", "--email", "judge@platform.example"], Some("a long enough one"));
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = add(&["--merchant", "demo", "--email", "wang@demo.example"], Some("a long enough one"));
    assert!(!ok && stderr.contains("exists"), "{stderr}");
    let (ok, _, stderr) = add(&["--merchant", "nowhere", "--email", "x@demo.example"], Some("a long enough one"));
    assert!(!ok && stderr.contains("unknown merchant"), "{stderr}");
    let (ok, _, stderr) = add(&["--merchant", "demo", "--email", "y@demo.example"], Some("short"));
    assert!(!ok && stderr.contains("10 characters"), "{stderr}");

    let (ok, stdout, _) = run(&["staff", "list", "--merchant", "demo"], dir.path());
    assert!(ok);
    assert_eq!(stdout, "wang@demo.example\tadmin\t小王\n");
    let (_, stdout, _) = run(&["staff", "list", "--platform"], dir.path());
    assert_eq!(stdout, "judge@platform.example\tagent\tjudge\n");
    let (ok, stdout, _) = run(&["staff", "password", "--email", "wang@demo.example"], dir.path());
    assert!(ok && stdout.contains("password: "), "{stdout}");
    let (ok, _, stderr) = run(&["staff", "password", "--email", "nobody@demo.example"], dir.path());
    assert!(!ok && stderr.contains("no account"), "{stderr}");
}

#[test]
fn on_sigterm_a_node_first_says_it_is_not_ready_then_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, line) = serve(&["--listen", "127.0.0.1:0", "--drain-grace-seconds", "4"], dir.path());
    let base = line.trim().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"ready": true, "draining": false, "database": true, "storage": true}));

        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        // Draining: not ready (so a balancer takes the node out), yet still serving.
        let mut draining = None;
        for _ in 0..200 {
            let response = client.get(format!("{base}/readyz")).send().await.unwrap();
            if response.status() == 503 {
                draining = Some(response.json::<serde_json::Value>().await.unwrap());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let draining = draining.expect("/readyz turns 503 on SIGTERM");
        assert_eq!((draining["ready"].as_bool(), draining["draining"].as_bool()), (Some(false), Some(true)));
        assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    });
    // Then it stops (within the grace period and the drain).
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn on_postgresql_serve_refuses_keys_made_per_node() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("merchants.toml");
    let toml = format!(
        "[[merchant]]\nid = \"acme\"\nallowed_origins = [\"https://shop.example\"]\nkeys = [{{ kid = \"acme-1\", secret_hex = \"{}\" }}]\n",
        "cd".repeat(32)
    );
    std::fs::write(&config, toml).unwrap();
    // Refused before any connection is made (nothing listens on port 1).
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"];
        args.extend(["--database-url", "postgres://aftercare@127.0.0.1:1/aftercare"]);
        args.extend(extra);
        run(&args, dir.path())
    };
    let (ok, _, stderr) = serve(&[]);
    assert!(!ok && stderr.contains("--config"), "the demo merchant's key is per data folder: {stderr}");
    let config = config.to_str().unwrap();
    let (ok, _, stderr) = serve(&["--config", config]);
    assert!(!ok && stderr.contains("AFTERCARE_MEDIA_LINK_KEY") && stderr.contains("openssl rand -hex 32"), "{stderr}");
    let (ok, _, stderr) = serve(&["--config", config, "--media-link-key", "abcd"]);
    assert!(!ok && stderr.contains("at least 32"), "{stderr}");
    let (ok, _, stderr) = serve(&["--config", config, "--media-link-key-file", "/nonexistent/key"]);
    assert!(!ok && stderr.contains("/nonexistent/key"), "{stderr}");
    assert!(!dir.path().join("media-link-key").exists(), "no key was made");
}

#[test]
fn a_cluster_node_refuses_sqlite_and_the_local_spool() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--cluster", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"];
        args.extend(extra);
        run(&args, dir.path())
    };
    // SQLite (the default): one node's database.
    let (ok, _, stderr) = serve(&[]);
    assert!(!ok && stderr.contains("SQLite") && stderr.contains("PostgreSQL"), "{stderr}");
    let (ok, _, stderr) = serve(&["--spool", "s3"]);
    assert!(!ok && stderr.contains("SQLite"), "{stderr}");
    // PostgreSQL, but incomplete uploads on local disk (refused before connecting: port 1).
    let (ok, _, stderr) = serve(&["--database-url", "postgres://aftercare@127.0.0.1:1/aftercare"]);
    assert!(!ok && stderr.contains("--spool s3"), "{stderr}");
    assert!(!dir.path().join("aftercare.db").exists(), "no database was made");
}

#[test]
fn the_s3_spool_needs_s3_storage() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) =
        run(&["serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--spool", "s3"], dir.path());
    assert!(!ok && stderr.contains("--spool s3") && stderr.contains("AFTERCARE_S3_BUCKET"), "{stderr}");
}
