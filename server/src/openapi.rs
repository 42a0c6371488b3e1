//! The OpenAPI document, generated from the protocol types and the route annotations.
//! `aftercare-server openapi` prints it; `openapi.json` at the repository root is the
//! committed copy, and a test fails when the two disagree.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{cases, merchant, platform, widget_config};
use crate::tus;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Aftercare API",
        description = "The API of Aftercare's reference backend. Shopper calls (cases, uploads) carry \
            `Authorization: Bearer <order token>`, a JWT the merchant's server signs (HS256, `kid`, iss = merchant id, \
            aud = \"aftercare\", sub = shopper id, order_id, order = signed snapshot, iat, exp, jti). Merchant and \
            platform calls carry `Authorization: Bearer <API key>` from `aftercare-server api-key`. Every case event \
            is also POSTed to the merchant's webhook as a `WebhookEvent`, signed with `Aftercare-Signature: \
            t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`. Errors are `{code, message, field?}`.",
        version = "1"
    ),
    paths(
        widget_config::widget_config,
        cases::create,
        cases::list,
        cases::read,
        cases::escalate,
        cases::withdraw,
        cases::return_shipment,
        tus::discovery,
        tus::create,
        tus::head,
        tus::patch,
        tus::terminate,
        tus::link,
        merchant::list,
        merchant::read,
        merchant::accept,
        merchant::refuse,
        merchant::reply,
        merchant::confirm_receipt,
        merchant::refund,
        merchant::replacement_shipment,
        merchant::resolve,
        merchant::deliveries,
        platform::list,
        platform::read,
        platform::rule,
    ),
    components(schemas(
        aftercare_protocol::case::ApiError,
        aftercare_protocol::order::OrderSnapshot,
        aftercare_protocol::webhook::WebhookEvent
    )),
    modifiers(&OrderToken),
    tags(
        (name = "widget", description = "Public widget configuration"),
        (name = "cases", description = "Shoppers' after-sale cases"),
        (name = "uploads", description = "Evidence uploads over tus 1.0 (core, creation, creation-with-upload, expiration, checksum, termination)"),
        (name = "merchant", description = "The merchant's systems drive their cases (merchant API key)"),
        (name = "platform", description = "The platform rules on escalated cases (platform API key)")
    )
)]
pub struct ApiDoc;

struct OrderToken;

impl Modify for OrderToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "order_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON, with a trailing newline.
pub fn document() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
