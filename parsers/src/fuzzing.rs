//! One entry point per fuzz target, shared by `fuzz/` (libFuzzer) and by the regression
//! test that replays `fuzz/regressions/` on every `cargo test`. Each takes arbitrary
//! bytes and must return without panicking, hanging or allocating without bound.

use std::io::Cursor;

use crate::clean::{self, Caps};

/// The fuzz targets, by name (`fuzz/fuzz_targets/{name}.rs`).
pub const TARGETS: [&str; 9] = [
    "clean_jpeg",
    "clean_png",
    "clean_webp",
    "clean_isobmff",
    "sniff",
    "picture",
    "tus_headers",
    "widget_config",
    "order",
];

/// Runs target `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    let caps = Caps::default();
    match name {
        "clean_jpeg" => {
            let mut out = Vec::new();
            if let Ok(outcome) = clean::jpeg(Cursor::new(data), &mut out, &caps) {
                // What comes out is a JPEG that cleans to itself.
                let mut again = Vec::new();
                clean::jpeg(Cursor::new(&out), &mut again, &caps).expect("a cleaned JPEG cleans again");
                assert_eq!(clean::jpeg(Cursor::new(&again), &mut Vec::new(), &caps).unwrap().pixels, outcome.pixels);
            }
        }
        "clean_png" => {
            let mut out = Vec::new();
            if clean::png(Cursor::new(data), &mut out, &caps).is_ok() {
                assert!(out.len() <= data.len());
                clean::png(Cursor::new(&out), &mut Vec::new(), &caps).expect("a cleaned PNG cleans again");
            }
        }
        "clean_webp" => {
            let mut out = Cursor::new(Vec::new());
            if clean::webp(Cursor::new(data), &mut out, &caps).is_ok() {
                let out = out.into_inner();
                let riff = u32::from_le_bytes([out[4], out[5], out[6], out[7]]) as usize;
                assert_eq!(riff + 8, out.len(), "the RIFF size is what was written");
                clean::webp(Cursor::new(&out), &mut Cursor::new(Vec::new()), &caps).expect("cleans again");
            }
        }
        "clean_isobmff" => {
            let mut file = Cursor::new(data.to_vec());
            if clean::isobmff(&mut file, &caps).is_ok() {
                let file = file.into_inner();
                assert_eq!(file.len(), data.len(), "cleaned in place");
                let second = clean::isobmff(&mut Cursor::new(file), &caps).expect("cleans again");
                assert_eq!(second.removed, 0, "nothing left to remove");
            }
        }
        "sniff" => {
            let declared = ["", "image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime", "video/webm"];
            let (first, head) = data.split_first().unwrap_or((&0, &[]));
            let _ = aftercare_protocol::media::sniff(head);
            let _ = aftercare_protocol::media::check(declared[usize::from(*first) % declared.len()], head);
        }
        "picture" => {
            let _ = aftercare_protocol::picture::upright_size(data);
            let _ = aftercare_protocol::picture::exif_orientation(data);
        }
        "tus_headers" => {
            let Ok(text) = std::str::from_utf8(data) else { return };
            let _ = crate::tus::parse_u64(text);
            let _ = crate::tus::parse_checksum(text);
            let name = crate::tus::sanitize_filename(text);
            assert!(!name.is_empty() && name.chars().count() <= 100);
            assert!(!name.chars().any(aftercare_protocol::validate::forbidden_in_name));
            if let Ok(metadata) = crate::tus::parse_metadata(text) {
                for (key, _) in &metadata {
                    let _ = crate::tus::metadata_text(&metadata, key);
                }
            }
        }
        "widget_config" => {
            let Ok(json) = std::str::from_utf8(data) else { return };
            use aftercare_protocol::config::{Layer, WidgetConfig};
            let _ = WidgetConfig::load(&[Layer::new("fuzz", json)]);
            // As the page's layer over a server's: the limits it may only tighten.
            let server = Layer::new("server", r#"{"evidence":{"max_photos":4,"max_photo_bytes":1000}}"#);
            let (config, _) = WidgetConfig::load(&[server, Layer { source: "fuzz", json, tightens_limits: true }]);
            assert!(config.evidence.max_photos <= 4 && config.evidence.max_photo_bytes <= 1000);
        }
        "order" => {
            // The start-up reader on an order context: a named error or a valid order.
            let Ok(json) = std::str::from_utf8(data) else { return };
            if let Ok(order) = aftercare_protocol::order::Order::parse(json) {
                assert!(!order.id.is_empty() && order.items.iter().all(|item| item.quantity > 0 && item.price >= 0));
            }
        }
        other => panic!("no fuzz target {other:?}"),
    }
}
