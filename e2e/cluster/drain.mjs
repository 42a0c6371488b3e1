// A draining node fails no request: while clients read and file through HAProxy, node
// 1 gets SIGTERM (with --drain-grace-seconds 1: /readyz says 503 while it still serves,
// the balancer takes it out, then it closes and drains). Not one request fails, and
// the node exits. Run by scripts/test inside `scripts/cluster start`.
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { cluster, dir, fileCase, token as mint, url } from "./common.mjs";

const token = mint("o-3", "s-3");

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
      const response = await fileCase(token, "o-3", `drain-${i}`, `Drain case ${i}: filed while a node leaves.`);
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
cluster("term", "1");
// Until the node has gone (grace, then drain), and a little after.
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
for (let i = 0; alive() && i < 200; i++) await new Promise((ok) => setTimeout(ok, 50));
assert(!alive(), "node 1 exits after draining");
await new Promise((ok) => setTimeout(ok, 500));
running = false;
await Promise.all(clients);
assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed while node 1 drained`);
cluster("restart", "1");
console.log(`cluster: node 1 drained and left while ${requests} requests went through the balancer; none failed`);
