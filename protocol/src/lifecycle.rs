//! The case lifecycle as a pure state machine, and the deadlines that keep a case
//! moving. Nothing here reads a clock: `now` is an argument, and the server's clock
//! (injectable, so tests never sleep) drives [`due`].
//!
//! From the source document: the shopper files with evidence → the seller accepts or
//! refuses → on a return or an exchange the shopper sends the item back as the seller
//! asks, the seller confirms receipt, then pays the refund or ships the replacement;
//! a refund-only or reshipment acceptance goes straight to that step → after a
//! refusal, or when the seller has not answered in time, the shopper may ask the
//! platform to step in → the platform rules → closed. The shopper may withdraw an open
//! case.

use serde::{Deserialize, Serialize};

use crate::case::{
    ActionInput, Actor, CaseState, Consequence, Deadline, EventKind, NextAction, Refund, Resolution,
    ReturnInstructions, Shipment,
};
use crate::time::Timestamp;

/// Something an actor does to a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Seller (or the system, on `auto_accept`). A return or an exchange needs the
    /// return address (the server fills in the merchant's configured one).
    Accept {
        return_instructions: Option<ReturnInstructions>,
    },
    Refuse,
    SubmitReturnShipment(Shipment),
    /// Seller (or the system, on `auto_confirm_receipt`).
    ConfirmReceipt,
    /// The refund was paid (amount, reference).
    PayRefund(Refund),
    ShipReplacement(Shipment),
    /// Seller: settled another way (e.g. agreed with the shopper); a message says how.
    Resolve,
    Escalate,
    /// Platform: the shopper is right; the case proceeds as if accepted.
    RuleForShopper {
        return_instructions: Option<ReturnInstructions>,
    },
    /// Platform: the seller is right; the case closes.
    RuleForSeller,
    Withdraw,
    /// System, on `auto_close`.
    Close,
}

impl Action {
    /// The event it is recorded as in the case history.
    pub fn kind(&self) -> EventKind {
        match self {
            Action::Accept { .. } => EventKind::Accept,
            Action::Refuse => EventKind::Refuse,
            Action::SubmitReturnShipment(_) => EventKind::ReturnShipment,
            Action::ConfirmReceipt => EventKind::ConfirmReceipt,
            Action::PayRefund(_) => EventKind::PayRefund,
            Action::Resolve => EventKind::Resolve,
            Action::ShipReplacement(_) => EventKind::ShipReplacement,
            Action::Escalate => EventKind::Escalate,
            Action::RuleForShopper { .. } => EventKind::RuleForShopper,
            Action::RuleForSeller => EventKind::RuleForSeller,
            Action::Withdraw => EventKind::Withdraw,
            Action::Close => EventKind::Close,
        }
    }

    /// One action of each kind that changes state, with placeholder contents: what
    /// [`next_actions`] tries against [`transition`].
    fn samples() -> [Action; 12] {
        let address = || Some(ReturnInstructions { address: String::new(), instructions: None });
        let parcel = || Shipment { carrier: String::new(), tracking_number: String::new() };
        [
            Action::Accept { return_instructions: address() },
            Action::Refuse,
            Action::SubmitReturnShipment(parcel()),
            Action::ConfirmReceipt,
            Action::PayRefund(Refund { amount: crate::money::Money::new(0, ""), reference: None }),
            Action::Resolve,
            Action::ShipReplacement(parcel()),
            Action::Escalate,
            Action::RuleForShopper { return_instructions: address() },
            Action::RuleForSeller,
            Action::Withdraw,
            Action::Close,
        ]
    }

    /// What the request for this action must carry and may carry, for a case asking
    /// for `resolution`; `return_address_known` is whether the merchant configured a
    /// return address the server fills in.
    fn inputs(&self, resolution: Resolution, return_address_known: bool) -> (Vec<ActionInput>, Vec<ActionInput>) {
        use ActionInput::*;
        let address = if resolution.needs_return() && !return_address_known {
            (vec![ReturnInstructions], vec![])
        } else if resolution.needs_return() {
            (vec![], vec![ReturnInstructions])
        } else {
            (vec![], vec![])
        };
        match self {
            Action::Accept { .. } => (address.0, [address.1, vec![Message]].concat()),
            Action::RuleForShopper { .. } => ([address.0, vec![Message]].concat(), address.1),
            Action::Refuse | Action::Resolve | Action::RuleForSeller => (vec![Message], vec![]),
            Action::Escalate => (vec![Message], vec![Media]),
            Action::SubmitReturnShipment(_) | Action::ShipReplacement(_) => (vec![Shipment], vec![]),
            Action::PayRefund(_) => (vec![Refund], vec![]),
            Action::ConfirmReceipt | Action::Withdraw => (vec![], vec![Message]),
            Action::Close => (vec![], vec![]),
        }
    }
}

/// What `actor` may do to a case in `facts` at `now`: every action [`transition`]
/// would take, each with what its request needs and the deadline the actor is under,
/// then a reply while the case is open (sellers and the platform write to the
/// shopper). The system acts on deadlines and is offered nothing.
pub fn next_actions(
    facts: CaseFacts,
    actor: Actor,
    now: Timestamp,
    policy: &DeadlinePolicy,
    return_address_known: bool,
) -> Vec<NextAction> {
    if actor == Actor::System {
        return Vec::new();
    }
    let due_at = deadline(facts, policy).filter(|d| d.waiting_for == actor).map(|d| d.due_at);
    let mut actions: Vec<NextAction> = Action::samples()
        .iter()
        .filter(|action| transition(facts, actor, action, now, policy).is_ok())
        .map(|action| {
            let (requires, accepts) = action.inputs(facts.resolution, return_address_known);
            NextAction { action: action.kind(), requires, accepts, due_at }
        })
        .collect();
    if open(facts.state) && actor == Actor::Seller {
        actions.push(NextAction {
            action: EventKind::Reply,
            requires: vec![ActionInput::Message],
            accepts: vec![],
            due_at: None,
        });
    }
    actions
}

/// What a case holds besides its state that actions fill in: where a return goes, the
/// parcels both ways, the refund paid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(default)]
    pub return_instructions: Option<ReturnInstructions>,
    #[serde(default)]
    pub return_shipment: Option<Shipment>,
    #[serde(default)]
    pub replacement_shipment: Option<Shipment>,
    #[serde(default)]
    pub refund: Option<Refund>,
}

/// What an action (already allowed by [`transition`]) records on a case asking for
/// `resolution`: acceptance (or a ruling for the shopper) of a return keeps its
/// address; shipments and the refund are kept as given.
pub fn effects(action: &Action, resolution: Resolution, outcome: &mut Outcome) {
    match action {
        Action::Accept { return_instructions } | Action::RuleForShopper { return_instructions }
            if resolution.needs_return() =>
        {
            outcome.return_instructions = return_instructions.clone();
        }
        Action::SubmitReturnShipment(shipment) => outcome.return_shipment = Some(shipment.clone()),
        Action::ShipReplacement(shipment) => outcome.replacement_shipment = Some(shipment.clone()),
        Action::PayRefund(refund) => outcome.refund = Some(refund.clone()),
        _ => {}
    }
}

/// Deadlines and their consequences, as configuration. Defaults: the seller answers
/// within 48 h or the shopper may escalate; the shopper ships a return within 7 days or
/// the case closes; the seller confirms receipt within 7 days or the refund proceeds;
/// the seller pays or ships within 3 days or the shopper may escalate; after a refusal
/// the shopper has 7 days to escalate before the case closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct DeadlinePolicy {
    pub seller_response_hours: u32,
    /// `shopper_may_escalate` or `auto_accept`.
    pub on_seller_silence: Consequence,
    pub return_shipment_days: u32,
    pub seller_receipt_days: u32,
    pub resolution_days: u32,
    pub escalation_window_days: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            seller_response_hours: 48,
            on_seller_silence: Consequence::ShopperMayEscalate,
            return_shipment_days: 7,
            seller_receipt_days: 7,
            resolution_days: 3,
            escalation_window_days: 7,
        }
    }
}

impl DeadlinePolicy {
    /// Checks the policy as a merchant wrote it.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.on_seller_silence, Consequence::ShopperMayEscalate | Consequence::AutoAccept) {
            return Err("on_seller_silence must be shopper_may_escalate or auto_accept".into());
        }
        let all = [
            self.seller_response_hours,
            self.return_shipment_days,
            self.seller_receipt_days,
            self.resolution_days,
            self.escalation_window_days,
        ];
        if all.contains(&0) {
            return Err("every deadline must be at least 1".into());
        }
        Ok(())
    }
}

/// What the rules need to know about a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: CaseState,
    pub resolution: Resolution,
    /// When the case entered `state`.
    pub entered_at: Timestamp,
}

/// Why an action is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransitionError {
    /// The action does not apply in this state (or to this resolution).
    NotAllowed { state: CaseState, action: EventKind },
    /// This actor may not do this.
    WrongActor { actor: Actor, action: EventKind },
    /// Escalation opens only after a refusal, or once a deadline has passed.
    EscalationNotYetAllowed { from: Option<Timestamp> },
    /// After a refusal, the window to ask for platform intervention has closed.
    EscalationWindowClosed { closed_at: Timestamp },
    /// A system action before its deadline.
    NotDue { due_at: Option<Timestamp> },
    /// A return or an exchange needs the seller's return address.
    ReturnInstructionsRequired,
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionError::NotAllowed { state, action } => {
                write!(f, "`{}` is not possible while the case is `{}`", action.as_str(), state.as_str())
            }
            TransitionError::WrongActor { actor, action } => {
                write!(f, "the {} cannot `{}`", actor.as_str(), action.as_str())
            }
            TransitionError::EscalationNotYetAllowed { from: Some(at) } => {
                write!(f, "platform intervention can be requested from {}", at.to_rfc3339())
            }
            TransitionError::EscalationNotYetAllowed { from: None } => {
                write!(f, "platform intervention is not possible at this stage")
            }
            TransitionError::EscalationWindowClosed { closed_at } => {
                write!(f, "platform intervention could be requested until {}", closed_at.to_rfc3339())
            }
            TransitionError::NotDue { .. } => write!(f, "the deadline has not passed"),
            TransitionError::ReturnInstructionsRequired => {
                write!(f, "accepting a return or an exchange needs the return address")
            }
        }
    }
}

/// The deadline that applies to a case in `facts.state`, if any.
pub fn deadline(facts: CaseFacts, policy: &DeadlinePolicy) -> Option<Deadline> {
    use CaseState::*;
    let at = facts.entered_at;
    let (waiting_for, due_at, consequence) = match facts.state {
        AwaitingSeller => (Actor::Seller, at.plus_hours(policy.seller_response_hours), policy.on_seller_silence),
        SellerRefused => (Actor::Shopper, at.plus_days(policy.escalation_window_days), Consequence::AutoClose),
        AwaitingReturnShipment => (Actor::Shopper, at.plus_days(policy.return_shipment_days), Consequence::AutoClose),
        AwaitingSellerReceipt => {
            (Actor::Seller, at.plus_days(policy.seller_receipt_days), Consequence::AutoConfirmReceipt)
        }
        AwaitingResolution => (Actor::Seller, at.plus_days(policy.resolution_days), Consequence::ShopperMayEscalate),
        Escalated | Resolved | Closed | Withdrawn => return None,
    };
    Some(Deadline { waiting_for, due_at, consequence })
}

/// What the system must do now, if a deadline with an automatic consequence has passed.
pub fn due(facts: CaseFacts, now: Timestamp, policy: &DeadlinePolicy) -> Option<Action> {
    let deadline = deadline(facts, policy).filter(|d| now >= d.due_at)?;
    match deadline.consequence {
        Consequence::AutoAccept => Some(Action::Accept { return_instructions: None }),
        Consequence::AutoClose => Some(Action::Close),
        Consequence::AutoConfirmReceipt => Some(Action::ConfirmReceipt),
        Consequence::ShopperMayEscalate => None,
    }
}

/// Whether the shopper may ask the platform to step in at `now`, and if not yet, from when.
pub fn escalation(facts: CaseFacts, now: Timestamp, policy: &DeadlinePolicy) -> Result<(), TransitionError> {
    use CaseState::*;
    match facts.state {
        SellerRefused => match deadline(facts, policy) {
            Some(d) if now >= d.due_at => Err(TransitionError::EscalationWindowClosed { closed_at: d.due_at }),
            _ => Ok(()),
        },
        AwaitingSeller | AwaitingResolution => match deadline(facts, policy) {
            Some(d) if d.consequence == Consequence::ShopperMayEscalate && now >= d.due_at => Ok(()),
            Some(d) if d.consequence == Consequence::ShopperMayEscalate => {
                Err(TransitionError::EscalationNotYetAllowed { from: Some(d.due_at) })
            }
            _ => Err(TransitionError::EscalationNotYetAllowed { from: None }),
        },
        _ => Err(TransitionError::EscalationNotYetAllowed { from: None }),
    }
}

/// Whether people may still write into the case's history (a reply changes no state):
/// while it is open, not once it is resolved, closed or withdrawn.
pub fn open(state: CaseState) -> bool {
    !matches!(state, CaseState::Resolved | CaseState::Closed | CaseState::Withdrawn)
}

/// The state after `actor` does `action` at `now`, or why not.
pub fn transition(
    facts: CaseFacts,
    actor: Actor,
    action: &Action,
    now: Timestamp,
    policy: &DeadlinePolicy,
) -> Result<CaseState, TransitionError> {
    use CaseState::*;
    let name = action.kind();
    let actors: &[Actor] = match action {
        Action::Accept { .. } | Action::ConfirmReceipt => &[Actor::Seller, Actor::System],
        Action::Refuse | Action::PayRefund(_) | Action::ShipReplacement(_) | Action::Resolve => &[Actor::Seller],
        Action::SubmitReturnShipment(_) | Action::Escalate | Action::Withdraw => &[Actor::Shopper],
        Action::RuleForShopper { .. } | Action::RuleForSeller => &[Actor::Platform],
        Action::Close => &[Actor::System],
    };
    if !actors.contains(&actor) {
        return Err(TransitionError::WrongActor { actor, action: name });
    }
    let not_allowed = || TransitionError::NotAllowed { state: facts.state, action: name };
    // The system acts only on a deadline that has passed, and only as configured.
    if actor == Actor::System && due(facts, now, policy).as_ref().map(Action::kind) != Some(name) {
        return Err(match deadline(facts, policy) {
            Some(d) if now < d.due_at => TransitionError::NotDue { due_at: Some(d.due_at) },
            _ => not_allowed(),
        });
    }
    let accepted = |instructions: &Option<ReturnInstructions>| match facts.resolution {
        r if r.needs_return() && instructions.is_none() => Err(TransitionError::ReturnInstructionsRequired),
        r if r.needs_return() => Ok(AwaitingReturnShipment),
        Resolution::ComplaintOnly => Ok(Resolved),
        _ => Ok(AwaitingResolution),
    };
    match (facts.state, action) {
        (AwaitingSeller, Action::Accept { return_instructions }) => accepted(return_instructions),
        (AwaitingSeller, Action::Refuse) => Ok(SellerRefused),
        (AwaitingReturnShipment, Action::SubmitReturnShipment(_)) => Ok(AwaitingSellerReceipt),
        (AwaitingSellerReceipt, Action::ConfirmReceipt) => Ok(AwaitingResolution),
        (AwaitingResolution, Action::PayRefund(_)) if facts.resolution.is_refund() => Ok(Resolved),
        (AwaitingResolution, Action::Resolve) => Ok(Resolved),
        (AwaitingResolution, Action::ShipReplacement(_))
            if matches!(facts.resolution, Resolution::Exchange | Resolution::Reshipment) =>
        {
            Ok(Resolved)
        }
        (SellerRefused | AwaitingSeller | AwaitingResolution, Action::Escalate) => {
            escalation(facts, now, policy).map(|()| Escalated)
        }
        (_, Action::Escalate) => Err(TransitionError::EscalationNotYetAllowed { from: None }),
        (Escalated, Action::RuleForShopper { return_instructions }) => accepted(return_instructions),
        (Escalated, Action::RuleForSeller) => Ok(Closed),
        (AwaitingSeller | SellerRefused | AwaitingReturnShipment | Escalated, Action::Withdraw) => Ok(Withdrawn),
        (SellerRefused | AwaitingReturnShipment, Action::Close) => Ok(Closed),
        _ => Err(not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use CaseState::*;

    const T0: Timestamp = Timestamp(1_764_000_000_000);
    const HOUR: i64 = 3_600_000;

    fn instructions() -> Option<ReturnInstructions> {
        Some(ReturnInstructions { address: "Warehouse 1".into(), instructions: None })
    }

    fn shipment() -> Shipment {
        Shipment { carrier: "SF".into(), tracking_number: "SF1".into() }
    }

    fn actions() -> Vec<Action> {
        vec![
            Action::Accept { return_instructions: instructions() },
            Action::Refuse,
            Action::SubmitReturnShipment(shipment()),
            Action::ConfirmReceipt,
            Action::PayRefund(Refund { amount: crate::money::Money::new(9900, "CNY"), reference: None }),
            Action::Resolve,
            Action::ShipReplacement(shipment()),
            Action::Escalate,
            Action::RuleForShopper { return_instructions: instructions() },
            Action::RuleForSeller,
            Action::Withdraw,
            Action::Close,
        ]
    }

    /// Every allowed (state, resolution, actor, action, from and until hours after
    /// entering the state) → next state. Everything not listed must be refused.
    fn allowed() -> Vec<(CaseState, Resolution, Actor, &'static str, i64, i64, CaseState)> {
        use Resolution::*;
        let mut table = Vec::new();
        for r in Resolution::ALL.iter().copied() {
            let accepted = if r.needs_return() {
                AwaitingReturnShipment
            } else if r == ComplaintOnly {
                Resolved
            } else {
                AwaitingResolution
            };
            table.extend([
                (AwaitingSeller, r, Seller, "accept", 0, i64::MAX, accepted),
                (AwaitingSeller, r, Seller, "refuse", 0, i64::MAX, SellerRefused),
                (AwaitingSeller, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (AwaitingSeller, r, Shopper, "escalate", 48, i64::MAX, Escalated),
                (SellerRefused, r, Shopper, "escalate", 0, 7 * 24, Escalated),
                (SellerRefused, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (SellerRefused, r, System, "close", 7 * 24, i64::MAX, Closed),
                (AwaitingReturnShipment, r, Shopper, "return_shipment", 0, i64::MAX, AwaitingSellerReceipt),
                (AwaitingReturnShipment, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (AwaitingReturnShipment, r, System, "close", 7 * 24, i64::MAX, Closed),
                (AwaitingSellerReceipt, r, Seller, "confirm_receipt", 0, i64::MAX, AwaitingResolution),
                (AwaitingSellerReceipt, r, System, "confirm_receipt", 7 * 24, i64::MAX, AwaitingResolution),
                (AwaitingResolution, r, Shopper, "escalate", 3 * 24, i64::MAX, Escalated),
                (AwaitingResolution, r, Seller, "resolve", 0, i64::MAX, Resolved),
                (Escalated, r, Platform, "rule_for_shopper", 0, i64::MAX, accepted),
                (Escalated, r, Platform, "rule_for_seller", 0, i64::MAX, Closed),
                (Escalated, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
            ]);
            if r.is_refund() {
                table.push((AwaitingResolution, r, Seller, "pay_refund", 0, i64::MAX, Resolved));
            }
            if matches!(r, Exchange | Reshipment) {
                table.push((AwaitingResolution, r, Seller, "ship_replacement", 0, i64::MAX, Resolved));
            }
        }
        table
    }

    #[test]
    fn every_transition_allowed_or_refused() {
        let policy = DeadlinePolicy::default();
        let table = allowed();
        let mut checked = 0;
        for state in CaseState::ALL.iter().copied() {
            for resolution in Resolution::ALL.iter().copied() {
                for actor in Actor::ALL.iter().copied() {
                    for action in actions() {
                        // At entry, after the seller deadline, and long after every deadline.
                        for hours in [0, 50, 24 * 30] {
                            let facts = CaseFacts { state, resolution, entered_at: T0 };
                            let now = Timestamp(T0.0 + hours * HOUR);
                            let got = transition(facts, actor, &action, now, &policy);
                            let expected = table
                                .iter()
                                .find(|(s, r, a, name, from, until, _)| {
                                    *s == state
                                        && *r == resolution
                                        && *a == actor
                                        && *name == action.kind().as_str()
                                        && (*from..*until).contains(&hours)
                                })
                                .map(|row| row.6);
                            assert_eq!(
                                got.clone().ok(),
                                expected,
                                "{state:?} {resolution:?} {actor:?} {} +{hours}h: {got:?}",
                                action.kind().as_str()
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 5 * 4 * 12 * 3);
    }

    #[test]
    fn effects_keep_what_each_action_carries() {
        let mut outcome = Outcome::default();
        effects(&Action::Accept { return_instructions: instructions() }, Resolution::RefundOnly, &mut outcome);
        assert_eq!(outcome, Outcome::default(), "no return, no address kept");
        effects(&Action::Accept { return_instructions: instructions() }, Resolution::Exchange, &mut outcome);
        assert_eq!(outcome.return_instructions, instructions());
        effects(&Action::SubmitReturnShipment(shipment()), Resolution::Exchange, &mut outcome);
        effects(&Action::ShipReplacement(shipment()), Resolution::Exchange, &mut outcome);
        assert_eq!(
            (outcome.return_shipment.clone(), outcome.replacement_shipment.clone()),
            (Some(shipment()), Some(shipment()))
        );
        let refund = Refund { amount: crate::money::Money::new(9900, "CNY"), reference: None };
        effects(&Action::PayRefund(refund.clone()), Resolution::ReturnAndRefund, &mut outcome);
        assert_eq!(outcome.refund, Some(refund));
        let before = outcome.clone();
        for action in
            [Action::Refuse, Action::Resolve, Action::Escalate, Action::Withdraw, Action::Close, Action::ConfirmReceipt]
        {
            effects(&action, Resolution::Exchange, &mut outcome);
        }
        assert_eq!(outcome, before, "the other actions record nothing");
    }

    /// The actions offered are exactly the table's rows for that state, resolution,
    /// actor and time (and a reply for the seller while the case is open), each under
    /// the deadline that waits for the actor.
    #[test]
    fn next_actions_are_the_allowed_transitions() {
        let policy = DeadlinePolicy::default();
        let table = allowed();
        for state in CaseState::ALL.iter().copied() {
            for resolution in Resolution::ALL.iter().copied() {
                for actor in Actor::ALL.iter().copied() {
                    for hours in [0, 50, 24 * 30] {
                        let facts = CaseFacts { state, resolution, entered_at: T0 };
                        let now = Timestamp(T0.0 + hours * HOUR);
                        let offered = next_actions(facts, actor, now, &policy, true);
                        let mut expected: Vec<&str> = table
                            .iter()
                            .filter(|(s, r, a, _, from, until, _)| {
                                *s == state && *r == resolution && *a == actor && (*from..*until).contains(&hours)
                            })
                            .map(|row| row.3)
                            .filter(|_| actor != System)
                            .collect();
                        if open(state) && actor == Seller {
                            expected.push("reply");
                        }
                        let mut got: Vec<&str> = offered.iter().map(|a| a.action.as_str()).collect();
                        got.sort_unstable();
                        expected.sort_unstable();
                        assert_eq!(got, expected, "{state:?} {resolution:?} {actor:?} +{hours}h");
                        let waiting = deadline(facts, &policy).filter(|d| d.waiting_for == actor).map(|d| d.due_at);
                        for action in offered.iter().filter(|a| a.action != EventKind::Reply) {
                            assert_eq!(action.due_at, waiting);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn next_actions_say_what_each_needs() {
        let policy = DeadlinePolicy::default();
        let facts = CaseFacts { state: AwaitingSeller, resolution: Resolution::ReturnAndRefund, entered_at: T0 };
        let find = |actions: &[NextAction], kind| actions.iter().find(|a| a.action == kind).cloned().unwrap();
        let known = next_actions(facts, Seller, T0, &policy, true);
        let accept = find(&known, EventKind::Accept);
        assert_eq!(
            (accept.requires, accept.accepts),
            (vec![], vec![ActionInput::ReturnInstructions, ActionInput::Message])
        );
        assert_eq!(accept.due_at, Some(Timestamp(T0.0 + 48 * HOUR)));
        let unknown = next_actions(facts, Seller, T0, &policy, false);
        assert_eq!(find(&unknown, EventKind::Accept).requires, [ActionInput::ReturnInstructions]);
        assert_eq!(find(&unknown, EventKind::Refuse).requires, [ActionInput::Message]);
        let shopper = next_actions(facts, Shopper, T0, &policy, true);
        assert_eq!(shopper.iter().map(|a| a.action).collect::<Vec<_>>(), [EventKind::Withdraw]);
        let refused = CaseFacts { state: SellerRefused, ..facts };
        let escalate = find(&next_actions(refused, Shopper, T0, &policy, true), EventKind::Escalate);
        assert_eq!((escalate.requires, escalate.accepts), (vec![ActionInput::Message], vec![ActionInput::Media]));
        assert_eq!(escalate.due_at, Some(Timestamp(T0.0 + 7 * 24 * HOUR)), "the window closes");
        let refund = CaseFacts { state: AwaitingResolution, resolution: Resolution::RefundOnly, entered_at: T0 };
        assert_eq!(
            find(&next_actions(refund, Seller, T0, &policy, true), EventKind::PayRefund).requires,
            [ActionInput::Refund]
        );
        assert!(next_actions(CaseFacts { state: Resolved, ..facts }, Seller, T0, &policy, true).is_empty());
    }

    #[test]
    fn deadlines_at_fixed_times() {
        let policy = DeadlinePolicy::default();
        let facts = |state| CaseFacts { state, resolution: Resolution::ReturnAndRefund, entered_at: T0 };
        let d = deadline(facts(AwaitingSeller), &policy).unwrap();
        assert_eq!(
            (d.waiting_for, d.due_at, d.consequence),
            (Seller, Timestamp(T0.0 + 48 * HOUR), Consequence::ShopperMayEscalate)
        );
        assert_eq!(deadline(facts(AwaitingReturnShipment), &policy).unwrap().consequence, Consequence::AutoClose);
        assert_eq!(deadline(facts(AwaitingSellerReceipt), &policy).unwrap().due_at, Timestamp(T0.0 + 7 * 24 * HOUR));
        assert_eq!(deadline(facts(Escalated), &policy), None);
        assert_eq!(deadline(facts(Resolved), &policy), None);

        // Nothing is due a millisecond early; the consequence is due exactly on time.
        let receipt = facts(AwaitingSellerReceipt);
        assert_eq!(due(receipt, Timestamp(T0.0 + 7 * 24 * HOUR - 1), &policy), None);
        assert_eq!(due(receipt, Timestamp(T0.0 + 7 * 24 * HOUR), &policy), Some(Action::ConfirmReceipt));
        assert_eq!(
            due(facts(AwaitingSeller), Timestamp(T0.0 + 100 * HOUR), &policy),
            None,
            "shopper may escalate; nothing automatic"
        );
        let auto = DeadlinePolicy { on_seller_silence: Consequence::AutoAccept, ..policy };
        assert_eq!(
            due(facts(AwaitingSeller), Timestamp(T0.0 + 48 * HOUR), &auto),
            Some(Action::Accept { return_instructions: None })
        );
    }

    #[test]
    fn escalation_opens_when_the_seller_is_late() {
        let policy = DeadlinePolicy::default();
        let facts = CaseFacts { state: AwaitingSeller, resolution: Resolution::Exchange, entered_at: T0 };
        let early = transition(facts, Shopper, &Action::Escalate, Timestamp(T0.0 + 47 * HOUR), &policy);
        assert_eq!(early, Err(TransitionError::EscalationNotYetAllowed { from: Some(Timestamp(T0.0 + 48 * HOUR)) }));
        let auto = DeadlinePolicy { on_seller_silence: Consequence::AutoAccept, ..policy };
        let never = transition(facts, Shopper, &Action::Escalate, Timestamp(T0.0 + 99 * HOUR), &auto);
        assert_eq!(never, Err(TransitionError::EscalationNotYetAllowed { from: None }));
    }

    #[test]
    fn specific_refusals() {
        let policy = DeadlinePolicy::default();
        let facts = CaseFacts { state: AwaitingSeller, resolution: Resolution::Exchange, entered_at: T0 };
        assert_eq!(
            transition(facts, Seller, &Action::Accept { return_instructions: None }, T0, &policy),
            Err(TransitionError::ReturnInstructionsRequired)
        );
        assert_eq!(
            transition(facts, Shopper, &Action::Refuse, T0, &policy),
            Err(TransitionError::WrongActor { actor: Shopper, action: EventKind::Refuse })
        );
        let receipt = CaseFacts { state: AwaitingSellerReceipt, ..facts };
        assert_eq!(
            transition(receipt, System, &Action::ConfirmReceipt, T0, &policy),
            Err(TransitionError::NotDue { due_at: Some(Timestamp(T0.0 + 7 * 24 * HOUR)) })
        );
        // Auto-accept of a return needs an address too: the server fills in the
        // merchant's default before asking; without one, nothing happens.
        let auto = DeadlinePolicy { on_seller_silence: Consequence::AutoAccept, ..policy };
        let late = Timestamp(T0.0 + 48 * HOUR);
        assert_eq!(
            transition(facts, System, &Action::Accept { return_instructions: instructions() }, late, &auto),
            Ok(AwaitingReturnShipment)
        );
        assert_eq!(
            transition(facts, System, &Action::Accept { return_instructions: None }, late, &auto),
            Err(TransitionError::ReturnInstructionsRequired)
        );
    }

    #[test]
    fn replies_only_while_open() {
        let open_states: Vec<_> = CaseState::ALL.iter().copied().filter(|s| open(*s)).collect();
        assert_eq!(
            open_states,
            [
                AwaitingSeller,
                SellerRefused,
                AwaitingReturnShipment,
                AwaitingSellerReceipt,
                AwaitingResolution,
                Escalated
            ]
        );
    }

    #[test]
    fn policy_validation() {
        assert!(DeadlinePolicy::default().validate().is_ok());
        assert!(DeadlinePolicy { on_seller_silence: Consequence::AutoClose, ..DeadlinePolicy::default() }
            .validate()
            .is_err());
        assert!(DeadlinePolicy { return_shipment_days: 0, ..DeadlinePolicy::default() }.validate().is_err());
    }
}
