// Story: after filing, the shopper follows the case under "My requests" while the
// merchant (and the platform) act through their APIs: a return is accepted, the
// shopper sends the tracking number, the seller confirms receipt and refunds; a
// refusal is taken to the platform, which rules; an open case can be withdrawn.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { byTestId, expect, openWidget, test } from "../fixtures.mjs";

const apiKey = (backend, owner) =>
  execFileSync(process.env.AFTERCARE_SERVER_BIN, ["api-key", "--data-dir", backend.dataDir, ...owner]).toString().trim();

async function call(backend, key, method, path, body) {
  const response = await fetch(`${backend.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

/** Files a case as the page's shopper, through the shopper API with the page's token. */
async function fileAsShopper(page, backend, description) {
  return page.evaluate(async ({ origin, description }) => {
    const shopper = localStorage.getItem("aftercare-demo-shopper");
    const { token } = await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json();
    const response = await fetch(`${origin}/v1/cases`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({
        order_id: "20261128-0042",
        item_ids: ["item-1"],
        problem_type: "logistics",
        reason: "damaged_in_transit",
        resolution: "return_and_refund",
        description,
        contact: { phone: "138 0013 8000" },
      }),
    });
    return response.json();
  }, { origin: backend.origin, description });
}

/** Shows "My requests" afresh (it loads when opened). */
async function showRequests(page) {
  if (await byTestId(page, "requests-back").isVisible()) await byTestId(page, "requests-back").click();
  await byTestId(page, "requests-open").click();
}

const card = (page, number) => page.locator(`aftercare-widget [data-testid="request"][data-number="${number}"]`);

test("a return: the seller's address, the tracking number, receipt and refund", async ({ page, assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  const filed = await fileAsShopper(page, assets, "The box arrived crushed and the lid is bent.");
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/accept`, {
    return_instructions: { address: "Returns desk, 8 Warehouse Rd, Hangzhou 310000", instructions: "Write the case number on the box" },
  });

  await openWidget(page);
  await showRequests(page);
  const request = card(page, filed.number);
  await expect(request).toHaveAttribute("data-state", "awaiting_return_shipment");
  await expect(request.getByTestId("request-state")).toHaveText("Send the item back");
  await expect(request.getByTestId("request-address")).toHaveText("Returns desk, 8 Warehouse Rd, Hangzhou 310000");
  await expect(request.getByTestId("request-instructions")).toHaveText("Write the case number on the box");
  await expect(request.getByTestId("request-deadline")).toContainText("Please do this by");
  await request.getByTestId("request-carrier").fill("SF Express");
  await request.getByTestId("request-tracking").fill("has spaces");
  await request.getByTestId("request-send-tracking").click();
  await expect(request.getByTestId("request-error")).toContainText("Tracking number");
  await request.getByTestId("request-tracking").fill("SF9876543210");
  await request.getByTestId("request-send-tracking").click();
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "awaiting_seller_receipt");
  await expect(card(page, filed.number).getByTestId("request-return")).toHaveText("Your return: SF Express SF9876543210");

  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/confirm-receipt`, {});
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/refund`, { amount: "129.00", reference: "WX-1" });
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "resolved");
  await expect(card(page, filed.number).getByTestId("request-refund")).toHaveText("Refunded 129.00 CNY");
  await expect(card(page, filed.number).getByTestId("request-withdraw")).toHaveCount(0);
});

test("a refusal goes to the platform, which rules; another request is withdrawn", async ({ page, assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  const platform = apiKey(assets, ["--platform"]);
  await page.goto(assets.url);
  const filed = await fileAsShopper(page, assets, "包装完好但杯子有裂缝,倒水会漏。");
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/refuse`, { message: "照片显示为使用痕迹。" });

  await openWidget(page);
  await showRequests(page);
  const request = card(page, filed.number);
  await expect(request).toHaveAttribute("data-state", "seller_refused");
  await expect(request.getByTestId("request-state")).toHaveText("卖家已拒绝");
  await expect(request.getByTestId("request-message")).toHaveText("卖家: 照片显示为使用痕迹。");
  await request.getByTestId("request-escalate").click();
  await request.getByTestId("request-escalate-reason").fill("短");
  await request.getByTestId("request-escalate-send").click();
  await expect(request.getByTestId("request-error")).toHaveText("请多写一点(至少 5 个字)。");
  await request.getByTestId("request-escalate-reason").fill("商品收到时就已经破裂,有开箱视频为证。");
  // More evidence goes with the request.
  await request.getByTestId("file-input").setInputFiles(resolve("e2e/fixtures/located.mp4"));
  await expect(request.locator("[data-testid=evidence-item][data-status=done]")).toHaveCount(1);
  await request.getByTestId("request-escalate-send").click();
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "escalated");
  const escalated = await call(assets, seller, "GET", `/v1/merchant/cases/${filed.id}`);
  expect(escalated.case.media.map((m) => m.kind)).toEqual(["video"]);
  await expect(card(page, filed.number).getByTestId("request-state")).toHaveText("平台介入中");

  const ruling = { in_favour_of: "shopper", message: "支持买家:请退货退款。" };
  await call(assets, platform, "POST", `/v1/platform/cases/${filed.id}/ruling`, ruling);
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "awaiting_return_shipment");
  await expect(card(page, filed.number).getByTestId("request-message")).toHaveText("平台: 支持买家:请退货退款。");
  await expect(card(page, filed.number).getByTestId("request-address")).toContainText("退货仓");

  const other = await fileAsShopper(page, assets, "第二个申请,稍后撤销。");
  await showRequests(page);
  await card(page, other.number).getByTestId("request-withdraw").click();
  await card(page, other.number).getByTestId("request-withdraw-confirm").click();
  await expect(card(page, other.number)).toHaveAttribute("data-state", "withdrawn");
  const stored = await call(assets, seller, "GET", `/v1/merchant/cases/${other.id}`);
  expect(stored.case.state).toBe("withdrawn");
});
