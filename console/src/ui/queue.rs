//! The queues: the seller's tabs (with counts, search, nearest deadline first, each row
//! with its countdown) and the arbiters' list of escalated cases, oldest first.

use aftercare_protocol::case::Case;
use aftercare_protocol::staff::{Queue, QueueTab};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::actions::Route;
use crate::api::{self, CallError};

#[component]
pub fn SellerQueue() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let tab = RwSignal::new(QueueTab::New);
    let search = RwSignal::new(String::new());
    let queue = RwSignal::new(None::<Result<Queue, CallError>>);
    let load = move || {
        let (tab, search) = (tab.get_untracked(), search.get_untracked());
        spawn_local(async move {
            let answer = api::queue(tab, &search).await;
            if answer.as_ref().is_err_and(CallError::signed_out) {
                return ctx.signed_out();
            }
            queue.set(Some(answer));
        });
    };
    // A tab, a search, a live change: load again.
    Effect::new(move |_| {
        tab.track();
        search.track();
        ctx.changes.track();
        load();
    });
    let count = move |t: QueueTab| {
        queue.with(|q| match q {
            Some(Ok(q)) => q.counts.iter().find(|c| c.tab == t).map_or(0, |c| c.count),
            _ => 0,
        })
    };
    let tabs = QueueTab::ALL
        .into_iter()
        .map(|t| {
            view! {
                <button type="button" role="tab" class="cx-tab" data-testid=format!("tab-{}", t.as_str())
                    aria-selected=move || (tab.get() == t).to_string()
                    on:click=move |_| tab.set(t)>
                    {move || tr.get().tab(t)}
                    <span class="cx-count" data-testid="tab-count">{move || count(t)}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="cx-queue" aria-labelledby="cx-queue-title">
            <h1 id="cx-queue-title" class="cx-visually-hidden">{move || tr.get().seller_desk()}</h1>
            <div class="cx-queue__bar">
                <div role="tablist" class="cx-tabs" aria-label=move || tr.get().seller_desk()>{tabs}</div>
                <input type="search" class="cx-search" data-testid="search"
                    aria-label=move || tr.get().search() placeholder=move || tr.get().search()
                    on:change=move |ev| search.set(event_target_value(&ev))/>
            </div>
            {move || match queue.get() {
                None => view! { <p class="cx-muted" role="status">{tr.get().loading()}</p> }.into_any(),
                Some(Err(_)) => view! {
                    <p class="cx-error" role="alert">{tr.get().load_failed()}
                        <button type="button" class="cx-link" on:click=move |_| load()>{tr.get().retry()}</button></p>
                }.into_any(),
                Some(Ok(q)) => view! { <CaseTable cases=q.cases/> }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn PlatformQueue() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let state = RwSignal::new("escalated");
    let cases = RwSignal::new(None::<Result<Vec<Case>, CallError>>);
    Effect::new(move |_| {
        let wanted = state.get();
        ctx.changes.track();
        spawn_local(async move {
            let answer = api::platform_cases(wanted).await;
            if answer.as_ref().is_err_and(CallError::signed_out) {
                return ctx.signed_out();
            }
            // Oldest first: the longest waiting is ruled on first.
            cases.set(Some(answer.map(|page| page.cases.into_iter().rev().collect())));
        });
    });
    let tabs = [
        ("escalated", aftercare_protocol::case::CaseState::Escalated),
        ("evidence_round", aftercare_protocol::case::CaseState::EvidenceRound),
        ("ruled", aftercare_protocol::case::CaseState::Ruled),
    ]
    .into_iter()
    .map(|(code, s)| {
        view! {
            <button type="button" role="tab" class="cx-tab" data-testid=format!("tab-{code}")
                aria-selected=move || (state.get() == code).to_string() on:click=move |_| state.set(code)>
                {move || tr.get().state(s)}
            </button>
        }
    })
    .collect_view();
    view! {
        <section class="cx-queue" aria-labelledby="cx-queue-title">
            <h1 id="cx-queue-title" class="cx-visually-hidden">{move || tr.get().platform_desk()}</h1>
            <div class="cx-queue__bar"><div role="tablist" class="cx-tabs" aria-label=move || tr.get().platform_desk()>{tabs}</div></div>
            {move || match cases.get() {
                None => view! { <p class="cx-muted" role="status">{tr.get().loading()}</p> }.into_any(),
                Some(Err(_)) => view! { <p class="cx-error" role="alert">{tr.get().load_failed()}</p> }.into_any(),
                Some(Ok(cases)) => view! { <CaseTable cases/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CaseTable(cases: Vec<Case>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    if cases.is_empty() {
        return view! { <p class="cx-muted" data-testid="queue-empty">{move || tr.get().queue_empty()}</p> }.into_any();
    }
    let rows = cases
        .into_iter()
        .map(|case| {
            let href = Route::Case(case.id.clone()).hash();
            let deadline = case.deadline.clone();
            let (kind, reason, resolution, state) = (case.problem_type, case.reason, case.resolution, case.state);
            let amount = case.paid.as_ref().map(ToString::to_string).unwrap_or_default();
            let created = case.created_at;
            view! {
                <tr data-testid="queue-row" data-case=case.id.clone()>
                    <td><a href=href data-testid="queue-open">{case.number.clone()}</a><br/><span class="cx-muted">{case.order_id.clone()}</span></td>
                    <td>{move || tr.get().problem_type(kind)}<br/><span class="cx-muted">{move || tr.get().reason(reason)}</span></td>
                    <td>{move || tr.get().resolution(resolution)}</td>
                    <td>{amount}</td>
                    <td>{move || tr.get().age(created, ctx.now.get())}</td>
                    <td>{move || tr.get().state(state)}</td>
                    <td data-testid="countdown">{move || match &deadline {
                        Some(d) => tr.get().countdown(d.consequence, d.due_at, ctx.now.get()),
                        None => tr.get().no_deadline().to_owned(),
                    }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="cx-table">
            <thead><tr>
                <th scope="col">{move || tr.get().col_case()}</th>
                <th scope="col">{move || tr.get().col_type()}</th>
                <th scope="col">{move || tr.get().col_resolution()}</th>
                <th scope="col">{move || tr.get().col_amount()}</th>
                <th scope="col">{move || tr.get().col_age()}</th>
                <th scope="col">{move || tr.get().col_state()}</th>
                <th scope="col">{move || tr.get().col_next()}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
