// Deadlines fire once across nodes: 500 cases whose seller's deadline (auto-accept
// after 48 h) falls due when the shared dev clock moves 49 h through the balancer,
// while the three nodes' schedulers all run and node 3 is SIGKILLed meanwhile (and
// restarted): every case is accepted by the system exactly once, and the shop's
// webhook receiver gets each acceptance under one delivery id, signed (a POST in
// flight on the killed node may come again under its id: at least once, deduplicated
// by `Aftercare-Delivery`). Run by scripts/test inside `scripts/cluster start`.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import assert from "node:assert/strict";
import { allCases, apiKey, cluster, dir, fileCase, token as mint, url } from "./common.mjs";

// The shop's webhook receiver (scripts/cluster configured its port and secret).
const secret = readFileSync(`${dir}/webhook.secret`, "utf8").trim();
const posts = []; // { delivery, kind, caseId }
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString();
    const [t, v1] = (request.headers["aftercare-signature"] || "").split(",").map((part) => part.split("=")[1]);
    const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    if (v1 !== expected) {
      response.writeHead(400).end();
      return;
    }
    const event = JSON.parse(body);
    posts.push({ delivery: request.headers["aftercare-delivery"], kind: event.type, caseId: event.case.id });
    response.writeHead(204).end();
  });
});
await new Promise((ok) => receiver.listen(Number(readFileSync(`${dir}/webhook.port`, "utf8")), "127.0.0.1", ok));

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

// Each acceptance reached the receiver, under one delivery id.
const ours = new Set(ids);
const accepted = () => posts.filter((p) => p.kind === "case.accept" && ours.has(p.caseId));
for (let wait = 0; new Set(accepted().map((p) => p.caseId)).size < CASES && wait < 600; wait++) {
  await new Promise((ok) => setTimeout(ok, 100));
}
const byCase = new Map();
for (const post of accepted()) byCase.set(post.caseId, (byCase.get(post.caseId) || new Set()).add(post.delivery));
assert.equal(byCase.size, CASES, `${byCase.size} of ${CASES} acceptances delivered`);
assert([...byCase.values()].every((deliveries) => deliveries.size === 1), "one delivery id per acceptance");
const repeated = accepted().length - CASES;
receiver.close();
console.log(`cluster: ${CASES} deadlines over 3 nodes (node 3 killed while they fell due): each applied exactly once; ` +
  `each acceptance delivered to the webhook under one id (${repeated} POSTs repeated after the kill)`);
