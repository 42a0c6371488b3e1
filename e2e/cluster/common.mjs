// What the cluster tests share: the cluster `scripts/cluster start` describes in the
// environment, its control, and credentials minted with the release binary.
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import assert from "node:assert/strict";

export const url = process.env.AFTERCARE_CLUSTER_URL;
export const dir = process.env.AFTERCARE_CLUSTER_DIR;
const database = process.env.AFTERCARE_CLUSTER_DATABASE;
const bin = process.env.AFTERCARE_SERVER_BIN;
assert(url && dir && database && bin, "run inside scripts/cluster start, with AFTERCARE_SERVER_BIN");

/** `scripts/cluster <command> <dir> <args>`: kill, term, restart a node. */
export const cluster = (command, ...args) =>
  execFileSync(new URL("../../scripts/cluster", import.meta.url).pathname, [command, dir, ...args], { stdio: "inherit" });

const common = ["--data-dir", `${dir}/node-1`, "--config", `${dir}/merchants.toml`];

/** An order token (an hour, by the system clock) for `shopper`'s delivered `order` of one item at the cluster's shop. */
export function token(order, shopper) {
  const today = new Date().toISOString().slice(0, 10);
  return execFileSync(bin, ["token", ...common, "--merchant", "shop", "--order", order, "--shopper", shopper,
    "--items", "item-1", "--state", "delivered", "--delivered-at", today, "--ttl", "1h"]).toString().trim();
}

/** A new API key of the cluster's shop. */
export const apiKey = () =>
  execFileSync(bin, ["api-key", ...common, "--database-url", database, "--merchant", "shop"]).toString().trim();

/** Files a logistics case for `order`; resolves to the response. */
export const fileCase = (token, order, key, description) =>
  fetch(`${url}/v1/cases`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({
      order_id: order, item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
      resolution: "refund_only", description, contact: { phone: "13800138000" },
    }),
  });

/** Every case of the shop for `order`, page by page, through the merchant API. */
export async function allCases(key, order) {
  const cases = [];
  let cursor = null;
  do {
    const page = await (await fetch(`${url}/v1/merchant/cases?limit=200&order=${order}${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${key}` },
    })).json();
    cases.push(...page.cases);
    cursor = page.next_cursor;
  } while (cursor);
  return cases;
}

/** The S3 bucket's URL (moto takes unsigned requests). */
export const bucket = process.env.AFTERCARE_CLUSTER_S3;

/** Objects under `prefix` in the bucket, and multipart uploads not completed or aborted. */
export async function bucketLeftovers(prefix) {
  const listing = await (await fetch(`${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  const uploads = await (await fetch(`${bucket}?uploads`)).text();
  return {
    objects: [...listing.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]),
    multipart: [...uploads.matchAll(/<Upload>[\s\S]*?<Key>([^<]*)<\/Key>/g)].map((m) => m[1]),
  };
}

const nodes = () => readdirSync(dir).filter((name) => /^node-\d+\.port$/.test(name)).map((name) => name.match(/\d+/)[0]);

/** The nodes (their numbers) with a tus request writing right now, from their /metrics. */
export async function writingNodes() {
  const writing = [];
  for (const n of nodes()) {
    const port = readFileSync(`${dir}/node-${n}.metrics`, "utf8").trim();
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => "");
    if (Number(text.match(/^aftercare_upload_writes (\d+)/m)?.[1] ?? 0) > 0) writing.push(n);
  }
  return writing;
}

/** `scripts/cluster <command> <dir> <args>` without blocking this process (its sockets keep flowing). */
export const clusterAsync = (command, ...args) =>
  new Promise((ok, fail) => {
    const child = spawn(new URL("../../scripts/cluster", import.meta.url).pathname, [command, dir, ...args], { stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`scripts/cluster ${command} ${args}: exit ${code}`))));
  });

/**
 * A TCP relay to `target` that forwards what clients send at `bytesPerSecond` (a phone's
 * uplink, so that a PATCH is still in flight when a node is killed) and counts it.
 */
export function throttledRelay(target, bytesPerSecond) {
  const { hostname, port } = new URL(target);
  const relay = { sent: 0, url: "", close: () => {} };
  let next = Date.now();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    upstream.pipe(client);
    client.on("data", (chunk) => {
      relay.sent += chunk.length;
      upstream.write(chunk);
      next = Math.max(next, Date.now()) + (chunk.length * 1000) / bytesPerSecond;
      const wait = next - Date.now();
      if (wait > 1) {
        client.pause();
        setTimeout(() => client.resume(), wait);
      }
    });
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => {
    relay.url = `http://127.0.0.1:${server.address().port}`;
    relay.close = () => new Promise((done) => { server.close(done); server.unref(); });
    ok(relay);
  }));
}

/** Node `n`'s own URL (not through the balancer). */
export const nodeUrl = (n) => `http://127.0.0.1:${readFileSync(`${dir}/node-${n}.port`, "utf8").trim()}`;

/** Adds a seller's agent of the cluster's shop with `password`; returns the email. */
export function staff(email, password) {
  execFileSync(bin, ["staff", "add", ...common, "--database-url", database, "--merchant", "shop", "--email", email, "--role", "agent"], {
    env: { ...process.env, AFTERCARE_STAFF_PASSWORD: password },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return email;
}

/**
 * A console signed in at `base`, listening to `/v1/staff/events`: `nth(predicate, n, ms)`
 * resolves with the n-th event that matches, `{ at: performance.now() when heard, data }`
 * (or rejects after `ms`).
 */
export async function consoleEvents(base, email, password) {
  const signIn = await fetch(`${base}/v1/staff/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(signIn.status, 200, await signIn.clone().text());
  const cookie = signIn.headers.get("set-cookie").split(";")[0];
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/staff/events`, { headers: { cookie }, signal: controller.signal });
  assert.equal(response.status, 200);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events = [];
  const waiters = [];
  (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim()).join("\n");
        if (!data) continue;
        const event = { at: performance.now(), data: JSON.parse(data) };
        events.push(event);
        for (const waiter of [...waiters]) waiter(event);
      }
    }
  })();
  return {
    /** The `n`-th (0-based) event matching `predicate`, waiting up to `ms` for it. */
    nth(predicate, n, ms) {
      const matching = () => events.filter((event) => predicate(event.data));
      if (matching().length > n) return Promise.resolve(matching()[n]);
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no matching console event #${n} within ${ms} ms`)), ms);
        const waiter = () => {
          const found = matching();
          if (found.length <= n) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          ok(found[n]);
        };
        waiters.push(waiter);
      });
    },
    close: () => controller.abort(),
  };
}
