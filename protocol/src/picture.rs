//! A photo's upright pixel size, read from its first bytes (JPEG, PNG, WebP) without
//! decoding it, so the widget can ask the browser to decode straight to the target size
//! in one step. JPEG's EXIF orientation is taken into account (5–8 turn the picture a
//! quarter, swapping width and height). When the bytes do not say — an unknown layout,
//! the header beyond `head`, or orientation metadata this reader does not follow — the
//! answer is `None` and the caller decodes first to find out.

/// How much of the file to read: EXIF and colour-profile segments come before the
/// frame header in a JPEG, and phones write large ones.
pub const HEAD_LEN: usize = 256 * 1024;

/// Width and height as the photo is meant to be seen.
pub fn upright_size(head: &[u8]) -> Option<(u32, u32)> {
    if head.starts_with(&[0xFF, 0xD8]) {
        jpeg(head)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(head)
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        webp(head)
    } else {
        None
    }
}

// Every offset below comes from the file, so every sum is checked: on wasm32 `usize` is
// 32 bits, and a wrapped offset would walk backwards forever.

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(3)?)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

fn jpeg(head: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    let mut orientation = 1;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while head.get(at)? == &0xFF && head.get(at.checked_add(1)?)? == &0xFF {
            at += 1;
        }
        if head.get(at)? != &0xFF {
            return None;
        }
        let marker = *head.get(at.checked_add(1)?)?;
        let length = usize::from(be16(head, at.checked_add(2)?)?);
        let body = at.checked_add(4)?;
        match marker {
            // Start of frame (baseline, progressive, …; not DHT, JPG, DAC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = u32::from(be16(head, body.checked_add(1)?)?);
                let width = u32::from(be16(head, body.checked_add(3)?)?);
                return Some(if (5..=8).contains(&orientation) { (height, width) } else { (width, height) });
            }
            0xE1 if head.get(body..body.checked_add(6)?) == Some(b"Exif\0\0") => {
                orientation =
                    exif_orientation(head.get(body + 6..at.checked_add(2)?.checked_add(length)?)?).unwrap_or(1);
            }
            // Start of scan before any frame header: not a JPEG we understand.
            0xDA | 0xD9 => return None,
            _ => {}
        }
        at = at.checked_add(2)?.checked_add(length)?;
    }
}

/// The Orientation tag (0x0112, a SHORT from 1 to 8) of a TIFF structure's first IFD —
/// the body of a JPEG's EXIF segment after `Exif\0\0`. The server's cleaner keeps it.
pub fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    let entries = ifd.checked_add(2)?;
    // At most 65,535 entries, each read in bounds: the walk ends when the bytes do.
    let entry = (0..count)
        .map_while(|i| entries.checked_add(12 * i).filter(|&at| at < tiff.len()))
        .find(|&entry| u16_at(entry) == Some(0x0112))?;
    // Type 3 (SHORT), one value, held in the entry itself.
    if u16_at(entry.checked_add(2)?)? != 3 {
        return None;
    }
    u16_at(entry.checked_add(8)?).filter(|value| (1..=8).contains(value))
}

fn png(head: &[u8]) -> Option<(u32, u32)> {
    let size = (be32(head, 16)?, be32(head, 20)?);
    // An eXIf chunk may carry an orientation; decode to be sure. It must come before
    // the image data, so stop looking there.
    let mut at = 8usize;
    loop {
        let length = usize::try_from(be32(head, at)?).ok()?;
        match head.get(at.checked_add(4)?..at.checked_add(8)?)? {
            b"eXIf" | b"exIf" => return None,
            b"IDAT" => return Some(size),
            _ => at = at.checked_add(12)?.checked_add(length)?,
        }
    }
}

fn webp(head: &[u8]) -> Option<(u32, u32)> {
    match head.get(12..16)? {
        b"VP8 " => {
            // Frame tag (3 bytes), start code (3), then 14-bit width and height.
            let width = u32::from(u16::from_le_bytes(head.get(26..28)?.try_into().ok()?) & 0x3FFF);
            let height = u32::from(u16::from_le_bytes(head.get(28..30)?.try_into().ok()?) & 0x3FFF);
            Some((width, height))
        }
        b"VP8L" => {
            let b = head.get(21..25)?;
            let bits = u32::from_le_bytes(b.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            // Flag 0x08: EXIF present, which may turn the picture.
            if head.get(20)? & 0x08 != 0 {
                return None;
            }
            Some((le24(head, 24)? + 1, le24(head, 27)? + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG header: SOI, optional EXIF with `orientation`, a big APP2, SOF0 for w×h.
    fn jpeg_head(width: u16, height: u16, orientation: Option<(u16, bool)>, progressive: bool) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        if let Some((orientation, big)) = orientation {
            let mut tiff = if big { b"MM\0\x2a\0\0\0\x08".to_vec() } else { b"II\x2a\0\x08\0\0\0".to_vec() };
            let u16b = |v: u16| if big { v.to_be_bytes() } else { v.to_le_bytes() };
            let u32b = |v: u32| if big { v.to_be_bytes() } else { v.to_le_bytes() };
            tiff.extend(u16b(2));
            // Another tag first (ImageWidth), then Orientation.
            tiff.extend(u16b(0x0100));
            tiff.extend(u16b(4));
            tiff.extend(u32b(1));
            tiff.extend(u32b(u32::from(width)));
            tiff.extend(u16b(0x0112));
            tiff.extend(u16b(3));
            tiff.extend(u32b(1));
            tiff.extend(u16b(orientation));
            tiff.extend([0, 0, 0, 0, 0, 0]);
            let mut segment = b"Exif\0\0".to_vec();
            segment.extend(tiff);
            out.extend([0xFF, 0xE1]);
            out.extend(((segment.len() + 2) as u16).to_be_bytes());
            out.extend(segment);
        }
        out.extend([0xFF, 0xE2, 0x80, 0x00]);
        out.extend(vec![0u8; 0x8000 - 2]);
        out.extend([0xFF, if progressive { 0xC2 } else { 0xC0 }, 0, 17, 8]);
        out.extend(height.to_be_bytes());
        out.extend(width.to_be_bytes());
        out.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        out.extend([0xFF, 0xDA, 0, 8]);
        out
    }

    #[test]
    fn jpeg_sizes_follow_orientation() {
        let table = [
            (None, false, (4000, 3000)),
            (Some((1, true)), false, (4000, 3000)),
            (Some((3, false)), true, (4000, 3000)),
            (Some((6, true)), false, (3000, 4000)),
            (Some((8, false)), true, (3000, 4000)),
            (Some((5, true)), false, (3000, 4000)),
        ];
        for (orientation, progressive, expected) in table {
            assert_eq!(
                upright_size(&jpeg_head(4000, 3000, orientation, progressive)),
                Some(expected),
                "{orientation:?}"
            );
        }
    }

    #[test]
    fn truncated_or_odd_jpegs_say_nothing() {
        let whole = jpeg_head(4000, 3000, Some((6, true)), false);
        assert_eq!(upright_size(&whole[..1000]), None, "frame header beyond the head");
        assert_eq!(upright_size(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None, "scan before frame");
        assert_eq!(upright_size(&[0xFF, 0xD8, 0x00, 0x00]), None, "not a marker");
        assert_eq!(upright_size(b"GIF89a"), None);
        assert_eq!(upright_size(&[]), None);
    }

    fn png_head(width: u32, height: u32, exif: bool) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            out.extend((data.len() as u32).to_be_bytes());
            out.extend(kind);
            out.extend(data);
            out.extend([0; 4]);
        };
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([8, 6, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        chunk(b"sRGB", &[0]);
        if exif {
            chunk(b"eXIf", b"MM\0\x2a");
        }
        chunk(b"IDAT", &[0; 10]);
        out
    }

    #[test]
    fn png_sizes_and_exif_doubt() {
        assert_eq!(upright_size(&png_head(1200, 900, false)), Some((1200, 900)));
        assert_eq!(upright_size(&png_head(1200, 900, true)), None);
    }

    #[test]
    fn webp_sizes_for_each_layout() {
        let riff = |kind: &[u8], body: &[u8]| {
            let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
            out.extend(kind);
            out.extend(((body.len()) as u32).to_le_bytes());
            out.extend(body);
            out
        };
        // Lossy: frame tag, start code 9d 01 2a, 14-bit sizes.
        let mut lossy = vec![0, 0, 0, 0x9D, 0x01, 0x2A];
        lossy.extend(4000u16.to_le_bytes());
        lossy.extend(3000u16.to_le_bytes());
        assert_eq!(upright_size(&riff(b"VP8 ", &lossy)), Some((4000, 3000)));
        // Lossless: signature 0x2f, then (w-1) and (h-1) in 14 bits each.
        let bits: u32 = (640 - 1) | ((480 - 1) << 14);
        let mut lossless = vec![0x2F];
        lossless.extend(bits.to_le_bytes());
        assert_eq!(upright_size(&riff(b"VP8L", &lossless)), Some((640, 480)));
        // Extended: flags, reserved, 24-bit (w-1) and (h-1).
        let extended = |flags: u8| {
            let mut body = vec![flags, 0, 0, 0];
            body.extend(&(1999u32).to_le_bytes()[..3]);
            body.extend(&(999u32).to_le_bytes()[..3]);
            riff(b"VP8X", &body)
        };
        assert_eq!(upright_size(&extended(0x10)), Some((2000, 1000)));
        assert_eq!(upright_size(&extended(0x08)), None, "EXIF may turn it");
    }

    /// Chunk lengths near `u32::MAX` from a crafted header: the walk ends (on wasm32 an
    /// unchecked `at + 12 + length` wrapped and looped forever; the component tests run
    /// this in the browser too).
    #[test]
    fn hostile_lengths_end_the_walk() {
        let mut png = png_head(4, 4, false);
        png.truncate(33); // signature + IHDR
        png.extend(0xFFFF_FFF4u32.to_be_bytes()); // at + 12 + length wraps to at itself on wasm32
        png.extend(b"zzzz");
        assert_eq!(upright_size(&png), None);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF];
        jpeg.extend(b"Exif\0\0MM\0\x2a\xFF\xFF\xFF\xF0");
        assert_eq!(upright_size(&jpeg), None);
        // An IFD claiming 65,535 entries in a 14-byte TIFF: no orientation, no panic.
        assert_eq!(exif_orientation(b"MM\0\x2a\0\0\0\x08\xFF\xFF\x01\x12\0\x03"), None);
        assert_eq!(exif_orientation(b"II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0"), Some(6));
        assert_eq!(
            exif_orientation(b"II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x09\0\0\0"),
            None,
            "9 is no orientation"
        );
    }
}
