//! What the widget learns about a video without uploading or transcoding it: its
//! duration, from the file's metadata, and a poster frame for the preview — both read
//! by a detached `<video>` element on an object URL. A browser that cannot read the
//! file (a codec it lacks, a page CSP without `media-src blob:`) yields nothing: the
//! video is still accepted, with a plain placeholder, and the server keeps its limits.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlVideoElement, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

/// How long to wait for the browser to read metadata or a frame.
const WAIT_MS: i32 = 5_000;
/// Longer edge of the poster image.
const POSTER_EDGE: u32 = 320;

pub struct Probe {
    pub seconds: f64,
    /// A small JPEG of a frame near the start, if one could be drawn.
    pub poster: Option<Blob>,
}

/// Resolves with `true` when `event` fires on `video`, `false` on `error` or after
/// `WAIT_MS`.
async fn happens(video: &HtmlVideoElement, event: &str) -> bool {
    let promise = Promise::new(&mut |resolve, _| {
        let yes = resolve.clone();
        let fired = Closure::once_into_js(move || yes.call1(&JsValue::NULL, &JsValue::TRUE));
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        let _ = video.add_event_listener_with_callback_and_add_event_listener_options(
            event,
            fired.unchecked_ref(),
            &options,
        );
        let failed = Closure::once_into_js({
            let resolve = resolve.clone();
            move || resolve.call1(&JsValue::NULL, &JsValue::FALSE)
        });
        let _ = video.add_event_listener_with_callback_and_add_event_listener_options(
            "error",
            failed.unchecked_ref(),
            &options,
        );
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, WAIT_MS, &JsValue::FALSE);
        }
    });
    JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Reads `file`'s duration and draws a poster frame; `None` when the browser cannot.
pub async fn probe(file: &Blob) -> Option<Probe> {
    let document = web_sys::window()?.document()?;
    let video: HtmlVideoElement = document.create_element("video").ok()?.unchecked_into();
    let url = web_sys::Url::create_object_url_with_blob(file).ok()?;
    video.set_muted(true);
    video.set_preload("metadata");
    video.set_src(&url);
    let result = read(&video).await;
    video.remove_attribute("src").ok();
    video.load();
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

async fn read(video: &HtmlVideoElement) -> Option<Probe> {
    if !happens(video, "loadedmetadata").await {
        return None;
    }
    let seconds = video.duration();
    if !seconds.is_finite() {
        return None;
    }
    // The very first frame is often black; a moment in shows what was filmed.
    video.set_current_time((seconds / 10.0).min(1.0));
    let poster = if happens(video, "seeked").await { poster(video).await } else { None };
    Some(Probe { seconds, poster })
}

async fn poster(video: &HtmlVideoElement) -> Option<Blob> {
    let (width, height) = super::image::fit(video.video_width(), video.video_height(), POSTER_EDGE);
    if width == 0 || height == 0 {
        return None;
    }
    let canvas = OffscreenCanvas::new(width, height).ok()?;
    let context: OffscreenCanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, f64::from(width), f64::from(height))
        .ok()?;
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(0.7);
    let blob = JsFuture::from(canvas.convert_to_blob_with_options(&options).ok()?).await.ok()?;
    Some(blob.unchecked_into())
}
