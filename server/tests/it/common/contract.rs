//! Every answer the integration tests get through [`super::TestApp::send`] is checked
//! against the committed `openapi.json`: the operation must be documented, the status
//! listed for it, and a JSON body valid against the documented schema — with objects
//! closed (`additionalProperties: false`), so a field the document does not name fails
//! too. The document cannot drift from what the server sends without a test failing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

const DOCUMENT: &str = include_str!("../../../../openapi.json");

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("openapi.json is JSON"))
}

/// The components with every object schema closed to properties it does not name.
fn closed_components() -> &'static Value {
    static COMPONENTS: OnceLock<Value> = OnceLock::new();
    COMPONENTS.get_or_init(|| {
        fn close(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                        map.insert("additionalProperties".into(), Value::Bool(false));
                    }
                    map.values_mut().for_each(close);
                }
                Value::Array(items) => items.iter_mut().for_each(close),
                _ => {}
            }
        }
        let mut components = document()["components"].clone();
        close(&mut components);
        components
    })
}

/// The documented path template `path` falls under, preferring literal segments.
fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = document()["paths"].as_object()?;
    paths
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') && part.ends_with('}') && !segment.is_empty() {
                    continue;
                }
                if part != segment {
                    return None;
                }
                literal += 1;
            }
            Some((literal, template.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template)
}

fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let key = schema.to_string();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(key)
        .or_insert_with(|| {
            let mut root = json!({"components": closed_components()});
            match schema.get("$ref") {
                Some(reference) => root["$ref"] = reference.clone(),
                None => root["allOf"] = json!([schema]),
            }
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&root)
                .unwrap_or_else(|e| panic!("the documented schema {schema} compiles: {e}"));
            Arc::new(validator)
        })
        .clone()
}

/// Panics unless `status` and `body` are what `openapi.json` says `method path` answers.
pub fn check(method: &str, path: &str, status: u16, body: &[u8]) {
    if !(path.starts_with("/v1/") || path.starts_with("/media/")) {
        return; // the demo site, /dev and /metrics are not part of the API
    }
    let api_error = json!({"$ref": "#/components/schemas/ApiError"});
    let Some(template) = template(path) else {
        // No such route: only ever a 404 in the API's error shape.
        assert_eq!(status, 404, "{method} {path} is not in openapi.json");
        return validate(method, path, status, &api_error, body);
    };
    let operation = &document()["paths"][template][method.to_ascii_lowercase()];
    if method == "OPTIONS" && !operation.is_object() {
        return; // a CORS preflight, answered by the CORS layer for any route
    }
    if !operation.is_object() {
        assert_eq!(status, 405, "{method} {template} is not in openapi.json");
        return validate(method, template, status, &api_error, body);
    }
    assert!(operation.is_object(), "{method} {template} is not in openapi.json");
    let responses = &operation["responses"];
    let response = responses.get(status.to_string()).or_else(|| responses.get("default")).unwrap_or_else(|| {
        panic!(
            "{method} {template} answered {status}, which openapi.json does not list: {}",
            String::from_utf8_lossy(body)
        )
    });
    let Some(schema) = response.pointer("/content/application~1json/schema") else { return };
    if method == "HEAD" {
        return; // no body, by definition
    }
    validate(method, template, status, schema, body);
}

fn validate(method: &str, template: &str, status: u16, schema: &Value, body: &[u8]) {
    let instance: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("{method} {template} {status} should be JSON: {:?}", String::from_utf8_lossy(body)));
    let validator = validator(schema);
    let errors: Vec<String> =
        validator.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match openapi.json:\n{}\n{instance}",
        errors.join("\n")
    );
    read_as_the_widget_does(schema, &instance);
}

/// The widget reads answers without serde (`protocol::read`): every case, case list and
/// error the server sends must read to exactly what serde reads.
fn read_as_the_widget_does(schema: &Value, instance: &Value) {
    use aftercare_protocol::case::{ApiError, Case, CaseList, Receipt};
    use aftercare_protocol::read::{At, Read};
    fn same<T: Read + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(instance: &Value) {
        let ours =
            T::read(instance, &At::Root("")).unwrap_or_else(|e| panic!("the widget's reader refuses {instance}: {e}"));
        let theirs: T = serde_json::from_value(instance.clone()).expect("serde reads what the server sent");
        assert_eq!(ours, theirs, "the widget's reader and serde disagree on {instance}");
    }
    // The case flow reads a filed case as a receipt: the same id, number, state, deadline.
    fn receipt(instance: &Value) {
        let receipt = Receipt::read(instance, &At::Root(""))
            .unwrap_or_else(|e| panic!("the widget's receipt reader refuses {instance}: {e}"));
        let case: Case = serde_json::from_value(instance.clone()).expect("serde reads what the server sent");
        assert_eq!(
            (receipt.id, receipt.number, receipt.state, receipt.deadline),
            (case.id, case.number, case.state, case.deadline)
        );
    }
    match schema.get("$ref").and_then(Value::as_str) {
        Some("#/components/schemas/Case") => {
            same::<Case>(instance);
            receipt(instance);
        }
        Some("#/components/schemas/CaseList") => same::<CaseList>(instance),
        Some("#/components/schemas/ApiError") => same::<ApiError>(instance),
        Some("#/components/schemas/CaseDetail") => same::<Case>(&instance["case"]),
        Some("#/components/schemas/CasePage") => same::<CaseList>(&json!({"cases": instance["cases"]})),
        _ => {}
    }
}
