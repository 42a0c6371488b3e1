// Story: a shopper with low vision zooms the browser to 400 % (a 1280 px window is then
// 320 CSS px wide: WCAG 1.4.10 reflow) or to 200 % (1.4.4 resize text), or uses a
// 320 px phone. Every screen of the widget reflows into that width: the page does not
// scroll sideways, nothing in the panel is clipped or sticks out of it, and the last
// control of each screen can still be scrolled to.
import { resolve } from "node:path";
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { walkToEvidence } from "../support/walk.mjs";

/** What does not reflow: sideways scrolling, clipping, parts outside the panel. */
function problems(page) {
  return page.evaluate(() => {
    const found = [];
    const name = (el) => el.getAttribute("data-testid") || `${el.tagName.toLowerCase()}.${el.className}`;
    const doc = document.scrollingElement;
    if (doc.scrollWidth > innerWidth + 1) found.push(`the page scrolls sideways (${doc.scrollWidth} > ${innerWidth})`);
    const panel = document.querySelector("aftercare-widget").shadowRoot.querySelector(".ac-panel");
    const edge = panel.getBoundingClientRect();
    if (edge.left < -1 || edge.right > innerWidth + 1) found.push(`the panel spans ${edge.left}..${edge.right}`);
    for (const el of panel.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      // (1 px: the visually hidden inputs and live regions, not content)
      if (!el.getClientRects().length || box.width <= 1) continue;
      if (box.left < edge.left - 1 || box.right > edge.right + 1) found.push(`${name(el)} sticks out (${box.left}..${box.right})`);
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1 && getComputedStyle(el).overflowX !== "visible") {
        found.push(`${name(el)} is clipped or scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    return found;
  });
}

/** The screen's last control scrolled into view is inside the viewport, whole. */
async function lastReachable(page, what) {
  const last = page.locator("aftercare-widget .ac-panel").locator("button:visible, a[href]:visible, input:visible, textarea:visible").last();
  await last.scrollIntoViewIfNeeded();
  const box = await last.boundingBox();
  const view = page.viewportSize();
  expect(box.y >= 0 && box.y + box.height <= view.height + 1, `${what}: its last control can be scrolled to`).toBe(true);
}

for (const [name, viewport, deviceScaleFactor] of [
  ["400 % zoom of a 1280 px window", { width: 320, height: 256 }, 4],
  ["200 % zoom of a 1280 px window", { width: 640, height: 512 }, 2],
  ["a 320 px phone", { width: 320, height: 568 }, 2],
]) {
  test(`every screen reflows: ${name}`, async ({ browser, assets }) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor });
    const page = await context.newPage();
    await page.goto(assets.url);
    await page.getByRole("button", { name: "English" }).click();
    await openWidget(page);
    expect(await problems(page), "home").toEqual([]);
    await lastReachable(page, "home");
    await byTestId(page, "faq-item").first().locator("summary").click();
    expect(await problems(page), "an FAQ answer").toEqual([]);

    await walkToEvidence(page);
    await byTestId(page, "case-description").fill("The lid is cracked and it leaks; ".repeat(12));
    await byTestId(page, "file-input").setInputFiles(resolve("e2e/fixtures/gps.jpg"));
    await expect(byTestId(page, "evidence-item")).toHaveAttribute("data-status", "done");
    expect(await problems(page), "details with a photo").toEqual([]);
    await lastReachable(page, "details");
    await byTestId(page, "case-next").click();
    await byTestId(page, "case-next").click();
    await expect(byTestId(page, "case-flow")).toHaveAttribute("data-step", "review");
    expect(await problems(page), "review").toEqual([]);
    await lastReachable(page, "review");
    await byTestId(page, "case-submit").click();
    await expect(byTestId(page, "case-flow")).toHaveAttribute("data-step", "receipt");
    expect(await problems(page), "receipt").toEqual([]);
    await byTestId(page, "case-requests").click();
    await expect(byTestId(page, "request")).toHaveCount(1);
    expect(await problems(page), "My requests").toEqual([]);
    await lastReachable(page, "My requests");
    await page.screenshot({ path: `${artifacts}/reflow-${viewport.width}.png` });
    await context.close();
  });
}
