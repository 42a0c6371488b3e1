//! After-sale cases on the wire: what a shopper files, and what the server keeps.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* #[cfg_attr(feature = "openapi", schema(rename = $text))] $variant),+
        }

        // By hand rather than derived: every wire enum shares one string deserializer
        // and `parse`, instead of a visitor each (kilobytes in the widget's wasm).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| serde::de::Error::unknown_variant(&text, &[$($text),+]))
            }
        }

        impl $crate::read::Write for $name {
            fn write<J: $crate::read::Json>(&self) -> J {
                J::string(self.as_str())
            }
        }

        impl $crate::read::Read for $name {
            fn read<J: $crate::read::Json>(value: &J, at: &$crate::read::At) -> $crate::read::Result<Self> {
                $crate::read::one_of(value, at, &[$(($text, $name::$variant)),+])
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

wire_enum!(
    /// The kinds of after-sale problem, from the source document, plus the seven-day
    /// no-reason return of Chinese consumer law.
    ProblemType {
        Quality = "quality",
        Logistics = "logistics",
        NotAsDescribed = "not_as_described",
        SellerService = "seller_service",
        NoReasonReturn = "no_reason_return",
    }
);

wire_enum!(
    /// Why, within a problem type.
    Reason {
        Broken = "broken",
        Malfunction = "malfunction",
        Delayed = "delayed",
        Lost = "lost",
        DamagedInTransit = "damaged_in_transit",
        Colour = "colour",
        Size = "size",
        Material = "material",
        Attitude = "attitude",
        NoResponse = "no_response",
        Other = "other",
        NoReason = "no_reason",
    }
);

wire_enum!(
    /// What the shopper asks for.
    Resolution {
        RefundOnly = "refund_only",
        ReturnAndRefund = "return_and_refund",
        Exchange = "exchange",
        Reshipment = "reshipment",
        /// A service complaint: the seller answers, no goods or money move.
        ComplaintOnly = "complaint_only",
    }
);

impl Resolution {
    /// Whether the shopper sends the item back first.
    pub fn needs_return(self) -> bool {
        matches!(self, Resolution::ReturnAndRefund | Resolution::Exchange)
    }

    /// Whether it ends with money back (otherwise with goods sent, or an answer).
    pub fn is_refund(self) -> bool {
        matches!(self, Resolution::RefundOnly | Resolution::ReturnAndRefund)
    }
}

wire_enum!(
    /// Who did something to a case.
    Actor {
        Shopper = "shopper",
        Seller = "seller",
        Platform = "platform",
        System = "system",
    }
);

wire_enum!(
    /// Where a case stands. Compare Taobao's refund states: `awaiting_seller` is
    /// WAIT_SELLER_AGREE, `seller_refused` SELLER_REFUSE_BUYER, `awaiting_return_shipment`
    /// WAIT_BUYER_RETURN_GOODS, `awaiting_seller_receipt` WAIT_SELLER_CONFIRM_GOODS,
    /// `resolved` SUCCESS, `closed` CLOSED; `escalated` is customer-service intervention.
    CaseState {
        AwaitingSeller = "awaiting_seller",
        SellerRefused = "seller_refused",
        AwaitingReturnShipment = "awaiting_return_shipment",
        AwaitingSellerReceipt = "awaiting_seller_receipt",
        /// The seller pays the refund or ships the replacement.
        AwaitingResolution = "awaiting_resolution",
        Escalated = "escalated",
        /// The seller answered with another resolution or a partial refund; the shopper
        /// accepts or declines it.
        OfferPending = "offer_pending",
        /// The shopper declined the seller's offer (or let it lapse): the shopper may ask
        /// the platform to step in or withdraw, and the seller may offer again.
        OfferDeclined = "offer_declined",
        /// 举证中: the platform asked one or both sides for evidence by a deadline.
        EvidenceRound = "evidence_round",
        /// The platform ruled; the losing side may appeal once until the window ends,
        /// then the ruling is carried out.
        Ruled = "ruled",
        Resolved = "resolved",
        Closed = "closed",
        Withdrawn = "withdrawn",
    }
);

impl CaseState {
    pub fn is_final(self) -> bool {
        matches!(self, CaseState::Resolved | CaseState::Closed | CaseState::Withdrawn)
    }
}

wire_enum!(
    MediaKind {
        Photo = "photo",
        Video = "video",
    }
);

/// A file a party uploaded (through the uploads API) and attaches to a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    pub upload_id: String,
    pub kind: MediaKind,
    /// In answers only: an expiring signed link to the stored file, relative to the
    /// server (`/media/{id}?expires=…&signature=…`), the same for every answer within a
    /// link lifetime so a page can cache it. Ignored when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(read_only))]
    pub url: Option<String>,
}

impl MediaRef {
    pub fn new(upload_id: impl Into<String>, kind: MediaKind) -> MediaRef {
        MediaRef { upload_id: upload_id.into(), kind, url: None }
    }
}

/// How the seller can reach the shopper. At least one of phone or email.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl crate::read::Read for Contact {
    fn read<J: crate::read::Json>(value: &J, at: &crate::read::At) -> crate::read::Result<Contact> {
        let o = crate::read::Object::new(value, at, &["name", "phone", "email"])?;
        Ok(Contact { name: o.optional("name")?, phone: o.optional("phone")?, email: o.optional("email")? })
    }
}

/// What a shopper files: `POST /v1/cases`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub order_id: String,
    pub item_ids: Vec<String>,
    pub problem_type: ProblemType,
    pub reason: Reason,
    pub resolution: Resolution,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub media: Vec<MediaRef>,
    pub contact: Contact,
    /// The language the shopper filed in (`zh-CN`, `en`): the one emails about the case
    /// are written in. Others are kept as Chinese, the source document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Carrier and tracking number of a parcel: the shopper's return, or the seller's
/// replacement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
}

/// Where and how to send the item back, "as the seller asks".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnInstructions {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

wire_enum!(
    /// What happens when a deadline passes.
    Consequence {
        /// The shopper may ask the platform to step in.
        ShopperMayEscalate = "shopper_may_escalate",
        /// The request is accepted as filed.
        AutoAccept = "auto_accept",
        /// The case closes.
        AutoClose = "auto_close",
        /// Receipt is taken as confirmed and the refund or replacement proceeds.
        AutoConfirmReceipt = "auto_confirm_receipt",
        /// The offer lapses, as if the shopper had declined it.
        OfferLapses = "offer_lapses",
        /// The evidence round ends and the case returns to the platform.
        EvidenceRoundEnds = "evidence_round_ends",
        /// The ruling is carried out: the case proceeds as ruled, or closes.
        RulingCarriedOut = "ruling_carried_out",
    }
);

/// The deadline that applies now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    /// Who must act before it: one party, or both sides in an evidence round.
    pub waiting_for: Vec<Actor>,
    pub due_at: Timestamp,
    pub consequence: Consequence,
}

wire_enum!(
    /// What happened to a case, or can happen next: each names one lifecycle step (or a
    /// message that changes no state). The history records them; `next_actions` offers
    /// them.
    EventKind {
        /// The shopper filed the case.
        File = "file",
        Accept = "accept",
        Refuse = "refuse",
        /// A message from any party, with or without files; the state stays.
        Message = "message",
        /// The seller offers another resolution, or a partial refund.
        CounterOffer = "counter_offer",
        AcceptOffer = "accept_offer",
        DeclineOffer = "decline_offer",
        /// The shopper did not answer the offer in time.
        OfferLapsed = "offer_lapsed",
        /// The shopper sent the item back.
        ReturnShipment = "return_shipment",
        ConfirmReceipt = "confirm_receipt",
        PayRefund = "pay_refund",
        ShipReplacement = "ship_replacement",
        /// Settled another way.
        Resolve = "resolve",
        /// The shopper asked the platform to step in.
        Escalate = "escalate",
        /// The platform asks one or both sides for evidence by a deadline.
        RequestEvidence = "request_evidence",
        /// A side answers the platform's request for evidence.
        SubmitEvidence = "submit_evidence",
        /// The evidence round ended: everyone asked answered, or its deadline passed.
        EvidenceRoundEnded = "evidence_round_ended",
        RuleForShopper = "rule_for_shopper",
        RuleForSeller = "rule_for_seller",
        /// The losing side asks the platform to rule once more.
        Appeal = "appeal",
        /// The appeal window closed and the ruling took effect.
        RulingCarriedOut = "ruling_carried_out",
        Withdraw = "withdraw",
        /// Closed when time ran out.
        Close = "close",
    }
);

wire_enum!(
    /// A part of the request an action takes.
    ActionInput {
        /// `message` (`reason` for an escalation): free text for the other parties.
        Message = "message",
        /// More evidence: uploaded files.
        Media = "media",
        /// Where the item goes back.
        ReturnInstructions = "return_instructions",
        /// A carrier and tracking number.
        Shipment = "shipment",
        /// The refunded amount.
        Refund = "refund",
        /// `resolution`, and `amount` for a partial refund: what the seller offers.
        Offer = "offer",
        /// `reason`: one of the merchant's refusal reasons (`refusal_reasons`).
        RefusalReason = "refusal_reason",
        /// `from`: whom the platform asks for evidence (`shopper`, `seller` or both).
        EvidenceFrom = "evidence_from",
        /// `due_in_hours`: how long the evidence round lasts.
        DueIn = "due_in",
        /// `resolution` and `amount`: what the ruling awards, when other than asked.
        Settlement = "settlement",
    }
);

/// What the seller offers instead of the resolution asked for: another resolution, or
/// a refund of less than the price paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub resolution: Resolution,
    /// For a refund: the amount, at most the price paid for the case's items
    /// (`paid`); absent means in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::money::Money>,
    /// Where a return goes, for a return or an exchange (otherwise the merchant's
    /// configured `return_address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_instructions: Option<ReturnInstructions>,
}

/// What a case is carried out as, once agreed or ruled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    pub resolution: Resolution,
    /// For a refund: how much; absent means the price paid, in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::money::Money>,
}

/// A reason a seller refuses for, from the merchant's list, with its wording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusalReason {
    /// Stable, e.g. `no_quality_problem`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// The platform's request for evidence, and who has answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceRound {
    /// `shopper`, `seller`, or both.
    pub from: Vec<Actor>,
    pub answered: Vec<Actor>,
    pub due_at: Timestamp,
}

/// The platform's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ruling {
    pub in_favour_of: Actor,
    /// For the shopper: what the case is carried out as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// Whether this ruling answers an appeal (and so is final).
    #[serde(default)]
    pub on_appeal: bool,
}

/// Something the party asking may do to the case now, as the lifecycle allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextAction {
    pub action: EventKind,
    /// What the request must carry.
    pub requires: Vec<ActionInput>,
    /// What it may carry besides.
    pub accepts: Vec<ActionInput>,
    /// The deadline this party acts under, if one applies: after it the chance closes
    /// or its consequence follows (see the case's `deadline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
}

/// One step in a case's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    pub at: Timestamp,
    pub actor: Actor,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<CaseState>,
    pub to: CaseState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Files sent with it, by the party who acted (links in the case detail).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<MediaRef>,
    /// With `counter_offer`: what was offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
    /// With `refuse`: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reason: Option<RefusalReason>,
    /// With `request_evidence`: whom the platform asks, and by when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_round: Option<EvidenceRound>,
    /// With a ruling: what was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruling: Option<Ruling>,
    /// The seller's or the platform's staff member who acted, by name: shown to staff
    /// only (the shopper sees "the seller" or "the platform").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<String>,
}

impl CaseEvent {
    /// An event with nothing besides its message.
    pub fn new(
        at: Timestamp,
        actor: Actor,
        kind: EventKind,
        from: Option<CaseState>,
        to: CaseState,
        message: Option<String>,
    ) -> CaseEvent {
        CaseEvent {
            at,
            actor,
            kind,
            from,
            to,
            message,
            media: Vec::new(),
            offer: None,
            refusal_reason: None,
            evidence_round: None,
            ruling: None,
            staff: None,
        }
    }
}

/// A case as the server keeps it and returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: String,
    /// Human-readable, e.g. `AC-20261128-000042`.
    pub number: String,
    pub order_id: String,
    pub item_ids: Vec<String>,
    pub problem_type: ProblemType,
    pub reason: Reason,
    pub resolution: Resolution,
    pub description: String,
    pub media: Vec<MediaRef>,
    pub contact: Contact,
    pub state: CaseState,
    /// Incremented by every change; sent as the `ETag`, and expected back in `If-Match`
    /// by every write to the case.
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The deadline that applies in the current state, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// What the party asking may do now, and what each needs: the only actions a
    /// client offers.
    pub next_actions: Vec<NextAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_instructions: Option<ReturnInstructions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipment: Option<Shipment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_shipment: Option<Shipment>,
    /// The refund the seller recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<Refund>,
    /// The price paid for the case's items, from the signed order: the most a refund
    /// can be. Absent for orders signed without prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<crate::money::Money>,
    /// The seller's latest offer (awaiting an answer in `offer_pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
    /// What the case is carried out as, once agreed or ruled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// The latest evidence round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_round: Option<EvidenceRound>,
    /// The platform's latest ruling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruling: Option<Ruling>,
    pub history: Vec<CaseEvent>,
}

/// A refund the seller paid: `POST /v1/merchant/cases/{id}/refund`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Refund {
    /// What was paid back, e.g. `{"minor_units": 12900, "currency": "CNY"}`.
    pub amount: crate::money::Money,
    /// The payment system's reference for the refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// `POST /v1/merchant/cases/{id}/accept`. A return or an exchange needs the return
/// address (or the merchant's configured `return_address`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_instructions: Option<ReturnInstructions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A message that must be given: refusing, replying, marking resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    pub message: String,
}

/// A message into the case's history from any party (`POST …/cases/{id}/messages`),
/// an answer to an evidence round (`…/evidence`), an appeal (`…/appeal`): text, and
/// files uploaded by the party writing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub message: String,
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

/// `POST /v1/merchant/cases/{id}/refuse`: a reason from the merchant's list, a
/// message, and optionally evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// The code of one of the merchant's `refusal_reasons`.
    pub reason: String,
    pub message: String,
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

/// `POST /v1/merchant/cases/{id}/offer`: another resolution, or a partial refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    pub resolution: Resolution,
    /// For a refund: less than the price paid (`paid`) makes it partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<crate::money::Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_instructions: Option<ReturnInstructions>,
    /// Why, for the shopper.
    pub message: String,
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

/// `POST /v1/platform/cases/{id}/evidence-round`: ask one or both sides for evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceRoundRequest {
    /// `shopper`, `seller`, or both.
    pub from: Vec<Actor>,
    /// What the platform wants to see.
    pub message: String,
    /// How long the sides have; default the merchant's `evidence_round_hours` (72).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_in_hours: Option<u32>,
}

/// A step that may carry a note: confirming receipt, withdrawing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST /v1/platform/cases/{id}/ruling`: the platform decides an escalated case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RulingRequest {
    /// `shopper` (the case proceeds as if the seller had accepted) or `seller` (it
    /// closes).
    pub in_favour_of: Actor,
    pub message: String,
    /// For the shopper, when other than asked: e.g. a partial refund
    /// (`{"resolution": "refund_only", "amount": {…}}`), at most the price paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// Where a return goes, when ruling for the shopper on a return or an exchange
    /// (otherwise the merchant's configured `return_address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_instructions: Option<ReturnInstructions>,
}

/// An expiring link to one of a case's files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceLink {
    pub upload_id: String,
    pub kind: MediaKind,
    /// Relative to the server; valid until `expires_at`.
    pub url: String,
    pub expires_at: Timestamp,
}

/// A case as the merchant (or the platform) sees it: the shopper's case, who filed
/// it, and links to its files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseDetail {
    pub case: Case,
    pub merchant_id: String,
    pub shopper_id: String,
    pub media_links: Vec<EvidenceLink>,
}

/// A page of cases, newest first; pass `next_cursor` as `cursor` for the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePage {
    pub cases: Vec<Case>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/cases/{id}/escalate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EscalateRequest {
    pub reason: String,
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

/// `POST /v1/cases/{id}/withdraw`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `GET /v1/unread?order=…`: what the seller, the platform or a deadline added to the
/// shopper's cases for the order since the shopper last saw them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unread {
    /// Unread events over all the order's cases.
    pub unread: u64,
    /// The cases with any, oldest first.
    pub cases: Vec<UnreadCase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCase {
    pub id: String,
    pub number: String,
    pub unread: u64,
}

/// `POST /v1/seen`: the shopper has seen these cases' histories through `through`
/// events (the length of the history shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SeenRequest {
    pub cases: Vec<Seen>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Seen {
    pub id: String,
    pub through: u64,
}

impl Write for SeenRequest {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("cases", &self.cases).finish()
    }
}

impl Write for Seen {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("id", &self.id).field("through", &self.through).finish()
    }
}

/// `GET /v1/cases?order=…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseList {
    pub cases: Vec<Case>,
}

/// The numbers and names an error message is made of, so a client can word it in its
/// own language from `code` and these, without reading `message`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorParams {
    /// The least allowed: characters, files, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// The most allowed: characters, files, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// The values that would have been accepted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Which kind of file a count is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MediaKind>,
    /// A moment the rule turns on: when a window closed, or from when something opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

impl ErrorParams {
    pub fn is_empty(&self) -> bool {
        *self == ErrorParams::default()
    }
}

/// Every error the API answers with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable and machine-readable, e.g. `order_token_expired`.
    pub code: String,
    /// For developers, in English; may change. Clients word errors from `code` and
    /// `params`.
    pub message: String,
    /// The offending field, as a path into the request body, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "ErrorParams::is_empty")]
    pub params: ErrorParams,
    /// With `version_mismatch`: the case as it stands now (a retried action that had
    /// already landed shows here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<Box<Case>>,
}

// Reading and writing without serde, for the widget (`crate::read`). The server reads
// and writes these through serde; `tests::the_reader_and_writer_agree_with_serde` and
// the server's contract check hold the two to the same wire.

use crate::read::{At, Fields, Json, Object, Read, Write};

type ReadResult<T> = crate::read::Result<T>;

impl Read for MediaRef {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<MediaRef> {
        let o = Object::new(value, at, &["upload_id", "kind", "url"])?;
        Ok(MediaRef { upload_id: o.required("upload_id")?, kind: o.required("kind")?, url: o.optional("url")? })
    }
}

impl Write for MediaRef {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("upload_id", &self.upload_id).field("kind", &self.kind).finish()
    }
}

impl Write for Contact {
    fn write<J: Json>(&self) -> J {
        Fields::new()
            .optional("name", &self.name)
            .optional("phone", &self.phone)
            .optional("email", &self.email)
            .finish()
    }
}

impl Write for NewCase {
    fn write<J: Json>(&self) -> J {
        Fields::new()
            .field("order_id", &self.order_id)
            .field("item_ids", &self.item_ids)
            .field("problem_type", &self.problem_type)
            .field("reason", &self.reason)
            .field("resolution", &self.resolution)
            .field("description", &self.description)
            .field("media", &self.media)
            .field("contact", &self.contact)
            .optional("locale", &self.locale)
            .finish()
    }
}

impl Read for Shipment {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Shipment> {
        let o = Object::new(value, at, &["carrier", "tracking_number"])?;
        Ok(Shipment { carrier: o.required("carrier")?, tracking_number: o.required("tracking_number")? })
    }
}

impl Write for Shipment {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("carrier", &self.carrier).field("tracking_number", &self.tracking_number).finish()
    }
}

impl Read for ReturnInstructions {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<ReturnInstructions> {
        let o = Object::new(value, at, &["address", "instructions"])?;
        Ok(ReturnInstructions { address: o.required("address")?, instructions: o.optional("instructions")? })
    }
}

impl Read for Deadline {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Deadline> {
        let o = Object::lenient(value, at)?;
        Ok(Deadline {
            waiting_for: o.required("waiting_for")?,
            due_at: o.required("due_at")?,
            consequence: o.required("consequence")?,
        })
    }
}

impl Read for NextAction {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<NextAction> {
        let o = Object::lenient(value, at)?;
        Ok(NextAction {
            action: o.required("action")?,
            requires: o.required("requires")?,
            accepts: o.required("accepts")?,
            due_at: o.optional("due_at")?,
        })
    }
}

impl Read for CaseEvent {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<CaseEvent> {
        let o = Object::lenient(value, at)?;
        Ok(CaseEvent {
            at: o.required("at")?,
            actor: o.required("actor")?,
            kind: o.required("kind")?,
            from: o.optional("from")?,
            to: o.required("to")?,
            message: o.optional("message")?,
            media: o.or("media", Vec::new())?,
            offer: o.optional("offer")?,
            refusal_reason: o.optional("refusal_reason")?,
            evidence_round: o.optional("evidence_round")?,
            ruling: o.optional("ruling")?,
            staff: o.optional("staff")?,
        })
    }
}

impl Read for Offer {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Offer> {
        let o = Object::lenient(value, at)?;
        Ok(Offer {
            resolution: o.required("resolution")?,
            amount: o.optional("amount")?,
            return_instructions: o.optional("return_instructions")?,
        })
    }
}

impl Read for Settlement {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Settlement> {
        let o = Object::lenient(value, at)?;
        Ok(Settlement { resolution: o.required("resolution")?, amount: o.optional("amount")? })
    }
}

impl Read for RefusalReason {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<RefusalReason> {
        let o = Object::lenient(value, at)?;
        Ok(RefusalReason { code: o.required("code")?, zh: o.required("zh")?, en: o.required("en")? })
    }
}

impl Read for EvidenceRound {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<EvidenceRound> {
        let o = Object::lenient(value, at)?;
        Ok(EvidenceRound {
            from: o.required("from")?,
            answered: o.required("answered")?,
            due_at: o.required("due_at")?,
        })
    }
}

impl Read for Ruling {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Ruling> {
        let o = Object::lenient(value, at)?;
        Ok(Ruling {
            in_favour_of: o.required("in_favour_of")?,
            settlement: o.optional("settlement")?,
            on_appeal: o.or("on_appeal", false)?,
        })
    }
}

impl Write for NewMessage {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("message", &self.message).field("media", &self.media).finish()
    }
}

impl Read for Refund {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Refund> {
        let o = Object::new(value, at, &["amount", "reference"])?;
        Ok(Refund { amount: o.required("amount")?, reference: o.optional("reference")? })
    }
}

impl Read for Case {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Case> {
        let o = Object::lenient(value, at)?;
        Ok(Case {
            id: o.required("id")?,
            number: o.required("number")?,
            order_id: o.required("order_id")?,
            item_ids: o.required("item_ids")?,
            problem_type: o.required("problem_type")?,
            reason: o.required("reason")?,
            resolution: o.required("resolution")?,
            description: o.required("description")?,
            media: o.required("media")?,
            contact: o.required("contact")?,
            state: o.required("state")?,
            version: o.required("version")?,
            created_at: o.required("created_at")?,
            updated_at: o.required("updated_at")?,
            deadline: o.optional("deadline")?,
            next_actions: o.required("next_actions")?,
            return_instructions: o.optional("return_instructions")?,
            return_shipment: o.optional("return_shipment")?,
            replacement_shipment: o.optional("replacement_shipment")?,
            refund: o.optional("refund")?,
            paid: o.optional("paid")?,
            offer: o.optional("offer")?,
            settlement: o.optional("settlement")?,
            evidence_round: o.optional("evidence_round")?,
            ruling: o.optional("ruling")?,
            history: o.required("history")?,
        })
    }
}

/// What the receipt shows of a case the shopper has just filed, read from the [`Case`]
/// the server answers with. The rest of the case is My requests' business: reading only
/// this keeps the whole case's reader out of the case flow's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub id: String,
    pub number: String,
    pub state: CaseState,
    pub deadline: Option<Deadline>,
}

impl Read for Receipt {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<Receipt> {
        let o = Object::lenient(value, at)?;
        Ok(Receipt {
            id: o.required("id")?,
            number: o.required("number")?,
            state: o.required("state")?,
            deadline: o.optional("deadline")?,
        })
    }
}

impl Write for EscalateRequest {
    fn write<J: Json>(&self) -> J {
        Fields::new().field("reason", &self.reason).field("media", &self.media).finish()
    }
}

impl Write for NoteRequest {
    fn write<J: Json>(&self) -> J {
        Fields::new().optional("message", &self.message).finish()
    }
}

impl Write for WithdrawRequest {
    fn write<J: Json>(&self) -> J {
        Fields::new().optional("message", &self.message).finish()
    }
}

impl Read for CaseList {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<CaseList> {
        Ok(CaseList { cases: Object::lenient(value, at)?.required("cases")? })
    }
}

impl Read for ErrorParams {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<ErrorParams> {
        let o = Object::lenient(value, at)?;
        Ok(ErrorParams {
            min: o.optional("min")?,
            max: o.optional("max")?,
            allowed: o.or("allowed", Vec::new())?,
            kind: o.optional("kind")?,
            at: o.optional("at")?,
        })
    }
}

impl ApiError {
    /// Reads an error but for the `case` a `version_mismatch` carries (left `None`): for
    /// the callers that do not replace a stale case, without the whole case's reader.
    pub fn read_brief<J: Json>(value: &J, at: &At) -> ReadResult<ApiError> {
        let o = Object::lenient(value, at)?;
        Ok(ApiError {
            code: o.required("code")?,
            message: o.required("message")?,
            field: o.optional("field")?,
            params: o.or("params", ErrorParams::default())?,
            case: None,
        })
    }
}

impl Read for ApiError {
    fn read<J: Json>(value: &J, at: &At) -> ReadResult<ApiError> {
        let case = Object::lenient(value, at)?.optional::<Case>("case")?.map(Box::new);
        Ok(ApiError { case, ..ApiError::read_brief(value, at)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A brief error is the error but for its case, which it does not read at all.
    #[test]
    fn a_brief_error_reads_all_but_the_case() {
        use serde_json::json;
        let at = At::Root("");
        let plain = json!({"code": "version_mismatch", "message": "the case has changed", "field": "version"});
        let error = ApiError::read(&plain, &at).unwrap();
        assert_eq!(error.code, "version_mismatch");
        assert_eq!(ApiError::read_brief(&plain, &at).unwrap(), error);
        // A case it cannot read fails the full reading, not the brief one.
        let mut with_case = plain.clone();
        with_case["case"] = json!({"id": 7});
        assert!(ApiError::read(&with_case, &at).is_err());
        assert_eq!(ApiError::read_brief(&with_case, &at).unwrap(), error);
    }

    /// What the widget sends is written without serde (`read::Write`): byte for byte
    /// the JSON serde writes.
    #[test]
    fn the_writer_agrees_with_serde() {
        use serde_json::Value;
        fn same<T: Write + Serialize>(value: &T) {
            assert_eq!(value.write::<Value>(), serde_json::to_value(value).unwrap());
        }
        let photo = MediaRef::new("u1", MediaKind::Photo);
        let mut new = NewCase {
            order_id: "20261128-0042".into(),
            item_ids: vec!["item-1".into(), "item-2".into()],
            problem_type: ProblemType::Quality,
            reason: Reason::Broken,
            resolution: Resolution::ReturnAndRefund,
            description: "The lid is cracked — 盖子裂了 \"quoted\"".into(),
            media: vec![photo.clone(), MediaRef::new("u2", MediaKind::Video)],
            contact: Contact { name: Some("Li Lei".into()), phone: Some("138 0013 8000".into()), email: None },
            locale: Some("zh-CN".into()),
        };
        same(&new);
        new.contact = Contact::default();
        new.media.clear();
        new.locale = None;
        same(&new);
        same(&Shipment { carrier: "SF Express".into(), tracking_number: "SF1234567890".into() });
        same(&EscalateRequest { reason: "No answer.".into(), media: vec![photo] });
        same(&WithdrawRequest { message: Some("Solved.".into()) });
        same(&WithdrawRequest { message: None });
        same(&NoteRequest { message: Some("Deal.".into()) });
        same(&SeenRequest { cases: vec![Seen { id: "c-1".into(), through: 7 }] });
        same(&NewMessage { message: "See the box".into(), media: vec![MediaRef::new("u3", MediaKind::Photo)] });
    }

    #[test]
    fn wire_names_round_trip() {
        for kind in ProblemType::ALL {
            assert_eq!(ProblemType::parse(kind.as_str()), Some(*kind));
            assert_eq!(serde_json::to_string(kind).unwrap(), format!("\"{}\"", kind.as_str()));
        }
        for state in CaseState::ALL {
            assert_eq!(serde_json::from_str::<CaseState>(&format!("\"{}\"", state.as_str())).unwrap(), *state);
        }
        assert!(serde_json::from_str::<ProblemType>("\"other\"").is_err());
    }

    #[test]
    fn new_case_refuses_unknown_fields() {
        let json = r#"{"order_id":"o","item_ids":["i"],"problem_type":"quality","reason":"broken",
            "resolution":"exchange","contact":{"phone":"13800000000"},"price":1}"#;
        assert!(serde_json::from_str::<NewCase>(json).unwrap_err().to_string().contains("unknown field `price`"));
    }
}
