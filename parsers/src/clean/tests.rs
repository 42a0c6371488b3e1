use std::io::Cursor;
use std::time::Instant;

use super::*;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

fn caps() -> Caps {
    Caps::default()
}

// ---- JPEG ----

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xFF, marker];
    bytes.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// EXIF with Orientation 6 and a GPS IFD pointer, then GPS text.
fn exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x02".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x26]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPS 31.2304N 121.4737E");
    [b"Exif\0\0".as_slice(), &tiff].concat()
}

fn plain_jpeg() -> Vec<u8> {
    let mut pixels = Vec::new();
    for y in 0..16u8 {
        for x in 0..16u8 {
            pixels.extend_from_slice(&[x * 16, y * 16, 128]);
        }
    }
    let mut plain = Vec::new();
    jpeg_encoder::Encoder::new(&mut plain, 90).encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb).unwrap();
    plain
}

fn jpeg_fixture(orientation: u16) -> Vec<u8> {
    let plain = plain_jpeg();
    // JFIF with a 1×1 thumbnail, EXIF (with GPS), XMP, IPTC, a comment, MPF, an ICC
    // profile; then the image and a polyglot tail.
    let mut jfif = b"JFIF\0\x01\x02\0\0\x48\0\x48\x01\x01".to_vec();
    jfif.extend_from_slice(&[1, 2, 3]);
    let mut bytes = plain[..2].to_vec();
    bytes.extend(segment(0xE0, &jfif));
    bytes.extend(segment(0xE1, &exif(orientation)));
    bytes.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>"));
    bytes.extend(segment(0xED, b"Photoshop 3.0\0IPTC city"));
    bytes.extend(segment(0xFE, b"a comment"));
    bytes.extend(segment(0xE2, b"MPF\0GPS of the second picture"));
    bytes.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
    bytes.extend_from_slice(&plain[2..]);
    bytes.extend_from_slice(b"<html><script>alert(1)</script></html>");
    bytes
}

fn clean_jpeg(bytes: &[u8]) -> Result<(Outcome, Vec<u8>), Error> {
    let mut out = Vec::new();
    let outcome = jpeg(Cursor::new(bytes), &mut out, &caps())?;
    Ok((outcome, out))
}

#[test]
fn jpeg_keeps_the_image_and_orientation_only() {
    let original = jpeg_fixture(6);
    let (outcome, cleaned) = clean_jpeg(&original).unwrap();
    for needle in [&b"GPS"[..], b"xmpmeta", b"IPTC", b"a comment", b"MPF", b"<script>"] {
        assert!(!contains(&cleaned, needle), "{}", String::from_utf8_lossy(needle));
    }
    assert!(contains(&cleaned, b"ICC_PROFILE\0"), "the colour profile stays");
    assert!(contains(&cleaned, b"JFIF\0"), "JFIF stays");
    assert!(cleaned.ends_with(&[0xFF, 0xD9]));
    assert_eq!(outcome.pixels, Some((16, 16)));
    // Orientation survives in a minimal EXIF segment, readable by the widget's reader.
    let at = cleaned.windows(6).position(|w| w == b"Exif\0\0").expect("an orientation segment");
    assert_eq!(aftercare_protocol::picture::exif_orientation(&cleaned[at + 6..]), Some(6));
    assert_eq!(aftercare_protocol::picture::upright_size(&cleaned), Some((16, 16)));
    let decoded = jpeg_decoder::Decoder::new(Cursor::new(&cleaned)).decode().unwrap();
    let reference = jpeg_decoder::Decoder::new(Cursor::new(&original)).decode().unwrap();
    assert_eq!(decoded, reference, "the image itself is untouched");
    // Orientation 1 needs no segment.
    let (_, upright) = clean_jpeg(&jpeg_fixture(1)).unwrap();
    assert!(!contains(&upright, b"Exif"));
}

#[test]
fn jpeg_refusals() {
    let original = jpeg_fixture(1);
    assert!(matches!(clean_jpeg(b"not a jpeg"), Err(Error::Malformed(_))));
    assert!(matches!(clean_jpeg(&original[..original.len() / 2]), Err(Error::Malformed(_))));
    // A segment length past the end of the file.
    assert!(matches!(clean_jpeg(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0]), Err(Error::Malformed(_))));
    // Thousands of empty comments: over the cap, refused at once.
    let mut many = vec![0xFF, 0xD8];
    for _ in 0..200_000 {
        many.extend(segment(0xFE, b""));
    }
    assert!(matches!(clean_jpeg(&many), Err(Error::TooComplex(_))));
}

// ---- PNG ----

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut bytes = (data.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(kind);
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(&[0; 4]); // CRC (not checked here)
    bytes
}

fn png_fixture() -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut bytes, 4, 4);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.add_text_chunk("Comment".into(), "GPS 31.2304N".into()).unwrap();
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[200u8; 4 * 4 * 3]).unwrap();
    }
    // Pre-standard exIf, standard eXIf and a private chunk, before IEND; a tail after.
    let iend = bytes.len() - 12;
    let extra = [
        png_chunk(b"exIf", b"MM\0\x2aGPS pre-standard"),
        png_chunk(b"eXIf", b"MM\0\x2aGPS standard"),
        png_chunk(b"prVt", b"GPS private"),
    ]
    .concat();
    bytes.splice(iend..iend, extra);
    bytes.extend_from_slice(b"<html>polyglot</html>");
    bytes
}

#[test]
fn png_keeps_only_what_decoding_needs() {
    let original = png_fixture();
    assert_eq!(count(&original, b"GPS"), 4);
    let mut cleaned = Vec::new();
    let outcome = png(Cursor::new(&original), &mut cleaned, &caps()).unwrap();
    assert!(!contains(&cleaned, b"GPS") && !contains(&cleaned, b"<html>"));
    assert_eq!(outcome.pixels, Some((4, 4)));
    assert_eq!(outcome.removed, 4);
    let mut reader = ::png::Decoder::new(Cursor::new(&cleaned)).read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buffer).unwrap();
    assert!(buffer.iter().all(|&b| b == 200));
}

#[test]
fn png_refusals() {
    let sig = b"\x89PNG\r\n\x1a\n".to_vec();
    let run = |bytes: &[u8]| png(Cursor::new(bytes), &mut Vec::new(), &caps());
    assert!(matches!(run(b"GIF89a"), Err(Error::Malformed(_))));
    // A chunk claiming 4 GiB.
    let mut huge = sig.clone();
    huge.extend(png_chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0]));
    huge.extend_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
    huge.extend_from_slice(b"IDAT");
    assert!(matches!(run(&huge), Err(Error::Malformed(_))));
    // No IHDR first.
    let mut headless = sig.clone();
    headless.extend(png_chunk(b"IDAT", b""));
    assert!(matches!(run(&headless), Err(Error::Malformed(_))));
    // Millions of empty chunks: over the cap.
    let mut many = sig;
    many.extend(png_chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0]));
    for _ in 0..150_000 {
        many.extend(png_chunk(b"tEXt", b""));
    }
    assert!(matches!(run(&many), Err(Error::TooComplex(_))));
}

// ---- WebP ----

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut bytes = kind.to_vec();
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(data);
    if data.len() % 2 == 1 {
        bytes.push(0);
    }
    bytes
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body = [b"WEBP".to_vec(), chunks.concat()].concat();
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend(body);
    file
}

const VP8L: &[u8] = b"\x2f\x03\xc0\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00";

fn clean_webp(bytes: &[u8]) -> Result<(Outcome, Vec<u8>), Error> {
    let mut out = Cursor::new(Vec::new());
    let outcome = webp(Cursor::new(bytes), &mut out, &caps())?;
    Ok((outcome, out.into_inner()))
}

#[test]
fn webp_keeps_the_image_and_clears_the_flags() {
    let vp8x = [0x0C, 0, 0, 0, 3, 0, 0, 3, 0, 0]; // EXIF + XMP flags, 4×4
    let mut file = riff(&[
        riff_chunk(b"VP8X", &vp8x),
        riff_chunk(b"VP8L", VP8L),
        riff_chunk(b"EXIF", b"MM\0\x2aGPS data"),
        riff_chunk(b"XMP ", b"<x:xmpmeta>GPS</x:xmpmeta>"),
        riff_chunk(b"zzzz", b"GPS unknown"),
    ]);
    file.extend_from_slice(b"<script>trailing</script>");
    let (outcome, cleaned) = clean_webp(&file).unwrap();
    assert!(!contains(&cleaned, b"GPS") && !contains(&cleaned, b"<script>"));
    assert_eq!(u32::from_le_bytes(cleaned[4..8].try_into().unwrap()) as usize, cleaned.len() - 8);
    assert_eq!(cleaned[20] & 0x0C, 0, "VP8X flags cleared");
    assert!(contains(&cleaned, VP8L));
    assert_eq!(outcome.pixels, Some((4, 4)));
    assert_eq!(outcome.removed, 3);
}

#[test]
fn webp_animation_frames_lose_unknown_chunks() {
    let mut frame = vec![0u8; 16];
    frame.extend(riff_chunk(b"VP8L", VP8L));
    frame.extend(riff_chunk(b"meta", b"GPS in a frame!"));
    let file = riff(&[
        riff_chunk(b"VP8X", &[0x02, 0, 0, 0, 3, 0, 0, 3, 0, 0]),
        riff_chunk(b"ANIM", &[0; 6]),
        riff_chunk(b"ANMF", &frame),
        riff_chunk(b"ANMF", &frame),
    ]);
    let (_, cleaned) = clean_webp(&file).unwrap();
    assert!(!contains(&cleaned, b"GPS"));
    assert_eq!(count(&cleaned, VP8L), 2);
    // Each frame's size is what it now holds: 16 + the VP8L chunk.
    let at = cleaned.windows(4).position(|w| w == b"ANMF").unwrap();
    let size = u32::from_le_bytes(cleaned[at + 4..at + 8].try_into().unwrap()) as usize;
    assert_eq!(size, 16 + 8 + VP8L.len());
    assert_eq!(u32::from_le_bytes(cleaned[4..8].try_into().unwrap()) as usize, cleaned.len() - 8);
}

#[test]
fn webp_refusals_cost_nothing() {
    // 30 bytes whose VP8X claims 4 GiB: refused without allocating.
    let mut lying = b"RIFF\x16\0\0\0WEBPVP8X".to_vec();
    lying.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    lying.extend_from_slice(&[0; 10]);
    assert_eq!(lying.len(), 30);
    assert!(matches!(clean_webp(&lying), Err(Error::Malformed(_))));
    // A RIFF size past the end of the file.
    assert!(matches!(clean_webp(b"RIFF\xff\xff\xff\x7fWEBP"), Err(Error::Malformed(_))));
    // 20 MiB of empty chunks: refused by the cap, quickly.
    let chunks = 20 * 1024 * 1024 / 8;
    let mut body = b"WEBP".to_vec();
    body.reserve(chunks * 8);
    for _ in 0..chunks {
        body.extend_from_slice(b"zzzz\0\0\0\0");
    }
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend(body);
    let started = Instant::now();
    assert!(matches!(clean_webp(&file), Err(Error::TooComplex(_))));
    // Not what decides (the cap does); a guard against a walk that became quadratic.
    assert!(started.elapsed().as_secs() < 20);
}

// ---- MP4 / MOV ----

fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(kind);
    bytes.extend_from_slice(payload);
    bytes
}

fn full_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    mp4_box(kind, &[&[0, 0, 0, 0], payload].concat())
}

/// An iPhone-style MOV: location in `moov/meta` (keys + ilst), in `moov/udta/©xyz`, in
/// `moov/udta/meta/ilst/©xyz`, in a track's `udta`, and XMP GPS in a top-level `uuid`.
fn located_mov() -> Vec<u8> {
    let keys = full_box(
        b"keys",
        &[&1u32.to_be_bytes()[..], &mp4_box(b"mdta", b"com.apple.quicktime.location.ISO6709")].concat(),
    );
    let ilst = mp4_box(b"ilst", &mp4_box(b"\0\0\0\x01", &mp4_box(b"data", b"\0\0\0\x01\0\0\0\0+31.2304+121.4737/")));
    let meta = full_box(b"meta", &[full_box(b"hdlr", b"\0\0\0\0mdta\0\0\0\0\0\0\0\0\0\0\0\0\0"), keys, ilst].concat());
    let xyz = mp4_box(b"\xA9xyz", b"\0\x12\x15\xc7+31.2304+121.4737/");
    let udta_meta = full_box(b"meta", &mp4_box(b"ilst", &mp4_box(b"\xA9xyz", b"+31.2304+121.4737/")));
    let udta = mp4_box(b"udta", &[xyz.clone(), mp4_box(b"\xA9mak", b"Apple"), udta_meta].concat());
    let stbl = mp4_box(b"stbl", &mp4_box(b"stsd", &[0; 8]));
    let minf = mp4_box(b"minf", &[full_box(b"vmhd", &[0; 8]), stbl].concat());
    let mdia = mp4_box(b"mdia", &[full_box(b"mdhd", &[0; 20]), full_box(b"hdlr", &[0; 20]), minf].concat());
    let trak = mp4_box(b"trak", &[full_box(b"tkhd", &[0; 80]), mdia, mp4_box(b"udta", &xyz)].concat());
    let moov = mp4_box(b"moov", &[full_box(b"mvhd", &[0; 96]), trak, meta, udta].concat());
    let uuid = mp4_box(
        b"uuid",
        &[
            &[0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC][..],
            b"<x:xmpmeta>exif:GPSLatitude 31,13.82N</x:xmpmeta>",
        ]
        .concat(),
    );
    let mdat = mp4_box(b"mdat", b"\xA9xyz +31.2304 in the media data");
    [mp4_box(b"ftyp", b"qt  \0\0\0\0qt  "), mp4_box(b"wide", b""), mdat, moov, uuid].concat()
}

#[test]
fn mov_loses_every_location_layout_in_place() {
    let original = located_mov();
    let mut file = Cursor::new(original.clone());
    let outcome = isobmff(&mut file, &caps()).unwrap();
    let cleaned = file.into_inner();
    assert_eq!(cleaned.len(), original.len(), "size unchanged: no re-mux");
    // Only the media data keeps its bytes: the neutralised boxes are zeroed.
    assert_eq!(count(&cleaned, b"+31.2304"), 1);
    assert!(!contains(&cleaned, b"GPSLatitude") && !contains(&cleaned, b"Apple"));
    for kind in [b"udta", b"meta", b"uuid", b"keys"] {
        assert_eq!(count(&cleaned, kind), 0, "{}", String::from_utf8_lossy(kind));
    }
    assert_eq!(outcome.removed, 4, "moov/meta, moov/udta, trak/udta, the uuid");
    for kind in [b"ftyp", b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mdat", b"mvhd", b"tkhd"] {
        assert_eq!(count(&cleaned, kind), 1, "{}", String::from_utf8_lossy(kind));
    }
    // The playback boxes are byte for byte what they were.
    let mdat = original.windows(4).position(|w| w == b"mdat").unwrap();
    assert_eq!(cleaned[..mdat + 40], original[..mdat + 40]);
    // A second pass finds nothing more.
    assert_eq!(isobmff(&mut Cursor::new(cleaned), &caps()).unwrap().removed, 0);
}

#[test]
fn mp4_hostile_layouts_end() {
    let run = |bytes: Vec<u8>| isobmff(&mut Cursor::new(bytes), &caps());
    // A 24-byte MOV whose 64-bit size makes `position + size` wrap.
    let mut wrap = mp4_box(b"ftyp", b"qt  ");
    wrap.extend_from_slice(&[0, 0, 0, 1]);
    wrap.extend_from_slice(b"mdat");
    wrap.extend_from_slice(&(u64::MAX - 7).to_be_bytes());
    assert!(wrap.len() <= 28);
    assert!(matches!(run(wrap), Err(Error::Malformed(_))));
    // ~1.2 MB of moov nested in moov: no recursion, the inner ones are not playback boxes.
    let (levels, inner) = (150_000u32, mp4_box(b"mvhd", &[0; 8]));
    let mut nested = Vec::new();
    for level in (0..levels).rev() {
        nested.extend_from_slice(&(inner.len() as u32 + 8 * (level + 1)).to_be_bytes());
        nested.extend_from_slice(b"moov");
    }
    nested.extend(inner);
    let deep = [mp4_box(b"ftyp", b"isom"), nested].concat();
    assert!(deep.len() > 1_200_000);
    assert_eq!(run(deep).unwrap().removed, 1);
    // Boxes past their parent; too small to hold their header.
    assert!(matches!(run(mp4_box(b"moov", b"\0\0\0\xFFudta")), Err(Error::Malformed(_))));
    assert!(matches!(
        run([mp4_box(b"ftyp", b"isom"), vec![0, 0, 0, 4, b'f', b'r', b'e', b'e']].concat()),
        Err(Error::Malformed(_))
    ));
    // A million empty free boxes: over the cap.
    let many = [mp4_box(b"ftyp", b"isom"), b"\0\0\0\x08free".repeat(1_000_000)].concat();
    assert!(matches!(run(many), Err(Error::TooComplex(_))));
}

#[test]
fn caps_decide_deterministically() {
    let tight = Caps { max_items: 3, max_depth: 16 };
    let file = located_mov();
    assert!(matches!(isobmff(&mut Cursor::new(file), &tight), Err(Error::TooComplex(_))));
    let shallow = Caps { max_items: 1000, max_depth: 2 };
    assert!(matches!(isobmff(&mut Cursor::new(located_mov()), &shallow), Err(Error::TooComplex(_))));
}

#[test]
fn clean_file_syncs_and_names_the_result() {
    let dir = std::env::temp_dir().join(format!("aftercare-parsers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spool = dir.join("a.part");
    let cleaned = dir.join("a.clean");
    std::fs::write(&spool, jpeg_fixture(3)).unwrap();
    let (outcome, stored) = clean_file(MediaType::Jpeg, &spool, &cleaned, &caps()).unwrap();
    assert_eq!(stored, cleaned);
    assert_eq!(outcome.pixels, Some((16, 16)));
    assert!(!contains(&std::fs::read(&cleaned).unwrap(), b"GPS"));
    std::fs::write(&spool, located_mov()).unwrap();
    let (_, stored) = clean_file(MediaType::QuickTime, &spool, &cleaned, &caps()).unwrap();
    assert_eq!(stored, spool);
    assert_eq!(count(&std::fs::read(&spool).unwrap(), b"udta"), 0);
    std::fs::remove_dir_all(dir).unwrap();
}
