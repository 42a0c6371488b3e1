//! Shoppers' notification emails: which case events need the shopper (a message from the
//! seller or the platform, an offer, an acceptance, a refusal, a request for the
//! shopper's evidence, a ruling), the letter for each in the case's language (zh/en),
//! with a link to the merchant's order page that opens the widget at the case — a deep
//! link, not a credential: the page still supplies the order token — and the sender,
//! which takes due letters from the outbox (`store::emails`) and sends them over SMTP
//! (`--smtp-url`), retrying with backoff like the webhooks. A day before a deadline that
//! waits for the shopper, a reminder (`reminder`, queued by the scheduler once per
//! deadline).

use std::time::Duration;

use aftercare_protocol::case::{Actor, Case, Consequence, EventKind};
use aftercare_protocol::locale::Locale;
use futures_util::stream::{self, StreamExt};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::merchants::Merchant;
use crate::store::emails::{self as outbox, Due};
use crate::AppState;

/// One email, as queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub body: String,
}

/// The letter telling the shopper of `case`'s latest event (as the shopper sees the
/// case), if that event needs them and the merchant sends emails and the shopper gave an
/// address. `locale` is the case's (`zh-CN`, `en`).
pub fn letter(merchant: &Merchant, case: &Case, locale: Option<&str>) -> Option<Letter> {
    let notify = merchant.notify.as_ref()?;
    let to = case.contact.email.clone()?;
    let event = case.history.last()?;
    let zh = locale.and_then(Locale::from_tag) != Some(Locale::En);
    let pick = |zh_text: &str, en_text: &str| if zh { zh_text.to_owned() } else { en_text.to_owned() };
    let headline = match (event.kind, event.actor) {
        (EventKind::Message, Actor::Seller) => pick("卖家给您留言", "The seller wrote to you"),
        (EventKind::Message, Actor::Platform) => pick("平台给您留言", "The platform wrote to you"),
        (EventKind::CounterOffer, _) => pick("卖家提出了新方案,请确认", "The seller made you an offer"),
        (EventKind::Accept, _) => pick("卖家同意了您的申请", "The seller accepted your request"),
        (EventKind::Refuse, _) => pick("卖家拒绝了您的申请", "The seller refused your request"),
        (EventKind::RequestEvidence, _)
            if event.evidence_round.as_ref().is_some_and(|r| r.from.contains(&Actor::Shopper)) =>
        {
            pick("平台请您补充证据和说明", "The platform asks for your evidence")
        }
        (EventKind::RuleForShopper | EventKind::RuleForSeller, _) => pick("平台已作出裁定", "The platform has ruled"),
        _ => return None,
    };
    let link = page_link(&notify.order_page, case);
    let mut body = format!("{headline}\n\n");
    if let Some(message) = &event.message {
        body.push_str(&format!("“{message}”\n\n"));
    }
    if let Some(reason) = &event.refusal_reason {
        body.push_str(&pick(&format!("拒绝原因:{}\n\n", reason.zh), &format!("Reason: {}\n\n", reason.en)));
    }
    if let Some(deadline) = case.deadline.as_ref().filter(|d| d.waiting_for.contains(&Actor::Shopper)) {
        let when = deadline.due_at.to_rfc3339();
        let when = format!("{} {} UTC", &when[..10], &when[11..16]);
        body.push_str(&pick(&format!("请在 {when} 前处理。\n\n"), &format!("Please answer by {when}.\n\n")));
    }
    body.push_str(&pick(&format!("查看并回复:{link}\n"), &format!("See it and answer: {link}\n")));
    body.push_str(&pick(
        &format!("\n—— {}(售后申请 {})\n", merchant_name(merchant), case.number),
        &format!("\n— {} (request {})\n", merchant_name(merchant), case.number),
    ));
    let subject =
        pick(&format!("售后申请 {}:{headline}", case.number), &format!("Request {}: {headline}", case.number));
    Some(Letter { to, from: notify.from.clone(), subject, body })
}

/// The letter reminding the shopper that the deadline of `case` (as the shopper sees
/// it) is near, if it waits for them.
pub fn reminder(merchant: &Merchant, case: &Case, locale: Option<&str>) -> Option<Letter> {
    let notify = merchant.notify.as_ref()?;
    let to = case.contact.email.clone()?;
    let deadline = case.deadline.as_ref().filter(|d| d.waiting_for.contains(&Actor::Shopper))?;
    let zh = locale.and_then(Locale::from_tag) != Some(Locale::En);
    let pick = |zh_text: String, en_text: String| if zh { zh_text } else { en_text };
    let when = deadline.due_at.to_rfc3339();
    let when = format!("{} {} UTC", &when[..10], &when[11..16]);
    let what = match (deadline.consequence, zh) {
        (Consequence::OfferLapses, true) => "卖家的方案将过期(视为拒绝)",
        (Consequence::OfferLapses, false) => "the seller's offer lapses (as if declined)",
        (Consequence::EvidenceRoundEnds, true) => "平台的举证期结束",
        (Consequence::EvidenceRoundEnds, false) => "the platform's evidence round ends",
        (Consequence::RulingCarriedOut, true) => "裁定生效,之后不能再申诉",
        (Consequence::RulingCarriedOut, false) => "the ruling takes effect and can no longer be appealed",
        (_, true) => "申请将关闭",
        (_, false) => "the request closes",
    };
    let link = page_link(&notify.order_page, case);
    let body = pick(
        format!(
            "请在 {when} 前处理:届时{what}。\n\n查看并处理:{link}\n\n—— {}(售后申请 {})\n",
            merchant_name(merchant),
            case.number
        ),
        format!(
            "Please act by {when}: then {what}.\n\nSee it: {link}\n\n— {} (request {})\n",
            merchant_name(merchant),
            case.number
        ),
    );
    let subject = pick(
        format!("售后申请 {}:请在 {when} 前处理", case.number),
        format!("Request {}: please act by {when}", case.number),
    );
    Some(Letter { to, from: notify.from.clone(), subject, body })
}

/// The merchant's order page for the case, `{order_id}` and `{case_id}` filled in.
fn page_link(pattern: &str, case: &Case) -> String {
    // RFC 3986's unreserved characters stay as they are (case ids keep their dashes).
    const UNRESERVED: &percent_encoding::AsciiSet =
        &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let encode = |text: &str| utf8_percent_encode(text, UNRESERVED).to_string();
    pattern.replace("{order_id}", &encode(&case.order_id)).replace("{case_id}", &encode(&case.id))
}

fn merchant_name(merchant: &Merchant) -> &str {
    if merchant.name.is_empty() {
        &merchant.id
    } else {
        &merchant.name
    }
}

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Letters sent at once.
const PARALLEL: usize = 4;

/// The SMTP connection letters go out on: `smtp://host:port` (STARTTLS when offered),
/// `smtp://…?tls=required`, `smtps://host` (TLS from the start), with credentials as
/// `smtp://user:password@host`.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    pub fn new(url: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Mailer { transport })
    }

    async fn send(&self, letter: &Letter) -> Result<(), String> {
        let message = lettre::Message::builder()
            .from(letter.from.parse().map_err(|e| format!("from address: {e}"))?)
            .to(letter.to.parse().map_err(|e| format!("to address: {e}"))?)
            .subject(letter.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.clone())
            .map_err(|e| format!("building the email: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// One pass: sends every letter due now. Returns how many were attempted.
pub async fn send_due(state: &AppState) -> Result<usize, crate::error::Error> {
    let Some(mailer) = state.mailer.clone() else { return Ok(0) };
    let now = state.clock.now();
    let due = outbox::claim_due(state.store.pool(), now, 2 * TIMEOUT.as_millis() as i64, 32).await?;
    let count = due.len();
    stream::iter(due)
        .for_each_concurrent(PARALLEL, |Due { id, letter, attempts }| {
            let mailer = mailer.clone();
            async move {
                let outcome = mailer.send(&letter).await.map_err(|error| {
                    tracing::warn!("email {id} to the shopper: {error}");
                    let retry = crate::webhooks::retry_at(state.clock.now(), attempts + 1, crate::webhooks::jitter());
                    (error, retry)
                });
                if let Err(error) = outbox::record(state.store.pool(), &id, outcome, state.clock.now()).await {
                    tracing::error!("recording email {id}: {error}");
                }
            }
        })
        .await;
    Ok(count)
}
