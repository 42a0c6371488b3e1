//! `aftercare-server`: Aftercare's reference backend.
//!
//! ```text
//! aftercare-server serve --listen 127.0.0.1:8080 --data-dir ./data [--config merchants.toml] [--insecure-dev]
//! aftercare-server token --data-dir ./data --merchant demo --order ORDER_ID --shopper SHOPPER_ID [--ttl 30m]
//! aftercare-server api-key --data-dir ./data (--merchant ID | --platform)
//! aftercare-server staff add --data-dir ./data (--merchant ID | --platform) --email EMAIL [--role agent|admin] [--name NAME]
//! aftercare-server staff password --data-dir ./data --email EMAIL
//! aftercare-server staff list --data-dir ./data (--merchant ID | --platform)
//! aftercare-server openapi
//! ```
//!
//! Every flag is also an `AFTERCARE_…` environment variable; `DATABASE_URL` is honoured
//! too. Logs go to stderr; stdout carries only what a command prints (a token, a key,
//! the OpenAPI document, the listening address).
mod server_main {

    use std::net::SocketAddr;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::sync::Arc;

    use aftercare_protocol::order::{ItemPrice, OrderSnapshot, OrderState};
    use aftercare_server::clock::Clock;
    use aftercare_server::merchants::{self, Merchants, DEMO_MERCHANT};
    use aftercare_server::routes::demo::{demo_order, DEFAULT_TOKEN_TTL_SECS, DEMO_ORDER_ID};
    use aftercare_server::storage::{S3Settings, Storage};
    use aftercare_server::store::Store;
    use aftercare_server::tus::{Limits, Uploads};
    use aftercare_server::{app, auth, openapi, AppState};
    use clap::{Args, Parser, Subcommand};

    #[derive(Parser)]
    #[command(name = "aftercare-server", version, about = "Aftercare's reference backend")]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Serve the API, the widget and the demo order page.
        Serve(Serve),
        /// Print an order token (one line) signed with a merchant's key.
        Token(Token),
        /// Issue an API key for the merchant or platform APIs; prints it once, stores its hash.
        ApiKey(ApiKey),
        /// Console accounts: add one, set a password, list a desk's staff.
        #[command(subcommand)]
        Staff(StaffCommand),
        /// Print the OpenAPI document (JSON).
        Openapi,
    }

    #[derive(Args)]
    struct Common {
        /// Where the SQLite database and the demo signing key live.
        #[arg(long, env = "AFTERCARE_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// Merchants (TOML). Without it, the built-in `demo` merchant is served.
        #[arg(long, env = "AFTERCARE_CONFIG")]
        config: Option<PathBuf>,
        /// Database URL; defaults to SQLite in the data folder. `DATABASE_URL` also works.
        #[arg(long, env = "AFTERCARE_DATABASE_URL")]
        database_url: Option<String>,
    }

    #[derive(Args)]
    struct Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on; port 0 picks a free one (the address is printed).
        #[arg(long, env = "AFTERCARE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// More origins the demo merchant accepts (besides the server's own).
        #[arg(long, env = "AFTERCARE_DEMO_ORIGIN", value_delimiter = ',')]
        demo_origin: Vec<String>,
        /// The built widget and demo page. Defaults to the repository's `dist/`.
        #[arg(long, env = "AFTERCARE_STATIC_DIR")]
        static_dir: Option<PathBuf>,
        /// The built console (`scripts/build`), served at `/console/`. Defaults to the
        /// repository's `dist-console/`.
        #[arg(long, env = "AFTERCARE_CONSOLE_DIR")]
        console_dir: Option<PathBuf>,
        /// Enable `/dev/*` routes (clock control). Never in production.
        #[arg(long, env = "AFTERCARE_INSECURE_DEV")]
        insecure_dev: bool,
        /// The media-link signing key (hex, 32 bytes or more), the same on every node:
        /// `openssl rand -hex 32`. Without it (one node on SQLite) a key is made and kept
        /// in the data folder; on PostgreSQL it must be given (or a file, below).
        #[arg(long, env = "AFTERCARE_MEDIA_LINK_KEY", hide_env_values = true)]
        media_link_key: Option<String>,
        /// A file holding the media-link key (a mounted secret).
        #[arg(long, env = "AFTERCARE_MEDIA_LINK_KEY_FILE")]
        media_link_key_file: Option<PathBuf>,
        /// Where incomplete uploads are kept (local disk). Defaults to `{data-dir}/spool`.
        /// With `--spool s3`, only uploads being cleaned.
        #[arg(long, env = "AFTERCARE_SPOOL_DIR")]
        spool_dir: Option<PathBuf>,
        /// Where incomplete uploads live: `local` (the spool folder; one node) or `s3`
        /// (the bucket, with their offsets in the database, so any node takes the next
        /// PATCH; needs AFTERCARE_S3_BUCKET).
        #[arg(long, env = "AFTERCARE_SPOOL", default_value = "local", value_parser = ["local", "s3"])]
        spool: String,
        /// This process is one of several nodes behind a load balancer. It then refuses to
        /// start without what nodes must share: PostgreSQL, S3 storage with `--spool s3`,
        /// the merchants' keys (`--config`) and the media-link key.
        #[arg(long, env = "AFTERCARE_CLUSTER")]
        cluster: bool,
        /// Largest photo accepted, in bytes.
        #[arg(long, env = "AFTERCARE_MAX_PHOTO_BYTES", default_value_t = Limits::default().max_photo_bytes)]
        max_photo_bytes: u64,
        /// Largest video accepted, in bytes.
        #[arg(long, env = "AFTERCARE_MAX_VIDEO_BYTES", default_value_t = Limits::default().max_video_bytes)]
        max_video_bytes: u64,
        /// Most bytes uploaded for one order.
        #[arg(long, env = "AFTERCARE_MAX_ORDER_BYTES", default_value_t = Limits::default().max_order_bytes)]
        max_order_bytes: u64,
        /// Most bytes one case may reference.
        #[arg(long, env = "AFTERCARE_MAX_CASE_BYTES", default_value_t = Limits::default().max_case_bytes)]
        max_case_bytes: u64,
        /// API requests per second allowed from one client address (0: no limit).
        #[arg(long, env = "AFTERCARE_RATE_LIMIT", default_value_t = aftercare_server::ratelimit::DEFAULT_PER_SECOND)]
        rate_limit: u32,
        /// How many requests one address may make in a burst.
        #[arg(long, env = "AFTERCARE_RATE_BURST", default_value_t = aftercare_server::ratelimit::DEFAULT_BURST)]
        rate_burst: u32,
        /// Load balancers / reverse proxies whose `X-Forwarded-For` names the client
        /// (addresses or networks, comma-separated: `127.0.0.1,10.0.0.0/8`). Without it
        /// the peer is the client.
        #[arg(long, env = "AFTERCARE_TRUSTED_PROXY", value_delimiter = ',')]
        trusted_proxy: Vec<String>,
        /// A console session ends after this long without a request (`30m`, `2h`).
        #[arg(long, env = "AFTERCARE_SESSION_IDLE", default_value = "30m", value_parser = parse_ttl)]
        session_idle: i64,
        /// A console session ends this long after sign-in, however busy (at most `24h`).
        #[arg(long, env = "AFTERCARE_SESSION_MAX", default_value = "12h", value_parser = parse_ttl)]
        session_max: i64,
        /// On SIGTERM, how long requests in flight may take to finish.
        #[arg(long, env = "AFTERCARE_DRAIN_SECONDS", default_value_t = 10)]
        drain_seconds: u64,
        /// On SIGTERM, how long `/readyz` answers 503 while the server still takes
        /// requests, before it stops accepting: longer than the load balancer's health
        /// check interval, so it takes the node out first. 0 (one node) stops at once.
        #[arg(long, env = "AFTERCARE_DRAIN_GRACE_SECONDS", default_value_t = 0)]
        drain_grace_seconds: u64,
        /// A client must send a request's headers within this many seconds.
        #[arg(long, env = "AFTERCARE_HEADER_TIMEOUT", default_value_t = 10)]
        header_timeout: u64,
        /// A JSON request (body included) must be done within this many seconds. Uploads
        /// have their own idle timeout instead.
        #[arg(long, env = "AFTERCARE_REQUEST_TIMEOUT", default_value_t = 30)]
        request_timeout: u64,
        /// Connections open at once; more wait to be accepted.
        #[arg(long, env = "AFTERCARE_MAX_CONNECTIONS", default_value_t = 4096)]
        max_connections: usize,
        /// Emails shoppers of what needs them, for merchants with `notify`:
        /// `smtp://host:587` (STARTTLS when offered), `smtp://…?tls=required`,
        /// `smtps://user:password@host`. Off without it.
        #[arg(long, env = "AFTERCARE_SMTP_URL")]
        smtp_url: Option<String>,
        /// Where `/metrics` is served: its own listener, loopback unless you say otherwise.
        #[arg(long, env = "AFTERCARE_METRICS_LISTEN", default_value = "127.0.0.1:9464")]
        metrics_listen: SocketAddr,
        /// Serve the built-in demo merchant on a non-loopback address. It mints order
        /// tokens for anyone who asks (`/demo/token`): without `--config`, `--listen` must be
        /// loopback unless this is given.
        #[arg(long, env = "AFTERCARE_DEMO")]
        demo: bool,
    }

    #[derive(Args)]
    struct Token {
        #[command(flatten)]
        common: Common,
        #[arg(long, env = "AFTERCARE_MERCHANT", default_value = DEMO_MERCHANT)]
        merchant: String,
        #[arg(long)]
        order: String,
        #[arg(long)]
        shopper: String,
        /// Lifetime, e.g. `30m`, `2h`, `90s`.
        #[arg(long, default_value = "30m", value_parser = parse_ttl)]
        ttl: i64,
        /// Item ids in the order (comma-separated); the demo order's are known.
        #[arg(long, value_delimiter = ',')]
        items: Vec<String>,
        /// paid, shipped or delivered.
        #[arg(long)]
        state: Option<String>,
        /// Delivery date, `YYYY-MM-DD` or RFC 3339.
        #[arg(long)]
        delivered_at: Option<String>,
        /// What was paid per item, in `--items` order: `12900` (one, per unit) or
        /// `2x12900` (quantity × unit price), minor units of `--currency`.
        #[arg(long, value_delimiter = ',')]
        prices: Vec<String>,
        #[arg(long, default_value = "CNY")]
        currency: String,
    }

    #[derive(Args)]
    #[group(required = true, multiple = false)]
    struct Owner {
        #[arg(long)]
        merchant: Option<String>,
        #[arg(long)]
        platform: bool,
    }

    #[derive(Args)]
    struct ApiKey {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        owner: Owner,
    }

    #[derive(Subcommand)]
    enum StaffCommand {
        /// Add a console account for a merchant's staff or the platform's arbiters. The
        /// password comes from AFTERCARE_STAFF_PASSWORD, or is generated and printed once.
        Add(StaffAdd),
        /// Set a new password (from AFTERCARE_STAFF_PASSWORD, or generated and printed);
        /// the account's sessions end and its lock is lifted.
        Password(StaffPassword),
        /// The accounts of a merchant, or of the platform.
        List(StaffList),
    }

    #[derive(Args)]
    struct StaffAdd {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        owner: Owner,
        #[arg(long)]
        email: String,
        /// As other staff see it in case histories; defaults to the email's local part.
        #[arg(long)]
        name: Option<String>,
        /// agent works cases; admin also manages the desk.
        #[arg(long, default_value = "agent", value_parser = ["agent", "admin"])]
        role: String,
        #[arg(long, env = "AFTERCARE_STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    }

    #[derive(Args)]
    struct StaffPassword {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        email: String,
        #[arg(long, env = "AFTERCARE_STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    }

    #[derive(Args)]
    struct StaffList {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        owner: Owner,
    }

    fn parse_ttl(text: &str) -> Result<i64, String> {
        let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
        let number: i64 = number.parse().map_err(|_| format!("{text:?}: expected a number and s, m or h"))?;
        let seconds = match unit {
            "s" | "" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(format!("{text:?}: expected a number and s, m or h")),
        };
        if seconds <= 0 || seconds > 24 * 3600 {
            return Err("the lifetime must be between 1s and 24h".into());
        }
        Ok(seconds)
    }

    pub fn main() -> ExitCode {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
            .init();
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
        match runtime.block_on(run(Cli::parse())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("aftercare-server: {error}");
                ExitCode::FAILURE
            }
        }
    }

    async fn run(cli: Cli) -> Result<(), String> {
        match cli.command {
            Command::Openapi => {
                print!("{}", openapi::document());
                Ok(())
            }
            Command::Serve(serve) => serve_command(serve).await,
            Command::Token(token) => token_command(token),
            Command::ApiKey(key) => api_key_command(key).await,
            Command::Staff(command) => staff_command(command).await,
        }
    }

    fn prepare(common: &Common) -> Result<(), String> {
        std::fs::create_dir_all(&common.data_dir).map_err(|e| format!("{}: {e}", common.data_dir.display()))
    }

    fn database_url(common: &Common) -> String {
        common
            .database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()))
            .unwrap_or_else(|| format!("sqlite://{}", common.data_dir.join("aftercare.db").display()))
    }

    fn load_merchants(common: &Common, demo_origins: Vec<String>) -> Result<Merchants, String> {
        match &common.config {
            Some(path) => Merchants::from_file(path),
            None => Merchants::new(vec![merchants::demo(&common.data_dir, demo_origins)?]),
        }
    }

    /// The server's own origins, as a browser writes them.
    fn own_origins(address: SocketAddr) -> Vec<String> {
        let port = address.port();
        let mut origins = vec![format!("http://{address}")];
        if address.ip().is_loopback() || address.ip().is_unspecified() {
            origins.push(format!("http://localhost:{port}"));
            origins.push(format!("http://127.0.0.1:{port}"));
        }
        origins.dedup();
        origins
    }

    async fn serve_command(serve: Serve) -> Result<(), String> {
        if serve.common.config.is_none() && !serve.listen.ip().is_loopback() && !serve.demo {
            return Err(format!(
                "--listen {}: without --config only the demo merchant is served, and it mints order tokens for anyone; \
                 listen on 127.0.0.1, pass --config merchants.toml, or pass --demo to serve the demo anyway",
                serve.listen
            ));
        }
        prepare(&serve.common)?;
        let listener =
            tokio::net::TcpListener::bind(serve.listen).await.map_err(|e| format!("{}: {e}", serve.listen))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let mut origins = own_origins(address);
        origins.extend(serve.demo_origin.iter().cloned());
        let url = database_url(&serve.common);
        let postgres = url.starts_with("postgres");
        if serve.cluster && !postgres {
            return Err("--cluster: SQLite is one node's database, and a second node on it would lose cases and \
                 uploads; give every node the same PostgreSQL (--database-url postgres://…)"
                .into());
        }
        if serve.cluster && serve.spool != "s3" {
            return Err("--cluster: a PATCH may land on any node, so incomplete uploads must live in the bucket: \
                 pass --spool s3 (and AFTERCARE_S3_BUCKET)"
                .into());
        }
        if postgres && serve.common.config.is_none() {
            return Err("on PostgreSQL (several nodes) every node must sign order tokens with the same keys, but the \
                 demo merchant's key is made per data folder: pass --config merchants.toml"
                .into());
        }
        let link_key = match (&serve.media_link_key, &serve.media_link_key_file) {
            (Some(key), _) => Some(merchants::parse_link_key(key, "AFTERCARE_MEDIA_LINK_KEY")?),
            (None, Some(file)) => {
                let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
                Some(merchants::parse_link_key(&text, &file.display().to_string())?)
            }
            (None, None) if postgres => {
                return Err("on PostgreSQL (several nodes) every node must sign media links with the same key: set \
                     AFTERCARE_MEDIA_LINK_KEY (or --media-link-key-file) to 64 hex digits or more, e.g. from \
                     `openssl rand -hex 32`"
                    .into())
            }
            (None, None) => None,
        };
        let merchants = load_merchants(&serve.common, origins)?;
        let store = Store::open(&url).await.map_err(|e| format!("database: {e}"))?;
        let static_dir = serve.static_dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"));
        if !static_dir.join("index.html").is_file() {
            tracing::warn!("{} has no built widget; the site explains how to build it", static_dir.display());
        }
        if serve.insecure_dev {
            tracing::warn!("--insecure-dev: /dev routes are enabled; never use this in production");
        }
        let limits = Limits {
            max_photo_bytes: serve.max_photo_bytes,
            max_video_bytes: serve.max_video_bytes,
            max_order_bytes: serve.max_order_bytes,
            max_case_bytes: serve.max_case_bytes,
            ..Limits::default()
        };
        let mut uploads = uploads(&serve.common, serve.spool_dir.clone(), limits, link_key)?;
        if serve.spool == "s3" {
            uploads = uploads.with_object_spool().map_err(|e| format!("--spool s3: {e}"))?;
            tracing::info!("incomplete uploads go to the bucket (the S3 spool)");
        }
        tracing::info!("evidence files go to {}", uploads.storage.description);
        let mailer = serve.smtp_url.as_deref().map(aftercare_server::email::Mailer::new).transpose()?;
        let mut store = store;
        store.emails = mailer.is_some();
        if mailer.is_some() {
            tracing::info!("shoppers' emails go out over SMTP");
        }
        let mut state = AppState::new(
            store.clone(),
            Arc::new(merchants),
            Clock::system(),
            static_dir,
            serve.insecure_dev,
            Arc::new(uploads),
        );
        state.rate_limit = Arc::new(aftercare_server::ratelimit::RateLimit::new(serve.rate_limit, serve.rate_burst));
        state.request_timeout = std::time::Duration::from_secs(serve.request_timeout.max(1));
        state.trusted_proxies = Arc::new(
            aftercare_server::ratelimit::TrustedProxies::parse(&serve.trusted_proxy)
                .map_err(|e| format!("--trusted-proxy {e}"))?,
        );
        state.sessions.idle_ms = serve.session_idle * 1000;
        state.sessions.absolute_ms = serve.session_max.max(serve.session_idle) * 1000;
        state.mailer = mailer.map(Arc::new);
        let console_dir =
            serve.console_dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist-console"));
        if console_dir.join("index.html").is_file() {
            state.console_dir = Some(console_dir);
        } else {
            tracing::warn!("{} has no built console; /console/ is not served", console_dir.display());
        }
        let settings = aftercare_server::serve::Settings {
            header_read_timeout: std::time::Duration::from_secs(serve.header_timeout.max(1)),
            max_connections: serve.max_connections,
        };
        let metrics_listener = tokio::net::TcpListener::bind(serve.metrics_listen)
            .await
            .map_err(|e| format!("--metrics-listen {}: {e}", serve.metrics_listen))?;
        let metrics_address = metrics_listener.local_addr().map_err(|e| e.to_string())?;
        tokio::spawn(aftercare_server::serve::serve(
            metrics_listener,
            aftercare_server::metrics_app(state.clone()),
            settings.clone(),
            std::future::pending(),
        ));
        tracing::info!("metrics on http://{metrics_address}/metrics");
        match state.uploads.reconcile_spool(&state.store).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!("removed {removed} leftover spool files"),
            Err(error) => tracing::warn!("reconciling the spool: {error}"),
        }
        if serve.common.config.is_none() {
            demo_staff(&state.store, address).await?;
        }
        if state.insecure_dev && state.store.postgres_url.is_some() {
            // The dev clock as the other nodes have it.
            if let Some(setting) = state.store.dev_clock().await.map_err(|e| e.to_string())? {
                state.clock.adopt(setting);
            }
        }
        let workers = aftercare_server::workers::Workers::start(&state);
        println!("http://{address}");
        tracing::info!("listening on http://{address}");
        // On SIGTERM or Ctrl-C: stop accepting, let requests in flight finish for up to
        // `--drain-seconds`, then stop.
        let draining = Arc::new(tokio::sync::Notify::new());
        let started = draining.clone();
        let live = state.live.clone();
        let draining_flag = state.draining.clone();
        let grace = std::time::Duration::from_secs(serve.drain_grace_seconds);
        let server = aftercare_server::serve::serve(listener, app(state), settings, async move {
            shutdown_signal().await;
            // Out of the balancer first: /readyz says 503 while requests are still taken.
            draining_flag.store(true, std::sync::atomic::Ordering::SeqCst);
            if !grace.is_zero() {
                tracing::info!("draining: /readyz answers 503 for {}s before the listener closes", grace.as_secs());
                tokio::time::sleep(grace).await;
            }
            tracing::info!("shutting down: finishing requests in flight");
            // The console's event streams end now, or they would hold the drain open.
            live.stop();
            started.notify_one();
        });
        let drain = std::time::Duration::from_secs(serve.drain_seconds);
        tokio::select! {
            () = server => {},
            () = async { draining.notified().await; tokio::time::sleep(drain).await } => {
                tracing::warn!("requests still running after {}s; stopping anyway", serve.drain_seconds);
            }
        }
        workers.stop(std::time::Duration::from_secs(10)).await;
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }

    /// The demo's console accounts (one seller, one arbiter), made once, and how to sign in.
    async fn demo_staff(store: &Store, address: SocketAddr) -> Result<(), String> {
        use aftercare_protocol::staff::StaffRole;
        let accounts = [
            (Some(DEMO_MERCHANT), merchants::DEMO_SELLER_EMAIL, "小王 (demo seller)", StaffRole::Admin),
            (None, merchants::DEMO_ARBITER_EMAIL, "平台仲裁 (demo arbiter)", StaffRole::Agent),
        ];
        for (merchant, email, name, role) in accounts {
            if store.staff_by_email(email).await.map_err(|e| e.to_string())?.is_none() {
                let now = Clock::system().now();
                let password = merchants::DEMO_STAFF_PASSWORD;
                aftercare_server::staff::add(store, merchant, email, Some(name), role, password, now)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        tracing::info!(
            "console: http://{address}/console/ — sign in as {} (seller) or {} (arbiter), password {}",
            merchants::DEMO_SELLER_EMAIL,
            merchants::DEMO_ARBITER_EMAIL,
            merchants::DEMO_STAFF_PASSWORD
        );
        Ok(())
    }

    async fn shutdown_signal() {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM can be watched");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }

    /// The uploads service: spool on local disk, storage in `{data-dir}/media` or S3 (when
    /// `AFTERCARE_S3_BUCKET` is set), and a media-link signing key kept in the data folder.
    fn uploads(
        common: &Common,
        spool_dir: Option<PathBuf>,
        limits: Limits,
        link_key: Option<Vec<u8>>,
    ) -> Result<Uploads, String> {
        let storage = match S3Settings::from_env() {
            Some(settings) => Storage::s3(&settings)?,
            None => Storage::local(&common.data_dir.join("media"))?,
        };
        let key = match link_key {
            Some(key) => key,
            None => merchants::link_key(&common.data_dir.join("media-link-key"))?,
        };
        let spool = spool_dir.unwrap_or_else(|| common.data_dir.join("spool"));
        Uploads::new(spool, storage, limits, key)
    }

    fn token_command(token: Token) -> Result<(), String> {
        prepare(&token.common)?;
        let merchants = load_merchants(&token.common, Vec::new())?;
        let merchant =
            merchants.get(&token.merchant).ok_or_else(|| format!("unknown merchant {:?}", token.merchant))?;
        let now = Clock::system().now();
        let snapshot = if token.merchant == DEMO_MERCHANT && token.order == DEMO_ORDER_ID && token.items.is_empty() {
            demo_order(now)
        } else {
            let state = match token.state.as_deref() {
                None => None,
                Some("paid") => Some(OrderState::Paid),
                Some("shipped") => Some(OrderState::Shipped),
                Some("delivered") => Some(OrderState::Delivered),
                Some(other) => return Err(format!("--state {other:?}: use paid, shipped or delivered")),
            };
            if token.items.is_empty() {
                return Err("--items is required (the order's item ids, comma-separated)".into());
            }
            let prices = item_prices(&token.items, &token.prices, &token.currency)?;
            OrderSnapshot {
                order_id: token.order.clone(),
                item_ids: token.items,
                state,
                delivered_at: token.delivered_at,
                prices,
            }
        };
        println!("{}", auth::mint(merchant, &merchant.keys[0], &token.shopper, snapshot, now, token.ttl));
        let _ = DEFAULT_TOKEN_TTL_SECS;
        Ok(())
    }

    /// `--prices` for `--items`: none, or one per item (`12900`, `2x12900`).
    fn item_prices(items: &[String], prices: &[String], currency: &str) -> Result<Vec<ItemPrice>, String> {
        if prices.is_empty() {
            return Ok(Vec::new());
        }
        if prices.len() != items.len() {
            return Err(format!("--prices: give one per item ({} items, {} prices)", items.len(), prices.len()));
        }
        if !aftercare_protocol::money::Money::valid_currency(currency) {
            return Err(format!("--currency {currency:?}: an ISO 4217 code such as CNY"));
        }
        items
            .iter()
            .zip(prices)
            .map(|(item, price)| {
                let (quantity, unit) = price.split_once('x').unwrap_or(("1", price));
                let bad = || format!("--prices {price:?}: write 12900 or 2x12900 (minor units)");
                let quantity: u32 = quantity.parse().ok().filter(|q| *q > 0).ok_or_else(bad)?;
                let unit_price: i64 = unit.parse().ok().filter(|p| *p >= 0).ok_or_else(bad)?;
                Ok(ItemPrice { item_id: item.clone(), quantity, unit_price, currency: currency.to_owned() })
            })
            .collect()
    }

    /// The password given, or a new random one (printed, since nobody else knows it).
    fn password_or_new(given: Option<String>) -> Result<(String, bool), String> {
        match given {
            Some(password) => Ok((password, false)),
            None => {
                let mut bytes = [0u8; 12];
                getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
                Ok((hex::encode(bytes), true))
            }
        }
    }

    async fn staff_command(command: StaffCommand) -> Result<(), String> {
        use aftercare_protocol::staff::StaffRole;
        use aftercare_server::staff;
        let common = match &command {
            StaffCommand::Add(add) => &add.common,
            StaffCommand::Password(password) => &password.common,
            StaffCommand::List(list) => &list.common,
        };
        prepare(common)?;
        let merchants = load_merchants(common, Vec::new())?;
        let store = Store::open(&database_url(common)).await.map_err(|e| format!("database: {e}"))?;
        let result = match command {
            StaffCommand::Add(add) => {
                if let Some(id) = &add.owner.merchant {
                    merchants.get(id).ok_or_else(|| format!("unknown merchant {id:?}"))?;
                }
                let role = StaffRole::parse(&add.role).ok_or("--role: agent or admin")?;
                let (password, generated) = password_or_new(add.password)?;
                let now = Clock::system().now();
                let merchant = add.owner.merchant.as_deref();
                let added = staff::add(&store, merchant, &add.email, add.name.as_deref(), role, &password, now).await;
                added.map_err(|e| e.to_string()).map(|member| {
                    let desk = member.merchant_id.as_deref().unwrap_or("the platform");
                    println!("{} ({}, {}) can sign in to {desk}'s console", member.email, member.name, add.role);
                    if generated {
                        println!("password: {password}");
                    }
                })
            }
            StaffCommand::Password(change) => {
                let (password, generated) = password_or_new(change.password)?;
                if password.chars().count() < staff::MIN_PASSWORD_CHARS {
                    return Err(format!("the password must be {} characters or more", staff::MIN_PASSWORD_CHARS));
                }
                let hash = staff::hash_password(&password).map_err(|e| e.to_string())?;
                let email = staff::normalise_email(&change.email);
                match store.set_staff_password(&email, &hash).await.map_err(|e| e.to_string())? {
                    true => {
                        println!("{email}: new password set; its sessions have ended");
                        if generated {
                            println!("password: {password}");
                        }
                        Ok(())
                    }
                    false => Err(format!("no account with the email {email}")),
                }
            }
            StaffCommand::List(list) => {
                let members = store.staff_of(list.owner.merchant.as_deref()).await.map_err(|e| e.to_string())?;
                for member in members {
                    println!("{}\t{}\t{}", member.email, member.role.as_str(), member.name);
                }
                Ok(())
            }
        };
        store.close().await;
        result
    }

    async fn api_key_command(key: ApiKey) -> Result<(), String> {
        prepare(&key.common)?;
        let merchants = load_merchants(&key.common, Vec::new())?;
        if let Some(id) = &key.owner.merchant {
            merchants.get(id).ok_or_else(|| format!("unknown merchant {id:?}"))?;
        }
        let store = Store::open(&database_url(&key.common)).await.map_err(|e| format!("database: {e}"))?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
        use aftercare_server::auth::{MERCHANT_KEY_PREFIX, PLATFORM_KEY_PREFIX};
        let prefix = if key.owner.platform { PLATFORM_KEY_PREFIX } else { MERCHANT_KEY_PREFIX };
        let api_key = format!("{prefix}{}", hex::encode(secret));
        let hash = aftercare_server::auth::api_key_hash(&api_key);
        store
            .add_api_key(key.owner.merchant.as_deref(), &hash, Clock::system().now())
            .await
            .map_err(|e| e.to_string())?;
        store.close().await;
        println!("{api_key}");
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    server_main::main()
}
