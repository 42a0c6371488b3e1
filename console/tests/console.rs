//! The console in headless Chromium (wasm-bindgen-test): mounted with no session (the
//! test runner's server has no `/v1/staff/session`, as a signed-out browser gets a
//! refusal), it shows the sign-in form with labelled fields, in the browser's language,
//! and switches language on the page. The signed-in desks are the end-to-end specs'.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Resolves on the next macrotask.
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Waits (up to 5 s) for an element matching `selector`.
async fn wait_for(selector: &str) -> web_sys::Element {
    for _ in 0..500 {
        if let Some(found) = document().query_selector(selector).unwrap() {
            return found;
        }
        tick().await;
    }
    panic!("{selector} never appeared");
}

fn label_of(id: &str) -> String {
    document()
        .query_selector(&format!("label[for={id}]"))
        .unwrap()
        .expect("a label for the field")
        .text_content()
        .unwrap()
}

#[wasm_bindgen_test]
async fn signed_out_it_asks_to_sign_in_with_labelled_fields_in_either_language() {
    leptos::mount::mount_to_body(aftercare_console::ui::App);
    let form = wait_for("[data-testid=sign-in]").await;
    let languages: Vec<String> =
        web_sys::window().unwrap().navigator().languages().iter().filter_map(|l| l.as_string()).collect();
    let zh_first = languages.first().is_some_and(|l| l.starts_with("zh"));
    let (email, password) = if zh_first { ("邮箱", "密码") } else { ("Email", "Password") };
    assert_eq!((label_of("cx-email"), label_of("cx-password")), (email.to_owned(), password.to_owned()));
    let input: web_sys::HtmlInputElement = document().get_element_by_id("cx-password").unwrap().dyn_into().unwrap();
    assert_eq!(input.type_(), "password");
    assert!(form.query_selector("button[type=submit]").unwrap().is_some());

    // The language switch rewords the page and the document's language.
    let toggle: web_sys::HtmlElement = wait_for("[data-testid=language]").await.dyn_into().unwrap();
    toggle.click();
    tick().await;
    let (email, lang) = if zh_first { ("Email", "en") } else { ("邮箱", "zh-CN") };
    assert_eq!(label_of("cx-email"), email);
    assert_eq!(document().document_element().unwrap().get_attribute("lang").as_deref(), Some(lang));
    assert!(document().title().contains(if zh_first { "console" } else { "工作台" }), "{}", document().title());
}
