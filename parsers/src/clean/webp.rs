//! WebP: RIFF chunks by allowlist, in one pass; sizes patched afterwards.

use std::io::{Read, Seek, SeekFrom, Write};

use super::source::Source;
use super::{malformed, Budget, Caps, Error, Outcome};

/// Top-level chunks decoding needs. `EXIF`, `XMP ` and anything unknown are dropped.
const KEEP: [&[u8; 4]; 6] = [b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ICCP"];
/// Inside an animation frame (`ANMF`): the frame's image and alpha.
const FRAME_KEEP: [&[u8; 4]; 3] = [b"VP8 ", b"VP8L", b"ALPH"];
/// VP8X flags for the EXIF and XMP chunks, cleared since those chunks are gone.
const METADATA_FLAGS: u8 = 0x08 | 0x04;

/// Cleans a WebP from `input` into `output` (which must be seekable: the RIFF and frame
/// sizes are written once known); drops anything after the RIFF container.
pub fn webp<R: Read + Seek, W: Write + Seek>(input: R, output: &mut W, caps: &Caps) -> Result<Outcome, Error> {
    let mut input = Source::new(input)?;
    if input.length() < 12 {
        return malformed("not a WebP");
    }
    let header: [u8; 12] = input.array()?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return malformed("not a WebP");
    }
    let riff_end = 8 + u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
    if riff_end > input.length() {
        return malformed("the RIFF size runs past the end of the file");
    }
    let mut output = Counted::new(output)?;
    output.write(b"RIFF\0\0\0\0WEBP")?;
    let mut budget = Budget::new(caps, "WebP chunks");
    let mut outcome = Outcome::default();
    let mut small = Vec::new();
    while input.position() + 8 <= riff_end {
        budget.tick()?;
        let (kind, size, padded) = chunk_header(&mut input, riff_end)?;
        if !KEEP.contains(&&kind) && &kind != b"ANMF" {
            input.skip(padded.min(riff_end - input.position()))?;
            outcome.removed += 1;
            continue;
        }
        match &kind {
            b"VP8X" => {
                if size != 10 {
                    return malformed("a VP8X chunk is 10 bytes");
                }
                input.read_into(&mut small, 10)?;
                small[0] &= !METADATA_FLAGS;
                let le24 = |at: usize| u32::from_le_bytes([small[at], small[at + 1], small[at + 2], 0]) + 1;
                outcome.pixels = Some((le24(4), le24(7)));
                output.write(&kind)?;
                output.write(&size.to_le_bytes())?;
                output.write(&small)?;
            }
            b"ANMF" => {
                frame(&mut input, &mut output, &mut budget, &mut outcome, size)?;
                continue;
            }
            _ => {
                output.write(&kind)?;
                output.write(&size.to_le_bytes())?;
                if outcome.pixels.is_none() && (&kind == b"VP8 " || &kind == b"VP8L") {
                    let head = usize::try_from(size.min(10)).unwrap_or(10);
                    input.read_into(&mut small, head)?;
                    outcome.pixels = bitstream_size(&kind, &small);
                    output.write(&small)?;
                    output.copy_from(&mut input, u64::from(size) - head as u64)?;
                } else {
                    output.copy_from(&mut input, u64::from(size))?;
                }
            }
        }
        pad(&mut input, &mut output, size, riff_end)?;
    }
    let body = output.written - 8;
    output.patch(4, body)?;
    Ok(outcome)
}

/// Reads a chunk header: its type, its size, and its size with the padding byte.
/// The chunk must fit its container (a missing final padding byte is tolerated).
fn chunk_header<R: Read + Seek>(input: &mut Source<R>, end: u64) -> Result<([u8; 4], u32, u64), Error> {
    let header: [u8; 8] = input.array()?;
    let kind = [header[0], header[1], header[2], header[3]];
    let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let padded = u64::from(size) + u64::from(size & 1);
    if input.position() + u64::from(size) > end {
        return malformed("a WebP chunk runs past its container");
    }
    Ok((kind, size, padded))
}

/// Writes the padding byte of an odd-sized chunk, consuming the input's if it is there.
fn pad<R: Read + Seek, W: Write + Seek>(
    input: &mut Source<R>,
    output: &mut Counted<'_, W>,
    size: u32,
    end: u64,
) -> Result<(), Error> {
    if size & 1 == 1 {
        if input.position() < end {
            input.skip(1)?;
        }
        output.write(&[0])?;
    }
    Ok(())
}

/// An animation frame: its 16-byte header, then the image chunks it holds.
fn frame<R: Read + Seek, W: Write + Seek>(
    input: &mut Source<R>,
    output: &mut Counted<'_, W>,
    budget: &mut Budget,
    outcome: &mut Outcome,
    size: u32,
) -> Result<(), Error> {
    if size < 16 {
        return malformed("an ANMF chunk shorter than its header");
    }
    let frame_end = input.position() + u64::from(size);
    let size_at = output.written + 4;
    output.write(b"ANMF\0\0\0\0")?;
    let start = output.written;
    output.copy_from(input, 16)?;
    while input.position() + 8 <= frame_end {
        budget.tick()?;
        let (kind, size, padded) = chunk_header(input, frame_end)?;
        if FRAME_KEEP.contains(&&kind) {
            output.write(&kind)?;
            output.write(&size.to_le_bytes())?;
            output.copy_from(input, u64::from(size))?;
            pad(input, output, size, frame_end)?;
        } else {
            input.skip(padded.min(frame_end - input.position()))?;
            outcome.removed += 1;
        }
    }
    // Leftover bytes too short for a chunk header.
    input.skip(frame_end - input.position())?;
    let frame_size = output.written - start;
    output.patch(size_at, frame_size)?;
    if size & 1 == 1 {
        // The frame's own padding byte in the input; ours is never needed (chunks inside are padded).
        input.skip(1.min(input.remaining()))?;
    }
    Ok(())
}

fn bitstream_size(kind: &[u8; 4], head: &[u8]) -> Option<(u32, u32)> {
    match kind {
        // Frame tag (3 bytes), start code (3), then 14-bit width and height.
        b"VP8 " if head.len() >= 10 => Some((
            u32::from(u16::from_le_bytes([head[6], head[7]]) & 0x3FFF),
            u32::from(u16::from_le_bytes([head[8], head[9]]) & 0x3FFF),
        )),
        // Signature 0x2F, then (w - 1) and (h - 1) in 14 bits each.
        b"VP8L" if head.len() >= 5 => {
            let bits = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

/// The output, with how much was written to it, so sizes can be patched in later.
struct Counted<'a, W> {
    inner: &'a mut W,
    base: u64,
    written: u64,
}

impl<'a, W: Write + Seek> Counted<'a, W> {
    fn new(inner: &'a mut W) -> Result<Self, Error> {
        let base = inner.stream_position()?;
        Ok(Counted { inner, base, written: 0 })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.inner.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Copies `n` bytes from `input`.
    fn copy_from<R: Read + Seek>(&mut self, input: &mut Source<R>, n: u64) -> Result<(), Error> {
        input.copy(self.inner, n)?;
        self.written += n;
        Ok(())
    }

    /// Writes `value` as a little-endian u32 at `at` (relative to the start).
    fn patch(&mut self, at: u64, value: u64) -> Result<(), Error> {
        let value = u32::try_from(value).map_err(|_| Error::Malformed("a WebP larger than RIFF allows".into()))?;
        self.inner.seek(SeekFrom::Start(self.base + at))?;
        self.inner.write_all(&value.to_le_bytes())?;
        self.inner.seek(SeekFrom::Start(self.base + self.written))?;
        Ok(())
    }
}
