//! Which route takes each next action a desk is offered. Pure, tested natively. The
//! actions themselves (and what each requires) come from the case's `next_actions`:
//! nothing here decides what is allowed.

use aftercare_protocol::case::EventKind;

/// The console's two desks: a merchant's staff, or the platform's arbiters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Desk {
    Seller,
    Platform,
}

impl Desk {
    pub fn base(self) -> &'static str {
        match self {
            Desk::Seller => "/v1/merchant/cases",
            Desk::Platform => "/v1/platform/cases",
        }
    }

    /// The route segment of `kind` on this desk (`None`: not a step this desk sends).
    pub fn route(self, kind: EventKind) -> Option<&'static str> {
        use EventKind::*;
        match (self, kind) {
            (_, Message) => Some("messages"),
            (Desk::Seller, Accept) => Some("accept"),
            (Desk::Seller, Refuse) => Some("refuse"),
            (Desk::Seller, CounterOffer) => Some("offer"),
            (Desk::Seller, ConfirmReceipt) => Some("confirm-receipt"),
            (Desk::Seller, PayRefund) => Some("refund"),
            (Desk::Seller, ShipReplacement) => Some("replacement-shipment"),
            (Desk::Seller, Resolve) => Some("resolve"),
            (Desk::Seller, SubmitEvidence) => Some("evidence"),
            (Desk::Seller, Appeal) => Some("appeal"),
            (Desk::Platform, RequestEvidence) => Some("evidence-round"),
            (Desk::Platform, RuleForShopper | RuleForSeller) => Some("ruling"),
            _ => None,
        }
    }

    /// Where a write of `kind` on case `id` goes.
    pub fn path(self, id: &str, kind: EventKind) -> Option<String> {
        self.route(kind).map(|route| format!("{}/{id}/{route}", self.base()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_a_desk_is_offered_has_a_route() {
        // What the lifecycle offers a seller and the platform (lifecycle::next_actions).
        let seller = [
            EventKind::Accept,
            EventKind::Refuse,
            EventKind::Message,
            EventKind::CounterOffer,
            EventKind::ConfirmReceipt,
            EventKind::PayRefund,
            EventKind::ShipReplacement,
            EventKind::Resolve,
            EventKind::SubmitEvidence,
            EventKind::Appeal,
        ];
        for kind in seller {
            assert!(Desk::Seller.route(kind).is_some(), "{kind:?}");
        }
        for kind in
            [EventKind::Message, EventKind::RequestEvidence, EventKind::RuleForShopper, EventKind::RuleForSeller]
        {
            assert!(Desk::Platform.route(kind).is_some(), "{kind:?}");
        }
        assert_eq!(Desk::Platform.route(EventKind::Accept), None);
        assert_eq!(Desk::Seller.path("c-1", EventKind::PayRefund).as_deref(), Some("/v1/merchant/cases/c-1/refund"));
    }
}

use aftercare_protocol::case::{Actor, MediaRef, Resolution};
use aftercare_protocol::money::Money;
use serde_json::{json, Value};

/// What the staff member filled in on an action's form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    pub message: String,
    pub address: String,
    pub notes: String,
    pub reason: String,
    pub resolution: Option<Resolution>,
    /// In major units, as typed.
    pub amount: String,
    pub reference: String,
    pub carrier: String,
    pub tracking_number: String,
    pub from_shopper: bool,
    pub from_seller: bool,
    pub hours: String,
    /// Files uploaded for the action (those that take files).
    pub media: Vec<MediaRef>,
}

/// Why a form cannot be sent yet (the console words it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormError {
    MessageRequired,
    AmountInvalid,
    ReasonRequired,
    AddressRequired,
    ShipmentRequired,
    EvidenceFromRequired,
    HoursInvalid,
}

fn some_text(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The request body of `kind` from `fields`; amounts in `currency` (the case's).
/// `needs_address`: the action requires return instructions (the case's `requires`).
pub fn body(kind: EventKind, fields: &Fields, currency: &str, needs_address: bool) -> Result<Value, FormError> {
    use EventKind::*;
    let message = some_text(&fields.message);
    let required = || message.clone().ok_or(FormError::MessageRequired);
    let amount = || -> Result<Option<Money>, FormError> {
        match some_text(&fields.amount) {
            None => Ok(None),
            Some(text) => Money::from_decimal(&text, currency)
                .filter(|m| m.minor_units > 0)
                .map(Some)
                .ok_or(FormError::AmountInvalid),
        }
    };
    let instructions = || -> Result<Option<Value>, FormError> {
        match some_text(&fields.address) {
            Some(address) => Ok(Some(match some_text(&fields.notes) {
                Some(notes) => json!({"address": address, "instructions": notes}),
                None => json!({"address": address}),
            })),
            None if needs_address => Err(FormError::AddressRequired),
            None => Ok(None),
        }
    };
    let mut body = match kind {
        Accept => {
            let mut body = json!({});
            if let Some(instructions) = instructions()? {
                body["return_instructions"] = instructions;
            }
            if let Some(message) = message.clone() {
                body["message"] = json!(message);
            }
            body
        }
        Refuse => {
            let reason = some_text(&fields.reason).ok_or(FormError::ReasonRequired)?;
            json!({"reason": reason, "message": required()?})
        }
        CounterOffer => {
            let resolution = fields.resolution.unwrap_or(Resolution::RefundOnly);
            let mut body = json!({"resolution": resolution.as_str(), "message": required()?});
            if let Some(amount) = amount()? {
                body["amount"] = json!(amount);
            }
            if let Some(instructions) = instructions()? {
                body["return_instructions"] = instructions;
            }
            body
        }
        Message | SubmitEvidence | Appeal | Resolve => json!({"message": required()?}),
        ConfirmReceipt => message.clone().map_or_else(|| json!({}), |m| json!({"message": m})),
        PayRefund => {
            let amount = amount()?.ok_or(FormError::AmountInvalid)?;
            let mut body = json!({"amount": amount});
            if let Some(reference) = some_text(&fields.reference) {
                body["reference"] = json!(reference);
            }
            body
        }
        ShipReplacement => {
            let (Some(carrier), Some(number)) = (some_text(&fields.carrier), some_text(&fields.tracking_number)) else {
                return Err(FormError::ShipmentRequired);
            };
            json!({"carrier": carrier, "tracking_number": number})
        }
        RequestEvidence => {
            let mut from = Vec::new();
            if fields.from_shopper {
                from.push(Actor::Shopper.as_str());
            }
            if fields.from_seller {
                from.push(Actor::Seller.as_str());
            }
            if from.is_empty() {
                return Err(FormError::EvidenceFromRequired);
            }
            let mut body = json!({"from": from, "message": required()?});
            if let Some(hours) = some_text(&fields.hours) {
                let hours: u32 = hours.parse().ok().filter(|h| (1..=720).contains(h)).ok_or(FormError::HoursInvalid)?;
                body["due_in_hours"] = json!(hours);
            }
            body
        }
        RuleForShopper => {
            let mut body = json!({"in_favour_of": "shopper", "message": required()?});
            if let Some(resolution) = fields.resolution {
                let mut settlement = json!({"resolution": resolution.as_str()});
                if let Some(amount) = amount()? {
                    settlement["amount"] = json!(amount);
                }
                body["settlement"] = settlement;
            }
            if let Some(instructions) = instructions()? {
                body["return_instructions"] = instructions;
            }
            body
        }
        RuleForSeller => json!({"in_favour_of": "seller", "message": required()?}),
        _ => json!({}),
    };
    if takes_files(kind) && !fields.media.is_empty() {
        body["media"] = json!(fields.media);
    }
    if body.is_null() {
        body = json!({});
    }
    Ok(body)
}

/// Whether the request of `kind` carries files (`media`).
pub fn takes_files(kind: EventKind) -> bool {
    use EventKind::*;
    matches!(kind, Message | SubmitEvidence | Appeal | Refuse | CounterOffer)
}

/// Where the console is: `#/` the queue, `#/cases/{id}` a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Queue,
    Case(String),
    /// The desk's canned replies and staff (admins).
    Settings,
}

impl Route {
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#');
        if path == "/settings" {
            return Route::Settings;
        }
        match path.strip_prefix("/cases/") {
            Some(id) if !id.is_empty() && !id.contains('/') => Route::Case(id.to_owned()),
            _ => Route::Queue,
        }
    }

    pub fn hash(&self) -> String {
        match self {
            Route::Queue => "#/".to_owned(),
            Route::Case(id) => format!("#/cases/{id}"),
            Route::Settings => "#/settings".to_owned(),
        }
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;

    #[test]
    fn forms_become_the_requests_the_api_takes() {
        let fields = Fields { message: " 可以部分退款 ".into(), amount: "50".into(), ..Fields::default() };
        assert_eq!(
            body(EventKind::CounterOffer, &fields, "CNY", false),
            Ok(
                json!({"resolution": "refund_only", "message": "可以部分退款", "amount": {"minor_units": 5000, "currency": "CNY"}})
            )
        );
        assert_eq!(body(EventKind::CounterOffer, &Fields::default(), "CNY", false), Err(FormError::MessageRequired));
        let bad = Fields { amount: "5,0".into(), ..fields.clone() };
        assert_eq!(body(EventKind::CounterOffer, &bad, "CNY", false), Err(FormError::AmountInvalid));
        assert_eq!(body(EventKind::Accept, &Fields::default(), "CNY", true), Err(FormError::AddressRequired));
        let address = Fields { address: "1 Example Road".into(), ..Fields::default() };
        assert_eq!(
            body(EventKind::Accept, &address, "CNY", true),
            Ok(json!({"return_instructions": {"address": "1 Example Road"}}))
        );
        assert_eq!(body(EventKind::Accept, &Fields::default(), "CNY", false), Ok(json!({})));
        let refund = Fields { amount: "199.00".into(), reference: "R-1".into(), ..Fields::default() };
        assert_eq!(
            body(EventKind::PayRefund, &refund, "CNY", false),
            Ok(json!({"amount": {"minor_units": 19900, "currency": "CNY"}, "reference": "R-1"}))
        );
        assert_eq!(body(EventKind::Refuse, &fields, "CNY", false), Err(FormError::ReasonRequired));
        let photo = MediaRef::new("u-1", aftercare_protocol::case::MediaKind::Photo);
        let with_photo = Fields { message: "见图".into(), media: vec![photo], ..Fields::default() };
        assert_eq!(
            body(EventKind::Message, &with_photo, "CNY", false),
            Ok(json!({"message": "见图", "media": [{"upload_id": "u-1", "kind": "photo"}]}))
        );
        let resolve = body(EventKind::Resolve, &with_photo, "CNY", false).unwrap();
        assert!(resolve.get("media").is_none(), "resolve takes no files");
        let round =
            Fields { message: "请提供照片".into(), from_seller: true, hours: "48".into(), ..Fields::default() };
        assert_eq!(
            body(EventKind::RequestEvidence, &round, "CNY", false),
            Ok(json!({"from": ["seller"], "message": "请提供照片", "due_in_hours": 48}))
        );
        let ruling = Fields {
            message: "部分退款".into(),
            resolution: Some(Resolution::RefundOnly),
            amount: "80".into(),
            ..Fields::default()
        };
        assert_eq!(
            body(EventKind::RuleForShopper, &ruling, "CNY", false),
            Ok(
                json!({"in_favour_of": "shopper", "message": "部分退款", "settlement": {"resolution": "refund_only", "amount": {"minor_units": 8000, "currency": "CNY"}}})
            )
        );
    }

    #[test]
    fn routes_come_from_the_hash() {
        assert_eq!(Route::from_hash("#/cases/abc-1"), Route::Case("abc-1".into()));
        for hash in ["", "#", "#/", "#/cases/", "#/cases/a/b", "#/other"] {
            assert_eq!(Route::from_hash(hash), Route::Queue, "{hash}");
        }
        assert_eq!(Route::Case("x".into()).hash(), "#/cases/x");
        assert_eq!(Route::from_hash("#/settings"), Route::Settings);
    }
}
