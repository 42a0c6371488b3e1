// Deadlines fire once across nodes: 500 cases whose seller's deadline (auto-accept
// after 48 h) falls due when the shared dev clock moves 49 h through the balancer,
// while the three nodes' schedulers all run and node 3 is SIGKILLed meanwhile (and
// restarted): every case is accepted by the system exactly once. Run by scripts/test
// inside `scripts/cluster start`.
import assert from "node:assert/strict";
import { allCases, apiKey, cluster, fileCase, token as mint, url } from "./common.mjs";

const CASES = 500;
const token = mint("o-2", "s-2");
const key = apiKey();

let next = 0;
const ids = [];
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < CASES) {
    const i = next++;
    const response = await fileCase(token, "o-2", `deadline-${i}`, `Deadline case ${i}: nobody answers this one.`);
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
cluster("kill", "3");
let answer = await moved.catch(() => null);
if (!answer || answer.status !== 200) answer = await clock({ set: target });
assert.equal(answer.status, 200, await answer.text());
cluster("restart", "3");

// Every case accepted by the system, once (the schedulers of all nodes race for them).
const accepts = async () =>
  (await allCases(key, "o-2")).map((c) => c.history.filter((e) => e.actor === "system" && e.kind === "accept").length);
let counts = await accepts();
for (let wait = 0; counts.some((n) => n === 0) && wait < 300; wait++) {
  await new Promise((ok) => setTimeout(ok, 100)); // the restarted node's scheduler takes any the dead one held
  counts = await accepts();
}
assert.equal(counts.length, CASES);
const tally = counts.reduce((t, n) => ({ ...t, [n]: (t[n] || 0) + 1 }), {});
assert.deepEqual([...new Set(counts)], [1], `cases by how often the system accepted them: ${JSON.stringify(tally)}`);
console.log(`cluster: ${CASES} deadlines over 3 nodes (node 3 killed while they fell due): each applied exactly once`);
