// Story: a shopper on the demo order page opens the widget and sees every channel
// with its essentials at once, in Chinese and in English.
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";

test("the demo page shows all channels with correct content, in Chinese", async ({ page, assets }) => {
  await page.goto(assets.url);
  await expect(byTestId(page, "launcher")).toHaveText("联系客服");
  const dialog = await openWidget(page);
  await expect(dialog).toHaveAccessibleName("联系客服");
  await expect(byTestId(page, "order-number")).toHaveText("订单号 20261128-0042");

  for (const kind of ["chat", "phone", "email", "weibo", "wechat"]) {
    await expect(byTestId(page, `channel-${kind}`)).toBeVisible();
  }
  await expect(byTestId(page, "channel-chat")).toContainText("7×24 小时在线");
  await expect(byTestId(page, "phone-number")).toHaveText("9510211");
  await expect(byTestId(page, "phone-call")).toHaveAttribute("href", "tel:9510211");
  await expect(byTestId(page, "channel-phone")).toContainText("每天 09:00–21:00");
  await expect(byTestId(page, "phone-menu")).toHaveText("接通后按 2 键进入售后服务");
  await expect(byTestId(page, "email-address")).toHaveText("service@tmall.com");
  await expect(byTestId(page, "channel-email")).toContainText("通常 1–2 个工作日内回复");
  await expect(byTestId(page, "weibo-link")).toHaveAttribute("href", "https://weibo.example/aftercare-demo");
  await expect(byTestId(page, "wechat-name")).toHaveText("小木屋生活馆 (demo)");
  await expect(byTestId(page, "wechat-qr").locator("svg")).toBeAttached(); // its chunk has arrived
  await page.screenshot({ path: `${artifacts}/demo-zh-desktop.png` });
});

test("the mailto link carries the order number and checklist, decoded", async ({ page, assets }) => {
  await page.goto(assets.url);
  await openWidget(page);
  const href = await byTestId(page, "email-link").getAttribute("href");
  expect(href.startsWith("mailto:service@tmall.com?")).toBe(true);
  expect(href).not.toMatch(/[^\x21-\x7e]/); // every non-ASCII byte percent-encoded
  const params = new URLSearchParams(href.slice(href.indexOf("?") + 1));
  expect(params.get("subject")).toBe("售后问题 – 订单号 20261128-0042");
  const body = params.get("body");
  expect(body.startsWith("订单号 20261128-0042\r\n")).toBe(true);
  expect(body).toContain("请描述遇到的问题");
  expect(body).toContain("订单信息");
  expect(body).toContain("截图");
});

test("the WeChat QR code decodes to the configured URL", async ({ page, assets }) => {
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.goto(assets.url);
  await openWidget(page);
  const qr = byTestId(page, "wechat-qr");
  await qr.scrollIntoViewIfNeeded();
  await expect(qr).toHaveAccessibleName("小木屋生活馆 (demo) 的二维码");
  // The QR code is a chunk of its own: decode what is on screen until it has arrived
  // and the panel has settled (a screenshot mid-animation is not a scannable code).
  const scan = async () => {
    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    return decoded && decoded.data;
  };
  await expect.poll(scan).toBe("https://wechat.example/aftercare-demo/follow");
});

test("switching the page to English relabels the whole widget", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await expect(byTestId(page, "launcher")).toHaveText("Contact support");
  const dialog = await openWidget(page);
  await expect(dialog).toHaveAccessibleName("Customer support");
  await expect(byTestId(page, "order-number")).toHaveText("Order 20261128-0042");
  await expect(byTestId(page, "channel-chat")).toContainText("Available 24/7");
  await expect(byTestId(page, "channel-phone")).toContainText("Daily 09:00–21:00");
  await expect(byTestId(page, "phone-menu")).toHaveText("After the greeting, press 2 for after-sale help");
  await expect(byTestId(page, "channel-email")).toContainText("Usually replies within 1–2 working days");
  await expect(byTestId(page, "faq")).toContainText("Frequently asked questions");
  const subject = new URLSearchParams((await byTestId(page, "email-link").getAttribute("href")).split("?")[1]).get("subject");
  expect(subject).toBe("After-sale problem – Order 20261128-0042");
  await page.screenshot({ path: `${artifacts}/demo-en-desktop.png` });
});

test("the copy button puts the number on the clipboard", async ({ page, assets, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: assets.origin });
  await page.goto(assets.url);
  await openWidget(page);
  await byTestId(page, "phone-copy").click();
  await expect(byTestId(page, "phone-copy-status")).toHaveText("号码已复制");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("9510211");
});

test("chat hands off to the host page's own chat", async ({ page, assets }) => {
  const handoffs = [];
  await page.exposeFunction("recordHandoff", (detail) => handoffs.push(detail));
  await page.addInitScript(() =>
    document.addEventListener("aftercare:chat-handoff", (e) => window.recordHandoff(e.detail)),
  );
  await page.goto(assets.url);
  await openWidget(page);
  await byTestId(page, "chat-start").click();
  await expect(page.getByTestId("host-chat")).toBeVisible();
  await expect(byTestId(page, "chat-unanswered")).toBeHidden();
  expect(handoffs).toEqual([{ order_id: "20261128-0042" }]);
});
