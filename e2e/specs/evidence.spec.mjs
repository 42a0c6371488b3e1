// Story: on the demo order page a shopper attaches a photo (with GPS in its EXIF) and a
// video; the widget checks them, downscales the photo, uploads both with progress, and
// the server holds a photo without location and a byte-identical video.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { byTestId, expect, openEvidence, startBackend, test } from "../fixtures.mjs";
import { sha256, syntheticMp4 } from "../support/media.mjs";
import { violations } from "../support/axe.mjs";

const fixtures = resolve("e2e/fixtures");

// axe (WCAG 2.2 AA) runs on the evidence list as it fails, uploads and pauses; it is
// injected into the page, which the demo page's CSP would refuse.
test.use({ bypassCSP: true });

/** The stored file: the page's shopper asks for a signed link, the test downloads it
 * (in Node: megabytes passed back through `page.evaluate` as a number array took
 * half a minute). */
async function download(page, backend, uploadId) {
  const link = await page.evaluate(async ({ origin, uploadId }) => {
    const shopper = localStorage.getItem("aftercare-demo-shopper");
    const { token } = await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json();
    return (await fetch(`${origin}/v1/uploads/${uploadId}/link`, { headers: { authorization: `Bearer ${token}` } })).json();
  }, { origin: backend.origin, uploadId });
  const response = await fetch(backend.origin + link.url);
  return { type: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
}

test("a photo and a video attached through the file input are cleaned and stored", async ({ page, assets }) => {
  const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
  const video = syntheticMp4(3 * 1024 * 1024, { seed: 11 });
  writeFileSync(join(work, "clip.mp4"), video);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await expect(byTestId(page, "evidence")).toBeVisible();
  await byTestId(page, "file-input").setInputFiles([join(fixtures, "gps.jpg"), join(work, "clip.mp4")]);

  const items = byTestId(page, "evidence-item");
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(items.nth(1)).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(items.nth(1).getByTestId("evidence-status")).toHaveText("Uploaded");
  await expect(items.nth(1).locator("progress")).toHaveJSProperty("value", 100);
  // The live region says the last change: whichever of the two finished last.
  await expect(byTestId(page, "evidence-announcer")).toHaveText(/^(gps\.jpg|clip\.mp4): Uploaded$/);

  const photoId = await items.nth(0).getAttribute("data-upload-id");
  const videoId = await items.nth(1).getAttribute("data-upload-id");
  const photo = await download(page, assets, photoId);
  expect(photo.type).toBe("image/jpeg");
  const photoPath = join(work, "stored.jpg");
  writeFileSync(photoPath, Buffer.from(photo.bytes));
  const tags = JSON.parse(execFileSync("exiftool", ["-j", photoPath]).toString())[0];
  expect(Object.keys(tags).filter((key) => key.includes("GPS"))).toEqual([]);
  expect(tags.ImageWidth).toBe(64);

  const stored = await download(page, assets, videoId);
  expect(stored.type).toBe("video/mp4");
  expect(sha256(Buffer.from(stored.bytes))).toBe(sha256(video));
  expect(readFileSync(join(work, "clip.mp4")).length).toBe(video.length);
});

test("a file that is not a photo or video is refused in the browser, with the reason", async ({ page, assets }) => {
  const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
  writeFileSync(join(work, "invoice.jpg"), "MZ\x90\x00 not really a photo");
  writeFileSync(join(work, "page.png"), "<!doctype html><script>alert(1)</script>");
  const requests = [];
  page.on("request", (request) => request.url().includes("/v1/uploads") && requests.push(request.url()));
  await page.goto(assets.url);
  await openEvidence(page);
  await byTestId(page, "file-input").setInputFiles([join(work, "invoice.jpg"), join(work, "page.png")]);
  const items = byTestId(page, "evidence-item");
  await expect(items).toHaveCount(2);
  for (const index of [0, 1]) {
    await expect(items.nth(index)).toHaveAttribute("data-status", "failed");
    await expect(items.nth(index).getByTestId("evidence-status")).toContainText("不支持此文件");
  }
  expect(requests, "nothing was sent").toEqual([]);
  expect(await violations(page, "aftercare-widget"), "axe with failed items").toEqual([]);
  await items.nth(0).getByTestId("evidence-remove").click();
  await expect(items).toHaveCount(1);
});

/** Puts files into the page as File objects (for drop and paste), from bytes. */
async function filesHandle(page, files) {
  return page.evaluateHandle((files) => {
    const transfer = new DataTransfer();
    for (const { name, type, bytes } of files) transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
    return transfer;
  }, files);
}

const photoFile = () => ({ name: "gps.jpg", type: "image/jpeg", bytes: Array.from(readFileSync(join(fixtures, "gps.jpg"))) });

test("files can be dropped and pasted", async ({ page, assets }) => {
  await page.goto(assets.url);
  await openEvidence(page);
  const zone = byTestId(page, "evidence");
  await zone.dispatchEvent("drop", { dataTransfer: await filesHandle(page, [photoFile()]) });
  const items = byTestId(page, "evidence-item");
  await expect(items).toHaveCount(1);
  const transfer = await filesHandle(page, [{ ...photoFile(), name: "pasted.jpg" }]);
  await zone.evaluate((element, clipboardData) => {
    element.dispatchEvent(new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }));
  }, transfer);
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute("data-status", "done");
  await expect(items.nth(1)).toHaveAttribute("data-status", "done");
  await expect(items.nth(1)).toContainText("pasted.jpg");
});

test("a limit violation says what is allowed", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  const photos = Array.from({ length: 10 }, (_, i) => ({ ...photoFile(), name: `photo-${i}.jpg` }));
  await byTestId(page, "evidence").dispatchEvent("drop", { dataTransfer: await filesHandle(page, photos) });
  const items = byTestId(page, "evidence-item");
  await expect(items).toHaveCount(10);
  await expect(page.locator('aftercare-widget [data-testid=evidence-item][data-status=failed]')).toHaveCount(1);
  await expect(page.locator('aftercare-widget [data-testid=evidence-item][data-status=failed]')).toContainText("At most 9 photos.");
  await expect(page.locator('aftercare-widget [data-testid=evidence-item][data-status=done]')).toHaveCount(9, { timeout: 20_000 });
});

test("a video shows its poster frame and duration; one longer than the merchant allows is refused", async ({ page, assets }) => {
  // The merchant's backend allows videos of up to 5 seconds.
  await page.route("**/v1/widget-config**", async (route) => {
    const response = await route.fetch();
    const config = await response.json();
    config.evidence = { ...config.evidence, max_video_seconds: 5 };
    await route.fulfill({ response, json: config });
  });
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await byTestId(page, "file-input").setInputFiles([join(fixtures, "located.mp4"), join(fixtures, "ten-seconds.mp4")]);
  const items = byTestId(page, "evidence-item");
  await expect(items.nth(0)).toHaveAttribute("data-status", "done", { timeout: 20_000 });
  await expect(items.nth(0).getByTestId("evidence-duration")).toHaveText(" · 0:01");
  const poster = items.nth(0).getByTestId("evidence-thumb");
  await expect(poster).toBeVisible();
  expect(await poster.evaluate((img) => img.complete && [img.naturalWidth, img.naturalHeight])).toEqual([160, 120]);
  await expect(items.nth(1)).toHaveAttribute("data-status", "failed");
  await expect(items.nth(1).getByTestId("evidence-status")).toHaveText("Too long: each video may be up to 0:05. Trim it and add it again.");
});

test("files can be put in order, and the order survives a reload", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  const names = ["first.jpg", "second.jpg", "third.jpg"];
  await byTestId(page, "evidence").dispatchEvent("drop", {
    dataTransfer: await filesHandle(page, names.map((name) => ({ ...photoFile(), name }))),
  });
  const items = byTestId(page, "evidence-item");
  for (let i = 0; i < 3; i++) await expect(items.nth(i)).toHaveAttribute("data-status", "done");
  const order = () => items.locator(".ac-evidence__name").evaluateAll((rows) => rows.map((row) => row.firstChild.textContent));
  await expect(items.nth(0).getByTestId("evidence-earlier")).toBeDisabled();
  await expect(items.nth(2).getByTestId("evidence-later")).toBeDisabled();
  await items.nth(0).getByRole("button", { name: "Move later first.jpg" }).click();
  await expect.poll(order).toEqual(["second.jpg", "first.jpg", "third.jpg"]);
  // Focus comes back to the button that was pressed, so the keyboard can keep moving it.
  await expect(items.getByRole("button", { name: "Move later first.jpg" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect.poll(order).toEqual(["second.jpg", "third.jpg", "first.jpg"]);
  await items.nth(1).getByTestId("evidence-earlier").click();
  await expect.poll(order).toEqual(["third.jpg", "second.jpg", "first.jpg"]);
  await page.reload();
  await openEvidence(page);
  await expect.poll(order).toEqual(["third.jpg", "second.jpg", "first.jpg"]);
});

test("a dropped connection is retried, and an upload can be paused and resumed", async ({ page, assets }) => {
  const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
  const video = syntheticMp4(3 * 1024 * 1024, { seed: 21 });
  writeFileSync(join(work, "clip.mp4"), video);
  // The network, scripted: the first PATCH goes through, the second is cut off (as
  // when a phone loses signal), the next ones wait until the test lets them go.
  let patches = 0;
  let release;
  const released = new Promise((ok) => (release = ok));
  await page.route("**/v1/uploads/*", async (route) => {
    if (route.request().method() !== "PATCH") return route.continue();
    patches += 1;
    if (patches === 1) return route.continue();
    if (patches === 2) return route.abort("internetdisconnected");
    await released;
    return route.continue().catch(() => {}); // a paused upload aborts its request
  });
  page.allowProblems(/ERR_INTERNET_DISCONNECTED|Failed to load resource/);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await byTestId(page, "file-input").setInputFiles(join(work, "clip.mp4"));
  const item = byTestId(page, "evidence-item");
  const sent = () => item.locator("progress").evaluate((p) => p.value);
  await expect.poll(() => patches).toBeGreaterThanOrEqual(3); // cut off, then retried
  expect(await sent()).toBeGreaterThan(0);
  await expect(item).toHaveAttribute("data-status", "uploading");
  expect(await violations(page, "aftercare-widget"), "axe while uploading").toEqual([]);

  await item.getByTestId("evidence-pause").click();
  await expect(item).toHaveAttribute("data-status", "paused");
  await expect(item.getByTestId("evidence-status")).toHaveText("Paused");
  expect(await violations(page, "aftercare-widget"), "axe while paused").toEqual([]);
  const pausedAt = await sent();
  release();
  await item.getByTestId("evidence-pause").click(); // now "Resume"
  await expect(item).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  expect(pausedAt).toBeLessThan(100);
  const stored = await download(page, assets, await item.getAttribute("data-upload-id"));
  expect(sha256(Buffer.from(stored.bytes))).toBe(sha256(video));
});

/** Holds every PATCH after the first `pass` until `cut()`, which drops them. */
/**
 * Lets `pass` PATCHes through and holds the next. `cut()` resets the held one and every
 * later one, so nothing more reaches the server until `unstall()` — a reload in between
 * happens mid-upload however fast the machine is.
 */
async function stallUploads(page, pass) {
  let patches = 0;
  let cutNow;
  const cutting = new Promise((ok) => (cutNow = ok));
  await page.route("**/v1/uploads/*", async (route) => {
    if (route.request().method() !== "PATCH" || ++patches <= pass) return route.continue();
    await cutting;
    return route.abort("connectionreset").catch(() => {});
  });
  return {
    // Cuts the stalled PATCH (and every later one) and waits until the browser has
    // seen one fail, so no intercepted request is in flight when the page reloads.
    cut: async () => {
      const failed = page.waitForEvent("requestfailed", { predicate: (r) => r.method() === "PATCH", timeout: 20_000 });
      cutNow();
      await failed;
    },
    unstall: () => page.unrouteAll({ behavior: "ignoreErrors" }),
  };
}

test("a reload mid-upload resumes from the server's offset (file kept in IndexedDB)", async ({ page, assets }) => {
  page.allowProblems(/ERR_CONNECTION_RESET|ERR_ABORTED|Failed to load resource/);
  const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
  const video = syntheticMp4(6 * 1024 * 1024, { seed: 31 });
  writeFileSync(join(work, "reload.mp4"), video);
  const stall = await stallUploads(page, 1);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await byTestId(page, "file-input").setInputFiles(join(work, "reload.mp4"));
  const item = byTestId(page, "evidence-item");
  await expect.poll(() => item.locator("progress").evaluate((p) => p.value)).toBeGreaterThan(0);
  await stall.cut();

  const resumedAt = [];
  page.on("request", (request) => {
    if (request.method() === "PATCH") resumedAt.push(Number(request.headers()["upload-offset"]));
  });
  await page.reload();
  await stall.unstall();
  await openEvidence(page);
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("reload.mp4");
  await expect(item).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  expect(resumedAt[0], "resumed, not restarted").toBeGreaterThan(0);
  const stored = await download(page, assets, await item.getAttribute("data-upload-id"));
  expect(sha256(Buffer.from(stored.bytes))).toBe(sha256(video));
});

test("after a reload, a large file must be chosen again, and only the same file is taken", async ({ page, assets }) => {
  page.allowProblems(/ERR_CONNECTION_RESET|ERR_ABORTED|Failed to load resource/);
  const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
  const video = syntheticMp4(12 * 1024 * 1024, { seed: 41 });
  writeFileSync(join(work, "big.mp4"), video);
  writeFileSync(join(work, "other.mp4"), syntheticMp4(12 * 1024 * 1024, { seed: 42 }));
  const stall = await stallUploads(page, 1);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await byTestId(page, "file-input").setInputFiles(join(work, "big.mp4"));
  const item = byTestId(page, "evidence-item");
  await expect.poll(() => item.locator("progress").evaluate((p) => p.value)).toBeGreaterThan(0);
  await stall.cut();
  await page.reload();
  await stall.unstall();
  await page.getByRole("button", { name: "English" }).click();
  await openEvidence(page);
  await expect(item).toHaveAttribute("data-status", "reselect", { timeout: 20_000 });
  await expect(item.getByTestId("evidence-status")).toContainText("choose this file again");

  await item.getByTestId("evidence-reselect-input").setInputFiles(join(work, "other.mp4"));
  await expect(item.getByTestId("evidence-status")).toContainText("not the same file");
  await item.getByTestId("evidence-reselect-input").setInputFiles(join(work, "big.mp4"));
  await expect(item).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  const stored = await download(page, assets, await item.getAttribute("data-upload-id"));
  expect(sha256(Buffer.from(stored.bytes))).toBe(sha256(video));
});

test("when the order token expires mid-upload, the widget asks the page for a fresh one and carries on", async ({ page }) => {
  page.allowProblems(/status of 401/);
  const backend = await startBackend({ staticDir: resolve("dist") });
  try {
    const work = mkdtempSync(join(tmpdir(), "aftercare-evidence-"));
    const video = syntheticMp4(3 * 1024 * 1024, { seed: 51 });
    writeFileSync(join(work, "late.mp4"), video);
    // After the first PATCH, half an hour passes on the server: the token has expired.
    let patches = 0;
    await page.route("**/v1/uploads/*", async (route) => {
      if (route.request().method() === "PATCH" && ++patches === 2) {
        await fetch(`${backend.origin}/dev/clock`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ advance_seconds: 31 * 60 }),
        });
      }
      return route.continue();
    });
    await page.addInitScript(() => {
      window.tokenExpired = 0;
      document.addEventListener("aftercare:token-expired", () => (window.tokenExpired += 1));
    });
    await page.goto(backend.url);
    await openEvidence(page);
    await byTestId(page, "file-input").setInputFiles(join(work, "late.mp4"));
    const item = byTestId(page, "evidence-item");
    await expect(item).toHaveAttribute("data-status", "done", { timeout: 30_000 });
    expect(await page.evaluate(() => window.tokenExpired)).toBeGreaterThanOrEqual(1);
    const stored = await download(page, backend, await item.getAttribute("data-upload-id"));
    expect(sha256(Buffer.from(stored.bytes))).toBe(sha256(video));
  } finally {
    await backend.close();
  }
});
