// Story: a shopper searches the FAQ as they type, in English or Chinese.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

test("an English query narrows the FAQ", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openWidget(page);
  const items = byTestId(page, "faq-item");
  await expect(items).toHaveCount(7);
  await byTestId(page, "faq-search").fill("email");
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText("How do I contact customer service by email?");
  await items.first().locator("summary").click();
  await expect(items.first()).toContainText("service@tmall.com");
  await byTestId(page, "faq-search").fill("no such thing");
  await expect(items).toHaveCount(0);
  await expect(byTestId(page, "faq-empty")).toHaveText("No matching questions");
});

test("a Chinese query narrows the FAQ", async ({ page, assets }) => {
  await page.goto(assets.url);
  await openWidget(page);
  await byTestId(page, "faq-search").fill("物流");
  const items = byTestId(page, "faq-item");
  await expect(items).toHaveCount(1);
  await expect(items.first()).toContainText("遇到物流问题,该如何解决?");
});
