//! MP4 and QuickTime MOV (ISO base media file format): boxes outside the playback
//! structure become `free` boxes of the same size, in place, their payload zeroed — so
//! nothing is re-muxed and every offset into the media data stays valid.
//!
//! What goes: `udta` (QuickTime `©xyz` location, `loci`, the camera's make and model),
//! `meta` (Apple's `keys`/`ilst` with `com.apple.quicktime.location.ISO6709`), `uuid`
//! (XMP, with its GPS), and every box this walk does not know at the levels it visits.

use std::io::{Read, Seek, SeekFrom, Write};

use super::{malformed, Budget, Caps, Error, Outcome};

/// A level of the box tree this walk visits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    File,
    Movie,
    Track,
    Media,
    MediaInformation,
}

enum Action {
    Descend(Level),
    Keep,
    Neutralise,
}

fn action(level: Level, kind: &[u8; 4]) -> Action {
    use Action::*;
    match (level, kind) {
        (Level::File, b"moov") => Descend(Level::Movie),
        // Media data, fragments, indexes, padding, QuickTime's `wide`.
        (Level::File, b"ftyp" | b"mdat" | b"free" | b"skip" | b"wide" | b"moof" | b"mfra" | b"sidx" | b"ssix")
        | (Level::File, b"styp" | b"prft" | b"emsg" | b"pdin") => Keep,
        (Level::Movie, b"trak") => Descend(Level::Track),
        (Level::Movie, b"mvhd" | b"mvex" | b"iods" | b"ctab" | b"free" | b"skip" | b"wide") => Keep,
        (Level::Track, b"mdia") => Descend(Level::Media),
        // Header, edit list, references, QuickTime aperture/load/clipping/matte.
        (Level::Track, b"tkhd" | b"edts" | b"tref" | b"tapt" | b"load" | b"clip" | b"matt" | b"txas")
        | (Level::Track, b"free" | b"skip" | b"wide") => Keep,
        (Level::Media, b"minf") => Descend(Level::MediaInformation),
        (Level::Media, b"mdhd" | b"hdlr" | b"elng" | b"free" | b"skip") => Keep,
        // Media headers of every kind, data references, the sample tables.
        (Level::MediaInformation, b"vmhd" | b"smhd" | b"hmhd" | b"nmhd" | b"sthd" | b"gmhd" | b"dinf")
        | (Level::MediaInformation, b"stbl" | b"hdlr" | b"free" | b"skip") => Keep,
        _ => Neutralise,
    }
}

/// Cleans an MP4 or MOV in place. Returns how many boxes were neutralised.
pub fn isobmff<F: Read + Write + Seek>(file: &mut F, caps: &Caps) -> Result<Outcome, Error> {
    let length = file.seek(SeekFrom::End(0))?;
    let mut budget = Budget::new(caps, "MP4 boxes");
    let mut outcome = Outcome::default();
    // Open containers: their level and where each ends. Iterative, so nesting costs
    // no stack, and capped.
    let mut open: Vec<(Level, u64)> = vec![(Level::File, length)];
    let mut position = 0u64;
    while let Some(&(level, end)) = open.last() {
        if end - position < 8 {
            // Done with this container (QuickTime may end one with a 4-byte terminator).
            position = end;
            open.pop();
            continue;
        }
        budget.tick()?;
        file.seek(SeekFrom::Start(position))?;
        let mut header = [0u8; 8];
        file.read_exact(&mut header)?;
        let kind = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            0 => (end - position, 8), // to the end of its container
            1 => {
                if end - position < 16 {
                    return malformed("an MP4 box header runs past its container");
                }
                let mut large = [0u8; 8];
                file.read_exact(&mut large)?;
                (u64::from_be_bytes(large), 16)
            }
            size => (u64::from(size), 8),
        };
        if size < header_len || size > end - position {
            return malformed("an MP4 box runs past its container");
        }
        if level == Level::File
            && position == 0
            && !matches!(&kind, b"ftyp" | b"wide" | b"free" | b"skip" | b"mdat" | b"moov")
        {
            return malformed("an MP4 starts with its file-type box");
        }
        match action(level, &kind) {
            Action::Descend(child) => {
                if open.len() >= caps.max_depth {
                    return Err(Error::TooComplex("MP4 boxes nested deeper than any real file's".into()));
                }
                open.push((child, position + size));
                position += header_len;
            }
            Action::Keep => position += size,
            Action::Neutralise => {
                // The type becomes `free` and the payload zeros: the bytes are gone, not
                // merely hidden from readers that skip `free`.
                file.seek(SeekFrom::Start(position + 4))?;
                file.write_all(b"free")?;
                file.seek(SeekFrom::Start(position + header_len))?;
                zero(file, size - header_len)?;
                outcome.removed += 1;
                position += size;
            }
        }
    }
    Ok(outcome)
}

fn zero(file: &mut impl Write, mut n: u64) -> Result<(), Error> {
    let zeros = [0u8; 64 * 1024];
    while n > 0 {
        let step = n.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..step])?;
        n -= step as u64;
    }
    Ok(())
}
