// Screenshots of every step of the case flow, in Chinese and English, on a desktop and
// a phone, kept in e2e/artifacts/case/ (the README shows some). Each run also checks
// that every step renders inside the viewport width (nothing cut off on a phone), and
// runs axe (WCAG 2.2 AA, inside the shadow root) on every step, with its errors shown
// and without, on the receipt and on My requests.
import { resolve } from "node:path";
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { violations } from "../support/axe.mjs";

const fixtures = resolve("e2e/fixtures");

// axe is injected into the page, which the demo page's CSP would refuse.
test.use({ bypassCSP: true });

for (const [device, viewport] of [["desktop", { width: 1280, height: 860 }], ["phone", { width: 360, height: 740 }]]) {
  for (const locale of ["zh", "en"]) {
    test(`every step, ${locale}, ${device}`, async ({ page, assets }) => {
      await page.setViewportSize(viewport);
      await page.goto(assets.url);
      await page.getByRole("button", { name: locale === "zh" ? "中文" : "English" }).click();
      await openWidget(page);
      const flow = byTestId(page, "case-flow");
      const shot = async () => {
        const step = await flow.getAttribute("data-step");
        const width = await flow.evaluate((el) => el.getBoundingClientRect().right);
        expect(width, `${step} fits the viewport`).toBeLessThanOrEqual(viewport.width);
        await page.screenshot({ path: `${artifacts}/case/${step}-${locale}-${device}.png` });
        expect(await violations(page, "aftercare-widget"), `axe on ${step}`).toEqual([]);
      };
      // A step's errors, shown by pressing Next before it is answered.
      const refused = async () => {
        const step = await flow.getAttribute("data-step");
        await next();
        await expect(byTestId(page, "case-errors").locator("li").first()).toBeVisible();
        expect(await violations(page, "aftercare-widget"), `axe on ${step} with its errors`).toEqual([]);
      };
      const next = async () => byTestId(page, "case-next").click();
      await byTestId(page, "case-start").click();
      await refused();
      await byTestId(page, "case-item").first().locator("input").check();
      await shot();
      await next();
      await refused();
      await byTestId(page, "case-problem-quality").click();
      await byTestId(page, "case-reason-broken").click();
      await shot();
      await next();
      await shot();
      await next();
      await refused();
      await byTestId(page, "case-resolution-exchange").click();
      await shot();
      await next();
      await refused();
      await byTestId(page, "case-description").fill(locale === "zh" ? "杯盖有裂缝,倒水会漏。" : "The lid is cracked and it leaks.");
      await byTestId(page, "file-input").setInputFiles(resolve(fixtures, "gps.jpg"));
      await expect(byTestId(page, "evidence-item")).toHaveAttribute("data-status", "done");
      await shot();
      await next();
      await shot();
      await next();
      await shot();
      await byTestId(page, "case-submit").click();
      await expect(flow).toHaveAttribute("data-step", "receipt");
      await shot();
      await byTestId(page, "case-requests").click();
      await expect(byTestId(page, "request")).toHaveCount(1);
      await page.screenshot({ path: `${artifacts}/case/requests-${locale}-${device}.png` });
      expect(await violations(page, "aftercare-widget"), "axe on My requests").toEqual([]);
    });
  }
}
