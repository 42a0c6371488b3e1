//! JPEG: segments by allowlist, EXIF reduced to its Orientation.

use std::io::{Read, Seek, Write};

use aftercare_protocol::picture::exif_orientation;

use super::source::Source;
use super::{malformed, Budget, Caps, Error, Outcome};

/// What happens to a marker segment.
enum Segment {
    /// Frame, tables, scans and restart intervals: copied as they are.
    Keep,
    /// A start of frame: copied, and its size read.
    Frame,
    /// APP0: JFIF is kept without its thumbnail; JFXX (thumbnails only) is dropped.
    Jfif,
    /// APP1: EXIF's Orientation is kept in a segment of its own; the rest (GPS, the
    /// camera, XMP, thumbnails) is dropped.
    Exif,
    /// APP2 ICC profiles and APP14 Adobe (colour transform): copied when the segment's
    /// identifier says so, dropped otherwise (APP2 also carries FlashPix and MPF).
    Identified(&'static [u8]),
    /// Everything else: other APPn (IPTC, Photoshop, maker notes), comments, and
    /// markers no decoder needs.
    Drop,
}

fn segment(marker: u8) -> Segment {
    match marker {
        0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => Segment::Frame,
        0xC4 | 0xCC | 0xDA..=0xDF => Segment::Keep, // DHT, DAC, SOS, DQT, DNL, DRI, DHP, EXP
        0xE0 => Segment::Jfif,
        0xE1 => Segment::Exif,
        0xE2 => Segment::Identified(b"ICC_PROFILE\0"),
        0xEE => Segment::Identified(b"Adobe"),
        _ => Segment::Drop,
    }
}

/// Cleans a JPEG from `input` into `output`; stops at the end-of-image marker.
pub fn jpeg<R: Read + Seek>(input: R, output: &mut impl Write, caps: &Caps) -> Result<Outcome, Error> {
    let mut input = Source::new(input)?;
    if input.length() < 4 || input.array::<2>()? != [0xFF, 0xD8] {
        return malformed("not a JPEG");
    }
    output.write_all(&[0xFF, 0xD8])?;
    let mut budget = Budget::new(caps, "JPEG segments");
    let mut outcome = Outcome::default();
    let mut body = Vec::with_capacity(64 * 1024);
    let mut orientation_kept = false;
    let mut marker = next_marker(&mut input)?;
    loop {
        budget.tick()?;
        match marker {
            0xD9 => {
                output.write_all(&[0xFF, 0xD9])?;
                return Ok(outcome);
            }
            // Markers without a length: TEM and restart markers outside a scan.
            0x01 | 0xD0..=0xD7 => {
                output.write_all(&[0xFF, marker])?;
                marker = next_marker(&mut input)?;
                continue;
            }
            0xD8 => return malformed("a second start-of-image marker"),
            _ => {}
        }
        let length = u16::from_be_bytes(input.array()?);
        if length < 2 {
            return malformed("a JPEG segment length below 2");
        }
        let size = usize::from(length - 2);
        match segment(marker) {
            Segment::Keep => {
                output.write_all(&[0xFF, marker])?;
                output.write_all(&length.to_be_bytes())?;
                input.copy(output, size as u64)?;
            }
            Segment::Frame => {
                input.read_into(&mut body, size)?;
                // Precision (1), height (2), width (2).
                if let Some(b) = body.get(..5) {
                    let height = u32::from(u16::from_be_bytes([b[1], b[2]]));
                    let width = u32::from(u16::from_be_bytes([b[3], b[4]]));
                    outcome.pixels.get_or_insert((width, height));
                }
                write_segment(output, marker, &body)?;
            }
            Segment::Jfif => {
                input.read_into(&mut body, size)?;
                // "JFIF\0", version (2), units (1), densities (2 + 2), thumbnail size (2).
                if body.len() >= 14 && body.starts_with(b"JFIF\0") {
                    let mut jfif = body[..14].to_vec();
                    if body.len() > 14 {
                        outcome.removed += 1; // the thumbnail
                    }
                    jfif[12] = 0;
                    jfif[13] = 0;
                    write_segment(output, marker, &jfif)?;
                } else {
                    outcome.removed += 1;
                }
            }
            Segment::Exif => {
                input.read_into(&mut body, size)?;
                outcome.removed += 1;
                let orientation = body.strip_prefix(b"Exif\0\0").and_then(exif_orientation);
                if let (Some(orientation @ 2..=8), false) = (orientation, orientation_kept) {
                    write_segment(output, 0xE1, &orientation_segment(orientation))?;
                    orientation_kept = true;
                }
            }
            Segment::Identified(identifier) => {
                input.read_into(&mut body, size)?;
                if body.starts_with(identifier) {
                    write_segment(output, marker, &body)?;
                } else {
                    outcome.removed += 1;
                }
            }
            Segment::Drop => {
                input.skip(size as u64)?;
                outcome.removed += 1;
            }
        }
        marker = if marker == 0xDA { input.copy_scan(output)? } else { next_marker(&mut input)? };
    }
}

fn write_segment(output: &mut impl Write, marker: u8, body: &[u8]) -> Result<(), Error> {
    // Bodies come from segments of at most 65,533 bytes, or are built here.
    let length = u16::try_from(body.len() + 2).map_err(|_| Error::Malformed("a JPEG segment too long".into()))?;
    output.write_all(&[0xFF, marker])?;
    output.write_all(&length.to_be_bytes())?;
    output.write_all(body)?;
    Ok(())
}

/// An EXIF body holding nothing but IFD0 with one entry: Orientation.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    exif.extend_from_slice(&1u16.to_be_bytes()); // one entry
    exif.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    exif.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    exif.extend_from_slice(&1u32.to_be_bytes()); // one value
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0]); // value padding
    exif.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    exif
}

fn next_marker<R: Read + Seek>(input: &mut Source<R>) -> Result<u8, Error> {
    if input.byte()? != 0xFF {
        return malformed("expected a JPEG marker");
    }
    loop {
        match input.byte()? {
            0xFF => continue, // fill bytes
            marker => return Ok(marker),
        }
    }
}
