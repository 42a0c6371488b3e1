//! PNG: chunks by allowlist.

use std::io::{Read, Seek, Write};

use super::source::Source;
use super::{malformed, Budget, Caps, Error, Outcome};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The chunks decoding needs (critical ones; colour, gamma, transparency, density;
/// APNG's animation). Text (`tEXt`, `zTXt`, `iTXt`), EXIF (`eXIf`, the pre-standard
/// `exIf`), `tIME`, private chunks and anything unknown are dropped.
const KEEP: [&[u8; 4]; 18] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCv",
    b"cLLi", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

/// Cleans a PNG from `input` into `output`; stops after `IEND`.
pub fn png<R: Read + Seek>(input: R, output: &mut impl Write, caps: &Caps) -> Result<Outcome, Error> {
    let mut input = Source::new(input)?;
    if input.length() < 8 || &input.array::<8>()? != SIGNATURE {
        return malformed("not a PNG");
    }
    output.write_all(SIGNATURE)?;
    let mut budget = Budget::new(caps, "PNG chunks");
    let mut outcome = Outcome::default();
    let mut ihdr = Vec::new();
    loop {
        budget.tick()?;
        let header: [u8; 8] = input.array()?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        if length > 0x7FFF_FFFF {
            return malformed("a PNG chunk longer than the format allows");
        }
        let rest = u64::from(length) + 4; // data and CRC
        if outcome.pixels.is_none() {
            if &kind != b"IHDR" || length != 13 {
                return malformed("a PNG must start with a 13-byte IHDR");
            }
            input.read_into(&mut ihdr, 17)?;
            let width = u32::from_be_bytes([ihdr[0], ihdr[1], ihdr[2], ihdr[3]]);
            let height = u32::from_be_bytes([ihdr[4], ihdr[5], ihdr[6], ihdr[7]]);
            outcome.pixels = Some((width, height));
            output.write_all(&header)?;
            output.write_all(&ihdr)?;
            continue;
        }
        if KEEP.contains(&&kind) {
            output.write_all(&header)?;
            input.copy(output, rest)?;
        } else {
            input.skip(rest)?;
            outcome.removed += 1;
        }
        if &kind == b"IEND" {
            return Ok(outcome);
        }
    }
}
