//! The OpenAPI document, generated from the protocol types and the route annotations.
//! `aftercare-server openapi` prints it; `openapi.json` at the repository root is the
//! committed copy, and a test fails when the two disagree.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{cases, desk, merchant, platform, staff, widget_config};
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
        cases::message,
        cases::accept_offer,
        cases::decline_offer,
        cases::evidence,
        cases::appeal,
        cases::unread,
        cases::seen,
        tus::discovery,
        tus::create,
        tus::head,
        tus::patch,
        tus::terminate,
        tus::links::link,
        tus::links::media,
        merchant::list,
        merchant::queue,
        merchant::read,
        merchant::accept,
        merchant::refuse,
        merchant::reply,
        merchant::message,
        merchant::offer,
        merchant::evidence,
        merchant::appeal,
        merchant::confirm_receipt,
        merchant::refund,
        merchant::replacement_shipment,
        merchant::resolve,
        merchant::deliveries,
        platform::list,
        platform::read,
        platform::rule,
        platform::evidence_round,
        platform::message,
        staff::sign_in,
        staff::session,
        staff::sign_out,
        staff::sign_out_everywhere,
        crate::live::events,
        desk::replies,
        desk::put_reply,
        desk::delete_reply,
        desk::staff,
        desk::add_staff,
        desk::remove_staff,
    ),
    components(schemas(
        aftercare_protocol::case::ApiError,
        aftercare_protocol::order::OrderSnapshot,
        aftercare_protocol::webhook::WebhookEvent
    )),
    modifiers(&OrderToken, &Contract),
    tags(
        (name = "widget", description = "Public widget configuration"),
        (name = "cases", description = "Shoppers' after-sale cases"),
        (name = "uploads", description = "Evidence uploads over tus 1.0 (core, creation, creation-with-upload, expiration, checksum, termination)"),
        (name = "merchant", description = "The merchant's systems drive their cases (merchant API key)"),
        (name = "platform", description = "The platform rules on escalated cases (platform API key)"),
        (name = "staff", description = "The console's staff sessions: a seller's staff then work `/v1/merchant`, the platform's arbiters `/v1/platform`, with the session cookie and, on writes, `X-CSRF-Token`")
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
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    aftercare_protocol::staff::SESSION_COOKIE,
                    "A console session (`POST /v1/staff/sign-in`); writes also need `X-CSRF-Token`",
                ),
            )),
        );
    }
}

/// What every operation also answers, by what it is: the error statuses the layers
/// around the handlers send (rate limit, timeouts, body limits, authentication), the
/// ones every JSON body can get, and the `If-Match` contract of writes to a case. Added
/// here once rather than listed on each route; the integration tests validate every
/// answer they get against the result.
struct Contract;

impl Contract {
    fn error(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build();
        ResponseBuilder::new().description(description).content("application/json", content).build().into()
    }

    fn header(name: &str, required: bool, description: &str) -> utoipa::openapi::path::Parameter {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(if required { Required::True } else { Required::False })
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    }
}

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("delete", item.delete.as_mut()),
                ("head", item.head.as_mut()),
                ("patch", item.patch.as_mut()),
                ("options", item.options.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let tus = path.starts_with("/v1/uploads") && method != "options";
                let case_write = method == "post" && path.contains("/cases/{id}/");
                let staff_desk = path.starts_with("/v1/merchant/") || path.starts_with("/v1/platform/");
                let staff_session = path.starts_with("/v1/staff/") && path != "/v1/staff/sign-in";
                if staff_desk || staff_session {
                    // Staff in the console reach the same routes with their session.
                    let security = operation.security.get_or_insert_with(Vec::new);
                    security
                        .push(utoipa::openapi::security::SecurityRequirement::new::<_, _, &str>("staff_session", []));
                    if matches!(method, "post" | "put" | "delete") {
                        let parameters = operation.parameters.get_or_insert_with(Vec::new);
                        parameters.push(Contract::header(
                            "X-CSRF-Token",
                            false,
                            "With a staff session: the session's `csrf_token` (`csrf_token_invalid` without it)",
                        ));
                    }
                }
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Contract::error(description));
                };
                add("429", "Too many requests from this address (`rate_limited`); see `Retry-After`");
                add("400", "Something in the request is malformed: a query parameter, a header or the URL");
                add("500", "Something failed on the server (`internal`); nothing is half-done");
                if !tus && path != "/media/{token}" {
                    add("408", "The request took too long (`request_timeout`)");
                }
                if operation.security.is_some() {
                    add("401", "The token or API key is missing, invalid or expired");
                    add(
                        "403",
                        "Not allowed: the origin, the order, the key's scope, the desk, or a missing CSRF token",
                    );
                }
                if operation.request_body.is_some() {
                    add("400", "The body is not JSON for this call (`invalid_json`, naming the field)");
                    add("413", "The body is over 64 KiB (`body_too_large`)");
                    add("415", "The body must be `application/json` (`unsupported_media_type`)");
                    add("422", "A field breaks the rules: `code`, `field` and `params` say which and how");
                }
                if path.contains("{id}") {
                    add("404", "No such case for this caller (`case_not_found`)");
                }
                if case_write {
                    add("400", "`If-Match` is not one case version (`if_match_invalid`)");
                    add(
                        "409",
                        "The lifecycle does not allow it now (`transition_not_allowed`, …), or the case changed since \
                         the version given (`version_mismatch`, with the current `case`)",
                    );
                    add("428", "Writes need `If-Match` with the case version they are based on (`if_match_required`)");
                    let parameters = operation.parameters.get_or_insert_with(Vec::new);
                    parameters.push(Contract::header(
                        "If-Match",
                        true,
                        "The case `version` (or `ETag`) this write is based on, e.g. `\"3\"`",
                    ));
                    parameters.push(Contract::header(
                        "Idempotency-Key",
                        false,
                        "Optional: a retry with the same key and body gets the first answer",
                    ));
                }
                if tus && method == "post" {
                    add("507", "The server has no room for more uploads now (`storage_full`); see `Retry-After`");
                }
                if tus {
                    add("412", "The request does not speak tus 1.0.0 (`tus_version_unsupported`)");
                    let parameters = operation.parameters.get_or_insert_with(Vec::new);
                    if !parameters.iter().any(|p| p.name.eq_ignore_ascii_case("tus-resumable")) {
                        parameters.push(Contract::header("Tus-Resumable", true, "The tus protocol version: `1.0.0`"));
                    }
                }
            }
        }
    }
}

/// Parameters are strings, numbers or enums, never `null`: an optional parameter is one
/// left out. utoipa documents an `Option<T>` parameter as `T | null`, which clients
/// generated from the document refuse; this takes the `null` out.
fn parameters_without_null(document: &mut serde_json::Value) {
    let Some(paths) = document.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    for operation in paths.values_mut().filter_map(|item| item.as_object_mut()).flat_map(|item| item.values_mut()) {
        let Some(parameters) = operation.get_mut("parameters").and_then(|p| p.as_array_mut()) else { continue };
        for schema in parameters.iter_mut().filter_map(|p| p.get_mut("schema")) {
            if let Some(types) = schema.get_mut("type").and_then(|t| t.as_array_mut()) {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    schema["type"] = types[0].clone();
                }
            }
            if let Some(variants) = schema.get_mut("oneOf").and_then(|v| v.as_array_mut()) {
                variants.retain(|v| v.get("type").and_then(|t| t.as_str()) != Some("null"));
                if variants.len() == 1 {
                    *schema = variants[0].clone();
                }
            }
        }
    }
}

/// The document as pretty JSON, with a trailing newline.
pub fn document() -> String {
    let mut document = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    parameters_without_null(&mut document);
    let mut json = serde_json::to_string_pretty(&document).expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
