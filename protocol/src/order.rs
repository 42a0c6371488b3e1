//! The order context the host page hands over (`data-order`, `Aftercare.setOrder`).
//!
//! Prices are integer minor units plus an ISO 4217 currency code, never floats.

use serde::{Deserialize, Serialize};

use crate::read::{self, At, Json, Object, Read};

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
    /// What was paid for each item: the cap on any refund. Optional for tokens
    /// minted before prices were signed; without them no partial refund can be
    /// checked, so none can be offered or ruled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<ItemPrice>,
}

/// What the shopper paid for one item of the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemPrice {
    pub item_id: String,
    pub quantity: u32,
    /// Per unit, in minor units of `currency`, as paid (after discounts).
    pub unit_price: i64,
    pub currency: String,
}

/// Why the price paid for a case's items cannot be worked out from the snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PriceError {
    /// An item has no price, or more than one.
    Unpriced(String),
    /// A price is negative, its quantity zero, or its currency not ISO 4217.
    Invalid(String),
    /// The items were paid in different currencies.
    MixedCurrencies,
    /// The total does not fit in 64 bits.
    Overflow,
}

impl std::fmt::Display for PriceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PriceError::Unpriced(id) => write!(f, "the signed order has no single price for item \"{id}\""),
            PriceError::Invalid(id) => write!(f, "the signed price of item \"{id}\" is not valid"),
            PriceError::MixedCurrencies => write!(f, "the items were paid in different currencies"),
            PriceError::Overflow => write!(f, "the price paid is too large"),
        }
    }
}

impl OrderSnapshot {
    /// The price paid for `items` (quantity × unit price, summed with checked
    /// arithmetic), or `None` when the snapshot carries no prices.
    pub fn paid_for(&self, items: &[String]) -> Result<Option<crate::money::Money>, PriceError> {
        if self.prices.is_empty() {
            return Ok(None);
        }
        let mut total: i64 = 0;
        let mut currency: Option<&str> = None;
        for id in items {
            let mut priced = self.prices.iter().filter(|p| &p.item_id == id);
            let (Some(price), None) = (priced.next(), priced.next()) else {
                return Err(PriceError::Unpriced(id.clone()));
            };
            if price.unit_price < 0 || price.quantity == 0 || !crate::money::Money::valid_currency(&price.currency) {
                return Err(PriceError::Invalid(id.clone()));
            }
            if currency.is_some_and(|c| c != price.currency) {
                return Err(PriceError::MixedCurrencies);
            }
            currency = Some(&price.currency);
            let line = price.unit_price.checked_mul(i64::from(price.quantity)).ok_or(PriceError::Overflow)?;
            total = total.checked_add(line).ok_or(PriceError::Overflow)?;
        }
        Ok(currency.map(|c| crate::money::Money::new(total, c)))
    }
    /// The state the rules use: as given, or else delivered when a delivery date is
    /// known, or else paid (the most restrictive).
    pub fn effective_state(&self) -> OrderState {
        self.state.unwrap_or(if self.delivered_at.is_some() { OrderState::Delivered } else { OrderState::Paid })
    }
}

/// A field-level problem with an order context.
pub type OrderError = read::Invalid;

impl OrderState {
    const NAMES: [(&'static str, OrderState); 3] =
        [("paid", OrderState::Paid), ("shipped", OrderState::Shipped), ("delivered", OrderState::Delivered)];

    /// The wire name (`paid`, `shipped`, `delivered`).
    pub fn as_str(self) -> &'static str {
        OrderState::NAMES.iter().find(|(_, state)| *state == self).map_or("", |(name, _)| name)
    }
}

impl Read for OrderState {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<OrderState> {
        read::one_of(value, at, &OrderState::NAMES)
    }
}

impl Read for OrderItem {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<OrderItem> {
        let o = Object::new(value, at, &["id", "name", "quantity", "price", "currency", "sku", "image"])?;
        Ok(OrderItem {
            id: o.required("id")?,
            name: o.required("name")?,
            quantity: o.required("quantity")?,
            price: o.required("price")?,
            currency: o.required("currency")?,
            sku: o.optional("sku")?,
            image: o.optional("image")?,
        })
    }
}

impl Read for Order {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Order> {
        let o = Object::new(value, at, &["id", "items", "state", "delivered_at", "carrier", "tracking_number"])?;
        Ok(Order {
            id: o.required("id")?,
            items: o.required("items")?,
            state: o.optional("state")?,
            delivered_at: o.optional("delivered_at")?,
            carrier: o.optional("carrier")?,
            tracking_number: o.optional("tracking_number")?,
        })
    }
}

impl Order {
    /// Parses and checks an order context given as JSON (through `serde_json`).
    pub fn parse(json: &str) -> Result<Order, OrderError> {
        Order::parse_with::<serde_json::Value>(json)
    }

    /// Parses (as a `J`) and checks an order context given as JSON.
    pub fn parse_with<J: Json>(json: &str) -> Result<Order, OrderError> {
        let at = At::Root("order");
        let value = J::parse(json).ok_or_else(|| at.invalid("is not valid JSON"))?;
        Order::from_value(&value)
    }

    /// Reads and checks an order context already parsed.
    pub fn from_value<J: Json>(value: &J) -> Result<Order, OrderError> {
        let order = Order::read(value, &At::Root("order"))?;
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
        check(r#"{"items":[]}"#, "order.id");
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

    fn snapshot(prices: Vec<ItemPrice>) -> OrderSnapshot {
        OrderSnapshot {
            order_id: "o".into(),
            item_ids: vec!["a".into(), "b".into()],
            state: None,
            delivered_at: None,
            prices,
        }
    }

    fn price(id: &str, quantity: u32, unit_price: i64, currency: &str) -> ItemPrice {
        ItemPrice { item_id: id.into(), quantity, unit_price, currency: currency.into() }
    }

    #[test]
    fn the_price_paid_is_summed_from_the_signed_prices() {
        use crate::money::Money;
        let items = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let order = snapshot(vec![price("a", 2, 12900, "CNY"), price("b", 1, 5000, "CNY")]);
        assert_eq!(order.paid_for(&items(&["a"])), Ok(Some(Money::new(25800, "CNY"))));
        assert_eq!(order.paid_for(&items(&["a", "b"])), Ok(Some(Money::new(30800, "CNY"))));
        assert_eq!(snapshot(vec![]).paid_for(&items(&["a"])), Ok(None), "no prices signed");
        assert_eq!(order.paid_for(&items(&["c"])), Err(PriceError::Unpriced("c".into())));
        let twice = snapshot(vec![price("a", 1, 1, "CNY"), price("a", 1, 2, "CNY")]);
        assert_eq!(twice.paid_for(&items(&["a"])), Err(PriceError::Unpriced("a".into())));
        let mixed = snapshot(vec![price("a", 1, 1, "CNY"), price("b", 1, 1, "USD")]);
        assert_eq!(mixed.paid_for(&items(&["a", "b"])), Err(PriceError::MixedCurrencies));
        let huge = snapshot(vec![price("a", 3, i64::MAX / 2, "CNY")]);
        assert_eq!(huge.paid_for(&items(&["a"])), Err(PriceError::Overflow));
        let sum = snapshot(vec![price("a", 1, i64::MAX, "CNY"), price("b", 1, 1, "CNY")]);
        assert_eq!(sum.paid_for(&items(&["a", "b"])), Err(PriceError::Overflow));
        for bad in [price("a", 0, 1, "CNY"), price("a", 1, -1, "CNY"), price("a", 1, 1, "rmb")] {
            assert_eq!(snapshot(vec![bad]).paid_for(&items(&["a"])), Err(PriceError::Invalid("a".into())));
        }
    }
}
