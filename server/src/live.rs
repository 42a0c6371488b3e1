//! Live updates for the console: every change of a case is published here (by the case
//! service and the scheduler, after the change commits) and streamed to the signed-in
//! staff who may see it as server-sent events (`GET /v1/staff/events`): a seller's
//! desk gets its merchant's cases, the arbiters the cases with the platform. Streams
//! end when the server starts to shut down, so they never hold up a drain.
//!
//! One process only: across several nodes this needs PostgreSQL's LISTEN/NOTIFY (#17).

use std::convert::Infallible;
use std::time::Duration;

use aftercare_protocol::case::{Case, CaseState};
use aftercare_protocol::staff::{CaseChange, QueueTab};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use tokio::sync::{broadcast, watch};

use crate::error::Result;
use crate::staff::Session;
use crate::AppState;

/// A change, with whose case it is.
#[derive(Clone, Debug)]
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
}

impl Default for Live {
    fn default() -> Self {
        Live { sender: broadcast::channel(1024).0, stopping: watch::channel(false).0 }
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
        // No receivers is fine: nobody is watching.
        let _ = self.sender.send(Published { merchant_id: merchant_id.to_owned(), from: last.from, change });
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
