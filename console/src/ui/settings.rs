//! The desk's settings, for its admins: canned replies (edit, add, delete) and staff
//! accounts (add with a first password, remove). Saved replies refresh the session's
//! desk, so the case page's reply form offers them at once.

use aftercare_protocol::staff::{CannedReply, NewStaffRequest, StaffMember, StaffRole};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::actions::Route;
use crate::api::{self, CallError};

#[component]
pub fn Settings() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let replies = RwSignal::new(Vec::<CannedReply>::new());
    let staff = RwSignal::new(Vec::<StaffMember>::new());
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let fail = move |e: CallError| {
        if e.signed_out() {
            return ctx.signed_out();
        }
        error.set(Some(tr.get_untracked().error(e.status, e.error.as_ref())));
    };
    let reload = move || {
        spawn_local(async move {
            match api::canned_replies().await {
                Ok(list) => replies.set(list),
                Err(e) => fail(e),
            }
            match api::staff().await {
                Ok(list) => staff.set(list),
                Err(e) => fail(e),
            }
            // The session's desk carries the replies the case page offers.
            if let Ok(session) = api::session().await {
                ctx.session.set(Some(session));
            }
        });
    };
    reload();
    let saved = move || {
        error.set(None);
        notice.set(Some(tr.get_untracked().done().to_owned()));
        reload();
    };
    let reply_forms = move || {
        replies.get().into_iter().map(|reply| view! { <ReplyForm reply existing=true saved fail/> }).collect_view()
    };
    let blank = CannedReply {
        code: String::new(),
        title_zh: String::new(),
        title_en: String::new(),
        zh: String::new(),
        en: String::new(),
    };
    let me = ctx.session.get_untracked().map(|s| s.staff.id).unwrap_or_default();
    let staff_rows = move || {
        staff
            .get()
            .into_iter()
            .map(|member| {
                let id = member.id.clone();
                let mine = member.id == me;
                let remove = move |_| {
                    let id = id.clone();
                    spawn_local(async move {
                        match api::remove_staff(&ctx.csrf(), &id).await {
                            Ok(()) => saved(),
                            Err(e) => fail(e),
                        }
                    });
                };
                let role = member.role;
                view! {
                    <tr data-testid="staff-row">
                        <td>{member.email.clone()}</td>
                        <td>{member.name.clone()}</td>
                        <td>{move || tr.get().role(role)}</td>
                        <td>{(!mine).then(|| view! {
                            <button type="button" class="cx-link" data-testid="staff-remove" on:click=remove.clone()>{move || tr.get().remove()}</button>
                        })}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <p><a href=Route::Queue.hash() class="cx-link">{move || tr.get().back_to_queue()}</a></p>
        <h1>{move || tr.get().settings()}</h1>
        {move || notice.get().map(|n| view! { <p class="cx-notice" role="status" data-testid="notice">{n}</p> })}
        {move || error.get().map(|e| view! { <p class="cx-error" role="alert">{e}</p> })}
        <section class="cx-panel" aria-labelledby="cx-replies">
            <h2 id="cx-replies">{move || tr.get().canned_replies()}</h2>
            <div class="cx-actions" data-testid="replies">{reply_forms}</div>
            <h3>{move || tr.get().new_reply()}</h3>
            <ReplyForm reply=blank existing=false saved fail/>
        </section>
        <section class="cx-panel" aria-labelledby="cx-staff">
            <h2 id="cx-staff">{move || tr.get().staff_accounts()}</h2>
            <table class="cx-table">
                <thead><tr>
                    <th scope="col">{move || tr.get().email()}</th>
                    <th scope="col">{move || tr.get().name()}</th>
                    <th scope="col">{move || tr.get().role_label()}</th>
                    <th scope="col"><span class="cx-visually-hidden">{move || tr.get().remove()}</span></th>
                </tr></thead>
                <tbody>{staff_rows}</tbody>
            </table>
            <h3>{move || tr.get().add_staff()}</h3>
            <AddStaff saved fail/>
        </section>
    }
}

#[component]
fn ReplyForm(
    reply: CannedReply,
    existing: bool,
    saved: impl Fn() + Copy + Send + Sync + 'static,
    fail: impl Fn(CallError) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let key = if existing { reply.code.clone() } else { "new".to_owned() };
    let form_id = format!("reply-form-{key}");
    let value = RwSignal::new(reply);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reply = value.get_untracked();
        spawn_local(async move {
            match api::put_canned_reply(&ctx.csrf(), &reply).await {
                Ok(_) => saved(),
                Err(e) => fail(e),
            }
        });
    };
    let delete = move |_| {
        let code = value.get_untracked().code;
        spawn_local(async move {
            match api::delete_canned_reply(&ctx.csrf(), &code).await {
                Ok(()) => saved(),
                Err(e) => fail(e),
            }
        });
    };
    let field = move |label: fn(crate::i18n::Tr) -> &'static str,
                      get: fn(&CannedReply) -> String,
                      set: fn(&mut CannedReply, String),
                      long: bool,
                      name: &str| {
        let id = format!("cx-reply-{key}-{name}");
        let input = if long {
            view! { <textarea id=id.clone() rows="3" data-testid=format!("reply-{name}") prop:value=move || value.with(get)
                on:input=move |ev| value.update(|r| set(r, event_target_value(&ev)))></textarea> }
            .into_any()
        } else {
            view! { <input id=id.clone() data-testid=format!("reply-{name}") prop:value=move || value.with(get)
            on:input=move |ev| value.update(|r| set(r, event_target_value(&ev)))/> }
            .into_any()
        };
        view! { <label for=id>{move || label(tr.get())}</label>{input} }
    };
    view! {
        <form class="cx-action" data-testid=form_id on:submit=save>
            {(!existing).then(|| field(|t| t.code(), |r| r.code.clone(), |r, v| r.code = v, false, "code"))}
            {existing.then(|| view! { <h3><code>{value.get_untracked().code}</code></h3> })}
            {field(|t| t.title_zh(), |r| r.title_zh.clone(), |r, v| r.title_zh = v, false, "title_zh")}
            {field(|t| t.title_en(), |r| r.title_en.clone(), |r, v| r.title_en = v, false, "title_en")}
            {field(|t| t.text_zh(), |r| r.zh.clone(), |r, v| r.zh = v, true, "zh")}
            {field(|t| t.text_en(), |r| r.en.clone(), |r, v| r.en = v, true, "en")}
            <div class="cx-row">
                <button type="submit" class="cx-primary" data-testid="reply-save">{move || tr.get().save()}</button>
                {existing.then(|| view! { <button type="button" class="cx-link" data-testid="reply-delete" on:click=delete>{move || tr.get().remove()}</button> })}
            </div>
        </form>
    }
}

#[component]
fn AddStaff(
    saved: impl Fn() + Copy + Send + Sync + 'static,
    fail: impl Fn(CallError) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(StaffRole::Agent);
    let password = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = NewStaffRequest {
            email: email.get_untracked(),
            name: Some(name.get_untracked()).filter(|n| !n.trim().is_empty()),
            role: role.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::add_staff(&ctx.csrf(), &request).await {
                Ok(_) => {
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    saved();
                }
                Err(e) => fail(e),
            }
        });
    };
    view! {
        <form class="cx-action cx-action--inline" data-testid="add-staff" on:submit=add>
            <label for="cx-new-email">{move || tr.get().email()}</label>
            <input id="cx-new-email" type="email" autocomplete="off" required data-testid="new-email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            <label for="cx-new-name">{move || tr.get().name()}</label>
            <input id="cx-new-name" data-testid="new-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="cx-new-role">{move || tr.get().role_label()}</label>
            <select id="cx-new-role" data-testid="new-role" on:change=move |ev| role.set(if event_target_value(&ev) == "admin" { StaffRole::Admin } else { StaffRole::Agent })>
                <option value="agent">{move || tr.get().role(StaffRole::Agent)}</option>
                <option value="admin">{move || tr.get().role(StaffRole::Admin)}</option>
            </select>
            <label for="cx-new-password">{move || tr.get().first_password()}</label>
            <input id="cx-new-password" type="password" autocomplete="new-password" required minlength="10" data-testid="new-password"
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            <button type="submit" class="cx-primary" data-testid="add-staff-submit">{move || tr.get().add_staff()}</button>
        </form>
    }
}
