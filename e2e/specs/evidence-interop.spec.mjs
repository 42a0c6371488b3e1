// Story: the widget's own tus client speaks plain tus 1.0 — it uploads to a stock
// @tus/server (with @tus/file-store), not only to our backend.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";
import { byTestId, expect, openEvidence, test } from "../fixtures.mjs";
import { sha256, syntheticMp4 } from "../support/media.mjs";

test("the widget uploads to a stock @tus/server", async ({ page, pages }) => {
  test.setTimeout(60_000);
  const store = mkdtempSync(join(tmpdir(), "aftercare-stock-tus-"));
  const tus = new Server({ path: "/v1/uploads", datastore: new FileStore({ directory: store }), allowedOrigins: [pages.origin] });
  const http = createServer((req, res) => tus.handle(req, res));
  await new Promise((ok) => http.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${http.address().port}`;
  pages.setVar("TUS", origin);
  try {
    // The stock server has no widget-config route: the widget says so and uses its
    // defaults; nor the unread count the loader asks for once it has a token (the
    // browser logs the refused CORS request; the launcher just shows no badge).
    page.allowProblems(/widget-config|404|ERR_FAILED|v1\/unread/);
    const video = syntheticMp4(2 * 1024 * 1024 + 123, { seed: 61 });
    const work = mkdtempSync(join(tmpdir(), "aftercare-stock-tus-src-"));
    writeFileSync(join(work, "stock.mp4"), video);
    await page.goto(pages.url + "stock-tus.html");
    await page.evaluate(() => window.Aftercare.setOrderToken("not-checked-by-a-stock-server"));
    await openEvidence(page);
    await byTestId(page, "file-input").setInputFiles(join(work, "stock.mp4"));
    const item = byTestId(page, "evidence-item");
    await expect(item).toHaveAttribute("data-status", "done", { timeout: 30_000 });
    const id = await item.getAttribute("data-upload-id");
    const stored = readdirSync(store).find((name) => name === id);
    expect(stored, `stock server stored ${id}`).toBeTruthy();
    expect(sha256(readFileSync(join(store, stored)))).toBe(sha256(video));
  } finally {
    http.close();
  }
});
