//! Money on the wire: integer minor units of an ISO 4217 currency (fen for CNY, cents
//! for USD, yen for JPY), never floats or decimal strings. One type for every amount
//! the API carries (refunds today; offers and partial refunds build on it). The order
//! context's item prices are minor units and a currency too (`order.rs`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// The amount in the currency's minor units, e.g. `12900` for ¥129.00.
    pub minor_units: i64,
    /// ISO 4217, e.g. `CNY`.
    pub currency: String,
}

/// Currencies without minor units (ISO 4217 exponent 0), and those with three.
const EXPONENT_0: &[&str] =
    &["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
const EXPONENT_3: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Money {
    pub fn new(minor_units: i64, currency: &str) -> Money {
        Money { minor_units, currency: currency.to_owned() }
    }

    /// Whether `currency` is an ISO 4217 code in form: three capital letters.
    pub fn valid_currency(currency: &str) -> bool {
        currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase())
    }

    /// Digits after the decimal point in this currency (ISO 4217's exponent).
    pub fn exponent(&self) -> u32 {
        match self.currency.as_str() {
            c if EXPONENT_0.contains(&c) => 0,
            c if EXPONENT_3.contains(&c) => 3,
            _ => 2,
        }
    }

    /// The amount in major units as people write it, without grouping: `129.00`,
    /// `-0.05`, `1500` (JPY).
    pub fn decimal(&self) -> String {
        let exponent = self.exponent() as usize;
        let mut digits = self.minor_units.unsigned_abs().to_string();
        if exponent > 0 {
            // At least one digit before the point: 5 fen is 0.05.
            while digits.len() <= exponent {
                digits.insert(0, '0');
            }
            digits.insert(digits.len() - exponent, '.');
        }
        if self.minor_units < 0 {
            digits.insert(0, '-');
        }
        digits
    }

    /// An amount as people type it in major units (`129`, `129.5`, `129.50`; no sign,
    /// no grouping, at most the currency's decimals) — `None` for anything else, or one
    /// too large for minor units.
    pub fn from_decimal(text: &str, currency: &str) -> Option<Money> {
        let exponent = Money::new(0, currency).exponent();
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 15 || !digits(whole) || !digits(fraction) {
            return None;
        }
        if fraction.len() > exponent as usize || (text.contains('.') && fraction.is_empty()) {
            return None;
        }
        let scale = 10i64.checked_pow(exponent)?;
        let fraction_units: i64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse::<i64>().ok()? * 10i64.checked_pow(exponent - fraction.len() as u32)?
        };
        let minor_units = whole.parse::<i64>().ok()?.checked_mul(scale)?.checked_add(fraction_units)?;
        Some(Money::new(minor_units, currency))
    }
}

impl std::fmt::Display for Money {
    /// `129.00 CNY`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

impl crate::read::Read for Money {
    fn read<J: crate::read::Json>(value: &J, at: &crate::read::At) -> crate::read::Result<Money> {
        let o = crate::read::Object::new(value, at, &["minor_units", "currency"])?;
        Ok(Money { minor_units: o.required("minor_units")?, currency: o.required("currency")? })
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn typed_amounts_become_minor_units() {
        let cny = |text: &str| Money::from_decimal(text, "CNY").map(|m| m.minor_units);
        assert_eq!(cny("129"), Some(12900));
        assert_eq!(cny(" 129.5 "), Some(12950));
        assert_eq!(cny("0.05"), Some(5));
        for bad in ["", ".5", "129.", "1.234", "-1", "1,000", "1e3", "12a", "9999999999999999"] {
            assert_eq!(cny(bad), None, "{bad:?}");
        }
        assert_eq!(Money::from_decimal("1500", "JPY").map(|m| m.minor_units), Some(1500));
        assert_eq!(Money::from_decimal("15.5", "JPY"), None);
        assert_eq!(Money::from_decimal("1.234", "KWD").map(|m| m.minor_units), Some(1234));
    }

    #[test]
    fn amounts_read_in_major_units() {
        assert_eq!(Money::new(12900, "CNY").to_string(), "129.00 CNY");
        assert_eq!(Money::new(5, "USD").decimal(), "0.05");
        assert_eq!(Money::new(-5, "EUR").decimal(), "-0.05");
        assert_eq!(Money::new(1500, "JPY").decimal(), "1500");
        assert_eq!(Money::new(1234, "KWD").decimal(), "1.234");
        assert_eq!(Money::new(i64::MIN, "CNY").decimal(), "-92233720368547758.08");
    }

    #[test]
    fn the_wire_form_is_minor_units_and_a_code() {
        let money: Money = serde_json::from_str(r#"{"minor_units":12900,"currency":"CNY"}"#).unwrap();
        assert_eq!(money, Money::new(12900, "CNY"));
        assert!(serde_json::from_str::<Money>(r#"{"minor_units":129.5,"currency":"CNY"}"#).is_err(), "no floats");
        assert!(serde_json::from_str::<Money>(r#"{"minor_units":"129","currency":"CNY"}"#).is_err(), "no strings");
        assert!(Money::valid_currency("CNY") && !Money::valid_currency("cny") && !Money::valid_currency("CN"));
    }
}
