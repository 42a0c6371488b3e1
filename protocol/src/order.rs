//! The order context the host page hands over (`data-order`, `Aftercare.setOrder`).
//!
//! Prices are integer minor units plus an ISO 4217 currency code, never floats.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: String,
    pub items: Vec<OrderItem>,
    #[serde(default)]
    pub state: Option<OrderState>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    pub id: String,
    pub name: String,
    pub quantity: u32,
    /// In minor units of `currency` (fen for CNY).
    pub price: i64,
    pub currency: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Paid,
    Shipped,
    Delivered,
}

/// What the case rules need to know about an order, as the merchant's server signed
/// it into the order token (`order` claim). The server enforces rules from this, never
/// from anything the page sends unsigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderSnapshot {
    pub order_id: String,
    pub item_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<OrderState>,
    /// `YYYY-MM-DD` or RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}

impl OrderSnapshot {
    /// The state the rules use: as given, or else delivered when a delivery date is
    /// known, or else paid (the most restrictive).
    pub fn effective_state(&self) -> OrderState {
        self.state.unwrap_or(if self.delivered_at.is_some() { OrderState::Delivered } else { OrderState::Paid })
    }
}

/// A field-level problem with an order context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for OrderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Order {
    /// Parses and checks an order context given as JSON.
    pub fn parse(json: &str) -> Result<Order, OrderError> {
        // Through `Value`, like configuration: one deserializer type in the wasm, not two.
        let value: serde_json::Value = serde_json::from_str(json).map_err(|error| OrderError {
            field: "order".to_owned(),
            message: format!("is not valid JSON ({error})"),
        })?;
        let order: Order = serde_path_to_error::deserialize(value).map_err(|error| {
            let path = error.path().to_string();
            OrderError {
                field: if path == "." { "order".to_owned() } else { format!("order.{path}") },
                message: error.into_inner().to_string(),
            }
        })?;
        order.validate()?;
        Ok(order)
    }

    fn validate(&self) -> Result<(), OrderError> {
        let error = |field: String, message: &str| Err(OrderError { field, message: message.to_owned() });
        if !is_identifier(&self.id) {
            return error("order.id".into(), "must be 1 to 64 visible characters");
        }
        for (index, item) in self.items.iter().enumerate() {
            let field = |name: &str| format!("order.items[{index}].{name}");
            if !is_identifier(&item.id) {
                return error(field("id"), "must be 1 to 64 visible characters");
            }
            if item.name.trim().is_empty() || item.name.chars().count() > 200 {
                return error(field("name"), "must be 1 to 200 characters");
            }
            if item.quantity == 0 {
                return error(field("quantity"), "must be at least 1");
            }
            if item.price < 0 {
                return error(field("price"), "must not be negative (integer minor units)");
            }
            if item.currency.len() != 3 || !item.currency.chars().all(|c| c.is_ascii_uppercase()) {
                return error(field("currency"), "must be an ISO 4217 code such as \"CNY\"");
            }
        }
        if let Some(date) = &self.delivered_at {
            if crate::time::Timestamp::parse(date).is_none() {
                return error("order.delivered_at".into(), "must be a date, YYYY-MM-DD or RFC 3339");
            }
        }
        Ok(())
    }
}

fn is_identifier(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"20261128-0042","items":[{"id":"sku-1","name":"保温杯","quantity":1,"price":12900,"currency":"CNY"}],
        "state":"delivered","delivered_at":"2026-11-25","carrier":"SF Express","tracking_number":"SF1234567890"}"#;

    #[test]
    fn parses_a_full_order() {
        let order = Order::parse(GOOD).unwrap();
        assert_eq!(order.id, "20261128-0042");
        assert_eq!(order.items[0].price, 12900);
        assert_eq!(order.state, Some(OrderState::Delivered));
    }

    #[track_caller]
    fn check(json: &str, field: &str) {
        let error = Order::parse(json).unwrap_err();
        assert_eq!(error.field, field, "{error}");
    }

    #[test]
    fn names_the_bad_field() {
        check("[", "order");
        check(r#"{"items":[]}"#, "order");
        check(r#"{"id":"","items":[]}"#, "order.id");
        check(r#"{"id":"a b","items":[]}"#, "order.id");
        check(
            r#"{"id":"1","items":[{"id":"x","name":"n","quantity":1,"price":1.5,"currency":"CNY"}]}"#,
            "order.items[0].price",
        );
        check(
            r#"{"id":"1","items":[{"id":"x","name":"n","quantity":0,"price":1,"currency":"CNY"}]}"#,
            "order.items[0].quantity",
        );
        check(
            r#"{"id":"1","items":[{"id":"x","name":"n","quantity":1,"price":-1,"currency":"CNY"}]}"#,
            "order.items[0].price",
        );
        check(
            r#"{"id":"1","items":[{"id":"x","name":"n","quantity":1,"price":1,"currency":"rmb"}]}"#,
            "order.items[0].currency",
        );
        check(r#"{"id":"1","items":[],"state":"lost"}"#, "order.state");
        check(r#"{"id":"1","items":[],"delivered_at":"yesterday"}"#, "order.delivered_at");
        check(r#"{"id":"1","items":[],"colour":"red"}"#, "order.colour");
    }
}
