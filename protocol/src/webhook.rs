//! What a merchant's webhook receiver gets, and the delivery log the merchant API
//! lists. Every case event is POSTed as a [`WebhookEvent`], signed with
//! `Aftercare-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseEvent};
use crate::time::Timestamp;

/// The body of a webhook delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// The delivery's id: the same on every retry, so receivers can drop duplicates.
    pub id: String,
    /// `case.<action>`, e.g. `case.file`, `case.accept`, `case.reply`, `case.close`.
    #[serde(rename = "type")]
    pub kind: String,
    pub merchant_id: String,
    /// The event's position in the case's history (1 = filed).
    pub sequence: u32,
    pub event: CaseEvent,
    /// The case as it stands after the event.
    pub case: Case,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet accepted by the receiver; `next_attempt_at` says when it is tried again.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every retry failed.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One delivery in the log: `GET /v1/merchant/webhook-deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: String,
    pub case_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<Timestamp>,
    /// The receiver's last HTTP status, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<u16>,
    /// Why the last attempt failed (timeout, connection refused, status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A page of deliveries, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryPage {
    pub deliveries: Vec<WebhookDelivery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
