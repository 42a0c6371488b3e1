//! Live updates for the console: every change of a case is published here (by the case
//! service and the scheduler, after the change commits) and streamed to the signed-in
//! staff who may see it as server-sent events (`GET /v1/staff/events`): a seller's
//! desk gets its merchant's cases, the arbiters the cases with the platform. Streams
//! end when the server starts to shut down, so they never hold up a drain.
//!
//! On PostgreSQL the changes cross nodes: `publish` sends them with `NOTIFY` (a task of
//! its own, so no request waits), and each node's listener (`fan_out`, started with the
//! workers) passes every notification — its own node's too — to its streams. On SQLite
//! (one node) they go straight to the streams.

use std::convert::Infallible;
use std::time::Duration;

use aftercare_protocol::case::{Case, CaseState};
use aftercare_protocol::staff::{CaseChange, QueueTab};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::error::Result;
use crate::staff::Session;
use crate::AppState;

/// The PostgreSQL channel the changes travel on.
pub const CHANNEL: &str = "aftercare_live";
/// The channel the dev clock's setting travels on (`--insecure-dev`): `"<fixed> <offset>"`.
pub const CLOCK_CHANNEL: &str = "aftercare_dev_clock";

/// A change, with whose case it is.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Published {
    pub merchant_id: String,
    /// The state before the change (for the arbiters: a case leaving them).
    pub from: Option<CaseState>,
    pub change: CaseChange,
}

/// The broadcast every stream listens to, and the shutdown they end on.
pub struct Live {
    sender: broadcast::Sender<Published>,
    stopping: watch::Sender<bool>,
    /// Set once the cross-node fan-out runs: changes go out through NOTIFY.
    notify: std::sync::OnceLock<mpsc::UnboundedSender<Published>>,
    /// True while this node's LISTEN is in place.
    listening: watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            sender: broadcast::channel(1024).0,
            stopping: watch::channel(false).0,
            notify: Default::default(),
            listening: watch::channel(false).0,
        }
    }
}

impl Live {
    /// Tells the desks that `case` (of `merchant_id`) changed.
    pub fn publish(&self, merchant_id: &str, case: &Case) {
        let Some(last) = case.history.last() else { return };
        let change = CaseChange {
            case_id: case.id.clone(),
            number: case.number.clone(),
            state: case.state,
            kind: last.kind,
            actor: last.actor,
            at: last.at,
        };
        let published = Published { merchant_id: merchant_id.to_owned(), from: last.from, change };
        match self.notify.get() {
            Some(notify) => {
                let _ = notify.send(published);
            }
            // No receivers is fine: nobody is watching.
            None => {
                let _ = self.sender.send(published);
            }
        }
    }

    /// Resolves once this node listens for the other nodes' changes (at once on SQLite,
    /// where there are none).
    pub async fn listening(&self, store: &crate::store::Store) {
        if store.postgres_url.is_none() {
            return;
        }
        let mut listening = self.listening.subscribe();
        let _ = listening.wait_for(|on| *on).await;
    }

    /// Ends every stream (at shutdown).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }
}

fn with_the_platform(state: CaseState) -> bool {
    QueueTab::of(state) == QueueTab::Escalated
}

/// The signed-in desk's live updates, as `event: case` with a `CaseChange`; a comment
/// every 15 s keeps proxies from closing the stream.
#[utoipa::path(
    get,
    path = "/v1/staff/events",
    responses(
        (status = 200, description = "Server-sent events: `event: case`, `data:` a `CaseChange`", content_type = "text/event-stream", body = CaseChange),
        (status = 401, description = "`session_missing` or `session_expired`", body = aftercare_protocol::case::ApiError),
    ),
    tag = "staff"
)]
pub async fn events(
    State(state): State<AppState>,
    session: Session,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let merchant = session.member().merchant_id.clone();
    let receiver = state.live.sender.subscribe();
    let stopping = state.live.stopping.subscribe();
    let stream = futures_util::stream::unfold((receiver, stopping), move |(mut receiver, mut stopping)| {
        let merchant = merchant.clone();
        async move {
            loop {
                if *stopping.borrow() {
                    return None;
                }
                let published = tokio::select! {
                    _ = stopping.changed() => return None,
                    published = receiver.recv() => published,
                };
                let published = match published {
                    Ok(published) => published,
                    // Too slow to keep up: carry on from the newest (the console reloads anyway).
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                let mine = match &merchant {
                    Some(id) => published.merchant_id == *id,
                    None => with_the_platform(published.change.state) || published.from.is_some_and(with_the_platform),
                };
                if mine {
                    let data = serde_json::to_string(&published.change).expect("a change serialises");
                    return Some((Ok(Event::default().event("case").data(data)), (receiver, stopping)));
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// On PostgreSQL, the two tasks that carry changes across nodes: one sends this node's
/// with `NOTIFY`, one listens and passes every node's to the local streams (a lost
/// connection is re-made by sqlx; what was sent meanwhile is missed, and the consoles
/// reload on the next change) — and, with `--insecure-dev`, takes the dev clock's
/// setting when another node moves it. Both end when `stopped` turns true. None on
/// SQLite.
pub fn fan_out(state: &AppState, stopped: watch::Receiver<bool>) -> Vec<(&'static str, JoinHandle<()>)> {
    let Some(url) = state.store.postgres_url.clone() else { return Vec::new() };
    let (notify, mut outgoing) = mpsc::unbounded_channel::<Published>();
    if state.live.notify.set(notify).is_err() {
        return Vec::new();
    }
    let store = state.store.clone();
    let mut stop_sending = stopped.clone();
    let sender = tokio::spawn(async move {
        loop {
            let published = tokio::select! {
                _ = stop_sending.changed() => return,
                published = outgoing.recv() => match published { Some(p) => p, None => return },
            };
            let payload = serde_json::to_string(&published).expect("a change serialises");
            if let Err(error) = store.notify(CHANNEL, &payload).await {
                tracing::warn!("live update not sent to the other nodes: {error}");
            }
        }
    });
    let live = state.live.clone();
    let (clock, insecure_dev) = (state.clock.clone(), state.insecure_dev);
    let mut stop_listening = stopped;
    let listener = tokio::spawn(async move {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(listener) => listener,
            Err(error) => return tracing::error!("live updates: cannot listen on PostgreSQL: {error}"),
        };
        if let Err(error) = listener.listen_all([CHANNEL, CLOCK_CHANNEL]).await {
            return tracing::error!("live updates: LISTEN {CHANNEL}: {error}");
        }
        live.listening.send_replace(true);
        loop {
            let notification = tokio::select! {
                _ = stop_listening.changed() => return,
                notification = listener.recv() => notification,
            };
            match notification {
                Ok(notification) if notification.channel() == CLOCK_CHANNEL => {
                    let mut parts = notification.payload().split(' ').map(str::parse::<i64>);
                    if let (Some(Ok(fixed)), Some(Ok(offset))) = (parts.next(), parts.next()) {
                        if insecure_dev {
                            clock.adopt((fixed, offset));
                        }
                    }
                }
                Ok(notification) => match serde_json::from_str::<Published>(notification.payload()) {
                    Ok(published) => {
                        let _ = live.sender.send(published);
                    }
                    Err(error) => tracing::warn!("live updates: a notification that is not a change: {error}"),
                },
                Err(error) => {
                    tracing::warn!("live updates: listening: {error}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    vec![("live updates out", sender), ("live updates in", listener)]
}
