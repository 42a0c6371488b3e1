//! A small reader of JSON-shaped values into typed structs, for what the widget reads at
//! start-up (settings, configuration layers, the order): bounded by the value's own
//! size, every error named by its field path (`channels.phone.schedule.slots[0].open`),
//! no `Debug` formatting and no float formatting in its messages.
//!
//! It reads any [`Json`] value: the widget's is the browser's own (`JsValue`, parsed by
//! `JSON.parse`, so no JSON parser ships in the wasm for these), the server's and the
//! native tests' is `serde_json::Value`. Types implement [`Read`]; the ones the server
//! also takes through serde keep their `Deserialize`, and tests check both readings agree.

use std::fmt::Write as _;

/// What kind of JSON value something is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    fn article(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "a list",
            Kind::Object => "an object",
        }
    }
}

/// A JSON-shaped value.
pub trait Json: Sized + Clone {
    fn kind(&self) -> Kind;
    fn as_bool(&self) -> Option<bool>;
    fn as_f64(&self) -> Option<f64>;
    fn as_string(&self) -> Option<String>;
    /// An array's items.
    fn items(&self) -> Option<Vec<Self>>;
    /// An object's entries, in order.
    fn entries(&self) -> Option<Vec<(String, Self)>>;
    /// A new object of `entries`.
    fn object(entries: Vec<(String, Self)>) -> Self;
    /// JSON text parsed, or `None` if it is not JSON.
    fn parse(text: &str) -> Option<Self>;
    fn null() -> Self;
    fn bool(value: bool) -> Self;
    fn number(value: f64) -> Self;
    fn string(value: &str) -> Self;
    fn array(items: Vec<Self>) -> Self;
    /// As JSON text.
    fn stringify(&self) -> String;

    fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    fn get(&self, key: &str) -> Option<Self> {
        self.entries()?.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Json for serde_json::Value {
    fn kind(&self) -> Kind {
        match self {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(_) => Kind::Bool,
            serde_json::Value::Number(_) => Kind::Number,
            serde_json::Value::String(_) => Kind::String,
            serde_json::Value::Array(_) => Kind::Array,
            serde_json::Value::Object(_) => Kind::Object,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        self.as_bool()
    }
    fn as_f64(&self) -> Option<f64> {
        self.as_f64()
    }
    fn as_string(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn entries(&self) -> Option<Vec<(String, Self)>> {
        self.as_object().map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
    fn object(entries: Vec<(String, Self)>) -> Self {
        serde_json::Value::Object(entries.into_iter().collect())
    }
    fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
    fn null() -> Self {
        serde_json::Value::Null
    }
    fn bool(value: bool) -> Self {
        serde_json::Value::Bool(value)
    }
    fn number(value: f64) -> Self {
        // Whole numbers as integers, as serde writes them.
        if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
            serde_json::Value::from(value as i64)
        } else {
            serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
    }
    fn string(value: &str) -> Self {
        serde_json::Value::String(value.to_owned())
    }
    fn array(items: Vec<Self>) -> Self {
        serde_json::Value::Array(items)
    }
    fn stringify(&self) -> String {
        self.to_string()
    }
    fn get(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }
}

/// Where a value is: a chain of field names and list indexes, written out only when an
/// error needs it.
#[derive(Clone, Copy)]
pub enum At<'a> {
    Root(&'a str),
    Field(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl<'a> At<'a> {
    pub fn field(&'a self, name: &'a str) -> At<'a> {
        At::Field(self, name)
    }

    pub fn index(&'a self, index: usize) -> At<'a> {
        At::Index(self, index)
    }

    fn write(&self, out: &mut String) {
        match self {
            At::Root(name) => out.push_str(name),
            At::Field(parent, name) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            At::Index(parent, index) => {
                parent.write(out);
                let _ = write!(out, "[{index}]");
            }
        }
    }

    pub fn path(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// An error here.
    pub fn invalid(&self, message: impl Into<String>) -> Invalid {
        Invalid { field: self.path(), message: message.into() }
    }

    fn expected<J: Json>(&self, value: &J, what: &str) -> Invalid {
        self.invalid(format!("expected {what}, found {}", value.kind().article()))
    }
}

/// A value that could not be read, named by its field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Where the problem is, e.g. `channels.phone.schedule.slots[0].open`.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

pub type Result<T> = std::result::Result<T, Invalid>;

/// A type read from a JSON-shaped value.
pub trait Read: Sized {
    fn read<J: Json>(value: &J, at: &At) -> Result<Self>;
}

impl Read for bool {
    fn read<J: Json>(value: &J, at: &At) -> Result<bool> {
        value.as_bool().ok_or_else(|| at.expected(value, "true or false"))
    }
}

impl Read for String {
    fn read<J: Json>(value: &J, at: &At) -> Result<String> {
        value.as_string().ok_or_else(|| at.expected(value, "a string"))
    }
}

impl Read for f64 {
    fn read<J: Json>(value: &J, at: &At) -> Result<f64> {
        value.as_f64().ok_or_else(|| at.expected(value, "a number"))
    }
}

macro_rules! read_integer {
    ($($t:ty),*) => {$(
        impl Read for $t {
            fn read<J: Json>(value: &J, at: &At) -> Result<$t> {
                let number = value.as_f64().ok_or_else(|| at.expected(value, "a whole number"))?;
                // Exactly representable, whole and in range (f64 holds every integer up to 2^53).
                let whole = number.fract() == 0.0 && number.abs() <= 9_007_199_254_740_992.0;
                if whole && number >= <$t>::MIN as f64 && number <= <$t>::MAX as f64 {
                    Ok(number as $t)
                } else {
                    Err(at.invalid(format!("must be a whole number from {} to {}", <$t>::MIN, <$t>::MAX)))
                }
            }
        }
    )*};
}

read_integer!(u8, u16, u32, u64, i64);

impl<T: Read> Read for Option<T> {
    /// `null` is `None`.
    fn read<J: Json>(value: &J, at: &At) -> Result<Option<T>> {
        if value.is_null() {
            return Ok(None);
        }
        T::read(value, at).map(Some)
    }
}

/// Lists longer than this are refused: nothing we read has more than a few dozen.
pub const MAX_ITEMS: usize = 1_000;

impl<T: Read> Read for Vec<T> {
    fn read<J: Json>(value: &J, at: &At) -> Result<Vec<T>> {
        let items = value.items().ok_or_else(|| at.expected(value, "a list"))?;
        if items.len() > MAX_ITEMS {
            return Err(at.invalid(format!("must have at most {MAX_ITEMS} items")));
        }
        items.iter().enumerate().map(|(index, item)| T::read(item, &at.index(index))).collect()
    }
}

/// An object's fields, read one by one; fields not in `known` are refused.
pub struct Object<'a, J> {
    entries: Vec<(String, J)>,
    at: &'a At<'a>,
}

impl<'a, J: Json> Object<'a, J> {
    pub fn new(value: &J, at: &'a At<'a>, known: &[&str]) -> Result<Object<'a, J>> {
        let entries = value.entries().ok_or_else(|| at.expected(value, "an object"))?;
        if let Some((unknown, _)) = entries.iter().find(|(key, _)| !known.contains(&key.as_str())) {
            let mut message = String::from("unknown field, expected one of: ");
            message.push_str(&known.join(", "));
            return Err(At::Field(at, unknown).invalid(message));
        }
        Ok(Object { entries, at })
    }

    /// An object whose unknown fields are ignored (what a newer loader may add).
    pub fn lenient(value: &J, at: &'a At<'a>) -> Result<Object<'a, J>> {
        let entries = value.entries().ok_or_else(|| at.expected(value, "an object"))?;
        Ok(Object { entries, at })
    }

    fn value(&self, name: &str) -> Option<&J> {
        self.entries.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }

    /// A field that must be there.
    pub fn required<T: Read>(&self, name: &str) -> Result<T> {
        match self.value(name) {
            Some(value) => T::read(value, &self.at.field(name)),
            None => Err(self.at.field(name).invalid("missing")),
        }
    }

    /// A field that may be missing: then `default`. (`null` reads as the type reads it.)
    pub fn or<T: Read>(&self, name: &str, default: T) -> Result<T> {
        match self.value(name) {
            Some(value) => T::read(value, &self.at.field(name)),
            None => Ok(default),
        }
    }

    /// A field that may be missing or `null`.
    pub fn optional<T: Read>(&self, name: &str) -> Result<Option<T>> {
        self.or(name, None)
    }
}

/// A type written as a JSON-shaped value (what the widget sends and stores).
pub trait Write {
    fn write<J: Json>(&self) -> J;
}

impl Write for str {
    fn write<J: Json>(&self) -> J {
        J::string(self)
    }
}

impl Write for String {
    fn write<J: Json>(&self) -> J {
        J::string(self)
    }
}

impl Write for bool {
    fn write<J: Json>(&self) -> J {
        J::bool(*self)
    }
}

macro_rules! write_number {
    ($($t:ty),*) => {$(
        impl Write for $t {
            fn write<J: Json>(&self) -> J {
                J::number(*self as f64)
            }
        }
    )*};
}

write_number!(u8, u16, u32, u64, i64, f64);

impl<T: Write> Write for Option<T> {
    fn write<J: Json>(&self) -> J {
        self.as_ref().map_or_else(J::null, T::write)
    }
}

impl<T: Write> Write for [T] {
    fn write<J: Json>(&self) -> J {
        J::array(self.iter().map(T::write).collect())
    }
}

impl<T: Write> Write for Vec<T> {
    fn write<J: Json>(&self) -> J {
        self.as_slice().write()
    }
}

/// An object being written, field by field.
pub struct Fields<J>(Vec<(String, J)>);

impl<J: Json> Fields<J> {
    pub fn new() -> Fields<J> {
        Fields(Vec::new())
    }

    pub fn field<T: Write + ?Sized>(mut self, name: &str, value: &T) -> Fields<J> {
        self.0.push((name.to_owned(), value.write()));
        self
    }

    /// A field left out when `None` (serde's `skip_serializing_if = "Option::is_none"`).
    pub fn optional<T: Write>(self, name: &str, value: &Option<T>) -> Fields<J> {
        match value {
            Some(value) => self.field(name, value),
            None => self,
        }
    }

    pub fn finish(self) -> J {
        J::object(self.0)
    }
}

impl<J: Json> Default for Fields<J> {
    fn default() -> Self {
        Fields::new()
    }
}

/// Objects nested deeper than this in a patch replace instead of merging (ours are six
/// deep), so a hostile patch cannot exhaust the stack.
pub const MAX_DEPTH: usize = 32;

/// JSON Merge Patch (RFC 7396): `patch` over `target`.
pub fn merge_patch<J: Json>(target: Option<J>, patch: J) -> J {
    merge_at(target, patch, 0)
}

fn merge_at<J: Json>(target: Option<J>, patch: J, depth: usize) -> J {
    if depth >= MAX_DEPTH {
        return patch;
    }
    let Some(patch) = patch.entries() else { return patch };
    let mut merged = target.and_then(|t| t.entries()).unwrap_or_default();
    for (key, value) in patch {
        let at = merged.iter().position(|(k, _)| *k == key);
        if value.is_null() {
            if let Some(at) = at {
                merged.remove(at);
            }
            continue;
        }
        match at {
            Some(at) => {
                let old = merged[at].1.clone();
                merged[at].1 = merge_at(Some(old), value, depth + 1);
            }
            None => {
                let new = merge_at(None, value, depth + 1);
                merged.push((key, new));
            }
        }
    }
    J::object(merged)
}

/// Reads a string-valued enum from its names.
pub fn one_of<J: Json, T: Copy>(value: &J, at: &At, names: &[(&str, T)]) -> Result<T> {
    let text = String::read(value, at)?;
    names.iter().find(|(name, _)| *name == text).map(|(_, t)| *t).ok_or_else(|| {
        let list: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
        at.invalid(format!("\"{text}\" is not one of: {}", list.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[derive(Debug, PartialEq)]
    struct Slot {
        open: String,
        days: Vec<u8>,
        note: Option<String>,
    }

    impl Read for Slot {
        fn read<J: Json>(value: &J, at: &At) -> Result<Slot> {
            let o = Object::new(value, at, &["open", "days", "note"])?;
            Ok(Slot { open: o.required("open")?, days: o.or("days", Vec::new())?, note: o.optional("note")? })
        }
    }

    fn read<T: Read>(value: Value) -> Result<T> {
        T::read(&value, &At::Root("slots"))
    }

    #[test]
    fn errors_name_the_field() {
        let error = read::<Vec<Slot>>(json!([{"open": "9"}, {"open": 9}])).unwrap_err();
        assert_eq!(
            error,
            Invalid { field: "slots[1].open".into(), message: "expected a string, found a number".into() }
        );
        let error = read::<Vec<Slot>>(json!([{"open": "9", "days": [1, 300]}])).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.message.as_str()),
            ("slots[0].days[1]", "must be a whole number from 0 to 255")
        );
        let error = read::<Vec<Slot>>(json!([{"open": "9", "dayz": []}])).unwrap_err();
        assert_eq!(error.field, "slots[0].dayz");
        assert!(error.message.contains("open, days, note"), "{error}");
        assert_eq!(read::<Vec<Slot>>(json!([{}])).unwrap_err().field, "slots[0].open");
        assert_eq!(read::<Vec<Slot>>(json!({})).unwrap_err().message, "expected a list, found an object");
        assert_eq!(
            read::<Vec<Slot>>(json!([{"open": "9", "days": [2.5]}])).unwrap_err().message,
            "must be a whole number from 0 to 255",
            "no float is written into a message"
        );
        let big = Value::Array(vec![json!({"open": "x"}); MAX_ITEMS + 1]);
        assert!(read::<Vec<Slot>>(big).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn reads_what_is_there() {
        let slots =
            read::<Vec<Slot>>(json!([{"open": "9", "note": null}, {"open": "10", "days": [1, 2], "note": "x"}]))
                .unwrap();
        assert_eq!(slots[0], Slot { open: "9".into(), days: vec![], note: None });
        assert_eq!(slots[1], Slot { open: "10".into(), days: vec![1, 2], note: Some("x".into()) });
        assert_eq!(read::<u64>(json!(9_007_199_254_740_992u64)), Ok(9_007_199_254_740_992));
        assert!(read::<i64>(json!(-1)).is_ok() && read::<u32>(json!(-1)).is_err());
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // The examples of RFC 7396, appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, expected) in cases {
            assert_eq!(merge_patch(Some(target.clone()), patch.clone()), expected, "{target} + {patch}");
        }
    }

    #[test]
    fn a_deep_patch_replaces_below_the_depth_limit() {
        let mut patch = json!({"x": null});
        for _ in 0..MAX_DEPTH + 10 {
            patch = json!({ "a": patch });
        }
        let merged = merge_patch(Some(json!({})), patch.clone());
        let mut at = &merged;
        for _ in 0..MAX_DEPTH {
            at = &at["a"];
        }
        assert!(at.pointer("/a").is_some(), "taken as it is from here on, nulls and all");
    }
}
