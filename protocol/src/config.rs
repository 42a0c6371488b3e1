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

use serde::Deserialize;

use crate::hours::Schedule;
use crate::locale::Locale;
use crate::read::{self, merge_patch, At, Json, Object, Read};

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
            // No float formatting (it would stay in the wasm for this one message).
            Err("is not a quality (0.3 to 1)".to_owned())
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

        impl Read for $name {
            fn read<J: Json>(value: &J, at: &At) -> read::Result<Self> {
                $name::try_from(String::read(value, at)?).map_err(|message| at.invalid(message))
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
            Err(format!("\"{text}\" is not an http(s) URL"))
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
            Err(format!("\"{text}\" is not a phone number (digits, optional leading +, spaces, dashes)"))
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
            Err(format!("\"{text}\" is not a phone-menu key (1 to 3 of 0-9, *, #)"))
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
            Err(format!("\"{text}\" is not an email address"))
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
            Err(format!("\"{text}\" must be 1 to 80 characters"))
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
pub type ConfigError = read::Invalid;

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
fn keep_tighter<J: Json>(merged: &J, patch: J) -> J {
    let (Some(mut entries), Some(evidence)) = (patch.entries(), patch.get("evidence").and_then(|e| e.entries())) else {
        return patch;
    };
    let current = merged.get("evidence");
    let limit = |value: Option<J>| value.and_then(|v| v.as_f64());
    let kept = evidence
        .into_iter()
        .filter(|(key, wanted)| {
            let now = limit(current.as_ref().and_then(|c| c.get(key)));
            !(SERVER_LIMITS.contains(&key.as_str())
                && matches!((now, limit(Some(wanted.clone()))), (Some(now), Some(wanted)) if wanted > now))
        })
        .collect();
    if let Some(slot) = entries.iter_mut().find(|(key, _)| key == "evidence") {
        slot.1 = J::object(kept);
    }
    J::object(entries)
}

const SECTIONS: [&str; 5] = ["channels", "faq", "evidence", "rules", "case"];

impl WidgetConfig {
    /// The source document's configuration.
    pub fn defaults() -> WidgetConfig {
        WidgetConfig::load(&[]).0
    }

    /// Merges `layers` over the defaults, in order, and keeps every valid part (read
    /// through `serde_json`; the widget reads through the browser, [`WidgetConfig::load_with`]).
    pub fn load(layers: &[Layer<'_>]) -> (WidgetConfig, Vec<ConfigError>) {
        WidgetConfig::load_with::<serde_json::Value>(layers)
    }

    /// Merges `layers` over the defaults, each parsed as a `J`, and keeps every valid part.
    pub fn load_with<J: Json>(layers: &[Layer<'_>]) -> (WidgetConfig, Vec<ConfigError>) {
        // Tested below (`defaults_follow_the_source_document`).
        let Some(defaults) = J::parse(DEFAULTS_JSON) else { unreachable!("built-in defaults are valid JSON") };
        let mut errors = Vec::new();
        let mut merged = defaults.clone();
        for layer in layers {
            let at = At::Root(layer.source);
            match J::parse(layer.json) {
                Some(patch) if patch.entries().is_some() => {
                    let patch = if layer.tightens_limits { keep_tighter(&merged, patch) } else { patch };
                    merged = merge_patch(Some(merged), patch);
                }
                Some(_) => errors.push(at.invalid("must be a JSON object")),
                None => errors.push(at.invalid("is not valid JSON")),
            }
        }

        let root = At::Root("");
        for (key, _) in merged.entries().unwrap_or_default() {
            if !SECTIONS.contains(&key.as_str()) {
                errors.push(root.field(&key).invalid("unknown setting"));
            }
        }
        let get = |value: &J, key: &str| value.get(key).unwrap_or_else(|| J::object(Vec::new()));
        let channels_value = merged.get("channels").filter(|v| !v.is_null());
        let default_channels = get(&defaults, "channels");
        let at_channels = root.field("channels");
        let channel_entries = match &channels_value {
            None => Vec::new(),
            Some(value) => value.entries().unwrap_or_else(|| {
                errors.push(at_channels.invalid("must be an object"));
                Vec::new()
            }),
        };
        for (key, _) in &channel_entries {
            if ChannelKind::parse(key).is_none() {
                errors.push(
                    at_channels.field(key).invalid("unknown channel (expected chat, phone, email, weibo or wechat)"),
                );
            }
        }
        let section = |kind: ChannelKind| Section {
            name: kind.as_str(),
            parent: &at_channels,
            value: channel_entries.iter().find(|(k, _)| k == kind.as_str()).map(|(_, v)| v.clone()),
            fallback: default_channels.get(kind.as_str()),
        };
        let channels = Channels {
            chat: section(ChannelKind::Chat).parse(&mut errors),
            phone: section(ChannelKind::Phone).parse(&mut errors),
            email: section(ChannelKind::Email).parse(&mut errors),
            weibo: section(ChannelKind::Weibo).parse(&mut errors),
            wechat: section(ChannelKind::Wechat).parse(&mut errors),
        };
        let at_faq = root.field("faq");
        let faq = match merged.get("faq").filter(|v| !v.is_null()) {
            None => Vec::new(),
            Some(list) => match list.items() {
                Some(entries) => entries
                    .iter()
                    .enumerate()
                    .filter_map(|(index, entry)| {
                        FaqEntry::read(entry, &at_faq.index(index)).map_err(|e| errors.push(e)).ok()
                    })
                    .collect(),
                None => {
                    errors.push(at_faq.invalid("must be a list"));
                    Vec::<FaqEntry>::read(&get(&defaults, "faq"), &at_faq).unwrap_or_default()
                }
            },
        };
        // Optional sections: a bad one is reported and its defaults apply.
        let optional = |name: &'static str| Section {
            name,
            parent: &root,
            value: merged.get(name),
            fallback: Some(J::object(Vec::new())),
        };
        let evidence = optional("evidence").parse(&mut errors).unwrap_or_default();
        let rules = optional("rules").parse(&mut errors).unwrap_or_default();
        let case = optional("case").parse(&mut errors).unwrap_or_default();
        (WidgetConfig { channels, faq, evidence, rules, case }, errors)
    }
}

struct Section<'a, J> {
    name: &'a str,
    parent: &'a At<'a>,
    value: Option<J>,
    fallback: Option<J>,
}

impl<J: Json> Section<'_, J> {
    /// `null` (or nothing) hides the section; an invalid one is reported and replaced by
    /// its default.
    fn parse<T: Read>(self, errors: &mut Vec<ConfigError>) -> Option<T> {
        let value = self.value.filter(|v| !v.is_null())?;
        let at = self.parent.field(self.name);
        match T::read(&value, &at) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                errors.push(error);
                let fallback = self.fallback.filter(|v| !v.is_null())?;
                // The built-in defaults read (tested below).
                T::read(&fallback, &at).ok()
            }
        }
    }
}

impl Read for CaseSettings {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<CaseSettings> {
        let o = Object::new(value, at, &["draft_days"])?;
        Ok(CaseSettings { draft_days: o.or("draft_days", CaseSettings::default().draft_days)? })
    }
}

impl Read for EvidenceSettings {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<EvidenceSettings> {
        let o = Object::new(
            value,
            at,
            &[
                "photo_max_edge",
                "photo_quality",
                "photo_format",
                "max_photos",
                "max_videos",
                "max_photo_bytes",
                "max_video_bytes",
                "max_video_seconds",
            ],
        )?;
        let d = EvidenceSettings::default();
        Ok(EvidenceSettings {
            photo_max_edge: o.or("photo_max_edge", d.photo_max_edge)?,
            photo_quality: o.or("photo_quality", d.photo_quality)?,
            photo_format: o.or("photo_format", d.photo_format)?,
            max_photos: o.or("max_photos", d.max_photos)?,
            max_videos: o.or("max_videos", d.max_videos)?,
            max_photo_bytes: o.or("max_photo_bytes", d.max_photo_bytes)?,
            max_video_bytes: o.or("max_video_bytes", d.max_video_bytes)?,
            max_video_seconds: o.or("max_video_seconds", d.max_video_seconds)?,
        })
    }
}

impl Read for PhotoEdge {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<PhotoEdge> {
        PhotoEdge::try_from(u32::read(value, at)?).map_err(|message| at.invalid(message))
    }
}

impl Read for Quality {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Quality> {
        Quality::try_from(f64::read(value, at)?).map_err(|message| at.invalid(message))
    }
}

impl Read for PhotoFormat {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<PhotoFormat> {
        read::one_of(value, at, &[("jpeg", PhotoFormat::Jpeg), ("webp", PhotoFormat::Webp)])
    }
}

impl Read for ChatChannel {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<ChatChannel> {
        let o = Object::new(value, at, &["url", "schedule"])?;
        Ok(ChatChannel { url: o.optional("url")?, schedule: o.or("schedule", Schedule::default())? })
    }
}

impl Read for PhoneChannel {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<PhoneChannel> {
        let o = Object::new(value, at, &["number", "schedule", "menu_key"])?;
        Ok(PhoneChannel {
            number: o.required("number")?,
            schedule: o.required("schedule")?,
            menu_key: o.optional("menu_key")?,
        })
    }
}

impl Read for EmailChannel {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<EmailChannel> {
        let o = Object::new(value, at, &["address", "reply_working_days"])?;
        Ok(EmailChannel { address: o.required("address")?, reply_working_days: o.optional("reply_working_days")? })
    }
}

impl Read for WeiboAccount {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<WeiboAccount> {
        let o = Object::new(value, at, &["name", "url"])?;
        Ok(WeiboAccount { name: o.required("name")?, url: o.required("url")? })
    }
}

impl Read for WechatAccount {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<WechatAccount> {
        let o = Object::new(value, at, &["name", "qr_url"])?;
        Ok(WechatAccount { name: o.required("name")?, qr_url: o.required("qr_url")? })
    }
}

impl Read for FaqEntry {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<FaqEntry> {
        let o = Object::new(value, at, &["q", "a"])?;
        Ok(FaqEntry { q: o.required("q")?, a: o.required("a")? })
    }
}

impl Read for LocalizedText {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<LocalizedText> {
        let o = Object::new(value, at, &["zh-CN", "en"])?;
        let fields = LocalizedTextFields { zh: o.optional("zh-CN")?, en: o.optional("en")? };
        LocalizedText::try_from(fields).map_err(|message| at.invalid(message))
    }
}

impl Read for ReplyDays {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<ReplyDays> {
        let days = Vec::<u8>::read(value, at)?;
        let [min, max] = days[..] else { return Err(at.invalid("must be [min, max]")) };
        ReplyDays::try_from([min, max]).map_err(|message| at.invalid(message))
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
            "unknown field, expected one of: number, schedule, menu_key",
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
        check_error(
            r#"{"evidence":{"photo_format":"heic"}}"#,
            "evidence.photo_format",
            "\"heic\" is not one of: jpeg, webp",
        );
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

    /// Reads `value` both ways — our reader and serde's derive (the server's TOML path,
    /// with serde_path_to_error) — and checks they agree: the same value, or an error at
    /// the same field (serde names a missing field's parent, the reader the field).
    fn both<T: Read + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(value: &serde_json::Value) {
        let ours = T::read(value, &At::Root(""));
        let theirs: Result<T, _> = serde_path_to_error::deserialize(value.clone());
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
            (Err(ours), Err(theirs)) => {
                let path = theirs.path().to_string();
                let path = if path == "." { String::new() } else { path };
                let missing = theirs.inner().to_string().starts_with("missing field");
                let expected =
                    if missing { ours.field.rsplit_once('.').map_or("", |(parent, _)| parent) } else { &ours.field };
                assert_eq!(expected, path, "{value}: ours {ours}, serde {theirs}");
            }
            (ours, theirs) => panic!("{value}: ours {ours:?}, serde {:?}", theirs.map_err(|e| e.to_string())),
        }
    }

    #[test]
    fn the_reader_agrees_with_serde() {
        use serde_json::{json, Value};
        let defaults: Value = serde_json::from_str(DEFAULTS_JSON).unwrap();
        let channels = &defaults["channels"];
        both::<ChatChannel>(&channels["chat"]);
        both::<PhoneChannel>(&channels["phone"]);
        both::<EmailChannel>(&channels["email"]);
        for entry in defaults["faq"].as_array().unwrap() {
            both::<FaqEntry>(entry);
        }
        both::<EvidenceSettings>(&json!({}));
        both::<crate::rules::Rules>(&serde_json::to_value(crate::rules::Rules::default()).unwrap());
        both::<CaseSettings>(&json!({"draft_days": 3}));
        // The end-to-end pages' data-config (e2e/pages/merchant.html), good and bad.
        for (menu_key, weibo_url) in [("2", "https://weibo.example/demo"), ("two", "javascript:alert(1)")] {
            let page = json!({
                "phone": {"number": "9510211", "schedule": channels["phone"]["schedule"], "menu_key": menu_key},
                "weibo": {"name": "@demo-shop", "url": weibo_url},
                "wechat": {"name": "Demo shop", "qr_url": "https://wechat.example/demo/follow"},
            });
            both::<PhoneChannel>(&page["phone"]);
            both::<WeiboAccount>(&page["weibo"]);
            both::<WechatAccount>(&page["wechat"]);
        }
        // Bad input of every kind, at every depth.
        let slots = |slot: Value| json!({"number": "1", "schedule": {"slots": [slot]}});
        for phone in [
            slots(json!({"days": ["mon"], "open": "9am", "close": "18:00"})),
            slots(json!({"days": ["mon", "someday"], "open": "09:00", "close": "18:00"})),
            slots(json!({"days": ["mon"], "open": "09:00"})),
            slots(json!({"days": "mon", "open": "09:00", "close": "18:00"})),
            slots(json!({"days": [], "open": "09:00", "close": "18:00", "lunch": true})),
            json!({"number": 9510211, "schedule": {}}),
            json!({"number": "1", "schedule": {"always": "yes"}}),
            json!({"number": "1", "schedule": {"timezone": null}}),
            json!({"schedule": {}}),
            json!("phone"),
        ] {
            both::<PhoneChannel>(&phone);
        }
        for evidence in [
            json!({"photo_max_edge": 100}),
            json!({"photo_max_edge": 1600.5}),
            json!({"photo_quality": 2}),
            json!({"photo_quality": "high"}),
            json!({"photo_format": "heic"}),
            json!({"max_photos": 256}),
            json!({"max_photos": -1}),
            json!({"max_photo_bytes": null}),
            json!({"colour": 1}),
        ] {
            both::<EvidenceSettings>(&evidence);
        }
        for entry in
            [json!({"q": {}, "a": {"en": "A"}}), json!({"q": {"fr": "Q"}, "a": {"en": "A"}}), json!({"q": {"en": 1}})]
        {
            both::<FaqEntry>(&entry);
        }
        for email in [
            json!({"address": "a@b"}),
            json!({"address": "a@b.cn", "reply_working_days": [3, 1]}),
            json!({"address": "a@b.cn", "reply_working_days": [1]}),
        ] {
            both::<EmailChannel>(&email);
        }
        for rules in [
            json!({"problems": [{"problem_type": "quality"}]}),
            json!({"problems": [{"problem_type": "weather", "reasons": [], "photos": {"min": 0, "max": 1}, "videos": {"min": 0, "max": 1}, "description_required": true}]}),
            json!({"no_reason_return": {"window_days": "seven"}}),
            json!({"limits": {"description_max": 70000}}),
        ] {
            both::<crate::rules::Rules>(&rules);
        }
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
