// Finishes a build into what a merchant hosts (run by scripts/build):
//
// - the widget's files get names carrying one content hash of all of them (the glue,
//   the first wasm module, the chunk loader and each chunk — they name each other, so
//   one hash over their bytes stands for the set): aftercare-widget.<hash>.js,
//   aftercare-widget.<hash>_bg.wasm, aftercare-widget.<hash>.split.js,
//   split_case.<hash>.wasm, …; each can be cached for a year as immutable;
// - the references between them are rewritten to those names, and the loader
//   (aftercare.js, the one stable URL a merchant's page names) is pointed at the glue
//   and the first module, and minified (esbuild; the source in loader/ stays readable);
//   the glue and the chunk loader are minified too, and the functions the wasm imports
//   from the glue get short names in both, before the hash is taken;
//   `manifest.json` lists every name;
// - every text or wasm file gets precompressed siblings: `.br` (brotli quality 11) and
//   `.gz` (gzip -9), which the reference backend (and any CDN that serves precompressed
//   files) sends by content negotiation.
//
//   node scripts/dist.mjs dist [dist-testhooks ...]
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { transformSync } from "esbuild";

const GLUE = "aftercare-widget.js";
const WASM = "aftercare-widget_bg.wasm";
const SPLIT = "__wasm_split.js";
const LOADER = "aftercare.js";
const COMPRESSIBLE = /\.(js|mjs|wasm|html|css|svg|json)$/;

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

/**
 * Minifies the JS module `file` in `dir` in place: the glue wasm-bindgen writes and the
 * chunk loader the splitter writes. Exports, string literals and the imports object's
 * keys (what the wasm asks for) stay as they are; locals, comments and white space go
 * (the widget's glue: 65 KB → 33 KB, ~2.4 KB less brotli on the first open). Done before
 * hashing, so the names stand for the bytes served.
 */
function minifyModule(dir, file) {
  const path = join(dir, file);
  const { code } = transformSync(readFileSync(path, "utf8"), { minify: true, format: "esm", target: "es2020", legalComments: "none" });
  writeFileSync(path, code);
}

/** An unsigned LEB128 number at `at` in `bytes`: [value, the offset after it]. */
function leb(bytes, at) {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= bytes.length) throw new Error("wasm: a number runs past the end");
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
  throw new Error("wasm: a number longer than 5 bytes");
}

function uleb(value) {
  const out = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    out.push(value ? low | 0x80 : low);
  } while (value);
  return Buffer.from(out);
}

/** The n-th short name: a … z, A … Z, then two letters and on (valid JS property names). */
function shortName(n) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  do {
    name += letters[n % letters.length];
    n = Math.floor(n / letters.length);
  } while (n);
  return name;
}

/**
 * Gives the functions the wasm imports from its glue (module `module`) short names,
 * in the wasm's import section and in the glue's imports object alike: wasm-bindgen
 * names each `__wbg_<name>_<16 hex digits>`, and those hashes do not compress —
 * ~5.7 KB brotli of the widget's first open. Only the import section is rewritten
 * (same imports, same order, so every index in the module stays), after wasm-opt;
 * each old name must be a key of the glue exactly once.
 */
function minifyImports(dir, wasmFile, glueFile, module) {
  const bytes = readFileSync(join(dir, wasmFile));
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmFile} is not a wasm module`);
  const parts = [bytes.subarray(0, 8)];
  const renamed = new Map();
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    if (end > bytes.length) throw new Error(`${wasmFile}: section ${id} runs past the end`);
    if (id !== 2) {
      parts.push(bytes.subarray(at, end));
      at = end;
      continue;
    }
    const body = bytes.subarray(start, end);
    const name = (from) => {
      const [length, after] = leb(body, from);
      if (after + length > body.length) throw new Error(`${wasmFile}: an import's name runs past its section`);
      return [body.subarray(after, after + length), after + length];
    };
    let [count, k] = leb(body, 0);
    const out = [uleb(count)];
    while (count--) {
      const [moduleName, afterModule] = name(k);
      const [field, afterField] = name(afterModule);
      // The descriptor, copied as it is: a function's type, a table, a memory, a global.
      let next = afterField + 1;
      const kind = body[afterField];
      if (kind === 0) [, next] = leb(body, next);
      else if (kind === 1 || kind === 2) {
        if (kind === 1) next += 1; // the element type
        const flags = body[next];
        [, next] = leb(body, next + 1);
        if (flags & 1) [, next] = leb(body, next);
      } else if (kind === 3) next += 2;
      else throw new Error(`${wasmFile}: an import of kind ${kind}`);
      let newField = field;
      if (kind === 0 && moduleName.toString() === module) {
        const short = shortName(renamed.size);
        renamed.set(field.toString(), short);
        newField = Buffer.from(short);
      }
      out.push(uleb(moduleName.length), moduleName, uleb(newField.length), newField, body.subarray(afterField, next));
      k = next;
    }
    if (k !== body.length) throw new Error(`${wasmFile}: the import section has bytes after its imports`);
    const section = Buffer.concat(out);
    parts.push(Buffer.from([2]), uleb(section.length), section);
    at = end;
  }
  let glue = readFileSync(join(dir, glueFile), "utf8");
  for (const [old, short] of renamed) {
    const key = new RegExp(`([{,])${old.replace(/[$]/g, "\\$&")}:`, "g");
    const found = glue.match(key)?.length ?? 0;
    if (found !== 1) throw new Error(`${glueFile} has the import ${old} as a key ${found} times, expected 1`);
    glue = glue.replace(key, `$1${short}:`);
  }
  writeFileSync(join(dir, glueFile), glue);
  writeFileSync(join(dir, wasmFile), Buffer.concat(parts));
}

/** Replaces the quoted `from` in `text` (it must be there exactly `times` times). */
function rename(text, from, to, file, times = 1) {
  const found = text.split(`"${from}"`).length - 1 + text.split(`'${from}'`).length - 1;
  if (found !== times) throw new Error(`${file} names "${from}" ${found} times, expected ${times}`);
  return text.replaceAll(`"${from}"`, `"${to}"`).replaceAll(`'${from}'`, `'${to}'`);
}

export function finish(dir) {
  // split_<point>.wasm per split point, chunk_<n>.wasm for code several share.
  const chunks = readdirSync(dir).filter((name) => /^(split|chunk)_[a-z0-9_]+\.wasm$/.test(name)).sort();
  const split = existsSync(join(dir, SPLIT));
  minifyModule(dir, GLUE);
  minifyImports(dir, WASM, GLUE, `./${WASM.replace(/\.wasm$/, ".js")}`);
  if (split) minifyModule(dir, SPLIT);
  const files = [GLUE, WASM, ...(split ? [SPLIT] : []), ...chunks];
  const digest = createHash("sha256");
  for (const file of files) digest.update(file).update(readFileSync(join(dir, file)));
  const hash = digest.digest("hex").slice(0, 16);
  const names = {
    glue: `aftercare-widget.${hash}.js`,
    wasm: `aftercare-widget.${hash}_bg.wasm`,
    ...(split ? { split: `aftercare-widget.${hash}.split.js` } : {}),
    chunks: Object.fromEntries(chunks.map((chunk) => [chunk.replace(/^split_|\.wasm$/g, ""), chunk.replace(/\.wasm$/, `.${hash}.wasm`)])),
  };

  // The glue imports the chunk loader; the chunk loader imports the glue and fetches
  // the chunks.
  let glue = readFileSync(join(dir, GLUE), "utf8");
  if (split) {
    // Only the import statements (`import * as x from "…"`, or `import "…"` where the
    // minifier found the binding unused): the imports object keeps the module name the
    // wasm asks for.
    const statement = new RegExp(`\\b(from|import)\\s*"\\./${SPLIT.replaceAll(".", "\\.")}"`, "g");
    if (!statement.test(glue)) throw new Error(`${GLUE} must import ./${SPLIT}`);
    glue = glue.replaceAll(statement, `$1"./${names.split}"`);
    let loader = readFileSync(join(dir, SPLIT), "utf8");
    loader = rename(loader, `./${GLUE}`, `./${names.glue}`, SPLIT);
    for (const chunk of chunks) loader = rename(loader, `./${chunk}`, `./${chunk.replace(/\.wasm$/, `.${hash}.wasm`)}`, SPLIT);
    writeFileSync(join(dir, names.split), loader);
    unlinkSync(join(dir, SPLIT));
  }
  writeFileSync(join(dir, names.glue), glue);
  unlinkSync(join(dir, GLUE));
  renameSync(join(dir, WASM), join(dir, names.wasm));
  for (const chunk of chunks) renameSync(join(dir, chunk), join(dir, chunk.replace(/\.wasm$/, `.${hash}.wasm`)));

  let loader = readFileSync(join(dir, LOADER), "utf8");
  loader = rename(loader, GLUE, names.glue, LOADER);
  loader = rename(loader, WASM, names.wasm, LOADER);
  // What every page pays before intent: as small as it gets, its /*! header kept.
  const launcherCss = transformSync(readFileSync(new URL("../style/launcher.css", import.meta.url), "utf8"), {
    loader: "css",
    minify: true,
  }).code.trim();
  loader = transformSync(loader, {
    minify: true,
    legalComments: "inline",
    target: "es2017",
    define: { LAUNCHER_CSS: JSON.stringify(launcherCss) },
  }).code;
  if (loader.includes("LAUNCHER_CSS")) throw new Error(`${LOADER}: LAUNCHER_CSS was not written in`);
  writeFileSync(join(dir, LOADER), loader);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ loader: LOADER, ...names }, null, 2) + "\n");
  for (const path of walk(dir)) {
    if (COMPRESSIBLE.test(path)) compress(path);
  }
  return names;
}

/** The hash of `files` in `dir` (names and bytes), 16 hex digits. */
function hashOf(dir, files) {
  const digest = createHash("sha256");
  for (const file of files) digest.update(file).update(readFileSync(join(dir, file)));
  return digest.digest("hex").slice(0, 16);
}

/**
 * The console (`--console`): its glue, module, boot script and stylesheet get hashed
 * names (boot.js names the glue and module; index.html the boot script, the
 * stylesheet, and the glue and module it preloads); index.html keeps its name and is
 * revalidated.
 */
export function finishConsole(dir) {
  const [glue, wasm, boot, css] = ["aftercare-console.js", "aftercare-console_bg.wasm", "boot.js", "console.css"];
  minifyModule(dir, glue);
  minifyImports(dir, wasm, glue, `./${wasm.replace(/\.wasm$/, ".js")}`);
  const hash = hashOf(dir, [glue, wasm, boot, css]);
  const names = {
    glue: `aftercare-console.${hash}.js`,
    wasm: `aftercare-console.${hash}_bg.wasm`,
    boot: `boot.${hash}.js`,
    css: `console.${hash}.css`,
  };
  let script = readFileSync(join(dir, boot), "utf8");
  script = rename(script, `./${glue}`, `./${names.glue}`, boot);
  script = rename(script, wasm, names.wasm, boot);
  writeFileSync(join(dir, names.boot), script);
  unlinkSync(join(dir, boot));
  renameSync(join(dir, glue), join(dir, names.glue));
  renameSync(join(dir, wasm), join(dir, names.wasm));
  renameSync(join(dir, css), join(dir, names.css));
  let page = readFileSync(join(dir, "index.html"), "utf8");
  page = rename(page, boot, names.boot, "index.html");
  page = rename(page, css, names.css, "index.html");
  page = rename(page, glue, names.glue, "index.html");
  page = rename(page, wasm, names.wasm, "index.html");
  writeFileSync(join(dir, "index.html"), page);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(names, null, 2) + "\n");
  for (const path of walk(dir)) {
    if (COMPRESSIBLE.test(path)) compress(path);
  }
  return names;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === "--console") {
    for (const dir of process.argv.slice(3)) {
      const names = finishConsole(dir);
      console.log(`${dir}: ${Object.values(names).join(", ")}; precompressed (.br, .gz)`);
    }
    process.exit(0);
  }
  for (const dir of process.argv.slice(2)) {
    const names = finish(dir);
    const chunks = Object.values(names.chunks);
    console.log(`${dir}: ${names.glue}, ${names.wasm}${chunks.length ? ", " + [names.split, ...chunks].join(", ") : ""}; precompressed (.br, .gz)`);
  }
}
