//! Every background task of a running server, started and stopped in one place: the
//! deadline scheduler, the webhook sender, the shoppers' email sender (idle without
//! `--smtp-url`), and the upload sweeper (expired uploads,
//! unreferenced ones after the draft lifetime, idle rate-limit entries). Each runs a
//! pass, then waits for a nudge, its tick or the stop signal; stopping lets the pass in
//! progress finish (its transaction commits or rolls back whole), then waits for each.
//! The case writer (group commit) belongs to the store: it ends with the last handle
//! on the store, after the listener has drained.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::AppState;

/// The running background tasks.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

/// How often the upload sweeper runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl Workers {
    /// Starts every background task on `state`.
    pub fn start(state: &AppState) -> Workers {
        let (stop, stopped) = watch::channel(false);
        let second = Duration::from_secs(1);
        let mut tasks = vec![
            (
                "deadline scheduler",
                every(state.clone(), stopped.clone(), second, Some(scheduler_nudge), |state: AppState| async move {
                    logged("deadline scheduler", crate::scheduler::run_due(&state).await);
                    logged("deadline reminders", crate::scheduler::remind_due(&state).await)
                }),
            ),
            (
                "webhook sender",
                every(state.clone(), stopped.clone(), second, Some(webhook_nudge), |state: AppState| async move {
                    logged("webhook deliveries", crate::webhooks::deliver_due(&state).await)
                }),
            ),
            (
                "email sender",
                every(state.clone(), stopped.clone(), second, Some(email_nudge), |state: AppState| async move {
                    logged("shopper emails", crate::email::send_due(&state).await)
                }),
            ),
            (
                "upload sweeper",
                every(state.clone(), stopped.clone(), SWEEP_EVERY, None, |state: AppState| async move {
                    sweep(&state).await
                }),
            ),
        ];
        // On PostgreSQL: the console's live updates cross nodes.
        tasks.extend(crate::live::fan_out(state, stopped));
        Workers { stop, tasks }
    }

    /// Stops every task: each finishes the pass it is in, then ends. A task still in
    /// its pass after `within` (a webhook receiver that does not answer) is cut off
    /// there; what it had not committed is done again by the next process.
    pub async fn stop(self, within: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + within;
        for (name, mut task) in self.tasks {
            match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::error!("{name} ended badly: {error}"),
                Err(_) => {
                    tracing::warn!("{name} still busy at shutdown; stopped");
                    task.abort();
                }
            }
        }
    }
}

fn scheduler_nudge(state: &AppState) -> &Notify {
    &state.wake.scheduler
}

fn email_nudge(state: &AppState) -> &Notify {
    &state.wake.emails
}

fn webhook_nudge(state: &AppState) -> &Notify {
    &state.wake.webhooks
}

fn logged<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) {
    if let Err(error) = result {
        tracing::error!("{what}: {error}");
    }
}

/// Runs `pass` on `context` now and then every `tick` (or when `nudge` wakes it), until
/// `stopped` says so.
fn every<C, F, Fut>(
    context: C,
    mut stopped: watch::Receiver<bool>,
    tick: Duration,
    nudge: Option<fn(&C) -> &Notify>,
    pass: F,
) -> JoinHandle<()>
where
    C: Clone + Send + Sync + 'static,
    F: Fn(C) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        loop {
            if *stopped.borrow() {
                return;
            }
            pass(context.clone()).await;
            let nudged = async {
                match nudge {
                    Some(nudge) => nudge(&context).notified().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stopped.changed() => return,
                () = nudged => {}
                () = tokio::time::sleep(tick) => {}
            }
        }
    })
}

/// One pass of the upload sweeper.
async fn sweep(state: &AppState) {
    if let Err(error) = state.uploads.sweep(&state.store, state.clock.now()).await {
        tracing::warn!("sweeping expired uploads: {error}");
    }
    match state.uploads.collect_garbage(&state.store, &state.merchants, state.clock.now()).await {
        Ok(0) => {}
        Ok(collected) => tracing::info!("collected {collected} uploads no case references"),
        Err(error) => tracing::warn!("collecting unreferenced uploads: {error}"),
    }
    state.rate_limit.forget_idle();
    state.sign_in_limit.forget_idle();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_task_runs_its_pass_on_each_tick_and_stops_after_the_pass_in_progress() {
        let (stop, stopped) = watch::channel(false);
        let passes = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let (p, f) = (passes.clone(), finished.clone());
        let task = every((), stopped, Duration::from_secs(1), None, move |()| {
            let (p, f) = (p.clone(), f.clone());
            async move {
                p.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                f.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        assert_eq!(passes.load(Ordering::SeqCst), 3, "at 0, 1.3 and 2.6 s");
        // Stop while the fourth pass is running: it finishes, no fifth starts.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(passes.load(Ordering::SeqCst), 4);
        stop.send(true).unwrap();
        task.await.unwrap();
        assert_eq!((passes.load(Ordering::SeqCst), finished.load(Ordering::SeqCst)), (4, 4));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pass_that_never_ends_is_cut_off_at_the_bound() {
        let (stop, stopped) = watch::channel(false);
        let task = every((), stopped, Duration::from_secs(1), None, |()| std::future::pending::<()>());
        let workers = Workers { stop, tasks: vec![("stuck", task)] };
        tokio::time::sleep(Duration::from_millis(10)).await; // the pass has begun
        let started = tokio::time::Instant::now();
        workers.stop(Duration::from_secs(5)).await;
        assert_eq!(started.elapsed().as_secs(), 5);
    }
}
