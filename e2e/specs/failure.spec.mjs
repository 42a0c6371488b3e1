// Story: whatever goes wrong inside the widget, the merchant's page keeps working.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

test("a panic inside the widget removes it; the host page's own button still works", async ({ browser, testHookAssets }) => {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(testHookAssets.url);
  await openWidget(page);
  await page.evaluate(() => window.Aftercare.openChannel("panic"));
  await expect(page.locator("aftercare-widget")).toHaveCount(0);
  expect(errors.some((e) => e.includes("test-only panic"))).toBe(true);
  expect(errors.some((e) => e.includes("[aftercare] the widget stopped"))).toBe(true);
  expect(pageErrors).toEqual([]);
  // Further API calls are harmless no-ops.
  await page.evaluate(() => window.Aftercare.open());
  await page.getByTestId("host-button").click();
  await page.getByTestId("host-button").click();
  await expect(page.getByTestId("host-output")).toHaveText("clicked 2");
  await page.close();
});

test("an invalid configuration is reported by field and the rest still shows", async ({ page, pages }) => {
  page.allowProblems(/invalid configuration|invalid order context/);
  await page.goto(pages.url + "bad-config.html");
  await openWidget(page);
  await expect(byTestId(page, "phone-number")).toHaveText("9510211");
  await expect(byTestId(page, "channel-weibo")).toHaveCount(0);
  await expect(byTestId(page, "channel-wechat")).toBeVisible();
  const reported = page.problems.join("\n");
  expect(reported).toContain("channels.phone.menu_key");
  expect(reported).toContain("channels.weibo.url");
});
