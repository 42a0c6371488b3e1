//! Property tests: the token verifier and request validation never panic, and no
//! mutation of a valid token's bytes is ever accepted as another token.

use std::sync::Arc;

use aftercare_protocol::case::NewCase;
use aftercare_protocol::order::{OrderSnapshot, OrderState};
use aftercare_protocol::rules::Rules;
use aftercare_protocol::time::Timestamp;
use aftercare_protocol::validate;
use aftercare_server::auth;
use aftercare_server::merchants::{Merchant, Merchants};

use proptest::prelude::*;

const NOW: Timestamp = Timestamp(1_764_316_800_000);

fn merchants() -> (Merchants, Arc<Merchant>) {
    let merchants = Merchants::new(vec![crate::common::merchant("acme", crate::common::SHOP, "5a")]).unwrap();
    let acme = merchants.get("acme").unwrap().clone();
    (merchants, acme)
}

fn snapshot() -> OrderSnapshot {
    OrderSnapshot {
        order_id: "o-1".into(),
        item_ids: vec!["item-1".into()],
        state: Some(OrderState::Delivered),
        delivered_at: Some("2026-11-25".into()),
        prices: Vec::new(),
    }
}

proptest! {
    // A fixed seed: the same cases on every run, so CI is deterministic.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x00af_7e2c_a2e0),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_is_never_a_token(text in ".{0,400}") {
        let (merchants, _) = merchants();
        prop_assert!(auth::verify(&text, &merchants, NOW).is_err());
    }

    #[test]
    fn a_changed_byte_breaks_the_token(position in 0usize..10_000, replacement in 0u8..128) {
        let (merchants, acme) = merchants();
        let token = auth::mint(&acme, &acme.keys[0], "s-1", snapshot(), NOW, 1800);
        let mut bytes = token.clone().into_bytes();
        let position = position % bytes.len();
        prop_assume!(bytes[position] != replacement);
        bytes[position] = replacement;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        // Base64url has slack bits in the last character of a segment: a change that
        // decodes to the same bytes is the same token.
        if let Ok((_, claims)) = auth::verify(&mutated, &merchants, NOW) {
            prop_assert_eq!(claims, auth::verify(&token, &merchants, NOW).unwrap().1);
        }
    }

    #[test]
    fn validation_never_panics(
        order_id in "[a-z0-9-]{0,8}",
        items in proptest::collection::vec("[a-z0-9-]{0,8}", 0..4),
        problem in 0usize..5,
        reason in 0usize..12,
        resolution in 0usize..5,
        description in ".{0,1200}",
        phone in proptest::option::of(".{0,30}"),
        email in proptest::option::of(".{0,30}"),
        name in proptest::option::of(".{0,60}"),
        days_after in -30i64..30,
    ) {
        use aftercare_protocol::case::{Contact, ProblemType, Reason, Resolution};
        let case = NewCase {
            order_id,
            item_ids: items,
            problem_type: ProblemType::ALL[problem],
            reason: Reason::ALL[reason],
            resolution: Resolution::ALL[resolution],
            description,
            media: vec![],
            contact: Contact { name, phone, email },
            locale: None,
        };
        let now = Timestamp(Timestamp::parse("2026-11-25").unwrap().0 + days_after * 86_400_000);
        let errors = validate::new_case(&case, &snapshot(), &Rules::default(), now);
        for error in errors {
            prop_assert!(!error.field.is_empty() && !error.code.is_empty());
        }
    }
}
