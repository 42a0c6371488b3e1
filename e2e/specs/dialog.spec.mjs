// Story: the panel is a proper dialog, usable with the keyboard alone, and a bottom
// sheet on a phone.
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";

test("keyboard only: open, stay inside, Esc closes, focus returns", async ({ page, assets }) => {
  await page.goto(assets.url);
  await byTestId(page, "launcher").focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toBeFocused();
  // Tab through more controls than the dialog has: focus never leaves it.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const inside = await page.evaluate(() => {
      const root = document.querySelector("aftercare-widget").shadowRoot;
      return Boolean(root.activeElement && root.querySelector("[role=dialog]").contains(root.activeElement));
    });
    expect(inside, `focus left the dialog after ${i + 1} Tab presses`).toBe(true);
  }
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(byTestId(page, "launcher")).toBeFocused();
  await expect(byTestId(page, "launcher")).toHaveAttribute("aria-expanded", "false");
});

test("every control in the dialog has an accessible name", async ({ page, assets }) => {
  await page.goto(assets.url);
  await openWidget(page);
  const unnamed = await page.evaluate(() => {
    const root = document.querySelector("aftercare-widget").shadowRoot;
    return [...root.querySelectorAll("button, a[href], input")]
      .filter((el) => !(el.getAttribute("aria-label") || el.textContent.trim()))
      .map((el) => el.outerHTML);
  });
  expect(unnamed).toEqual([]);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });

  test("the panel is a bottom sheet", async ({ page, assets }) => {
    await page.goto(assets.url);
    await byTestId(page, "launcher").tap();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    // Polled: the sheet slides up into place.
    await expect
      .poll(async () => {
        const box = await dialog.boundingBox();
        return [box.x, box.width, Math.round(box.y + box.height)];
      })
      .toEqual([0, 360, 640]);
    await page.screenshot({ path: `${artifacts}/demo-zh-phone.png` });
    await page.getByRole("button", { name: "English" }).evaluate((b) => b.click());
    await expect(byTestId(page, "launcher")).toHaveText("Contact support");
    await page.screenshot({ path: `${artifacts}/demo-en-phone.png` });
  });
});
