// Story: an app builder installs the npm package (packages/aftercare-widget), imports
// `load` in a bundled app, and gets the widget with typed settings, calls and events:
// the tiny app in its test/ folder is type-checked with tsc, bundled with esbuild and
// driven in Chromium against the real backend's built widget.
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";
import { byTestId, expect, test } from "../fixtures.mjs";

const root = resolve(new URL("../..", import.meta.url).pathname);
const pkg = resolve(root, "packages/aftercare-widget");

test("the declarations type-check the app, refuse what they must, and name every case state the API sends", () => {
  // tsc fails (and so this test) on a type error, or on an @ts-expect-error that expects none.
  execFileSync(resolve(root, "node_modules/.bin/tsc"), ["-p", resolve(pkg, "test/tsconfig.json")], { stdio: "inherit" });
  const declared = [...readFileSync(resolve(pkg, "index.d.ts"), "utf8").match(/export type CaseState =([^;]*);/)[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  const served = JSON.parse(readFileSync(resolve(root, "openapi.json"), "utf8")).components.schemas.CaseState.enum;
  expect(declared).toEqual(served);
});

test("a bundled app loads the widget with load(), uses its typed API, and boots it again for another order", async ({ page, pages, assets }) => {
  const bundle = await build({
    entryPoints: [resolve(pkg, "test/app.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    alias: { "aftercare-widget": resolve(pkg, "index.js") },
  });
  // Next to the app's page (workers may write it at once: the same bytes, renamed in place).
  const out = resolve(root, "e2e/pages/npm-app/app.js");
  writeFileSync(`${out}.${process.pid}`, bundle.outputFiles[0].text);
  renameSync(`${out}.${process.pid}`, out);
  const fetched = [];
  page.on("request", (request) => fetched.push(request.url()));
  await page.goto(`${pages.url}npm-app/`);
  await expect(page.locator("body")).toHaveAttribute("data-ready", "yes");
  await expect(byTestId(page, "launcher")).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(fetched.filter((url) => url.endsWith(".wasm")), "nothing but the loader before intent").toEqual([]);
  await byTestId(page, "launcher").click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(byTestId(page, "order-number")).toHaveText("Order NPM-1");
  await page.evaluate(() => window.app.api.openChannel("phone"));
  await expect(byTestId(page, "channel-phone")).toBeFocused();
  expect(await page.evaluate(() => window.app.seen)).toContain("open");
  // Another order in the same app: load() again boots again, with one loader on the page.
  await page.evaluate((assetsUrl) => window.app.load({
    assetsUrl, merchant: "demo", locale: "en", order: { id: "NPM-2", items: [], state: "delivered", delivered_at: "2026-11-25" },
  }), `${assets.origin}/`);
  await byTestId(page, "launcher").click();
  await expect(byTestId(page, "order-number")).toHaveText("Order NPM-2");
  expect(await page.evaluate(() => [document.querySelectorAll("script[src$='aftercare.js']").length, document.querySelectorAll("aftercare-widget").length])).toEqual([1, 1]);
});
