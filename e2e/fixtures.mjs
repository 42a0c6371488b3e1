// Shared fixtures: the built widget (dist/, or dist-testhooks/ for the panic test)
// served on one origin, merchant test pages on another, both on free ports.
import { test as base, expect } from "@playwright/test";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../scripts/serve.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const artifacts = resolve(root, "e2e/artifacts");

export const test = base.extend({
  // The widget as a CDN would host it; the demo order page is its index.html.
  assets: [
    async ({}, use) => {
      const server = await serve({ root: resolve(root, process.env.AFTERCARE_DIST || "dist") });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
  testHookAssets: [
    async ({}, use) => {
      const server = await serve({ root: resolve(root, "dist-testhooks") });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
  // Merchant pages on a second origin, loading the widget from `assets`.
  pages: [
    async ({ assets }, use) => {
      const server = await serve({ root: resolve(root, "e2e/pages"), vars: { ASSETS: assets.origin } });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
  // Fails a test on any uncaught page error or console error it did not expect.
  page: async ({ page }, use, testInfo) => {
    const problems = [];
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
    });
    page.problems = problems;
    page.allowProblems = (pattern) => {
      page.allowed = pattern;
    };
    await use(page);
    const unexpected = problems.filter((p) => !(page.allowed && page.allowed.test(p)));
    if (testInfo.status === "passed") expect(unexpected, "console errors / page errors").toEqual([]);
  },
});

export { expect };

/** The widget's shadow-root elements, by data-testid (Playwright pierces open shadow roots). */
export const byTestId = (page, id) => page.locator(`aftercare-widget [data-testid="${id}"]`);

/** Opens the widget from its launcher and waits for the dialog. */
export async function openWidget(page) {
  await byTestId(page, "launcher").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  return dialog;
}
