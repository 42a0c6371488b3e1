//! The console's components: the app shell (sign-in, header, which page), `queue` (the
//! seller's tabs and the arbiters' list) and `case` (a case with its evidence, timeline
//! and the actions the server offers). Text comes from `i18n::Tr`.

mod case;
mod queue;
mod settings;

use aftercare_protocol::staff::StaffSession;
use aftercare_protocol::time::Timestamp;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::actions::{Desk, Route};
use crate::api;
use crate::i18n::{Lang, Tr};

/// What every page shares.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub tr: RwSignal<Tr>,
    pub session: RwSignal<Option<StaffSession>>,
    pub route: RwSignal<Route>,
    /// Now, for countdowns and ages (ticks every 30 s).
    pub now: RwSignal<Timestamp>,
    /// Cases the other side (or a deadline) changed since this staff member last opened
    /// them: the tab title's badge, and a mark on their rows.
    pub unseen: RwSignal<Vec<String>>,
    /// Bumped by each live event: pages reload on it.
    pub changes: RwSignal<u64>,
}

impl Ctx {
    pub fn desk(&self) -> Desk {
        match self.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.staff.is_platform())) {
            true => Desk::Platform,
            false => Desk::Seller,
        }
    }

    pub fn csrf(&self) -> String {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default())
    }

    /// After a 401: back to sign-in.
    pub fn signed_out(&self) {
        self.session.set(None);
    }

    pub fn go(&self, route: Route) {
        let _ = window().location().set_hash(&route.hash());
        self.route.set(route);
    }
}

/// An `<option>` worded in zh or en, following the language.
pub fn option(tr: RwSignal<Tr>, value: String, zh: String, en: String) -> impl IntoView {
    view! { <option value=value>{move || tr.get().either(&zh, &en).to_owned()}</option> }
}

/// The canned replies as `<option>`s, after a "choose one" option.
pub fn canned_options(tr: RwSignal<Tr>, replies: Vec<aftercare_protocol::staff::CannedReply>) -> impl IntoView {
    view! {
        <option value="">{move || tr.get().canned_none()}</option>
        {replies.into_iter().map(|r| option(tr, r.code, r.title_zh, r.title_en)).collect_view()}
    }
}

pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

/// A moment in the staff member's language and time zone.
pub fn date_time(lang: Lang, at: Timestamp) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(at.0 as f64));
    date.to_locale_string(lang.tag(), &JsValue::UNDEFINED).into()
}

fn initial_lang() -> Lang {
    let storage = window().local_storage().ok().flatten();
    match storage.and_then(|s| s.get_item("aftercare-console-lang").ok().flatten()).as_deref() {
        Some("zh-CN") => return Lang::Zh,
        Some("en") => return Lang::En,
        _ => {}
    }
    let languages: Vec<String> = window().navigator().languages().iter().filter_map(|l| l.as_string()).collect();
    Lang::choose(languages.iter().map(String::as_str))
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        tr: RwSignal::new(Tr(initial_lang())),
        session: RwSignal::new(None),
        route: RwSignal::new(Route::from_hash(&window().location().hash().unwrap_or_default())),
        now: RwSignal::new(now()),
        unseen: RwSignal::new(Vec::new()),
        changes: RwSignal::new(0),
    };
    provide_context(ctx);
    let checked = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(session) = api::session().await {
            ctx.session.set(Some(session));
        }
        checked.set(true);
    });
    let on_hash = Closure::<dyn Fn()>::new(move || {
        let route = Route::from_hash(&window().location().hash().unwrap_or_default());
        if let Route::Case(id) = &route {
            ctx.unseen.update(|unseen| unseen.retain(|u| u != id));
        }
        ctx.route.set(route);
    });
    let _ = window().add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
    on_hash.forget();
    let _ = set_interval_with_handle(move || ctx.now.set(now()), std::time::Duration::from_secs(30));
    Effect::new(move |_| {
        let tr = ctx.tr.get();
        document().set_title(&tr.window_title(ctx.unseen.with(Vec::len)));
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tr.0.tag());
        }
    });
    // Only signing in or out changes the page (a refreshed session does not).
    let signed_in = Memo::new(move |_| ctx.session.with(Option::is_some));
    view! {
        <div class="cx-app">
            {move || match (checked.get(), signed_in.get()) {
                (false, _) => view! { <p class="cx-muted" role="status">{ctx.tr.get().loading()}</p> }.into_any(),
                (true, false) => view! { <SignIn/> }.into_any(),
                (true, true) => view! { <Shell/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn LangToggle() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let toggle = move |_| {
        let next = if ctx.tr.get_untracked().0 == Lang::Zh { Lang::En } else { Lang::Zh };
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item("aftercare-console-lang", next.tag());
        }
        ctx.tr.set(Tr(next));
    };
    view! {
        <button type="button" class="cx-link" data-testid="language" on:click=toggle>
            {move || ctx.tr.get().language()}
        </button>
    }
}

#[component]
fn SignIn() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::sign_in(&email.get_untracked(), &password.get_untracked()).await {
                Ok(session) => {
                    error.set(None);
                    ctx.session.set(Some(session));
                }
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(tr.get_untracked().error(e.status, e.error.as_ref())));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <main class="cx-signin">
            <div class="cx-signin__top"><LangToggle/></div>
            <h1>{move || tr.get().sign_in_title()}</h1>
            <form on:submit=submit data-testid="sign-in">
                <label for="cx-email">{move || tr.get().email()}</label>
                <input id="cx-email" type="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="cx-password">{move || tr.get().password()}</label>
                <input id="cx-password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="cx-error" role="alert" data-testid="sign-in-error">{e}</p> })}
                <button type="submit" class="cx-primary" prop:disabled=move || busy.get()>{move || tr.get().sign_in()}</button>
            </form>
        </main>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let tr = ctx.tr;
    let staff = ctx.session.get_untracked().map(|s| s.staff);
    let name = staff.as_ref().map(|s| s.name.clone()).unwrap_or_default();
    let admin =
        staff.as_ref().is_some_and(|s| !s.is_platform() && s.role == aftercare_protocol::staff::StaffRole::Admin);
    let desk = ctx.desk();
    let live = StoredValue::new_local(live_updates(ctx));
    on_cleanup(move || {
        live.with_value(|source| source.as_ref().map(web_sys::EventSource::close));
    });
    let sign_out = move |everywhere: bool| {
        spawn_local(async move {
            let _ = api::sign_out(&ctx.csrf(), everywhere).await;
            ctx.signed_out();
        });
    };
    view! {
        <header class="cx-header">
            <a class="cx-brand" href="#/">{move || tr.get().title()}</a>
            <span class="cx-desk">{move || match desk { Desk::Seller => tr.get().seller_desk(), Desk::Platform => tr.get().platform_desk() }}</span>
            <span class="cx-spacer"></span>
            {admin.then(|| view! { <a class="cx-link" href=Route::Settings.hash() data-testid="settings">{move || tr.get().settings()}</a> })}
            <span class="cx-who" data-testid="staff-name">{name}</span>
            <LangToggle/>
            <button type="button" class="cx-link" data-testid="sign-out" on:click=move |_| sign_out(false)>{move || tr.get().sign_out()}</button>
            <button type="button" class="cx-link" on:click=move |_| sign_out(true)>{move || tr.get().sign_out_everywhere()}</button>
        </header>
        <main class="cx-main">
            {move || match ctx.route.get() {
                Route::Queue => match desk {
                    Desk::Seller => view! { <queue::SellerQueue/> }.into_any(),
                    Desk::Platform => view! { <queue::PlatformQueue/> }.into_any(),
                },
                Route::Case(id) => view! { <case::CasePage id/> }.into_any(),
                Route::Settings => view! { <settings::Settings/> }.into_any(),
            }}
        </main>
    }
}

/// The live event stream (`GET /v1/staff/events`): each event bumps `changes` (pages
/// reload), and a change by the other side or a deadline marks its case unseen until
/// it is opened.
fn live_updates(ctx: Ctx) -> Option<web_sys::EventSource> {
    let source = web_sys::EventSource::new("/v1/staff/events").ok()?;
    let own = match ctx.desk() {
        Desk::Seller => aftercare_protocol::case::Actor::Seller,
        Desk::Platform => aftercare_protocol::case::Actor::Platform,
    };
    let on_case = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        ctx.changes.update(|n| *n += 1);
        let data = event.data().as_string().unwrap_or_default();
        let Ok(change) = serde_json::from_str::<aftercare_protocol::staff::CaseChange>(&data) else { return };
        let open = matches!(ctx.route.get_untracked(), Route::Case(id) if id == change.case_id);
        if change.actor != own && !open {
            ctx.unseen.update(|unseen| {
                if !unseen.contains(&change.case_id) {
                    unseen.push(change.case_id.clone());
                }
            });
        }
    });
    let _ = source.add_event_listener_with_callback("case", on_case.as_ref().unchecked_ref());
    on_case.forget();
    Some(source)
}
