//! The browser's own JSON values as the protocol reader's [`Json`]: everything the
//! widget reads or writes as JSON — settings, configuration layers, the order, the
//! contact, API answers and requests, drafts, upload records — goes through
//! `JSON.parse`/`JSON.stringify` and `aftercare_protocol::read`, so neither a JSON
//! parser nor serde ships in the wasm. Event details are built as JS objects.

use aftercare_protocol::read::{Json, Kind};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A value from `JSON.parse` (or made here).
#[derive(Clone, Debug)]
pub struct Js(pub JsValue);

impl Json for Js {
    fn kind(&self) -> Kind {
        let v = &self.0;
        if v.is_null() || v.is_undefined() {
            Kind::Null
        } else if v.as_bool().is_some() {
            Kind::Bool
        } else if v.as_f64().is_some() {
            Kind::Number
        } else if v.is_string() {
            Kind::String
        } else if Array::is_array(v) {
            Kind::Array
        } else if v.is_object() && !v.is_function() {
            Kind::Object
        } else {
            // Functions and symbols cannot come from JSON; read as nothing.
            Kind::Null
        }
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn items(&self) -> Option<Vec<Js>> {
        Array::is_array(&self.0).then(|| self.0.unchecked_ref::<Array>().iter().map(Js).collect())
    }

    fn entries(&self) -> Option<Vec<(String, Js)>> {
        if self.kind() != Kind::Object {
            return None;
        }
        let pairs = Object::entries(self.0.unchecked_ref::<Object>());
        Some(
            pairs
                .iter()
                .map(|pair| {
                    let pair: Array = pair.unchecked_into();
                    (pair.get(0).as_string().unwrap_or_default(), Js(pair.get(1)))
                })
                .collect(),
        )
    }

    fn object(entries: Vec<(String, Js)>) -> Js {
        // `Object.fromEntries` defines own properties, so a `__proto__` key stays a key.
        let pairs: Array = entries.into_iter().map(|(key, value)| Array::of2(&key.into(), &value.0)).collect();
        Js(Object::from_entries(&pairs).map(JsValue::from).unwrap_or_else(|_| Object::new().into()))
    }

    fn parse(text: &str) -> Option<Js> {
        js_sys::JSON::parse(text).ok().map(Js)
    }

    fn null() -> Js {
        Js(JsValue::NULL)
    }

    fn bool(value: bool) -> Js {
        Js(JsValue::from_bool(value))
    }

    fn number(value: f64) -> Js {
        Js(JsValue::from_f64(value))
    }

    fn string(value: &str) -> Js {
        Js(JsValue::from_str(value))
    }

    fn array(items: Vec<Js>) -> Js {
        Js(items.into_iter().map(|item| item.0).collect::<Array>().into())
    }

    fn stringify(&self) -> String {
        js_sys::JSON::stringify(&self.0).ok().and_then(|text| text.as_string()).unwrap_or_default()
    }

    fn get(&self, key: &str) -> Option<Js> {
        if self.kind() != Kind::Object {
            return None;
        }
        let key = JsValue::from_str(key);
        let own = Object::has_own(self.0.unchecked_ref::<Object>(), &key);
        own.then(|| Reflect::get(&self.0, &key).ok().map(Js)).flatten()
    }
}

/// A plain object of `fields`, e.g. an event's detail.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}
