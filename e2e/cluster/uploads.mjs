// Uploads survive a node's death: tus-js-client and tuspy (5 MiB chunks) upload 20 MiB
// videos through HAProxy at a phone's pace while the node writing each is SIGKILLed at
// 10 %, 50 % and 90 % (and restarted). Each upload completes through the other nodes,
// byte-identical (sha256 of what is served back), resending at most the chunk that was
// in flight at each kill; afterwards the bucket holds no spool objects and no open
// multipart uploads — nor after an upload is terminated half-way. Run by scripts/test
// inside `scripts/cluster start` (the S3 spool on moto).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import * as tus from "tus-js-client";
import { sha256, syntheticMp4 } from "../support/media.mjs";
import { bucketLeftovers, clusterAsync, throttledRelay, token as mint, url, writingNodes } from "./common.mjs";

const MiB = 1024 * 1024;
const SIZE = 20 * MiB;
const CHUNK = 5 * MiB;
const RATE = 8 * MiB; // bytes a second through the relay
const KILLS = [0.1, 0.5, 0.9];
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const token = mint("o-uploads", "s-uploads");

function tusJs(endpoint, bytes) {
  return new Promise((ok, fail) => {
    const upload = new tus.Upload(bytes, {
      endpoint: `${endpoint}/v1/uploads/`,
      chunkSize: CHUNK,
      retryDelays: [0, 500, 1000, 2000, 3000, 5000, 5000, 5000, 5000, 5000, 5000, 5000],
      storeFingerprintForResuming: false,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: "evidence.mp4", filetype: "video/mp4" },
      onError: fail,
      onSuccess: () => ok(upload.url),
    });
    upload.start();
  });
}

function tuspy(endpoint, bytes) {
  const folder = mkdtempSync(join(tmpdir(), "aftercare-tuspy-"));
  const file = join(folder, "evidence.mp4");
  writeFileSync(file, bytes);
  const python = process.env.AFTERCARE_TEST_PYTHON || "python3";
  const script = new URL("./tuspy_upload.py", import.meta.url).pathname;
  return new Promise((ok, fail) => {
    execFile(python, [script, `${endpoint}/v1/uploads/`, token, file], { timeout: 240_000 }, (error, stdout, stderr) => {
      rmSync(folder, { recursive: true, force: true });
      if (error) fail(new Error(`tuspy: ${error.message}\n${stderr}`));
      else ok(stdout.trim());
    });
  });
}

/** The stored file behind upload URL `uploadUrl`, through the balancer. */
async function stored(uploadUrl) {
  const id = uploadUrl.split("/").pop();
  const link = await (await fetch(`${url}/v1/uploads/${id}/link`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const response = await fetch(url + link.url);
  assert.equal(response.status, 200, `GET ${link.url}`);
  return Buffer.from(await response.arrayBuffer());
}

async function uploadWhileKilling(name, client, seed) {
  const source = syntheticMp4(SIZE, { seed });
  const relay = await throttledRelay(url, RATE);
  const kills = [];
  const restarts = [];
  let finished = false;
  const uploading = client(relay.url, source).finally(() => { finished = true; });
  for (const share of KILLS) {
    while (!finished && relay.sent < share * SIZE) await sleep(5);
    if (finished) break;
    let writing = [];
    for (let i = 0; i < 200 && !finished && !(writing = await writingNodes()).length; i++) await sleep(10);
    if (finished) break;
    assert.equal(writing.length, 1, `${name}: one node writes at ${share * 100} % (${writing})`);
    await clusterAsync("kill", writing[0]);
    kills.push(`node ${writing[0]} at ${Math.round((relay.sent / SIZE) * 100)} %`);
    restarts.push(clusterAsync("restart", writing[0]));
  }
  const uploadUrl = await uploading;
  await Promise.all(restarts);
  await relay.close();
  assert.equal(kills.length, KILLS.length, `${name}: a node was killed at each point (${kills})`);
  assert.equal(sha256(await stored(uploadUrl)), sha256(source), `${name}: the stored video is the source`);
  // Bytes sent (headers included): the file once, plus at most the chunk in flight at each kill.
  const resent = relay.sent - SIZE;
  assert(resent >= 0 && resent <= KILLS.length * CHUNK + 256 * 1024, `${name}: ${resent} bytes resent`);
  console.log(`cluster uploads: ${name} sent 20 MiB through the balancer, killed ${kills.join(", ")}; ${(resent / MiB).toFixed(1)} MiB resent`);
}

await uploadWhileKilling("tus-js-client", tusJs, 11);
await uploadWhileKilling("tuspy", tuspy, 12);
let left = await bucketLeftovers(".spool/");
assert.deepEqual(left, { objects: [], multipart: [] }, "no spool objects or open multipart uploads after completion");

// Terminated half-way (a whole part and a tail in the bucket): nothing stays.
const auth = { Authorization: `Bearer ${token}`, "Tus-Resumable": "1.0.0" };
const created = await fetch(`${url}/v1/uploads/`, {
  method: "POST",
  headers: { ...auth, "Upload-Length": String(SIZE), "Upload-Metadata": `filetype ${Buffer.from("video/mp4").toString("base64")}` },
});
assert.equal(created.status, 201);
const location = url + created.headers.get("location");
const body = syntheticMp4(SIZE, { seed: 13 }).subarray(0, 7 * MiB);
const patched = await fetch(location, {
  method: "PATCH",
  headers: { ...auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
  body,
});
assert.equal(patched.status, 204);
assert.equal(patched.headers.get("upload-offset"), String(7 * MiB));
left = await bucketLeftovers(".spool/");
assert.equal(left.multipart.length, 1, "the first 5 MiB are a part of a multipart upload");
assert.equal(left.objects.length, 1, "the other 2 MiB are the tail object");
// Any node answers HEAD with the persisted offset.
for (let i = 0; i < 3; i++) {
  const head = await fetch(location, { method: "HEAD", headers: auth });
  assert.equal(head.headers.get("upload-offset"), String(7 * MiB));
}
assert.equal((await fetch(location, { method: "DELETE", headers: auth })).status, 204);
left = await bucketLeftovers(".spool/");
assert.deepEqual(left, { objects: [], multipart: [] }, "no spool objects or open multipart uploads after termination");
console.log("cluster uploads: a terminated upload left nothing in the bucket");
