//! The Leptos component in a host Leptos app, in headless Chromium: the app renders
//! `AftercareWidget` among its own views, passes typed props, changes them through
//! signals, and unmounts it.
#![cfg(target_arch = "wasm32")]

use aftercare_widget::locale::Locale;
use aftercare_widget::order::Order;
use aftercare_widget::{AftercareWidget, Mode};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback(&resolve).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn order(id: &str) -> Order {
    serde_json::from_str(&format!(r#"{{"id":"{id}","items":[]}}"#)).unwrap()
}

/// A container of the host app's own, in the document.
fn container() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    container
}

fn shadow(container: &HtmlElement) -> ShadowRoot {
    let host = container
        .query_selector("main aftercare-widget")
        .unwrap()
        .expect("the component renders <aftercare-widget> in place");
    host.shadow_root().expect("with an open shadow root")
}

fn get(shadow: &ShadowRoot, testid: &str) -> HtmlElement {
    shadow
        .query_selector(&format!("[data-testid='{testid}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn inline_in_a_host_app_follows_its_signals_and_goes_when_unmounted() {
    let container = container();
    let (current, set_current) = signal(Some(order("A-1")));
    let (locale, set_locale) = signal(Some(Locale::En));
    let app = leptos::mount::mount_to(container.clone(), move || {
        view! {
            <main>
                <h1>"Order details"</h1>
                <AftercareWidget order=current locale=locale mode=Mode::Inline/>
            </main>
        }
    });
    tick().await;
    let root = shadow(&container);
    let host = root.host();
    assert_eq!(host.get_attribute("data-mode").as_deref(), Some("inline"));
    let panel = get(&root, "panel");
    assert!(!panel.hidden(), "inline is open from the start");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("region"));
    assert_eq!(panel.get_attribute("aria-modal"), None);
    assert!(get(&root, "launcher").hidden(), "no launcher of ours inline");
    assert_eq!(get(&root, "order-number").text_content().unwrap(), "Order A-1");
    assert_eq!(get(&root, "phone-number").text_content().unwrap(), "9510211");

    set_current.set(Some(order("B-2")));
    set_locale.set(Some(Locale::ZhCn));
    tick().await;
    assert_eq!(get(&root, "order-number").text_content().unwrap(), "订单号 B-2");

    drop(app);
    tick().await;
    assert!(!host.is_connected(), "unmounting the component removes the widget");
    container.remove();
}

#[wasm_bindgen_test]
async fn popup_opens_and_closes_from_its_launcher() {
    let container = container();
    let app = leptos::mount::mount_to(container.clone(), move || {
        view! {
            <main>
                <AftercareWidget
                    endpoint="/backend/"
                    merchant="m_demo"
                    order=Some(order("C-3"))
                    locale=Some(Locale::En)
                />
            </main>
        }
    });
    tick().await;
    let root = shadow(&container);
    let launcher = get(&root, "launcher");
    assert!(!launcher.hidden());
    assert!(get(&root, "panel").hidden(), "closed until the launcher is pressed");

    launcher.click();
    tick().await;
    let panel = get(&root, "panel");
    assert!(!panel.hidden());
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    assert_eq!(launcher.get_attribute("aria-expanded").as_deref(), Some("true"));
    assert_eq!(launcher.text_content().unwrap(), "Contact support", "the widget took the label over");

    launcher.click();
    tick().await;
    assert!(get(&root, "panel").hidden(), "a second press closes it");
    drop(app);
    container.remove();
}

#[wasm_bindgen_test]
async fn an_expired_token_is_asked_of_the_host_app_and_the_refused_call_repeated() {
    // The backend, as the page's fetch: any token but "fresh" is refused as expired.
    let window = web_sys::window().unwrap();
    let real_fetch = js_sys::Reflect::get(&window, &"fetch".into()).unwrap();
    let backend = js_sys::Function::new_with_args(
        "input, init",
        r#"
        const url = String((input && input.url) || input);
        if (!url.includes("/v1/cases")) return Promise.resolve(new Response("", { status: 404 }));
        const auth = new Headers((init && init.headers) || (input && input.headers) || {}).get("authorization");
        window.__aftercareTokens.push(auth);
        const json = { "content-type": "application/json" };
        if (auth === "Bearer fresh") return Promise.resolve(new Response(JSON.stringify({ cases: [] }), { status: 200, headers: json }));
        const refusal = JSON.stringify({ code: "order_token_expired", message: "The order token has expired." });
        return Promise.resolve(new Response(refusal, { status: 401, headers: json }));
        "#,
    );
    js_sys::Reflect::set(&window, &"__aftercareTokens".into(), &js_sys::Array::new()).unwrap();
    js_sys::Reflect::set(&window, &"fetch".into(), &backend).unwrap();

    let container = container();
    let token = RwSignal::new(Some("stale".to_owned()));
    // The host app hears the event and sets a fresh token on its signal.
    let heard = std::rc::Rc::new(std::cell::Cell::new(0));
    let listener = {
        let heard = heard.clone();
        Closure::<dyn Fn()>::new(move || {
            heard.set(heard.get() + 1);
            token.set(Some("fresh".to_owned()));
        })
    };
    container.add_event_listener_with_callback("aftercare:token-expired", listener.as_ref().unchecked_ref()).unwrap();
    let app = leptos::mount::mount_to(container.clone(), move || {
        view! {
            <main>
                <AftercareWidget
                    endpoint="/backend/"
                    merchant="m_demo"
                    order=Some(order("T-1"))
                    order_token=token
                    locale=Some(Locale::En)
                    mode=Mode::Inline
                />
            </main>
        }
    });
    tick().await;
    let root = shadow(&container);
    get(&root, "requests-open").click();
    let mut ticks = 0;
    while root.query_selector("[data-testid='requests-empty']").unwrap().is_none() {
        if ticks == 500 {
            let tokens = js_sys::Reflect::get(&window, &"__aftercareTokens".into()).unwrap();
            let shown = get(&root, "panel").text_content().unwrap_or_default();
            panic!("My requests never showed the (empty) list: tokens {tokens:?}, panel {shown:?}");
        }
        ticks += 1;
        tick().await;
    }
    js_sys::Reflect::set(&window, &"fetch".into(), &real_fetch).unwrap();
    let tokens = js_sys::Reflect::get(&window, &"__aftercareTokens".into()).unwrap();
    let tokens: Vec<String> = js_sys::Array::from(&tokens).iter().filter_map(|t| t.as_string()).collect();
    assert_eq!(tokens, ["Bearer stale", "Bearer fresh"], "refused once, then repeated with the app's new token");
    assert_eq!(heard.get(), 1, "the host app was told once");
    drop(app);
    container.remove();
}
