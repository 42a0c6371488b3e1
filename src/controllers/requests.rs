//! "My requests": the shopper's cases for this order, loaded when shown (or the panel
//! reopened on it) and every 15 seconds while the panel is open, and the shopper's
//! actions on them. What may be done comes from each case's `next_actions`, as the
//! server computed them; an action's answer (the case as it now stands) replaces what
//! was shown — also when the server refuses it as stale, with the case it has now.
//! Its calls belong to the view that made it: when the view goes, they are cancelled
//! and their requests aborted.

use aftercare_protocol::case::{Case, EscalateRequest, EventKind, MediaRef, NewMessage, NextAction, Seen};
use aftercare_protocol::rules::Rules;
use aftercare_protocol::validate::{self, FieldError};
use leptos::prelude::*;

use crate::api::{self, ShopperAction};
use crate::i18n::Tr;
use crate::state::WidgetState;

pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// The actions this widget can offer a shopper, in the order it offers them. Anything
/// else the server lists is for another client (none today).
pub const OFFERED: [EventKind; 8] = [
    EventKind::AcceptOffer,
    EventKind::DeclineOffer,
    EventKind::SubmitEvidence,
    EventKind::ReturnShipment,
    EventKind::Message,
    EventKind::Escalate,
    EventKind::Appeal,
    EventKind::Withdraw,
];

/// The action a written form sends: `kind` is the next action it answers.
pub fn written(kind: EventKind, text: String, media: Vec<MediaRef>) -> ShopperAction {
    match kind {
        EventKind::Escalate => ShopperAction::Escalate(EscalateRequest { reason: text, media }),
        EventKind::SubmitEvidence => ShopperAction::Evidence(NewMessage { message: text, media }),
        EventKind::Appeal => ShopperAction::Appeal(NewMessage { message: text, media }),
        _ => ShopperAction::Message(NewMessage { message: text, media }),
    }
}

/// What the server will check of a written action, checked first (the same rules).
pub fn check(action: &ShopperAction, rules: &Rules) -> Vec<FieldError> {
    match action {
        ShopperAction::Escalate(request) => validate::escalate(request, rules),
        ShopperAction::Message(request) | ShopperAction::Evidence(request) | ShopperAction::Appeal(request) => {
            validate::new_message(request, rules)
        }
        _ => Vec::new(),
    }
}

/// Where an unsent text for case `case_id` is kept (`purpose`: `message`, `evidence`,
/// …), per backend and merchant like the case draft: a reload, or the card drawn anew
/// for the case's next version, keeps what the shopper was writing.
fn text_key(state: WidgetState, purpose: &str, case_id: &str) -> String {
    let endpoint = state.endpoint.get_value().unwrap_or_default();
    let merchant = state.merchant.get_value().unwrap_or_default();
    format!("aftercare:text:{endpoint}|{merchant}|{case_id}|{purpose}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The unsent text kept for this case and purpose ("" when none).
pub fn kept_text(state: WidgetState, purpose: &str, case_id: &str) -> String {
    storage().and_then(|s| s.get_item(&text_key(state, purpose, case_id)).ok().flatten()).unwrap_or_default()
}

/// Keeps (or, when empty, forgets) the unsent text. Where storage is refused, the text
/// lives only as long as the page.
pub fn keep_text(state: WidgetState, purpose: &str, case_id: &str, text: &str) {
    let Some(storage) = storage() else { return };
    let key = text_key(state, purpose, case_id);
    let _ = if text.is_empty() { storage.remove_item(&key) } else { storage.set_item(&key, text) };
}

/// What to show of a case's next actions: the ones this widget can take, as listed.
pub fn offered(case: &Case) -> Vec<NextAction> {
    OFFERED.iter().filter_map(|kind| case.next_actions.iter().find(|a| a.action == *kind).cloned()).collect()
}

/// The cases of `now` that are new or at another version than in `before`.
pub fn changed<'a>(before: &[Case], now: &'a [Case]) -> Vec<&'a Case> {
    now.iter().filter(|case| !before.iter().any(|b| b.id == case.id && b.version == case.version)).collect()
}

#[derive(Clone, Copy)]
pub struct Requests {
    pub cases: RwSignal<Vec<Case>>,
    pub loaded: RwSignal<bool>,
    pub failed: RwSignal<bool>,
    /// A message for a case whose card is drawn anew (a stale action replaced the case
    /// shown): the new card shows it.
    notices: StoredValue<Vec<(String, String)>>,
    /// The view's owner: calls run under it, and stop when it is cleaned up.
    owner: StoredValue<Option<Owner>>,
    pub state: WidgetState,
}

impl Requests {
    pub fn new(state: WidgetState) -> Requests {
        Requests {
            cases: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            failed: RwSignal::new(false),
            notices: StoredValue::new(Vec::new()),
            owner: StoredValue::new(Owner::current()),
            state,
        }
    }

    /// The message left for case `id`'s card, once.
    pub fn take_notice(self, id: &str) -> Option<String> {
        let mut found = None;
        self.notices.update_value(|notices| {
            if let Some(at) = notices.iter().position(|(case, _)| case == id) {
                found = Some(notices.remove(at).1);
            }
        });
        found
    }

    /// Runs `task` under the view's owner, cancelled (with its request) if the view goes
    /// first.
    fn spawn(self, task: impl std::future::Future<Output = ()> + 'static) {
        match self.owner.get_value() {
            Some(owner) => owner.with(|| leptos::task::spawn_local_scoped_with_cancellation(task)),
            None => leptos::task::spawn_local(task),
        }
    }

    pub fn load(self) {
        let Some(order) = self.state.order_id() else { return };
        self.spawn(async move {
            match api::cases(&self.state, &order).await {
                Ok(mut cases) => {
                    cases.reverse(); // newest first
                                     // The host page hears of every case that moved on since the last load.
                    if self.loaded.get_untracked() {
                        let before = self.cases.get_untracked();
                        for case in changed(&before, &cases) {
                            self.state.emit(
                                "case-updated",
                                &[
                                    ("case_id", case.id.as_str().into()),
                                    ("number", case.number.as_str().into()),
                                    ("state", case.state.as_str().into()),
                                    ("version", (case.version as f64).into()),
                                ],
                            );
                        }
                    }
                    let shown: Vec<Seen> =
                        cases.iter().map(|c| Seen { id: c.id.clone(), through: c.history.len() as u64 }).collect();
                    self.cases.set(cases);
                    self.failed.set(false);
                    self.loaded.set(true);
                    // Shown now: seen, so the badge goes (the server keeps the mark).
                    if !shown.is_empty() && api::seen(&self.state, shown).await.is_ok() {
                        self.state.unread.set(0);
                    }
                }
                Err(_) => self.failed.set(true),
            }
            self.loaded.set(true);
        });
    }

    fn replace(self, case: Case) {
        self.cases.update(|cases| {
            if let Some(slot) = cases.iter_mut().find(|c| c.id == case.id) {
                *slot = case;
            }
        });
    }

    /// Sends an action on `case` (at the version shown); on success the answer replaces
    /// the case and `done` runs. On failure `error` gets the reason, in the shopper's
    /// language; a stale case is replaced by the server's current one.
    pub fn act(self, case: Case, action: ShopperAction, error: RwSignal<Option<String>>, done: Callback<()>) {
        self.spawn(async move {
            let tr = Tr(self.state.locale.get_untracked());
            match api::act(&self.state, &case, &action, &api::new_key()).await {
                Ok(case) => {
                    error.set(None);
                    self.replace(case);
                    done.run(());
                }
                Err(failure) => {
                    let message = tr.action_failed(&tr.api_error(failure.status, failure.error.as_deref()));
                    match failure.error.and_then(|e| e.case) {
                        // The card is drawn anew for the case as it stands; it shows why.
                        Some(current) => {
                            self.notices.update_value(|notices| notices.push((current.id.clone(), message)));
                            self.replace(*current);
                        }
                        None => error.set(Some(message)),
                    }
                }
            }
        });
    }
}
