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
  page.on("request", (request) => request.url().endsWith(".wasm") && wasm.push(new URL(request.url()).pathname));
  const first = () => wasm.filter((path) => path.endsWith("_bg.wasm"));
  await page.goto(pages.url + "preload.html");
  await expect.poll(() => first().length).toBe(1);
  expect(wasm).toEqual(first()); // the first module only, until the panel opens
  await openWidget(page);
  // Open: the case flow's and My requests' chunks come while the page is idle.
  await expect.poll(() => wasm.filter((path) => /\/split_(case|requests)\.[0-9a-f]{16}\.wasm$/.test(path)).length).toBe(2);
  expect(first().length).toBe(1);
});
