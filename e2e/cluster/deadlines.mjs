// Deadlines fire once across nodes: 500 cases whose seller's deadline (auto-accept
// after 48 h) falls due when the shared dev clock moves 49 h through the balancer,
// while the three nodes' schedulers all run and node 3 is SIGKILLed meanwhile (and
// restarted): every case is accepted by the system exactly once. Run by scripts/test
// inside `scripts/cluster start`.
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";

const url = process.env.AFTERCARE_CLUSTER_URL;
const dir = process.env.AFTERCARE_CLUSTER_DIR;
const database = process.env.AFTERCARE_CLUSTER_DATABASE;
const bin = process.env.AFTERCARE_SERVER_BIN;
assert(url && dir && database && bin, "run inside scripts/cluster start, with AFTERCARE_SERVER_BIN");
const CASES = 500;
const cluster = (...args) => execFileSync(new URL("../../scripts/cluster", import.meta.url).pathname, args, { stdio: "inherit" });
const common = ["--data-dir", `${dir}/node-1`, "--config", `${dir}/merchants.toml`];
const today = new Date().toISOString().slice(0, 10);
const token = execFileSync(bin, ["token", ...common, "--merchant", "shop", "--order", "o-2", "--shopper", "s-2",
  "--items", "item-1", "--state", "delivered", "--delivered-at", today, "--ttl", "1h"]).toString().trim();
const key = execFileSync(bin, ["api-key", ...common, "--database-url", database, "--merchant", "shop"]).toString().trim();

let next = 0;
const ids = [];
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < CASES) {
    const i = next++;
    const response = await fetch(`${url}/v1/cases`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": `deadline-${i}` },
      body: JSON.stringify({
        order_id: "o-2", item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
        resolution: "refund_only", description: `Deadline case ${i}: nobody answers this one.`, contact: { phone: "13800138000" },
      }),
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    ids.push(JSON.parse(text).id);
  }
}));

// 49 hours on, through whichever node; node 3 dies meanwhile and comes back. The move
// is an absolute `set`, so sending it again (if it went to node 3 and died) is safe.
const clock = (body) => fetch(`${url}/dev/clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const { now } = await (await clock({})).json();
const target = new Date(Date.parse(now) + 49 * 3600 * 1000).toISOString();
const moved = clock({ set: target });
cluster("kill", dir, "3");
let answer = await moved.catch(() => null);
if (!answer || answer.status !== 200) answer = await clock({ set: target });
assert.equal(answer.status, 200, await answer.text());
cluster("restart", dir, "3");

// Every case accepted by the system, once (the schedulers of all nodes race for them).
const accepts = async () => {
  const counts = [];
  let cursor = null;
  do {
    const page = await (await fetch(`${url}/v1/merchant/cases?limit=200&order=o-2${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${key}` },
    })).json();
    for (const c of page.cases) counts.push(c.history.filter((e) => e.actor === "system" && e.kind === "accept").length);
    cursor = page.next_cursor;
  } while (cursor);
  return counts;
};
let counts = await accepts();
for (let wait = 0; counts.some((n) => n === 0) && wait < 300; wait++) {
  await new Promise((ok) => setTimeout(ok, 100)); // the restarted node's scheduler takes any the dead one held
  counts = await accepts();
}
assert.equal(counts.length, CASES);
const tally = counts.reduce((t, n) => ({ ...t, [n]: (t[n] || 0) + 1 }), {});
assert.deepEqual([...new Set(counts)], [1], `cases by how often the system accepted them: ${JSON.stringify(tally)}`);
console.log(`cluster: ${CASES} deadlines over 3 nodes (node 3 killed while they fell due): each applied exactly once`);
