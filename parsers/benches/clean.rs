//! What cleaning costs: the time to clean a 200 MiB MP4 (in place), a 20 MiB JPEG (a
//! copy), and to refuse a hostile 20 MiB WebP of empty chunks, from and to real files.
//! Prints milliseconds and MB/s; run with `cargo bench -p aftercare-parsers --bench clean`.

use std::path::Path;
use std::time::Instant;

use aftercare_parsers::clean::{clean_file, Caps, Error};
use aftercare_protocol::media::MediaType;

fn mp4_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut bytes = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(kind);
    bytes.extend_from_slice(payload);
    bytes
}

fn noise(n: usize, mut x: u32) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn video(size: usize) -> Vec<u8> {
    let udta = mp4_box(b"udta", &mp4_box(b"\xA9xyz", b"+31.2304+121.4737/"));
    let trak = mp4_box(b"trak", &[mp4_box(b"tkhd", &[0; 84]), mp4_box(b"mdia", &mp4_box(b"mdhd", &[0; 24]))].concat());
    let moov = mp4_box(b"moov", &[mp4_box(b"mvhd", &[0; 100]), trak, udta].concat());
    let head = [mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41"), moov].concat();
    let payload = size - head.len() - 8;
    [head, mp4_box(b"mdat", &noise(payload, 7))].concat()
}

/// A baseline JPEG of noise, about `target` bytes (the encoder's real output).
fn photo(target: usize) -> Vec<u8> {
    let side = ((target as f64 / 3.0).sqrt() * 1.05) as u16;
    let pixels = noise(usize::from(side) * usize::from(side) * 3, 11);
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 95).encode(&pixels, side, side, jpeg_encoder::ColorType::Rgb).unwrap();
    let body = b"Exif\0\0MM\0\x2a\0\0\0\x08GPS 31.2304N 121.4737E";
    let mut exif = vec![0xFF, 0xE1];
    exif.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
    exif.extend_from_slice(body);
    [&jpeg[..2], &exif[..], &jpeg[2..]].concat()
}

fn hostile_webp(size: usize) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    body.extend(b"zzzz\0\0\0\0".repeat((size - 12) / 8));
    [b"RIFF".as_slice(), &(body.len() as u32).to_le_bytes(), &body].concat()
}

fn run(name: &str, media_type: MediaType, bytes: &[u8], dir: &Path) {
    let spool = dir.join("upload.part");
    let cleaned = dir.join("upload.clean");
    let mut best = f64::MAX;
    let mut outcome = String::new();
    for _ in 0..5 {
        std::fs::write(&spool, bytes).unwrap();
        let started = Instant::now();
        let result = clean_file(media_type, &spool, &cleaned, &Caps::default());
        best = best.min(started.elapsed().as_secs_f64());
        outcome = match result {
            Ok((outcome, _)) => format!("cleaned, {} removed", outcome.removed),
            Err(Error::TooComplex(_)) => "refused: too complex".into(),
            Err(error) => format!("refused: {error}"),
        };
    }
    let mb = bytes.len() as f64 / 1e6;
    println!("{name:<34} {:>9.1} MB {:>9.1} ms {:>9.0} MB/s  {outcome}", mb, best * 1e3, mb / best);
}

fn main() {
    let dir = std::env::temp_dir().join(format!("aftercare-clean-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("{:<34} {:>12} {:>12} {:>14}", "file", "size", "best of 5", "throughput");
    run("MP4 video, 200 MiB (in place)", MediaType::Mp4, &video(200 * 1024 * 1024), &dir);
    run("JPEG photo, ~20 MiB (copy)", MediaType::Jpeg, &photo(20 * 1024 * 1024), &dir);
    run("hostile WebP, 20 MiB empty chunks", MediaType::Webp, &hostile_webp(20 * 1024 * 1024), &dir);
    std::fs::remove_dir_all(&dir).unwrap();
}
