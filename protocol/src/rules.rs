//! What a shopper may ask for, as data: reasons per problem type, resolutions allowed
//! by the order's state, how much evidence each type needs, and the seven-day
//! no-reason return. Defaults follow the source document; a merchant overrides any of
//! it (the server reads `rules` from its merchant configuration).

use serde::{Deserialize, Serialize};

use crate::case::{ProblemType, Reason, Resolution};
use crate::order::{OrderSnapshot, OrderState};
use crate::read::{self, At, Json, Object, Read};
use crate::time::Timestamp;

/// Inclusive bounds on a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub min: u8,
    pub max: u8,
}

/// The rule for one problem type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProblemRule {
    pub problem_type: ProblemType,
    pub reasons: Vec<Reason>,
    /// Photos the shopper must / may attach.
    pub photos: Count,
    pub videos: Count,
    /// A description is required (at least `Limits::description_min` characters).
    pub description_required: bool,
}

/// The seven-day no-reason return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct NoReasonPolicy {
    pub enabled: bool,
    /// Days after delivery, counted in whole days: delivered on the 1st with 7 days,
    /// the window closes at the end of the 8th (UTC).
    pub window_days: u32,
    /// Item ids that are excluded (custom-made, perishable, digital, …).
    pub excluded_item_ids: Vec<String>,
}

impl Default for NoReasonPolicy {
    fn default() -> Self {
        NoReasonPolicy { enabled: true, window_days: 7, excluded_item_ids: Vec::new() }
    }
}

/// Text limits shared by the widget (before posting) and the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub description_min: u16,
    pub description_max: u16,
    pub message_max: u16,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { description_min: 10, description_max: 1000, message_max: 500 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// The problem types offered, in order, with their rules.
    pub problems: Vec<ProblemRule>,
    /// Whether "refund only" is offered once the goods have arrived.
    pub refund_only_after_delivery: bool,
    pub no_reason_return: NoReasonPolicy,
    pub limits: Limits,
}

impl Default for Rules {
    fn default() -> Self {
        use ProblemType::*;
        use Reason::*;
        let rule =
            |problem_type, reasons: &[Reason], photos: (u8, u8), videos: (u8, u8), description_required| ProblemRule {
                problem_type,
                reasons: reasons.to_vec(),
                photos: Count { min: photos.0, max: photos.1 },
                videos: Count { min: videos.0, max: videos.1 },
                description_required,
            };
        Rules {
            problems: vec![
                // Quality and not-as-described: "provide evidence (photos, videos)".
                rule(Quality, &[Broken, Malfunction, Other], (1, 9), (0, 2), true),
                rule(Logistics, &[Delayed, Lost, DamagedInTransit], (0, 9), (0, 2), false),
                rule(NotAsDescribed, &[Colour, Size, Material, Other], (1, 9), (0, 2), true),
                rule(SellerService, &[Attitude, NoResponse, Other], (0, 9), (0, 1), true),
                rule(NoReasonReturn, &[NoReason], (0, 9), (0, 1), false),
            ],
            refund_only_after_delivery: true,
            no_reason_return: NoReasonPolicy::default(),
            limits: Limits::default(),
        }
    }
}

impl Read for Count {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Count> {
        let o = Object::new(value, at, &["min", "max"])?;
        Ok(Count { min: o.required("min")?, max: o.required("max")? })
    }
}

impl Read for ProblemRule {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<ProblemRule> {
        let o = Object::new(value, at, &["problem_type", "reasons", "photos", "videos", "description_required"])?;
        Ok(ProblemRule {
            problem_type: o.required("problem_type")?,
            reasons: o.required("reasons")?,
            photos: o.required("photos")?,
            videos: o.required("videos")?,
            description_required: o.required("description_required")?,
        })
    }
}

impl Read for NoReasonPolicy {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<NoReasonPolicy> {
        let o = Object::new(value, at, &["enabled", "window_days", "excluded_item_ids"])?;
        let d = NoReasonPolicy::default();
        Ok(NoReasonPolicy {
            enabled: o.or("enabled", d.enabled)?,
            window_days: o.or("window_days", d.window_days)?,
            excluded_item_ids: o.or("excluded_item_ids", d.excluded_item_ids)?,
        })
    }
}

impl Read for Limits {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Limits> {
        let o = Object::new(value, at, &["description_min", "description_max", "message_max"])?;
        let d = Limits::default();
        Ok(Limits {
            description_min: o.or("description_min", d.description_min)?,
            description_max: o.or("description_max", d.description_max)?,
            message_max: o.or("message_max", d.message_max)?,
        })
    }
}

impl Read for Rules {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Rules> {
        let o = Object::new(value, at, &["problems", "refund_only_after_delivery", "no_reason_return", "limits"])?;
        let d = Rules::default();
        Ok(Rules {
            problems: o.or("problems", d.problems)?,
            refund_only_after_delivery: o.or("refund_only_after_delivery", d.refund_only_after_delivery)?,
            no_reason_return: o.or("no_reason_return", d.no_reason_return)?,
            limits: o.or("limits", d.limits)?,
        })
    }
}

impl Rules {
    pub fn problem(&self, problem_type: ProblemType) -> Option<&ProblemRule> {
        self.problems.iter().find(|rule| rule.problem_type == problem_type)
    }

    /// The resolutions a shopper may ask for, in the order the widget offers them.
    /// Before shipment only a refund; for a lost or late parcel a refund or a
    /// reshipment; after delivery a return and refund, an exchange, or (where the
    /// merchant allows) a refund only; a service complaint moves no goods or money.
    pub fn resolutions(&self, problem_type: ProblemType, reason: Reason, order: &OrderSnapshot) -> Vec<Resolution> {
        use Resolution::*;
        let state = order.effective_state();
        let after_delivery = |rules: &Rules| {
            let mut allowed = vec![ReturnAndRefund, Exchange];
            if rules.refund_only_after_delivery {
                allowed.push(RefundOnly);
            }
            allowed
        };
        match (problem_type, reason, state) {
            (ProblemType::SellerService, _, _) => vec![ComplaintOnly],
            (ProblemType::Logistics, Reason::Delayed, OrderState::Paid) => vec![RefundOnly],
            (ProblemType::Logistics, Reason::Delayed | Reason::Lost, OrderState::Shipped | OrderState::Delivered) => {
                vec![RefundOnly, Reshipment]
            }
            (ProblemType::Logistics, Reason::DamagedInTransit, OrderState::Delivered) => after_delivery(self),
            (ProblemType::Quality | ProblemType::NotAsDescribed, _, OrderState::Delivered) => after_delivery(self),
            (ProblemType::NoReasonReturn, _, OrderState::Delivered) => vec![ReturnAndRefund],
            _ => Vec::new(),
        }
    }

    /// When the no-reason return window closes for this order, if it applies at all.
    pub fn no_reason_window_end(&self, order: &OrderSnapshot) -> Option<Timestamp> {
        if !self.no_reason_return.enabled || order.effective_state() != OrderState::Delivered {
            return None;
        }
        let delivered = Timestamp::parse(order.delivered_at.as_deref()?)?;
        let day = 24 * 60 * 60 * 1000;
        let delivery_day = Timestamp(delivered.0.div_euclid(day) * day);
        Some(delivery_day.plus_days(self.no_reason_return.window_days + 1))
    }

    /// Whether the no-reason return is offered for these items at `now`.
    pub fn no_reason_available(&self, order: &OrderSnapshot, item_ids: &[String], now: Timestamp) -> bool {
        self.no_reason_window_end(order).is_some_and(|end| now < end)
            && item_ids.iter().all(|id| !self.no_reason_return.excluded_item_ids.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProblemType::*;
    use Reason::*;
    use Resolution::*;

    fn order(state: Option<OrderState>, delivered_at: Option<&str>) -> OrderSnapshot {
        OrderSnapshot {
            order_id: "o-1".into(),
            item_ids: vec!["a".into(), "b".into()],
            state,
            delivered_at: delivered_at.map(str::to_owned),
            prices: Vec::new(),
        }
    }

    #[test]
    fn resolutions_follow_the_order_state() {
        let rules = Rules::default();
        let paid = order(Some(OrderState::Paid), None);
        let shipped = order(Some(OrderState::Shipped), None);
        let delivered = order(Some(OrderState::Delivered), Some("2026-11-25"));
        let table: &[(ProblemType, Reason, &OrderSnapshot, &[Resolution])] = &[
            (Logistics, Delayed, &paid, &[RefundOnly]),
            (Logistics, Delayed, &shipped, &[RefundOnly, Reshipment]),
            (Logistics, Lost, &shipped, &[RefundOnly, Reshipment]),
            (Logistics, Lost, &paid, &[]),
            (Logistics, DamagedInTransit, &shipped, &[]),
            (Logistics, DamagedInTransit, &delivered, &[ReturnAndRefund, Exchange, RefundOnly]),
            (Quality, Broken, &paid, &[]),
            (Quality, Broken, &shipped, &[]),
            (Quality, Broken, &delivered, &[ReturnAndRefund, Exchange, RefundOnly]),
            (NotAsDescribed, Colour, &delivered, &[ReturnAndRefund, Exchange, RefundOnly]),
            (SellerService, Attitude, &paid, &[ComplaintOnly]),
            (SellerService, NoResponse, &delivered, &[ComplaintOnly]),
            (NoReasonReturn, NoReason, &delivered, &[ReturnAndRefund]),
            (NoReasonReturn, NoReason, &shipped, &[]),
        ];
        for (problem, reason, order, expected) in table {
            assert_eq!(
                rules.resolutions(*problem, *reason, order),
                *expected,
                "{problem:?} {reason:?} {:?}",
                order.state
            );
        }
        let strict = Rules { refund_only_after_delivery: false, ..Rules::default() };
        assert_eq!(strict.resolutions(Quality, Broken, &delivered), [ReturnAndRefund, Exchange]);
    }

    #[test]
    fn unknown_state_is_paid_unless_a_delivery_date_is_known() {
        let rules = Rules::default();
        assert_eq!(rules.resolutions(Quality, Broken, &order(None, None)), []);
        assert_eq!(rules.resolutions(Quality, Broken, &order(None, Some("2026-11-25"))).len(), 3);
    }

    #[test]
    fn seven_day_window_edges() {
        let rules = Rules::default();
        let delivered = order(Some(OrderState::Delivered), Some("2026-11-20T15:00:00+08:00"));
        let items = vec!["a".to_owned()];
        let at = |text: &str| Timestamp::parse(text).unwrap();
        // Delivered on 20 Nov (UTC): open through the end of 27 Nov, UTC.
        assert!(rules.no_reason_available(&delivered, &items, at("2026-11-20T07:00:00Z")));
        assert!(rules.no_reason_available(&delivered, &items, at("2026-11-27T23:59:59.999Z")));
        assert!(!rules.no_reason_available(&delivered, &items, at("2026-11-28T00:00:00Z")));
        let excluded = Rules {
            no_reason_return: NoReasonPolicy { excluded_item_ids: vec!["b".into()], ..NoReasonPolicy::default() },
            ..Rules::default()
        };
        assert!(excluded.no_reason_available(&delivered, &items, at("2026-11-21T00:00:00Z")));
        assert!(!excluded.no_reason_available(&delivered, &["a".into(), "b".into()], at("2026-11-21T00:00:00Z")));
        assert!(!rules.no_reason_available(
            &order(Some(OrderState::Shipped), None),
            &items,
            at("2026-11-21T00:00:00Z")
        ));
        assert!(!rules.no_reason_available(
            &order(Some(OrderState::Delivered), None),
            &items,
            at("2026-11-21T00:00:00Z")
        ));
        let off = Rules {
            no_reason_return: NoReasonPolicy { enabled: false, ..NoReasonPolicy::default() },
            ..Rules::default()
        };
        assert!(!off.no_reason_available(&delivered, &items, at("2026-11-21T00:00:00Z")));
    }

    #[test]
    fn merchants_override_rules_as_data() {
        let rules: Rules =
            serde_json::from_str(r#"{"refund_only_after_delivery":false,"no_reason_return":{"window_days":15}}"#)
                .unwrap();
        assert_eq!(rules.no_reason_return.window_days, 15);
        assert!(rules.no_reason_return.enabled);
        assert_eq!(rules.problems.len(), 5, "defaults kept");
    }
}
