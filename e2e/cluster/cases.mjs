// Cases survive a node's death: 200 cases filed concurrently through HAProxy, each
// retried with its own Idempotency-Key until it is answered, while one of three nodes
// is SIGKILLed and later restarted — exactly 200 cases are stored, none twice, and
// every retry was answered with its first case. Run by scripts/test inside
// `scripts/cluster start` (AFTERCARE_CLUSTER_URL, AFTERCARE_CLUSTER_DIR, …).
import assert from "node:assert/strict";
import { allCases, apiKey, cluster, fileCase, token as mint } from "./common.mjs";

const CASES = 200;
const token = mint("o-1", "s-1");
const key = apiKey();

let retries = 0;
/** Files case `i` until it is answered: a cut connection, a 5xx or "in progress" is retried with the same key. */
async function file(i) {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const response = await fileCase(token, "o-1", `cluster-${i}`, `Cluster case ${i}: the parcel arrived crushed.`);
      if (response.status === 201 || response.status === 200) return (await response.json()).id;
      if (response.status < 500 && response.status !== 409) throw new Error(`case ${i}: ${response.status} ${await response.text()}`);
    } catch (error) {
      if (error.message.startsWith(`case ${i}:`)) throw error;
    }
    retries++;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`case ${i} was never answered`);
}

const ids = new Array(CASES);
let next = 0;
let done = 0;
const killAt = 60, restartAt = 140;
let killed = false, restarted = null;
await Promise.all(Array.from({ length: 20 }, async () => {
  while (next < CASES) {
    const i = next++;
    ids[i] = await file(i);
    done++;
    if (done >= killAt && !killed) {
      killed = true;
      cluster("kill", "2");
    }
    if (done >= restartAt && !restarted) restarted = Promise.resolve().then(() => cluster("restart", "2"));
  }
}));
await restarted;

// Stored: exactly one case per key, each the one its filing was answered with.
const stored = await allCases(key, "o-1");
assert.equal(stored.length, CASES, `${stored.length} cases stored for ${CASES} filings`);
assert.equal(new Set(stored.map((c) => c.description)).size, CASES, "no case twice");
assert.deepEqual(new Set(stored.map((c) => c.id)), new Set(ids), "every filing was answered with its stored case");
// Again, through any node: the same answers (idempotent replays).
for (const i of [0, 99, 199]) assert.equal(await file(i), ids[i]);
console.log(`cluster: ${CASES} cases through 3 nodes, node 2 killed after ${killAt} and restarted after ${restartAt}; ${retries} retries; exactly ${stored.length} stored`);
