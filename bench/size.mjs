// Prints what a page pays for the widget, as served (the precompressed files the build
// made, scripts/dist.mjs): raw, gzip -9 and brotli -q 11 bytes of
//   - the loader alone (all a page fetches before the shopper shows intent);
//   - the first open: loader + JS glue + chunk loader + the first wasm module (panel,
//     channels, FAQ; the CSS is inside the wasm) — what a shopper who wants the phone
//     number downloads;
//   - each chunk (the case flow, My requests, the WeChat QR code, and the code they
//     share), and what filing a case and reading My requests each need in all;
//   - the whole widget.
//
//   node bench/size.mjs [--no-build] [--check]
//
// --check exits non-zero when any of them is over its budget below. With twiggy on
// PATH, also prints what dominates the wasm (function names from the pre-opt build).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
if (!args.includes("--no-build")) execFileSync(`${root}scripts/build`, { stdio: "inherit" });

// The aims (issue "widget weight and speed"): first open <= 120 KB, everything to file
// a case <= 250 KB. Until they are met, each budget is the figure reached plus about
// 2 % headroom, so nothing grows unnoticed. Measured on 2026-12-02 (brotli): loader
// 2,256; first open 167,018; case chunk 46,604; requests chunk 25,050; shared chunk
// 72,218; the whole widget 310,890 (257,753 before the split: the splitter's chunks
// cost ~53 KB more than the same code in one module — see the note).
// The conversation (issue "the case as a conversation", which may add 15 KB to the
// chunks) brought My requests to 31,358 (with the unread badge, seen marks and the
// deadline's wording), the shared chunk to 76,099, the first open to 169,918; the
// whole widget to 323,862 (2026-12-02); the conversation's thumbnails (links inline in
// the answers) My requests to 32,718 and the whole to 325,450 (of the 325,890 allowed).
// Embedding (issue "fits every merchant page"): the loader, now minified at build time
// (esbuild), went from 3,050 to 2,988 with inline mode, the page's own launchers and
// shutdown/boot in it; the first module grew ~610 B (the inline flag, shutdown's owner,
// openRequests): first open 170,531, the whole widget 326,268 (2026-12-02). Dark mode,
// forced colours and 44 px touch targets (CSS in the first module), data-theme and
// data-boot in the loader: loader 3,074, first open 171,062, the whole 326,802.
// Accessibility fixes found by axe and the keyboard-only walk (a step focuses its
// heading; upload announcements per change of state, not per percent; the description's
// counter as its description) and the scaled sheet for pages without a mobile viewport
// (CSS in the first module; the loader's fit(), 131 B): loader 3,205, first open 171,431,
// case chunk 48,043, shared chunk 77,709, the whole 330,119 (2026-12-02).
// shutdown() drops the mounted view instead of forgetting it (an SPA that boots and
// shuts down per order no longer keeps every old panel's view state): the view's
// unmount and drop code is now linked, +532 B in the first module: first open 171,963,
// the whole 330,571 (2026-12-03). The WeChat QR code (the QR encoder, with the integer
// and float formatting only it used) moved to a chunk of its own, fetched when a WeChat
// card is drawn — most merchants configure none: first open 158,354 (-13.6 KB), the QR
// chunk 16,654, the whole 334,029 (+3.5 KB: what a chunk costs the splitter).
// The JS glue and the chunk loader minified by esbuild at build time (scripts/dist.mjs;
// 72.5 KB → 33 KB raw): first open 155,625 (-2.7 KB), the whole 331,300 (2026-12-07).
// The 250 functions the first module imports from its glue renamed a, b, … in both
// (wasm-bindgen's `__wbg_<name>_<hash>` names do not compress): first open 149,887
// (-5.7 KB), the whole 325,562 (2026-12-07). A chunk's place drawn by a signal and a
// task instead of <Suspense> (no suspense machinery in the first module): first open
// 145,067 (-4.8 KB), to file a case 270,894, the whole 320,656 (2026-12-07).
// Upload progress as one type (not a closure type per request: the request loop and
// the XHR sender compiled once): shared chunk 75,580 (-2.3 KB). `Chunk`'s body
// non-generic: first open 144,956. The case flow's and My requests' CSS in their chunk
// (style/case.css): first open 144,159, to file a case +0.7 KB (two sheets compress
// apart). wasm-opt --converge on the widget's modules: first open 143,291, case chunk
// 47,551, shared 76,723, to file a case 267,565, the whole 316,980 (2026-12-07).
// The evidence step's strings as methods in i18n/case.rs (code goes to the chunk that
// uses it; a `Strings` table field stays in the first module): first open 142,446,
// shared 77,415, to file a case 267,437 (2026-12-07). Fixed strings in views through
// one closure type (`ui::text`): first open 142,068, to file a case 266,780, the whole
// 315,970 (2026-12-07). The stylesheets compiled in minified (esbuild, scripts/style.mjs):
// first open 141,621. Effects, event handlers and redrawn text through one boxed type
// each (`ui::effect`, `ui::handler`, `ui::redraw`), the channel cards' titles through
// `ui::text`: first open 137,854, to file a case 259,695. The case flow reads a filed case
// as a `Receipt` and errors without the case a `version_mismatch` carries
// (`ApiError::read_brief`), so only My requests carries the whole case's reader: shared
// chunk 69,367 (-6.6 KB), My requests chunk 38,388 (+7.6 KB), first open 137,918, to file
// a case 253,301 — under its aim, which its budget now holds — the whole 309,018
// (2026-12-07).
const AIMS = { "first open": 120 * 1024, "to file a case": 250 * 1024 };
const BUDGETS = {
  loader: 3_300,
  "first open": 138_300,
  "case chunk": 46_400,
  "requests chunk": 38_800,
  "QR code chunk": 17_700,
  "shared chunk": 69_800,
  "to file a case": 253_700,
  "to read My requests": 246_100,
  "whole widget": 309_400,
};

// The names a build gave the files (content-hashed, scripts/dist.mjs).
const manifest = JSON.parse(readFileSync(`${root}dist/manifest.json`, "utf8"));
const chunks = manifest.chunks || {};
const shared = Object.entries(chunks).filter(([name]) => name.startsWith("chunk_")).map(([, file]) => file);

/** Sizes as served: the file, and the .gz and .br siblings the build made for it. */
function sizes(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const path = `${root}dist/${file}`;
    total.raw += statSync(path).size;
    total.gzip += statSync(`${path}.gz`).size;
    total.brotli += statSync(`${path}.br`).size;
  }
  return total;
}

const first = [manifest.loader, manifest.glue, ...(manifest.split ? [manifest.split] : []), manifest.wasm];
const rows = [
  ["loader", "loader (aftercare.js)", [manifest.loader]],
  ["first open", "first open (+ glue, chunk loader, wasm)", first],
  ...(chunks.case ? [["case chunk", "case flow chunk", [chunks.case]]] : []),
  ...(chunks.requests ? [["requests chunk", "My requests chunk", [chunks.requests]]] : []),
  ...(chunks.qr ? [["QR code chunk", "WeChat QR code chunk", [chunks.qr]]] : []),
  ...(shared.length ? [["shared chunk", "shared by both", shared]] : []),
  ["to file a case", "everything to file a case", [...first, ...shared, ...(chunks.case ? [chunks.case] : [])]],
  ["to read My requests", "everything for My requests", [...first, ...shared, ...(chunks.requests ? [chunks.requests] : [])]],
  ["whole widget", "the whole widget", [...first, ...Object.values(chunks)]],
].map(([key, label, files]) => ({ key, label, size: sizes(files) }));

const pad = (s, n) => String(s).padStart(n);
console.log(`${"artifact".padEnd(42)}${pad("raw", 10)}${pad("gzip -9", 10)}${pad("brotli 11", 11)}${pad("budget", 10)}`);
for (const { key, label, size } of rows) {
  console.log(`${label.padEnd(42)}${pad(size.raw, 10)}${pad(size.gzip, 10)}${pad(size.brotli, 11)}${pad(BUDGETS[key] ?? "", 10)}`);
}
for (const [key, aim] of Object.entries(AIMS)) {
  const got = rows.find((row) => row.key === key).size.brotli;
  console.log(`${key}: ${got} B brotli (aim ${aim}${got > aim ? ", over by " + (got - aim) : ", met"})`);
}

const twiggy = spawnSync("twiggy", ["--version"]);
if (twiggy.status === 0) {
  const meta = JSON.parse(execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: root }));
  const wasm = `${meta.target_directory}/wasm32-unknown-unknown/wasm-release/aftercare_widget.wasm`;
  if (existsSync(wasm)) {
    console.log("\nlargest items in the wasm before splitting, wasm-bindgen and wasm-opt (twiggy top):");
    const top = execFileSync("twiggy", ["top", "-n", "20", wasm]).toString();
    console.log(top.split("\n").filter((line) => !/function names|__wasm_bindgen_unstable/.test(line)).join("\n"));
  }
} else {
  console.log("\n(install twiggy with `cargo install twiggy --locked` to see what dominates the wasm)");
}

if (args.includes("--check")) {
  const over = rows.filter(({ key, size }) => BUDGETS[key] !== undefined && size.brotli > BUDGETS[key]);
  for (const { label, key, size } of over) console.error(`${label}: ${size.brotli} B brotli, over its ${BUDGETS[key]} B budget`);
  const missing = ["case chunk", "requests chunk"].filter((key) => !rows.some((row) => row.key === key));
  for (const key of missing) console.error(`no ${key} in the build: the widget is not split`);
  if (over.length || missing.length) process.exit(1);
}
