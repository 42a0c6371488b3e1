//! The boundary with the loader: `start()` mounts the panel into the shadow root the
//! loader made, and returns the [`Widget`] handle whose methods back
//! `window.Aftercare`. The loader wraps every call in `try`/`catch`, so a failure here
//! (a panic is a wasm trap under `panic = "abort"`) hides the widget instead of
//! breaking the host page.

use leptos::prelude::*;
use std::any::Any;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};

use crate::config::{ChannelKind, Layer, WidgetConfig};
use crate::json::Js;
use crate::locale::Locale;
use crate::order::Order;
use crate::settings::Settings;
use crate::state::{HostElements, WidgetState};
use crate::ui::App;
use aftercare_protocol::case::{Contact, ProblemType};
use aftercare_protocol::read::{At, Json, Read};

const WIDGET_CSS: &str = include_str!(concat!(env!("AFTERCARE_STYLE_DIR"), "/widget.css"));

pub(crate) fn console_error(message: &str) {
    web_sys::console::error_1(&format!("[aftercare] {message}").into());
}

#[wasm_bindgen]
pub struct Widget {
    state: WidgetState,
    /// Owns everything reactive the widget made: cleaning it up stops its effects,
    /// timers and requests (`shutdown`).
    owner: Owner,
    /// The mounted view (a `leptos::mount::UnmountHandle` of `App`'s view state):
    /// dropping it takes the panel out of the shadow root and frees what rendered it.
    view: Box<dyn Any>,
}

/// Mounts the widget. `mount_point` is an element inside `shadow`; `launcher` is the
/// loader's button; `settings` is [`Settings`] as JSON.
#[wasm_bindgen]
pub fn start(
    host: HtmlElement,
    shadow: ShadowRoot,
    launcher: HtmlElement,
    mount_point: HtmlElement,
    settings: &str,
    request_token: Option<js_sys::Function>,
) -> Result<Widget, JsValue> {
    let settings = Settings::parse::<Js>(settings).unwrap_or_else(|error| {
        console_error(&error);
        Settings::default()
    });
    let order = settings.order.as_deref().and_then(parse_order);
    launch(HostElements { host, launcher, request_token }, shadow, mount_point, settings, order)
}

/// What [`start`] and the [`AftercareWidget`](crate::component::AftercareWidget)
/// component share: mounts `App` into `shadow` under an owner of its own.
pub(crate) fn launch(
    elements: HostElements,
    shadow: ShadowRoot,
    mount_point: HtmlElement,
    settings: Settings,
    order: Option<Order>,
) -> Result<Widget, JsValue> {
    console_error_panic_hook::set_once();
    adopt_stylesheet(&shadow, WIDGET_CSS)?;

    let locale = Locale::choose(settings.locales.iter().map(String::as_str));
    let tag_config = settings.config.clone();
    let config = load_config(None, tag_config.as_deref());

    let unread = elements.launcher.get_attribute("data-unread").and_then(|n| n.trim_end_matches('+').parse().ok());
    // Everything reactive is made under one owner, so `shutdown` can clean it all up.
    let owner = Owner::new();
    let (state, view) = owner.with(|| {
        let state = WidgetState::new(elements, locale, config, order, settings.inline);
        state.unread.set(unread.unwrap_or(0));
        state.endpoint.set_value(settings.endpoint.clone().filter(|e| !e.is_empty()));
        state.merchant.set_value(settings.merchant.clone());
        if let Some(json) = settings.contact.as_deref() {
            let at = At::Root("data-contact");
            match Js::parse(json).ok_or_else(|| at.invalid("is not valid JSON")).and_then(|v| Contact::read(&v, &at)) {
                Ok(contact) => state.contact.set_value(contact),
                Err(error) => console_error(&format!("invalid {error}")),
            }
        }
        state.order_token.set(settings.order_token.clone().filter(|t| !t.is_empty()));
        let view = leptos::mount::mount_to(mount_point, move || {
            provide_context(state);
            view! { <App/> }
        });
        (state, Box::new(view) as Box<dyn Any>)
    });
    if settings.inline {
        // In the page's flow: a region of the page, not a modal dialog.
        if let Ok(Some(panel)) = shadow.query_selector(".ac-panel") {
            let _ = panel.set_attribute("role", "region");
            let _ = panel.remove_attribute("aria-modal");
        }
    }

    match settings.widget_config_url() {
        Ok(Some(url)) => {
            let merchant = settings.merchant.clone().unwrap_or_default();
            leptos::task::spawn_local(async move {
                match crate::api::widget_config(&url, &merchant).await {
                    Ok(remote) => state.config.set(load_config(Some(&remote), tag_config.as_deref())),
                    Err(error) => console_error(&format!("{url}: {error}; using the tag's configuration")),
                }
            });
        }
        Ok(None) => {}
        Err(error) => console_error(&error),
    }
    Ok(Widget { state, owner, view })
}

impl Widget {
    /// The reactive state, for the Leptos component's props.
    pub(crate) fn state(&self) -> WidgetState {
        self.state
    }
}

#[wasm_bindgen]
impl Widget {
    pub fn open(&self) {
        self.state.open();
    }

    pub fn close(&self) {
        self.state.close();
    }

    pub fn toggle(&self) {
        if self.state.open.get_untracked() {
            self.close()
        } else {
            self.open()
        }
    }

    /// Opens the panel on one channel (`chat`, `phone`, `email`, `weibo`, `wechat`).
    #[wasm_bindgen(js_name = openChannel)]
    pub fn open_channel(&self, kind: &str) {
        #[cfg(feature = "test-hooks")]
        if kind == "panic" {
            panic!("test-only panic requested through openChannel(\"panic\")");
        }
        let Some(kind) = ChannelKind::parse(kind) else {
            console_error(&format!("openChannel: unknown channel \"{kind}\" (chat, phone, email, weibo, wechat)"));
            return;
        };
        if !self.state.config.with_untracked(|config| config.channels.has(kind)) {
            console_error(&format!("openChannel: channel \"{}\" is not configured", kind.as_str()));
        }
        self.open();
        self.state.highlighted.set(Some(kind));
    }

    /// Opens the guided after-sale request, at a problem type if one is named.
    #[wasm_bindgen(js_name = openAfterSale)]
    pub fn open_after_sale(&self, kind: Option<String>) {
        let kind = match kind.as_deref().map(|k| (k, ProblemType::parse(k))) {
            None => None,
            Some((_, Some(kind))) => Some(kind),
            Some((name, None)) => {
                console_error(&format!(
                    "openAfterSale: unknown problem type \"{name}\" (quality, logistics, not_as_described, seller_service, no_reason_return)"
                ));
                None
            }
        };
        self.open();
        self.state.case_request.set(Some(kind));
    }

    /// Opens My requests at case `id` (the link in the shopper's email: the page's
    /// `?aftercare_case=`).
    #[wasm_bindgen(js_name = openCase)]
    pub fn open_case(&self, id: String) {
        self.open();
        self.state.case_focus.set(Some(id));
    }

    /// Opens My requests.
    #[wasm_bindgen(js_name = openRequests)]
    pub fn open_requests(&self) {
        self.open_case(String::new());
    }

    /// `Aftercare.shutdown()`: unmounts the panel, stops the widget's effects, timers
    /// and requests, and frees the widget (the JS object can take no further calls); the
    /// loader removes the host element.
    pub fn shutdown(self) {
        let Widget { view, owner, .. } = self;
        drop(view);
        owner.cleanup();
    }

    /// Replaces the order context (JSON text; the loader stringifies objects).
    #[wasm_bindgen(js_name = setOrder)]
    pub fn set_order(&self, json: &str) {
        if let Some(order) = parse_order(json) {
            self.state.order.set(Some(order));
        }
    }

    #[wasm_bindgen(js_name = setOrderToken)]
    pub fn set_order_token(&self, token: Option<String>) {
        self.state.order_token.set(token.filter(|t| !t.is_empty()));
    }

    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: &str) {
        match Locale::from_tag(tag) {
            Some(locale) => self.state.locale.set(locale),
            None => console_error(&format!("setLocale: \"{tag}\" is not supported (zh-CN, en)")),
        }
    }
}

/// Benchmark hook (test builds only): the photo pipeline's downscale, on its own.
#[cfg(feature = "test-hooks")]
#[wasm_bindgen]
pub async fn bench_downscale(photo: web_sys::Blob, max_edge: u32, quality: f64) -> Result<web_sys::Blob, JsValue> {
    crate::upload::image::downscale(&photo, max_edge, "image/jpeg", quality).await.map(|(blob, _, _)| blob)
}

/// Adds `css` to the shadow root's adopted stylesheets, after those already there.
pub(crate) fn adopt_stylesheet(shadow: &ShadowRoot, css: &str) -> Result<(), JsValue> {
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(css)?;
    let sheets = js_sys::Array::from(&shadow.adopted_style_sheets());
    sheets.push(&sheet);
    shadow.set_adopted_style_sheets(&sheets);
    Ok(())
}

fn load_config(remote: Option<&str>, tag: Option<&str>) -> WidgetConfig {
    let mut layers = Vec::new();
    if let Some(json) = remote {
        layers.push(Layer::new("widget-config response", json));
    }
    if let Some(json) = tag {
        layers.push(Layer { source: "data-config", json, tightens_limits: true });
    }
    let (config, errors) = WidgetConfig::load_with::<Js>(&layers);
    for error in errors {
        console_error(&format!("invalid configuration, {error}"));
    }
    for (kind, schedule) in [
        ("chat", config.channels.chat.as_ref().map(|c| &c.schedule)),
        ("phone", config.channels.phone.as_ref().map(|p| &p.schedule)),
    ] {
        if let Some(schedule) = schedule.filter(|s| !s.always && !crate::clock::is_known_zone(&s.timezone)) {
            console_error(&format!(
                "invalid configuration, channels.{kind}.schedule.timezone: \"{}\" is not a time zone this browser knows",
                schedule.timezone
            ));
        }
    }
    config
}

fn parse_order(json: &str) -> Option<Order> {
    Order::parse_with::<Js>(json).map_err(|error| console_error(&format!("invalid order context, {error}"))).ok()
}
