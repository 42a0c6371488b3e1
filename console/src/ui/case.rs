//! A case: the order snapshot, the shopper's description and contact, the evidence
//! gallery (photos open large, with zoom; videos play through their signed links),
//! the shipments, the timeline (role-tagged, with staff names) and one form for each
//! of the case's `next_actions`. A stale write shows the case as it now stands.

use aftercare_protocol::case::ActionInput;
use aftercare_protocol::case::{Case, CaseDetail, CaseEvent, EventKind, MediaKind, MediaRef, NextAction, Resolution};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{date_time, Ctx};
use crate::actions::{self, Fields, Route};
use crate::api::{self, CallError};
use crate::i18n::Tr;

#[component]
pub fn CasePage(id: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let detail = RwSignal::new(None::<Result<CaseDetail, CallError>>);
    let notice = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    Effect::new(move |_| {
        ctx.changes.track();
        let id = id.get_value();
        spawn_local(async move {
            let answer = api::detail(ctx.desk(), &id).await;
            if answer.as_ref().is_err_and(CallError::signed_out) {
                return ctx.signed_out();
            }
            detail.set(Some(answer));
        });
    });
    // A write's answer (or, when stale, the server's current case) replaces what is shown.
    let replace = move |case: Case| {
        detail.update(|d| {
            if let Some(Ok(d)) = d {
                d.case = case
            }
        })
    };
    view! {
        <p><a href=Route::Queue.hash() class="cx-link" data-testid="back">{move || tr.get().back_to_queue()}</a></p>
        {move || notice.get().map(|n| view! { <p class="cx-notice" role="status" data-testid="notice">{n}</p> })}
        {move || match detail.get() {
            None => view! { <p class="cx-muted" role="status">{tr.get().loading()}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="cx-error" role="alert">{tr.get().error(e.status, e.error.as_ref())}</p> }.into_any(),
            Some(Ok(detail)) => view! { <CaseBody case=detail.case notice replace/> }.into_any(),
        }}
    }
}

#[component]
fn CaseBody(
    case: Case,
    notice: RwSignal<Option<String>>,
    replace: impl Fn(Case) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let c = case.clone();
    let deadline = case.deadline.clone();
    let shipments = [
        (tr.get_untracked().return_shipment(), case.return_shipment.clone()),
        (tr.get_untracked().replacement_shipment(), case.replacement_shipment.clone()),
    ];
    let shipments = shipments
        .into_iter()
        .filter_map(|(label, s)| {
            s.map(|s| view! { <p><strong>{label}</strong>": "{s.carrier}" "{s.tracking_number}</p> })
        })
        .collect_view();
    let contact = [c.contact.name.clone(), c.contact.phone.clone(), c.contact.email.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let history = case.history.clone();
    let actions = case.next_actions.clone();
    let forms = actions
        .into_iter()
        .filter(|a| ctx.desk().route(a.action).is_some())
        .map(|action| view! { <ActionForm case=case.clone() action notice replace/> })
        .collect_view();
    let nothing = case.next_actions.iter().all(|a| ctx.desk().route(a.action).is_none());
    view! {
        <article class="cx-case" data-testid="case" data-state=c.state.as_str()>
            <header class="cx-case__head">
                <h1>{c.number.clone()}</h1>
                <span class="cx-state" data-testid="case-state">{move || tr.get().state(c.state)}</span>
                <span class="cx-muted" data-testid="case-countdown">{move || deadline.as_ref().map(|d| tr.get().countdown(d.consequence, d.due_at, ctx.now.get()))}</span>
            </header>
            <div class="cx-case__grid">
                <section class="cx-panel" aria-labelledby="cx-order">
                    <h2 id="cx-order">{move || tr.get().order()}</h2>
                    <dl class="cx-facts">
                        <dt>{move || tr.get().order_id_label()}</dt><dd>{c.order_id.clone()}</dd>
                        <dt>{move || tr.get().items()}</dt><dd>{c.item_ids.join(", ")}</dd>
                        <dt>{move || tr.get().col_type()}</dt><dd>{move || format!("{} · {}", tr.get().problem_type(c.problem_type), tr.get().reason(c.reason))}</dd>
                        <dt>{move || tr.get().col_resolution()}</dt><dd>{move || tr.get().resolution(c.resolution)}</dd>
                        <dt>{move || tr.get().paid()}</dt><dd data-testid="paid">{c.paid.as_ref().map(ToString::to_string)}</dd>
                        <dt>{move || tr.get().contact()}</dt><dd>{contact}</dd>
                    </dl>
                    <h3>{move || tr.get().description()}</h3>
                    <p class="cx-text">{c.description.clone()}</p>
                    {shipments}
                </section>
                <section class="cx-panel" aria-labelledby="cx-evidence">
                    <h2 id="cx-evidence">{move || tr.get().evidence()}</h2>
                    <Gallery media=case.media.clone()/>
                </section>
                <section class="cx-panel cx-panel--wide" aria-labelledby="cx-timeline">
                    <h2 id="cx-timeline">{move || tr.get().timeline()}</h2>
                    <ol class="cx-timeline" data-testid="timeline">
                        {history.into_iter().map(|event| view! { <TimelineEntry event/> }).collect_view()}
                    </ol>
                </section>
                <section class="cx-panel cx-panel--wide" aria-labelledby="cx-actions" data-testid="actions">
                    <h2 id="cx-actions">{move || tr.get().actions()}</h2>
                    {nothing.then(|| view! { <p class="cx-muted">{move || tr.get().no_actions()}</p> })}
                    <div class="cx-actions">{forms}</div>
                </section>
            </div>
        </article>
    }
}

#[component]
fn TimelineEntry(event: CaseEvent) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let (actor, kind, at) = (event.actor, event.kind, event.at);
    let staff = event.staff.clone();
    let offer = event.offer.clone().map(|o| {
        let amount = o.amount.map(|a| a.to_string()).unwrap_or_default();
        view! { <p class="cx-offer">{move || tr.get().resolution(o.resolution)}" "{amount.clone()}</p> }
    });
    let reason = event.refusal_reason.clone().map(|r| {
        view! { <p class="cx-offer">{move || tr.get().either(&r.zh, &r.en).to_owned()}</p> }
    });
    view! {
        <li class=format!("cx-event cx-event--{}", actor.as_str()) data-testid="timeline-entry" data-kind=kind.as_str()>
            <div class="cx-event__who">
                <span class="cx-role">{move || tr.get().actor(actor)}</span>
                {staff.map(|name| view! { <span class="cx-staff" data-testid="event-staff">{name}</span> })}
                <span class="cx-muted">{move || date_time(tr.get().0, at)}</span>
            </div>
            <p class="cx-event__what">{move || tr.get().event(kind)}</p>
            {offer}
            {reason}
            {event.message.clone().map(|m| view! { <p class="cx-text">{m}</p> })}
            {(!event.media.is_empty()).then(|| view! { <Gallery media=event.media.clone()/> })}
        </li>
    }
}

/// Thumbnails; a photo opens large in an overlay with a zoom toggle, a video plays.
#[component]
fn Gallery(media: Vec<MediaRef>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let open = RwSignal::new(None::<String>);
    let zoomed = RwSignal::new(false);
    let close_button = NodeRef::<leptos::html::Button>::new();
    let zoom_button = NodeRef::<leptos::html::Button>::new();
    // Focus moves into the overlay when it opens, and back to the thumbnail it came
    // from when it closes.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| match open.get() {
        Some(_) => {
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
        None => opener.with_value(|el| {
            if let Some(el) = el {
                let _ = el.focus();
            }
        }),
    });
    let show = move |url: String| {
        let active =
            document().active_element().and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
        opener.set_value(active);
        zoomed.set(false);
        open.set(Some(url));
    };
    // Tab stays in the overlay: between its two buttons.
    let keys = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => open.set(None),
        "Tab" => {
            ev.prevent_default();
            let on_close = close_button.get().is_some_and(|b| {
                let b: &web_sys::Element = b.as_ref();
                document().active_element().is_some_and(|a| &a == b)
            });
            let next = if on_close { zoom_button.get() } else { close_button.get() };
            if let Some(next) = next {
                let _ = next.focus();
            }
        }
        _ => {}
    };
    if media.is_empty() {
        return view! { <p class="cx-muted">{move || tr.get().no_evidence()}</p> }.into_any();
    }
    let items = media
        .into_iter()
        .filter_map(|m| m.url.clone().map(|url| (m.kind, url)))
        .map(|(kind, url)| match kind {
            MediaKind::Photo => {
                let full = url.clone();
                view! {
                    <button type="button" class="cx-thumb" data-testid="evidence-photo"
                        aria-label=move || tr.get().open_large()
                        on:click=move |_| show(full.clone())>
                        <img src=url alt=move || tr.get().media_kind(MediaKind::Photo)/>
                    </button>
                }
                .into_any()
            }
            MediaKind::Video => view! {
                <video class="cx-thumb cx-thumb--video" controls preload="metadata" src=url data-testid="evidence-video"
                    aria-label=move || tr.get().media_kind(MediaKind::Video)></video>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <div class="cx-gallery">{items}</div>
        {move || open.get().map(|url| view! {
            <div class="cx-lightbox" role="dialog" aria-modal="true" aria-label=move || tr.get().open_large() data-testid="lightbox"
                on:keydown=keys>
                <div class="cx-lightbox__bar">
                    <button type="button" class="cx-primary" data-testid="zoom" node_ref=zoom_button aria-pressed=move || zoomed.get().to_string()
                        aria-label=move || tr.get().zoom() on:click=move |_| zoomed.update(|z| *z = !*z)>"⤢"</button>
                    <button type="button" class="cx-primary" data-testid="lightbox-close" node_ref=close_button
                        aria-label=move || tr.get().close() on:click=move |_| open.set(None)>"✕"</button>
                </div>
                <div class="cx-lightbox__view">
                    <img src=url class:cx-zoomed=move || zoomed.get() alt=move || tr.get().media_kind(MediaKind::Photo) data-testid="lightbox-image"/>
                </div>
            </div>
        })}
    }
    .into_any()
}

/// One next action's form: exactly the fields the action takes.
#[component]
fn ActionForm(
    case: Case,
    action: NextAction,
    notice: RwSignal<Option<String>>,
    replace: impl Fn(Case) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let kind = action.action;
    let takes = |input: ActionInput| action.requires.contains(&input) || action.accepts.contains(&input);
    let needs_address = action.requires.contains(&ActionInput::ReturnInstructions);
    let desk = ctx.session.get_untracked().and_then(|s| s.desk);
    // Accepting a return: the configured address, editable.
    let address = desk.as_ref().and_then(|d| d.return_address.clone());
    let fields = RwSignal::new(Fields {
        address: address.as_ref().map(|a| a.address.clone()).unwrap_or_default(),
        notes: address.as_ref().and_then(|a| a.instructions.clone()).unwrap_or_default(),
        amount: match kind {
            EventKind::PayRefund => {
                let agreed = case.settlement.as_ref().and_then(|s| s.amount.clone()).or(case.paid.clone());
                agreed.map(|m| m.decimal()).unwrap_or_default()
            }
            _ => String::new(),
        },
        from_shopper: true,
        from_seller: true,
        ..Fields::default()
    });
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let currency = case.paid.as_ref().map_or_else(|| "CNY".to_owned(), |m| m.currency.clone());
    let (id, version) = (case.id.clone(), case.version);
    let order_id = case.order_id.clone();
    let shopper_name = case.contact.name.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match actions::body(kind, &fields.get_untracked(), &currency, needs_address) {
            Ok(body) => body,
            Err(e) => return error.set(Some(tr.get_untracked().form_error(e).to_owned())),
        };
        let Some(path) = ctx.desk().path(&id, kind) else { return };
        busy.set(true);
        spawn_local(async move {
            match api::act(&path, &ctx.csrf(), version, &body).await {
                Ok(case) => {
                    notice.set(Some(tr.get_untracked().done().to_owned()));
                    replace(case);
                }
                Err(e) if e.code() == "version_mismatch" => {
                    notice.set(Some(tr.get_untracked().stale().to_owned()));
                    if let Some(current) = e.error.and_then(|e| e.case) {
                        replace(*current);
                    }
                }
                Err(e) if e.signed_out() => ctx.signed_out(),
                Err(e) => error.set(Some(tr.get_untracked().error(e.status, e.error.as_ref()))),
            }
            busy.set(false);
        });
    };
    let text = |f: fn(&mut Fields) -> &mut String| move |ev| fields.update(|x| *f(x) = event_target_value(&ev));
    let key = kind.as_str();
    let message_required = !matches!(
        kind,
        EventKind::Accept | EventKind::ConfirmReceipt | EventKind::PayRefund | EventKind::ShipReplacement
    );
    let show_message = takes(ActionInput::Message)
        || message_required && !matches!(kind, EventKind::PayRefund | EventKind::ShipReplacement);
    let canned = desk.as_ref().map(|d| d.canned_replies.clone()).unwrap_or_default();
    let canned = (matches!(kind, EventKind::Message) && !canned.is_empty()).then(|| {
        let options = canned.clone();
        let choose = move |ev| {
            let code = event_target_value(&ev);
            if let Some(reply) = options.iter().find(|r| r.code == code) {
                let template = tr.get_untracked().either(&reply.zh, &reply.en);
                let filled = Tr::fill(template, &order_id, shopper_name.as_deref());
                fields.update(|f| f.message = filled);
            }
        };
        view! {
            <label for=format!("cx-canned-{key}")>{move || tr.get().canned_reply()}</label>
            <select id=format!("cx-canned-{key}") data-testid="canned" on:change=choose>
                {super::canned_options(tr, canned)}
            </select>
        }
    });
    let reasons = desk.as_ref().map(|d| d.refusal_reasons.clone()).unwrap_or_default();
    let reason_field = (kind == EventKind::Refuse).then(|| {
        view! {
            <label for=format!("cx-reason-{key}")>{move || tr.get().refusal_reason()}</label>
            <select id=format!("cx-reason-{key}") data-testid="reason" required on:change=text(|f| &mut f.reason)>
                <option value="">"—"</option>
                {reasons.into_iter().map(|r| super::option(tr, r.code, r.zh, r.en)).collect_view()}
            </select>
        }
    });
    let settles = matches!(kind, EventKind::CounterOffer | EventKind::RuleForShopper);
    let resolution_field = settles.then(|| view! {
        <label for=format!("cx-resolution-{key}")>{move || tr.get().resolution_label()}</label>
        <select id=format!("cx-resolution-{key}") data-testid="resolution"
            on:change=move |ev| fields.update(|f| f.resolution = Resolution::parse(&event_target_value(&ev)))>
            {(kind == EventKind::RuleForShopper).then(|| view! { <option value="">"—"</option> })}
            {Resolution::ALL.iter().map(|r| { let r = *r; view! { <option value=r.as_str()>{move || tr.get().resolution(r)}</option> } }).collect_view()}
        </select>
    });
    let amount_field = (settles || kind == EventKind::PayRefund).then(|| view! {
        <label for=format!("cx-amount-{key}")>{move || format!("{} ({})", tr.get().amount(), case.paid.as_ref().map_or("CNY", |m| m.currency.as_str()))}</label>
        <input id=format!("cx-amount-{key}") inputmode="decimal" data-testid="amount"
            prop:value=move || fields.with(|f| f.amount.clone()) on:input=text(|f| &mut f.amount)/>
    });
    let reference_field = (kind == EventKind::PayRefund).then(|| {
        view! {
            <label for=format!("cx-reference-{key}")>{move || tr.get().refund_reference()}</label>
            <input id=format!("cx-reference-{key}") on:input=text(|f| &mut f.reference)/>
        }
    });
    let address_field = takes(ActionInput::ReturnInstructions).then(|| view! {
        <label for=format!("cx-address-{key}")>{move || tr.get().return_address()}</label>
        <textarea id=format!("cx-address-{key}") data-testid="address" rows="2"
            prop:value=move || fields.with(|f| f.address.clone()) on:input=text(|f| &mut f.address)></textarea>
        <label for=format!("cx-notes-{key}")>{move || tr.get().return_notes()}</label>
        <input id=format!("cx-notes-{key}") prop:value=move || fields.with(|f| f.notes.clone()) on:input=text(|f| &mut f.notes)/>
    });
    let shipment_field = (kind == EventKind::ShipReplacement).then(|| {
        view! {
            <label for=format!("cx-carrier-{key}")>{move || tr.get().carrier()}</label>
            <input id=format!("cx-carrier-{key}") data-testid="carrier" on:input=text(|f| &mut f.carrier)/>
            <label for=format!("cx-tracking-{key}")>{move || tr.get().tracking_number()}</label>
            <input id=format!("cx-tracking-{key}") data-testid="tracking" on:input=text(|f| &mut f.tracking_number)/>
        }
    });
    let round_field = (kind == EventKind::RequestEvidence).then(|| view! {
        <fieldset>
            <legend>{move || tr.get().evidence_from()}</legend>
            <label><input type="checkbox" data-testid="from-shopper" prop:checked=move || fields.with(|f| f.from_shopper)
                on:change=move |ev| fields.update(|f| f.from_shopper = event_target_checked(&ev))/>{move || tr.get().actor(aftercare_protocol::case::Actor::Shopper)}</label>
            <label><input type="checkbox" data-testid="from-seller" prop:checked=move || fields.with(|f| f.from_seller)
                on:change=move |ev| fields.update(|f| f.from_seller = event_target_checked(&ev))/>{move || tr.get().actor(aftercare_protocol::case::Actor::Seller)}</label>
        </fieldset>
        <label for=format!("cx-hours-{key}")>{move || tr.get().due_in_hours()}</label>
        <input id=format!("cx-hours-{key}") inputmode="numeric" data-testid="hours" on:input=text(|f| &mut f.hours)/>
    });
    let uploading = RwSignal::new(0usize);
    let names = RwSignal::new(Vec::<String>::new());
    let files_field = (actions::takes_files(kind) && takes(ActionInput::Media)).then(|| {
        let pick = move |ev: leptos::ev::Event| {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(list) = input.files() else { return };
            let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
            input.set_value("");
            for file in files {
                uploading.update(|n| *n += 1);
                let name = file.name();
                spawn_local(async move {
                    match api::upload(&ctx.csrf(), &file).await {
                        Ok(media) => {
                            fields.update(|f| f.media.push(media));
                            names.update(|n| n.push(name));
                        }
                        Err(e) if e.signed_out() => ctx.signed_out(),
                        Err(e) => error.set(Some(format!("{}: {}", tr.get_untracked().upload_failed(), tr.get_untracked().error(e.status, e.error.as_ref())))),
                    }
                    uploading.update(|n| *n -= 1);
                });
            }
        };
        view! {
            <label for=format!("cx-files-{key}")>{move || tr.get().attach()}</label>
            <input id=format!("cx-files-{key}") type="file" multiple accept="image/jpeg,image/png,image/webp,video/mp4,video/quicktime"
                data-testid="files" on:change=pick/>
            {move || (uploading.get() > 0).then(|| view! { <p class="cx-muted" role="status">{tr.get().uploading()}</p> })}
            <ul class="cx-files" data-testid="attached">{move || names.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
        }
    });
    let message_field = show_message.then(|| view! {
        {canned}
        <label for=format!("cx-message-{key}")>{move || if message_required { tr.get().message() } else { tr.get().message_optional() }}</label>
        <textarea id=format!("cx-message-{key}") data-testid="message" rows="3"
            prop:value=move || fields.with(|f| f.message.clone()) on:input=text(|f| &mut f.message)></textarea>
    });
    view! {
        <form class="cx-action" data-testid=format!("action-{key}") on:submit=submit>
            <h3>{move || tr.get().event(kind)}</h3>
            {reason_field}
            {resolution_field}
            {amount_field}
            {reference_field}
            {address_field}
            {shipment_field}
            {round_field}
            {message_field}
            {files_field}
            {move || error.get().map(|e| view! { <p class="cx-error" role="alert">{e}</p> })}
            <button type="submit" class="cx-primary" data-testid="submit" prop:disabled=move || busy.get() || (uploading.get() > 0)>{move || tr.get().event(kind)}</button>
        </form>
    }
}
