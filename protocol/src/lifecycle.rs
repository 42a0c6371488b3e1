//! The case lifecycle as a pure state machine, and the deadlines that keep a case
//! moving. Nothing here reads a clock: `now` is an argument, and the server's clock
//! (injectable, so tests never sleep) drives [`due`].
//!
//! From the source document: the shopper files with evidence → the seller accepts,
//! refuses (with a reason), or offers something else (another resolution, or a
//! partial refund) which the shopper accepts or declines → on a return or an exchange
//! the shopper sends the item back as the seller asks, the seller confirms receipt,
//! then pays the refund or ships the replacement; a refund-only or reshipment
//! acceptance goes straight to that step → after a refusal, a declined offer, or when
//! the seller has not answered in time, the shopper may ask the platform to step in →
//! the platform may ask either side for evidence by a deadline (举证), then rules → the
//! losing side may appeal once (when the merchant allows it) → the ruling is carried
//! out. The shopper may withdraw an open case. Any party may write a message into an
//! open case at any time; a message changes no state.

use serde::{Deserialize, Serialize};

use crate::case::{
    ActionInput, Actor, CaseState, Consequence, Deadline, EventKind, EvidenceRound, NextAction, Offer, Refund,
    Resolution, ReturnInstructions, Ruling, Settlement, Shipment,
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
    /// Seller; the reason and message go into the history.
    Refuse,
    /// Seller: another resolution, or a partial refund.
    CounterOffer(Offer),
    /// Shopper: the case proceeds as offered.
    AcceptOffer,
    DeclineOffer,
    /// System, when the shopper has not answered the offer in time.
    LapseOffer,
    SubmitReturnShipment(Shipment),
    /// Seller (or the system, on `auto_confirm_receipt`).
    ConfirmReceipt,
    /// The refund was paid (amount, reference).
    PayRefund(Refund),
    ShipReplacement(Shipment),
    /// Seller: settled another way (e.g. agreed with the shopper); a message says how.
    Resolve,
    Escalate,
    /// Platform: ask `from` (one or both sides) for evidence until `due_at`.
    RequestEvidence {
        from: Vec<Actor>,
        due_at: Timestamp,
    },
    /// Shopper or seller, when asked in the current evidence round.
    SubmitEvidence,
    /// System, at the evidence round's deadline.
    EndEvidenceRound,
    /// Platform: the shopper is right; the case proceeds as `settlement` says (or as
    /// asked).
    RuleForShopper {
        settlement: Option<Settlement>,
        return_instructions: Option<ReturnInstructions>,
    },
    /// Platform: the seller is right; the case closes.
    RuleForSeller,
    /// The side a ruling went against, once, within the appeal window.
    Appeal,
    /// System, when the appeal window closes.
    CarryOutRuling,
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
            Action::CounterOffer(_) => EventKind::CounterOffer,
            Action::AcceptOffer => EventKind::AcceptOffer,
            Action::DeclineOffer => EventKind::DeclineOffer,
            Action::LapseOffer => EventKind::OfferLapsed,
            Action::SubmitReturnShipment(_) => EventKind::ReturnShipment,
            Action::ConfirmReceipt => EventKind::ConfirmReceipt,
            Action::PayRefund(_) => EventKind::PayRefund,
            Action::Resolve => EventKind::Resolve,
            Action::ShipReplacement(_) => EventKind::ShipReplacement,
            Action::Escalate => EventKind::Escalate,
            Action::RequestEvidence { .. } => EventKind::RequestEvidence,
            Action::SubmitEvidence => EventKind::SubmitEvidence,
            Action::EndEvidenceRound => EventKind::EvidenceRoundEnded,
            Action::RuleForShopper { .. } => EventKind::RuleForShopper,
            Action::RuleForSeller => EventKind::RuleForSeller,
            Action::Appeal => EventKind::Appeal,
            Action::CarryOutRuling => EventKind::RulingCarriedOut,
            Action::Withdraw => EventKind::Withdraw,
            Action::Close => EventKind::Close,
        }
    }

    /// Who may take it.
    fn actors(&self) -> &'static [Actor] {
        match self {
            Action::Accept { .. } | Action::ConfirmReceipt => &[Actor::Seller, Actor::System],
            Action::Refuse
            | Action::CounterOffer(_)
            | Action::PayRefund(_)
            | Action::ShipReplacement(_)
            | Action::Resolve => &[Actor::Seller],
            Action::AcceptOffer
            | Action::DeclineOffer
            | Action::SubmitReturnShipment(_)
            | Action::Escalate
            | Action::Withdraw => &[Actor::Shopper],
            Action::SubmitEvidence | Action::Appeal => &[Actor::Shopper, Actor::Seller],
            Action::RequestEvidence { .. } | Action::RuleForShopper { .. } | Action::RuleForSeller => {
                &[Actor::Platform]
            }
            Action::LapseOffer | Action::EndEvidenceRound | Action::CarryOutRuling | Action::Close => &[Actor::System],
        }
    }

    /// One action of each kind that changes state, with placeholder contents: what
    /// [`next_actions`] tries against [`transition`].
    fn samples() -> [Action; 21] {
        let address = || Some(ReturnInstructions { address: String::new(), instructions: None });
        let parcel = || Shipment { carrier: String::new(), tracking_number: String::new() };
        [
            Action::Accept { return_instructions: address() },
            Action::Refuse,
            Action::CounterOffer(Offer { resolution: Resolution::RefundOnly, amount: None, return_instructions: None }),
            Action::AcceptOffer,
            Action::DeclineOffer,
            Action::LapseOffer,
            Action::SubmitReturnShipment(parcel()),
            Action::ConfirmReceipt,
            Action::PayRefund(Refund { amount: crate::money::Money::new(0, ""), reference: None }),
            Action::Resolve,
            Action::ShipReplacement(parcel()),
            Action::Escalate,
            Action::RequestEvidence { from: vec![Actor::Shopper, Actor::Seller], due_at: Timestamp(i64::MAX) },
            Action::SubmitEvidence,
            Action::EndEvidenceRound,
            Action::RuleForShopper { settlement: None, return_instructions: address() },
            Action::RuleForSeller,
            Action::Appeal,
            Action::CarryOutRuling,
            Action::Withdraw,
            Action::Close,
        ]
    }

    /// What the request for this action must carry and may carry, for a case to be
    /// carried out as `resolution`; `return_address_known` is whether the merchant
    /// configured a return address the server fills in.
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
            Action::RuleForShopper { .. } => {
                ([address.0, vec![Message]].concat(), [address.1, vec![Settlement, ReturnInstructions]].concat())
            }
            Action::Refuse => (vec![RefusalReason, Message], vec![Media]),
            Action::CounterOffer(_) => (vec![Offer, Message], vec![ReturnInstructions, Media]),
            Action::Resolve | Action::RuleForSeller => (vec![Message], vec![]),
            Action::Escalate | Action::SubmitEvidence | Action::Appeal => (vec![Message], vec![Media]),
            Action::RequestEvidence { .. } => (vec![EvidenceFrom, Message], vec![DueIn]),
            Action::SubmitReturnShipment(_) | Action::ShipReplacement(_) => (vec![Shipment], vec![]),
            Action::PayRefund(_) => (vec![Refund], vec![]),
            Action::ConfirmReceipt | Action::Withdraw | Action::AcceptOffer | Action::DeclineOffer => {
                (vec![], vec![Message])
            }
            Action::LapseOffer | Action::EndEvidenceRound | Action::CarryOutRuling | Action::Close => (vec![], vec![]),
        }
        .dedup()
    }
}

trait Dedup {
    fn dedup(self) -> Self;
}

impl Dedup for (Vec<ActionInput>, Vec<ActionInput>) {
    /// An input both required and accepted is only required.
    fn dedup(self) -> Self {
        let (requires, mut accepts) = self;
        accepts.retain(|input| !requires.contains(input));
        accepts.dedup();
        (requires, accepts)
    }
}

/// What `actor` may do to a case in `facts` at `now`: every action [`transition`]
/// would take, each with what its request needs and the deadline the actor is under,
/// then a message while the case is open (every party may write). The system acts
/// on deadlines and is offered nothing.
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
    let due_at = deadline(facts, policy).filter(|d| d.waiting_for.contains(&actor)).map(|d| d.due_at);
    let mut actions: Vec<NextAction> = Action::samples()
        .iter()
        .filter(|action| transition(facts, actor, action, now, policy).is_ok())
        .map(|action| {
            let resolution = match action {
                Action::AcceptOffer => facts.offered.unwrap_or(facts.resolution),
                _ => facts.resolution,
            };
            let (requires, accepts) = action.inputs(resolution, return_address_known);
            NextAction { action: action.kind(), requires, accepts, due_at }
        })
        .collect();
    if open(facts.state) {
        actions.push(NextAction {
            action: EventKind::Message,
            requires: vec![ActionInput::Message],
            accepts: vec![ActionInput::Media],
            due_at: None,
        });
    }
    actions
}

/// What a case holds besides its state that actions fill in: where a return goes, the
/// parcels both ways, the refund paid, the latest offer, what was agreed or ruled, the
/// latest evidence round — and the price paid, from the signed order.
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
    #[serde(default)]
    pub paid: Option<crate::money::Money>,
    #[serde(default)]
    pub offer: Option<Offer>,
    #[serde(default)]
    pub settlement: Option<Settlement>,
    #[serde(default)]
    pub evidence_round: Option<EvidenceRound>,
    #[serde(default)]
    pub ruling: Option<Ruling>,
}

impl Outcome {
    /// What the rules need to know of a case in `state` since `entered_at`, filed for
    /// `asked`, with this outcome.
    pub fn facts(&self, state: CaseState, asked: Resolution, entered_at: Timestamp) -> CaseFacts {
        let ask = |actor| match &self.evidence_round {
            Some(round) if round.answered.contains(&actor) => Ask::Answered,
            Some(round) if round.from.contains(&actor) => Ask::Pending,
            _ => Ask::NotAsked,
        };
        CaseFacts {
            state,
            resolution: self.settlement.as_ref().map_or(asked, |s| s.resolution),
            entered_at,
            offered: self.offer.as_ref().map(|offer| offer.resolution),
            round: self.evidence_round.as_ref().map(|round| RoundFacts {
                shopper: ask(Actor::Shopper),
                seller: ask(Actor::Seller),
                due_at: round.due_at,
            }),
            ruling: self
                .ruling
                .as_ref()
                .map(|ruling| RulingFacts { in_favour_of: ruling.in_favour_of, on_appeal: ruling.on_appeal }),
        }
    }
}

/// What an action (already allowed by [`transition`]) taken by `actor` records on a
/// case filed for `asked`: what was agreed (as asked, as offered, as ruled), where a
/// return goes, shipments and the refund as given, the offer, the evidence round and
/// who answered it, the ruling.
pub fn effects(action: &Action, actor: Actor, asked: Resolution, outcome: &mut Outcome) {
    match action {
        Action::Accept { return_instructions } => {
            let resolution = outcome.settlement.as_ref().map_or(asked, |s| s.resolution);
            outcome.settlement = Some(Settlement { resolution, amount: None });
            if resolution.needs_return() {
                outcome.return_instructions = return_instructions.clone();
            }
        }
        Action::CounterOffer(offer) => outcome.offer = Some(offer.clone()),
        Action::AcceptOffer => {
            if let Some(offer) = &outcome.offer {
                outcome.settlement = Some(Settlement { resolution: offer.resolution, amount: offer.amount.clone() });
                if offer.resolution.needs_return() {
                    outcome.return_instructions = offer.return_instructions.clone();
                }
            }
        }
        Action::RequestEvidence { from, due_at } => {
            outcome.evidence_round = Some(EvidenceRound { from: from.clone(), answered: Vec::new(), due_at: *due_at });
        }
        Action::SubmitEvidence => {
            if let Some(round) = &mut outcome.evidence_round {
                if !round.answered.contains(&actor) {
                    round.answered.push(actor);
                }
            }
        }
        Action::RuleForShopper { settlement, return_instructions } => {
            let on_appeal = outcome.ruling.is_some();
            let settlement = settlement.clone().unwrap_or(Settlement { resolution: asked, amount: None });
            if settlement.resolution.needs_return() {
                outcome.return_instructions = return_instructions.clone();
            }
            outcome.settlement = Some(settlement.clone());
            outcome.ruling = Some(Ruling { in_favour_of: Actor::Shopper, settlement: Some(settlement), on_appeal });
        }
        Action::RuleForSeller => {
            let on_appeal = outcome.ruling.is_some();
            outcome.settlement = None;
            outcome.ruling = Some(Ruling { in_favour_of: Actor::Seller, settlement: None, on_appeal });
        }
        Action::SubmitReturnShipment(shipment) => outcome.return_shipment = Some(shipment.clone()),
        Action::ShipReplacement(shipment) => outcome.replacement_shipment = Some(shipment.clone()),
        Action::PayRefund(refund) => outcome.refund = Some(refund.clone()),
        _ => {}
    }
}

/// Deadlines and their consequences, as configuration. Defaults: the seller answers
/// within 48 h or the shopper may escalate; the shopper answers an offer within 48 h or
/// it lapses (as if declined); the shopper ships a return within 7 days or the case
/// closes; the seller confirms receipt within 7 days or the refund proceeds; the seller
/// pays or ships within 3 days or the shopper may escalate; after a refusal or a
/// declined offer the shopper has 7 days to escalate before the case closes; an
/// evidence round lasts 72 h unless the platform says otherwise; a ruling may be
/// appealed once within 72 h.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct DeadlinePolicy {
    pub seller_response_hours: u32,
    /// `shopper_may_escalate` or `auto_accept`.
    pub on_seller_silence: Consequence,
    pub offer_response_hours: u32,
    pub return_shipment_days: u32,
    pub seller_receipt_days: u32,
    pub resolution_days: u32,
    pub escalation_window_days: u32,
    pub evidence_round_hours: u32,
    /// Whether the losing side may appeal a ruling once.
    pub appeals: bool,
    pub appeal_window_hours: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            seller_response_hours: 48,
            on_seller_silence: Consequence::ShopperMayEscalate,
            offer_response_hours: 48,
            return_shipment_days: 7,
            seller_receipt_days: 7,
            resolution_days: 3,
            escalation_window_days: 7,
            evidence_round_hours: 72,
            appeals: true,
            appeal_window_hours: 72,
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
            self.offer_response_hours,
            self.return_shipment_days,
            self.seller_receipt_days,
            self.resolution_days,
            self.escalation_window_days,
            self.evidence_round_hours,
            self.appeal_window_hours,
        ];
        if all.contains(&0) {
            return Err("every deadline must be at least 1".into());
        }
        Ok(())
    }
}

/// Where a side stands in an evidence round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    NotAsked,
    Pending,
    Answered,
}

/// The evidence round, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundFacts {
    pub shopper: Ask,
    pub seller: Ask,
    pub due_at: Timestamp,
}

impl RoundFacts {
    fn of(&self, actor: Actor) -> Ask {
        match actor {
            Actor::Shopper => self.shopper,
            Actor::Seller => self.seller,
            _ => Ask::NotAsked,
        }
    }

    /// Who has yet to answer.
    fn pending(&self) -> Vec<Actor> {
        [Actor::Shopper, Actor::Seller].into_iter().filter(|a| self.of(*a) == Ask::Pending).collect()
    }
}

/// The latest ruling, as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RulingFacts {
    pub in_favour_of: Actor,
    /// A ruling on appeal is final.
    pub on_appeal: bool,
}

impl RulingFacts {
    /// Who may appeal it.
    fn loser(&self) -> Actor {
        if self.in_favour_of == Actor::Shopper {
            Actor::Seller
        } else {
            Actor::Shopper
        }
    }
}

/// What the rules need to know about a case ([`Outcome::facts`] makes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseFacts {
    pub state: CaseState,
    /// What the case is carried out as: as asked, or as agreed or ruled.
    pub resolution: Resolution,
    /// When the case entered `state`.
    pub entered_at: Timestamp,
    /// The resolution of the seller's latest offer.
    pub offered: Option<Resolution>,
    pub round: Option<RoundFacts>,
    pub ruling: Option<RulingFacts>,
}

impl CaseFacts {
    /// A case with no offer, evidence round or ruling.
    pub fn new(state: CaseState, resolution: Resolution, entered_at: Timestamp) -> CaseFacts {
        CaseFacts { state, resolution, entered_at, offered: None, round: None, ruling: None }
    }
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
    /// Evidence from a side the platform did not ask, or that has already answered.
    EvidenceNotAsked { actor: Actor },
    /// An appeal after the window closed, a second appeal, or by the side that won.
    AppealNotAllowed { closed_at: Option<Timestamp> },
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
            TransitionError::EvidenceNotAsked { actor } => {
                write!(f, "the platform is not waiting for evidence from the {}", actor.as_str())
            }
            TransitionError::AppealNotAllowed { closed_at: Some(at) } => {
                write!(f, "the ruling could be appealed until {}", at.to_rfc3339())
            }
            TransitionError::AppealNotAllowed { closed_at: None } => {
                write!(f, "this ruling cannot be appealed by this party")
            }
        }
    }
}

/// The deadline that applies to a case in `facts.state`, if any.
pub fn deadline(facts: CaseFacts, policy: &DeadlinePolicy) -> Option<Deadline> {
    use CaseState::*;
    let at = facts.entered_at;
    let (waiting_for, due_at, consequence) = match facts.state {
        AwaitingSeller => (vec![Actor::Seller], at.plus_hours(policy.seller_response_hours), policy.on_seller_silence),
        SellerRefused | OfferDeclined => {
            (vec![Actor::Shopper], at.plus_days(policy.escalation_window_days), Consequence::AutoClose)
        }
        OfferPending => (vec![Actor::Shopper], at.plus_hours(policy.offer_response_hours), Consequence::OfferLapses),
        AwaitingReturnShipment => {
            (vec![Actor::Shopper], at.plus_days(policy.return_shipment_days), Consequence::AutoClose)
        }
        AwaitingSellerReceipt => {
            (vec![Actor::Seller], at.plus_days(policy.seller_receipt_days), Consequence::AutoConfirmReceipt)
        }
        AwaitingResolution => {
            (vec![Actor::Seller], at.plus_days(policy.resolution_days), Consequence::ShopperMayEscalate)
        }
        EvidenceRound => {
            let round = facts.round?;
            (round.pending(), round.due_at, Consequence::EvidenceRoundEnds)
        }
        Ruled => {
            let ruling = facts.ruling?;
            (vec![ruling.loser()], at.plus_hours(policy.appeal_window_hours), Consequence::RulingCarriedOut)
        }
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
        Consequence::OfferLapses => Some(Action::LapseOffer),
        Consequence::EvidenceRoundEnds => Some(Action::EndEvidenceRound),
        Consequence::RulingCarriedOut => Some(Action::CarryOutRuling),
        Consequence::ShopperMayEscalate => None,
    }
}

/// Whether the shopper may ask the platform to step in at `now`, and if not yet, from when.
pub fn escalation(facts: CaseFacts, now: Timestamp, policy: &DeadlinePolicy) -> Result<(), TransitionError> {
    use CaseState::*;
    match facts.state {
        SellerRefused | OfferDeclined => match deadline(facts, policy) {
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

/// Whether people may still write into the case's history (a message changes no
/// state): while it is open, not once it is resolved, closed or withdrawn. A ruling
/// open to appeal still takes messages.
pub fn open(state: CaseState) -> bool {
    !state.is_final()
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
    if !action.actors().contains(&actor) {
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
    // Where a case goes once it is to be carried out as `resolution`.
    let carried_out = |resolution: Resolution, instructions: Option<&Option<ReturnInstructions>>| match resolution {
        r if r.needs_return() && instructions.is_some_and(Option::is_none) => {
            Err(TransitionError::ReturnInstructionsRequired)
        }
        r if r.needs_return() => Ok(AwaitingReturnShipment),
        Resolution::ComplaintOnly => Ok(Resolved),
        _ => Ok(AwaitingResolution),
    };
    // A ruling waits out the appeal window, unless appeals are off or this ruling
    // follows an earlier one (it answers the appeal, and is final).
    let ruled = |outcome: Result<CaseState, TransitionError>| {
        let appealable = policy.appeals && facts.ruling.is_none();
        outcome.map(|next| if appealable { Ruled } else { next })
    };
    match (facts.state, action) {
        (AwaitingSeller | OfferDeclined, Action::Accept { return_instructions }) => {
            carried_out(facts.resolution, Some(return_instructions))
        }
        (AwaitingSeller, Action::Refuse) => Ok(SellerRefused),
        (AwaitingSeller | OfferDeclined, Action::CounterOffer(offer))
            if offer.resolution.needs_return() && offer.return_instructions.is_none() =>
        {
            Err(TransitionError::ReturnInstructionsRequired)
        }
        (AwaitingSeller | OfferDeclined, Action::CounterOffer(_)) => Ok(OfferPending),
        (OfferPending, Action::AcceptOffer) => carried_out(facts.offered.unwrap_or(facts.resolution), None),
        (OfferPending, Action::DeclineOffer | Action::LapseOffer) => Ok(OfferDeclined),
        (AwaitingReturnShipment, Action::SubmitReturnShipment(_)) => Ok(AwaitingSellerReceipt),
        (AwaitingSellerReceipt, Action::ConfirmReceipt) => Ok(AwaitingResolution),
        (AwaitingResolution, Action::PayRefund(_)) if facts.resolution.is_refund() => Ok(Resolved),
        (AwaitingResolution, Action::Resolve) => Ok(Resolved),
        (AwaitingResolution, Action::ShipReplacement(_))
            if matches!(facts.resolution, Resolution::Exchange | Resolution::Reshipment) =>
        {
            Ok(Resolved)
        }
        (SellerRefused | OfferDeclined | AwaitingSeller | AwaitingResolution, Action::Escalate) => {
            escalation(facts, now, policy).map(|()| Escalated)
        }
        (_, Action::Escalate) => Err(TransitionError::EscalationNotYetAllowed { from: None }),
        (Escalated, Action::RequestEvidence { from, .. })
            if !from.is_empty() && from.iter().all(|a| matches!(a, Actor::Shopper | Actor::Seller)) =>
        {
            Ok(EvidenceRound)
        }
        (EvidenceRound, Action::SubmitEvidence) => match facts.round {
            Some(round) if round.of(actor) == Ask::Pending => {
                // The last answer ends the round.
                Ok(if round.pending() == [actor] { Escalated } else { EvidenceRound })
            }
            _ => Err(TransitionError::EvidenceNotAsked { actor }),
        },
        (_, Action::SubmitEvidence) => Err(TransitionError::EvidenceNotAsked { actor }),
        (EvidenceRound, Action::EndEvidenceRound) => Ok(Escalated),
        (Escalated, Action::RuleForShopper { settlement, return_instructions }) => {
            let resolution = settlement.as_ref().map_or(facts.resolution, |s| s.resolution);
            ruled(carried_out(resolution, Some(return_instructions)))
        }
        (Escalated, Action::RuleForSeller) => ruled(Ok(Closed)),
        (Ruled, Action::Appeal) => match (facts.ruling, deadline(facts, policy)) {
            (Some(ruling), Some(d)) if ruling.loser() == actor && now < d.due_at => Ok(Escalated),
            (Some(ruling), Some(d)) if ruling.loser() == actor => {
                Err(TransitionError::AppealNotAllowed { closed_at: Some(d.due_at) })
            }
            _ => Err(TransitionError::AppealNotAllowed { closed_at: None }),
        },
        (Ruled, Action::CarryOutRuling) => match facts.ruling {
            Some(RulingFacts { in_favour_of: Actor::Shopper, .. }) => carried_out(facts.resolution, None),
            _ => Ok(Closed),
        },
        (
            AwaitingSeller
            | SellerRefused
            | OfferPending
            | OfferDeclined
            | AwaitingReturnShipment
            | Escalated
            | EvidenceRound
            | Ruled,
            Action::Withdraw,
        ) => Ok(Withdrawn),
        (SellerRefused | OfferDeclined | AwaitingReturnShipment, Action::Close) => Ok(Closed),
        _ => Err(not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
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

    fn partial() -> Offer {
        Offer { resolution: Resolution::RefundOnly, amount: Some(Money::new(5000, "CNY")), return_instructions: None }
    }

    fn actions() -> Vec<Action> {
        vec![
            Action::Accept { return_instructions: instructions() },
            Action::Refuse,
            Action::CounterOffer(partial()),
            Action::AcceptOffer,
            Action::DeclineOffer,
            Action::LapseOffer,
            Action::SubmitReturnShipment(shipment()),
            Action::ConfirmReceipt,
            Action::PayRefund(Refund { amount: Money::new(9900, "CNY"), reference: None }),
            Action::Resolve,
            Action::ShipReplacement(shipment()),
            Action::Escalate,
            Action::RequestEvidence { from: vec![Shopper, Seller], due_at: Timestamp(T0.0 + 72 * HOUR) },
            Action::SubmitEvidence,
            Action::EndEvidenceRound,
            Action::RuleForShopper { settlement: None, return_instructions: instructions() },
            Action::RuleForSeller,
            Action::Appeal,
            Action::CarryOutRuling,
            Action::Withdraw,
            Action::Close,
        ]
    }

    /// The facts of a case that entered `state` at T0, as the table assumes them: in
    /// `offer_pending` a partial refund is offered; an evidence round asks both sides,
    /// due after 72 h; in `ruled` the first ruling went for the shopper.
    fn facts_in(state: CaseState, resolution: Resolution) -> CaseFacts {
        let mut facts = CaseFacts::new(state, resolution, T0);
        match state {
            OfferPending => facts.offered = Some(Resolution::RefundOnly),
            EvidenceRound => {
                let due_at = Timestamp(T0.0 + 72 * HOUR);
                facts.round = Some(RoundFacts { shopper: Ask::Pending, seller: Ask::Pending, due_at });
            }
            Ruled => facts.ruling = Some(RulingFacts { in_favour_of: Shopper, on_appeal: false }),
            _ => {}
        }
        facts
    }

    /// Every allowed (state, resolution, actor, action, from and until hours after
    /// entering the state) → next state, for the cases of [`facts_in`]. Everything not
    /// listed must be refused.
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
                (AwaitingSeller, r, Seller, "counter_offer", 0, i64::MAX, OfferPending),
                (AwaitingSeller, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (AwaitingSeller, r, Shopper, "escalate", 48, i64::MAX, Escalated),
                (SellerRefused, r, Shopper, "escalate", 0, 7 * 24, Escalated),
                (SellerRefused, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (SellerRefused, r, System, "close", 7 * 24, i64::MAX, Closed),
                // The offer is a partial refund: accepted, the refund is next.
                (OfferPending, r, Shopper, "accept_offer", 0, i64::MAX, AwaitingResolution),
                (OfferPending, r, Shopper, "decline_offer", 0, i64::MAX, OfferDeclined),
                (OfferPending, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (OfferPending, r, System, "offer_lapsed", 48, i64::MAX, OfferDeclined),
                (OfferDeclined, r, Seller, "accept", 0, i64::MAX, accepted),
                (OfferDeclined, r, Seller, "counter_offer", 0, i64::MAX, OfferPending),
                (OfferDeclined, r, Shopper, "escalate", 0, 7 * 24, Escalated),
                (OfferDeclined, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (OfferDeclined, r, System, "close", 7 * 24, i64::MAX, Closed),
                (AwaitingReturnShipment, r, Shopper, "return_shipment", 0, i64::MAX, AwaitingSellerReceipt),
                (AwaitingReturnShipment, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (AwaitingReturnShipment, r, System, "close", 7 * 24, i64::MAX, Closed),
                (AwaitingSellerReceipt, r, Seller, "confirm_receipt", 0, i64::MAX, AwaitingResolution),
                (AwaitingSellerReceipt, r, System, "confirm_receipt", 7 * 24, i64::MAX, AwaitingResolution),
                (AwaitingResolution, r, Shopper, "escalate", 3 * 24, i64::MAX, Escalated),
                (AwaitingResolution, r, Seller, "resolve", 0, i64::MAX, Resolved),
                (Escalated, r, Platform, "request_evidence", 0, i64::MAX, EvidenceRound),
                // A first ruling waits out the appeal window.
                (Escalated, r, Platform, "rule_for_shopper", 0, i64::MAX, Ruled),
                (Escalated, r, Platform, "rule_for_seller", 0, i64::MAX, Ruled),
                (Escalated, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (EvidenceRound, r, Shopper, "submit_evidence", 0, i64::MAX, EvidenceRound),
                (EvidenceRound, r, Seller, "submit_evidence", 0, i64::MAX, EvidenceRound),
                (EvidenceRound, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (EvidenceRound, r, System, "evidence_round_ended", 72, i64::MAX, Escalated),
                // Ruled for the shopper: the seller may appeal, then it is carried out.
                (Ruled, r, Seller, "appeal", 0, 72, Escalated),
                (Ruled, r, Shopper, "withdraw", 0, i64::MAX, Withdrawn),
                (Ruled, r, System, "ruling_carried_out", 72, i64::MAX, accepted),
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

    /// At entry, after the seller's and the offer's deadlines, and long after every
    /// deadline.
    const HOURS: [i64; 3] = [0, 50, 24 * 30];

    #[test]
    fn every_transition_allowed_or_refused() {
        let policy = DeadlinePolicy::default();
        let table = allowed();
        let mut checked = 0;
        for state in CaseState::ALL.iter().copied() {
            for resolution in Resolution::ALL.iter().copied() {
                for actor in Actor::ALL.iter().copied() {
                    for action in actions() {
                        for hours in HOURS {
                            let facts = facts_in(state, resolution);
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
        assert_eq!(checked, 13 * 5 * 4 * 21 * 3);
    }

    /// The actions offered are exactly the table's rows for that state, resolution,
    /// actor and time (and a message for every party while the case is open), each
    /// under the deadline that waits for the actor.
    #[test]
    fn next_actions_are_the_allowed_transitions() {
        let policy = DeadlinePolicy::default();
        let table = allowed();
        for state in CaseState::ALL.iter().copied() {
            for resolution in Resolution::ALL.iter().copied() {
                for actor in Actor::ALL.iter().copied() {
                    for hours in HOURS {
                        let facts = facts_in(state, resolution);
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
                        if open(state) && actor != System {
                            expected.push("message");
                        }
                        let mut got: Vec<&str> = offered.iter().map(|a| a.action.as_str()).collect();
                        got.sort_unstable();
                        expected.sort_unstable();
                        assert_eq!(got, expected, "{state:?} {resolution:?} {actor:?} +{hours}h");
                        let waiting =
                            deadline(facts, &policy).filter(|d| d.waiting_for.contains(&actor)).map(|d| d.due_at);
                        for action in offered.iter().filter(|a| a.action != EventKind::Message) {
                            assert_eq!(action.due_at, waiting);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn effects_keep_what_each_action_carries() {
        let mut outcome = Outcome::default();
        effects(&Action::Accept { return_instructions: instructions() }, Seller, Resolution::RefundOnly, &mut outcome);
        assert_eq!(outcome.return_instructions, None, "no return, no address kept");
        assert_eq!(outcome.settlement, Some(Settlement { resolution: Resolution::RefundOnly, amount: None }));
        let mut outcome = Outcome::default();
        effects(&Action::Accept { return_instructions: instructions() }, Seller, Resolution::Exchange, &mut outcome);
        assert_eq!(outcome.return_instructions, instructions());
        effects(&Action::SubmitReturnShipment(shipment()), Shopper, Resolution::Exchange, &mut outcome);
        effects(&Action::ShipReplacement(shipment()), Seller, Resolution::Exchange, &mut outcome);
        assert_eq!(
            (outcome.return_shipment.clone(), outcome.replacement_shipment.clone()),
            (Some(shipment()), Some(shipment()))
        );
        let refund = Refund { amount: Money::new(9900, "CNY"), reference: None };
        effects(&Action::PayRefund(refund.clone()), Seller, Resolution::ReturnAndRefund, &mut outcome);
        assert_eq!(outcome.refund, Some(refund));
        let before = outcome.clone();
        for action in [
            Action::Refuse,
            Action::Resolve,
            Action::Escalate,
            Action::Withdraw,
            Action::Close,
            Action::ConfirmReceipt,
            Action::DeclineOffer,
            Action::LapseOffer,
            Action::EndEvidenceRound,
            Action::Appeal,
            Action::CarryOutRuling,
        ] {
            effects(&action, Shopper, Resolution::Exchange, &mut outcome);
        }
        assert_eq!(outcome, before, "the other actions record nothing");
    }

    #[test]
    fn an_accepted_offer_is_what_the_case_is_carried_out_as() {
        let mut outcome = Outcome::default();
        effects(&Action::CounterOffer(partial()), Seller, Resolution::ReturnAndRefund, &mut outcome);
        let facts = outcome.facts(OfferPending, Resolution::ReturnAndRefund, T0);
        assert_eq!((facts.resolution, facts.offered), (Resolution::ReturnAndRefund, Some(Resolution::RefundOnly)));
        assert_eq!(
            transition(facts, Shopper, &Action::AcceptOffer, T0, &DeadlinePolicy::default()),
            Ok(AwaitingResolution)
        );
        effects(&Action::AcceptOffer, Shopper, Resolution::ReturnAndRefund, &mut outcome);
        let settled = Settlement { resolution: Resolution::RefundOnly, amount: Some(Money::new(5000, "CNY")) };
        assert_eq!(outcome.settlement, Some(settled));
        let facts = outcome.facts(AwaitingResolution, Resolution::ReturnAndRefund, T0);
        assert_eq!(facts.resolution, Resolution::RefundOnly, "no return any more");
        let refund = Action::PayRefund(Refund { amount: Money::new(5000, "CNY"), reference: None });
        assert_eq!(transition(facts, Seller, &refund, T0, &DeadlinePolicy::default()), Ok(Resolved));

        // An exchange offered needs the return address; accepted, the return comes first.
        let exchange = Offer { resolution: Resolution::Exchange, amount: None, return_instructions: None };
        let waiting = CaseFacts::new(AwaitingSeller, Resolution::RefundOnly, T0);
        let policy = DeadlinePolicy::default();
        assert_eq!(
            transition(waiting, Seller, &Action::CounterOffer(exchange.clone()), T0, &policy),
            Err(TransitionError::ReturnInstructionsRequired)
        );
        let exchange = Offer { return_instructions: instructions(), ..exchange };
        let mut outcome = Outcome::default();
        effects(&Action::CounterOffer(exchange), Seller, Resolution::RefundOnly, &mut outcome);
        let facts = outcome.facts(OfferPending, Resolution::RefundOnly, T0);
        assert_eq!(transition(facts, Shopper, &Action::AcceptOffer, T0, &policy), Ok(AwaitingReturnShipment));
        effects(&Action::AcceptOffer, Shopper, Resolution::RefundOnly, &mut outcome);
        assert_eq!(outcome.return_instructions, instructions());
    }

    #[test]
    fn an_offer_lapses_after_its_deadline_and_the_seller_may_offer_again() {
        let policy = DeadlinePolicy::default();
        let mut outcome = Outcome::default();
        effects(&Action::CounterOffer(partial()), Seller, Resolution::RefundOnly, &mut outcome);
        let pending = outcome.facts(OfferPending, Resolution::RefundOnly, T0);
        let d = deadline(pending, &policy).unwrap();
        assert_eq!(
            (d.waiting_for, d.due_at, d.consequence),
            (vec![Shopper], Timestamp(T0.0 + 48 * HOUR), Consequence::OfferLapses)
        );
        assert_eq!(due(pending, Timestamp(T0.0 + 48 * HOUR - 1), &policy), None);
        assert_eq!(due(pending, Timestamp(T0.0 + 48 * HOUR), &policy), Some(Action::LapseOffer));
        let declined = outcome.facts(OfferDeclined, Resolution::RefundOnly, T0);
        let seller: Vec<_> = next_actions(declined, Seller, T0, &policy, true).iter().map(|a| a.action).collect();
        assert_eq!(seller, [EventKind::Accept, EventKind::CounterOffer, EventKind::Message]);
        let shopper: Vec<_> = next_actions(declined, Shopper, T0, &policy, true).iter().map(|a| a.action).collect();
        assert_eq!(shopper, [EventKind::Escalate, EventKind::Withdraw, EventKind::Message]);
    }

    #[test]
    fn an_evidence_round_ends_with_the_last_answer_or_its_deadline() {
        let policy = DeadlinePolicy::default();
        let due_at = Timestamp(T0.0 + 24 * HOUR);
        let mut outcome = Outcome::default();
        let ask = Action::RequestEvidence { from: vec![Shopper, Seller], due_at };
        effects(&ask, Platform, Resolution::RefundOnly, &mut outcome);
        let round = outcome.facts(EvidenceRound, Resolution::RefundOnly, T0);
        let d = deadline(round, &policy).unwrap();
        assert_eq!(
            (d.waiting_for, d.due_at, d.consequence),
            (vec![Shopper, Seller], due_at, Consequence::EvidenceRoundEnds)
        );
        assert_eq!(transition(round, Shopper, &Action::SubmitEvidence, T0, &policy), Ok(EvidenceRound));
        effects(&Action::SubmitEvidence, Shopper, Resolution::RefundOnly, &mut outcome);
        let half = outcome.facts(EvidenceRound, Resolution::RefundOnly, T0);
        assert_eq!(deadline(half, &policy).unwrap().waiting_for, [Seller]);
        assert_eq!(
            transition(half, Shopper, &Action::SubmitEvidence, T0, &policy),
            Err(TransitionError::EvidenceNotAsked { actor: Shopper }),
            "once per round"
        );
        assert_eq!(transition(half, Seller, &Action::SubmitEvidence, T0, &policy), Ok(Escalated), "the last answer");
        assert_eq!(due(half, due_at, &policy), Some(Action::EndEvidenceRound));

        // A round asking only the shopper: the seller is not asked.
        let only = Action::RequestEvidence { from: vec![Shopper], due_at };
        let mut outcome = Outcome::default();
        effects(&only, Platform, Resolution::RefundOnly, &mut outcome);
        let round = outcome.facts(EvidenceRound, Resolution::RefundOnly, T0);
        assert_eq!(
            transition(round, Seller, &Action::SubmitEvidence, T0, &policy),
            Err(TransitionError::EvidenceNotAsked { actor: Seller })
        );
        assert_eq!(transition(round, Shopper, &Action::SubmitEvidence, T0, &policy), Ok(Escalated));
        let escalated = CaseFacts::new(Escalated, Resolution::RefundOnly, T0);
        for from in [vec![], vec![Platform], vec![System, Shopper]] {
            let ask = Action::RequestEvidence { from, due_at };
            assert!(transition(escalated, Platform, &ask, T0, &policy).is_err(), "only the two sides are asked");
        }
    }

    #[test]
    fn a_ruling_may_be_appealed_once_by_the_losing_side() {
        let policy = DeadlinePolicy::default();
        let mut outcome = Outcome::default();
        let escalated = outcome.facts(Escalated, Resolution::ReturnAndRefund, T0);
        let half = Settlement { resolution: Resolution::RefundOnly, amount: Some(Money::new(6000, "CNY")) };
        let rule = Action::RuleForShopper { settlement: Some(half.clone()), return_instructions: None };
        assert_eq!(transition(escalated, Platform, &rule, T0, &policy), Ok(Ruled));
        effects(&rule, Platform, Resolution::ReturnAndRefund, &mut outcome);
        assert_eq!(
            outcome.ruling,
            Some(Ruling { in_favour_of: Shopper, settlement: Some(half.clone()), on_appeal: false })
        );
        let ruled = outcome.facts(Ruled, Resolution::ReturnAndRefund, T0);
        let d = deadline(ruled, &policy).unwrap();
        assert_eq!((d.waiting_for, d.consequence), (vec![Seller], Consequence::RulingCarriedOut));
        assert_eq!(
            transition(ruled, Shopper, &Action::Appeal, T0, &policy),
            Err(TransitionError::AppealNotAllowed { closed_at: None }),
            "the winner does not appeal"
        );
        let closes = Timestamp(T0.0 + 72 * HOUR);
        assert_eq!(
            transition(ruled, Seller, &Action::Appeal, closes, &policy),
            Err(TransitionError::AppealNotAllowed { closed_at: Some(closes) })
        );
        assert_eq!(due(ruled, closes, &policy), Some(Action::CarryOutRuling));
        assert_eq!(
            transition(ruled, System, &Action::CarryOutRuling, closes, &policy),
            Ok(AwaitingResolution),
            "a partial refund"
        );

        // Appealed: the next ruling is final, and carried out at once.
        assert_eq!(transition(ruled, Seller, &Action::Appeal, T0, &policy), Ok(Escalated));
        let again = outcome.facts(Escalated, Resolution::ReturnAndRefund, T0);
        assert_eq!(transition(again, Platform, &Action::RuleForSeller, T0, &policy), Ok(Closed));
        effects(&Action::RuleForSeller, Platform, Resolution::ReturnAndRefund, &mut outcome);
        assert_eq!(outcome.ruling, Some(Ruling { in_favour_of: Seller, settlement: None, on_appeal: true }));
        assert_eq!(outcome.settlement, None);

        // Without appeals, a ruling takes effect at once; for the seller it closes.
        let no_appeals = DeadlinePolicy { appeals: false, ..policy };
        assert_eq!(transition(escalated, Platform, &rule, T0, &no_appeals), Ok(AwaitingResolution));
        assert_eq!(transition(escalated, Platform, &Action::RuleForSeller, T0, &no_appeals), Ok(Closed));
        let for_seller = CaseFacts {
            ruling: Some(RulingFacts { in_favour_of: Seller, on_appeal: false }),
            ..CaseFacts::new(Ruled, Resolution::ReturnAndRefund, T0)
        };
        assert_eq!(transition(for_seller, System, &Action::CarryOutRuling, closes, &policy), Ok(Closed));
        assert_eq!(transition(for_seller, Shopper, &Action::Appeal, T0, &policy), Ok(Escalated));
    }

    #[test]
    fn next_actions_say_what_each_needs() {
        let policy = DeadlinePolicy::default();
        let facts = CaseFacts::new(AwaitingSeller, Resolution::ReturnAndRefund, T0);
        let find = |actions: &[NextAction], kind| actions.iter().find(|a| a.action == kind).cloned().unwrap();
        let known = next_actions(facts, Seller, T0, &policy, true);
        let accept = find(&known, EventKind::Accept);
        assert_eq!(
            (accept.requires, accept.accepts),
            (vec![], vec![ActionInput::ReturnInstructions, ActionInput::Message])
        );
        assert_eq!(accept.due_at, Some(Timestamp(T0.0 + 48 * HOUR)));
        let refuse = find(&known, EventKind::Refuse);
        assert_eq!(
            (refuse.requires, refuse.accepts),
            (vec![ActionInput::RefusalReason, ActionInput::Message], vec![ActionInput::Media])
        );
        let offer = find(&known, EventKind::CounterOffer);
        assert_eq!(
            (offer.requires, offer.accepts),
            (vec![ActionInput::Offer, ActionInput::Message], vec![ActionInput::ReturnInstructions, ActionInput::Media])
        );
        let unknown = next_actions(facts, Seller, T0, &policy, false);
        assert_eq!(find(&unknown, EventKind::Accept).requires, [ActionInput::ReturnInstructions]);
        let shopper = next_actions(facts, Shopper, T0, &policy, true);
        assert_eq!(shopper.iter().map(|a| a.action).collect::<Vec<_>>(), [EventKind::Withdraw, EventKind::Message]);
        let message = find(&shopper, EventKind::Message);
        assert_eq!((message.requires, message.accepts), (vec![ActionInput::Message], vec![ActionInput::Media]));
        let refused = CaseFacts::new(SellerRefused, Resolution::ReturnAndRefund, T0);
        let escalate = find(&next_actions(refused, Shopper, T0, &policy, true), EventKind::Escalate);
        assert_eq!((escalate.requires, escalate.accepts), (vec![ActionInput::Message], vec![ActionInput::Media]));
        assert_eq!(escalate.due_at, Some(Timestamp(T0.0 + 7 * 24 * HOUR)), "the window closes");
        let refund = CaseFacts::new(AwaitingResolution, Resolution::RefundOnly, T0);
        assert_eq!(
            find(&next_actions(refund, Seller, T0, &policy, true), EventKind::PayRefund).requires,
            [ActionInput::Refund]
        );
        let escalated = CaseFacts::new(Escalated, Resolution::RefundOnly, T0);
        let platform = next_actions(escalated, Platform, T0, &policy, true);
        let ask = find(&platform, EventKind::RequestEvidence);
        assert_eq!(
            (ask.requires, ask.accepts),
            (vec![ActionInput::EvidenceFrom, ActionInput::Message], vec![ActionInput::DueIn])
        );
        let rule = find(&platform, EventKind::RuleForShopper);
        assert_eq!(
            (rule.requires, rule.accepts),
            (vec![ActionInput::Message], vec![ActionInput::Settlement, ActionInput::ReturnInstructions])
        );
        assert!(next_actions(CaseFacts { state: Resolved, ..facts }, Seller, T0, &policy, true).is_empty());
    }

    #[test]
    fn deadlines_at_fixed_times() {
        let policy = DeadlinePolicy::default();
        let facts = |state| CaseFacts::new(state, Resolution::ReturnAndRefund, T0);
        let d = deadline(facts(AwaitingSeller), &policy).unwrap();
        assert_eq!(
            (d.waiting_for, d.due_at, d.consequence),
            (vec![Seller], Timestamp(T0.0 + 48 * HOUR), Consequence::ShopperMayEscalate)
        );
        assert_eq!(deadline(facts(AwaitingReturnShipment), &policy).unwrap().consequence, Consequence::AutoClose);
        assert_eq!(deadline(facts(AwaitingSellerReceipt), &policy).unwrap().due_at, Timestamp(T0.0 + 7 * 24 * HOUR));
        assert_eq!(deadline(facts(OfferDeclined), &policy).unwrap().consequence, Consequence::AutoClose);
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
        let facts = CaseFacts::new(AwaitingSeller, Resolution::Exchange, T0);
        let early = transition(facts, Shopper, &Action::Escalate, Timestamp(T0.0 + 47 * HOUR), &policy);
        assert_eq!(early, Err(TransitionError::EscalationNotYetAllowed { from: Some(Timestamp(T0.0 + 48 * HOUR)) }));
        let auto = DeadlinePolicy { on_seller_silence: Consequence::AutoAccept, ..policy };
        let never = transition(facts, Shopper, &Action::Escalate, Timestamp(T0.0 + 99 * HOUR), &auto);
        assert_eq!(never, Err(TransitionError::EscalationNotYetAllowed { from: None }));
    }

    #[test]
    fn specific_refusals() {
        let policy = DeadlinePolicy::default();
        let facts = CaseFacts::new(AwaitingSeller, Resolution::Exchange, T0);
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
    fn messages_only_while_open() {
        let open_states: Vec<_> = CaseState::ALL.iter().copied().filter(|s| open(*s)).collect();
        assert_eq!(
            open_states,
            [
                AwaitingSeller,
                SellerRefused,
                AwaitingReturnShipment,
                AwaitingSellerReceipt,
                AwaitingResolution,
                Escalated,
                OfferPending,
                OfferDeclined,
                EvidenceRound,
                Ruled
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
        assert!(DeadlinePolicy { appeal_window_hours: 0, ..DeadlinePolicy::default() }.validate().is_err());
    }
}
