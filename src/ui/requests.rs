//! "My requests": the shopper's cases for this order, refreshed when shown (or the
//! panel reopened on it) and every 15 seconds while the panel is open. Each shows its state, the deadline that applies now and its
//! history, and offers exactly what the server's lifecycle allows the shopper next:
//! enter the return's tracking number (with the seller's return address), request
//! platform intervention (after a refusal, or once the seller is late), withdraw.
//! No state is invented here: every action is the server's endpoint, and the answer
//! (the case as it now stands) replaces what was shown.

use aftercare_protocol::case::{Actor, Case, CaseList, CaseState, EscalateRequest, Shipment, WithdrawRequest};
use leptos::prelude::*;

use super::evidence::EvidenceStep;
use super::value_of;
use crate::api;
use crate::i18n::Tr;
use crate::state::WidgetState;
use crate::upload::session::Evidence;

const REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

#[derive(Clone, Copy)]
struct Requests {
    cases: RwSignal<Vec<Case>>,
    loaded: RwSignal<bool>,
    failed: RwSignal<bool>,
    state: WidgetState,
}

impl Requests {
    fn load(self) {
        let Some(order) = self.state.order_id() else { return };
        leptos::task::spawn_local(async move {
            let path = format!(
                "v1/cases?order={}",
                percent_encoding::utf8_percent_encode(&order, percent_encoding::NON_ALPHANUMERIC)
            );
            match api::call(&self.state, "GET", &path, None, None, &|| {})
                .await
                .map(|text| serde_json::from_str::<CaseList>(&text))
            {
                Ok(Ok(list)) => {
                    let mut cases = list.cases;
                    cases.reverse(); // newest first
                    self.cases.set(cases);
                    self.failed.set(false);
                }
                _ => self.failed.set(true),
            }
            self.loaded.set(true);
        });
    }

    /// Sends a lifecycle step; on success the answer replaces the case shown.
    fn act(
        self,
        id: String,
        action: &'static str,
        body: String,
        error: RwSignal<Option<String>>,
        done: impl Fn() + 'static,
    ) {
        leptos::task::spawn_local(async move {
            let tr = Tr(self.state.locale.get_untracked());
            match api::call(&self.state, "POST", &format!("v1/cases/{id}/{action}"), Some(&body), None, &|| {}).await {
                Ok(text) => match serde_json::from_str::<Case>(&text) {
                    Ok(case) => {
                        error.set(None);
                        self.cases.update(|cases| {
                            if let Some(slot) = cases.iter_mut().find(|c| c.id == case.id) {
                                *slot = case;
                            }
                        });
                        done();
                    }
                    Err(_) => error.set(Some(tr.action_failed("?"))),
                },
                Err(e) => {
                    let detail = tr.api_error(e.status, e.code.as_deref(), e.field.as_deref(), e.message.as_deref());
                    error.set(Some(tr.action_failed(&detail)));
                }
            }
        });
    }
}

#[component]
pub fn RequestsView(tr: Memo<Tr>, state: WidgetState) -> impl IntoView {
    let requests = Requests {
        cases: RwSignal::new(Vec::new()),
        loaded: RwSignal::new(false),
        failed: RwSignal::new(false),
        state,
    };
    requests.load();
    // Only while the panel is open: a closed panel polls nothing.
    let ticker = set_interval_with_handle(
        move || {
            if state.open.get_untracked() {
                requests.load();
            }
        },
        REFRESH,
    );
    // Opening the panel on this view refreshes it at once.
    Effect::new(move |was_open: Option<bool>| {
        let open = state.open.get();
        if open && was_open == Some(false) {
            requests.load();
        }
        open
    });
    on_cleanup(move || {
        if let Ok(ticker) = ticker {
            ticker.clear();
        }
    });
    view! {
        <section class="ac-card" aria-labelledby="ac-requests-title" data-testid="requests">
            <h3 id="ac-requests-title" class="ac-card__title" tabindex="-1">{move || tr.get().my_requests()}</h3>
            {move || requests.failed.get().then(|| view! { <p class="ac-notice" role="status">{tr.get().requests_failed()}</p> })}
            {move || (requests.loaded.get() && requests.cases.with(Vec::is_empty) && !requests.failed.get())
                .then(|| view! { <p class="ac-muted" data-testid="requests-empty">{tr.get().no_requests()}</p> })}
            <For
                each=move || requests.cases.get()
                key=|case| (case.id.clone(), case.updated_at, case.history.len())
                children=move |case| view! { <CaseCard tr requests case/> }
            />
        </section>
    }
}

#[component]
fn CaseCard(tr: Memo<Tr>, requests: Requests, case: Case) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let id = case.id.clone();
    let state = case.state;
    let open = !matches!(state, CaseState::Resolved | CaseState::Closed | CaseState::Withdrawn);
    let can_withdraw = matches!(
        state,
        CaseState::AwaitingSeller | CaseState::SellerRefused | CaseState::AwaitingReturnShipment | CaseState::Escalated
    );
    let history = case.history.clone();
    let last_message = case.history.iter().rev().find(|e| e.message.is_some() && e.actor != Actor::Shopper).cloned();
    view! {
        <article class="ac-request" data-testid="request" data-state=state.as_str() data-number=case.number.clone()>
            <header class="ac-request__header">
                <strong>{case.number.clone()}</strong>
                <span class="ac-badge" data-testid="request-state">{move || tr.get().state_name(state)}</span>
            </header>
            <p class="ac-muted">{move || format!("{} · {} · {}", tr.get().problem_type(case.problem_type), tr.get().reason(case.reason), tr.get().resolution(case.resolution))}</p>
            {last_message.map(|event| view! {
                <blockquote class="ac-quote" data-testid="request-message">
                    <span class="ac-muted">{move || tr.get().actor(event.actor)}": "</span>{event.message.clone()}
                </blockquote>
            })}
            {case.deadline.filter(|_| open).map(|d| view! {
                <p data-testid="request-deadline">{move || tr.get().deadline_line(d.waiting_for, &tr.get().date_time(d.due_at))}</p>
            })}
            {case.return_shipment.clone().map(|s| view! { <p data-testid="request-return">{move || tr.get().return_sent(&s.carrier, &s.tracking_number)}</p> })}
            {case.refund.clone().map(|r| view! { <p data-testid="request-refund">{move || tr.get().refunded(&r.amount, &r.currency)}</p> })}
            {case.replacement_shipment.clone().map(|s| view! { <p data-testid="request-replacement">{move || tr.get().replacement_sent(&s.carrier, &s.tracking_number)}</p> })}
            {(state == CaseState::AwaitingReturnShipment).then(|| return_form(tr, requests, &case, error))}
            {case.can_escalate.then(|| escalate_form(tr, requests, id.clone(), error))}
            {can_withdraw.then(|| withdraw_control(tr, requests, id.clone(), error))}
            <p class="ac-errors" role="alert" data-testid="request-error">{move || error.get()}</p>
            <details class="ac-history">
                <summary>{move || tr.get().review_details()}</summary>
                <ol>
                    {history.into_iter().map(|event| view! {
                        <li>
                            <span class="ac-muted">{move || tr.get().date_time(event.at)}" "</span>
                            {move || format!("{} {}", tr.get().actor(event.actor), tr.get().action(&event.action))}
                            {event.message.clone().map(|m| view! { <span>": "{m}</span> })}
                        </li>
                    }).collect_view()}
                </ol>
            </details>
        </article>
    }
}

fn return_form(tr: Memo<Tr>, requests: Requests, case: &Case, error: RwSignal<Option<String>>) -> impl IntoView {
    let carrier = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let id = case.id.clone();
    let address = case.return_instructions.clone();
    let send = move |_| {
        let shipment = Shipment {
            carrier: carrier.get_untracked().trim().to_owned(),
            tracking_number: number.get_untracked().trim().to_owned(),
        };
        let errors = aftercare_protocol::validate::shipment(&shipment);
        if let Some(first) = errors.first() {
            let tr = tr.get_untracked();
            error.set(Some(
                if first.field == "carrier" { tr.carrier().to_owned() } else { tr.tracking_number().to_owned() }
                    + ": "
                    + &first.message,
            ));
            return;
        }
        requests.act(
            id.clone(),
            "return-shipment",
            serde_json::to_string(&shipment).expect("serialises"),
            error,
            || {},
        );
    };
    view! {
        <div class="ac-request__action" data-testid="request-return-form">
            {address.map(|a| view! {
                <p><span class="ac-muted">{move || tr.get().return_to()}</span><br/><strong data-testid="request-address">{a.address.clone()}</strong></p>
                {a.instructions.clone().map(|i| view! { <p class="ac-muted" data-testid="request-instructions">{i}</p> })}
            })}
            <label class="ac-field">
                <span class="ac-field__label">{move || tr.get().carrier()}</span>
                <input class="ac-input" type="text" prop:value=carrier on:input=move |e| carrier.set(value_of(&e)) data-testid="request-carrier"/>
            </label>
            <label class="ac-field">
                <span class="ac-field__label">{move || tr.get().tracking_number()}</span>
                <input class="ac-input" type="text" prop:value=number on:input=move |e| number.set(value_of(&e)) data-testid="request-tracking"/>
            </label>
            <button type="button" class="ac-button" on:click=send data-testid="request-send-tracking">{move || tr.get().send_tracking()}</button>
        </div>
    }
}

fn escalate_form(tr: Memo<Tr>, requests: Requests, id: String, error: RwSignal<Option<String>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    // More evidence may go with the request: a list of its own, kept across reloads.
    let extra = Evidence::for_purpose(requests.state, Some(format!("escalate:{id}")));
    extra.restore();
    let send = move |_| {
        if extra.running() > 0 {
            error.set(Some(tr.get_untracked().waiting_for_uploads(extra.running())));
            return;
        }
        let request = EscalateRequest { reason: reason.get_untracked().trim().to_owned(), media: extra.media() };
        let rules = requests.state.config.with_untracked(|c| c.rules.clone());
        if let Some(first) = aftercare_protocol::validate::escalate(&request, &rules).first() {
            error.set(Some(tr.get_untracked().field_error(first)));
            return;
        }
        requests.act(id.clone(), "escalate", serde_json::to_string(&request).expect("serialises"), error, move || {
            open.set(false);
            extra.clear();
        });
    };
    view! {
        <div class="ac-request__action">
            <button type="button" class="ac-button" hidden=open on:click=move |_| open.set(true) data-testid="request-escalate">
                {move || tr.get().request_intervention()}
            </button>
            <div hidden=move || !open.get() data-testid="request-escalate-form">
                <label class="ac-field">
                    <span class="ac-field__label">{move || tr.get().intervention_reason()}</span>
                    <textarea class="ac-input" rows="3" prop:value=reason on:input=move |e| reason.set(value_of(&e)) data-testid="request-escalate-reason"></textarea>
                </label>
                <EvidenceStep tr evidence=extra/>
                <button type="button" class="ac-button" on:click=send data-testid="request-escalate-send">{move || tr.get().send_intervention()}</button>
            </div>
        </div>
    }
}

fn withdraw_control(tr: Memo<Tr>, requests: Requests, id: String, error: RwSignal<Option<String>>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let confirm = move |_| {
        let body = serde_json::to_string(&WithdrawRequest::default()).expect("serialises");
        requests.act(id.clone(), "withdraw", body, error, move || confirming.set(false));
    };
    view! {
        <div class="ac-request__action">
            <button type="button" class="ac-text-button" hidden=confirming on:click=move |_| confirming.set(true) data-testid="request-withdraw">
                {move || tr.get().withdraw()}
            </button>
            <p hidden=move || !confirming.get()>
                {move || tr.get().withdraw_confirm()}" "
                <button type="button" class="ac-button ac-button--secondary" on:click=confirm data-testid="request-withdraw-confirm">
                    {move || tr.get().yes_withdraw()}
                </button>
            </p>
        </div>
    }
}
