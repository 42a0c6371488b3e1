//! The guided after-sale case, the view: renders the flow one step at a time from
//! `controllers::case::CaseFlow` (which keeps the draft and submits it); the receipt
//! shows the case number and the deadline that applies now.

use aftercare_protocol::case::{Contact, MediaKind, ProblemType};
use leptos::prelude::*;

use super::text;
use web_sys::Event;

use super::evidence::EvidenceStep;
use super::value_of;
pub use crate::controllers::case::{CaseFlow, Submit};
use crate::flow::Step;
use crate::i18n::Tr;
use crate::upload::session::{Evidence, Status};

#[component]
pub fn CaseView(
    tr: Memo<Tr>,
    flow: CaseFlow,
    evidence: Evidence,
    on_leave: Callback<()>,
    on_requests: Callback<()>,
) -> impl IntoView {
    let steps = move || flow.read(|f| f.steps()).unwrap_or_default();
    let position = move || {
        let steps = steps().into_iter().filter(|s| *s != Step::Receipt).collect::<Vec<_>>();
        let at = flow.step().and_then(|s| steps.iter().position(|x| *x == s)).map_or(0, |i| i + 1);
        tr.get().step_count(at, steps.len())
    };
    // Only a change of step re-renders the step's body (typing must keep its focus).
    let step = Memo::new(move |_| flow.step());
    let step = move || step.get();
    // Each new step takes focus on its heading: a screen reader reads where the shopper
    // is, and the next Tab starts at the step's first control (the button that was
    // pressed may be gone with the old step).
    let heading = NodeRef::<leptos::html::H3>::new();
    super::effect(move || {
        step();
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });

    view! {
        <section class="ac-card ac-case" aria-labelledby="ac-case-step" data-testid="case-flow" data-step=move || step().map(Step::as_str)>
            <p class="ac-muted" hidden=move || step() == Some(Step::Receipt) data-testid="case-progress">{position}</p>
            <h3 id="ac-case-step" class="ac-card__title" tabindex="-1" node_ref=heading>{super::redraw(move || step().map(|s| tr.get().step_title(s)))}</h3>
            {move || (!flow.storage_ok.get()).then(|| view! { <p class="ac-notice" role="status">{tr.get().drafts_unavailable()}</p> })}
            {move || match step() {
                Some(Step::Items) => items(tr, flow).into_any(),
                Some(Step::Problem) => problem(tr, flow).into_any(),
                Some(Step::Guidance) => guidance(tr, flow, on_leave).into_any(),
                Some(Step::Resolution) => resolution(tr, flow).into_any(),
                Some(Step::Details) => details(tr, flow, evidence).into_any(),
                Some(Step::Contact) => contact(tr, flow).into_any(),
                Some(Step::Review) => review(tr, flow).into_any(),
                Some(Step::Receipt) => receipt(tr, flow, on_requests).into_any(),
                None => ().into_any(),
            }}
            // The alert wraps the list: a list with role=alert is no longer a list.
            <div role="alert" data-testid="case-errors">
                <ul class="ac-errors">
                    {move || flow.errors.get().iter().map(|e| view! { <li data-field=e.field.clone()>{tr.get().field_error(e)}</li> }).collect_view()}
                </ul>
            </div>
            {move || (step() != Some(Step::Receipt)).then(|| view! {
                <div class="ac-actions ac-case__nav">
                    <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(move |_| {
                        if steps().first().copied() == step() { on_leave.run(()) } else { flow.back() }
                    })} data-testid="case-back">
                        {text(tr, Tr::back)}
                    </button>
                    {move || if step() == Some(Step::Review) {
                        view! {
                            <button
                                type="button"
                                class="ac-button"
                                disabled=move || matches!(flow.submit.get(), Submit::Sending | Submit::Retrying | Submit::WaitingForUploads(_))
                                on:click={super::handler(move |_| flow.submit())}
                                data-testid="case-submit"
                            >
                                {text(tr, Tr::submit)}
                            </button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="ac-button" on:click={super::handler(move |_| flow.next())} data-testid="case-next">
                                {text(tr, Tr::next)}
                            </button>
                        }.into_any()
                    }}
                </div>
            })}
            <p class="ac-muted" role="status" data-testid="case-submit-status">
                {move || match flow.submit.get() {
                    Submit::Idle => String::new(),
                    Submit::WaitingForUploads(n) => tr.get().waiting_for_uploads(n),
                    Submit::Sending => tr.get().submitting().to_owned(),
                    Submit::Retrying => tr.get().submit_retrying().to_owned(),
                    Submit::Failed(message) => message,
                }}
            </p>
        </section>
    }
}

/// One radio choice; `checked` is reactive, so choosing does not rebuild the list (and
/// keyboard focus stays where it is).
fn choice(
    name: &'static str,
    label: String,
    hint: Option<&'static str>,
    checked: impl Fn() -> bool + Send + Sync + 'static,
    testid: String,
    pick: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <label class="ac-choice" data-testid=testid>
            <input type="radio" name=name prop:checked=checked on:change={super::handler(move |_| pick())}/>
            <span>
                <span class="ac-choice__label">{label}</span>
                {hint.map(|hint| view! { <span class="ac-muted ac-choice__hint">{hint}</span> })}
            </span>
        </label>
    }
}

fn items(tr: Memo<Tr>, flow: CaseFlow) -> impl IntoView {
    let list = move || flow.state.order.with(|o| o.as_ref().map(|o| o.items.clone()).unwrap_or_default());
    let chosen = move |id: &str| flow.draft.with(|d| d.as_ref().is_some_and(|d| d.item_ids.iter().any(|i| i == id)));
    view! {
        <fieldset class="ac-choices">
            <legend class="ac-visually-hidden">{super::redraw(move || tr.get().step_title(Step::Items))}</legend>
            {move || list().into_iter().map(|item| {
                let id = item.id.clone();
                let toggle = id.clone();
                view! {
                    <label class="ac-choice" data-testid="case-item">
                        <input type="checkbox" checked=move || chosen(&id) on:change={super::handler(move |_| { flow.with(|f| f.toggle_item(&toggle)); })}/>
                        <span class="ac-choice__label">{item.name.clone()}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

fn problem(tr: Memo<Tr>, flow: CaseFlow) -> impl IntoView {
    // The lists change only when the options do, not on every answer.
    let kinds = Memo::new(move |_| flow.read(|f| f.problem_types()).unwrap_or_default());
    let chosen = move || flow.draft.with(|d| d.as_ref().and_then(|d| d.problem_type));
    let kind = Memo::new(move |_| chosen());
    let reason = move || flow.draft.with(|d| d.as_ref().and_then(|d| d.reason));
    let reasons = Memo::new(move |_| {
        kind.get()
            .filter(|k| *k != ProblemType::NoReasonReturn)
            .map(|k| flow.read(|f| f.reasons(k)).unwrap_or_default())
            .unwrap_or_default()
    });
    view! {
        <fieldset class="ac-choices">
            <legend class="ac-visually-hidden">{super::redraw(move || tr.get().step_title(Step::Problem))}</legend>
            {move || kinds.get().into_iter().map(|kind| choice(
                "ac-problem",
                tr.get().problem_type(kind).to_owned(),
                None,
                move || chosen() == Some(kind),
                format!("case-problem-{}", kind.as_str()),
                move || { flow.with(|f| f.set_problem_type(kind)); },
            )).collect_view()}
        </fieldset>
        {move || (!reasons.get().is_empty()).then(|| view! {
            <fieldset class="ac-choices" data-testid="case-reasons">
                <legend class="ac-field__label">{tr.get().reason_label()}</legend>
                {reasons.get().into_iter().map(|r| choice(
                    "ac-reason",
                    tr.get().reason(r).to_owned(),
                    None,
                    move || reason() == Some(r),
                    format!("case-reason-{}", r.as_str()),
                    move || { flow.with(|f| f.set_reason(r)); },
                )).collect_view()}
            </fieldset>
        })}
    }
}

fn guidance(tr: Memo<Tr>, flow: CaseFlow, on_leave: Callback<()>) -> impl IntoView {
    let kind = move || flow.draft.with(|d| d.as_ref().and_then(|d| d.problem_type));
    let tracking = move || {
        flow.state.order.with(|o| o.as_ref().and_then(|o| Some((o.carrier.clone()?, o.tracking_number.clone()?))))
    };
    view! {
        <ol class="ac-guidance" data-testid="case-guidance">
            {move || kind().map(|k| tr.get().guidance(k).into_iter().map(|line| view! { <li>{line}</li> }).collect_view())}
        </ol>
        {move || (kind() == Some(ProblemType::Logistics)).then(|| tracking().map(|(carrier, number)| view! {
            <p class="ac-tracking" data-testid="case-tracking">{tr.get().tracking(&carrier, &number)}</p>
        }))}
        <button type="button" class="ac-text-button" on:click={super::handler(move |_| on_leave.run(()))} data-testid="case-contact-options">
            {text(tr, Tr::cancel_case)}
        </button>
    }
}

fn resolution(tr: Memo<Tr>, flow: CaseFlow) -> impl IntoView {
    let options = Memo::new(move |_| flow.read(|f| f.resolutions()).unwrap_or_default());
    let chosen = move || flow.draft.with(|d| d.as_ref().and_then(|d| d.resolution));
    view! {
        <fieldset class="ac-choices">
            <legend class="ac-visually-hidden">{super::redraw(move || tr.get().step_title(Step::Resolution))}</legend>
            {move || options.get().into_iter().map(|r| choice(
                "ac-resolution",
                tr.get().resolution(r).to_owned(),
                Some(tr.get().resolution_next(r)),
                move || chosen() == Some(r),
                format!("case-resolution-{}", r.as_str()),
                move || { flow.with(|f| f.set_resolution(r)); },
            )).collect_view()}
        </fieldset>
    }
}

fn details(tr: Memo<Tr>, flow: CaseFlow, evidence: Evidence) -> impl IntoView {
    let written = move || flow.draft.with(|d| d.as_ref().map(|d| d.description.clone()).unwrap_or_default());
    let max = move || usize::from(flow.state.config.with(|c| c.rules.limits.description_max));
    let needed = move || {
        let kind = flow.draft.with(|d| d.as_ref().and_then(|d| d.problem_type))?;
        flow.state.config.with(|c| c.rules.problem(kind).map(|rule| (rule.photos.min, rule.videos.min)))
    };
    view! {
        // The count describes the field (read when it is reached), rather than being part
        // of its name or a live region that speaks at every keystroke.
        <div class="ac-field">
            <label class="ac-field__label" for="ac-case-description">{text(tr, Tr::description_label)}</label>
            <textarea
                id="ac-case-description"
                aria-describedby="ac-case-description-count"
                class="ac-input"
                rows="4"
                maxlength=move || max().to_string()
                prop:value=written
                on:input={super::handler(move |event: Event| { let value = value_of(&event); flow.with(|f| f.set_description(value)); })}
                data-testid="case-description"
            ></textarea>
            <span id="ac-case-description-count" class="ac-muted ac-field__count" data-testid="case-description-count">
                {super::redraw(move || tr.get().characters(written().chars().count(), max()))}
            </span>
        </div>
        <p class="ac-muted" data-testid="case-evidence-needed">{super::redraw(move || needed().map(|(p, v)| tr.get().evidence_needed(p, v)))}</p>
        <EvidenceStep tr evidence/>
    }
}

fn contact(tr: Memo<Tr>, flow: CaseFlow) -> impl IntoView {
    let get = move |read: fn(&Contact) -> Option<String>| {
        move || flow.draft.with(|d| d.as_ref().and_then(|d| read(&d.contact)).unwrap_or_default())
    };
    let set = move |write: fn(&mut Contact, Option<String>)| {
        move |event: Event| {
            let value = value_of(&event);
            flow.with(|f| {
                let mut contact = f.draft.contact.clone();
                write(&mut contact, Some(value).filter(|v| !v.is_empty()));
                f.set_contact(contact);
            });
        }
    };
    view! {
        <p class="ac-muted">{text(tr, Tr::contact_hint)}</p>
        <label class="ac-field">
            <span class="ac-field__label">{text(tr, Tr::contact_phone)}</span>
            <input class="ac-input" type="tel" autocomplete="tel" prop:value=get(|c| c.phone.clone()) on:input={super::handler(set(|c, v| c.phone = v))} data-testid="case-phone"/>
        </label>
        <label class="ac-field">
            <span class="ac-field__label">{text(tr, Tr::contact_email)}</span>
            <input class="ac-input" type="email" autocomplete="email" prop:value=get(|c| c.email.clone()) on:input={super::handler(set(|c, v| c.email = v))} data-testid="case-email"/>
        </label>
        <label class="ac-field">
            <span class="ac-field__label">{text(tr, Tr::contact_name)}</span>
            <input class="ac-input" type="text" autocomplete="name" prop:value=get(|c| c.name.clone()) on:input={super::handler(set(|c, v| c.name = v))} data-testid="case-name"/>
        </label>
    }
}

fn review(tr: Memo<Tr>, flow: CaseFlow) -> impl IntoView {
    let draft = move || flow.draft.get();
    let item_names = move || {
        let ids = draft().map(|d| d.item_ids).unwrap_or_default();
        flow.state.order.with(|o| {
            o.as_ref()
                .map(|o| {
                    o.items
                        .iter()
                        .filter(|i| ids.contains(&i.id))
                        .map(|i| i.name.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
        })
    };
    let files = move || {
        flow.evidence.files.with(|files| {
            let count = |kind| files.iter().filter(|f| f.kind == Some(kind) && f.status != Status::Failed).count();
            tr.get().files(count(MediaKind::Photo), count(MediaKind::Video))
        })
    };
    let row = move |label: fn(Tr) -> &'static str,
                    value: Box<dyn Fn() -> String + Send + Sync>,
                    step: Step,
                    testid: &'static str| {
        view! {
            <div class="ac-review__row" data-testid=testid>
                <dt>{super::redraw(move || label(tr.get()))}</dt>
                <dd>{value}</dd>
                <dd>
                    <button type="button" class="ac-text-button" on:click={super::handler(move |_| flow.edit(step))} data-testid=format!("{testid}-edit")>
                        {text(tr, Tr::edit)}
                    </button>
                </dd>
            </div>
        }
    };
    let multi = flow.read(|f| f.steps().contains(&Step::Items)).unwrap_or(false);
    view! {
        <dl class="ac-review" data-testid="case-review">
            {multi.then(|| row(Tr::review_items, Box::new(item_names), Step::Items, "review-items"))}
            {row(Tr::review_problem, Box::new(move || draft().map(|d| {
                let kind = d.problem_type.map(|k| tr.get().problem_type(k)).unwrap_or_default();
                let reason = d.reason.map(|r| tr.get().reason(r)).unwrap_or_default();
                format!("{kind} · {reason}")
            }).unwrap_or_default()), Step::Problem, "review-problem")}
            {row(Tr::review_resolution, Box::new(move || draft().and_then(|d| d.resolution).map(|r| tr.get().resolution(r).to_owned()).unwrap_or_default()), Step::Resolution, "review-resolution")}
            {row(Tr::review_details, Box::new(move || format!("{} ({})", draft().map(|d| d.description).unwrap_or_default(), files())), Step::Details, "review-details")}
            {row(Tr::review_contact, Box::new(move || draft().map(|d| {
                [d.contact.name, d.contact.phone, d.contact.email].into_iter().flatten().collect::<Vec<_>>().join(" · ")
            }).unwrap_or_default()), Step::Contact, "review-contact")}
        </dl>
    }
}

fn receipt(tr: Memo<Tr>, flow: CaseFlow, on_requests: Callback<()>) -> impl IntoView {
    let case = move || flow.filed.get();
    let number = move || flow.draft.with(|d| d.as_ref().and_then(|d| d.filed.clone()).map(|(_, number)| number));
    view! {
        <div class="ac-receipt" data-testid="case-receipt">
            <p class="ac-receipt__number" data-testid="case-number">{super::redraw(move || number().map(|n| tr.get().receipt_number(&n)))}</p>
            {move || case().map(|c| view! {
                <p class="ac-muted" data-testid="case-state">{tr.get().state_name(c.state)}</p>
                {c.deadline.map(|d| view! { <p data-testid="case-deadline">{tr.get().answer_by(&tr.get().date_time(d.due_at))}</p> })}
            })}
            <p class="ac-muted">{text(tr, Tr::receipt_next)}</p>
            <button type="button" class="ac-button" on:click={super::handler(move |_| on_requests.run(()))} data-testid="case-requests">
                {text(tr, Tr::my_requests)}
            </button>
            <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(move |_| {
                flow.draft.set(None);
                flow.start();
            })} data-testid="case-new">
                {text(tr, Tr::new_request)}
            </button>
        </div>
    }
}
