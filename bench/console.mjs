// How fast the console's queue is with 10,000 cases in the database, in headless
// Chromium against the reference backend (release build, SQLite, loopback) — printed
// figures, not a test:
//
//   - first page: a signed-in seller opens /console/ in a fresh context (empty HTTP
//     cache) → the first row of the queue is in the DOM (navigation start to row);
//   - filter: a phone number typed into the search → the queue shows the one match;
//   - server: GET /v1/merchant/queue (one page of 50 and every tab's count), and the
//     same with a search, as the console's calls take them.
//
// Aims (issue #15): first page interactive ≤ 300 ms, filter ≤ 100 ms. Medians of runs.
//
//   node bench/console.mjs [--no-build] [--cases 10000] [--runs 7] [--quick]
//
// --quick (the test command runs it, so the bench cannot rot): 200 cases, one run, on
// the binaries already built — the figures mean nothing then.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { flag, option, quick } from "./args.mjs";

const root = new URL("..", import.meta.url).pathname;
const CASES = quick ? 200 : option("cases", 10_000);
const RUNS = quick ? 1 : option("runs", 7);
if (!flag("no-build") && !quick) {
  execFileSync(`${root}scripts/build`, { stdio: "inherit" });
  execFileSync("cargo", ["build", "--release", "-p", "aftercare-server"], { cwd: root, stdio: "inherit" });
}
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const work = mkdtempSync(join(tmpdir(), "aftercare-bench-console-"));
const server = spawn(`${meta.target_directory}/release/aftercare-server`, [
  "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data-dir", join(work, "data"),
  "--static-dir", join(root, "dist"), "--console-dir", join(root, "dist-console"), "--rate-limit", "0",
], { stdio: ["ignore", "pipe", "ignore"] });
const origin = await new Promise((ok) => server.stdout.once("data", (d) => ok(String(d).split("\n")[0].trim())));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const phone = (i) => `139${String(i).padStart(8, "0")}`;

// The cases: a shopper (and token) per 100, 16 filings in flight.
const started = performance.now();
let next = 0;
const tokens = new Map();
async function file(i) {
  const shopper = `bench-${Math.floor(i / 100)}`;
  if (!tokens.has(shopper)) {
    tokens.set(shopper, fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`).then((r) => r.json()).then((j) => j.token));
  }
  const token = await tokens.get(shopper);
  const response = await fetch(`${origin}/v1/cases`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": `bench-${i}` },
    body: JSON.stringify({
      order_id: "20261128-0042", item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
      resolution: "refund_only", description: `Bench case ${i}: the parcel arrived crushed.`, contact: { phone: phone(i) },
    }),
  });
  if (response.status !== 201) throw new Error(`filing ${i}: ${response.status} ${await response.text()}`);
}
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < CASES) await file(next++);
}));
console.log(`${CASES} cases filed in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function signedIn() {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
  // When the first row is in the DOM, by the page's own clock (from navigation start):
  // a MutationObserver from before the page's scripts, so no driver latency counts.
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-testid="queue-row"]')) {
        window.__firstRow = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const response = await context.request.post(`${origin}/v1/staff/sign-in`, {
    data: { email: "seller@aftercare-demo.example", password: "aftercare-demo" },
  });
  if (!response.ok()) throw new Error(`sign-in: ${response.status()}`);
  return context;
}

const firstPage = [];
const filter = [];
for (let run = 0; run < RUNS; run++) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.goto(`${origin}/console/`);
  await page.waitForFunction(() => window.__firstRow !== undefined);
  firstPage.push(await page.evaluate(() => window.__firstRow));
  // Filter: the change event as the search box sends it, until the one match shows.
  const wanted = phone(Math.floor(CASES / 2) + run);
  filter.push(await page.evaluate((wanted) => new Promise((ok) => {
    const input = document.querySelector('[data-testid="search"]');
    const t0 = performance.now();
    const observer = new MutationObserver(() => {
      const rows = document.querySelectorAll('[data-testid="queue-row"]');
      if (rows.length === 1) {
        observer.disconnect();
        ok(performance.now() - t0);
      }
    });
    observer.observe(document.querySelector("main"), { childList: true, subtree: true });
    input.value = wanted;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }), wanted));
  await context.close();
}

// The queue's calls on their own, from the same session.
const context = await signedIn();
const timeCall = async (path) => {
  const times = [];
  for (let i = 0; i < (quick ? 2 : 21); i++) {
    const t0 = performance.now();
    const response = await context.request.get(`${origin}${path}`);
    if (!response.ok()) throw new Error(`${path}: ${response.status()}`);
    await response.body();
    times.push(performance.now() - t0);
  }
  return median(times);
};
const queueMs = await timeCall("/v1/merchant/queue?tab=new");
const searchMs = await timeCall(`/v1/merchant/queue?tab=new&q=${phone(7)}`);
await context.close();
await browser.close();
server.kill("SIGTERM");
rmSync(work, { recursive: true, force: true });

const ms = (value) => `${value.toFixed(0)} ms`;
console.log(`console queue, ${CASES} cases, median of ${RUNS}:`);
console.log(`  first page (navigation → first row): ${ms(median(firstPage))}   (aim ≤ 300 ms)`);
console.log(`  filter by phone (search → one row):  ${ms(median(filter))}   (aim ≤ 100 ms)`);
console.log(`  GET /v1/merchant/queue:              ${ms(queueMs)}`);
console.log(`  GET /v1/merchant/queue?q=<phone>:    ${ms(searchMs)}`);
