//! Merchants this server serves: who they are, which origins may call for them, the
//! keys their servers sign order tokens with, and their widget configuration, case
//! rules and deadlines. Loaded from a TOML file, or — without one — the built-in
//! `demo` merchant, whose signing key is generated once and kept in the data folder.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use aftercare_protocol::case::{RefusalReason, ReturnInstructions};
use aftercare_protocol::config::{Layer, WidgetConfig};
use aftercare_protocol::lifecycle::DeadlinePolicy;
use aftercare_protocol::rules::Rules;
use aftercare_protocol::staff::CannedReply;
use serde::{Deserialize, Serialize};

pub const DEMO_MERCHANT: &str = "demo";

/// A key a merchant's server signs order tokens with (HS256), named by `kid`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKey {
    pub kid: String,
    /// The shared secret, hex-encoded, at least 32 bytes.
    pub secret_hex: String,
}

impl SigningKey {
    pub fn generate(kid: String) -> SigningKey {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the OS random source works");
        SigningKey { kid, secret_hex: hex::encode(secret) }
    }

    pub fn secret(&self) -> Vec<u8> {
        hex::decode(&self.secret_hex).unwrap_or_default()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merchant {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Exact origins (`https://shop.example`) whose pages may call for this merchant.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub keys: Vec<SigningKey>,
    /// The widget configuration layer `GET /v1/widget-config` serves (JSON Merge Patch
    /// over the built-in defaults, as in `data-config`).
    #[serde(default = "empty_object")]
    pub widget: serde_json::Value,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub deadlines: DeadlinePolicy,
    /// Where returns go when a return is accepted without the seller writing an
    /// address (automatic acceptance, or a platform ruling).
    #[serde(default)]
    pub return_address: Option<ReturnInstructions>,
    /// Where every case event is POSTed, signed (see `webhooks`).
    #[serde(default)]
    pub webhook: Option<WebhookTarget>,
    /// Emails to shoppers about their cases (with `--smtp-url`): from whom, and the order
    /// page their links open.
    #[serde(default)]
    pub notify: Option<Notify>,
    /// What the seller may refuse for (`reason` of a refusal), with zh/en wording.
    #[serde(default = "default_refusal_reasons")]
    pub refusal_reasons: Vec<RefusalReason>,
    /// What the console offers the staff to send in a click, in zh and en
    /// (`{order_id}` and `{shopper_name}` filled in).
    #[serde(default = "default_canned_replies")]
    pub canned_replies: Vec<CannedReply>,
}

/// How a merchant's shoppers hear of their cases by email.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// The order page, with `{order_id}` and `{case_id}` filled in, e.g.
    /// `https://shop.example/orders/{order_id}?aftercare_case={case_id}`: the widget on
    /// it opens at the case (`aftercare_case`).
    pub order_page: String,
    /// `Shop Name <service@shop.example>`.
    pub from: String,
}

/// The refusal reasons a merchant has unless it configures its own: one for each
/// problem type of the source document, and the common others.
pub fn default_refusal_reasons() -> Vec<RefusalReason> {
    [
        ("no_quality_problem", "商品无质量问题", "The item has no quality problem"),
        ("delivered_intact", "物流显示已完好签收", "The carrier shows it was signed for in good condition"),
        ("as_described", "商品与描述相符", "The item matches its description"),
        ("service_as_promised", "已按承诺提供服务", "The service was provided as promised"),
        ("used_or_damaged", "商品已使用或人为损坏", "The item has been used or damaged since delivery"),
        ("after_sale_period_over", "已超出售后服务期限", "The after-sale period is over"),
        ("other", "其他原因", "Another reason (see the message)"),
    ]
    .into_iter()
    .map(|(code, zh, en)| RefusalReason { code: code.into(), zh: zh.into(), en: en.into() })
    .collect()
}

/// The canned replies a merchant has unless it configures its own: the replies the
/// source document's service staff write most.
pub fn default_canned_replies() -> Vec<CannedReply> {
    [
        (
            "photos_please",
            "请补充照片",
            "Ask for photos",
            "您好，关于订单 {order_id}，请补充商品问题处的清晰照片（含外包装），以便我们尽快处理。",
            "Hello {shopper_name}, about order {order_id}: please add clear photos of the problem (and the packaging) so we can sort it out quickly.",
        ),
        (
            "return_address_sent",
            "已提供退货地址",
            "Return address given",
            "您好，订单 {order_id} 的退货申请已同意，请按上方地址寄回并填写快递单号。",
            "Hello {shopper_name}, the return for order {order_id} is accepted: please send it to the address above and enter the tracking number.",
        ),
        (
            "refund_on_the_way",
            "退款处理中",
            "Refund on its way",
            "您好，订单 {order_id} 的退款已发起，预计 1–3 个工作日原路到账。",
            "Hello {shopper_name}, the refund for order {order_id} is on its way and should reach you in 1 to 3 working days.",
        ),
    ]
    .into_iter()
    .map(|(code, title_zh, title_en, zh, en)| CannedReply {
        code: code.into(),
        title_zh: title_zh.into(),
        title_en: title_en.into(),
        zh: zh.into(),
        en: en.into(),
    })
    .collect()
}

/// A merchant's webhook receiver and the secret its deliveries are signed with.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    pub url: String,
    /// Shared with the receiver; at least 16 characters.
    pub secret: String,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget").field("url", &self.url).finish_non_exhaustive()
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "merchant")]
    merchants: Vec<Merchant>,
}

/// All merchants, by id and by signing-key id.
#[derive(Clone, Debug, Default)]
pub struct Merchants {
    by_id: HashMap<String, Arc<Merchant>>,
    by_kid: HashMap<String, (Arc<Merchant>, SigningKey)>,
}

impl Merchants {
    /// Every merchant.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Merchant>> {
        self.by_id.values()
    }

    /// Merchants as given, without the checks of [`Merchants::new`]: for tests of what
    /// the server does with configuration it would refuse to load.
    #[doc(hidden)]
    pub fn new_unchecked(merchants: Vec<Merchant>) -> Merchants {
        let mut all = Merchants::default();
        for merchant in merchants {
            let merchant = Arc::new(merchant);
            for key in &merchant.keys {
                all.by_kid.insert(key.kid.clone(), (merchant.clone(), key.clone()));
            }
            all.by_id.insert(merchant.id.clone(), merchant);
        }
        all
    }

    pub fn new(merchants: Vec<Merchant>) -> Result<Merchants, String> {
        let mut all = Merchants::default();
        for merchant in merchants {
            if merchant.id.is_empty()
                || !merchant.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(format!("merchant id {:?}: use letters, digits, - and _", merchant.id));
            }
            let (_, errors) = WidgetConfig::load(&[Layer::new("widget", &merchant.widget.to_string())]);
            if let Some(error) = errors.first() {
                return Err(format!("merchant {}: widget.{error}", merchant.id));
            }
            merchant.deadlines.validate().map_err(|e| format!("merchant {}: deadlines: {e}", merchant.id))?;
            // An automatic acceptance of a return or an exchange must tell the shopper where
            // to send the parcel; without an address such cases could never move on.
            if merchant.deadlines.on_seller_silence == aftercare_protocol::case::Consequence::AutoAccept
                && merchant.return_address.is_none()
            {
                return Err(format!(
                    "merchant {}: deadlines.on_seller_silence = \"auto_accept\" needs return_address \
                     (where shoppers send returns and exchanges)",
                    merchant.id
                ));
            }
            let codes_ok = |codes: Vec<&str>| {
                !codes.iter().enumerate().any(|(i, code)| {
                    code.is_empty()
                        || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        || codes[..i].contains(code)
                })
            };
            if merchant.refusal_reasons.is_empty()
                || !codes_ok(merchant.refusal_reasons.iter().map(|r| r.code.as_str()).collect())
            {
                return Err(format!(
                    "merchant {}: refusal_reasons: give at least one, each with a distinct code of a-z and _",
                    merchant.id
                ));
            }
            if !codes_ok(merchant.canned_replies.iter().map(|r| r.code.as_str()).collect()) {
                return Err(format!(
                    "merchant {}: canned_replies: each needs a distinct code of a-z and _",
                    merchant.id
                ));
            }
            if let Some(notify) = &merchant.notify {
                let page = &notify.order_page;
                if !(page.starts_with("https://") || page.starts_with("http://")) || !page.contains("{case_id}") {
                    return Err(format!(
                        "merchant {}: notify.order_page must be an http(s) URL with {{case_id}} (and usually {{order_id}})",
                        merchant.id
                    ));
                }
                if notify.from.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(format!(
                        "merchant {}: notify.from must be an address like Shop <service@shop.example>",
                        merchant.id
                    ));
                }
            }
            for origin in &merchant.allowed_origins {
                if !(origin.starts_with("https://") || origin.starts_with("http://")) || origin.ends_with('/') {
                    return Err(format!(
                        "merchant {}: allowed origin {origin:?} must look like https://shop.example",
                        merchant.id
                    ));
                }
            }
            if let Some(hook) = &merchant.webhook {
                if !(hook.url.starts_with("https://") || hook.url.starts_with("http://")) {
                    return Err(format!("merchant {}: webhook.url {:?} must be an http(s) URL", merchant.id, hook.url));
                }
                if hook.secret.len() < 16 {
                    return Err(format!("merchant {}: webhook.secret must be at least 16 characters", merchant.id));
                }
            }
            if merchant.keys.is_empty() {
                return Err(format!("merchant {}: needs at least one signing key", merchant.id));
            }
            let merchant = Arc::new(merchant);
            for key in &merchant.keys {
                if key.secret().len() < 32 {
                    return Err(format!(
                        "merchant {} key {}: secret_hex must be at least 32 bytes of hex",
                        merchant.id, key.kid
                    ));
                }
                if all.by_kid.insert(key.kid.clone(), (merchant.clone(), key.clone())).is_some() {
                    return Err(format!("signing key id {:?} is used twice; kids must be unique", key.kid));
                }
            }
            if all.by_id.insert(merchant.id.clone(), merchant.clone()).is_some() {
                return Err(format!("merchant {} is listed twice", merchant.id));
            }
        }
        Ok(all)
    }

    /// Reads a `merchants.toml`: one `[[merchant]]` table per merchant.
    pub fn from_file(path: &Path) -> Result<Merchants, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Merchants::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Merchants from the text of a `merchants.toml`.
    pub fn from_toml(text: &str) -> Result<Merchants, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        Merchants::new(file.merchants)
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Merchant>> {
        self.by_id.get(id)
    }

    pub fn by_kid(&self, kid: &str) -> Option<&(Arc<Merchant>, SigningKey)> {
        self.by_kid.get(kid)
    }

    /// Whether any merchant lets pages on `origin` call (for CORS preflights).
    pub fn any_allows(&self, origin: &str) -> bool {
        self.by_id.values().any(|m| m.allows(origin))
    }
}

impl Merchant {
    pub fn allows(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// The widget configuration this merchant serves: its layer over the defaults.
    /// The widget's configuration layer: the merchant's `widget` settings, plus the
    /// case rules the server enforces (so the widget offers exactly what is allowed).
    /// The merchant's widget-config layer: its widget settings, with the rules and the
    /// evidence limits this server enforces (`max_photo_bytes`, `max_video_bytes`), so
    /// the widget refuses exactly what the server would. A page's `data-config` may
    /// tighten those, not loosen them.
    pub fn widget_config(&self, max_photo_bytes: u64, max_video_bytes: u64) -> serde_json::Value {
        let mut layer = self.widget.clone();
        if let serde_json::Value::Object(map) = &mut layer {
            map.insert("rules".to_owned(), serde_json::to_value(&self.rules).expect("rules serialise"));
            let evidence = map.entry("evidence").or_insert_with(|| serde_json::json!({}));
            if let serde_json::Value::Object(evidence) = evidence {
                evidence.insert("max_photo_bytes".into(), max_photo_bytes.into());
                evidence.insert("max_video_bytes".into(), max_video_bytes.into());
            }
        }
        layer
    }

    /// The action as this merchant's configuration completes it: accepting (or ruling
    /// for) a return without an address uses the merchant's configured return address.
    pub fn complete(&self, action: aftercare_protocol::lifecycle::Action) -> aftercare_protocol::lifecycle::Action {
        use aftercare_protocol::lifecycle::Action;
        match action {
            Action::Accept { return_instructions: None } => {
                Action::Accept { return_instructions: self.return_address.clone() }
            }
            Action::RuleForShopper { settlement, return_instructions: None } => {
                Action::RuleForShopper { settlement, return_instructions: self.return_address.clone() }
            }
            Action::CounterOffer(offer) if offer.return_instructions.is_none() && offer.resolution.needs_return() => {
                Action::CounterOffer(aftercare_protocol::case::Offer {
                    return_instructions: self.return_address.clone(),
                    ..offer
                })
            }
            action => action,
        }
    }

    /// How long the widget keeps a shopper's draft (`case.draft_days` in its widget
    /// settings), so uploads a draft may still point at are kept that long.
    pub fn draft_days(&self) -> u16 {
        let json = self.widget.to_string();
        let layer = [Layer::new("widget", &json)];
        WidgetConfig::load(&layer).0.case.draft_days
    }
}

/// The built-in demo merchant: its key lives in `{data_dir}/demo-signing-key.json`
/// (created on first start), its origins are the server's own (the first one is where
/// its emails' links lead: the demo order page, at the case).
/// The demo's console accounts (made by `serve` without `--config`), and their password.
pub const DEMO_SELLER_EMAIL: &str = "seller@aftercare-demo.example";
pub const DEMO_ARBITER_EMAIL: &str = "arbiter@aftercare-demo.example";
pub const DEMO_STAFF_PASSWORD: &str = "aftercare-demo";

pub fn demo(data_dir: &Path, allowed_origins: Vec<String>) -> Result<Merchant, String> {
    let path = data_dir.join("demo-signing-key.json");
    let key = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str::<SigningKey>(&text).map_err(|e| format!("{}: {e}", path.display()))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::generate(format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
            let json = serde_json::to_string_pretty(&key).expect("a key serialises");
            write_private(&path, &json).map_err(|e| format!("{}: {e}", path.display()))?;
            key
        }
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    Ok(Merchant {
        id: DEMO_MERCHANT.to_owned(),
        name: "小木屋生活馆 (demo)".to_owned(),
        keys: vec![key],
        // Clearly fictional values, so the demo shows every channel.
        widget: serde_json::json!({
            "channels": {
                "phone": { "menu_key": "2" },
                "weibo": { "name": "@小木屋生活馆 (demo)", "url": "https://weibo.example/aftercare-demo" },
                "wechat": { "name": "小木屋生活馆 (demo)", "qr_url": "https://wechat.example/aftercare-demo/follow" }
            }
        }),
        rules: Rules::default(),
        deadlines: DeadlinePolicy::default(),
        return_address: Some(ReturnInstructions {
            address: "小木屋生活馆退货仓 (demo), 示例路 1 号, 杭州 310000".to_owned(),
            instructions: Some("请在包裹内附上订单号 / Put the order number in the parcel".to_owned()),
        }),
        webhook: None,
        refusal_reasons: default_refusal_reasons(),
        canned_replies: default_canned_replies(),
        // With --smtp-url, the demo's shoppers get emails that lead back to the demo page.
        notify: allowed_origins.first().map(|origin| Notify {
            order_page: format!("{origin}/?aftercare_case={{case_id}}"),
            from: "Aftercare demo shop <service@aftercare-demo.example>".to_owned(),
        }),
        allowed_origins,
    })
}

/// Writes a file only its owner can read (0600), atomically: the contents go to a
/// temporary file beside it, synced, then renamed over `path`, so a crash never leaves a
/// half-written (or empty) secret behind.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("secret");
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        if let Some(folder) = path.parent() {
            std::fs::File::open(folder)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// The media-link signing key in `path` (hex), made on first use. A key shorter than
/// 32 bytes — an empty or truncated file — is refused: with it links could be forged.
pub fn link_key(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_link_key(&text, &path.display().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; LINK_KEY_MIN_LEN];
            getrandom::fill(&mut key).map_err(|e| e.to_string())?;
            write_private(path, &hex::encode(key)).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(key.to_vec())
        }
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

/// Shortest media-link signing key, in bytes.
pub const LINK_KEY_MIN_LEN: usize = 32;

/// A media-link key as configured (hex, at least 32 bytes); `origin` names where it
/// came from in the error.
pub fn parse_link_key(text: &str, origin: &str) -> Result<Vec<u8>, String> {
    let key = hex::decode(text.trim()).map_err(|e| format!("{origin}: not a hex key: {e}"))?;
    if key.len() < LINK_KEY_MIN_LEN {
        return Err(format!("{origin}: the key is {} bytes; at least {LINK_KEY_MIN_LEN} are needed", key.len()));
    }
    Ok(key)
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn secrets_are_private_atomic_and_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("media-link-key");
        let key = link_key(&path).unwrap();
        assert_eq!(key.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(link_key(&path).unwrap(), key, "read back, not remade");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        std::fs::write(&path, "").unwrap();
        assert!(link_key(&path).unwrap_err().contains("at least 32"), "an empty key is refused");
        std::fs::write(&path, "abcd").unwrap();
        assert!(link_key(&path).is_err(), "a short key is refused");
    }

    use super::*;

    /// A valid merchant for unit tests, its secret `secret_byte` (two hex digits) × 32.
    pub(crate) fn merchant_with_secret(id: &str, kid: &str, secret_byte: &str) -> Merchant {
        Merchant {
            id: id.into(),
            name: String::new(),
            allowed_origins: vec!["https://shop.example".into()],
            keys: vec![SigningKey { kid: kid.into(), secret_hex: secret_byte.repeat(32) }],
            widget: empty_object(),
            rules: Rules::default(),
            deadlines: DeadlinePolicy::default(),
            return_address: None,
            webhook: None,
            refusal_reasons: default_refusal_reasons(),
            canned_replies: default_canned_replies(),
            notify: None,
        }
    }

    fn merchant(id: &str, kid: &str) -> Merchant {
        merchant_with_secret(id, kid, "ab")
    }

    #[test]
    fn checks_what_it_loads() {
        assert!(Merchants::new(vec![merchant("a", "k1"), merchant("b", "k2")]).is_ok());
        assert!(Merchants::new(vec![merchant("a", "k1"), merchant("b", "k1")]).unwrap_err().contains("used twice"));
        assert!(Merchants::new(vec![merchant("a b", "k1")]).is_err());
        let mut bad = merchant("a", "k1");
        bad.widget = serde_json::json!({"channels": {"phone": {"number": "call us"}}});
        assert!(Merchants::new(vec![bad]).unwrap_err().contains("channels.phone.number"));
        let mut weak = merchant("a", "k1");
        weak.keys[0].secret_hex = "abcd".into();
        assert!(Merchants::new(vec![weak]).unwrap_err().contains("at least 32 bytes"));
        let mut slash = merchant("a", "k1");
        slash.allowed_origins = vec!["https://shop.example/".into()];
        assert!(Merchants::new(vec![slash]).is_err());
    }

    #[test]
    fn reads_toml() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("merchants.toml");
        std::fs::write(
            &path,
            format!(
                r#"
[[merchant]]
id = "acme"
allowed_origins = ["https://shop.acme.example"]
keys = [{{ kid = "acme-1", secret_hex = "{}" }}]
[merchant.widget.channels.phone]
number = "400-000-0000"
[merchant.return_address]
address = "acme returns, 1 Example Road"
[merchant.deadlines]
seller_response_hours = 24
on_seller_silence = "auto_accept"
"#,
                "cd".repeat(32)
            ),
        )
        .unwrap();
        let merchants = Merchants::from_file(&path).unwrap();
        let acme = merchants.get("acme").unwrap();
        assert_eq!(acme.deadlines.seller_response_hours, 24);
        assert_eq!(acme.widget["channels"]["phone"]["number"], "400-000-0000");
        assert!(merchants.any_allows("https://shop.acme.example"));
        assert!(!merchants.any_allows("https://evil.example"));
    }

    #[test]
    fn auto_accept_without_a_return_address_is_refused_at_load() {
        let mut acme = tests::merchant_with_secret("acme", "acme-1", "ab");
        acme.deadlines.on_seller_silence = aftercare_protocol::case::Consequence::AutoAccept;
        acme.return_address = None;
        let error = Merchants::new(vec![acme.clone()]).unwrap_err();
        assert!(error.contains("merchant acme") && error.contains("return_address"), "{error}");
        acme.return_address = Some(ReturnInstructions { address: "1 Example Road".into(), instructions: None });
        assert!(Merchants::new(vec![acme]).is_ok());
    }

    #[test]
    fn the_demo_key_survives_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let first = demo(dir.path(), vec![]).unwrap();
        let second = demo(dir.path(), vec![]).unwrap();
        assert_eq!(first.keys[0].kid, second.keys[0].kid);
        assert_eq!(first.keys[0].secret_hex, second.keys[0].secret_hex);
        assert_eq!(first.keys[0].secret().len(), 32);
    }
}
