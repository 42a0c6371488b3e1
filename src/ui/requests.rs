//! "My requests", the view: each of the shopper's cases with its state, the deadline
//! that applies now and its history, and a control for each of the case's
//! `next_actions` the widget can take (`controllers::requests::offered`): the
//! return's tracking number (with the seller's return address), a request for platform
//! intervention, withdrawal. Loading and acting are the controller's.

use aftercare_protocol::case::{Actor, Case, EscalateRequest, EventKind, NextAction, Shipment, WithdrawRequest};
use leptos::prelude::*;

use super::evidence::EvidenceStep;
use super::value_of;
use crate::api::ShopperAction;
use crate::controllers::requests::{self, Requests, REFRESH};
use crate::i18n::Tr;
use crate::state::WidgetState;
use crate::upload::session::Evidence;

#[component]
pub fn RequestsView(tr: Memo<Tr>, state: WidgetState) -> impl IntoView {
    let requests = Requests::new(state);
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
                key=|case| (case.id.clone(), case.version)
                children=move |case| view! { <CaseCard tr requests case/> }
            />
        </section>
    }
}

#[component]
fn CaseCard(tr: Memo<Tr>, requests: Requests, case: Case) -> impl IntoView {
    let error = RwSignal::new(requests.take_notice(&case.id));
    let state = case.state;
    let history = case.history.clone();
    let last_message = case.history.iter().rev().find(|e| e.message.is_some() && e.actor != Actor::Shopper).cloned();
    // Exactly what the server lists for the shopper now, nothing derived here.
    let offered = requests::offered(&case);
    let offers = |kind: EventKind| offered.iter().find(|a| a.action == kind);
    let return_control = offers(EventKind::ReturnShipment).map(|_| return_form(tr, requests, &case, error));
    let escalate_control = offers(EventKind::Escalate).map(|a| escalate_form(tr, requests, &case, a, error));
    let withdraw = offers(EventKind::Withdraw).map(|_| withdraw_control(tr, requests, &case, error));
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
            {case.deadline.map(|d| view! {
                <p data-testid="request-deadline">{move || tr.get().deadline_line(&d.waiting_for, &tr.get().date_time(d.due_at))}</p>
            })}
            {case.return_shipment.clone().map(|s| view! { <p data-testid="request-return">{move || tr.get().return_sent(&s.carrier, &s.tracking_number)}</p> })}
            {case.refund.clone().map(|r| view! { <p data-testid="request-refund">{move || tr.get().refunded(&r.amount)}</p> })}
            {case.replacement_shipment.clone().map(|s| view! { <p data-testid="request-replacement">{move || tr.get().replacement_sent(&s.carrier, &s.tracking_number)}</p> })}
            {return_control}
            {escalate_control}
            {withdraw}
            <p class="ac-errors" role="alert" data-testid="request-error">{move || error.get()}</p>
            <details class="ac-history">
                <summary>{move || tr.get().review_details()}</summary>
                <ol>
                    {history.into_iter().map(|event| view! {
                        <li>
                            <span class="ac-muted">{move || tr.get().date_time(event.at)}" "</span>
                            {move || format!("{} {}", tr.get().actor(event.actor), tr.get().event(event.kind))}
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
    let shown = case.clone();
    let address = case.return_instructions.clone();
    let send = move |_| {
        let shipment = Shipment {
            carrier: carrier.get_untracked().trim().to_owned(),
            tracking_number: number.get_untracked().trim().to_owned(),
        };
        if let Some(first) = aftercare_protocol::validate::shipment(&shipment).first() {
            let tr = tr.get_untracked();
            let label = if first.field == "carrier" { tr.carrier() } else { tr.tracking_number() };
            error.set(Some(format!("{label}: {}", tr.field_error(first))));
            return;
        }
        requests.act(shown.clone(), ShopperAction::ReturnShipment(shipment), error, Callback::new(|()| {}));
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

fn escalate_form(
    tr: Memo<Tr>,
    requests: Requests,
    case: &Case,
    action: &NextAction,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let shown = case.clone();
    let with_media = action.accepts.contains(&aftercare_protocol::case::ActionInput::Media);
    // More evidence may go with the request: a list of its own, kept across reloads.
    let extra = Evidence::for_purpose(requests.state, Some(format!("escalate:{}", case.id)));
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
        let done = Callback::new(move |()| {
            open.set(false);
            extra.clear();
        });
        requests.act(shown.clone(), ShopperAction::Escalate(request), error, done);
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
                {with_media.then(|| view! { <EvidenceStep tr evidence=extra/> })}
                <button type="button" class="ac-button" on:click=send data-testid="request-escalate-send">{move || tr.get().send_intervention()}</button>
            </div>
        </div>
    }
}

fn withdraw_control(tr: Memo<Tr>, requests: Requests, case: &Case, error: RwSignal<Option<String>>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let shown = case.clone();
    let confirm = move |_| {
        let action = ShopperAction::Withdraw(WithdrawRequest::default());
        requests.act(shown.clone(), action, error, Callback::new(move |()| confirming.set(false)));
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
