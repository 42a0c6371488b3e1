// Story: the demo runs against the real reference backend — the widget reads its
// configuration from it, the page gets an order token for a stable demo shopper, and
// with that token the shopper API files and lists cases, same-origin and from a
// merchant page on another origin.
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

const ORDER = "20261128-0042";

test("the demo page takes its configuration and an order token from the backend", async ({ page, assets }) => {
  const answers = {};
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path === "/v1/widget-config" || path === "/demo/token") answers[path] = response.status();
  });
  await page.goto(assets.url);
  await openWidget(page);
  await expect(byTestId(page, "wechat-name")).toHaveText("小木屋生活馆 (demo)");
  await expect.poll(() => answers).toEqual({ "/v1/widget-config": 200, "/demo/token": 200 });
  const shopper = await page.evaluate(() => localStorage.getItem("aftercare-demo-shopper"));
  expect(shopper).toMatch(/^demo-[0-9a-f-]{36}$/);
  await page.reload();
  expect(await page.evaluate(() => localStorage.getItem("aftercare-demo-shopper"))).toBe(shopper);
});

test("with the demo token, the shopper API files and lists cases", async ({ page, assets }) => {
  page.allowProblems(/status of 401 \(Unauthorized\)/); // the deliberate call without a token
  await page.goto(assets.url);
  const result = await page.evaluate(async (order) => {
    const shopper = localStorage.getItem("aftercare-demo-shopper");
    const { token } = await (await fetch(`/demo/token?order=${order}&shopper=${shopper}`)).json();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const body = JSON.stringify({
      order_id: order,
      item_ids: ["item-2"],
      problem_type: "logistics",
      reason: "damaged_in_transit",
      resolution: "exchange",
      description: "The earbuds case arrived cracked.",
      contact: { email: "shopper@example.com" },
    });
    const filed = await fetch("/v1/cases", { method: "POST", headers: { ...headers, "idempotency-key": "e2e-1" }, body });
    const again = await fetch("/v1/cases", { method: "POST", headers: { ...headers, "idempotency-key": "e2e-1" }, body });
    const list = await (await fetch(`/v1/cases?order=${order}`, { headers })).json();
    const unauthenticated = await fetch(`/v1/cases?order=${order}`);
    return {
      filed: filed.status,
      again: again.status,
      same: (await filed.clone().text()) === (await again.text()),
      states: list.cases.map((c) => c.state),
      unauthenticated: [unauthenticated.status, (await unauthenticated.json()).code],
    };
  }, ORDER);
  expect(result).toEqual({
    filed: 201,
    again: 201,
    same: true,
    states: ["awaiting_seller"],
    unauthenticated: [401, "order_token_missing"],
  });
});

test("a merchant page on an allowed origin calls the backend across origins", async ({ page, pages, assets }) => {
  await page.goto(pages.url + "plain.html");
  const result = await page.evaluate(async ({ backend, order }) => {
    const { token } = await (await fetch(`${backend}/demo/token?order=${order}&shopper=cross-origin-1`)).json();
    const response = await fetch(`${backend}/v1/cases?order=${order}`, { headers: { authorization: `Bearer ${token}` } });
    return [response.status, await response.json()];
  }, { backend: assets.origin, order: ORDER });
  expect(result).toEqual([200, { cases: [] }]);
});
