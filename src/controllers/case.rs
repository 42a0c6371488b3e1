//! The guided case's controller: the pure `flow` state machine in signals, the draft
//! saved to localStorage as the shopper goes (restored at the same step, dropped when
//! expired), and submitting it once (one idempotency key per draft) through the API,
//! after the uploads still running. Views (`ui::case`) render it and call its methods.

use aftercare_protocol::case::{MediaRef, ProblemType, Receipt};
use aftercare_protocol::order::OrderSnapshot;
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::validate::FieldError;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::flow::{self, Draft, Flow, Step};
use crate::i18n::Tr;
use crate::json::Js;
use crate::state::WidgetState;
use crate::upload::session::{Evidence, Status};

/// Where submitting stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Submit {
    Idle,
    WaitingForUploads(usize),
    Sending,
    Retrying,
    Failed(String),
}

/// The flow's state, shared by the entry card and the flow view.
#[derive(Clone, Copy)]
pub struct CaseFlow {
    pub draft: RwSignal<Option<Draft>>,
    pub errors: RwSignal<Vec<FieldError>>,
    pub submit: RwSignal<Submit>,
    /// The filed case, for the receipt.
    pub filed: RwSignal<Option<Receipt>>,
    /// False once saving a draft failed (private mode, blocked storage).
    pub storage_ok: RwSignal<bool>,
    pub state: WidgetState,
    pub evidence: Evidence,
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl CaseFlow {
    pub fn new(state: WidgetState, evidence: Evidence) -> CaseFlow {
        let flow = CaseFlow {
            draft: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
            submit: RwSignal::new(Submit::Idle),
            filed: RwSignal::new(None),
            storage_ok: RwSignal::new(true),
            state,
            evidence,
        };
        flow.restore();
        // Save as the shopper goes (debounced: typing saves once it pauses).
        let pending = StoredValue::new(None::<TimeoutHandle>);
        crate::ui::effect(move || {
            let draft = flow.draft.get();
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let save = move || flow.save(draft.as_ref());
            pending.set_value(set_timeout_with_handle(save, std::time::Duration::from_millis(300)).ok());
        });
        // Leaving or reloading the page saves at once what the debounce still holds.
        let flush = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            flow.draft.with_untracked(|draft| flow.save(draft.as_ref()));
        });
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("pagehide", flush.as_ref().unchecked_ref());
        }
        flush.forget(); // lives as long as the page
        flow
    }

    fn key(&self) -> Option<String> {
        let endpoint = self.state.endpoint.get_value()?;
        let merchant = self.state.merchant.get_value().unwrap_or_default();
        Some(flow::draft_key(&endpoint, &merchant, &self.state.order_id()?))
    }

    /// The order as the rules see it.
    fn order(&self) -> Option<OrderSnapshot> {
        self.state.order.with_untracked(|order| {
            order.as_ref().map(|order| OrderSnapshot {
                order_id: order.id.clone(),
                item_ids: order.items.iter().map(|item| item.id.clone()).collect(),
                state: order.state,
                delivered_at: order.delivered_at.clone(),
                prices: Vec::new(),
            })
        })
    }

    fn restore(&self) {
        let (Some(key), Some(order), Some(storage)) = (self.key(), self.order(), storage()) else { return };
        let Ok(Some(json)) = storage.get_item(&key) else { return };
        // Drafts not changed for `case.draft_days` (default 7) are dropped.
        let max_age = i64::from(self.state.config.with_untracked(|c| c.case.draft_days)) * 24 * 3_600_000;
        match Draft::restore::<Js>(&json, &order, now(), max_age) {
            Some(draft) => self.draft.set(Some(draft)),
            None => {
                let _ = storage.remove_item(&key);
            }
        }
    }

    fn save(&self, draft: Option<&Draft>) {
        let Some(key) = self.key() else { return };
        let saved = storage().is_some_and(|storage| match draft {
            Some(draft) if draft.filed.is_none() => storage.set_item(&key, &draft.to_json::<Js>()).is_ok(),
            // Submitted or abandoned: nothing to keep.
            _ => storage.remove_item(&key).is_ok(),
        });
        if !saved {
            self.storage_ok.set(false);
        }
    }

    /// Starts a new draft (or goes on with the saved one).
    pub fn start(&self) {
        if self.draft.with_untracked(|d| d.as_ref().is_some_and(|d| d.filed.is_none())) {
            return;
        }
        let Some(order) = self.order() else { return };
        let key = crate::api::new_key();
        self.filed.set(None);
        self.submit.set(Submit::Idle);
        self.errors.set(Vec::new());
        let contact = self.state.contact.get_value();
        self.draft.set(Some(Draft::new(&order, contact, key, now())));
    }

    /// `openAfterSale(type)`: the flow, with that problem type chosen.
    pub fn start_at(&self, kind: Option<ProblemType>) {
        self.start();
        if let Some(kind) = kind {
            self.with(|flow| {
                if flow.problem_types().contains(&kind) {
                    flow.set_problem_type(kind);
                }
            });
        }
    }

    /// Runs `change` on the flow (the draft with the rules) and returns its answer.
    pub fn with<R>(&self, change: impl FnOnce(&mut Flow) -> R) -> Option<R> {
        let order = self.order()?;
        let mut result = None;
        self.state.config.with_untracked(|config| {
            self.draft.update(|draft| {
                if let Some(draft) = draft {
                    let mut flow = Flow { draft, rules: &config.rules, order: &order, now: now() };
                    result = Some(change(&mut flow));
                }
            });
        });
        result
    }

    /// Reads the flow without changing it (tracked, for rendering): a copy of the
    /// draft, the rules borrowed.
    pub fn read<R>(&self, look: impl FnOnce(&mut Flow) -> R) -> Option<R> {
        let order = self.order()?;
        let mut draft = self.draft.get()?;
        self.state
            .config
            .with(|config| Some(look(&mut Flow { draft: &mut draft, rules: &config.rules, order: &order, now: now() })))
    }

    pub fn step(&self) -> Option<Step> {
        self.draft.with(|d| d.as_ref().map(|d| d.step))
    }

    /// Evidence as the rules count it: every accepted file, finished or still going up
    /// (submitting waits for the rest).
    fn media_so_far(&self) -> Vec<MediaRef> {
        self.evidence.files.with(|files| {
            files
                .iter()
                .filter(|f| !matches!(f.status, Status::Failed | Status::Reselect))
                .filter_map(|f| {
                    Some(MediaRef::new(f.upload_id.clone().unwrap_or_else(|| format!("pending-{}", f.key)), f.kind?))
                })
                .collect()
        })
    }

    pub fn next(&self) {
        let media = self.media_so_far();
        match self.with(|flow| flow.next(&media)) {
            Some(Err(errors)) => self.errors.set(errors),
            _ => self.errors.set(Vec::new()),
        }
    }

    pub fn back(&self) {
        self.errors.set(Vec::new());
        self.with(|flow| flow.back());
    }

    pub fn edit(&self, step: Step) {
        self.errors.set(Vec::new());
        self.with(|flow| flow.edit(step));
    }

    /// Files the case: waits for uploads, posts once per draft, shows the receipt.
    pub fn submit(self) {
        if matches!(self.submit.get_untracked(), Submit::Sending | Submit::Retrying | Submit::WaitingForUploads(_)) {
            return;
        }
        let media = self.media_so_far();
        if let Some(errors) = self.with(|flow| flow.errors(Step::Review, &media)).filter(|e| !e.is_empty()) {
            self.errors.set(errors);
            return;
        }
        self.errors.set(Vec::new());
        leptos::task::spawn_local(async move {
            let tr = Tr(self.state.locale.get_untracked());
            // Uploads still running finish first.
            loop {
                let running = self.evidence.running();
                let failed = self.evidence.files.with_untracked(|files| {
                    files.iter().any(|f| matches!(f.status, Status::Failed | Status::Reselect))
                });
                if failed {
                    self.submit.set(Submit::Failed(tr.upload_failed_files().to_owned()));
                    return;
                }
                if running == 0 {
                    break;
                }
                self.submit.set(Submit::WaitingForUploads(running));
                crate::clock::sleep_ms(300).await;
            }
            let media = self.evidence.media();
            let Some((mut case, key)) = self.with(|flow| (flow.new_case(&media), flow.draft.idempotency_key.clone()))
            else {
                return;
            };
            // Emails about the case are written in the language it was filed in.
            case.locale = Some(self.state.locale.get_untracked().tag().to_owned());
            self.submit.set(Submit::Sending);
            let retrying = move || self.submit.set(Submit::Retrying);
            match crate::api::file(&self.state, &case, &key, &retrying).await {
                Ok(case) => {
                    self.with(|flow| flow.filed(case.id.clone(), case.number.clone()));
                    self.state.emit(
                        "case-submitted",
                        &[("caseId", case.id.as_str().into()), ("number", case.number.as_str().into())],
                    );
                    self.filed.set(Some(case));
                    self.submit.set(Submit::Idle);
                    self.evidence.clear();
                }
                Err(error) => {
                    let detail = tr.api_error(error.status, error.error.as_deref());
                    self.submit.set(Submit::Failed(tr.submit_failed(&detail)));
                }
            }
        });
    }
}
