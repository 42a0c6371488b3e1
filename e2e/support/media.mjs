// Evidence files for upload tests, made in code so no binary fixture drifts: a
// synthetic MP4 (ftyp/moov/udta/mdat) of any size, optionally with a location box.
import { createHash } from "node:crypto";

function box(type, ...payloads) {
  const payload = Buffer.concat(payloads.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length + 8, 0);
  Buffer.from(type, "latin1").copy(header, 4);
  return Buffer.concat([header, payload]);
}

/** Deterministic pseudo-random bytes (xorshift), so runs are repeatable. */
function noise(length, seed) {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * An MP4 of `size` bytes; with `location`, its moov/udta holds a ©xyz box. Without, it
 * has no metadata at all, so the server stores it byte for byte (any `udta` would be
 * zeroed: the server keeps only what playback needs).
 */
export function syntheticMp4(size, { location = false, seed = 7 } = {}) {
  const ftyp = box("ftyp", "isom", Buffer.from([0, 0, 2, 0]), "isomiso2avc1mp41");
  const udta = location ? box("udta", box("\u00a9xyz", Buffer.from([0, 0x12, 0x15, 0xc7]), "+31.2304+121.4737/")) : Buffer.alloc(0);
  const moov = box("moov", box("mvhd", Buffer.alloc(100)), udta);
  const mdatPayload = size - ftyp.length - moov.length - 8;
  if (mdatPayload < 0) throw new Error("size too small");
  return Buffer.concat([ftyp, moov, box("mdat", noise(mdatPayload, seed))]);
}

export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
