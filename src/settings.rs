//! What the loader (`loader/aftercare.js`) hands the wasm at start: the script tag's
//! `data-*` attributes, already collected into one JSON object, plus the locale
//! candidates it read from the page. Parsing and checking it is pure.

use serde::Deserialize;

use crate::config::HttpUrl;

/// The loader's start-up settings. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
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
}

impl Settings {
    pub fn parse(json: &str) -> Result<Settings, String> {
        serde_json::from_str(json)
            .and_then(serde_json::from_value)
            .map_err(|error| format!("loader settings are not valid: {error}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_loader_sends() {
        let settings = Settings::parse(
            r#"{"endpoint":"https://api.example/aftercare","merchant":"demo","locales":["zh-CN","en"],"orderToken":"t"}"#,
        )
        .unwrap();
        assert_eq!(settings.merchant.as_deref(), Some("demo"));
        assert_eq!(settings.order_token.as_deref(), Some("t"));
        assert_eq!(settings.locales, ["zh-CN", "en"]);
        assert_eq!(Settings::parse("{}").unwrap(), Settings::default());
        assert!(Settings::parse("\"x\"").is_err());
        assert!(Settings::parse(r#"{"locales":"en"}"#).is_err());
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
