//! [`AftercareWidget`]: the widget as a Leptos component, for Leptos apps that depend
//! on this crate instead of loading the script tag. It builds what the loader builds —
//! an `<aftercare-widget>` host with an open shadow root, the launcher button and a
//! mount point — and starts the same [`App`](crate::ui::App) inside it through
//! `embed::launch`, so the two ways in cannot drift apart. The props are typed: the
//! order is an [`Order`], the locale a [`Locale`], and the three that change while a
//! single-page app runs (order, order token, locale) are signals the widget follows.

use leptos::html::Custom;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::embed::{launch, Widget};
use crate::locale::Locale;
use crate::order::Order;
use crate::settings::Settings;
use crate::state::HostElements;

/// The launcher's stylesheet, shared with the loader (which has it written in at build).
const LAUNCHER_CSS: &str = include_str!(concat!(env!("AFTERCARE_STYLE_DIR"), "/launcher.css"));

/// How long the widget waits for the host app to set a fresh order token after
/// `aftercare:token-expired`, before it shows the refusal.
pub const TOKEN_WAIT_MS: i32 = 15_000;

/// Those waiting for the host app's next order token: the resolve functions of the
/// promises the widget's token requests returned.
type Waiting = StoredValue<Vec<js_sys::Function>, LocalStorage>;

/// Where the widget sits in the host app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// A floating launcher that opens the panel as a dialog (the script tag's default).
    #[default]
    Popup,
    /// The panel in the app's flow, always open: no launcher, no modal, no focus trap
    /// (`data-mode="inline"`).
    Inline,
}

/// The after-sale widget, mounted where this component is.
///
/// ```no_run
/// use aftercare_widget::component::{AftercareWidget, Mode};
/// use aftercare_widget::order::Order;
/// use leptos::prelude::*;
///
/// #[component]
/// fn OrderPage(order: ReadSignal<Option<Order>>, token: ReadSignal<Option<String>>) -> impl IntoView {
///     view! {
///         <h1>"Order details"</h1>
///         <AftercareWidget
///             endpoint="https://support.shop.example/"
///             merchant="m_123"
///             order=order
///             order_token=token
///             mode=Mode::Inline
///         />
///     }
/// }
/// ```
///
/// When the backend says the order token expired, the widget dispatches
/// `aftercare:token-expired` on its `<aftercare-widget>` element; set a fresh token on
/// the `order_token` signal. The widget waits for it (up to [`TOKEN_WAIT_MS`]) and
/// repeats the call that was refused, as it does with the script tag's `onTokenRequest`.
#[component]
pub fn AftercareWidget(
    /// The reference backend's base URL (`data-endpoint`), resolved against the page's
    /// URL. Without one the widget shows its channels and FAQ and files nothing.
    #[prop(into, optional)]
    endpoint: Option<String>,
    /// The merchant's id at the backend (`data-merchant`).
    #[prop(into, optional)]
    merchant: Option<String>,
    /// The order the shopper is looking at (`data-order`).
    #[prop(into, optional)]
    order: Signal<Option<Order>>,
    /// The order token the merchant's server minted for it (`data-order-token`).
    #[prop(into, optional)]
    order_token: Signal<Option<String>>,
    /// The language; without one, `<html lang>` and then the browser's languages decide.
    #[prop(into, optional)]
    locale: Signal<Option<Locale>>,
    /// A configuration layer over the backend's, as JSON (`data-config`).
    #[prop(into, optional)]
    config: Option<String>,
    /// Popup (the default) or inline.
    #[prop(optional)]
    mode: Mode,
) -> impl IntoView {
    let host = NodeRef::<Custom<&'static str>>::new();
    // The widget's own owner is made under the component's, so unmounting the
    // component cleans up its effects, timers and requests.
    let owner = Owner::current().expect("AftercareWidget is rendered inside a Leptos owner");
    let settings = Settings {
        endpoint: endpoint.map(|e| resolve(&e)),
        merchant,
        locales: locales(locale.get_untracked()),
        order: None,
        order_token: None,
        contact: None,
        config,
        inline: mode == Mode::Inline,
    };
    host.on_load(move |host: HtmlElement| {
        owner.with(|| {
            let waiting = StoredValue::new_local(Vec::new());
            match mount(host, settings, order.get_untracked(), waiting) {
                Ok(widget) => follow(widget, order, order_token, locale, waiting),
                Err(error) => web_sys::console::error_2(&"[aftercare] the widget could not start".into(), &error),
            }
        })
    });
    leptos::html::custom("aftercare-widget")
        .node_ref(host)
        .attr("data-mode", (mode == Mode::Inline).then_some("inline"))
}

/// Builds the shadow root, launcher and mount point inside `host`, as the loader does,
/// and starts the widget there.
fn mount(host: HtmlElement, settings: Settings, order: Option<Order>, waiting: Waiting) -> Result<Widget, JsValue> {
    let document = host.owner_document().ok_or("no document")?;
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(LAUNCHER_CSS)?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    let launcher: HtmlElement = document.create_element("button")?.unchecked_into();
    launcher.set_attribute("type", "button")?;
    launcher.set_class_name("ac-launcher");
    launcher.set_attribute("aria-haspopup", "dialog")?;
    launcher.set_attribute("aria-expanded", "false")?;
    launcher.set_attribute("data-testid", "launcher")?;
    launcher.set_hidden(settings.inline);
    let mount_point: HtmlElement = document.create_element("div")?.unchecked_into();
    shadow.append_with_node_2(&launcher, &mount_point)?;

    let inline = settings.inline;
    let request_token = token_request(&host, waiting);
    let elements = HostElements { host, launcher: launcher.clone(), request_token: Some(request_token) };
    let widget = launch(elements, shadow, mount_point, settings, order)?;
    let state = widget.state();
    if inline {
        state.open();
    } else {
        let toggle =
            Closure::<dyn Fn()>::new(move || if state.open.get_untracked() { state.close() } else { state.open() });
        launcher.add_event_listener_with_callback("click", toggle.as_ref().unchecked_ref())?;
        // Dropped (and so unusable) with the owner, when the launcher is gone too.
        StoredValue::new_local(toggle);
    }
    Ok(widget)
}

/// What the widget calls when the backend refused the order token as expired: tells the
/// host app (`aftercare:token-expired` on the host element) and returns a promise of the
/// next token the app sets on its signal ([`follow`] resolves it), or of `null` after
/// [`TOKEN_WAIT_MS`]. Kept, like the launcher's listener, until the owner goes.
fn token_request(host: &HtmlElement, waiting: Waiting) -> js_sys::Function {
    let host = host.clone();
    let request = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        // Waiting before the app is told, so a token it sets at once is not missed.
        let next = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(
                    &resolve,
                    TOKEN_WAIT_MS,
                    &JsValue::NULL,
                );
            }
            waiting.update_value(|waiting| waiting.push(resolve));
        });
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("aftercare:token-expired", &init) {
            let _ = host.dispatch_event(&event);
        }
        next
    });
    let function = request.as_ref().unchecked_ref::<js_sys::Function>().clone();
    StoredValue::new_local(request);
    function
}

/// Keeps the widget's order, token and locale in step with the props' signals. The
/// widget started with their values; only changes are passed on.
fn follow(
    widget: Widget,
    order: Signal<Option<Order>>,
    token: Signal<Option<String>>,
    locale: Signal<Option<Locale>>,
    waiting: Waiting,
) {
    let state = widget.state();
    state.order_token.set(token.get_untracked().filter(|t| !t.is_empty()));
    // Both below skip their first run (the widget was started with these values).
    let mut started = false;
    crate::ui::effect(move || {
        let order = order.get();
        if std::mem::replace(&mut started, true) {
            state.order.set(order);
        }
    });
    let mut started = false;
    crate::ui::effect(move || {
        let token = token.get().filter(|t| !t.is_empty());
        if std::mem::replace(&mut started, true) {
            // A request waiting for this token gets it (and repeats what was refused).
            let answer = token.as_deref().map_or(JsValue::NULL, JsValue::from_str);
            for resolve in waiting.try_update_value(std::mem::take).unwrap_or_default() {
                let _ = resolve.call1(&JsValue::NULL, &answer);
            }
            state.order_token.set(token);
        }
    });
    crate::ui::effect(move || {
        if let Some(locale) = locale.get() {
            state.locale.set(locale);
        }
    });
    StoredValue::new_local(widget);
}

/// The languages to choose from, best first: the prop, `<html lang>`, the browser's.
fn locales(chosen: Option<Locale>) -> Vec<String> {
    let window = web_sys::window();
    let page =
        window.as_ref().and_then(|w| w.document()).and_then(|d| d.document_element()).map(|e| e.get_attribute("lang"));
    let browser = window.map(|w| w.navigator().languages().iter().filter_map(|l| l.as_string()).collect::<Vec<_>>());
    chosen.map(|l| l.tag().to_owned()).into_iter().chain(page.flatten()).chain(browser.unwrap_or_default()).collect()
}

/// `endpoint` resolved against the page's URL, as the loader does with `data-endpoint`.
fn resolve(endpoint: &str) -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .and_then(|base| web_sys::Url::new_with_base(endpoint, &base).ok())
        .map_or_else(|| endpoint.to_owned(), |url| url.href())
}
