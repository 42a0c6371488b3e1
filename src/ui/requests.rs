//! "My requests", the view: each of the shopper's cases with its state, the deadline
//! that applies now and its history as a conversation (who wrote, when, what was
//! offered, refused or ruled, its files as thumbnails), and a control for each of the
//! case's `next_actions` the widget can take (`controllers::requests::offered`): the
//! answer to a seller's offer, a message (with files), the answer to an evidence
//! round, the return's tracking number (with the seller's return address), a request
//! for platform intervention, an appeal, withdrawal. Loading and acting are the
//! controller's.

use aftercare_protocol::case::{Actor, Case, CaseEvent, EventKind, NextAction, NoteRequest, Shipment, WithdrawRequest};
use leptos::either::Either;
use leptos::prelude::*;

use super::text;

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
    let mut was_open = None;
    super::effect(move || {
        let open = state.open.get();
        if open && was_open == Some(false) {
            requests.load();
        }
        was_open = Some(open);
    });
    on_cleanup(move || {
        if let Ok(ticker) = ticker {
            ticker.clear();
        }
    });
    view! {
        <section class="ac-card" aria-labelledby="ac-requests-title" data-testid="requests">
            <h3 id="ac-requests-title" class="ac-card__title" tabindex="-1">{text(tr, Tr::my_requests)}</h3>
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
    // Exactly what the server lists for the shopper now, nothing derived here.
    let offered = requests::offered(&case);
    let offers = |kind: EventKind| offered.iter().find(|a| a.action == kind);
    let offer_control = offers(EventKind::AcceptOffer).map(|_| offer_control(tr, requests, &case, error));
    let return_control = offers(EventKind::ReturnShipment).map(|_| return_form(tr, requests, &case, error));
    // The forms the shopper writes in, in the order the server's actions come.
    let forms: Vec<_> = offered
        .iter()
        .filter(|a| {
            matches!(a.action, EventKind::SubmitEvidence | EventKind::Message | EventKind::Escalate | EventKind::Appeal)
        })
        .map(|a| text_form(tr, requests, &case, a, error))
        .collect_view();
    let withdraw = offers(EventKind::Withdraw).map(|_| withdraw_control(tr, requests, &case, error));
    // Asked for by the host page (`openCase`): brought into view and focused once drawn.
    let article = NodeRef::<leptos::html::Article>::new();
    let wanted = requests.state.case_focus.with_untracked(|id| id.as_deref() == Some(case.id.as_str()));
    if wanted {
        super::effect(move || {
            if let Some(article) = article.get() {
                article.scroll_into_view();
                let _ = article.focus();
                requests.state.case_focus.set(None);
            }
        });
    }
    view! {
        <article class="ac-request" tabindex="-1" node_ref=article data-testid="request" data-state=state.as_str() data-number=case.number.clone()>
            <header class="ac-request__header">
                <strong>{case.number.clone()}</strong>
                <span class="ac-badge" data-testid="request-state">{super::redraw(move || tr.get().state_name(state))}</span>
            </header>
            <p class="ac-muted">{super::redraw(move || format!("{} · {} · {}", tr.get().problem_type(case.problem_type), tr.get().reason(case.reason), tr.get().resolution(case.resolution)))}</p>
            {case.deadline.map(|d| view! {
                <p data-testid="request-deadline">{super::redraw(move || tr.get().deadline_line(&d, &tr.get().date_time(d.due_at)))}</p>
            })}
            {case.return_shipment.clone().map(|s| view! { <p data-testid="request-return">{super::redraw(move || tr.get().return_sent(&s.carrier, &s.tracking_number))}</p> })}
            {case.refund.clone().map(|r| view! { <p data-testid="request-refund">{super::redraw(move || tr.get().refunded(&r.amount))}</p> })}
            {case.replacement_shipment.clone().map(|s| view! { <p data-testid="request-replacement">{super::redraw(move || tr.get().replacement_sent(&s.carrier, &s.tracking_number))}</p> })}
            <ol class="ac-timeline" data-testid="request-timeline">
                {history.into_iter().map(|event| timeline_entry(tr, requests.state, event)).collect_view()}
            </ol>
            {offer_control}
            {return_control}
            {forms}
            {withdraw}
            <p class="ac-errors" role="alert" data-testid="request-error">{super::redraw(move || error.get())}</p>
        </article>
    }
}

/// One event of the conversation: who, when, what, and what it carried — each file as
/// a thumbnail (from the link the server put in the answer) that opens full size.
fn timeline_entry(tr: Memo<Tr>, state: WidgetState, event: CaseEvent) -> impl IntoView {
    let mine = event.actor == Actor::Shopper;
    let thumbnails = event
        .media
        .iter()
        .filter_map(|m| {
            let url = crate::api::at_backend(&state, m.url.as_deref()?)?;
            let photo = m.kind == aftercare_protocol::case::MediaKind::Photo;
            let name = move || tr.get().files(usize::from(photo), usize::from(!photo));
            let inner = if photo {
                Either::Left(view! { <img src=url.clone() alt=name loading="lazy"/> })
            } else {
                Either::Right(view! { <video src=url.clone() preload="metadata" muted aria-label=name></video> })
            };
            Some(view! { <a class="ac-thumb" href=url target="_blank" rel="noopener" data-testid="timeline-file">{inner}</a> })
        })
        .collect_view();
    let details = move || {
        let tr = tr.get();
        let mut parts: Vec<String> = Vec::new();
        if let Some(offer) = &event.offer {
            parts.push(tr.settlement(offer.resolution, offer.amount.as_ref()));
        }
        if let Some(settlement) = event.ruling.as_ref().and_then(|r| r.settlement.as_ref()) {
            parts.push(tr.settlement(settlement.resolution, settlement.amount.as_ref()));
        }
        if let Some(reason) = &event.refusal_reason {
            parts.push(tr.refusal(reason));
        }
        if !event.media.is_empty() {
            let photos = event.media.iter().filter(|m| m.kind == aftercare_protocol::case::MediaKind::Photo).count();
            parts.push(tr.files(photos, event.media.len() - photos));
        }
        parts.join(" · ")
    };
    view! {
        <li class="ac-timeline__entry" class:ac-timeline__entry--mine=mine data-actor=event.actor.as_str() data-kind=event.kind.as_str() data-testid="timeline-entry">
            <span class="ac-muted">{super::redraw(move || format!("{} · {} {}", tr.get().date_time(event.at), tr.get().actor(event.actor), tr.get().event(event.kind)))}</span>
            {event.message.clone().map(|m| view! { <p class="ac-timeline__text">{m}</p> })}
            <p class="ac-muted" data-testid="timeline-details">{details}</p>
            {thumbnails}
        </li>
    }
}

/// The seller's offer, with the shopper's two answers.
fn offer_control(tr: Memo<Tr>, requests: Requests, case: &Case, error: RwSignal<Option<String>>) -> impl IntoView {
    let offer = case.offer.clone();
    let answer = {
        let shown = case.clone();
        move |accept: bool| {
            let note = NoteRequest::default();
            let action = if accept { ShopperAction::AcceptOffer(note) } else { ShopperAction::DeclineOffer(note) };
            requests.act(shown.clone(), action, error, Callback::new(|()| {}));
        }
    };
    let decline = answer.clone();
    view! {
        <div class="ac-request__action" data-testid="request-offer">
            {offer.map(|o| view! { <p><strong>{super::redraw(move || tr.get().offer_line(&tr.get().settlement(o.resolution, o.amount.as_ref())))}</strong></p> })}
            <div class="ac-actions">
                <button type="button" class="ac-button" on:click={super::handler(move |_| answer(true))} data-testid="request-offer-accept">{text(tr, Tr::accept_offer)}</button>
                <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(move |_| decline(false))} data-testid="request-offer-decline">{text(tr, Tr::decline_offer)}</button>
            </div>
        </div>
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
                <p><span class="ac-muted">{text(tr, Tr::return_to)}</span><br/><strong data-testid="request-address">{a.address.clone()}</strong></p>
                {a.instructions.clone().map(|i| view! { <p class="ac-muted" data-testid="request-instructions">{i}</p> })}
            })}
            <label class="ac-field">
                <span class="ac-field__label">{text(tr, Tr::carrier)}</span>
                <input class="ac-input" type="text" prop:value=carrier on:input={super::handler(move |e: web_sys::Event| carrier.set(value_of(&e)))} data-testid="request-carrier"/>
            </label>
            <label class="ac-field">
                <span class="ac-field__label">{text(tr, Tr::tracking_number)}</span>
                <input class="ac-input" type="text" prop:value=number on:input={super::handler(move |e: web_sys::Event| number.set(value_of(&e)))} data-testid="request-tracking"/>
            </label>
            <button type="button" class="ac-button" on:click={super::handler(send)} data-testid="request-send-tracking">{text(tr, Tr::send_tracking)}</button>
        </div>
    }
}

/// A form the shopper writes in, with files when the action takes them: a message to
/// the seller (always open), an answer to an evidence round, a request for platform
/// intervention or an appeal (opened by a button). What is typed and the files chosen
/// are kept across reloads until sent.
fn text_form(
    tr: Memo<Tr>,
    requests: Requests,
    case: &Case,
    action: &NextAction,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let kind = action.action;
    let purpose = kind.as_str();
    let (id, shown) = (case.id.clone(), case.clone());
    // The escalation's test ids predate the others'.
    let testids = match kind {
        EventKind::Escalate => {
            ["request-escalate", "request-escalate-form", "request-escalate-reason", "request-escalate-send"]
        }
        EventKind::SubmitEvidence => {
            ["request-evidence", "request-evidence-form", "request-evidence-text", "request-evidence-send"]
        }
        EventKind::Appeal => ["request-appeal", "request-appeal-form", "request-appeal-text", "request-appeal-send"],
        _ => ["request-reply", "request-reply-form", "request-reply-text", "request-reply-send"],
    };
    let always_open = kind == EventKind::Message;
    let open = RwSignal::new(always_open);
    let text = RwSignal::new(requests::kept_text(requests.state, purpose, &id));
    let with_media = action.accepts.contains(&aftercare_protocol::case::ActionInput::Media);
    let extra = Evidence::for_purpose(requests.state, Some(format!("{purpose}:{id}")));
    extra.restore();
    let send = move |_| {
        if extra.running() > 0 {
            error.set(Some(tr.get_untracked().waiting_for_uploads(extra.running())));
            return;
        }
        let (written, media) = (text.get_untracked().trim().to_owned(), extra.media());
        let request = requests::written(kind, written, media);
        let rules = requests.state.config.with_untracked(|c| c.rules.clone());
        if let Some(first) = requests::check(&request, &rules).first() {
            error.set(Some(tr.get_untracked().field_error(first)));
            return;
        }
        let id = id.clone();
        let done = Callback::new(move |()| {
            open.set(always_open);
            text.set(String::new());
            requests::keep_text(requests.state, purpose, &id, "");
            extra.clear();
        });
        requests.act(shown.clone(), request, error, done);
    };
    let keep = {
        let id = case.id.clone();
        move |e: web_sys::Event| {
            text.set(value_of(&e));
            requests::keep_text(requests.state, purpose, &id, &text.get_untracked());
        }
    };
    let labels = move |i: usize| tr.get().form_labels(kind)[i];
    view! {
        <div class="ac-request__action">
            <button type="button" class="ac-button" hidden=open on:click={super::handler(move |_| open.set(true))} data-testid=testids[0]>
                {super::redraw(move || labels(0))}
            </button>
            <div hidden=move || !open.get() data-testid=testids[1]>
                <label class="ac-field">
                    <span class="ac-field__label">{super::redraw(move || labels(1))}</span>
                    <textarea class="ac-input" rows="3" prop:value=text on:input={super::handler(keep)} data-testid=testids[2]></textarea>
                </label>
                {with_media.then(|| view! { <EvidenceStep tr evidence=extra/> })}
                <button type="button" class="ac-button" on:click={super::handler(send)} data-testid=testids[3]>{super::redraw(move || labels(2))}</button>
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
            <button type="button" class="ac-text-button" hidden=confirming on:click={super::handler(move |_| confirming.set(true))} data-testid="request-withdraw">
                {text(tr, Tr::withdraw)}
            </button>
            <p hidden=move || !confirming.get()>
                {text(tr, Tr::withdraw_confirm)}" "
                <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(confirm)} data-testid="request-withdraw-confirm">
                    {text(tr, Tr::yes_withdraw)}
                </button>
            </p>
        </div>
    }
}
