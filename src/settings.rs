//! What the loader (`loader/aftercare.js`) hands the wasm at start: the script tag's
//! `data-*` attributes, already collected into one JSON object, plus the locale
//! candidates it read from the page. Parsing and checking it is pure.

use aftercare_protocol::read::{At, Json, Object, Read};

use crate::config::HttpUrl;

/// The loader's start-up settings. Every field is optional; unknown ones are ignored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// `data-endpoint`, resolved against the page's URL by the loader.
    pub endpoint: Option<String>,
    /// `data-merchant`.
    pub merchant: Option<String>,
    /// `data-locale`, `<html lang>`, then `navigator.languages`, in that order.
    pub locales: Vec<String>,
    /// `data-order` (or a `setOrder` call made before the wasm loaded), as JSON text.
    pub order: Option<String>,
    /// `data-order-token`.
    pub order_token: Option<String>,
    /// `data-contact`: the shopper's `{"name", "phone", "email"}`, to prefill the case form.
    pub contact: Option<String>,
    /// `data-config`, as JSON text.
    pub config: Option<String>,
    /// `data-mode="inline"`: the panel sits in the page's flow (no launcher, no modal).
    pub inline: bool,
}

impl Settings {
    /// The settings in `json`, parsed as a `J` (the browser's `JSON.parse` in the widget).
    pub fn parse<J: Json>(json: &str) -> Result<Settings, String> {
        let at = At::Root("settings");
        let value = J::parse(json).ok_or("loader settings are not valid: not JSON")?;
        Settings::read(&value, &at).map_err(|error| format!("loader settings are not valid: {error}"))
    }

    /// `{endpoint}/v1/widget-config` (asked with `?merchant={merchant}`), when an
    /// endpoint is set.
    pub fn widget_config_url(&self) -> Result<Option<String>, String> {
        let Some(endpoint) = self.endpoint.as_deref().filter(|e| !e.is_empty()) else {
            return Ok(None);
        };
        let endpoint = HttpUrl::try_from(endpoint.to_owned()).map_err(|error| format!("data-endpoint: {error}"))?;
        if endpoint.as_str().contains(['?', '#']) {
            return Err("data-endpoint: must not have a query or fragment".to_owned());
        }
        let base = endpoint.as_str().trim_end_matches('/');
        Ok(Some(format!("{base}/v1/widget-config")))
    }
}

impl Read for Settings {
    fn read<J: Json>(value: &J, at: &At) -> aftercare_protocol::read::Result<Settings> {
        let o = Object::lenient(value, at)?;
        Ok(Settings {
            endpoint: o.optional("endpoint")?,
            merchant: o.optional("merchant")?,
            locales: o.optional("locales")?.unwrap_or_default(),
            order: o.optional("order")?,
            order_token: o.optional("orderToken")?,
            contact: o.optional("contact")?,
            config: o.optional("config")?,
            inline: o.optional::<String>("mode")?.as_deref() == Some("inline"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Settings, String> {
        Settings::parse::<serde_json::Value>(json)
    }

    #[test]
    fn inline_is_only_the_inline_mode() {
        assert!(parse(r#"{"mode":"inline"}"#).unwrap().inline);
        assert!(!parse(r#"{"mode":"popup"}"#).unwrap().inline);
        assert!(!parse(r#"{"mode":"INLINE"}"#).unwrap().inline);
        assert!(!parse("{}").unwrap().inline);
    }

    #[test]
    fn parses_what_the_loader_sends() {
        let settings = parse(
            r#"{"endpoint":"https://api.example/aftercare","merchant":"demo","locales":["zh-CN","en"],"orderToken":"t"}"#,
        )
        .unwrap();
        assert_eq!(settings.merchant.as_deref(), Some("demo"));
        assert_eq!(settings.order_token.as_deref(), Some("t"));
        assert_eq!(settings.locales, ["zh-CN", "en"]);
        assert_eq!(parse(r#"{"preload":"idle"}"#).unwrap(), Settings::default(), "unknown settings are ignored");
        assert!(parse("\"x\"").is_err());
        let error = parse(r#"{"locales":"en"}"#).unwrap_err();
        assert!(error.contains("settings.locales"), "{error}");
    }

    #[track_caller]
    fn check(endpoint: Option<&str>, merchant: Option<&str>, expected: Result<Option<&str>, &str>) {
        let settings = Settings {
            endpoint: endpoint.map(str::to_owned),
            merchant: merchant.map(str::to_owned),
            ..Settings::default()
        };
        let got = settings.widget_config_url();
        match expected {
            Ok(url) => assert_eq!(got.as_ref().map(Option::as_deref), Ok(url)),
            Err(part) => assert!(got.as_ref().is_err_and(|e| e.contains(part)), "{got:?}"),
        }
    }

    #[test]
    fn widget_config_urls() {
        check(None, Some("demo"), Ok(None));
        check(Some(""), None, Ok(None));
        check(Some("https://api.example/ac"), Some("demo"), Ok(Some("https://api.example/ac/v1/widget-config")));
        check(Some("https://api.example/ac/"), Some("a b&c"), Ok(Some("https://api.example/ac/v1/widget-config")));
        check(Some("http://127.0.0.1:8080"), None, Ok(Some("http://127.0.0.1:8080/v1/widget-config")));
        check(Some("javascript:alert(1)"), None, Err("not an http(s) URL"));
        check(Some("https://api.example/?x=1"), None, Err("query"));
    }
}
