//! Components in headless Chromium: mount the widget into a shadow root the way the
//! loader does, click, let the reactive system settle, then assert on `data-testid`s.
#![cfg(target_arch = "wasm32")]

use aftercare_widget::embed::{start, Widget};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit, ShadowRoot, ShadowRootInit,
    ShadowRootMode,
};

wasm_bindgen_test_configure!(run_in_browser);

/// What the loader makes before it starts the widget: the host element in the page, its
/// open shadow root, and in it the launcher and the mount point.
fn elements() -> (HtmlElement, ShadowRoot, HtmlElement, HtmlElement) {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("aftercare-widget").unwrap().unchecked_into();
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    let launcher: HtmlElement = document.create_element("button").unwrap().unchecked_into();
    let mount: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    shadow.append_child(&launcher).unwrap();
    shadow.append_child(&mount).unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    (host, shadow, launcher, mount)
}

struct Mounted {
    host: HtmlElement,
    shadow: ShadowRoot,
    launcher: HtmlElement,
    widget: Widget,
}

impl Mounted {
    fn new(settings: &str) -> Mounted {
        let (host, shadow, launcher, mount) = elements();
        let widget = start(host.clone(), shadow.clone(), launcher.clone(), mount, settings, None).unwrap();
        Mounted { host, shadow, launcher, widget }
    }

    fn find(&self, testid: &str) -> Option<Element> {
        self.shadow.query_selector(&format!("[data-testid='{testid}']")).unwrap()
    }

    fn get(&self, testid: &str) -> HtmlElement {
        self.find(testid).unwrap_or_else(|| panic!("no element with data-testid={testid}")).unchecked_into()
    }

    fn count(&self, testid: &str) -> u32 {
        self.shadow.query_selector_all(&format!("[data-testid='{testid}']")).unwrap().length()
    }

    fn text(&self, testid: &str) -> String {
        self.get(testid).text_content().unwrap_or_default()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

/// Lets effects and microtasks run: resolves on the next macrotask.
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback(&resolve).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn key(target: &HtmlElement, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}

const DEMO_CONFIG: &str = r#"{"channels":{"phone":{"menu_key":"2"},"weibo":{"name":"@demo","url":"https://weibo.example/demo"},"wechat":{"name":"Demo","qr_url":"https://wechat.example/demo"}}}"#;

fn settings(locale: &str, config: Option<&str>) -> String {
    serde_json::json!({
        "locales": [locale],
        "order": r#"{"id":"20261128-0042","items":[]}"#,
        "config": config,
    })
    .to_string()
}

#[wasm_bindgen_test]
async fn opens_as_a_dialog_with_the_seed_channels() {
    let m = Mounted::new(&settings("zh-CN", None));
    tick().await;
    assert_eq!(m.launcher.text_content().unwrap(), "联系客服");
    assert!(m.get("panel").hidden(), "closed until opened");

    m.widget.open();
    tick().await;
    let panel = m.get("panel");
    assert!(!panel.hidden());
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(panel.get_attribute("aria-modal").as_deref(), Some("true"));
    assert_eq!(m.launcher.get_attribute("aria-expanded").as_deref(), Some("true"));
    assert_eq!(m.text("order-number"), "订单号 20261128-0042");
    assert_eq!(m.text("phone-number"), "9510211");
    assert_eq!(m.get("phone-call").get_attribute("href").as_deref(), Some("tel:9510211"));
    assert_eq!(m.text("email-address"), "service@tmall.com");
    assert!(m.find("channel-chat").is_some());
    // Not in the source document, so not shown without configuration.
    assert!(m.find("channel-weibo").is_none() && m.find("channel-wechat").is_none());
    assert!(m.find("phone-menu").is_none());
    assert_eq!(m.count("faq-item"), 7);
}

#[wasm_bindgen_test]
async fn configured_social_accounts_and_menu_key_appear() {
    let m = Mounted::new(&settings("en", Some(DEMO_CONFIG)));
    m.widget.open();
    tick().await;
    assert_eq!(m.text("weibo-link"), "@demo");
    assert_eq!(m.get("weibo-link").get_attribute("href").as_deref(), Some("https://weibo.example/demo"));
    assert_eq!(m.text("wechat-name"), "Demo");
    let qr = m.get("wechat-qr");
    assert!(qr.query_selector("svg path").unwrap().is_some(), "QR drawn as SVG");
    assert_eq!(qr.get_attribute("aria-label").as_deref(), Some("QR code for Demo"));
    assert_eq!(m.text("phone-menu"), "After the greeting, press 2 for after-sale help");
}

#[wasm_bindgen_test]
async fn faq_search_narrows_as_you_type() {
    let m = Mounted::new(&settings("en", None));
    m.widget.open();
    tick().await;
    let input: HtmlInputElement = m.get("faq-search").unchecked_into();
    input.set_value("hotline");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(m.count("faq-item"), 2, "one question, one answer mention it");
    assert!(m.text("faq-item").contains("When is the phone hotline open?"), "question matches first");
    assert!(m.get("faq-empty").hidden());

    input.set_value("xylophone");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    tick().await;
    assert_eq!(m.count("faq-item"), 0);
    assert!(!m.get("faq-empty").hidden());
}

#[wasm_bindgen_test]
async fn escape_closes_and_focus_returns_to_the_launcher() {
    let m = Mounted::new(&settings("en", None));
    let closes = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = closes.clone();
    let listener = Closure::<dyn Fn()>::new(move || counter.set(counter.get() + 1));
    m.host.add_event_listener_with_callback("aftercare:close", listener.as_ref().unchecked_ref()).unwrap();

    m.widget.open();
    tick().await;
    key(&m.get("panel"), "Escape");
    tick().await;
    assert!(m.get("panel").hidden());
    assert_eq!(m.launcher.get_attribute("aria-expanded").as_deref(), Some("false"));
    assert_eq!(m.shadow.active_element().as_ref(), Some(m.launcher.unchecked_ref::<Element>()));
    assert_eq!(closes.get(), 1);
}

#[wasm_bindgen_test]
async fn locale_switches_every_string() {
    let m = Mounted::new(&settings("en", None));
    m.widget.open();
    tick().await;
    assert_eq!(m.launcher.text_content().unwrap(), "Contact support");
    assert!(m.text("channel-phone").contains("Copy number"));
    m.widget.set_locale("zh-CN");
    tick().await;
    assert_eq!(m.launcher.text_content().unwrap(), "联系客服");
    assert!(m.text("channel-phone").contains("复制号码"));
    assert!(m.text("faq-list").contains("天猫客服电话的服务时间是什么时候?"));
    m.widget.set_locale("fr");
    tick().await;
    assert_eq!(m.launcher.text_content().unwrap(), "联系客服", "an unsupported locale changes nothing");
}

#[wasm_bindgen_test]
async fn chat_handoff_is_answered_by_the_host_or_explained() {
    let m = Mounted::new(&settings("en", None));
    m.widget.open();
    tick().await;
    m.get("chat-start").click();
    tick().await;
    assert!(!m.get("chat-unanswered").hidden(), "nobody answered the hand-off");

    let claim = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| event.prevent_default());
    m.host.add_event_listener_with_callback("aftercare:chat-handoff", claim.as_ref().unchecked_ref()).unwrap();
    m.get("chat-start").click();
    tick().await;
    assert!(m.get("chat-unanswered").hidden(), "the host page opened its chat");
}

#[wasm_bindgen_test]
async fn open_channel_highlights_and_focuses_the_card() {
    let m = Mounted::new(&settings("en", None));
    m.widget.open_channel("email");
    tick().await;
    tick().await;
    let card = m.get("channel-email");
    assert!(card.class_list().contains("ac-card--highlight"));
    assert_eq!(m.shadow.active_element().as_ref(), Some(card.unchecked_ref::<Element>()));
}

#[wasm_bindgen_test]
async fn invalid_order_is_ignored_and_a_valid_one_replaces_it() {
    let m = Mounted::new(&serde_json::json!({"locales": ["en"], "order": "{\"id\":\"\"}"}).to_string());
    m.widget.open();
    tick().await;
    assert!(m.find("order-number").is_none());
    m.widget.set_order(r#"{"id":"A-1","items":[]}"#);
    tick().await;
    assert_eq!(m.text("order-number"), "Order A-1");
    let href = m.get("email-link").get_attribute("href").unwrap();
    assert!(
        href.starts_with("mailto:service@tmall.com?subject=After-sale%20problem%20%E2%80%93%20Order%20A-1&body="),
        "{href}"
    );
}

/// The demo order (two items, delivered) with a backend endpoint, so the case flow is offered.
fn case_settings(locale: &str) -> String {
    serde_json::json!({
        "locales": [locale],
        "endpoint": "http://127.0.0.1:9/",
        "order": r#"{"id":"20261128-0042","items":[{"id":"item-1","name":"Bottle","quantity":1,"price":12900,"currency":"CNY"},{"id":"item-2","name":"Earbuds","quantity":1,"price":39900,"currency":"CNY"}],"state":"delivered","delivered_at":"2026-11-25","carrier":"SF Express","tracking_number":"SF1"}"#,
        "contact": r#"{"phone":"138 0013 8000"}"#,
    })
    .to_string()
}

fn click(m: &Mounted, testid: &str) {
    m.get(testid).click();
}

fn step(m: &Mounted) -> String {
    m.get("case-flow").get_attribute("data-step").unwrap_or_default()
}

#[wasm_bindgen_test]
async fn case_steps_render_the_flow_and_say_what_is_missing_in_both_languages() {
    let m = Mounted::new(&case_settings("en"));
    m.widget.open();
    tick().await;
    click(&m, "case-start");
    tick().await;
    assert_eq!(step(&m), "items");
    assert_eq!(m.count("case-item"), 2);
    click(&m, "case-next");
    tick().await;
    assert_eq!(m.text("case-errors"), "Choose at least one item.");
    m.widget.set_locale("zh-CN");
    tick().await;
    assert_eq!(m.text("case-errors"), "请选择至少一件商品。", "errors follow the language");
    m.widget.set_locale("en");
    let item: HtmlInputElement = m.get("case-item").query_selector("input").unwrap().unwrap().unchecked_into();
    item.click();
    tick().await;
    click(&m, "case-next");
    tick().await;
    assert_eq!(step(&m), "problem");
    assert_eq!(m.text("case-errors"), "", "moving on clears the errors");
    click(&m, "case-next");
    tick().await;
    assert_eq!(m.text("case-errors"), "Choose what kind of problem it is.");
    let problem: HtmlInputElement =
        m.get("case-problem-quality").query_selector("input").unwrap().unwrap().unchecked_into();
    problem.click();
    tick().await;
    assert_eq!(m.count("case-reasons"), 1, "reasons appear for the chosen type");
    let reason: HtmlInputElement =
        m.get("case-reason-broken").query_selector("input").unwrap().unwrap().unchecked_into();
    reason.click();
    tick().await;
    click(&m, "case-next");
    tick().await;
    assert_eq!(step(&m), "guidance");
    assert!(m.text("case-guidance").contains("Tell the seller what is wrong and show it"));
    click(&m, "case-next");
    tick().await;
    assert_eq!(step(&m), "resolution");
    let offered = m.shadow.query_selector_all("[data-testid^='case-resolution-']").unwrap().length();
    assert_eq!(offered, 3, "return and refund, exchange, refund only after delivery");
    let exchange: HtmlInputElement =
        m.get("case-resolution-exchange").query_selector("input").unwrap().unwrap().unchecked_into();
    exchange.click();
    tick().await;
    click(&m, "case-next");
    tick().await;
    assert_eq!(step(&m), "details");
    assert_eq!(m.text("case-evidence-needed"), "Add at least 1 photo.");
    click(&m, "case-next");
    tick().await;
    let errors = m.text("case-errors");
    assert!(
        errors.contains("Describe the problem (at least 10 characters).")
            && errors.contains("Add at least 1 photo(s) as evidence."),
        "{errors}"
    );
    m.widget.set_locale("zh-CN");
    tick().await;
    let errors = m.text("case-errors");
    assert!(
        errors.contains("请描述问题(至少 10 个字)。") && errors.contains("请至少上传 1 张照片作为凭证。"),
        "{errors}"
    );
    assert_eq!(m.text("case-progress"), "第 5 步,共 7 步");
    // Back keeps answers; leaving from the first step returns to the panel's home.
    click(&m, "case-back");
    tick().await;
    assert_eq!(step(&m), "resolution");
    let exchange: HtmlInputElement =
        m.get("case-resolution-exchange").query_selector("input").unwrap().unwrap().unchecked_into();
    assert!(exchange.checked());
}

/// On wasm32 `usize` is 32 bits: a PNG header whose chunk length is near `u32::MAX` made
/// the size reader's offset wrap and loop for ever on the merchant page's main thread.
/// Here it must simply answer "unknown".
#[wasm_bindgen_test]
fn a_hostile_photo_header_cannot_hang_the_page() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x04\0\0\0\x04\x08\x02\0\0\0\0\0\0\0".to_vec();
    png.extend(0xFFFF_FFF4u32.to_be_bytes()); // at + 12 + length wraps to at itself
    png.extend(b"zzzz");
    png.extend([0u8; 64]);
    assert_eq!(aftercare_protocol::picture::upright_size(&png), None);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF];
    jpeg.extend(b"Exif\0\0MM\0\x2a\xFF\xFF\xFF\xF0");
    assert_eq!(aftercare_protocol::picture::upright_size(&jpeg), None);
}

#[wasm_bindgen_test]
async fn shutdown_unmounts_the_panel_and_frees_the_widget() {
    let (host, shadow, launcher, mount) = elements();
    let widget = start(host.clone(), shadow, launcher, mount.clone(), &settings("en", None), None).unwrap();
    widget.open();
    tick().await;
    assert!(mount.child_element_count() > 0, "the panel is mounted");

    widget.shutdown();
    tick().await;
    // The view was dropped, not forgotten: nothing of it is left in the shadow root
    // (an SPA that boots and shuts the widget down per order keeps no old panels).
    assert_eq!(mount.child_element_count(), 0);
    host.remove();
}
