// Story: time passes. With the server's clock moved on (`POST /dev/clock`, on a
// backend of the test's own): an order token that expired mid-form is replaced
// through the page's onTokenRequest and the case files once; a seller who does not
// answer within 48 hours opens "request platform intervention". And where the browser
// keeps no storage, the flow still works and says drafts cannot be kept.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { byTestId, expect, openWidget, startBackend, test } from "../fixtures.mjs";

const fixtures = resolve("e2e/fixtures");
const step = (page) => byTestId(page, "case-flow");

async function advance(backend, seconds) {
  const response = await fetch(`${backend.origin}/dev/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  expect(response.status).toBe(200);
}

/** Fills a not-as-described case (colour, refund only) with a photo and a video, up to the review. */
async function fillNotAsDescribed(page) {
  await byTestId(page, "case-start").click();
  await byTestId(page, "case-item").nth(1).locator("input").check();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-problem-not_as_described").click();
  await byTestId(page, "case-reason-colour").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-resolution-refund_only").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-description").fill("Ordered white, the earbuds are grey.");
  await byTestId(page, "file-input").setInputFiles([resolve(fixtures, "gps.jpg"), resolve(fixtures, "located.mp4")]);
  await expect(page.locator("aftercare-widget [data-testid=evidence-item][data-status=done]")).toHaveCount(2);
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-next").click();
  await expect(step(page)).toHaveAttribute("data-step", "review");
}

test("an expired order token is renewed through the page, and late sellers open platform intervention", async ({ page }) => {
  test.setTimeout(60_000);
  page.allowProblems(/401|Failed to load resource/);
  const backend = await startBackend({ staticDir: resolve("dist") });
  try {
    const key = execFileSync(process.env.AFTERCARE_SERVER_BIN, ["api-key", "--data-dir", backend.dataDir, "--merchant", "demo"]).toString().trim();
    await page.goto(backend.url);
    await page.getByRole("button", { name: "English" }).click();
    const expired = [];
    await page.exposeFunction("sawTokenExpired", () => expired.push(1));
    await page.evaluate(() => document.querySelector("aftercare-widget").addEventListener("aftercare:token-expired", () => window.sawTokenExpired()));
    await openWidget(page);
    await fillNotAsDescribed(page);

    // The form took longer than the token lives (30 minutes).
    await advance(backend, 31 * 60);
    await byTestId(page, "case-submit").click();
    await expect(step(page)).toHaveAttribute("data-step", "receipt");
    expect(expired.length, "the widget asked the page for a fresh token").toBeGreaterThan(0);
    const cases = (await (await fetch(`${backend.origin}/v1/merchant/cases?type=not_as_described`, { headers: { authorization: `Bearer ${key}` } })).json()).cases;
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ item_ids: ["item-2"], reason: "colour", resolution: "refund_only", description: "Ordered white, the earbuds are grey." });
    expect(cases[0].media.map((m) => m.kind).sort()).toEqual(["photo", "video"]);

    // The seller stays silent past 48 hours: the shopper may now ask the platform.
    await byTestId(page, "case-requests").click();
    const request = byTestId(page, "request");
    await expect(request).toHaveAttribute("data-state", "awaiting_seller");
    await expect(request.getByTestId("request-escalate")).toHaveCount(0);
    await advance(backend, 48 * 3600);
    await byTestId(page, "requests-back").click();
    await byTestId(page, "requests-open").click();
    await request.getByTestId("request-escalate").click();
    await request.getByTestId("request-escalate-reason").fill("The seller has not answered for two days.");
    await request.getByTestId("request-escalate-send").click();
    await expect(byTestId(page, "request")).toHaveAttribute("data-state", "escalated");
  } finally {
    await backend.close();
  }
});

test("without storage the flow still files, and says drafts cannot be kept", async ({ page, assets }) => {
  await page.addInitScript(() => {
    const original = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      if (String(key).startsWith("aftercare:draft:")) throw new DOMException("blocked", "SecurityError");
      return original.call(this, key, value);
    };
  });
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openWidget(page);
  await byTestId(page, "case-start").click();
  await expect(byTestId(page, "case-flow")).toContainText("This browser cannot keep drafts: submit before you leave the page.");
  await expect(byTestId(page, "case-flow").getByRole("status").filter({ hasText: "cannot keep drafts" })).toHaveCount(1);
  await byTestId(page, "case-item").first().locator("input").check();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-problem-logistics").click();
  await byTestId(page, "case-reason-damaged_in_transit").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-resolution-refund_only").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-submit").click();
  await expect(step(page)).toHaveAttribute("data-step", "receipt");
});
