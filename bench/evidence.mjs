// The widget's evidence pipeline, measured in headless Chromium against the real
// server on loopback (printed figures, not a test):
//   - upload MB/s of a 100 MB video: our Rust tus client (the widget's evidence step)
//     vs tus-js-client in the same browser;
//   - a 12-megapixel JPEG downscaled to a 2048 px long edge at quality 0.85: our code
//     (createImageBitmap + OffscreenCanvas) vs Compressor.js (the engine of
//     @uppy/compressor): time and output bytes.
//
//   node bench/evidence.mjs [--no-build] [--quick]
//
// --quick (the test command runs it, so the bench cannot rot): a 2 MiB video, a 1 MP
// photo, one run each, on the binaries already built — the figures mean nothing then.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import { syntheticMp4 } from "../e2e/support/media.mjs";
import { walkToEvidence } from "../e2e/support/walk.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const RUNS = quick ? 1 : 3;
if (!args.includes("--no-build") && !quick) {
  execFileSync(`${root}scripts/build`, ["--test-hooks"], { stdio: "inherit" });
  execFileSync("cargo", ["build", "--release", "-p", "aftercare-server"], { cwd: root, stdio: "inherit" });
}
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const work = mkdtempSync(join(tmpdir(), "aftercare-bench-evidence-"));
const site = join(work, "site");
cpSync(join(root, "dist-testhooks"), site, { recursive: true });
cpSync(join(root, "node_modules/tus-js-client/dist/tus.js"), join(site, "tus.js"));
cpSync(join(root, "node_modules/compressorjs/dist/compressor.min.js"), join(site, "compressor.js"));
writeFileSync(
  join(site, "bench.html"),
  `<!doctype html><meta charset=utf-8><title>bench</title><link rel=icon href="data:,">
<script src="tus.js"></script><script src="compressor.js"></script>
<input type=file id=file>
<script src="aftercare.js" async data-endpoint="/" data-merchant="demo" data-locale="en"
  data-order='{"id":"20261128-0042","items":[{"id":"item-1","name":"Thermos","quantity":1,"price":12900,"currency":"CNY"}],"state":"delivered","delivered_at":"${new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)}"}'></script>`,
);
const SIZE = (quick ? 2 : 100) * 1024 * 1024;
const [WIDTH, HEIGHT] = quick ? [1200, 900] : [4000, 3000];
writeFileSync(join(work, "video.mp4"), syntheticMp4(SIZE, { seed: 9 }));

const server = spawn(`${meta.target_directory}/release/aftercare-server`, [
  "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data-dir", join(work, "data"), "--static-dir", site,
  "--max-video-bytes", String(4 * SIZE), "--max-order-bytes", String(40 * SIZE),
], { stdio: ["ignore", "pipe", "ignore"] });
const origin = await new Promise((ok) => server.stdout.once("data", (d) => ok(String(d).split("\n")[0].trim())));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`${origin}/bench.html`);
const token = async (shopper) => (await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json()).token;
await page.evaluate((t) => window.Aftercare.setOrderToken(t), await token("bench-ours"));
await page.evaluate(() => window.Aftercare.open());
await walkToEvidence(page);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Ours: from the file input's change event to the row turning "done" (sniffing,
// fingerprinting and all), timed in the page so no polling delay counts.
const ours = [];
for (let run = 0; run < RUNS; run++) {
  const timing = page.evaluate(
    () =>
      new Promise((ok) => {
        const root = document.querySelector("aftercare-widget").shadowRoot;
        let started;
        root.querySelector("[data-testid=file-input]").addEventListener("change", () => (started = performance.now()), { once: true, capture: true });
        const observer = new MutationObserver(() => {
          if (root.querySelector("[data-testid=evidence-item][data-status=done]")) {
            observer.disconnect();
            ok(performance.now() - started);
          }
        });
        observer.observe(root, { subtree: true, attributes: true, attributeFilter: ["data-status"], childList: true });
      }),
  );
  await page.locator("aftercare-widget [data-testid=file-input]").setInputFiles(join(work, "video.mp4"));
  ours.push(SIZE / 1e6 / ((await timing) / 1000));
  // Clear the list (at most two videos per case).
  await page.locator("aftercare-widget [data-testid=evidence-remove]").click();
  await page.locator("aftercare-widget [data-testid=evidence-item]").waitFor({ state: "detached" });
}
// tus-js-client, same browser, same server, same file.
await page.locator("#file").setInputFiles(join(work, "video.mp4"));
const theirs = {};
for (const chunkSize of [Infinity, 8 * 1024 * 1024]) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const t = await token(`bench-tus-${run}-${chunkSize}`);
    runs.push(
      await page.evaluate(
        ({ t, chunkSize, size }) =>
          new Promise((ok, fail) => {
            const file = document.getElementById("file").files[0];
            const started = performance.now();
            new window.tus.Upload(file, {
              endpoint: "/v1/uploads/",
              chunkSize: chunkSize === null ? Infinity : chunkSize,
              retryDelays: [],
              storeFingerprintForResuming: false,
              headers: { Authorization: `Bearer ${t}` },
              metadata: { filename: "video.mp4", filetype: "video/mp4" },
              onError: fail,
              onSuccess: () => ok(size / 1e6 / ((performance.now() - started) / 1000)),
            }).start();
          }),
        { t, chunkSize: Number.isFinite(chunkSize) ? chunkSize : null, size: SIZE },
      ),
    );
  }
  theirs[Number.isFinite(chunkSize) ? "8 MiB chunks" : "one request"] = runs;
}
console.log(`${SIZE / 1024 / 1024} MiB video, headless Chromium -> aftercare-server (release), loopback, ${RUNS} run(s) each:`);
console.log(`  our Rust tus client (adaptive chunks)  median ${median(ours).toFixed(1)} MB/s   runs ${ours.map((v) => v.toFixed(1)).join(", ")}`);
for (const [label, runs] of Object.entries(theirs)) {
  console.log(`  tus-js-client (${label})${" ".repeat(Math.max(1, 15 - label.length))}median ${median(runs).toFixed(1)} MB/s   runs ${runs.map((v) => v.toFixed(1)).join(", ")}`);
}
const best = Math.max(...Object.values(theirs).map(median));
console.log(`  ratio (ours / best tus-js-client)      ${(median(ours) / best).toFixed(2)}x   (aim: >= 1.0x)`);

// Downscale: a 12-megapixel JPEG made in the page.
const photo = await page.evaluate(async ([WIDTH, HEIGHT]) => {
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const context = canvas.getContext("2d");
  const gradient = context.createLinearGradient(0, 0, WIDTH, HEIGHT);
  gradient.addColorStop(0, "#c33");
  gradient.addColorStop(1, "#36c");
  context.fillStyle = gradient;
  context.fillRect(0, 0, WIDTH, HEIGHT);
  for (let i = 0; i < 4000; i++) {
    context.fillStyle = `hsl(${(i * 37) % 360} 60% 50%)`;
    context.fillRect((i * 733) % WIDTH, (i * 397) % HEIGHT, 40, 40);
  }
  window.benchPhoto = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.92 });
  return window.benchPhoto.size;
}, [WIDTH, HEIGHT]);
const downscale = await page.evaluate(async (runs) => {
  const base = document.querySelector("script[data-merchant]").src;
  const manifest = await (await fetch(new URL("manifest.json", base))).json();
  const glue = await import(new URL(manifest.glue, base).href);
  const ours = [];
  const theirs = [];
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const out = await glue.bench_downscale(window.benchPhoto, 2048, 0.85);
    ours.push({ ms: performance.now() - started, bytes: out.size });
    started = performance.now();
    const result = await new Promise((ok, fail) =>
      new window.Compressor(window.benchPhoto, { maxWidth: 2048, maxHeight: 2048, quality: 0.85, mimeType: "image/jpeg", success: ok, error: fail }),
    );
    theirs.push({ ms: performance.now() - started, bytes: result.size });
  }
  return { ours, theirs };
}, RUNS);
const mid = (runs) => runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)];
console.log(`${((WIDTH * HEIGHT) / 1e6).toFixed(1)} MP JPEG (${(photo / 1e6).toFixed(2)} MB) -> 2048 px long edge, quality 0.85, ${RUNS} run(s), median:`);
console.log(`  ours (createImageBitmap + OffscreenCanvas)  ${mid(downscale.ours).ms.toFixed(0)} ms, ${mid(downscale.ours).bytes} bytes`);
console.log(`  Compressor.js                               ${mid(downscale.theirs).ms.toFixed(0)} ms, ${mid(downscale.theirs).bytes} bytes`);
console.log(`  (aim: output no larger, in at most half the time)`);

await browser.close();
server.kill();
rmSync(work, { recursive: true, force: true });
