//! Checks on what a shopper sends, with field-level errors. The widget runs them before
//! posting; the server runs them again and answers the first error.

use crate::case::{Contact, ErrorParams, EscalateRequest, MediaKind, NewCase, ProblemType, Refund, Shipment};
use crate::order::OrderSnapshot;
use crate::rules::Rules;
use crate::time::Timestamp;

/// One problem with one field. `code` and `params` are stable (the widget words its
/// message from them, in the shopper's language); `message` is English for developers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
    pub params: ErrorParams,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), code, message: message.into(), params: ErrorParams::default() }
    }

    pub fn with(mut self, params: ErrorParams) -> FieldError {
        self.params = params;
        self
    }

    /// The error, naming the values that would have been accepted.
    pub fn allowing(self, allowed: &[&str]) -> FieldError {
        self.with(ErrorParams { allowed: allowed.iter().map(|a| (*a).to_owned()).collect(), ..ErrorParams::default() })
    }
}

fn error(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn length_between(errors: &mut Vec<FieldError>, field: &str, text: &str, min: usize, max: usize) {
    let length = text.trim().chars().count();
    let limits = ErrorParams { min: Some(count(min)), max: Some(count(max)), ..ErrorParams::default() };
    if length < min {
        errors.push(error(field, "too_short", format!("must be at least {min} characters")).with(limits));
    } else if length > max {
        errors.push(error(field, "too_long", format!("must be at most {max} characters")).with(limits));
    }
    if let Some(c) = text.chars().find(|&c| forbidden_in_text(c)) {
        errors.push(error(
            field,
            "invalid_characters",
            format!("contains U+{:04X}, which text here may not hold", c as u32),
        ));
    }
}

/// Characters no free text may hold: NUL and the other control characters (newline and
/// tab excepted), which databases refuse or terminals interpret, and Unicode's
/// bidirectional formatting characters, which can make a merchant's view read
/// differently from what was written.
pub fn forbidden_in_text(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Characters no one-line name may hold (ids, file names, URLs): every control
/// character, and the bidirectional formatting characters.
pub fn forbidden_in_name(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Unicode's bidirectional formatting characters (marks, embeddings, overrides,
/// isolates), which can make `invoice\u{202E}gpj.exe` read as `invoiceexe.jpg`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every problem with a new case against the signed order snapshot, at `now`.
pub fn new_case(case: &NewCase, order: &OrderSnapshot, rules: &Rules, now: Timestamp) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if case.order_id != order.order_id {
        errors.push(error("order_id", "order_mismatch", "is not the order this token is for"));
    }
    if case.item_ids.is_empty() {
        errors.push(error("item_ids", "required", "choose at least one item"));
    }
    if let Err(problem) = order.paid_for(&case.item_ids) {
        if case.item_ids.iter().all(|id| order.item_ids.contains(id)) {
            errors.push(error("item_ids", "order_prices_invalid", problem.to_string()));
        }
    }
    for (index, id) in case.item_ids.iter().enumerate() {
        if !order.item_ids.contains(id) {
            errors.push(error(format!("item_ids[{index}]"), "unknown_item", format!("\"{id}\" is not in this order")));
        } else if case.item_ids[..index].contains(id) {
            errors.push(error(format!("item_ids[{index}]"), "duplicate_item", format!("\"{id}\" is listed twice")));
        }
    }

    let Some(rule) = rules.problem(case.problem_type) else {
        errors.push(error(
            "problem_type",
            "problem_type_not_offered",
            "this merchant does not take this kind of problem",
        ));
        return errors;
    };
    if !rule.reasons.contains(&case.reason) {
        errors.push(error(
            "reason",
            "reason_not_allowed",
            format!("{} is not a reason for {}", case.reason.as_str(), case.problem_type.as_str()),
        ));
    }
    let allowed = rules.resolutions(case.problem_type, case.reason, order);
    if allowed.is_empty() {
        errors.push(error(
            "problem_type",
            "not_available_for_order_state",
            format!(
                "{} is not available while the order is {}",
                case.problem_type.as_str(),
                order.effective_state().as_str()
            ),
        ));
    } else if !allowed.contains(&case.resolution) {
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        errors.push(
            error(
                "resolution",
                "resolution_not_allowed",
                format!("{} is not possible here; allowed: {}", case.resolution.as_str(), names.join(", ")),
            )
            .with(ErrorParams { allowed: names.iter().map(|n| (*n).to_owned()).collect(), ..ErrorParams::default() }),
        );
    }
    if case.problem_type == ProblemType::NoReasonReturn
        && !allowed.is_empty()
        && !rules.no_reason_available(order, &case.item_ids, now)
    {
        let (message, at) = match rules.no_reason_window_end(order) {
            Some(end) if now >= end => {
                (format!("the no-reason return window closed at {}", end.to_rfc3339()), Some(end))
            }
            _ => ("an item in this request is excluded from no-reason returns".to_owned(), None),
        };
        errors.push(
            error("problem_type", "no_reason_return_unavailable", message)
                .with(ErrorParams { at, ..ErrorParams::default() }),
        );
    }

    let limits = rules.limits;
    let min = if rule.description_required { usize::from(limits.description_min) } else { 0 };
    length_between(&mut errors, "description", &case.description, min, usize::from(limits.description_max));

    for (kind, count) in [(MediaKind::Photo, rule.photos), (MediaKind::Video, rule.videos)] {
        let attached = case.media.iter().filter(|m| m.kind == kind).count();
        let name = kind.as_str();
        let params = ErrorParams {
            min: Some(u64::from(count.min)),
            max: Some(u64::from(count.max)),
            kind: Some(kind),
            ..ErrorParams::default()
        };
        if attached < usize::from(count.min) {
            errors.push(
                error("media", "evidence_required", format!("attach at least {} {name}(s)", count.min)).with(params),
            );
        } else if attached > usize::from(count.max) {
            errors
                .push(error("media", "too_many_media", format!("attach at most {} {name}(s)", count.max)).with(params));
        }
    }
    for (index, media) in case.media.iter().enumerate() {
        if !is_token(&media.upload_id) {
            errors.push(error(format!("media[{index}].upload_id"), "invalid", "is not an upload id"));
        }
    }
    contact(&mut errors, &case.contact);
    errors
}

fn contact(errors: &mut Vec<FieldError>, contact: &Contact) {
    if let Some(name) = &contact.name {
        length_between(errors, "contact.name", name, 1, 50);
    }
    let phone = contact.phone.as_deref().filter(|p| !p.trim().is_empty());
    let email = contact.email.as_deref().filter(|e| !e.trim().is_empty());
    if phone.is_none() && email.is_none() {
        errors.push(error("contact", "required", "give a phone number or an email address"));
    }
    if phone.is_some_and(|phone| !phone_number(phone)) {
        errors.push(error("contact.phone", "invalid", "is not a phone number"));
    }
    if email.is_some_and(|email| !email_address(email)) {
        errors.push(error("contact.email", "invalid", "is not an email address"));
    }
}

/// A phone number as people write it: 3 to 20 digits, with spaces and dashes, and a
/// `+` only in front. The one rule for a merchant's configured numbers and a shopper's.
pub fn phone_number(text: &str) -> bool {
    let text = text.trim();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
    allowed && (3..=20).contains(&digits) && !text.get(1..).unwrap_or("").contains('+')
}

/// A plain mailbox `local@domain` (ASCII letters, digits and `.-_+`), safe in a
/// `mailto:` URI unencoded. The one rule for a merchant's addresses and a shopper's.
pub fn email_address(text: &str) -> bool {
    let text = text.trim();
    text.len() <= 254
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "@.-_+".contains(c))
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
}

/// Upload ids are opaque tokens: ASCII letters, digits, `-` and `_`, 1 to 64 long.
fn is_token(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The most files a request for platform intervention may add.
pub const ESCALATION_MEDIA_MAX: usize = 9;

/// The shortest reason for asking the platform to step in.
pub const ESCALATION_REASON_MIN: usize = 5;

/// Checks a request for platform intervention.
pub fn escalate(request: &EscalateRequest, rules: &Rules) -> Vec<FieldError> {
    let mut errors = Vec::new();
    length_between(
        &mut errors,
        "reason",
        &request.reason,
        ESCALATION_REASON_MIN,
        usize::from(rules.limits.message_max),
    );
    if request.media.len() > ESCALATION_MEDIA_MAX {
        errors.push(
            error("media", "too_many_media", format!("attach at most {ESCALATION_MEDIA_MAX} files"))
                .with(ErrorParams { max: Some(count(ESCALATION_MEDIA_MAX)), ..ErrorParams::default() }),
        );
    }
    errors
}

/// Checks a message a person writes into a case's history (1 to `message_max`
/// characters).
pub fn message(field: &str, text: &str, rules: &Rules) -> Vec<FieldError> {
    let mut errors = Vec::new();
    length_between(&mut errors, field, text, 1, usize::from(rules.limits.message_max));
    errors
}

/// Checks a message with files (a message, an answer to an evidence round, an
/// appeal): the text as [`message`], at most as many files as an escalation takes.
pub fn new_message(request: &crate::case::NewMessage, rules: &Rules) -> Vec<FieldError> {
    let mut errors = message("message", &request.message, rules);
    if request.media.len() > ESCALATION_MEDIA_MAX {
        errors.push(
            error("media", "too_many_media", format!("attach at most {ESCALATION_MEDIA_MAX} files"))
                .with(ErrorParams { max: Some(count(ESCALATION_MEDIA_MAX)), ..ErrorParams::default() }),
        );
    }
    errors
}

/// Checks an amount to refund (`field`) against the most it may be, `cap`: what was
/// agreed, or else the price paid. Without a known cap no amount can be checked, and
/// none is taken.
pub fn amount_within(field: &str, amount: &crate::money::Money, cap: Option<&crate::money::Money>) -> Vec<FieldError> {
    let Some(cap) = cap else {
        return vec![error(
            field,
            "order_prices_unknown",
            "the signed order carries no prices, so no amount can be checked against the price paid",
        )];
    };
    if amount.currency != cap.currency {
        return vec![error(format!("{field}.currency"), "currency_mismatch", format!("must be {}", cap.currency))
            .with(ErrorParams { allowed: vec![cap.currency.clone()], ..ErrorParams::default() })];
    }
    if !(1..=cap.minor_units).contains(&amount.minor_units) {
        let max = u64::try_from(cap.minor_units).unwrap_or(0);
        return vec![error(
            format!("{field}.minor_units"),
            "amount_over_cap",
            format!("must be 1 to {} {} (the most this case can refund)", cap.decimal(), cap.currency),
        )
        .with(ErrorParams { min: Some(1), max: Some(max), ..ErrorParams::default() })];
    }
    Vec::new()
}

/// Checks what a seller offers, or a ruling awards, against the case filed for
/// `asked` with `paid` as the price: an amount only with a refund, within the price
/// paid; and, for an offer (`must_differ`), something other than what was asked in
/// full (else it is an acceptance).
pub fn settlement(
    field: &str,
    resolution: crate::case::Resolution,
    amount: Option<&crate::money::Money>,
    asked: crate::case::Resolution,
    paid: Option<&crate::money::Money>,
    must_differ: bool,
) -> Vec<FieldError> {
    let at = |name: &str| if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
    let mut errors = Vec::new();
    match amount {
        Some(_) if !resolution.is_refund() => {
            errors.push(error(at("amount"), "amount_not_allowed", "only a refund has an amount"))
        }
        Some(amount) => errors.extend(amount_within(&at("amount"), amount, paid)),
        None => {}
    }
    let in_full = amount.is_none() || amount == paid;
    if must_differ && resolution == asked && in_full {
        errors.push(error(
            at("resolution"),
            "offer_same_as_asked",
            "this is what the shopper asked for: accept the request instead",
        ));
    }
    errors
}

/// The most one refund may be, in minor units: a bound well inside `i64` (and inside
/// what a JavaScript number holds exactly).
pub const REFUND_MAX_MINOR_UNITS: i64 = 1_000_000_000_000;

/// Checks a recorded refund: a positive amount in minor units (at most
/// [`REFUND_MAX_MINOR_UNITS`]), an ISO 4217 currency code, a reference of at most 64
/// characters.
pub fn refund(refund: &Refund) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let amount = refund.amount.minor_units;
    if !(1..=REFUND_MAX_MINOR_UNITS).contains(&amount) {
        errors.push(
            error("amount.minor_units", "invalid_amount", "must be a positive amount in minor units, e.g. 12900")
                .with(ErrorParams { min: Some(1), max: Some(REFUND_MAX_MINOR_UNITS as u64), ..ErrorParams::default() }),
        );
    }
    if !crate::money::Money::valid_currency(&refund.amount.currency) {
        errors.push(error("amount.currency", "invalid_currency", "must be an ISO 4217 code like CNY"));
    }
    if let Some(reference) = &refund.reference {
        length_between(&mut errors, "reference", reference, 1, 64);
    }
    errors
}

/// Checks a parcel's carrier and tracking number.
pub fn shipment(shipment: &Shipment) -> Vec<FieldError> {
    let mut errors = Vec::new();
    length_between(&mut errors, "carrier", &shipment.carrier, 1, 40);
    let tracking = shipment.tracking_number.trim();
    if tracking.is_empty() || tracking.len() > 40 || !tracking.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        errors.push(
            error("tracking_number", "invalid", "must be 1 to 40 letters, digits or dashes").with(ErrorParams {
                min: Some(1),
                max: Some(40),
                ..ErrorParams::default()
            }),
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{MediaRef, Reason, Resolution};
    use crate::order::OrderState;

    fn order() -> OrderSnapshot {
        OrderSnapshot {
            order_id: "o-1".into(),
            item_ids: vec!["a".into(), "b".into()],
            state: Some(OrderState::Delivered),
            delivered_at: Some("2026-11-25".into()),
            prices: Vec::new(),
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-28T08:00:00Z").unwrap()
    }

    fn photo(id: &str) -> MediaRef {
        MediaRef::new(id, MediaKind::Photo)
    }

    fn good() -> NewCase {
        NewCase {
            order_id: "o-1".into(),
            item_ids: vec!["a".into()],
            problem_type: ProblemType::Quality,
            reason: Reason::Broken,
            resolution: Resolution::Exchange,
            description: "The lid is cracked on arrival.".into(),
            media: vec![photo("up_1")],
            contact: Contact { phone: Some("138 0013 8000".into()), ..Contact::default() },
            locale: None,
        }
    }

    #[track_caller]
    fn check(change: impl FnOnce(&mut NewCase), expected: &[(&str, &str)]) {
        let mut case = good();
        change(&mut case);
        let errors = new_case(&case, &order(), &Rules::default(), now());
        let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(got, expected, "{errors:?}");
    }

    #[test]
    fn a_good_case_passes() {
        check(|_| {}, &[]);
    }

    #[test]
    fn field_level_errors() {
        check(|c| c.order_id = "o-2".into(), &[("order_id", "order_mismatch")]);
        check(|c| c.item_ids.clear(), &[("item_ids", "required")]);
        check(|c| c.item_ids = vec!["a".into(), "z".into()], &[("item_ids[1]", "unknown_item")]);
        check(|c| c.item_ids = vec!["a".into(), "a".into()], &[("item_ids[1]", "duplicate_item")]);
        check(|c| c.reason = Reason::Lost, &[("reason", "reason_not_allowed")]);
        check(|c| c.resolution = Resolution::Reshipment, &[("resolution", "resolution_not_allowed")]);
        check(|c| c.description = "bad".into(), &[("description", "too_short")]);
        check(|c| c.description = "x".repeat(1001), &[("description", "too_long")]);
        check(|c| c.media.clear(), &[("media", "evidence_required")]);
        check(|c| c.media = (0..10).map(|i| photo(&format!("p{i}"))).collect(), &[("media", "too_many_media")]);
        check(|c| c.media = vec![photo("../etc/passwd")], &[("media[0].upload_id", "invalid")]);
        check(|c| c.contact = Contact::default(), &[("contact", "required")]);
        check(|c| c.contact.phone = Some("call me".into()), &[("contact.phone", "invalid")]);
        check(|c| c.contact.email = Some("a@b".into()), &[("contact.email", "invalid")]);
        check(|c| c.contact.name = Some("x".repeat(51)), &[("contact.name", "too_long")]);
    }

    #[test]
    fn order_state_and_no_reason_window() {
        let mut case = good();
        case.problem_type = ProblemType::NoReasonReturn;
        case.reason = Reason::NoReason;
        case.resolution = Resolution::ReturnAndRefund;
        case.media.clear();
        case.description.clear();
        assert_eq!(new_case(&case, &order(), &Rules::default(), now()), []);
        let late = Timestamp::parse("2026-12-03T00:00:00Z").unwrap();
        let errors = new_case(&case, &order(), &Rules::default(), late);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].code, errors[0].message.as_str()),
            ("no_reason_return_unavailable", "the no-reason return window closed at 2026-12-03T00:00:00.000Z")
        );

        let paid = OrderSnapshot { state: Some(OrderState::Paid), delivered_at: None, ..order() };
        let errors = new_case(&good(), &paid, &Rules::default(), now());
        assert_eq!(errors[0].code, "not_available_for_order_state");
    }

    #[test]
    fn problem_types_a_merchant_turned_off() {
        let rules = Rules { problems: Rules::default().problems.into_iter().skip(1).collect(), ..Rules::default() };
        let errors = new_case(&good(), &order(), &rules, now());
        assert_eq!(errors.last().unwrap().code, "problem_type_not_offered");
    }

    #[test]
    fn shipments_and_escalations() {
        assert_eq!(shipment(&Shipment { carrier: "SF Express".into(), tracking_number: "SF1234567890".into() }), []);
        assert_eq!(shipment(&Shipment { carrier: "".into(), tracking_number: "SF 12".into() }).len(), 2);
        let rules = Rules::default();
        assert_eq!(
            escalate(&EscalateRequest { reason: "The seller refused without looking.".into(), media: vec![] }, &rules),
            []
        );
        assert_eq!(escalate(&EscalateRequest { reason: "no".into(), media: vec![] }, &rules)[0].code, "too_short");
    }

    #[test]
    fn refunds_need_a_positive_amount_and_a_currency() {
        use crate::money::Money;
        let refund = |minor: i64, currency: &str| Refund { amount: Money::new(minor, currency), reference: None };
        for ok in [1, 12900, REFUND_MAX_MINOR_UNITS] {
            assert_eq!(super::refund(&refund(ok, "CNY")), [], "{ok}");
        }
        for bad in [0, -1, i64::MIN, REFUND_MAX_MINOR_UNITS + 1, i64::MAX] {
            let errors = super::refund(&refund(bad, "CNY"));
            assert_eq!(
                errors.first().map(|e| (e.field.as_str(), e.code)),
                Some(("amount.minor_units", "invalid_amount")),
                "{bad}"
            );
        }
        assert_eq!(super::refund(&refund(1, "cny"))[0].field, "amount.currency");
        let long = Refund { reference: Some("x".repeat(65)), ..refund(1, "USD") };
        assert_eq!(super::refund(&long)[0].field, "reference");
    }

    #[test]
    fn control_and_bidi_characters_are_refused_in_text() {
        let rules = Rules::default();
        for text in ["nul\0byte", "bell\u{7}", "carriage\rreturn", "c1\u{85}", "rlo\u{202E}gpj.exe", "isolate\u{2067}x"]
        {
            let errors = message("message", text, &rules);
            assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), ["invalid_characters"], "{text:?}");
        }
        assert!(message("message", "two lines\nand\ttabs, 中文 and émoji 🙂", &rules).is_empty());
        check(
            |case| case.description = "The lid is bent \u{202E}and broken.".into(),
            &[("description", "invalid_characters")],
        );
        check(|case| case.contact.name = Some("Li\0Lei".into()), &[("contact.name", "invalid_characters")]);
    }

    #[test]
    fn messages_are_bounded() {
        let rules = Rules::default();
        assert_eq!(message("message", "ok", &rules), []);
        assert_eq!(message("message", "  ", &rules)[0].code, "too_short");
        assert_eq!(message("message", &"字".repeat(501), &rules)[0].code, "too_long");
    }
}
