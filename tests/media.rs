//! Photo downscaling in headless Chromium, on real images the test makes: the aspect
//! and EXIF orientation are kept, and the output carries no EXIF or GPS.
#![cfg(target_arch = "wasm32")]

use aftercare_widget::upload::image::downscale;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Blob, BlobPropertyBag, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

wasm_bindgen_test_configure!(run_in_browser);

async fn bytes(blob: &Blob) -> Vec<u8> {
    js_sys::Uint8Array::new(&JsFuture::from(blob.array_buffer()).await.unwrap()).to_vec()
}

/// A `width`×`height` JPEG, left half red, right half blue.
async fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let canvas = OffscreenCanvas::new(width, height).unwrap();
    let context: OffscreenCanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    context.set_fill_style_str("#ff0000");
    context.fill_rect(0.0, 0.0, f64::from(width / 2), f64::from(height));
    context.set_fill_style_str("#0000ff");
    context.fill_rect(f64::from(width / 2), 0.0, f64::from(width / 2), f64::from(height));
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    let blob: Blob =
        JsFuture::from(canvas.convert_to_blob_with_options(&options).unwrap()).await.unwrap().unchecked_into();
    bytes(&blob).await
}

/// Inserts an EXIF segment after SOI: orientation `orientation`, and text naming GPS.
fn with_exif(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]); // one IFD entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]); // Orientation, SHORT
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(b"GPSLatitude 31.2304N");
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    out.extend(segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn blob_of(bytes: &[u8]) -> Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type("image/jpeg");
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[wasm_bindgen_test]
async fn downscale_keeps_aspect_and_drops_metadata() {
    let photo = with_exif(&jpeg(400, 200).await, 1);
    assert!(contains(&photo, b"GPSLatitude"));
    let (out, width, height) = downscale(&blob_of(&photo), 100, "image/jpeg", 0.8).await.unwrap();
    assert_eq!((width, height), (100, 50));
    let out = bytes(&out).await;
    assert!(out.starts_with(&[0xFF, 0xD8]));
    assert!(!contains(&out, b"Exif") && !contains(&out, b"GPS"), "no metadata survives the re-encode");
}

#[wasm_bindgen_test]
async fn downscale_honours_exif_orientation() {
    // Orientation 6: the camera was turned; the upright image is 200 wide, 400 tall.
    let photo = with_exif(&jpeg(400, 200).await, 6);
    let (out, width, height) = downscale(&blob_of(&photo), 100, "image/jpeg", 0.8).await.unwrap();
    assert_eq!((width, height), (50, 100));
    // Turned a quarter clockwise, the red left half is now on top, the blue below.
    let top = pixel(&out, 25, 10).await;
    let bottom = pixel(&out, 25, 90).await;
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom is blue: {bottom:?}");
}

/// The RGBA of one pixel of an encoded image.
async fn pixel(image: &Blob, x: u32, y: u32) -> Vec<u8> {
    let window = web_sys::window().unwrap();
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(image).unwrap()).await.unwrap().unchecked_into();
    let canvas = OffscreenCanvas::new(bitmap.width(), bitmap.height()).unwrap();
    let context: OffscreenCanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    context.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0).unwrap();
    context.get_image_data(f64::from(x), f64::from(y), 1.0, 1.0).unwrap().data().to_vec()
}

#[wasm_bindgen_test]
async fn small_photos_are_not_enlarged() {
    let (_, width, height) = downscale(&blob_of(&jpeg(64, 48).await), 2048, "image/jpeg", 0.8).await.unwrap();
    assert_eq!((width, height), (64, 48));
}

#[wasm_bindgen_test]
fn the_sniffer_refuses_a_renamed_non_image() {
    use aftercare_protocol::media::check;
    assert_eq!(check("image/jpeg", b"MZ\x90\0\x03\0\0\0").unwrap_err().code, "unsupported_media_type");
}

#[wasm_bindgen_test]
async fn a_videos_duration_and_poster_are_read_from_its_metadata() {
    use aftercare_widget::upload::video::probe;
    let options = BlobPropertyBag::new();
    options.set_type("video/mp4");
    let mp4 = include_bytes!("../e2e/fixtures/located.mp4");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&mp4[..]));
    let video = Blob::new_with_u8_array_sequence_and_options(&parts, &options).unwrap();
    let found = probe(&video).await.expect("Chromium reads an H.264 MP4");
    assert!((found.seconds - 1.0).abs() < 0.15, "duration {}", found.seconds);
    let poster = found.poster.expect("a poster frame");
    let poster_bytes = bytes(&poster).await;
    assert!(poster_bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    let window = web_sys::window().unwrap();
    let frame: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(&poster).unwrap()).await.unwrap().unchecked_into();
    assert_eq!((frame.width(), frame.height()), (160, 120), "small videos keep their size");
}

#[wasm_bindgen_test]
async fn a_video_the_browser_cannot_read_yields_nothing() {
    use aftercare_widget::upload::video::probe;
    let mut bogus = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    bogus.extend(std::iter::repeat_n(0x5Au8, 4096));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&bogus[..]));
    let video = Blob::new_with_u8_array_sequence(&parts).unwrap();
    assert!(probe(&video).await.is_none());
}
