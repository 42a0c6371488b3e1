//! The console's wire types: staff members, signing in, and what a desk is told about
//! its merchant (the refusal reasons, the return address, the canned replies) so the
//! console re-derives nothing the server knows. Not used by the widget.

use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseState, RefusalReason, ReturnInstructions};
use crate::time::Timestamp;

/// What a staff member may do: an agent works cases; an admin also manages the
/// merchant's staff and canned replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Agent,
    Admin,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Agent => "agent",
            StaffRole::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<StaffRole> {
        match text {
            "agent" => Some(StaffRole::Agent),
            "admin" => Some(StaffRole::Admin),
            _ => None,
        }
    }
}

/// A staff account: of one merchant (a seller's desk), or of the platform (an arbiter,
/// `merchant_id` absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    /// As shown in case histories to other staff.
    pub name: String,
    pub role: StaffRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
}

impl StaffMember {
    /// Whether this is the platform's (an arbiter) rather than a merchant's.
    pub fn is_platform(&self) -> bool {
        self.merchant_id.is_none()
    }
}

/// `POST /v1/staff/sign-in`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// A canned reply a seller's staff can send, in both languages; `{order_id}` and
/// `{shopper_name}` are filled in by the console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// Stable, e.g. `return_label_sent`.
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub zh: String,
    pub en: String,
}

/// What a seller's desk needs to know of its merchant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantDesk {
    pub merchant_id: String,
    pub merchant_name: String,
    pub refusal_reasons: Vec<RefusalReason>,
    /// Prefills an acceptance of a return (editable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnInstructions>,
    pub canned_replies: Vec<CannedReply>,
}

/// A signed-in staff member's session, as `GET /v1/staff/session` and the sign-in
/// answer give it. Every write needs `csrf_token` in the `X-CSRF-Token` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSession {
    pub staff: StaffMember,
    pub csrf_token: String,
    /// When the session ends whatever happens (the idle limit may end it sooner).
    pub expires_at: Timestamp,
    /// A seller's desk only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk: Option<MerchantDesk>,
}

/// The header a staff session's writes carry their CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "aftercare_staff";

/// The console's queue tabs, each a set of case states (every state is in one tab).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueueTab {
    /// Filed, not yet answered by the seller.
    New,
    /// The seller owes the refund or the replacement.
    WaitingForMe,
    /// An offer or a refusal the shopper answers.
    WaitingForShopper,
    /// The item on its way back, or arrived and to be checked.
    InReturn,
    /// With the platform: escalated, in an evidence round, ruled.
    Escalated,
    Closed,
}

impl QueueTab {
    pub const ALL: [QueueTab; 6] = [
        QueueTab::New,
        QueueTab::WaitingForMe,
        QueueTab::WaitingForShopper,
        QueueTab::InReturn,
        QueueTab::Escalated,
        QueueTab::Closed,
    ];

    pub fn states(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            QueueTab::New => &[AwaitingSeller],
            QueueTab::WaitingForMe => &[AwaitingResolution],
            QueueTab::WaitingForShopper => &[OfferPending, OfferDeclined, SellerRefused],
            QueueTab::InReturn => &[AwaitingReturnShipment, AwaitingSellerReceipt],
            QueueTab::Escalated => &[Escalated, EvidenceRound, Ruled],
            QueueTab::Closed => &[Resolved, Closed, Withdrawn],
        }
    }

    /// The tab a case in `state` is under.
    pub fn of(state: CaseState) -> QueueTab {
        QueueTab::ALL.into_iter().find(|tab| tab.states().contains(&state)).unwrap_or(QueueTab::Closed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueTab::New => "new",
            QueueTab::WaitingForMe => "waiting_for_me",
            QueueTab::WaitingForShopper => "waiting_for_shopper",
            QueueTab::InReturn => "in_return",
            QueueTab::Escalated => "escalated",
            QueueTab::Closed => "closed",
        }
    }
}

/// How many of the desk's cases are under a tab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TabCount {
    pub tab: QueueTab,
    pub count: u64,
}

/// `GET /v1/merchant/queue`: one tab's cases, nearest deadline first (those without
/// one last, newest first), and every tab's count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queue {
    pub tab: QueueTab,
    pub counts: Vec<TabCount>,
    pub cases: Vec<Case>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What a search term is compared as: without spaces, dashes and brackets, in ASCII
/// lower case — so `138-0013-8000`, `138 0013 8000` and `13800138000` are one phone.
pub fn search_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_under_exactly_one_tab() {
        for state in CaseState::ALL {
            let tabs: Vec<QueueTab> = QueueTab::ALL.into_iter().filter(|t| t.states().contains(state)).collect();
            assert_eq!(tabs, [QueueTab::of(*state)], "{state:?}");
        }
    }

    #[test]
    fn canned_replies_are_checked_field_by_field() {
        let good = CannedReply {
            code: "photos_please".into(),
            title_zh: "请补充照片".into(),
            title_en: "Photos".into(),
            zh: "您好，\n请补充照片。".into(),
            en: "Hello,\nplease add photos.".into(),
        };
        assert_eq!(check_canned_reply(&good), Ok(()));
        let with = |change: fn(&mut CannedReply)| {
            let mut reply = good.clone();
            change(&mut reply);
            check_canned_reply(&reply)
        };
        assert_eq!(with(|r| r.code = "Photos".into()), Err(("code", "invalid_code")));
        assert_eq!(with(|r| r.title_en = "  ".into()), Err(("title_en", "too_short")));
        assert_eq!(with(|r| r.zh = "好".repeat(2001)), Err(("zh", "too_long")));
        assert_eq!(with(|r| r.en = "bad\u{202E}text".into()), Err(("en", "invalid_characters")));
        assert_eq!(with(|r| r.en = "tab\there".into()), Err(("en", "invalid_characters")));
    }

    #[test]
    fn search_keys_ignore_spacing_and_case() {
        assert_eq!(search_key("138-0013 8000"), "13800138000");
        assert_eq!(search_key(" SF1234(567) "), "sf1234567");
        assert_eq!(search_key("20261128-0042"), "202611280042");
    }
}

/// A live update on `GET /v1/staff/events` (server-sent event `case`): a case of the
/// desk changed — filed, answered, moved by a deadline. The console reloads what it shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseChange {
    pub case_id: String,
    pub number: String,
    pub state: CaseState,
    /// What happened last.
    pub kind: crate::case::EventKind,
    pub actor: crate::case::Actor,
    pub at: crate::time::Timestamp,
}

/// `GET /v1/merchant/canned-replies`: the desk's replies, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedReplies {
    pub replies: Vec<CannedReply>,
}

/// `GET /v1/merchant/staff` (admins): the merchant's staff accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// `POST /v1/merchant/staff` (admins): a new account for the merchant's desk; the admin
/// tells the new member the password.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: StaffRole,
    /// 10 characters or more.
    pub password: String,
}

/// Longest canned reply text, and title.
pub const CANNED_TEXT_MAX: usize = 2000;
pub const CANNED_TITLE_MAX: usize = 80;

/// Checks a canned reply as an admin writes it: a code of a-z and `_` (1 to 40), both
/// titles (1 to 80 characters) and both texts (1 to 2000), no control characters but
/// line breaks. The first problem, as `(field, code)`.
pub fn check_canned_reply(reply: &CannedReply) -> Result<(), (&'static str, &'static str)> {
    if reply.code.is_empty()
        || reply.code.len() > 40
        || !reply.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(("code", "invalid_code"));
    }
    let fields = [
        ("title_zh", &reply.title_zh, CANNED_TITLE_MAX),
        ("title_en", &reply.title_en, CANNED_TITLE_MAX),
        ("zh", &reply.zh, CANNED_TEXT_MAX),
        ("en", &reply.en, CANNED_TEXT_MAX),
    ];
    for (field, text, max) in fields {
        let length = text.trim().chars().count();
        if length == 0 {
            return Err((field, "too_short"));
        }
        if length > max {
            return Err((field, "too_long"));
        }
        if text.chars().any(|c| c != '\n' && crate::validate::forbidden_in_name(c)) {
            return Err((field, "invalid_characters"));
        }
    }
    Ok(())
}
