// Upload throughput and memory, printed (not a test). On loopback, with the same client
// (tus-js-client in Node, 8 MiB chunks):
//   - MB/s of a 100 MB file to our server (release build) and to a stock @tus/server
//     with @tus/file-store, three runs each, median reported;
//   - our server's peak RSS (VmHWM) across a 1 GB upload.
//
//   node bench/uploads.mjs [--no-build] [--quick] [--size-mb 100] [--big-mb 1024]
//
// --quick (the test command runs it, so the bench cannot rot): 2 MiB and 16 MiB, one
// run, on the binary already built — the figures mean nothing then.
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import * as tus from "tus-js-client";
import { syntheticMp4 } from "../e2e/support/media.mjs";
import { flag, option, quick } from "./args.mjs";

const root = new URL("..", import.meta.url).pathname;
const RUNS = quick ? 1 : 3;
const SIZE = option("size-mb", quick ? 2 : 100) * 1024 * 1024;
const BIG = option("big-mb", quick ? 16 : 1024) * 1024 * 1024;
const CHUNK = 8 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "aftercare-bench-"));

if (!flag("no-build") && !quick) execFileSync("cargo", ["build", "--release", "-p", "aftercare-server"], { cwd: root, stdio: "inherit" });
const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
const binary = `${meta.target_directory}/release/aftercare-server`;

async function startOurs() {
  const child = spawn(binary, [
    "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--data-dir", join(work, "ours"), "--static-dir", join(work, "none"),
    "--max-video-bytes", String(2 * BIG), "--max-order-bytes", String(20 * BIG), "--max-case-bytes", String(2 * BIG),
  ], { stdio: ["ignore", "pipe", "ignore"] });
  const origin = await new Promise((ok) => child.stdout.once("data", (d) => ok(String(d).split("\n")[0].trim())));
  const token = async (shopper) => (await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json()).token;
  return { child, endpoint: `${origin}/v1/uploads/`, token };
}

async function startStock() {
  const server = new Server({ path: "/files", datastore: new FileStore({ directory: join(work, "stock") }) });
  const http = createServer((req, res) => server.handle(req, res));
  await new Promise((ok) => http.listen(0, "127.0.0.1", ok));
  return { http, endpoint: `http://127.0.0.1:${http.address().port}/files` };
}

function upload(endpoint, input, size, headers) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const up = new tus.Upload(input, {
      endpoint,
      chunkSize: CHUNK,
      uploadSize: size,
      retryDelays: [],
      storeFingerprintForResuming: false,
      headers,
      metadata: { filename: "bench.mp4", filetype: "video/mp4" },
      onError: fail,
      onSuccess: () => ok(Number(process.hrtime.bigint() - started) / 1e9),
    });
    up.start();
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mbps = (bytes, seconds) => bytes / 1e6 / seconds;

const ours = await startOurs();
const stock = await startStock();
const file = syntheticMp4(SIZE, { seed: 3 });
const oursRuns = [];
const stockRuns = [];
for (let run = 0; run < RUNS; run++) {
  oursRuns.push(mbps(SIZE, await upload(ours.endpoint, file, SIZE, { Authorization: `Bearer ${await ours.token(`bench-${run}`)}` })));
  stockRuns.push(mbps(SIZE, await upload(stock.endpoint, file, SIZE, {})));
}
console.log(`upload of ${SIZE / 1024 / 1024} MiB, tus-js-client, ${CHUNK / 1024 / 1024} MiB chunks, loopback, ${RUNS} run(s) each:`);
console.log(`  aftercare-server (release)        median ${median(oursRuns).toFixed(1)} MB/s   runs ${oursRuns.map((v) => v.toFixed(1)).join(", ")}`);
console.log(`  @tus/server + @tus/file-store     median ${median(stockRuns).toFixed(1)} MB/s   runs ${stockRuns.map((v) => v.toFixed(1)).join(", ")}`);
console.log(`  ratio (ours / stock)              ${(median(oursRuns) / median(stockRuns)).toFixed(2)}x   (aim: >= 1.5x)`);

// 1 GB from disk, streamed by the client too, while we watch the server's memory.
const bigPath = join(work, "big.mp4");
await new Promise((ok) => {
  const out = createWriteStream(bigPath);
  const head = syntheticMp4(1024 * 1024, { seed: 5 });
  // Header with an mdat spanning the rest of the file.
  const mdatAt = head.indexOf(Buffer.from("mdat")) - 4;
  head.writeUInt32BE(BIG - mdatAt, mdatAt);
  out.write(head);
  let written = head.length;
  const block = Buffer.alloc(4 * 1024 * 1024, 7);
  (function more() {
    while (written < BIG) {
      const slice = block.subarray(0, Math.min(block.length, BIG - written));
      written += slice.length;
      if (!out.write(slice)) return out.once("drain", more);
    }
    out.end(ok);
  })();
});
const rss = () => {
  const status = readFileSync(`/proc/${ours.child.pid}/status`, "utf8");
  const value = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+) kB`))[1]) / 1024;
  return { now: value("VmRSS"), peak: value("VmHWM") };
};
const before = rss();
const seconds = await upload(ours.endpoint, createReadStream(bigPath), statSync(bigPath).size, {
  Authorization: `Bearer ${await ours.token("bench-big")}`,
});
const after = rss();
console.log(`upload of ${BIG / 1024 / 1024} MiB from disk to aftercare-server: ${mbps(BIG, seconds).toFixed(1)} MB/s`);
console.log(`  server RSS before ${before.now.toFixed(1)} MB, peak during ${after.peak.toFixed(1)} MB (aim: <= 64 MB)`);

ours.child.kill();
stock.http.close();
rmSync(work, { recursive: true, force: true });
