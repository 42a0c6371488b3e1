//! The widget's reactive state, shared with every component through context.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::config::{ChannelKind, WidgetConfig};
use crate::locale::Locale;
use crate::order::Order;

/// The host page's elements the widget talks to: `<aftercare-widget>` (where events are
/// dispatched) and the loader's launcher button (label, `aria-expanded`, focus return).
pub struct HostElements {
    pub host: HtmlElement,
    pub launcher: HtmlElement,
    /// The loader's `requestToken()`: asks the host page for a fresh order token.
    pub request_token: Option<js_sys::Function>,
}

#[derive(Clone, Copy)]
pub struct WidgetState {
    pub open: RwSignal<bool>,
    pub locale: RwSignal<Locale>,
    pub config: RwSignal<WidgetConfig>,
    pub order: RwSignal<Option<Order>>,
    /// Kept for the backend calls; nothing shows it.
    pub order_token: RwSignal<Option<String>>,
    /// The channel `openChannel(kind)` asked to show.
    pub highlighted: RwSignal<Option<ChannelKind>>,
    /// Milliseconds since the epoch, refreshed while the panel is open.
    pub now: RwSignal<f64>,
    pub host: StoredValue<HostElements, LocalStorage>,
    /// The backend's base URL (`data-endpoint`), if any.
    pub endpoint: StoredValue<Option<String>>,
    /// `data-merchant`.
    pub merchant: StoredValue<Option<String>>,
    /// What the embed knows of how to reach the shopper (`data-contact`), to prefill.
    pub contact: StoredValue<aftercare_protocol::case::Contact>,
    /// `openAfterSale(type?)` asked for the case flow (at that problem type).
    pub case_request: RwSignal<Option<Option<aftercare_protocol::case::ProblemType>>>,
    /// Updates on the shopper's cases not yet seen: the launcher's badge. The loader
    /// asked the backend before the widget loaded (`data-unread` on the launcher);
    /// My requests clears it once shown.
    pub unread: RwSignal<u64>,
    /// My requests asked for: at the case `openCase(id)` named, or (empty) the list.
    pub case_focus: RwSignal<Option<String>>,
    /// `data-mode="inline"`: always open in the page's flow, never a modal.
    pub inline: bool,
    /// Whether `style/case.css` is in the shadow root (the case flow's or My requests'
    /// chunk adopts it when it first draws).
    pub case_styles: StoredValue<bool>,
}

impl WidgetState {
    pub fn new(
        host: HostElements,
        locale: Locale,
        config: WidgetConfig,
        order: Option<Order>,
        inline: bool,
    ) -> WidgetState {
        WidgetState {
            open: RwSignal::new(false),
            locale: RwSignal::new(locale),
            config: RwSignal::new(config),
            order: RwSignal::new(order),
            order_token: RwSignal::new(None),
            highlighted: RwSignal::new(None),
            now: RwSignal::new(crate::clock::now_millis()),
            host: StoredValue::new_local(host),
            endpoint: StoredValue::new(None),
            merchant: StoredValue::new(None),
            contact: StoredValue::new(Default::default()),
            case_request: RwSignal::new(None),
            unread: RwSignal::new(0),
            case_focus: RwSignal::new(None),
            inline,
            case_styles: StoredValue::new(false),
        }
    }

    /// Dispatches `aftercare:{name}` on the host element, its `detail` an object of
    /// `fields`. Returns `false` when a listener called `preventDefault()`.
    pub fn emit(&self, name: &str, fields: &[(&str, wasm_bindgen::JsValue)]) -> bool {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init.set_detail(&crate::json::object(fields));
        let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("aftercare:{name}"), &init) else {
            return true;
        };
        self.host.with_value(|elements| elements.host.dispatch_event(&event).unwrap_or(true))
    }

    pub fn open(&self) {
        if !self.open.get_untracked() {
            self.now.set(crate::clock::now_millis());
            self.open.set(true);
            self.emit("open", &[]);
        }
    }

    /// Closes the panel and returns focus to the launcher.
    pub fn close(&self) {
        if self.open.get_untracked() && !self.inline {
            self.open.set(false);
            self.highlighted.set(None);
            self.focus_launcher();
            self.emit("close", &[]);
        }
    }

    pub fn order_id(&self) -> Option<String> {
        self.order.with(|order| order.as_ref().map(|order| order.id.clone()))
    }

    pub fn focus_launcher(&self) {
        self.host.with_value(|elements| {
            let _ = elements.launcher.focus();
        });
    }

    /// Asks the host page for a fresh order token (it fires `aftercare:token-expired`
    /// and calls the page's `onTokenRequest` handler). Returns whether one came.
    pub async fn refresh_token(&self) -> bool {
        let Some(request) = self.host.with_value(|elements| elements.request_token.clone()) else { return false };
        let Ok(promise) = request.call0(&wasm_bindgen::JsValue::NULL) else { return false };
        let Ok(token) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&promise)).await else {
            return false;
        };
        match token.as_string().filter(|t| !t.is_empty()) {
            Some(token) => {
                self.order_token.set(Some(token));
                true
            }
            None => false,
        }
    }

    pub fn launcher(&self) -> HtmlElement {
        self.host.with_value(|elements| elements.launcher.clone().unchecked_into())
    }
}

/// The widget state from context.
#[track_caller]
pub fn use_widget() -> WidgetState {
    expect_context::<WidgetState>()
}
