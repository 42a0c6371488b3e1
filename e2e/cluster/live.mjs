// Live updates cross nodes: a seller's console connected to node 1 hears of a case
// filed and a shopper's reply posted through node 2 (PostgreSQL LISTEN/NOTIFY), within
// a generous limit; the time from sending the reply to the console's event is printed
// (bench/cluster.mjs measures it over many replies). Run by scripts/test inside
// `scripts/cluster start`.
import assert from "node:assert/strict";
import { consoleEvents, fileCase, nodeUrl, staff, token as mint } from "./common.mjs";

const password = "cluster-console-password";
const email = staff("live-agent@shop.example", password);
const console_ = await consoleEvents(nodeUrl(1), email, password);
const token = mint("o-live", "s-live");
const b = nodeUrl(2);

const filed = await fetch(`${b}/v1/cases`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": "live-1" },
  body: JSON.stringify({
    order_id: "o-live", item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
    resolution: "refund_only", description: "Filed through node 2; a console on node 1 should hear of it.", contact: { phone: "13800138000" },
  }),
});
assert.equal(filed.status, 201, await filed.clone().text());
const kase = await filed.json();
await console_.nth((e) => e.case_id === kase.id && e.kind === "file", 0, 15_000);

const sent = performance.now();
const replied = await fetch(`${b}/v1/cases/${kase.id}/messages`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": `"${kase.version}"` },
  body: JSON.stringify({ message: "Here is one more detail, sent through node 2." }),
});
assert.equal(replied.status, 200, await replied.clone().text());
const heard = await console_.nth((e) => e.case_id === kase.id && e.kind === "message", 0, 15_000);
console_.close();
console.log(`cluster live: a console on node 1 heard a shopper's reply through node 2 ${(heard.at - sent).toFixed(1)} ms after it was sent`);
