//! The start-up reader over the browser's own JSON (`Js`, from `JSON.parse`) reads
//! exactly what it reads over `serde_json::Value` natively: the same configuration,
//! order and settings, the same errors at the same fields.
#![cfg(target_arch = "wasm32")]

use aftercare_protocol::config::{Layer, WidgetConfig};
use aftercare_protocol::order::Order;
use aftercare_protocol::read::{merge_patch, Json};
use aftercare_widget::json::Js;
use aftercare_widget::settings::Settings;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PAGE_CONFIG: &str = r#"{"channels":{"phone":{"menu_key":"2"},"weibo":{"name":"@demo-shop","url":"https://weibo.example/demo"},"wechat":{"name":"Demo shop","qr_url":"https://wechat.example/demo/follow"}}}"#;
const BAD_CONFIG: &str = r#"{"channels":{"phone":{"menu_key":"two","schedule":{"slots":[{"days":["mon","someday"],"open":"9am","close":"18:00"}]}},"weibo":{"name":"@demo-shop","url":"javascript:alert(1)"},"fax":{}},"evidence":{"photo_quality":7,"max_photos":2.5},"faq":[{"q":{},"a":{"en":"A"}}],"colour":"red","__proto__":{"x":1}}"#;

fn same_config(layers: &[Layer<'_>]) {
    let (browser, mut browser_errors) = WidgetConfig::load_with::<Js>(layers);
    let (native, mut native_errors) = WidgetConfig::load_with::<serde_json::Value>(layers);
    assert_eq!(browser, native);
    // serde_json's objects are sorted by key, the browser's keep their order.
    browser_errors.sort_by(|a, b| a.field.cmp(&b.field));
    native_errors.sort_by(|a, b| a.field.cmp(&b.field));
    assert_eq!(browser_errors, native_errors);
}

#[wasm_bindgen_test]
fn configuration_reads_the_same_both_ways() {
    same_config(&[]);
    same_config(&[Layer::new("data-config", PAGE_CONFIG)]);
    same_config(&[Layer::new("data-config", BAD_CONFIG)]);
    same_config(&[
        Layer::new("server", r#"{"evidence":{"max_photos":4}}"#),
        Layer { source: "data-config", json: r#"{"evidence":{"max_photos":9,"max_videos":1}}"#, tightens_limits: true },
    ]);
    same_config(&[Layer::new("data-config", "{"), Layer::new("server", "[1]"), Layer::new("other", "null")]);
    let (_, errors) = WidgetConfig::load_with::<Js>(&[Layer::new("data-config", BAD_CONFIG)]);
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"__proto__"), "a __proto__ key is a key like any other: {fields:?}");
    assert!(fields.contains(&"channels.phone.schedule.slots[0].days[1]"), "{fields:?}");
    assert!(fields.contains(&"evidence.photo_quality"), "{fields:?}");
}

#[wasm_bindgen_test]
fn orders_and_settings_read_the_same_both_ways() {
    for json in [
        r#"{"id":"20261128-0042","items":[{"id":"item-1","name":"Cup","quantity":1,"price":12900,"currency":"CNY"}],"state":"delivered","delivered_at":"2026-11-25"}"#,
        r#"{"id":"1","items":[{"id":"x","name":"n","quantity":1,"price":1.5,"currency":"CNY"}]}"#,
        r#"{"id":"1","items":[],"state":"lost"}"#,
        r#"{"items":[]}"#,
        "[",
    ] {
        assert_eq!(Order::parse_with::<Js>(json), Order::parse_with::<serde_json::Value>(json), "{json}");
    }
    for json in [
        r#"{"endpoint":"/","merchant":"demo","locales":["en"],"orderToken":"t","preload":"idle"}"#,
        r#"{"locales":"en"}"#,
        "7",
    ] {
        assert_eq!(Settings::parse::<Js>(json), Settings::parse::<serde_json::Value>(json), "{json}");
    }
}

#[wasm_bindgen_test]
fn merge_patch_builds_the_same_objects() {
    let target = r#"{"a":{"b":"c","d":[1,2]},"e":1}"#;
    let patch = r#"{"a":{"b":null,"x":{"y":true}},"e":null,"f":"g"}"#;
    let browser = merge_patch(Js::parse(target), Js::parse(patch).unwrap());
    let native = merge_patch(serde_json::Value::parse(target), serde_json::Value::parse(patch).unwrap());
    let text = js_sys::JSON::stringify(&browser.0).unwrap().as_string().unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), native);
}
