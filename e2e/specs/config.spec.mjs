// Story: a merchant configures the widget from their backend, the tag, or both; a
// backend that fails never leaves the shopper without a widget.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

test("the backend's widget-config applies, and the tag's data-config wins over it", async ({ page, pages }) => {
  const asked = [];
  page.on("request", (request) => request.url().includes("widget-config") && asked.push(request.url()));
  await page.goto(pages.url + "remote-config.html");
  await openWidget(page);
  await expect(byTestId(page, "phone-number")).toHaveText("400-800-0000");
  await expect(byTestId(page, "phone-menu")).toHaveText("After the greeting, press 2 for after-sale help");
  await expect(byTestId(page, "channel-email")).toHaveCount(0);
  await expect(byTestId(page, "chat-start")).toHaveAttribute("href", "https://chat.example/demo-shop");
  expect(asked).toEqual([pages.origin + "/v1/widget-config?merchant=demo"]);
});

test("a failing backend falls back to the tag and the defaults", async ({ page, pages }) => {
  page.allowProblems(/no-backend-here|404/);
  await page.goto(pages.url + "dead-endpoint.html");
  await openWidget(page);
  await expect(byTestId(page, "phone-number")).toHaveText("9510211");
  await expect(byTestId(page, "phone-menu")).toBeVisible();
  await expect.poll(() => page.problems.some((p) => p.includes("HTTP 404; using the tag's configuration"))).toBe(true);
});

test("data-preload=idle fetches the widget without any intent", async ({ page, pages }) => {
  const wasm = [];
  page.on("request", (request) => request.url().endsWith(".wasm") && wasm.push(request.url()));
  await page.goto(pages.url + "preload.html");
  await expect.poll(() => wasm.length).toBe(1);
  await openWidget(page);
  expect(wasm.length).toBe(1);
});
