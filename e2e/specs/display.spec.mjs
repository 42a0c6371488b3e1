// Story: every shopper reads the widget — in a dark system theme or the page's chosen
// one, with forced colours (Windows high contrast), with reduced motion — and axe
// (WCAG 2.2 AA, inside the shadow root) finds nothing on the launcher and the panel.
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { violations } from "../support/axe.mjs";

const SURFACE = { light: "rgb(255, 255, 255)", dark: "rgb(28, 31, 36)" };

async function panelBackground(page) {
  return byTestId(page, "panel").evaluate((el) => getComputedStyle(el).backgroundColor);
}

for (const colorScheme of ["light", "dark"]) {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 640 }]) {
    test(`axe finds nothing on the launcher and the panel: ${colorScheme}, ${viewport.width} px, both languages`, async ({ browser, pages }) => {
      const context = await browser.newContext({ bypassCSP: true, colorScheme, viewport });
      const page = await context.newPage();
      await page.goto(pages.url + "plain.html");
      expect(await violations(page), "the launcher").toEqual([]);
      await byTestId(page, "launcher").click();
      await expect(page.getByRole("dialog")).toBeVisible();
      expect(await panelBackground(page)).toBe(SURFACE[colorScheme]);
      await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible(); // its chunk has arrived: axe sees the panel whole
      expect(await violations(page), "the panel, English").toEqual([]);
      await byTestId(page, "faq-search").fill("no such question at all");
      expect(await violations(page), "the FAQ with no results").toEqual([]);
      await page.evaluate(() => window.Aftercare.setLocale("zh-CN"));
      await expect(byTestId(page, "faq-search")).toHaveAttribute("placeholder", /[\u4e00-\u9fff]/);
      await byTestId(page, "faq-search").fill("退款");
      expect(await violations(page), "the panel, Chinese, FAQ results").toEqual([]);
      await context.close();
    });
  }
}

test("data-theme on the tag wins over the system's theme, both ways", async ({ browser, pages }) => {
  for (const [colorScheme, theme] of [["light", "dark"], ["dark", "light"]]) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    const page = await context.newPage();
    await page.goto(pages.url + "plain.html");
    await page.evaluate((theme) => window.Aftercare.boot({ merchant: "demo", locale: "en", theme }), theme);
    await byTestId(page, "launcher").click();
    await expect(page.getByRole("dialog")).toBeVisible();
    expect(await panelBackground(page)).toBe(SURFACE[theme]);
    expect(await violations(page)).toEqual([]);
    await context.close();
  }
});

test("forced colours keep the panel's edge and the focus visible; reduced motion stops the panel's animation", async ({ browser, pages }) => {
  const context = await browser.newContext({ forcedColors: "active", reducedMotion: "reduce" });
  const page = await context.newPage();
  await page.goto(pages.url + "plain.html");
  await page.evaluate(() => window.Aftercare.openChannel("phone"));
  await expect(byTestId(page, "channel-phone")).toBeFocused();
  const styles = await page.evaluate(() => {
    const root = document.querySelector("aftercare-widget").shadowRoot;
    const panel = root.querySelector("[data-testid=panel]");
    const card = root.querySelector("[data-channel=phone]");
    return {
      edge: getComputedStyle(panel).borderTopStyle,
      focus: getComputedStyle(card).outlineStyle,
      animations: root.getAnimations().length,
    };
  });
  expect(styles).toEqual({ edge: "solid", focus: "solid", animations: 0 });
  await context.close();
});

test("dark mode on the demo order page, desktop in Chinese and a phone in English (README's screenshots)", async ({ browser, assets }) => {
  for (const [locale, viewport, name] of [["中文", { width: 1280, height: 800 }, "demo-zh-desktop-dark"], ["English", { width: 390, height: 844 }, "demo-en-phone-dark"]]) {
    const context = await browser.newContext({ colorScheme: "dark", viewport });
    const page = await context.newPage();
    await page.goto(assets.url);
    await page.getByRole("button", { name: locale }).click();
    await openWidget(page);
    expect(await panelBackground(page)).toBe(SURFACE.dark);
    await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible(); // on its white tile, still scannable
    await page.evaluate(() => Promise.all(document.querySelector("aftercare-widget").shadowRoot.getAnimations().map((a) => a.finished)));
    await page.screenshot({ path: `${artifacts}/${name}.png` });
    await context.close();
  }
});

test("on a phone every control of the panel is a touch target of at least 44×44 CSS px", async ({ browser, pages }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(pages.url + "plain.html");
  await byTestId(page, "launcher").tap();
  await expect(page.getByRole("dialog")).toBeVisible();
  const small = await page.evaluate(() => {
    const root = document.querySelector("aftercare-widget").shadowRoot;
    const controls = [root.querySelector("[data-testid=launcher]"), ...root.querySelectorAll(".ac-panel button, .ac-panel a[href], .ac-panel input, .ac-panel summary, .ac-panel textarea")];
    return controls
      .filter((el) => el && el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 43.5 || box.height < 43.5) // layout rounds to sub-pixels (43.98 is 44)
      .map(({ el, box }) => `${el.getAttribute("data-testid") || el.className || el.tagName} ${Math.round(box.width)}×${Math.round(box.height)}`);
  });
  expect(small).toEqual([]);
  await context.close();
});

test("a page without a mobile viewport: on a phone the launcher and the bottom sheet are shown at their real size", async ({ browser, pages }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
  const page = await context.newPage();
  await page.goto(pages.url + "no-viewport.html");
  const view = await page.evaluate(() => ({ layout: innerWidth, screen: screen.width, visual: visualViewport.width, height: innerHeight }));
  expect(view.layout, "the page is laid out desktop-wide").toBeGreaterThan(900);
  // What the shopper sees, in the phone's CSS px: the page is shown at screen/visual.
  const shown = (px) => (px * view.screen) / view.visual;
  const launcher = await byTestId(page, "launcher").boundingBox();
  expect(shown(launcher.height)).toBeCloseTo(48, 0);
  await byTestId(page, "launcher").tap();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.evaluate(() => Promise.all(document.querySelector("aftercare-widget").shadowRoot.getAnimations().map((a) => a.finished)));
  const panel = await byTestId(page, "panel").boundingBox();
  expect(shown(panel.width), "the sheet spans the phone's width").toBeCloseTo(view.screen, 0);
  expect(panel.x).toBeCloseTo(0, 0);
  expect(panel.y + panel.height, "at the bottom").toBeCloseTo(view.height, 0);
  // Its text reads at the size it has on a page with a mobile viewport.
  const text = await byTestId(page, "phone-number").evaluate((el) => el.getBoundingClientRect().height);
  const reference = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  const normal = await reference.newPage();
  await normal.goto(pages.url + "plain.html");
  await byTestId(normal, "launcher").tap();
  const expected = await byTestId(normal, "phone-number").evaluate((el) => el.getBoundingClientRect().height);
  expect(shown(text)).toBeCloseTo(expected, 0);
  await page.screenshot({ path: `${artifacts}/no-viewport-phone.png` });
  await reference.close();
  await context.close();
});
