// Story: evidence uploads interoperate with tus-js-client, a tus client we did not
// write — several sizes, chunked, and one cut mid-way and finished by a fresh client —
// and the stored bytes are exactly the source's, on local disk and on S3 (moto).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import * as tus from "tus-js-client";
import { expect, startBackend, test } from "../fixtures.mjs";
import { sha256, syntheticMp4 } from "../support/media.mjs";

const ORDER = "20261128-0042";

async function token(backend, shopper) {
  const response = await fetch(`${backend.origin}/demo/token?order=${ORDER}&shopper=${shopper}`);
  return (await response.json()).token;
}

/** Uploads `bytes`; with `stopAt`, aborts once that share is sent and returns the URL. */
function upload(backend, auth, bytes, { chunkSize, stopAt, uploadUrl } = {}) {
  return new Promise((ok, fail) => {
    let stopped = false;
    const upload = new tus.Upload(bytes, {
      endpoint: `${backend.origin}/v1/uploads/`,
      // tus-js-client reads an explicit `undefined` as a value, not as "default".
      ...(uploadUrl ? { uploadUrl } : {}),
      ...(chunkSize ? { chunkSize } : {}),
      retryDelays: [],
      storeFingerprintForResuming: false,
      headers: { Authorization: `Bearer ${auth}` },
      metadata: { filename: "evidence.mp4", filetype: "video/mp4" },
      onProgress(sent, total) {
        if (stopAt && sent / total >= stopAt && !stopped) {
          stopped = true;
          upload.abort(false).then(() => ok({ url: upload.url, aborted: true }));
        }
      },
      onError: fail,
      onSuccess: () => ok({ url: upload.url, aborted: false }),
    });
    upload.start();
  });
}

async function stored(backend, auth, url) {
  const id = url.split("/").pop();
  const link = await (await fetch(`${backend.origin}/v1/uploads/${id}/link`, { headers: { Authorization: `Bearer ${auth}` } })).json();
  const response = await fetch(backend.origin + link.url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("video/mp4");
  return { id, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function exercise(backend, shopper, checkDisk) {
  const auth = await token(backend, shopper);
  for (const [size, chunkSize] of [[180 * 1024, undefined], [3 * 1024 * 1024 + 17, 1024 * 1024], [9 * 1024 * 1024, 2 * 1024 * 1024]]) {
    const source = syntheticMp4(size, { seed: size });
    const result = await upload(backend, auth, source, { chunkSize });
    expect(result.aborted).toBe(false);
    const { id, bytes } = await stored(backend, auth, result.url);
    expect(sha256(bytes)).toBe(sha256(source));
    if (checkDisk) expect(sha256(readFileSync(checkDisk(id)))).toBe(sha256(source));
  }

  // Cut mid-way, then resumed by a fresh client that knows only the upload's URL.
  const source = syntheticMp4(6 * 1024 * 1024, { seed: 99 });
  const first = await upload(backend, auth, source, { chunkSize: 1024 * 1024, stopAt: 0.4 });
  expect(first.aborted).toBe(true);
  const head = await fetch(first.url, { method: "HEAD", headers: { Authorization: `Bearer ${auth}`, "Tus-Resumable": "1.0.0" } });
  const kept = Number(head.headers.get("upload-offset"));
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(source.length);
  const second = await upload(backend, await token(backend, shopper), source, { chunkSize: 1024 * 1024, uploadUrl: first.url });
  expect(second.aborted).toBe(false);
  expect(second.url).toBe(first.url);
  const { bytes } = await stored(backend, auth, second.url);
  expect(sha256(bytes)).toBe(sha256(source));

  // The metadata box is neutralised in place: same size, no ©xyz, its payload zeroed.
  const located = syntheticMp4(400 * 1024, { location: true });
  const result = await upload(backend, auth, located, {});
  const cleaned = (await stored(backend, auth, result.url)).bytes;
  expect(cleaned.length).toBe(located.length);
  expect(cleaned.includes(Buffer.from("\u00a9xyz", "latin1"))).toBe(false);
  expect(cleaned.includes(Buffer.from("+31.2304+121.4737/"))).toBe(false);
  expect(cleaned.includes(Buffer.from("free", "latin1"))).toBe(true);
}

test("tus-js-client uploads to local disk storage", async ({ assets }) => {
  test.setTimeout(120_000);
  await exercise(assets, "tus-js-local", (id) => join(assets.dataDir, "media", "demo", `${id}.mp4`));
});

function freePort() {
  return new Promise((ok) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Runs `body(endpoint)` against a fresh moto S3 server with an `evidence` bucket. */
async function withMoto(body) {
  const moto = process.env.MOTO_SERVER_BIN;
  test.skip(!moto && !process.env.AFTERCARE_REQUIRE_S3, "moto_server not installed (scripts/test installs it)");
  expect(moto && existsSync(moto), "MOTO_SERVER_BIN").toBeTruthy();
  const port = await freePort();
  const server = spawn(moto, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await expect.poll(async () => (await fetch(endpoint).catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);
    expect((await fetch(`${endpoint}/evidence`, { method: "PUT" })).status).toBe(200);
    await body(endpoint);
  } finally {
    server.kill();
  }
}

const s3Env = (endpoint) => ({
  AFTERCARE_S3_BUCKET: "evidence",
  AFTERCARE_S3_ENDPOINT: endpoint,
  AFTERCARE_S3_REGION: "us-east-1",
  AFTERCARE_S3_ACCESS_KEY_ID: "testing",
  AFTERCARE_S3_SECRET_ACCESS_KEY: "testing",
});

test("tus-js-client uploads to S3-compatible storage (moto)", async () => {
  test.setTimeout(180_000);
  await withMoto(async (endpoint) => {
    const backend = await startBackend({ staticDir: resolve("dist"), env: s3Env(endpoint) });
    try {
      await exercise(backend, "tus-js-s3", null);
      const listing = await (await fetch(`${endpoint}/evidence?list-type=2&prefix=demo/`)).text();
      expect((listing.match(/<Key>/g) || []).length).toBeGreaterThanOrEqual(5);
    } finally {
      await backend.close();
    }
  });
});

test("tus-js-client uploads through the S3 spool (moto): chunks smaller and larger than a part, resumed, checksummed, nothing left over", async () => {
  test.setTimeout(180_000);
  await withMoto(async (endpoint) => {
    const backend = await startBackend({ staticDir: resolve("dist"), env: { ...s3Env(endpoint), AFTERCARE_SPOOL: "s3" } });
    try {
      await exercise(backend, "tus-js-spool", null);
      // Upload-Checksum: a wrong one keeps nothing (460), the right one is taken whole.
      const auth = { Authorization: `Bearer ${await token(backend, "tus-js-spool")}`, "Tus-Resumable": "1.0.0" };
      const source = syntheticMp4(6 * 1024 * 1024, { seed: 5 });
      const created = await fetch(`${backend.origin}/v1/uploads/`, {
        method: "POST",
        headers: { ...auth, "Upload-Length": String(source.length), "Upload-Metadata": `filetype ${Buffer.from("video/mp4").toString("base64")}` },
      });
      expect(created.status).toBe(201);
      const location = backend.origin + created.headers.get("location");
      const patch = (offset, bytes, digest) => fetch(location, {
        method: "PATCH",
        headers: { ...auth, "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream", "Upload-Checksum": `sha256 ${digest}` },
        body: bytes,
      });
      const digest = (bytes) => createHash("sha256").update(bytes).digest("base64");
      const first = source.subarray(0, 5.5 * 1024 * 1024);
      expect((await patch(0, first, digest(Buffer.from("not these bytes")))).status).toBe(460);
      const head = await fetch(location, { method: "HEAD", headers: auth });
      expect(head.headers.get("upload-offset")).toBe("0");
      const taken = await patch(0, first, digest(first));
      expect(taken.status).toBe(204);
      expect(taken.headers.get("upload-offset")).toBe(String(first.length));
      const rest = source.subarray(first.length);
      expect((await patch(first.length, rest, digest(rest))).status).toBe(204);
      const { bytes } = await stored(backend, auth.Authorization.slice(7), location);
      expect(sha256(bytes)).toBe(sha256(source));
      // Everything of the spool is gone from the bucket once the uploads completed.
      const spool = await (await fetch(`${endpoint}/evidence?list-type=2&prefix=.spool/`)).text();
      expect(spool.match(/<Key>[^<]*<\/Key>/g) || []).toEqual([]);
      const open = await (await fetch(`${endpoint}/evidence?uploads`)).text();
      expect(open.match(/<Upload>/g) || []).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});

