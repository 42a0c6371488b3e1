//! The contact-channel picker: every configured channel with its essentials at once.

use leptos::prelude::*;

use super::{redraw, text};

use super::chunks::{self, Chunk};
use crate::clock;
use crate::config::{ChannelKind, ChatChannel, EmailChannel, PhoneChannel, WechatAccount, WeiboAccount};
use crate::hours::Schedule;
use crate::i18n::Tr;
use crate::mailto::mailto;
use crate::state::{use_widget, WidgetState};

fn channel_event(state: WidgetState, kind: ChannelKind, action: &str) {
    state.emit("channel", &[("kind", kind.as_str().into()), ("action", action.into())]);
}

#[component]
pub fn ChannelList(
    /// The current translations.
    tr: Memo<Tr>,
) -> impl IntoView {
    let state = use_widget();
    let channels = move || state.config.with(|config| config.channels.clone());
    view! {
        <section class="ac-channels" aria-labelledby="ac-channels-title">
            <h3 id="ac-channels-title" class="ac-section-title">{text(tr, |t| t.channels_heading)}</h3>
            <ul class="ac-channels__list" data-testid="channels">
                {redraw(move || channels().chat.map(|chat| view! { <ChatCard chat tr/> }))}
                {redraw(move || channels().phone.map(|phone| view! { <PhoneCard phone tr/> }))}
                {redraw(move || channels().email.map(|email| view! { <EmailCard email tr/> }))}
                {redraw(move || channels().weibo.map(|weibo| view! { <WeiboCard weibo tr/> }))}
                {redraw(move || channels().wechat.map(|wechat| view! { <WechatCard wechat tr/> }))}
            </ul>
        </section>
    }
}

/// One card in the list; `openChannel(kind)` focuses and highlights it.
#[component]
fn Card(kind: ChannelKind, tr: Memo<Tr>, title: fn(Tr) -> &'static str, children: Children) -> impl IntoView {
    let state = use_widget();
    let title_id = format!("ac-channel-{}", kind.as_str());
    let labelled_by = title_id.clone();
    view! {
        <li
            class=format!("ac-card ac-channel ac-channel--{}", kind.as_str())
            class:ac-card--highlight=move || state.highlighted.get() == Some(kind)
            data-channel=kind.as_str()
            data-testid=format!("channel-{}", kind.as_str())
            tabindex="-1"
            aria-labelledby=labelled_by
        >
            <h4 id=title_id class="ac-card__title">{text(tr, title)}</h4>
            {children()}
        </li>
    }
}

/// "Open now · until 21:00 (China Standard Time)", recomputed as the clock moves.
#[component]
fn Availability(schedule: Schedule, tr: Memo<Tr>, testid: &'static str) -> impl IntoView {
    let state = use_widget();
    let always = schedule.always;
    let summary = {
        let schedule = schedule.clone();
        redraw(move || tr.get().schedule_summary(&schedule))
    };
    let status = move || {
        let local = clock::local_time(state.now.get(), &schedule.timezone)?;
        let availability = schedule.availability(local);
        let zone = clock::zone_name(&schedule.timezone, state.locale.get().tag());
        let open = !matches!(availability, crate::hours::Availability::Closed { .. });
        Some((open, tr.get().availability(&availability, &zone)))
    };
    view! {
        {(!always).then(|| view! { <p class="ac-hours">{summary}</p> })}
        {move || status().map(|(open, line)| view! {
            <p class="ac-status" class:ac-status--open=open class:ac-status--closed=!open data-testid=testid>
                {line}
            </p>
        })}
    }
}

#[component]
fn ChatCard(chat: ChatChannel, tr: Memo<Tr>) -> impl IntoView {
    let state = use_widget();
    let unanswered = RwSignal::new(false);
    let kind = ChannelKind::Chat;
    let action = match chat.url {
        Some(url) => view! {
            <a
                class="ac-button"
                href=url.as_str().to_owned()
                target="_blank"
                rel="noopener noreferrer"
                on:click={super::handler(move |_| {
                    channel_event(state, kind, "chat");
                    state.emit("chat-handoff", &[("url", url.as_str().into()), ("order_id", state.order_id().map_or(wasm_bindgen::JsValue::NULL, Into::into))]);
                })}
                data-testid="chat-start"
            >
                {text(tr, |t| t.chat_start)}
            </a>
        }
        .into_any(),
        None => view! {
            <button
                type="button"
                class="ac-button"
                on:click={super::handler(move |_| {
                    channel_event(state, kind, "chat");
                    // The host page claims the hand-off with `event.preventDefault()`.
                    let handled = !state.emit("chat-handoff", &[("order_id", state.order_id().map_or(wasm_bindgen::JsValue::NULL, Into::into))]);
                    unanswered.set(!handled);
                })}
                data-testid="chat-start"
            >
                {text(tr, |t| t.chat_start)}
            </button>
        }
        .into_any(),
    };
    view! {
        <Card kind tr title=|t| t.chat_title>
            <Availability schedule=chat.schedule tr testid="chat-status"/>
            <div class="ac-actions">{action}</div>
            <p class="ac-muted" role="status" hidden=move || !unanswered.get() data-testid="chat-unanswered">
                {text(tr, |t| t.chat_unanswered)}
            </p>
        </Card>
    }
}

#[component]
fn PhoneCard(phone: PhoneChannel, tr: Memo<Tr>) -> impl IntoView {
    let state = use_widget();
    let kind = ChannelKind::Phone;
    let copy_status = RwSignal::new(None::<bool>);
    let number = phone.number.as_str().to_owned();
    let href = phone.number.tel_href();
    let copy = {
        let number = number.clone();
        move |_| {
            channel_event(state, kind, "copy");
            let number = number.clone();
            leptos::task::spawn_local(async move {
                copy_status.set(Some(write_clipboard(&number).await));
            });
        }
    };
    let menu_key = phone.menu_key.map(|key| key.as_str().to_owned());
    view! {
        <Card kind tr title=|t| t.phone_title>
            <p class="ac-phone__number" data-testid="phone-number">{number}</p>
            <Availability schedule=phone.schedule tr testid="phone-status"/>
            {menu_key.map(|key| view! {
                <p class="ac-muted" data-testid="phone-menu">{redraw(move || tr.get().menu_hint(&key))}</p>
            })}
            <div class="ac-actions">
                <a class="ac-button" href=href on:click={super::handler(move |_| channel_event(state, kind, "call"))} data-testid="phone-call">
                    {text(tr, |t| t.call)}
                </a>
                <button type="button" class="ac-button ac-button--secondary" on:click={super::handler(copy)} data-testid="phone-copy">
                    {text(tr, |t| t.copy_number)}
                </button>
            </div>
            <p class="ac-muted" role="status" data-testid="phone-copy-status">
                {move || copy_status.get().map(|ok| if ok { tr.get().copied } else { tr.get().copy_failed })}
            </p>
        </Card>
    }
}

/// `navigator.clipboard.writeText(text)`; `false` where the browser refuses.
async fn write_clipboard(text: &str) -> bool {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else { return false };
    let Ok(clipboard) = Reflect::get(&window.navigator(), &"clipboard".into()) else { return false };
    let Ok(write) = Reflect::get(&clipboard, &"writeText".into()).and_then(|f| f.dyn_into::<Function>()) else {
        return false;
    };
    let Ok(promise) = write.call1(&clipboard, &text.into()).and_then(|p| p.dyn_into::<Promise>()) else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[component]
fn EmailCard(email: EmailChannel, tr: Memo<Tr>) -> impl IntoView {
    let state = use_widget();
    let kind = ChannelKind::Email;
    let address = email.address.as_str().to_owned();
    let href = {
        let address = address.clone();
        move || {
            let (subject, body) = tr.get().email_draft(state.order_id().as_deref());
            mailto(&address, &subject, &body)
        }
    };
    view! {
        <Card kind tr title=|t| t.email_title>
            <p class="ac-email__address" data-testid="email-address">{address}</p>
            {email.reply_working_days.map(|days| view! { <p class="ac-hours">{redraw(move || tr.get().reply_time(days))}</p> })}
            <div class="ac-actions">
                <a class="ac-button" href=href on:click={super::handler(move |_| channel_event(state, kind, "email"))} data-testid="email-link">
                    {text(tr, |t| t.write_email)}
                </a>
            </div>
        </Card>
    }
}

#[component]
fn WeiboCard(weibo: WeiboAccount, tr: Memo<Tr>) -> impl IntoView {
    let state = use_widget();
    let kind = ChannelKind::Weibo;
    view! {
        <Card kind tr title=|t| t.weibo_title>
            <p>
                <a
                    class="ac-link"
                    href=weibo.url.as_str().to_owned()
                    target="_blank"
                    rel="noopener noreferrer"
                    on:click={super::handler(move |_| channel_event(state, kind, "open"))}
                    data-testid="weibo-link"
                >
                    {weibo.name.as_str().to_owned()}
                </a>
            </p>
            <p class="ac-muted">{text(tr, |t| t.weibo_hint)}</p>
        </Card>
    }
}

#[component]
fn WechatCard(wechat: WechatAccount, tr: Memo<Tr>) -> impl IntoView {
    let kind = ChannelKind::Wechat;
    let name = wechat.name.as_str().to_owned();
    let qr = wechat.qr_url.as_str().to_owned();
    view! {
        <Card kind tr title=|t| t.wechat_title>
            <div class="ac-wechat">
                // Its place is kept while the QR chunk arrives: nothing moves when it does.
                <div class="ac-qr-slot">
                    <Chunk tr load={
                        let name = name.clone();
                        move || chunks::qr(qr.clone(), tr, name.clone())
                    }/>
                </div>
                <div>
                    <p class="ac-wechat__name" data-testid="wechat-name">{name}</p>
                    <p class="ac-muted">{text(tr, |t| t.wechat_hint)}</p>
                </div>
            </div>
        </Card>
    }
}
