//! Widget configuration: its types, the source document's defaults, and lenient loading.
//!
//! Configuration arrives in layers — the built-in defaults (`config/defaults.json`, the
//! source document's channels, hours and FAQ), then the backend's
//! `GET {endpoint}/v1/widget-config`, then the script tag's `data-config` — each merged
//! over the last as a JSON Merge Patch (RFC 7396): an object merges key by key, `null`
//! removes (hides a channel), anything else replaces (a new `faq` list replaces the old).
//!
//! Loading never fails as a whole. A section that does not parse is reported as a
//! [`ConfigError`] naming the field, and the defaults' version of that section is kept,
//! so the widget shows whatever is valid.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::hours::Schedule;
use crate::locale::Locale;

const DEFAULTS_JSON: &str = include_str!("config/defaults.json");

/// The five channel kinds, in the order the picker shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    Chat,
    Phone,
    Email,
    Weibo,
    Wechat,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 5] =
        [ChannelKind::Chat, ChannelKind::Phone, ChannelKind::Email, ChannelKind::Weibo, ChannelKind::Wechat];

    /// The key in configuration, in `openChannel(kind)` and in event details.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Chat => "chat",
            ChannelKind::Phone => "phone",
            ChannelKind::Email => "email",
            ChannelKind::Weibo => "weibo",
            ChannelKind::Wechat => "wechat",
        }
    }

    pub fn parse(text: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WidgetConfig {
    pub channels: Channels,
    pub faq: Vec<FaqEntry>,
    pub evidence: EvidenceSettings,
    /// The case rules (problem types, reasons, resolutions, evidence, limits): the
    /// server sends the merchant's, which it enforces.
    pub rules: crate::rules::Rules,
    pub case: CaseSettings,
}

/// How the widget treats a case draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseSettings {
    /// A draft not changed for this many days is dropped.
    pub draft_days: u16,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings { draft_days: 7 }
    }
}

/// How the widget treats evidence files before uploading them.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvidenceSettings {
    /// Photos are scaled so their longer edge is at most this many pixels.
    pub photo_max_edge: PhotoEdge,
    /// JPEG/WebP quality of re-encoded photos, 0.3–1.
    pub photo_quality: Quality,
    /// `jpeg` or `webp`.
    pub photo_format: PhotoFormat,
    pub max_photos: u8,
    pub max_videos: u8,
    pub max_photo_bytes: u64,
    pub max_video_bytes: u64,
    /// Longest video accepted, in seconds (read from the file's metadata).
    pub max_video_seconds: u32,
}

impl Default for EvidenceSettings {
    fn default() -> Self {
        EvidenceSettings {
            photo_max_edge: PhotoEdge(2048),
            photo_quality: Quality(0.85),
            photo_format: PhotoFormat::Jpeg,
            max_photos: 9,
            max_videos: 2,
            max_photo_bytes: 20 * 1024 * 1024,
            max_video_bytes: 200 * 1024 * 1024,
            max_video_seconds: 300,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Webp,
}

impl PhotoFormat {
    pub fn mime(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Webp => "image/webp",
        }
    }
}

/// A long edge in pixels, 320–8192.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u32")]
pub struct PhotoEdge(pub u32);

impl TryFrom<u32> for PhotoEdge {
    type Error = String;

    fn try_from(edge: u32) -> Result<Self, Self::Error> {
        if (320..=8192).contains(&edge) {
            Ok(PhotoEdge(edge))
        } else {
            Err(format!("{edge} is not a photo edge in pixels (320 to 8192)"))
        }
    }
}

/// An encoder quality, 0.3–1.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct Quality(pub f64);

impl TryFrom<f64> for Quality {
    type Error = String;

    fn try_from(quality: f64) -> Result<Self, Self::Error> {
        if (0.3..=1.0).contains(&quality) {
            Ok(Quality(quality))
        } else {
            Err(format!("{quality} is not a quality (0.3 to 1)"))
        }
    }
}

/// Every channel is optional: one that is not configured is hidden.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Channels {
    pub chat: Option<ChatChannel>,
    pub phone: Option<PhoneChannel>,
    pub email: Option<EmailChannel>,
    pub weibo: Option<WeiboAccount>,
    pub wechat: Option<WechatAccount>,
}

impl Channels {
    pub fn has(&self, kind: ChannelKind) -> bool {
        match kind {
            ChannelKind::Chat => self.chat.is_some(),
            ChannelKind::Phone => self.phone.is_some(),
            ChannelKind::Email => self.email.is_some(),
            ChannelKind::Weibo => self.weibo.is_some(),
            ChannelKind::Wechat => self.wechat.is_some(),
        }
    }
}

/// Online chat. With a `url` the widget opens it; without one it fires
/// `aftercare:chat-handoff` for the host page to open its own chat SDK.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatChannel {
    #[serde(default)]
    pub url: Option<HttpUrl>,
    #[serde(default)]
    pub schedule: Schedule,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneChannel {
    pub number: PhoneNumber,
    pub schedule: Schedule,
    /// The voice-menu key that leads to after-sale help, e.g. `"2"`.
    #[serde(default)]
    pub menu_key: Option<MenuKey>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannel {
    pub address: EmailAddress,
    /// Usual reply time as `[min, max]` working days.
    #[serde(default)]
    pub reply_working_days: Option<ReplyDays>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeiboAccount {
    pub name: Label,
    pub url: HttpUrl,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatAccount {
    /// The official account's name, to search for in WeChat.
    pub name: Label,
    /// What the QR code encodes (the account's follow link).
    pub qr_url: HttpUrl,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    pub q: LocalizedText,
    pub a: LocalizedText,
}

/// A text in each language; a missing language falls back to the other.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, try_from = "LocalizedTextFields")]
pub struct LocalizedText {
    zh: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalizedTextFields {
    #[serde(rename = "zh-CN", default)]
    zh: Option<String>,
    #[serde(default)]
    en: Option<String>,
}

impl TryFrom<LocalizedTextFields> for LocalizedText {
    type Error = &'static str;

    fn try_from(fields: LocalizedTextFields) -> Result<Self, Self::Error> {
        let keep = |text: Option<String>| text.filter(|text| !text.trim().is_empty());
        let text = LocalizedText { zh: keep(fields.zh), en: keep(fields.en) };
        if text.zh.is_none() && text.en.is_none() {
            return Err("needs a non-empty \"zh-CN\" or \"en\" text");
        }
        Ok(text)
    }
}

impl LocalizedText {
    pub fn get(&self, locale: Locale) -> &str {
        let (first, second) = match locale {
            Locale::ZhCn => (&self.zh, &self.en),
            Locale::En => (&self.en, &self.zh),
        };
        first.as_deref().or(second.as_deref()).unwrap_or_default()
    }
}

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                let check: fn(&str) -> Result<(), String> = $check;
                check(&text).map(|()| $name(text))
            }
        }
    };
}

validated_string!(
    /// An absolute `http:` or `https:` URL: never `javascript:` or `data:`, since the
    /// widget puts it in an `href`.
    HttpUrl,
    |text| {
        let lower = text.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
        let clean = !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if scheme_ok && clean && text.len() <= 2048 && text.len() > "https://".len() {
            Ok(())
        } else {
            Err(format!("{text:?} is not an http(s) URL"))
        }
    }
);

validated_string!(
    /// Digits with optional `+`, spaces and dashes, as people write phone numbers.
    PhoneNumber,
    |text| {
        if crate::validate::phone_number(text) {
            Ok(())
        } else {
            Err(format!("{text:?} is not a phone number (digits, optional leading +, spaces, dashes)"))
        }
    }
);

impl PhoneNumber {
    /// The `tel:` URI (RFC 3966): the number without its visual separators.
    pub fn tel_href(&self) -> String {
        let compact: String = self.0.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        format!("tel:{compact}")
    }
}

validated_string!(
    /// A voice-menu key: one to three of `0-9`, `*`, `#`.
    MenuKey,
    |text| {
        if (1..=3).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#') {
            Ok(())
        } else {
            Err(format!("{text:?} is not a phone-menu key (1 to 3 of 0-9, *, #)"))
        }
    }
);

validated_string!(
    /// A plain mailbox `local@domain`, safe to put in a `mailto:` URI unencoded.
    EmailAddress,
    |text| {
        if crate::validate::email_address(text) && text.trim() == text {
            Ok(())
        } else {
            Err(format!("{text:?} is not an email address"))
        }
    }
);

validated_string!(
    /// A short, non-empty display name.
    Label,
    |text| {
        let length = text.trim().chars().count();
        if (1..=80).contains(&length) {
            Ok(())
        } else {
            Err(format!("{text:?} must be 1 to 80 characters"))
        }
    }
);

/// `[min, max]` working days, `1 <= min <= max <= 30`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "[u8; 2]")]
pub struct ReplyDays {
    pub min: u8,
    pub max: u8,
}

impl TryFrom<[u8; 2]> for ReplyDays {
    type Error = String;

    fn try_from([min, max]: [u8; 2]) -> Result<Self, Self::Error> {
        if 1 <= min && min <= max && max <= 30 {
            Ok(ReplyDays { min, max })
        } else {
            Err(format!("[{min}, {max}] is not a range of working days (1 <= min <= max <= 30)"))
        }
    }
}

/// A problem found while loading configuration, named by its field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the problem is, e.g. `channels.phone.schedule.slots[0].open`.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A configuration layer as it arrived (e.g. a `data-config` attribute, a server
/// response), with the name used in error messages.
pub struct Layer<'a> {
    pub source: &'a str,
    pub json: &'a str,
    /// A layer that may only tighten the evidence limits set before it (the tag's
    /// `data-config`, over the server's): a larger value there is ignored.
    pub tightens_limits: bool,
}

impl<'a> Layer<'a> {
    pub fn new(source: &'a str, json: &'a str) -> Layer<'a> {
        Layer { source, json, tightens_limits: false }
    }
}

/// The evidence settings the server enforces too: a page's `data-config` may lower
/// them, never raise them over what the server sent.
const SERVER_LIMITS: [&str; 4] = ["max_photo_bytes", "max_video_bytes", "max_photos", "max_videos"];

/// In a tightening layer, a limit above the one already merged is dropped.
fn keep_tighter(merged: &Value, patch: &mut Value) {
    let Some(evidence) = patch.get_mut("evidence").and_then(Value::as_object_mut) else { return };
    for key in SERVER_LIMITS {
        let current = merged.get("evidence").and_then(|e| e.get(key)).and_then(Value::as_u64);
        let wanted = evidence.get(key).and_then(Value::as_u64);
        if let (Some(current), Some(wanted)) = (current, wanted) {
            if wanted > current {
                evidence.remove(key);
            }
        }
    }
}

impl WidgetConfig {
    /// The source document's configuration.
    pub fn defaults() -> WidgetConfig {
        WidgetConfig::load(&[]).0
    }

    /// Merges `layers` over the defaults, in order, and keeps every valid part.
    pub fn load(layers: &[Layer<'_>]) -> (WidgetConfig, Vec<ConfigError>) {
        let defaults: Value = serde_json::from_str(DEFAULTS_JSON)
            // Not `expect`: its Debug of the error would stay in the wasm. Tested below.
            .unwrap_or_else(|_| unreachable!("built-in defaults are valid JSON"));
        let mut errors = Vec::new();
        let mut merged = defaults.clone();
        for layer in layers {
            match serde_json::from_str::<Value>(layer.json) {
                Ok(mut patch @ Value::Object(_)) => {
                    if layer.tightens_limits {
                        keep_tighter(&merged, &mut patch);
                    }
                    merge_patch(&mut merged, patch)
                }
                Ok(_) => errors
                    .push(ConfigError { field: layer.source.to_owned(), message: "must be a JSON object".to_owned() }),
                Err(error) => errors.push(ConfigError {
                    field: layer.source.to_owned(),
                    message: format!("is not valid JSON ({error})"),
                }),
            }
        }

        for key in object(&merged).keys() {
            if !matches!(key.as_str(), "channels" | "faq" | "evidence" | "rules" | "case") {
                errors.push(ConfigError { field: key.clone(), message: "unknown setting".to_owned() });
            }
        }
        let channels_value = object(&merged).get("channels").cloned().unwrap_or(Value::Null);
        let default_channels = object(&defaults)["channels"].clone();
        if !matches!(channels_value, Value::Object(_) | Value::Null) {
            errors.push(ConfigError { field: "channels".to_owned(), message: "must be an object".to_owned() });
        }
        for key in object(&channels_value).keys() {
            if ChannelKind::parse(key).is_none() {
                errors.push(ConfigError {
                    field: format!("channels.{key}"),
                    message: "unknown channel (expected chat, phone, email, weibo or wechat)".to_owned(),
                });
            }
        }
        let section = |kind: ChannelKind| Section {
            field: format!("channels.{}", kind.as_str()),
            value: object(&channels_value).get(kind.as_str()).cloned().unwrap_or(Value::Null),
            fallback: object(&default_channels).get(kind.as_str()).cloned().unwrap_or(Value::Null),
        };
        let channels = Channels {
            chat: section(ChannelKind::Chat).parse(&mut errors),
            phone: section(ChannelKind::Phone).parse(&mut errors),
            email: section(ChannelKind::Email).parse(&mut errors),
            weibo: section(ChannelKind::Weibo).parse(&mut errors),
            wechat: section(ChannelKind::Wechat).parse(&mut errors),
        };

        let faq = match object(&merged).get("faq") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(entries)) => entries
                .iter()
                .enumerate()
                .filter_map(|(index, entry)| {
                    parse_at(&format!("faq[{index}]"), entry.clone()).map_err(|error| errors.push(error)).ok()
                })
                .collect(),
            Some(_) => {
                errors.push(ConfigError { field: "faq".to_owned(), message: "must be a list".to_owned() });
                serde_json::from_value(object(&defaults)["faq"].clone())
                    .unwrap_or_else(|_| unreachable!("built-in FAQ is valid"))
            }
        };
        // Optional sections: a bad one is reported and its defaults apply.
        let optional = |name: &str| Section {
            field: name.to_owned(),
            value: object(&merged).get(name).cloned().unwrap_or(Value::Null),
            fallback: Value::Object(Map::new()),
        };
        let evidence = optional("evidence").parse(&mut errors).unwrap_or_default();
        let rules = optional("rules").parse(&mut errors).unwrap_or_default();
        let case = optional("case").parse(&mut errors).unwrap_or_default();
        (WidgetConfig { channels, faq, evidence, rules, case }, errors)
    }
}

struct Section {
    field: String,
    value: Value,
    fallback: Value,
}

impl Section {
    /// `null` hides the section; an invalid one is reported and replaced by its default.
    fn parse<T: DeserializeOwned>(self, errors: &mut Vec<ConfigError>) -> Option<T> {
        if self.value.is_null() {
            return None;
        }
        match parse_at(&self.field, self.value) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                errors.push(error);
                (!self.fallback.is_null()).then(|| {
                    serde_json::from_value(self.fallback)
                        .unwrap_or_else(|_| unreachable!("built-in defaults are valid"))
                })
            }
        }
    }
}

fn parse_at<T: DeserializeOwned>(field: &str, value: Value) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { field.to_owned() } else { format!("{field}.{path}") };
        ConfigError { field, message: error.into_inner().to_string() }
    })
}

fn object(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match value {
        Value::Object(map) => map,
        _ => EMPTY.get_or_init(Map::new),
    }
}

/// JSON Merge Patch (RFC 7396).
fn merge_patch(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target) = target else { unreachable!("made an object above") };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(&key);
        } else {
            merge_patch(target.entry(key).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str) -> (WidgetConfig, Vec<ConfigError>) {
        WidgetConfig::load(&[Layer::new("data-config", json)])
    }

    #[track_caller]
    fn check_error(json: &str, field: &str, message_part: &str) {
        let (_, errors) = load(json);
        assert!(
            errors.iter().any(|e| e.field == field && e.message.contains(message_part)),
            "expected an error at {field} containing {message_part:?}, got {errors:?}"
        );
    }

    #[test]
    fn defaults_follow_the_source_document() {
        let (config, errors) = WidgetConfig::load(&[]);
        assert_eq!(errors, []);
        let phone = config.channels.phone.unwrap();
        assert_eq!(phone.number.as_str(), "9510211");
        assert_eq!(phone.schedule.timezone, "Asia/Shanghai");
        assert_eq!(phone.schedule.slots.len(), 1);
        assert_eq!(phone.schedule.slots[0].days.len(), 7);
        assert_eq!(phone.schedule.slots[0].open.to_string(), "09:00");
        assert_eq!(phone.schedule.slots[0].close.to_string(), "21:00");
        assert_eq!(phone.menu_key, None, "the seed names no menu key");
        let email = config.channels.email.unwrap();
        assert_eq!(email.address.as_str(), "service@tmall.com");
        assert_eq!(email.reply_working_days, Some(ReplyDays { min: 1, max: 2 }));
        let chat = config.channels.chat.unwrap();
        assert!(chat.schedule.always && chat.url.is_none());
        assert_eq!(config.channels.weibo, None, "the seed names no account");
        assert_eq!(config.channels.wechat, None, "the seed names no account");
        assert_eq!(config.faq.len(), 7);
        for entry in &config.faq {
            for locale in [Locale::ZhCn, Locale::En] {
                assert!(!entry.q.get(locale).is_empty() && !entry.a.get(locale).is_empty());
            }
        }
    }

    #[test]
    fn layers_merge_over_the_defaults() {
        let (config, errors) = WidgetConfig::load(&[
            Layer::new("server", r#"{"channels":{"phone":{"menu_key":"2"},"email":null}}"#),
            Layer::new(
                "data-config",
                r#"{"channels":{"wechat":{"name":"Demo","qr_url":"https://example.com/q"},"phone":{"menu_key":"3"}}}"#,
            ),
        ]);
        assert_eq!(errors, []);
        let phone = config.channels.phone.unwrap();
        assert_eq!(phone.menu_key.unwrap().as_str(), "3", "the later layer wins");
        assert_eq!(phone.number.as_str(), "9510211", "unpatched fields stay");
        assert_eq!(config.channels.email, None, "null hides a channel");
        assert_eq!(config.channels.wechat.unwrap().qr_url.as_str(), "https://example.com/q");
    }

    /// The server's evidence limits hold: the page may lower them, never raise them.
    #[test]
    fn the_page_may_tighten_the_servers_limits_never_loosen_them() {
        let server = r#"{"evidence":{"max_photo_bytes":1000000,"max_video_bytes":5000000,"max_photos":4}}"#;
        let page = |json| Layer { source: "data-config", json, tightens_limits: true };
        let (config, errors) = WidgetConfig::load(&[
            Layer::new("server", server),
            page(
                r#"{"evidence":{"max_photo_bytes":500000,"max_video_bytes":99000000,"max_photos":9,"photo_quality":0.5}}"#,
            ),
        ]);
        assert_eq!(errors, []);
        assert_eq!(config.evidence.max_photo_bytes, 500_000, "tighter: taken");
        assert_eq!(config.evidence.max_video_bytes, 5_000_000, "looser: the server's");
        assert_eq!(config.evidence.max_photos, 4);
        assert_eq!(config.evidence.photo_quality.0, 0.5, "other settings are the page's to choose");
        // A server that allows more than the defaults is believed.
        let (config, _) = WidgetConfig::load(&[Layer::new("server", r#"{"evidence":{"max_photo_bytes":50000000}}"#)]);
        assert_eq!(config.evidence.max_photo_bytes, 50_000_000);
    }

    #[test]
    fn a_new_faq_list_replaces_the_old() {
        let (config, errors) = load(r#"{"faq":[{"q":{"en":"Q?"},"a":{"en":"A."}}]}"#);
        assert_eq!(errors, []);
        assert_eq!(config.faq.len(), 1);
        assert_eq!(config.faq[0].q.get(Locale::ZhCn), "Q?", "falls back to the other language");
    }

    #[test]
    fn invalid_parts_are_named_and_the_rest_is_kept() {
        let (config, errors) = load(
            r#"{"channels":{"phone":{"schedule":{"slots":[{"days":["mon"],"open":"9am","close":"18:00"}]}},
                "weibo":{"name":"W","url":"javascript:alert(1)"},
                "wechat":{"name":"Demo","qr_url":"https://example.com/q"}}}"#,
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].field, "channels.phone.schedule.slots[0].open");
        assert!(errors[0].message.contains("\"9am\" is not a time of day"), "{}", errors[0].message);
        assert_eq!(errors[1].field, "channels.weibo.url");
        assert_eq!(config.channels.phone.unwrap().schedule.slots[0].open.to_string(), "09:00", "default kept");
        assert_eq!(config.channels.weibo, None, "no default to fall back to");
        assert!(config.channels.wechat.is_some(), "valid sections still apply");
    }

    #[test]
    fn specific_errors() {
        check_error("[]", "data-config", "must be a JSON object");
        check_error("{", "data-config", "not valid JSON");
        check_error(r#"{"colour":"red"}"#, "colour", "unknown setting");
        check_error(r#"{"channels":{"fax":{}}}"#, "channels.fax", "unknown channel");
        check_error(r#"{"channels":{"phone":{"number":"call us"}}}"#, "channels.phone.number", "not a phone number");
        check_error(r#"{"channels":{"phone":{"menu_key":"two"}}}"#, "channels.phone.menu_key", "not a phone-menu key");
        check_error(
            r#"{"channels":{"phone":{"extension":"1"}}}"#,
            "channels.phone.extension",
            "unknown field `extension`",
        );
        check_error(r#"{"channels":{"email":{"address":"a@b"}}}"#, "channels.email.address", "not an email address");
        check_error(
            r#"{"channels":{"email":{"reply_working_days":[3,1]}}}"#,
            "channels.email.reply_working_days",
            "not a range",
        );
        check_error(r#"{"channels":{"chat":{"url":"data:text/html,x"}}}"#, "channels.chat.url", "not an http(s) URL");
        check_error(r#"{"channels":{"wechat":{"name":""}}}"#, "channels.wechat.name", "1 to 80 characters");
        check_error(r#"{"faq":[{"q":{},"a":{"en":"A"}}]}"#, "faq[0].q", "non-empty");
        check_error(r#"{"faq":{}}"#, "faq", "must be a list");
        check_error(r#"{"evidence":{"photo_max_edge":100}}"#, "evidence.photo_max_edge", "320 to 8192");
        check_error(r#"{"evidence":{"photo_quality":2}}"#, "evidence.photo_quality", "0.3 to 1");
        check_error(r#"{"evidence":{"photo_format":"heic"}}"#, "evidence.photo_format", "unknown variant");
    }

    #[test]
    fn evidence_settings_default_and_override() {
        assert_eq!(WidgetConfig::defaults().evidence, EvidenceSettings::default());
        let (config, errors) = load(r#"{"evidence":{"photo_max_edge":1600,"photo_format":"webp","max_videos":1}}"#);
        assert_eq!(errors, []);
        assert_eq!(config.evidence.photo_max_edge, PhotoEdge(1600));
        assert_eq!(config.evidence.photo_format.mime(), "image/webp");
        assert_eq!(config.evidence.max_videos, 1);
        let (config, errors) = load(r#"{"evidence":{"max_video_seconds":60}}"#);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(config.evidence.max_video_seconds, 60);
        assert_eq!(config.evidence.max_photos, 9, "unset fields keep their defaults");
    }

    #[test]
    fn case_rules_come_with_the_configuration() {
        assert_eq!(WidgetConfig::defaults().rules, crate::rules::Rules::default());
        let (config, errors) =
            load(r#"{"rules":{"refund_only_after_delivery":false,"no_reason_return":{"window_days":15}}}"#);
        assert_eq!(errors, []);
        assert!(!config.rules.refund_only_after_delivery);
        assert_eq!(config.rules.no_reason_return.window_days, 15);
        assert_eq!(config.rules.problems.len(), 5, "unset parts keep their defaults");
        let (config, errors) = load(r#"{"rules":{"limits":{"description_max":"long"}}}"#);
        assert_eq!(errors[0].field, "rules.limits.description_max");
        assert_eq!(config.rules, crate::rules::Rules::default());
        assert_eq!(WidgetConfig::defaults().case.draft_days, 7);
        let (config, errors) = load(r#"{"case":{"draft_days":2}}"#);
        assert_eq!((errors.len(), config.case.draft_days), (0, 2));
    }

    #[test]
    fn tel_href_drops_separators() {
        let number = PhoneNumber::try_from("+86 951-0211".to_owned()).unwrap();
        assert_eq!(number.tel_href(), "tel:+869510211");
        assert!(PhoneNumber::try_from("12+34".to_owned()).is_err());
    }

    #[test]
    fn channel_kinds_round_trip() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ChannelKind::parse("fax"), None);
    }
}
