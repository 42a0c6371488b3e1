// Writes esbuild-minified copies of style/*.css (no comments, no layout whitespace)
// into the folder given, for the widget to compile in (scripts/build points
// AFTERCARE_STYLE_DIR at it; tests compile style/ as written). A file is rewritten only
// when its content changes, so cargo does not rebuild the widget for nothing.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transformSync } from "esbuild";

const out = process.argv[2];
if (!out) throw new Error("usage: node scripts/style.mjs <out-dir>");
const source = new URL("../style/", import.meta.url);
mkdirSync(out, { recursive: true });
for (const name of readdirSync(source).filter((n) => n.endsWith(".css"))) {
  const css = transformSync(readFileSync(new URL(name, source), "utf8"), { loader: "css", minify: true }).code;
  const path = join(out, name);
  if (!existsSync(path) || readFileSync(path, "utf8") !== css) writeFileSync(path, css);
}
