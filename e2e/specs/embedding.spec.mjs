// Story: a merchant's developer embeds the widget with one script tag on their own
// page — served from another origin, under a strict CSP, next to hostile CSS — and
// the page pays only for the loader until the shopper shows intent.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { violations } from "../support/axe.mjs";


test("no widget code is fetched before intent; hovering the launcher fetches it", async ({ page, pages }) => {
  const fetched = [];
  page.on("request", (request) => fetched.push(request.url()));
  await page.goto(pages.url + "plain.html");
  await expect(byTestId(page, "launcher")).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(fetched.filter((url) => url.includes("aftercare-widget"))).toEqual([]);
  await byTestId(page, "launcher").hover();
  await expect.poll(() => fetched.filter((url) => url.endsWith(".wasm")).length).toBe(1);
});

test("the demo order page itself loads no widget code before intent", async ({ page, assets }) => {
  const fetched = [];
  page.on("request", (request) => fetched.push(request.url()));
  await page.goto(assets.url);
  await page.waitForLoadState("networkidle");
  expect(fetched.filter((url) => url.includes("aftercare-widget"))).toEqual([]);
  await byTestId(page, "launcher").focus();
  await expect.poll(() => fetched.filter((url) => url.endsWith("_bg.wasm")).length).toBe(1);
});

test("the backend serves the widget compressed, under hashed names cached for good", async ({ page, assets }) => {
  const responses = [];
  page.on("response", (response) => responses.push(response));
  await page.goto(assets.url);
  await openWidget(page);
  const find = (pattern) => responses.find((r) => pattern.test(new URL(r.url()).pathname));
  const wasm = find(/\/aftercare-widget\.[0-9a-f]{16}_bg\.wasm$/);
  const glue = find(/\/aftercare-widget\.[0-9a-f]{16}\.js$/);
  const loader = find(/\/aftercare\.js$/);
  for (const response of [wasm, glue]) {
    const headers = await response.allHeaders();
    expect(headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(["br", "gzip"]).toContain(headers["content-encoding"]);
  }
  expect((await wasm.allHeaders())["content-type"]).toBe("application/wasm");
  const headers = await loader.allHeaders();
  expect(headers["cache-control"]).toBe("public, max-age=300");
  expect(headers.etag).toMatch(/^W\/"[0-9a-f]{16}"$/);
  // Revalidated, the loader costs no body.
  const status = await page.evaluate(async (etag) => (await fetch("aftercare.js", { headers: { "if-none-match": etag } })).status, headers.etag);
  expect(status).toBe(304);
});

test("a chunk that cannot be fetched is said so, and a retry brings it", async ({ page, assets }) => {
  page.allowProblems(/split_case|split_qr|Failed to load resource|Failed to execute 'compile'|TypeError: Failed to fetch/);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  // The network drops every chunk: the prefetch and the shopper's choice both fail.
  await page.route(/\/(split|chunk)_[a-z0-9_]+\.[0-9a-f]{16}\.wasm$/, (route) => route.abort());
  await openWidget(page);
  await expect(byTestId(page, "channel-phone")).toBeVisible();
  // The WeChat card's QR code is a chunk too: its place says so, the card is there.
  const wechat = byTestId(page, "channel-wechat");
  await expect(wechat.locator("[data-testid=chunk-failed]")).toContainText("could not be loaded");
  await expect(byTestId(page, "wechat-name")).toBeVisible();
  await byTestId(page, "case-start").click();
  const failed = page.locator("aftercare-widget [data-testid=chunk-failed]:visible");
  await expect(failed).toContainText("could not be loaded");
  await expect(byTestId(page, "channel-phone")).toBeAttached(); // the widget is still there
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await failed.getByTestId("chunk-retry").click();
  await expect(byTestId(page, "case-flow")).toBeVisible();
  await byTestId(page, "case-back").click(); // home again, where the QR code's retry is
  await wechat.locator("[data-testid=chunk-retry]").click();
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible();
});

test("a chunk that arrives after the shopper went back is not drawn; asked again, it comes", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  // Every chunk is held until the shopper has left My requests again.
  const held = [];
  await page.route(/\/(split|chunk)_[a-z0-9_]+\.[0-9a-f]{16}\.wasm$/, (route) => held.push(route));
  await openWidget(page);
  await byTestId(page, "requests-open").click();
  await expect.poll(() => held.some((route) => route.request().url().includes("split_requests"))).toBe(true);
  await byTestId(page, "requests-back").click();
  await expect(byTestId(page, "channel-phone")).toBeVisible();
  const arrived = page.waitForResponse((response) => response.url().includes("split_requests"));
  for (const route of held.splice(0)) await route.continue();
  await page.unroute(/\/(split|chunk)_[a-z0-9_]+\.[0-9a-f]{16}\.wasm$/);
  await arrived;
  await expect(byTestId(page, "requests")).toHaveCount(0);
  // Asked again: one My requests, made once — the chunk that came late made no view
  // (whose list request and polling would outlive the place it was for).
  const lists = [];
  page.on("request", (request) => /\/v1\/cases\?/.test(request.url()) && lists.push(request.url()));
  await byTestId(page, "requests-open").click();
  await expect(byTestId(page, "requests")).toHaveCount(1);
  await expect(byTestId(page, "requests")).toBeVisible();
  await expect(byTestId(page, "requests-empty").or(byTestId(page, "request").first())).toBeVisible();
  expect(lists).toHaveLength(1);
});

test("calls made before the wasm loads are queued, not lost", async ({ page, pages }) => {
  await page.goto(pages.url + "plain.html");
  await page.evaluate(() => {
    window.Aftercare.setLocale("zh-CN");
    window.Aftercare.setOrder({ id: "QUEUED-7", items: [] });
    window.Aftercare.openChannel("email");
  });
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(byTestId(page, "order-number")).toHaveText("订单号 QUEUED-7");
  await expect(byTestId(page, "channel-email")).toBeFocused();
  await expect(byTestId(page, "channel-email")).toHaveClass(/ac-card--highlight/);
});

test("events reach the host page through window.Aftercare.on", async ({ page, pages }) => {
  await page.goto(pages.url + "plain.html");
  await page.evaluate(() => {
    window.seen = [];
    for (const name of ["open", "close", "channel"]) window.Aftercare.on(name, (detail) => window.seen.push([name, detail]));
  });
  await openWidget(page);
  await byTestId(page, "weibo-link").evaluate((a) => a.addEventListener("click", (e) => e.preventDefault()));
  await byTestId(page, "weibo-link").click();
  await page.keyboard.press("Escape");
  await expect.poll(() => page.evaluate(() => window.seen)).toEqual([
    ["open", {}],
    ["channel", { kind: "weibo", action: "open" }],
    ["close", {}],
  ]);
});

test("works from another origin under the strict CSP, with no violation", async ({ page, pages }) => {
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(pages.url + "strict-csp.html");
  await openWidget(page);
  await expect(byTestId(page, "phone-number")).toHaveText("9510211");
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible();
  await byTestId(page, "faq-search").fill("refund");
  await expect(byTestId(page, "faq-item")).toHaveCount(1);
  expect(await page.evaluate(() => window.violations)).toEqual([]);
});

// Computed styles of the widget's own elements, to compare across host pages.
async function widgetStyles(page) {
  return page.evaluate(() => {
    const root = document.querySelector("aftercare-widget").shadowRoot;
    const props = ["font-size", "font-family", "color", "letter-spacing", "box-sizing", "display", "border-top-width", "width", "height"];
    const pick = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
    return Object.fromEntries(
      [...root.querySelectorAll("[data-testid]")]
        .filter((el) => el.getAttribute("data-testid") !== "faq-item")
        .map((el) => [el.getAttribute("data-testid"), pick(el)]),
    );
  });
}

test("hostile global CSS changes nothing in the widget", async ({ page, pages }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  // The QR code arrives in a chunk of its own: both pages wait for it, so both
  // snapshots hold the same elements.
  await page.goto(pages.url + "plain.html");
  await openWidget(page);
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible();
  const calm = await widgetStyles(page);
  await page.goto(pages.url + "hostile.html");
  await openWidget(page);
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible();
  const hostile = await widgetStyles(page);
  expect(Object.keys(hostile).length).toBeGreaterThan(20);
  expect(hostile).toEqual(calm);
  expect(hostile["launcher"]["font-size"]).toBe("15px");
  expect(hostile["root"]["color"]).not.toBe("rgb(255, 0, 0)");
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible();
  // It still works: search, then close.
  await byTestId(page, "faq-search").fill("hotline");
  await expect(byTestId(page, "faq-item")).toHaveCount(2);
  await byTestId(page, "close").click();
  await expect(page.getByRole("dialog")).toBeHidden();
});

test("the widget adds no style to the host page's own elements", async ({ page, pages }) => {
  await page.goto(pages.url + "plain.html");
  const snapshot = () =>
    page.evaluate(() =>
      [...document.querySelectorAll("body *:not(aftercare-widget)")].map((el) => {
        const style = getComputedStyle(el);
        return [el.tagName, ...[...style].map((p) => `${p}:${style.getPropertyValue(p)}`)].join(";");
      }),
    );
  const before = await snapshot();
  await openWidget(page);
  await byTestId(page, "close").click();
  expect(await snapshot()).toEqual(before);
  expect(await page.evaluate(() => document.adoptedStyleSheets.length + document.styleSheets.length)).toBe(0);
});

test("inline: the panel sits in the page's After-sale section, loaded once it scrolls into view, never a modal", async ({ page, pages }) => {
  const fetched = [];
  page.on("request", (request) => fetched.push(request.url()));
  await page.goto(pages.url + "inline.html");
  await page.waitForLoadState("networkidle");
  expect(fetched.filter((url) => url.endsWith(".wasm")), "nothing before its place is seen").toEqual([]);
  await expect(byTestId(page, "launcher")).toBeHidden();
  await page.locator("#after-sale").scrollIntoViewIfNeeded();
  const region = page.getByRole("region", { name: "Customer support" });
  await expect(region).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  // In the page's flow, inside its place, and it took no focus.
  expect(await page.evaluate(() => document.querySelector("#after-sale aftercare-widget") !== null)).toBe(true);
  expect(await region.evaluate((el) => getComputedStyle(el).position)).toBe("static");
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
  await expect(byTestId(page, "close")).toBeHidden();
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible(); // axe sees the panel whole
  expect(await violations(page, "aftercare-widget"), "axe, inline").toEqual([]);
  // It works there, and Esc does not take it away.
  await byTestId(page, "faq-search").fill("refund");
  await expect(byTestId(page, "faq-item")).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(region).toBeVisible();
  // Keyboard focus goes in and out with the page's own order (no trap).
  await page.locator("#host-button").focus();
  await page.keyboard.press("Tab");
  await expect(page.locator("aftercare-widget")).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.locator("#host-button")).toBeFocused();
});

test("the page's own launchers: data-aftercare-open loads on intent, opens where it says, and focus comes back", async ({ page, pages }) => {
  const fetched = [];
  page.on("request", (request) => fetched.push(request.url()));
  await page.goto(pages.url + "custom-launcher.html");
  await page.waitForLoadState("networkidle");
  await expect(byTestId(page, "launcher")).toBeHidden();
  expect(fetched.filter((url) => url.endsWith(".wasm"))).toEqual([]);
  await page.getByTestId("open-phone").hover();
  await expect.poll(() => fetched.filter((url) => url.endsWith("_bg.wasm")).length).toBe(1);
  await page.getByTestId("open-phone").click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(byTestId(page, "channel-phone")).toBeFocused();
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeVisible(); // axe sees the panel whole
  expect(await violations(page, "aftercare-widget"), "axe, opened from the page's button").toEqual([]);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(page.getByTestId("open-phone")).toBeFocused();
  // A problem type, by keyboard (Enter on a link), and My requests.
  await page.getByTestId("open-quality").focus();
  await page.keyboard.press("Enter");
  await expect(byTestId(page, "case-flow")).toBeVisible();
  expect(new URL(page.url()).hash, "the link's own navigation was kept off").toBe("");
  await byTestId(page, "close").click();
  await expect(page.getByTestId("open-quality")).toBeFocused();
  await page.getByTestId("open-requests").click();
  await expect(byTestId(page, "requests-back")).toBeVisible();
});

test("shutdown removes the widget and keeps drafts unless asked; boot starts it again with new settings", async ({ page, pages }) => {
  await page.goto(pages.url + "plain.html");
  await openWidget(page);
  await page.evaluate(() => localStorage.setItem("aftercare:draft:x|demo|20261128-0042", "{}"));
  const timers = await page.evaluate(() => {
    window.Aftercare.shutdown();
    return { host: document.querySelectorAll("aftercare-widget").length, draft: localStorage.getItem("aftercare:draft:x|demo|20261128-0042") };
  });
  expect(timers).toEqual({ host: 0, draft: "{}" });
  // Calls after shutdown do nothing but say so (and throw nothing into the page).
  page.allowProblems(/the widget is shut down/);
  await page.evaluate(() => window.Aftercare.open());
  await expect(page.locator("aftercare-widget")).toHaveCount(0);
  // A single-page app moves to another order.
  await page.evaluate(() => window.Aftercare.boot({
    merchant: "demo", locale: "en", order: { id: "SPA-2", items: [], state: "delivered", delivered_at: "2026-11-25" },
  }));
  await openWidget(page);
  await expect(byTestId(page, "order-number")).toHaveText("Order SPA-2");
  await page.evaluate(() => window.Aftercare.shutdown({ forgetDrafts: true }));
  expect(await page.evaluate(() => [document.querySelectorAll("aftercare-widget").length, localStorage.getItem("aftercare:draft:x|demo|20261128-0042")])).toEqual([0, null]);
});
