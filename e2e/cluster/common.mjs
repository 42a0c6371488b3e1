// What the cluster tests share: the cluster `scripts/cluster start` describes in the
// environment, its control, and credentials minted with the release binary.
import { execFileSync } from "node:child_process";
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
