//! The HTTP/1.1 listener: hyper with a timer, because `axum::serve` installs no header
//! read timeout (a client trickling headers at a byte a second would hold a connection
//! for ever). Connections are capped; a graceful shutdown lets requests in flight
//! finish. Request timeouts for the JSON routes live in [`crate::app`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::Service;

/// Limits on connections, all configurable (`serve --help`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// A client must send a request's whole header within this time.
    pub header_read_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { header_read_timeout: Duration::from_secs(10), max_connections: 4096 }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then waits for the open
/// connections' requests to finish (the caller bounds that wait).
pub async fn serve(listener: TcpListener, router: Router, settings: Settings, shutdown: impl Future<Output = ()>) {
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let permits = Arc::new(tokio::sync::Semaphore::new(settings.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(settings.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (socket, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!("accepting a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = socket.set_nodelay(true);
        let service = match make_service.call(remote).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let hyper_service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut service = service.clone();
            async move { Ok::<_, Infallible>(service.call(request).await.unwrap_or_else(|never| match never {})) }
        });
        let connection = builder.serve_connection(TokioIo::new(socket), hyper_service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(error) = connection.await {
                tracing::debug!("connection from {remote}: {error}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
