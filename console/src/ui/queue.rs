//! The queues: the seller's tabs (with counts, search, nearest deadline first, each row
//! with its countdown) and the arbiters' list of escalated cases, oldest first.

use aftercare_protocol::case::{Case, EventKind};
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
    let selected = RwSignal::new(Vec::<String>::new());
    let results = RwSignal::new(None::<String>);
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
    // A tab, a search, a live change: load again (a live change keeps the selection:
    // the bulk actions use the versions of the latest load).
    Effect::new(move |_| {
        tab.track();
        search.track();
        ctx.changes.track();
        load();
    });
    Effect::new(move |_| {
        tab.track();
        search.track();
        selected.set(Vec::new());
        results.set(None);
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
                Some(Ok(q)) => view! {
                    <BulkBar cases=q.cases.clone() selected results load/>
                    <CaseTable cases=q.cases selected=Some(selected)/>
                }.into_any(),
            }}
        </section>
    }
}

/// Bulk actions on the selected cases: accept as filed, or reply with a canned reply —
/// each at the version the queue shows (a case that changed meanwhile is not touched),
/// with the count of what went through.
#[component]
fn BulkBar(
    cases: Vec<Case>,
    selected: RwSignal<Vec<String>>,
    results: RwSignal<Option<String>>,
    load: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let cases = StoredValue::new(cases);
    let canned = ctx.session.get_untracked().and_then(|s| s.desk).map(|d| d.canned_replies).unwrap_or_default();
    let chosen = RwSignal::new(String::new());
    let run = move |kind: EventKind| {
        let picked: Vec<Case> = cases
            .with_value(|all| all.iter().filter(|c| selected.with_untracked(|s| s.contains(&c.id))).cloned().collect());
        let reply = ctx.session.get_untracked().and_then(|s| s.desk).and_then(|d| {
            let code = chosen.get_untracked();
            d.canned_replies.into_iter().find(|r| r.code == code)
        });
        if kind == EventKind::Message && reply.is_none() {
            return;
        }
        let lang = tr.get_untracked();
        spawn_local(async move {
            let (mut done, mut failed) = (0, 0);
            for case in picked {
                let body = match &reply {
                    Some(reply) => {
                        let template = lang.either(&reply.zh, &reply.en);
                        serde_json::json!({"message": crate::i18n::Tr::fill(template, &case.order_id, case.contact.name.as_deref())})
                    }
                    None => serde_json::json!({}),
                };
                let offered = case.next_actions.iter().any(|a| a.action == kind);
                let path = ctx.desk().path(&case.id, kind);
                match (offered, path) {
                    (true, Some(path)) => match api::act(&path, &ctx.csrf(), case.version, &body).await {
                        Ok(_) => done += 1,
                        Err(e) if e.signed_out() => return ctx.signed_out(),
                        Err(_) => failed += 1,
                    },
                    _ => failed += 1,
                }
            }
            results.set(Some(lang.bulk_result(done, failed)));
            selected.set(Vec::new());
            load();
        });
    };
    view! {
        <div class="cx-bulk" data-testid="bulk" class:cx-bulk--idle=move || selected.with(Vec::is_empty)>
            <button type="button" class="cx-primary" data-testid="bulk-accept" prop:disabled=move || selected.with(Vec::is_empty)
                on:click=move |_| run(EventKind::Accept)>{move || tr.get().bulk_accept()}</button>
            <label for="cx-bulk-canned" class="cx-visually-hidden">{move || tr.get().canned_reply()}</label>
            <select id="cx-bulk-canned" data-testid="bulk-canned" on:change=move |ev| chosen.set(event_target_value(&ev))>
                {super::canned_options(tr, canned)}
            </select>
            <button type="button" class="cx-primary" data-testid="bulk-reply"
                prop:disabled=move || selected.with(Vec::is_empty) || chosen.with(String::is_empty)
                on:click=move |_| run(EventKind::Message)>{move || tr.get().bulk_reply()}</button>
            {move || results.get().map(|r| view! { <span role="status" data-testid="bulk-result">{r}</span> })}
        </div>
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
            // The appeals queue: escalated again by an appeal.
            let (state, appealed) = if wanted == "appeals" { ("escalated", true) } else { (wanted, false) };
            let answer = api::platform_cases(state, appealed).await;
            if answer.as_ref().is_err_and(CallError::signed_out) {
                return ctx.signed_out();
            }
            // Oldest first (the server's order): the longest waiting is ruled on first.
            cases.set(Some(answer.map(|page| page.cases)));
        });
    });
    use aftercare_protocol::case::CaseState;
    let tabs = [
        ("escalated", Some(CaseState::Escalated)),
        ("appeals", None),
        ("evidence_round", Some(CaseState::EvidenceRound)),
        ("ruled", Some(CaseState::Ruled)),
    ]
    .into_iter()
    .map(|(code, s)| {
        view! {
            <button type="button" role="tab" class="cx-tab" data-testid=format!("tab-{code}")
                aria-selected=move || (state.get() == code).to_string() on:click=move |_| state.set(code)>
                {move || s.map_or_else(|| tr.get().appeals(), |s| tr.get().state(s))}
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
                Some(Ok(cases)) => view! { <CaseTable cases selected=None/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn CaseTable(cases: Vec<Case>, selected: Option<RwSignal<Vec<String>>>) -> impl IntoView {
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
            let (id, number) = (case.id.clone(), case.number.clone());
            let pick = selected.map(|selected| {
                let id = id.clone();
                let checked = id.clone();
                view! {
                    <td><input type="checkbox" data-testid="queue-select"
                        aria-label=move || tr.get().select_case(&number)
                        prop:checked=move || selected.with(|s| s.contains(&checked))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| { s.retain(|x| x != &id); if on { s.push(id.clone()); } });
                        }/></td>
                }
            });
            let unseen_id = StoredValue::new(case.id.clone());
            let unseen = move || unseen_id.with_value(|id| ctx.unseen.with(|u| u.contains(id)));
            view! {
                <tr data-testid="queue-row" data-case=case.id.clone() data-unseen=move || unseen().to_string()>
                    {pick}
                    <td><a href=href data-testid="queue-open">{case.number.clone()}</a>
                        {move || unseen().then(|| view! { " " <span class="cx-new" data-testid="unseen">{tr.get().seen_new()}</span> })}
                        <br/><span class="cx-muted">{case.order_id.clone()}</span></td>
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
                {selected.is_some().then(|| view! { <th scope="col"><span class="cx-visually-hidden">{move || tr.get().bulk_accept()}</span></th> })}
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
