//! The guided after-sale case as a pure state machine: which step the shopper is on,
//! what they answered, which options the rules allow, what is wrong with a step before
//! moving on, and the case it all becomes. No DOM: components render it, and the draft
//! (every answer, the step, the idempotency key) is saved and restored as JSON.
//!
//! Steps: items (skipped when the order has one) → problem type and reason → the source
//! document's guidance for that type → resolution → description and evidence → contact
//! → review → (submit) → receipt. Going back keeps every answer; changing the problem
//! type clears only what depended on it (the reason and the resolution).

use aftercare_protocol::case::{Contact, MediaRef, NewCase, ProblemType, Reason, Resolution};
use aftercare_protocol::order::OrderSnapshot;
use aftercare_protocol::read::{self, At, Fields, Json, Object, Read, Write};
use aftercare_protocol::rules::Rules;
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::validate::{self, FieldError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Items,
    Problem,
    Guidance,
    Resolution,
    Details,
    Contact,
    Review,
    Receipt,
}

impl Step {
    /// Its name in the markup (`data-step`).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Items => "items",
            Step::Problem => "problem",
            Step::Guidance => "guidance",
            Step::Resolution => "resolution",
            Step::Details => "details",
            Step::Contact => "contact",
            Step::Review => "review",
            Step::Receipt => "receipt",
        }
    }

    const ORDER: [Step; 8] = [
        Step::Items,
        Step::Problem,
        Step::Guidance,
        Step::Resolution,
        Step::Details,
        Step::Contact,
        Step::Review,
        Step::Receipt,
    ];

    fn index(self) -> usize {
        Step::ORDER.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// Everything the shopper has answered, saved as they go.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// Bumped when the shape changes; older drafts are dropped, not misread.
    pub version: u32,
    pub step: Step,
    pub item_ids: Vec<String>,
    pub problem_type: Option<ProblemType>,
    pub reason: Option<Reason>,
    pub resolution: Option<Resolution>,
    pub description: String,
    pub contact: Contact,
    /// Made once per draft: a double click, a retry or a reload during submit sends
    /// the same key, so the server files one case.
    pub idempotency_key: String,
    /// When the draft was started and last changed (drafts expire).
    pub started_at: Timestamp,
    pub saved_at: Timestamp,
    /// After submitting: the case's id and number, for the receipt.
    pub filed: Option<(String, String)>,
    /// Changing one part from the review: the next step goes back to the review.
    pub editing: bool,
}

impl Read for Step {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Step> {
        let names = Step::ORDER.map(|step| (step.as_str(), step));
        read::one_of(value, at, &names)
    }
}

impl Read for Draft {
    fn read<J: Json>(value: &J, at: &At) -> read::Result<Draft> {
        let o = Object::lenient(value, at)?;
        let filed: Option<Vec<String>> = o.optional("filed")?;
        Ok(Draft {
            version: o.required("version")?,
            step: o.required("step")?,
            item_ids: o.required("item_ids")?,
            problem_type: o.optional("problem_type")?,
            reason: o.optional("reason")?,
            resolution: o.optional("resolution")?,
            description: o.required("description")?,
            contact: o.required("contact")?,
            idempotency_key: o.required("idempotency_key")?,
            started_at: o.required("started_at")?,
            saved_at: o.required("saved_at")?,
            filed: match filed.as_deref() {
                None => None,
                Some([id, number]) => Some((id.clone(), number.clone())),
                Some(_) => return Err(At::Field(at, "filed").invalid("must be [id, number]")),
            },
            editing: o.or("editing", false)?,
        })
    }
}

impl Write for Draft {
    fn write<J: Json>(&self) -> J {
        let filed = self.filed.as_ref().map(|(id, number)| vec![id.clone(), number.clone()]);
        Fields::new()
            .field("version", &self.version)
            .field("step", self.step.as_str())
            .field("item_ids", &self.item_ids)
            .field("problem_type", &self.problem_type)
            .field("reason", &self.reason)
            .field("resolution", &self.resolution)
            .field("description", &self.description)
            .field("contact", &self.contact)
            .field("idempotency_key", &self.idempotency_key)
            .field("started_at", &self.started_at)
            .field("saved_at", &self.saved_at)
            .field("filed", &filed)
            .field("editing", &self.editing)
            .finish()
    }
}

pub const DRAFT_VERSION: u32 = 1;

impl Draft {
    /// A new draft for `order`: its only item chosen already, contact prefilled.
    pub fn new(order: &OrderSnapshot, contact: Contact, idempotency_key: String, now: Timestamp) -> Draft {
        let single = order.item_ids.len() == 1;
        Draft {
            version: DRAFT_VERSION,
            step: if single { Step::Problem } else { Step::Items },
            item_ids: if single { order.item_ids.clone() } else { Vec::new() },
            problem_type: None,
            reason: None,
            resolution: None,
            description: String::new(),
            contact,
            idempotency_key,
            started_at: now,
            saved_at: now,
            filed: None,
            editing: false,
        }
    }

    /// A saved draft, if it is this version, for this order, and not older than
    /// `max_age_ms` since it was last changed.
    /// Parsed as a `J` (the browser's `JSON.parse` in the widget).
    pub fn restore<J: Json>(json: &str, order: &OrderSnapshot, now: Timestamp, max_age_ms: i64) -> Option<Draft> {
        let draft = Draft::read(&J::parse(json)?, &At::Root("draft")).ok()?;
        let fresh = now.0 - draft.saved_at.0 <= max_age_ms;
        let items_known = draft.item_ids.iter().all(|id| order.item_ids.contains(id));
        (draft.version == DRAFT_VERSION && fresh && items_known).then_some(draft)
    }

    /// As JSON text, made as a `J`.
    pub fn to_json<J: Json>(&self) -> String {
        self.write::<J>().stringify()
    }
}

/// The key a draft is saved under: one per backend, merchant and order.
pub fn draft_key(endpoint: &str, merchant: &str, order_id: &str) -> String {
    format!("aftercare:draft:{endpoint}|{merchant}|{order_id}")
}

/// The draft with what the rules say about it.
pub struct Flow<'a> {
    pub draft: &'a mut Draft,
    pub rules: &'a Rules,
    pub order: &'a OrderSnapshot,
    pub now: Timestamp,
}

impl Flow<'_> {
    /// Problem types to offer: every configured one whose resolutions are possible for
    /// this order, the no-reason return only inside its window and for items it covers.
    pub fn problem_types(&self) -> Vec<ProblemType> {
        self.rules
            .problems
            .iter()
            .map(|rule| rule.problem_type)
            .filter(|kind| {
                self.reasons(*kind).iter().any(|reason| !self.rules.resolutions(*kind, *reason, self.order).is_empty())
            })
            .filter(|kind| {
                *kind != ProblemType::NoReasonReturn
                    || self.rules.no_reason_available(self.order, &self.draft.item_ids, self.now)
            })
            .collect()
    }

    pub fn reasons(&self, kind: ProblemType) -> Vec<Reason> {
        self.rules.problem(kind).map(|rule| rule.reasons.clone()).unwrap_or_default()
    }

    /// The resolutions allowed for the chosen type and reason.
    pub fn resolutions(&self) -> Vec<Resolution> {
        match (self.draft.problem_type, self.draft.reason) {
            (Some(kind), Some(reason)) => self.rules.resolutions(kind, reason, self.order),
            _ => Vec::new(),
        }
    }

    /// The steps this draft goes through (the items step only for several items).
    pub fn steps(&self) -> Vec<Step> {
        Step::ORDER.iter().copied().filter(|s| *s != Step::Items || self.order.item_ids.len() > 1).collect()
    }

    pub fn toggle_item(&mut self, id: &str) {
        if let Some(at) = self.draft.item_ids.iter().position(|i| i == id) {
            self.draft.item_ids.remove(at);
        } else if self.order.item_ids.iter().any(|i| i == id) {
            self.draft.item_ids.push(id.to_owned());
            // Keep the order's order, so the case lists items as the order does.
            let order = &self.order.item_ids;
            self.draft.item_ids.sort_by_key(|i| order.iter().position(|o| o == i));
        }
        self.touch();
    }

    /// Choosing another type clears the reason and the resolution, which depended on it.
    pub fn set_problem_type(&mut self, kind: ProblemType) {
        if self.draft.problem_type != Some(kind) {
            self.draft.problem_type = Some(kind);
            self.draft.reason = (kind == ProblemType::NoReasonReturn).then_some(Reason::NoReason);
            self.draft.resolution = None;
        }
        self.touch();
    }

    pub fn set_reason(&mut self, reason: Reason) {
        if self.draft.reason != Some(reason) {
            self.draft.reason = Some(reason);
            if !self.resolutions().contains(&self.draft.resolution.unwrap_or(Resolution::ComplaintOnly)) {
                self.draft.resolution = None;
            }
        }
        self.touch();
    }

    pub fn set_resolution(&mut self, resolution: Resolution) {
        self.draft.resolution = Some(resolution);
        self.touch();
    }

    pub fn set_description(&mut self, text: String) {
        self.draft.description = text;
        self.touch();
    }

    pub fn set_contact(&mut self, contact: Contact) {
        self.draft.contact = contact;
        self.touch();
    }

    fn touch(&mut self) {
        self.draft.saved_at = self.now;
    }

    /// The case as it stands (unanswered parts as placeholders the validation names).
    pub fn new_case(&self, media: &[MediaRef]) -> NewCase {
        NewCase {
            order_id: self.order.order_id.clone(),
            item_ids: self.draft.item_ids.clone(),
            problem_type: self.draft.problem_type.unwrap_or(ProblemType::Quality),
            reason: self.draft.reason.unwrap_or(Reason::Other),
            resolution: self.draft.resolution.unwrap_or(Resolution::ComplaintOnly),
            description: self.draft.description.trim().to_owned(),
            media: media.to_vec(),
            contact: trimmed(&self.draft.contact),
            locale: None,
        }
    }

    /// What is wrong with `step`'s answers, from the shared protocol rules.
    pub fn errors(&self, step: Step, media: &[MediaRef]) -> Vec<FieldError> {
        let unanswered = |field: &str| FieldError::new(field, "required", format!("choose a {field}"));
        match step {
            Step::Problem if self.draft.problem_type.is_none() => return vec![unanswered("problem_type")],
            Step::Problem if self.draft.reason.is_none() => return vec![unanswered("reason")],
            Step::Resolution if self.draft.resolution.is_none() => return vec![unanswered("resolution")],
            _ => {}
        }
        let all = validate::new_case(&self.new_case(media), self.order, self.rules, self.now);
        all.into_iter()
            .filter(|error| {
                step_of(&error.field) == Some(step) || (step == Step::Review && step_of(&error.field).is_some())
            })
            .collect()
    }

    /// Moves on when the current step is complete; otherwise says why not.
    pub fn next(&mut self, media: &[MediaRef]) -> Result<Step, Vec<FieldError>> {
        let errors = self.errors(self.draft.step, media);
        if !errors.is_empty() {
            return Err(errors);
        }
        // Back to the review after changing one part of it, if everything still holds.
        if self.draft.editing && self.errors(Step::Review, media).is_empty() {
            self.draft.editing = false;
            self.draft.step = Step::Review;
            self.touch();
            return Ok(Step::Review);
        }
        let steps = self.steps();
        let at = steps.iter().position(|s| *s == self.draft.step).unwrap_or(0);
        // Submitting moves from review to the receipt (see `filed`), not `next`.
        if let Some(next) = steps.get(at + 1).filter(|s| **s != Step::Receipt) {
            self.draft.step = *next;
            self.touch();
        }
        Ok(self.draft.step)
    }

    /// One step back; answers stay.
    pub fn back(&mut self) {
        let steps = self.steps();
        let at = steps.iter().position(|s| *s == self.draft.step).unwrap_or(0);
        if at > 0 && self.draft.step != Step::Receipt {
            self.draft.step = steps[at - 1];
            self.touch();
        }
    }

    /// From the review, straight to a step to change it (any step before the review).
    pub fn edit(&mut self, step: Step) {
        if step.index() < Step::Review.index() && self.steps().contains(&step) && self.draft.step == Step::Review {
            self.draft.step = step;
            self.draft.editing = true;
            self.touch();
        }
    }

    /// The server filed the case.
    pub fn filed(&mut self, id: String, number: String) {
        self.draft.filed = Some((id, number));
        self.draft.step = Step::Receipt;
        self.touch();
    }
}

fn trimmed(contact: &Contact) -> Contact {
    let clean = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    Contact { name: clean(&contact.name), phone: clean(&contact.phone), email: clean(&contact.email) }
}

/// The step that asks for a field.
pub fn step_of(field: &str) -> Option<Step> {
    let root = field.split(['.', '[']).next().unwrap_or(field);
    match root {
        "item_ids" => Some(Step::Items),
        "problem_type" | "reason" => Some(Step::Problem),
        "resolution" => Some(Step::Resolution),
        "description" | "media" => Some(Step::Details),
        "contact" => Some(Step::Contact),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_the_variants_in_lowercase() {
        for step in Step::ORDER {
            assert_eq!(step.as_str(), format!("{step:?}").to_lowercase());
        }
    }
    use aftercare_protocol::case::MediaKind;
    use aftercare_protocol::order::OrderState;

    const NOW: Timestamp = Timestamp(1_764_316_800_000); // 2025-11-28T08:00:00Z

    fn order(items: &[&str], state: OrderState, delivered: Option<&str>) -> OrderSnapshot {
        OrderSnapshot {
            order_id: "o-1".into(),
            item_ids: items.iter().map(|s| s.to_string()).collect(),
            state: Some(state),
            delivered_at: delivered.map(str::to_owned),
            prices: Vec::new(),
        }
    }

    fn delivered() -> OrderSnapshot {
        order(&["a", "b"], OrderState::Delivered, Some("2025-11-25"))
    }

    fn contact() -> Contact {
        Contact { name: Some("Li Lei".into()), phone: Some("138 0013 8000".into()), email: None }
    }

    fn draft(order: &OrderSnapshot) -> Draft {
        Draft::new(order, contact(), "key-1".into(), NOW)
    }

    fn photo() -> Vec<MediaRef> {
        vec![MediaRef::new("up-1", MediaKind::Photo)]
    }

    #[test]
    fn one_item_orders_skip_the_items_step() {
        let single = order(&["a"], OrderState::Delivered, Some("2025-11-25"));
        let mut d = draft(&single);
        assert_eq!((d.step, d.item_ids.clone()), (Step::Problem, vec!["a".to_owned()]));
        let rules = Rules::default();
        let flow = Flow { draft: &mut d, rules: &rules, order: &single, now: NOW };
        assert!(!flow.steps().contains(&Step::Items));
        let mut two = draft(&delivered());
        assert_eq!(two.step, Step::Items);
        let order = delivered();
        let mut flow = Flow { draft: &mut two, rules: &rules, order: &order, now: NOW };
        assert_eq!(flow.next(&[]).unwrap_err()[0].field, "item_ids");
        flow.toggle_item("b");
        flow.toggle_item("a");
        flow.toggle_item("zzz");
        assert_eq!(flow.draft.item_ids, ["a", "b"], "order's order, unknown ids ignored");
        assert_eq!(flow.next(&[]), Ok(Step::Problem));
    }

    /// Every problem type from start to review, with the evidence and text its rule
    /// asks for; back-navigation keeps every answer.
    #[test]
    fn every_path_reaches_the_review() {
        let rules = Rules::default();
        let order = delivered();
        let paths = [
            (ProblemType::Quality, Reason::Broken, Resolution::Exchange, photo()),
            (ProblemType::Logistics, Reason::DamagedInTransit, Resolution::ReturnAndRefund, vec![]),
            (ProblemType::NotAsDescribed, Reason::Colour, Resolution::RefundOnly, photo()),
            (ProblemType::SellerService, Reason::NoResponse, Resolution::ComplaintOnly, vec![]),
            (ProblemType::NoReasonReturn, Reason::NoReason, Resolution::ReturnAndRefund, vec![]),
        ];
        for (kind, reason, resolution, media) in paths {
            let mut d = draft(&order);
            let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
            flow.toggle_item("a");
            assert_eq!(flow.next(&media), Ok(Step::Problem));
            assert!(flow.problem_types().contains(&kind), "{kind:?} offered");
            flow.set_problem_type(kind);
            flow.set_reason(reason);
            assert_eq!(flow.next(&media), Ok(Step::Guidance));
            assert_eq!(flow.next(&media), Ok(Step::Resolution));
            assert!(flow.resolutions().contains(&resolution), "{kind:?}: {:?}", flow.resolutions());
            flow.set_resolution(resolution);
            assert_eq!(flow.next(&media), Ok(Step::Details));
            flow.set_description("The lid came off and the cup leaks.".into());
            assert_eq!(flow.next(&media), Ok(Step::Contact), "{kind:?}");
            assert_eq!(flow.next(&media), Ok(Step::Review));
            assert_eq!(flow.errors(Step::Review, &media), []);
            assert_eq!(flow.next(&media), Ok(Step::Review), "submitting, not next, leaves the review");
            // Back all the way: nothing is forgotten.
            for _ in 0..10 {
                flow.back();
            }
            assert_eq!(flow.draft.step, Step::Items);
            let case = flow.new_case(&media);
            assert_eq!((case.problem_type, case.reason, case.resolution), (kind, reason, resolution));
            assert_eq!(validate::new_case(&case, &order, &rules, NOW), []);
        }
    }

    #[test]
    fn steps_refuse_to_move_on_with_what_the_rules_need() {
        let rules = Rules::default();
        let order = delivered();
        let mut d = draft(&order);
        d.item_ids = vec!["a".into()];
        d.step = Step::Problem;
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
        assert_eq!(flow.next(&[]).unwrap_err()[0].field, "problem_type");
        flow.set_problem_type(ProblemType::Quality);
        assert_eq!(flow.next(&[]).unwrap_err()[0].field, "reason");
        flow.set_reason(Reason::Broken);
        flow.next(&[]).unwrap();
        flow.next(&[]).unwrap();
        assert_eq!(flow.next(&[]).unwrap_err()[0].field, "resolution");
        flow.set_resolution(Resolution::ReturnAndRefund);
        flow.next(&[]).unwrap();
        // Quality needs a description and a photo.
        let errors = flow.next(&[]).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("description", "too_short"), ("media", "evidence_required")]);
        flow.set_description("Cracked along the seam.".into());
        assert_eq!(flow.next(&photo()), Ok(Step::Contact));
        flow.set_contact(Contact { name: None, phone: Some("12".into()), email: Some("not-mail".into()) });
        let fields: Vec<_> = flow.next(&photo()).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["contact.phone", "contact.email"]);
        flow.set_contact(Contact { name: None, phone: None, email: Some("li@example.cn".into()) });
        assert_eq!(flow.next(&photo()), Ok(Step::Review));
    }

    #[test]
    fn options_follow_the_rules_and_the_order_state() {
        let rules = Rules::default();
        let paid = order(&["a"], OrderState::Paid, None);
        let mut d = draft(&paid);
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &paid, now: NOW };
        assert_eq!(flow.problem_types(), [ProblemType::Logistics, ProblemType::SellerService], "before delivery");
        flow.set_problem_type(ProblemType::Logistics);
        flow.set_reason(Reason::Delayed);
        assert_eq!(flow.resolutions(), [Resolution::RefundOnly]);

        // The no-reason return closes after its window, and excluded items never have it.
        let order = delivered();
        let mut d = draft(&order);
        d.item_ids = vec!["a".into()];
        let late = Timestamp(NOW.0 + 10 * 86_400_000);
        let flow = Flow { draft: &mut d, rules: &rules, order: &order, now: late };
        assert!(!flow.problem_types().contains(&ProblemType::NoReasonReturn));
        let mut excluded = Rules::default();
        excluded.no_reason_return.excluded_item_ids = vec!["a".into()];
        let mut d = draft(&order);
        d.item_ids = vec!["a".into()];
        let flow = Flow { draft: &mut d, rules: &excluded, order: &order, now: NOW };
        assert!(!flow.problem_types().contains(&ProblemType::NoReasonReturn));
    }

    #[test]
    fn changing_the_type_clears_only_what_depended_on_it() {
        let rules = Rules::default();
        let order = delivered();
        let mut d = draft(&order);
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
        flow.toggle_item("a");
        flow.set_problem_type(ProblemType::Quality);
        flow.set_reason(Reason::Broken);
        flow.set_resolution(Resolution::Exchange);
        flow.set_description("Kept across changes.".into());
        flow.set_problem_type(ProblemType::Quality);
        assert_eq!(flow.draft.resolution, Some(Resolution::Exchange), "same type: nothing cleared");
        flow.set_reason(Reason::Malfunction);
        assert_eq!(flow.draft.resolution, Some(Resolution::Exchange), "still allowed: kept");
        flow.set_problem_type(ProblemType::SellerService);
        assert_eq!((flow.draft.reason, flow.draft.resolution), (None, None));
        assert_eq!(flow.draft.description, "Kept across changes.");
        assert_eq!(flow.draft.item_ids, ["a"]);
    }

    #[test]
    fn review_edits_jump_back_and_the_receipt_is_final() {
        let rules = Rules::default();
        let order = order(&["a"], OrderState::Delivered, Some("2025-11-25"));
        let mut d = draft(&order);
        d.step = Step::Review;
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
        flow.edit(Step::Items);
        assert_eq!(flow.draft.step, Step::Review, "no items step for one item");
        flow.edit(Step::Contact);
        assert_eq!(flow.draft.step, Step::Contact);
        flow.draft.step = Step::Review;
        flow.draft.editing = false;
        flow.filed("c-1".into(), "AC-1".into());
        flow.back();
        assert_eq!(flow.draft.step, Step::Receipt);
        assert_eq!(flow.draft.filed, Some(("c-1".into(), "AC-1".into())));
    }

    #[test]
    fn a_change_from_the_review_comes_straight_back_to_it() {
        let rules = Rules::default();
        let order = order(&["a"], OrderState::Delivered, Some("2025-11-25"));
        let mut d = draft(&order);
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
        flow.set_problem_type(ProblemType::Logistics);
        flow.set_reason(Reason::DamagedInTransit);
        flow.set_resolution(Resolution::RefundOnly);
        flow.draft.step = Step::Review;
        flow.edit(Step::Problem);
        // A change that makes the resolution impossible stops on the way back.
        flow.set_reason(Reason::Lost);
        flow.set_resolution(Resolution::Reshipment);
        assert_eq!(flow.next(&[]), Ok(Step::Review), "valid again: straight back");
        flow.edit(Step::Problem);
        flow.set_problem_type(ProblemType::SellerService);
        flow.set_reason(Reason::Attitude);
        assert_eq!(flow.next(&[]), Ok(Step::Guidance), "the resolution must be chosen again: the usual way");
        assert!(flow.draft.editing);
    }

    #[test]
    fn drafts_round_trip_and_expire() {
        let order = delivered();
        let mut d = draft(&order);
        d.item_ids = vec!["b".into()];
        d.problem_type = Some(ProblemType::Quality);
        d.description = "有裂缝 — cracked".into();
        d.step = Step::Details;
        let json = d.to_json::<serde_json::Value>();
        let week = 7 * 86_400_000;
        assert_eq!(Draft::restore::<serde_json::Value>(&json, &order, NOW, week), Some(d.clone()));
        assert_eq!(
            Draft::restore::<serde_json::Value>(&json, &order, Timestamp(NOW.0 + week + 1), week),
            None,
            "expired"
        );
        let other = order_with(&["x"]);
        assert_eq!(Draft::restore::<serde_json::Value>(&json, &other, NOW, week), None, "items from another order");
        assert_eq!(
            Draft::restore::<serde_json::Value>(&json.replace("\"version\":1", "\"version\":0"), &order, NOW, week),
            None
        );
        assert_eq!(Draft::restore::<serde_json::Value>("{not json", &order, NOW, week), None);
        assert_eq!(draft_key("https://api.example/", "acme", "o-1"), "aftercare:draft:https://api.example/|acme|o-1");
    }

    fn order_with(items: &[&str]) -> OrderSnapshot {
        order(items, OrderState::Delivered, Some("2025-11-25"))
    }

    #[test]
    fn the_idempotency_key_lives_as_long_as_the_draft() {
        let rules = Rules::default();
        let order = delivered();
        let mut d = draft(&order);
        let key = d.idempotency_key.clone();
        let mut flow = Flow { draft: &mut d, rules: &rules, order: &order, now: NOW };
        flow.toggle_item("a");
        flow.set_description("changed".into());
        flow.back();
        let restored =
            Draft::restore::<serde_json::Value>(&flow.draft.to_json::<serde_json::Value>(), &order, NOW, 1).unwrap();
        assert_eq!(restored.idempotency_key, key, "edits, navigation and reloads keep the key");
        let fresh = Draft::new(&order, contact(), "key-2".into(), NOW);
        assert_ne!(fresh.idempotency_key, key, "a new draft has a new key");
    }

    #[test]
    fn fields_map_to_their_steps() {
        let table = [
            ("item_ids[0]", Some(Step::Items)),
            ("reason", Some(Step::Problem)),
            ("media", Some(Step::Details)),
            ("media[1].upload_id", Some(Step::Details)),
            ("contact.email", Some(Step::Contact)),
            ("order_id", None),
        ];
        for (field, step) in table {
            assert_eq!(step_of(field), step, "{field}");
        }
    }
}
