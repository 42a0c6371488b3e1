//! "Now" in a merchant's time zone, through the browser's `Intl` (no time-zone database
//! in the wasm). Reading the clock through `Date` lets tests control it.

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::hours::{LocalTime, Weekday};

fn options(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    object
}

/// `new Intl.DateTimeFormat(locale, options)`, or `None` where it throws (an unknown
/// time zone is a RangeError). Built through `Reflect::construct`, which catches.
fn formatter(locale: &str, pairs: &[(&str, &str)]) -> Option<Intl::DateTimeFormat> {
    let constructor = Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| Reflect::get(&intl, &"DateTimeFormat".into()))
        .ok()?;
    let args = Array::of2(&locale.into(), &options(pairs));
    let format = Reflect::construct(constructor.unchecked_ref::<js_sys::Function>(), &args).ok()?;
    Some(format.unchecked_into())
}

/// Whether the browser knows the IANA time zone `zone`.
pub fn is_known_zone(zone: &str) -> bool {
    formatter("en-US", &[("timeZone", zone)]).is_some()
}

/// The wall-clock weekday and minute at `millis` (ms since the epoch) in `zone`.
/// `zone` must be known (see [`is_known_zone`]).
pub fn local_time(millis: f64, zone: &str) -> Option<LocalTime> {
    let format = formatter(
        "en-US",
        &[("timeZone", zone), ("weekday", "short"), ("hour", "2-digit"), ("minute", "2-digit"), ("hourCycle", "h23")],
    )?;
    let parts = format.format_to_parts(&Date::new(&JsValue::from_f64(millis)));
    let (mut weekday, mut hour, mut minute) = (None, None, None);
    for part in parts.iter() {
        let get = |key: &str| Reflect::get(&part, &key.into()).ok().and_then(|v| v.as_string());
        let (Some(kind), Some(value)) = (get("type"), get("value")) else { continue };
        match kind.as_str() {
            "weekday" => weekday = Weekday::from_en_short(&value),
            "hour" => hour = value.parse::<u16>().ok(),
            "minute" => minute = value.parse::<u16>().ok(),
            _ => {}
        }
    }
    // Some engines write midnight as "24" even with h23.
    Some(LocalTime { weekday: weekday?, minute: (hour? % 24) * 60 + minute? })
}

/// The zone's name for people, in the widget's language ("China Standard Time",
/// "中国标准时间"); the IANA name when the browser has none.
pub fn zone_name(zone: &str, locale: &str) -> String {
    formatter(locale, &[("timeZone", zone), ("timeZoneName", "long")])
        .and_then(|format| {
            let parts = format.format_to_parts(&Date::new_0());
            parts.iter().find_map(|part| {
                let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
                (kind == "timeZoneName").then(|| Reflect::get(&part, &"value".into()).ok()?.as_string())?
            })
        })
        .unwrap_or_else(|| zone.to_owned())
}

pub fn now_millis() -> f64 {
    Date::now()
}

/// Resolves after `ms` milliseconds (a `setTimeout`).
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A date and time in the shopper's own time zone and language ("28 Nov 2026, 16:00").
pub fn local_date_time(locale_tag: &str, at: aftercare_protocol::time::Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(locale_tag, &options).into()
}
