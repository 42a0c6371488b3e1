//! Privacy clean-up of completed uploads, for files from any client: photos lose EXIF,
//! XMP and IPTC metadata (GPS and embedded thumbnails with them) and any bytes after
//! the image's end (where polyglots hide HTML or script); MP4/MOV location entries
//! (`©xyz`, `loci` in `udta`) become `free` boxes of the same length, in place.
//!
//! Everything streams through bounded buffers: no file is held whole in memory.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

fn read_u8(input: &mut impl Read) -> io::Result<u8> {
    let mut byte = [0u8; 1];
    input.read_exact(&mut byte)?;
    Ok(byte[0])
}

fn copy_exact(input: &mut impl Read, output: &mut impl Write, length: u64) -> io::Result<()> {
    let copied = io::copy(&mut input.take(length), output)?;
    if copied != length {
        return Err(invalid("truncated file"));
    }
    Ok(())
}

fn skip_exact(input: &mut impl Read, length: u64) -> io::Result<()> {
    copy_exact(input, &mut io::sink(), length)
}

/// JPEG: keeps the image and the segments that affect how it looks (JFIF, ICC colour
/// profile, Adobe); drops every other APPn (EXIF, XMP, IPTC/Photoshop, …) and comments;
/// stops at the end-of-image marker.
pub fn strip_jpeg(input: impl Read, output: impl Write) -> io::Result<()> {
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    if read_u8(&mut input)? != 0xFF || read_u8(&mut input)? != 0xD8 {
        return Err(invalid("not a JPEG"));
    }
    output.write_all(&[0xFF, 0xD8])?;
    let mut marker = next_marker(&mut input)?;
    loop {
        match marker {
            0xD9 => {
                output.write_all(&[0xFF, 0xD9])?;
                break;
            }
            0x01 | 0xD0..=0xD7 => {
                output.write_all(&[0xFF, marker])?;
                marker = next_marker(&mut input)?;
                continue;
            }
            _ => {}
        }
        let length = u16::from_be_bytes([read_u8(&mut input)?, read_u8(&mut input)?]);
        if length < 2 {
            return Err(invalid("bad JPEG segment length"));
        }
        let body = u64::from(length) - 2;
        let keep = match marker {
            0xE0 | 0xE2 | 0xEE => true,                // JFIF, ICC profile, Adobe colour transform
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false, // EXIF/XMP, other APPn, comments
            _ => true,
        };
        if keep {
            output.write_all(&[0xFF, marker])?;
            output.write_all(&length.to_be_bytes())?;
            copy_exact(&mut input, &mut output, body)?;
        } else {
            skip_exact(&mut input, body)?;
        }
        if marker == 0xDA {
            // Start of scan: entropy-coded data runs to the next real marker.
            marker = copy_scan(&mut input, &mut output)?;
        } else {
            marker = next_marker(&mut input)?;
        }
    }
    output.flush()
}

fn next_marker(input: &mut impl BufRead) -> io::Result<u8> {
    if read_u8(input)? != 0xFF {
        return Err(invalid("expected a JPEG marker"));
    }
    loop {
        match read_u8(input)? {
            0xFF => continue, // fill bytes
            marker => return Ok(marker),
        }
    }
}

/// Copies entropy-coded bytes (with `FF 00` stuffing and restart markers) and returns
/// the marker that ends the scan.
fn copy_scan(input: &mut impl BufRead, output: &mut impl Write) -> io::Result<u8> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Err(invalid("truncated JPEG scan"));
        }
        match buffer.iter().position(|&b| b == 0xFF) {
            None => {
                let n = buffer.len();
                output.write_all(buffer)?;
                input.consume(n);
            }
            Some(at) => {
                output.write_all(&buffer[..at])?;
                input.consume(at + 1);
                let mut next = read_u8(input)?;
                while next == 0xFF {
                    next = read_u8(input)?;
                }
                match next {
                    0x00 | 0xD0..=0xD7 => output.write_all(&[0xFF, next])?,
                    marker => return Ok(marker),
                }
            }
        }
    }
}

/// PNG: drops text and EXIF chunks (`tEXt`, `zTXt`, `iTXt`, `eXIf`, `tIME`) and
/// everything after `IEND`.
pub fn strip_png(input: impl Read, output: impl Write) -> io::Result<()> {
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    let mut signature = [0u8; 8];
    input.read_exact(&mut signature)?;
    if &signature != b"\x89PNG\r\n\x1a\n" {
        return Err(invalid("not a PNG"));
    }
    output.write_all(&signature)?;
    loop {
        let mut header = [0u8; 8];
        input.read_exact(&mut header)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        let drop = matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME");
        let rest = u64::from(length) + 4; // data and CRC
        if drop {
            skip_exact(&mut input, rest)?;
        } else {
            output.write_all(&header)?;
            copy_exact(&mut input, &mut output, rest)?;
        }
        if &kind == b"IEND" {
            break;
        }
    }
    output.flush()
}

/// WebP: drops the `EXIF` and `XMP ` chunks, clears their flags in `VP8X`, fixes the
/// RIFF size, and drops anything after the RIFF container.
pub fn strip_webp<R: Read + Seek>(mut input: R, output: impl Write) -> io::Result<()> {
    let mut header = [0u8; 12];
    input.read_exact(&mut header)?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return Err(invalid("not a WebP"));
    }
    let riff_end = 8 + u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
    // First pass: which chunks stay, and how long the result is.
    let mut kept = Vec::new();
    let mut position = 12u64;
    while position + 8 <= riff_end {
        input.seek(SeekFrom::Start(position))?;
        let mut chunk = [0u8; 8];
        input.read_exact(&mut chunk)?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        let padded = size + (size & 1);
        if position + 8 + padded > riff_end + 1 {
            return Err(invalid("WebP chunk runs past the container"));
        }
        let kind = [chunk[0], chunk[1], chunk[2], chunk[3]];
        if !matches!(&kind, b"EXIF" | b"XMP ") {
            kept.push((position, kind, padded));
        }
        position += 8 + padded;
    }
    let body: u64 = kept.iter().map(|(_, _, padded)| 8 + padded).sum();
    let mut output = BufWriter::new(output);
    output.write_all(b"RIFF")?;
    output.write_all(&u32::try_from(4 + body).map_err(|_| invalid("WebP too large"))?.to_le_bytes())?;
    output.write_all(b"WEBP")?;
    for (position, kind, padded) in kept {
        input.seek(SeekFrom::Start(position))?;
        if &kind == b"VP8X" {
            let mut chunk = vec![0u8; usize::try_from(8 + padded).map_err(|_| invalid("bad VP8X"))?];
            input.read_exact(&mut chunk)?;
            if chunk.len() > 8 {
                chunk[8] &= !(0x08 | 0x04); // EXIF and XMP present flags
            }
            output.write_all(&chunk)?;
        } else {
            copy_exact(&mut input, &mut output, 8 + padded)?;
        }
    }
    output.flush()
}

/// MP4/MOV: turns location boxes (`©xyz`, `loci`) inside `moov/udta` and
/// `moov/trak/udta` into `free` boxes of the same size, in place. Returns how many
/// it neutralised.
pub fn neutralize_mp4_location<F: Read + Write + Seek>(file: &mut F) -> io::Result<usize> {
    let end = file.seek(SeekFrom::End(0))?;
    neutralize_in(file, 0, end, 0)
}

const CONTAINERS: [&[u8; 4]; 3] = [b"moov", b"trak", b"udta"];

fn neutralize_in<F: Read + Write + Seek>(file: &mut F, start: u64, end: u64, depth: u8) -> io::Result<usize> {
    let mut neutralised = 0;
    let mut position = start;
    while position + 8 <= end {
        file.seek(SeekFrom::Start(position))?;
        let mut header = [0u8; 8];
        file.read_exact(&mut header)?;
        let kind = [header[4], header[5], header[6], header[7]];
        let mut size = u64::from(u32::from_be_bytes([header[0], header[1], header[2], header[3]]));
        let mut header_len = 8;
        if size == 1 {
            let mut large = [0u8; 8];
            file.read_exact(&mut large)?;
            size = u64::from_be_bytes(large);
            header_len = 16;
        } else if size == 0 {
            size = end - position;
        }
        if size < header_len || position + size > end {
            return Err(invalid("MP4 box runs past its parent"));
        }
        let inside_udta = depth > 0;
        if inside_udta && (&kind == b"\xA9xyz" || &kind == b"loci") {
            file.seek(SeekFrom::Start(position + 4))?;
            file.write_all(b"free")?;
            neutralised += 1;
        } else if CONTAINERS.contains(&&kind) && depth < 4 {
            let child_depth = if &kind == b"udta" { depth.max(1) } else { depth };
            neutralised += neutralize_in(file, position + header_len, position + size, child_depth)?;
        }
        position += size;
    }
    Ok(neutralised)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn exif_with_gps() -> Vec<u8> {
        // APP1 "Exif\0\0" + a tiny TIFF header naming a GPS IFD (tag 0x8825).
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0".to_vec();
        tiff.extend_from_slice(b"GPS 31.2304N 121.4737E");
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend(tiff);
        segment
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, marker];
        bytes.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    pub(crate) fn jpeg_fixture() -> Vec<u8> {
        let mut pixels = Vec::new();
        for y in 0..16u8 {
            for x in 0..16u8 {
                pixels.extend_from_slice(&[x * 16, y * 16, 128]);
            }
        }
        let mut plain = Vec::new();
        jpeg_encoder::Encoder::new(&mut plain, 90).encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb).unwrap();
        // Insert EXIF (with GPS), XMP and a comment after SOI, and a polyglot tail.
        let mut bytes = plain[..2].to_vec();
        bytes.extend(segment(0xE1, &exif_with_gps()));
        bytes.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>"));
        bytes.extend(segment(0xED, b"Photoshop 3.0\0IPTC city"));
        bytes.extend(segment(0xFE, b"a comment"));
        bytes.extend_from_slice(&plain[2..]);
        bytes.extend_from_slice(b"<html><script>alert(1)</script></html>");
        bytes
    }

    #[test]
    fn jpeg_loses_metadata_and_trailing_bytes_and_still_decodes() {
        let original = jpeg_fixture();
        let mut cleaned = Vec::new();
        strip_jpeg(Cursor::new(&original), &mut cleaned).unwrap();
        let contains = |needle: &[u8]| cleaned.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(b"Exif\0\0") && !contains(b"GPS") && !contains(b"xmpmeta") && !contains(b"IPTC"));
        assert!(!contains(b"<script>"));
        assert!(cleaned.ends_with(&[0xFF, 0xD9]));
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(&cleaned));
        let pixels = decoder.decode().unwrap();
        assert_eq!(pixels.len(), 16 * 16 * 3);
        let mut reference = jpeg_decoder::Decoder::new(Cursor::new(&original));
        assert_eq!(reference.decode().unwrap(), pixels, "the image itself is untouched");
        assert!(strip_jpeg(Cursor::new(b"not a jpeg".to_vec()), io::sink()).is_err());
        assert!(strip_jpeg(Cursor::new(original[..original.len() / 2].to_vec()), io::sink()).is_err());
    }

    fn png_fixture() -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut bytes, 4, 4);
            encoder.set_color(png::ColorType::Rgb);
            encoder.add_text_chunk("Comment".into(), "GPS 31.2304N".into()).unwrap();
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[200u8; 4 * 4 * 3]).unwrap();
        }
        bytes.extend_from_slice(b"<html>polyglot</html>");
        bytes
    }

    #[test]
    fn png_loses_text_and_trailing_bytes_and_still_decodes() {
        let original = png_fixture();
        assert!(original.windows(3).any(|w| w == b"GPS"));
        let mut cleaned = Vec::new();
        strip_png(Cursor::new(&original), &mut cleaned).unwrap();
        assert!(!cleaned.windows(3).any(|w| w == b"GPS"));
        assert!(!cleaned.windows(6).any(|w| w == b"<html>"));
        let decoder = png::Decoder::new(Cursor::new(&cleaned));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buffer).unwrap();
        assert!(buffer.iter().all(|&b| b == 200));
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut bytes = kind.to_vec();
        bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
        bytes.extend_from_slice(data);
        if data.len() % 2 == 1 {
            bytes.push(0);
        }
        bytes
    }

    #[test]
    fn webp_loses_exif_and_xmp() {
        let vp8x = [0x0C, 0, 0, 0, 3, 0, 0, 3, 0, 0]; // EXIF + XMP flags, 4x4
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &vp8x));
        body.extend(chunk(b"VP8L", b"\x2f\x03\xc0\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00"));
        body.extend(chunk(b"EXIF", b"MM\0\x2aGPS data"));
        body.extend(chunk(b"XMP ", b"<x:xmpmeta>GPS</x:xmpmeta>"));
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&(body.len() as u32).to_le_bytes());
        file.extend(body);
        file.extend_from_slice(b"<script>trailing</script>");
        let mut cleaned = Vec::new();
        strip_webp(Cursor::new(&file), &mut cleaned).unwrap();
        assert!(!cleaned.windows(3).any(|w| w == b"GPS"));
        assert!(!cleaned.windows(8).any(|w| w == b"<script>"));
        assert_eq!(u32::from_le_bytes(cleaned[4..8].try_into().unwrap()) as usize, cleaned.len() - 8);
        assert_eq!(cleaned[20] & 0x0C, 0, "VP8X flags cleared");
        assert!(cleaned.windows(4).any(|w| w == b"VP8L"));
    }

    fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut bytes = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(kind);
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn mp4_location_boxes_become_free_in_place() {
        let location = mp4_box(b"\xA9xyz", b"\0\x12\x15\xc7+31.2304+121.4737/");
        let loci = mp4_box(b"loci", b"\0\0\0\0\x15\xc7Shanghai\0");
        let title = mp4_box(b"\xA9nam", b"holiday");
        let udta = mp4_box(b"udta", &[location.clone(), loci, title].concat());
        let trak = mp4_box(b"trak", &[mp4_box(b"tkhd", &[0; 16]), mp4_box(b"udta", &location)].concat());
        let moov = mp4_box(b"moov", &[mp4_box(b"mvhd", &[0; 20]), trak, udta].concat());
        // A location-looking payload in mdat must not be touched.
        let mdat = mp4_box(b"mdat", b"\xA9xyz in the media data");
        let original = [mp4_box(b"ftyp", b"isom\0\0\0\0isom"), moov, mdat].concat();
        let mut file = Cursor::new(original.clone());
        assert_eq!(neutralize_mp4_location(&mut file).unwrap(), 3);
        let cleaned = file.into_inner();
        assert_eq!(cleaned.len(), original.len(), "size unchanged: no re-mux");
        let count = |needle: &[u8]| cleaned.windows(needle.len()).filter(|w| *w == needle).count();
        assert_eq!(count(b"\xA9xyz"), 1, "only the mdat bytes remain");
        assert_eq!(count(b"loci"), 0);
        assert_eq!(count(b"\xA9nam"), 1, "other metadata stays");
        assert!(count(b"free") >= 3);
        // Only the box types changed.
        let changed = original.iter().zip(&cleaned).filter(|(a, b)| a != b).count();
        assert!(changed <= 12, "{changed} bytes changed");
        assert!(neutralize_mp4_location(&mut Cursor::new(mp4_box(b"moov", b"\0\0\0\xFFudta"))).is_err());
    }
}
