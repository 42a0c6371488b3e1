//! Photos are decoded, downscaled and re-encoded in the browser: smaller uploads, and
//! the re-encode keeps no metadata (EXIF, GPS). The browser does the work natively —
//! `createImageBitmap` (honouring EXIF orientation, resizing with high quality) and
//! `OffscreenCanvas.convertToBlob` — in this thread, with no worker script to host.

use aftercare_protocol::picture;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, ImageOrientation, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, ResizeQuality,
};

/// Target size for a photo whose longer edge is `long_edge`: the same aspect, the
/// longer edge at most `max_edge`, never enlarged.
pub fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= max_edge || longer == 0 {
        return (width, height);
    }
    let scale = f64::from(max_edge) / f64::from(longer);
    let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
}

async fn await_promise(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise?).await
}

/// Decodes `photo` (upright, per its EXIF orientation), scales it so its longer edge is
/// at most `max_edge`, and encodes it as `mime` (`image/jpeg` or `image/webp`) at
/// `quality` (0–1). Returns the new file and its dimensions.
///
/// When the photo's header gives its size (`protocol::picture`), the browser decodes
/// straight to the target size in one step — for JPEG it can then skip most of the
/// full-size decode. Otherwise it decodes at full size first to learn it.
pub async fn downscale(photo: &Blob, max_edge: u32, mime: &str, quality: f64) -> Result<(Blob, u32, u32), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let head = photo.slice_with_f64_and_f64(0.0, picture::HEAD_LEN as f64)?;
    let head = js_sys::Uint8Array::new(&JsFuture::from(head.array_buffer()).await?).to_vec();
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let (scaled, width, height): (ImageBitmap, u32, u32) = match picture::upright_size(&head) {
        Some((width, height)) => {
            let (width, height) = fit(width, height, max_edge);
            options.set_resize_width(width);
            options.set_resize_height(height);
            options.set_resize_quality(ResizeQuality::High);
            let scaled =
                await_promise(window.create_image_bitmap_with_blob_and_image_bitmap_options(photo, &options)).await?;
            (scaled.unchecked_into(), width, height)
        }
        None => {
            let decoded: ImageBitmap =
                await_promise(window.create_image_bitmap_with_blob_and_image_bitmap_options(photo, &options))
                    .await?
                    .unchecked_into();
            let (width, height) = fit(decoded.width(), decoded.height(), max_edge);
            let resize = ImageBitmapOptions::new();
            resize.set_resize_width(width);
            resize.set_resize_height(height);
            resize.set_resize_quality(ResizeQuality::High);
            let scaled =
                await_promise(window.create_image_bitmap_with_image_bitmap_and_image_bitmap_options(&decoded, &resize))
                    .await;
            decoded.close();
            (scaled?.unchecked_into(), width, height)
        }
    };
    let canvas = OffscreenCanvas::new(width, height)?;
    let context: OffscreenCanvasRenderingContext2d = canvas.get_context("2d")?.ok_or("no 2d context")?.unchecked_into();
    context.draw_image_with_image_bitmap(&scaled, 0.0, 0.0)?;
    scaled.close();
    let options = ImageEncodeOptions::new();
    options.set_type(mime);
    options.set_quality(quality);
    let blob: Blob = await_promise(canvas.convert_to_blob_with_options(&options)).await?.unchecked_into();
    Ok((blob, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_aspect_and_never_enlarges() {
        assert_eq!(fit(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit(1000, 800, 2048), (1000, 800));
        assert_eq!(fit(2048, 10, 2048), (2048, 10));
        assert_eq!(fit(10_000, 3, 2048), (2048, 1));
        assert_eq!(fit(0, 0, 2048), (0, 0));
    }
}
