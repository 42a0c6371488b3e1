// Throughput through the balancer, printed (not a test): with one, two and three nodes
// (scripts/cluster: PostgreSQL, moto, HAProxy, the S3 spool), case submissions/s and
// upload MB/s (tus-js-client, 5 MiB chunks, several shoppers at once), and how long a
// shopper's reply sent through node 2 takes to reach a console on node 1; then one node's
// upload MB/s on the S3 spool against the local spool. On this machine's two cores the
// nodes, PostgreSQL, moto and the clients share the same CPUs: the point is that
// throughput does not fall as nodes are added and nothing is lost, not the figures.
//
//   node bench/cluster.mjs [--quick] [--cases 1000] [--uploads 12] [--upload-mb 20]
//
// Needs the release binary (AFTERCARE_SERVER_BIN or the workspace's), PostgreSQL, HAProxy
// and moto (scripts/setup --browser). --quick (the test command runs it, so the bench
// cannot rot): a few cases and small files, one and two nodes — the figures mean nothing.
import { execFileSync, spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { flag, option, quick } from "./args.mjs";

const root = new URL("..", import.meta.url).pathname;
const settings = {
  cases: option("cases", quick ? 20 : 1000),
  uploads: option("uploads", quick ? 2 : 12),
  uploadBytes: option("upload-mb", quick ? 1 : 20) * 1024 * 1024,
  replies: quick ? 3 : 50,
};

if (flag("inside")) {
  await inside(JSON.parse(process.env.AFTERCARE_BENCH_SETTINGS));
} else {
  const runs = [];
  for (const nodes of quick ? [1, 2] : [1, 2, 3]) runs.push({ label: `${nodes} node${nodes > 1 ? "s" : ""}, S3 spool`, nodes, figures: measure(nodes, {}) });
  const local = measure(1, { AFTERCARE_CLUSTER_SPOOL: "local" }, { uploadsOnly: true });
  console.log(`\nThrough HAProxy (${settings.cases} cases, ${settings.uploads} × ${settings.uploadBytes / 1048576} MiB uploads):`);
  console.log("| nodes | cases/s | upload MB/s | reply sent → console on another node (median) |");
  console.log("|---|---|---|---|");
  for (const { label, figures } of runs) {
    const live = figures.liveMs == null ? "—" : `${figures.liveMs.toFixed(1)} ms`;
    console.log(`| ${label} | ${figures.casesPerSecond.toFixed(0)} | ${figures.uploadMBps.toFixed(1)} | ${live} |`);
  }
  console.log(`| 1 node, local spool | — | ${local.uploadMBps.toFixed(1)} | — |`);
}

/** Starts a cluster of `nodes`, runs this file `--inside` it, stops it; returns the figures. */
function measure(nodes, env, only = {}) {
  const started = execFileSync(`${root}scripts/cluster`, ["start", String(nodes)], { env: { ...process.env, ...env }, encoding: "utf8" });
  const vars = Object.fromEntries([...started.matchAll(/(AFTERCARE_CLUSTER_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  try {
    const run = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--inside"], {
      env: { ...process.env, ...vars, AFTERCARE_BENCH_SETTINGS: JSON.stringify({ ...settings, nodes, ...only }) },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    assert.equal(run.status, 0, `the bench inside a ${nodes}-node cluster failed`);
    return JSON.parse(run.stdout.trim().split("\n").pop());
  } finally {
    execFileSync(`${root}scripts/cluster`, ["stop", vars.AFTERCARE_CLUSTER_DIR], { stdio: "inherit" });
  }
}

/** Inside a cluster: measures, then prints one JSON line of figures. */
async function inside({ cases, uploads, uploadBytes, replies, nodes, uploadsOnly }) {
  const tus = await import("tus-js-client");
  const { syntheticMp4 } = await import("../e2e/support/media.mjs");
  const { allCases, apiKey, consoleEvents, fileCase, nodeUrl, staff, token, url } = await import("../e2e/cluster/common.mjs");
  const figures = { casesPerSecond: 0, uploadMBps: 0, liveMs: null };

  if (!uploadsOnly) {
    const shopper = token("o-bench", "s-bench");
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < cases) {
        const i = next++;
        const response = await fileCase(shopper, "o-bench", `bench-${i}`, `Bench case ${i}: the parcel arrived crushed.`);
        assert.equal(response.status, 201, await response.text());
      }
    }));
    figures.casesPerSecond = cases / ((performance.now() - started) / 1000);
    assert.equal((await allCases(apiKey(), "o-bench")).length, cases, "every case stored once");
  }

  // Uploads from several shoppers at once (each order may have three in flight).
  const source = syntheticMp4(uploadBytes, { seed: 3 });
  const tokens = Array.from({ length: uploads }, (_, i) => token(`o-up-${i}`, `s-up-${i}`));
  const started = performance.now();
  await Promise.all(tokens.map((auth) => new Promise((ok, fail) => {
    new tus.Upload(source, {
      endpoint: `${url}/v1/uploads/`,
      chunkSize: 5 * 1024 * 1024,
      retryDelays: [0, 1000, 3000],
      storeFingerprintForResuming: false,
      headers: { Authorization: `Bearer ${auth}` },
      metadata: { filename: "bench.mp4", filetype: "video/mp4" },
      onError: fail,
      onSuccess: ok,
    }).start();
  })));
  figures.uploadMBps = (uploads * uploadBytes) / 1e6 / ((performance.now() - started) / 1000);

  if (!uploadsOnly && nodes >= 2) {
    const password = "bench-console-password";
    const events = await consoleEvents(nodeUrl(1), staff("bench-agent@shop.example", password), password);
    const auth = token("o-live", "s-live");
    const filed = await fileCase(auth, "o-live", "bench-live", "A case for the bench's replies, through node 2.");
    let kase = await filed.json();
    const latencies = [];
    for (let i = 0; i < replies; i++) {
      const sent = performance.now();
      const response = await fetch(`${nodeUrl(2)}/v1/cases/${kase.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${auth}`, "content-type": "application/json", "if-match": `"${kase.version}"` },
        body: JSON.stringify({ message: `Reply ${i} through node 2.` }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      kase = await response.json();
      const heard = await events.nth((e) => e.case_id === kase.id && e.kind === "message", i, 15_000);
      latencies.push(heard.at - sent);
    }
    events.close();
    latencies.sort((a, b) => a - b);
    figures.liveMs = latencies[Math.floor(latencies.length / 2)];
  }
  console.log(JSON.stringify(figures));
}
