// A draining node fails no request: while clients read and file through HAProxy, node
// 1 gets SIGTERM (with --drain-grace-seconds 1: /readyz says 503 while it still serves,
// the balancer takes it out, then it closes and drains). Not one request fails, and
// the node exits. Run by scripts/test inside `scripts/cluster start`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

const url = process.env.AFTERCARE_CLUSTER_URL;
const dir = process.env.AFTERCARE_CLUSTER_DIR;
const bin = process.env.AFTERCARE_SERVER_BIN;
assert(url && dir && bin, "run inside scripts/cluster start, with AFTERCARE_SERVER_BIN");
const cluster = (...args) => execFileSync(new URL("../../scripts/cluster", import.meta.url).pathname, args, { stdio: "inherit" });
const today = new Date().toISOString().slice(0, 10);
const token = execFileSync(bin, ["token", "--data-dir", `${dir}/node-1`, "--config", `${dir}/merchants.toml`, "--merchant", "shop",
  "--order", "o-3", "--shopper", "s-3", "--items", "item-1", "--state", "delivered", "--delivered-at", today, "--ttl", "1h"]).toString().trim();

const failures = [];
let requests = 0;
let running = true;
let n = 0;
const reader = async () => {
  while (running) {
    try {
      const response = await fetch(`${url}/v1/widget-config?merchant=shop`);
      await response.arrayBuffer();
      if (response.status !== 200) failures.push(`GET ${response.status}`);
    } catch (error) {
      failures.push(`GET ${error.cause?.code || error.message}`);
    }
    requests++;
  }
};
const filer = async () => {
  while (running) {
    const i = n++;
    try {
      const response = await fetch(`${url}/v1/cases`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": `drain-${i}` },
        body: JSON.stringify({
          order_id: "o-3", item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
          resolution: "refund_only", description: `Drain case ${i}: filed while a node leaves.`, contact: { phone: "13800138000" },
        }),
      });
      await response.arrayBuffer();
      if (response.status !== 201) failures.push(`POST ${response.status}`);
    } catch (error) {
      failures.push(`POST ${error.cause?.code || error.message}`);
    }
    requests++;
  }
};
const clients = [...Array.from({ length: 6 }, reader), ...Array.from({ length: 2 }, filer)];
await new Promise((ok) => setTimeout(ok, 500));
const pid = Number(readFileSync(`${dir}/node-1.pid`, "utf8"));
cluster("term", dir, "1");
// Until the node has gone (grace, then drain), and a little after.
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
for (let i = 0; alive() && i < 200; i++) await new Promise((ok) => setTimeout(ok, 50));
assert(!alive(), "node 1 exits after draining");
await new Promise((ok) => setTimeout(ok, 500));
running = false;
await Promise.all(clients);
assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed while node 1 drained`);
cluster("restart", dir, "1");
console.log(`cluster: node 1 drained and left while ${requests} requests went through the balancer; none failed`);
