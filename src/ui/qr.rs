//! A QR code the widget draws itself (as SVG), so no image is fetched from elsewhere.

use leptos::prelude::*;
use qrcode::render::svg;

/// The QR code for `data` as an SVG document, or `None` when `data` is too long to
/// encode.
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(168, 168)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Drop the XML declaration: the SVG goes into HTML.
    Some(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
}

/// The QR code as an image with an accessible name.
#[component]
pub fn QrCode(
    /// What the code encodes.
    #[prop(into)]
    data: String,
    /// The accessible name, e.g. "QR code for …".
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let svg = qr_svg(&data).unwrap_or_default();
    view! { <div class="ac-qr" role="img" aria-label=label inner_html=svg data-testid="wechat-qr"></div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_without_xml_declaration() {
        let svg = qr_svg("https://example.com/aftercare-demo/wechat").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("<path") && svg.ends_with("</svg>"));
        assert!(!svg.contains("style="), "no inline style under a strict CSP");
    }

    #[test]
    fn too_long_data_is_refused() {
        assert_eq!(qr_svg(&"x".repeat(5000)), None);
    }
}
