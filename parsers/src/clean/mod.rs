//! Privacy clean-up of evidence files, for files from any client. Each format keeps only
//! what decoding and playback need (an allowlist), so metadata this code has never
//! heard of goes too:
//!
//! - JPEG ([`jpeg`]): the frame, tables and scans; JFIF without its thumbnail, an ICC
//!   profile, Adobe's colour transform; of EXIF only the Orientation, rewritten into a
//!   minimal segment; nothing after the end-of-image marker.
//! - PNG ([`png`]): the critical chunks, colour and transparency chunks, APNG's; nothing
//!   after `IEND`.
//! - WebP ([`webp`]): the image, alpha, animation and ICC chunks (inside animation
//!   frames too); the VP8X flags for dropped metadata cleared; nothing after the RIFF.
//! - MP4/MOV ([`isobmff`]): in place, without re-muxing — every box outside the
//!   playback structure (`udta`, `meta`, `uuid`, unknown ones) becomes `free` of the
//!   same size.
//!
//! Every walk is iterative, every offset checked against the real length, and the work
//! is capped by [`Caps`] (boxes or chunks per file, nesting depth) so a file over a cap
//! is refused the same way on an idle and a loaded machine. Reads are buffered and
//! never revisit bytes, so a clean-up costs at most one pass over the file.

mod isobmff;
mod jpeg;
mod png;
mod source;
mod webp;

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use aftercare_protocol::media::MediaType;

pub use isobmff::isobmff;
pub use jpeg::jpeg;
pub use png::png;
pub use webp::webp;

/// Why a file could not be cleaned.
#[derive(Debug)]
pub enum Error {
    /// Not a well-formed file of its type; the message says what is wrong.
    Malformed(String),
    /// Well-formed as far as read, but more work than any real file needs.
    TooComplex(String),
    /// Reading or writing failed for a reason that is not the file's.
    Io(io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Malformed(message) | Error::TooComplex(message) => f.write_str(message),
            Error::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            Error::Malformed("the file ends early".into())
        } else {
            Error::Io(error)
        }
    }
}

fn malformed<T>(message: &str) -> Result<T, Error> {
    Err(Error::Malformed(message.to_owned()))
}

/// Caps on the work one file may cost. Real files stay far below them: a phone's
/// 20-minute video has a few hundred boxes, a photo a few dozen segments or chunks.
#[derive(Clone, Debug)]
pub struct Caps {
    /// Boxes, chunks or segments walked in one file.
    pub max_items: u32,
    /// Containers open at once (MP4/MOV boxes, WebP animation frames).
    pub max_depth: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps { max_items: 100_000, max_depth: 16 }
    }
}

/// Counts walked items against [`Caps::max_items`].
struct Budget {
    left: u32,
    what: &'static str,
}

impl Budget {
    fn new(caps: &Caps, what: &'static str) -> Budget {
        Budget { left: caps.max_items, what }
    }

    fn tick(&mut self) -> Result<(), Error> {
        if self.left == 0 {
            return Err(Error::TooComplex(format!("the file has more {} than any real one", self.what)));
        }
        self.left -= 1;
        Ok(())
    }
}

/// What a clean-up found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The picture's stored width and height in pixels (photos), when its header says.
    pub pixels: Option<(u32, u32)>,
    /// Segments, chunks or boxes dropped or neutralised.
    pub removed: u32,
}

/// Cleans the completed upload at `spool` as `media_type`. Photos are rewritten into
/// `cleaned`; videos are fixed in place in `spool` (no copy). Returns what was found
/// and the file to store, synced to disk. WebM passes through unchanged.
pub fn clean_file(
    media_type: MediaType,
    spool: &Path,
    cleaned: &Path,
    caps: &Caps,
) -> Result<(Outcome, PathBuf), Error> {
    let photo = |clean: fn(File, &mut BufWriter<File>, &Caps) -> Result<Outcome, Error>| {
        let input = File::open(spool)?;
        let mut output = BufWriter::with_capacity(64 * 1024, File::create(cleaned)?);
        let outcome = clean(input, &mut output, caps)?;
        let file = output.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok((outcome, cleaned.to_owned()))
    };
    match media_type {
        MediaType::Jpeg => photo(jpeg),
        MediaType::Png => photo(png),
        MediaType::Webp => photo(webp),
        MediaType::Mp4 | MediaType::QuickTime => {
            let mut file = OpenOptions::new().read(true).write(true).open(spool)?;
            let outcome = isobmff(&mut file, caps)?;
            file.flush()?;
            file.sync_all()?;
            Ok((outcome, spool.to_owned()))
        }
        MediaType::Webm => Ok((Outcome::default(), spool.to_owned())),
    }
}

#[cfg(test)]
mod tests;
