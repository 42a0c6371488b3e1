// Verifies an Aftercare webhook delivery on the merchant's server (Node, no packages).
// Check the signature over the raw body bytes, before parsing them.
//
//   node examples/verify-webhook.mjs <secret> '<Aftercare-Signature header>' <file with the body>
//   (prints "valid" and exits 0, or "invalid" and exits 1)
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

const TOLERANCE_SECS = 5 * 60;

export function verify(secret, header, body, nowSecs = Math.floor(Date.now() / 1000)) {
  const parts = header.split(",").map((part) => part.trim().split("="));
  const timestamp = Number(parts.find(([key]) => key === "t")?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(nowSecs - timestamp) > TOLERANCE_SECS) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
  return parts
    .filter(([key]) => key === "v1")
    .some(([, hex]) => {
      const given = Buffer.from(hex ?? "", "hex");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [secret, header, file] = process.argv.slice(2);
  const valid = verify(secret, header, readFileSync(file));
  console.log(valid ? "valid" : "invalid");
  process.exit(valid ? 0 : 1);
}
