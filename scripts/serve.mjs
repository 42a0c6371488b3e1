// A small static file server for the built widget (dist/) and the end-to-end test
// pages. No dependencies; used by `scripts/demo` and by the Playwright fixtures.
//
//   node scripts/serve.mjs [--root dist] [--host 127.0.0.1] [--port 8080]
//
// Every response allows any origin to read it (Access-Control-Allow-Origin: *), as a
// CDN hosting aftercare.js must, so pages on other origins can load the widget.
// `.html` files may contain `{{NAME}}` placeholders, filled from `vars`; `pages` maps a
// path to a template file and its own values, for pages made from one template.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

/** Starts a server; resolves to { url, origin, requests, close }. */
export function serve({ root, host = "127.0.0.1", port = 0, vars = {}, pages = {}, template = "" }) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push(path);
    const page = pages[path];
    const file = page ? join(base, template) : normalize(join(base, path.endsWith("/") ? path + "index.html" : path));
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      let body = await readFile(file);
      const type = TYPES[extname(file)] || "application/octet-stream";
      if (extname(file) === ".html") {
        const values = { ...vars, ...page };
        const fill = (text) => text.replace(/\{\{(\w+)\}\}/g, (m, name) => values[name] ?? m);
        body = fill(fill(body.toString("utf8"))); // twice: page values may hold placeholders
      }
      res.writeHead(200, { "Content-Type": type }).end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      const origin = `http://${host}:${server.address().port}`;
      ok({
        origin,
        url: origin + "/",
        requests,
        setVar: (name, value) => (vars[name] = value),
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const { url } = await serve({ root: arg("root", "dist"), host: arg("host", "127.0.0.1"), port: Number(arg("port", 8080)) });
  console.log(`Aftercare demo order page: ${url}`);
}
