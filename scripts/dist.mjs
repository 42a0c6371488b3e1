// Finishes a Trunk build into what a merchant hosts (run by scripts/build):
//
// - the wasm and its JS glue get content-hashed names (aftercare-widget.<hash>.js,
//   aftercare-widget.<hash>_bg.wasm), so they can be cached for a year as immutable;
// - the loader (aftercare.js, the one stable URL a merchant's page names) is rewritten
//   to load those names, and written to `manifest.json` with them;
// - every text or wasm file gets precompressed siblings: `.br` (brotli quality 11) and
//   `.gz` (gzip -9), which the reference backend (and any CDN that serves precompressed
//   files) sends by content negotiation.
//
//   node scripts/dist.mjs dist [dist-testhooks ...]
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const GLUE = "aftercare-widget.js";
const WASM = "aftercare-widget_bg.wasm";
const LOADER = "aftercare.js";
const COMPRESSIBLE = /\.(js|mjs|wasm|html|css|svg|json)$/;

/** The first 16 hex digits of the SHA-256 of `bytes`. */
const hash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

function compress(path) {
  const bytes = readFileSync(path);
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      [constants.BROTLI_PARAM_MODE]: path.endsWith(".wasm") ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  writeFileSync(`${path}.br`, brotli);
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function finish(dir) {
  const wasm = readFileSync(join(dir, WASM));
  const glue = readFileSync(join(dir, GLUE));
  const names = {
    glue: `aftercare-widget.${hash(glue)}.js`,
    wasm: `aftercare-widget.${hash(wasm)}_bg.wasm`,
  };
  renameSync(join(dir, WASM), join(dir, names.wasm));
  renameSync(join(dir, GLUE), join(dir, names.glue));
  let loader = readFileSync(join(dir, LOADER), "utf8");
  for (const [stable, hashed] of [[GLUE, names.glue], [WASM, names.wasm]]) {
    const literal = JSON.stringify(stable);
    if (loader.split(literal).length !== 2) throw new Error(`${LOADER} must name ${literal} exactly once`);
    loader = loader.replace(literal, JSON.stringify(hashed));
  }
  writeFileSync(join(dir, LOADER), loader);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ loader: LOADER, ...names }, null, 2) + "\n");
  for (const path of walk(dir)) {
    if (COMPRESSIBLE.test(path)) compress(path);
  }
  return names;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const dir of process.argv.slice(2)) {
    const names = finish(dir);
    console.log(`${dir}: ${names.glue}, ${names.wasm}, precompressed (.br, .gz)`);
  }
}
