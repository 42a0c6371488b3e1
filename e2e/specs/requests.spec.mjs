// Story: after filing, the shopper follows the case under "My requests" while the
// merchant (and the platform) act through their APIs: a return is accepted, the
// shopper sends the tracking number, the seller confirms receipt and refunds; a
// refusal is taken to the platform, which rules; an open case can be withdrawn.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { violations } from "../support/axe.mjs";

// axe (WCAG 2.2 AA) runs on the refusal, the escalation form with its error, the
// platform's intervention and ruling, and on the conversation with an offer; it is
// injected into the page, which the demo page's CSP would refuse.
test.use({ bypassCSP: true });

const apiKey = (backend, owner) =>
  execFileSync(process.env.AFTERCARE_SERVER_BIN, ["api-key", "--data-dir", backend.dataDir, ...owner]).toString().trim();

/** A merchant or platform API call; a write to a case names the version it read (If-Match). */
async function call(backend, key, method, path, body) {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const write = method === "POST" && path.match(/^(\/v1\/(?:merchant|platform)\/cases\/[^/]+)\/[^/]+$/);
  if (write) headers["if-match"] = `"${(await call(backend, key, "GET", write[1])).case.version}"`;
  const response = await fetch(`${backend.origin}${path}`, { method, headers, body: body && JSON.stringify(body) });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

/** Uploads a photo through tus (one creation-with-upload) with a merchant or platform key. */
async function uploadAs(backend, key, path) {
  const bytes = readFileSync(path);
  const response = await fetch(`${backend.origin}/v1/uploads/`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`, "tus-resumable": "1.0.0", "upload-length": String(bytes.length),
      "upload-metadata": `filetype ${Buffer.from("image/jpeg").toString("base64")}`, "content-type": "application/offset+octet-stream",
    },
    body: bytes,
  });
  expect(response.status).toBe(201);
  expect(response.headers.get("upload-offset")).toBe(String(bytes.length));
  return { upload_id: response.headers.get("location").split("/").pop(), kind: "photo" };
}

/** Files a case as the page's shopper, through the shopper API with the page's token. */
async function fileAsShopper(page, backend, description, contact = { phone: "138 0013 8000" }) {
  return page.evaluate(async ({ origin, description, contact }) => {
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
        contact,
      }),
    });
    return response.json();
  }, { origin: backend.origin, description, contact });
}

/** The case as the page's shopper reads it through the shopper API (with its next actions). */
async function asShopper(page, backend, id) {
  return page.evaluate(async ({ origin, id }) => {
    const shopper = localStorage.getItem("aftercare-demo-shopper");
    const { token } = await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json();
    return (await fetch(`${origin}/v1/cases/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
  }, { origin: backend.origin, id });
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
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/refund`, { amount: { minor_units: 12900, currency: "CNY" }, reference: "WX-1" });
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "resolved");
  await expect(card(page, filed.number).getByTestId("request-refund")).toHaveText("Refunded 129.00 CNY");
  await expect(card(page, filed.number).getByTestId("request-withdraw")).toHaveCount(0);
});

test("a refusal goes to the platform, which rules; another request is withdrawn", async ({ page, backend: assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  const platform = apiKey(assets, ["--platform"]);
  await page.goto(assets.url);
  const filed = await fileAsShopper(page, assets, "包装完好但杯子有裂缝,倒水会漏。");
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/refuse`, { reason: "used_or_damaged", message: "照片显示为使用痕迹。" });

  await openWidget(page);
  await showRequests(page);
  const request = card(page, filed.number);
  await expect(request).toHaveAttribute("data-state", "seller_refused");
  await expect(request.getByTestId("request-state")).toHaveText("卖家已拒绝");
  const said = (shown, actor) => shown.locator(`[data-testid=timeline-entry][data-actor=${actor}]`).last();
  await expect(said(request, "seller")).toContainText("卖家 拒绝了申请");
  await expect(said(request, "seller")).toContainText("照片显示为使用痕迹。");
  await expect(said(request, "seller").getByTestId("timeline-details")).toHaveText("拒绝原因:商品已使用或人为损坏");
  expect(await violations(page, "aftercare-widget"), "axe on a refused request").toEqual([]);
  await request.getByTestId("request-escalate").click();
  await request.getByTestId("request-escalate-reason").fill("短");
  await request.getByTestId("request-escalate-send").click();
  await expect(request.getByTestId("request-error")).toHaveText("请多写一点(至少 5 个字)。");
  expect(await violations(page, "aftercare-widget"), "axe on the escalation form with its error").toEqual([]);
  await request.getByTestId("request-escalate-reason").fill("商品收到时就已经破裂,有开箱视频为证。");
  // More evidence goes with the request.
  const form = request.getByTestId("request-escalate-form");
  await form.getByTestId("file-input").setInputFiles(resolve("e2e/fixtures/located.mp4"));
  await expect(form.locator("[data-testid=evidence-item][data-status=done]")).toHaveCount(1);
  await request.getByTestId("request-escalate-send").click();
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "escalated");
  const escalated = await call(assets, seller, "GET", `/v1/merchant/cases/${filed.id}`);
  expect(escalated.case.media.map((m) => m.kind)).toEqual(["video"]);
  await expect(card(page, filed.number).getByTestId("request-state")).toHaveText("平台介入中");
  expect(await violations(page, "aftercare-widget"), "axe during the intervention").toEqual([]);

  const ruling = { in_favour_of: "shopper", message: "支持买家:请退货退款。" };
  await call(assets, platform, "POST", `/v1/platform/cases/${filed.id}/ruling`, ruling);
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "ruled");
  await expect(card(page, filed.number).getByTestId("request-appeal")).toHaveCount(0); // the winner does not appeal
  expect(await violations(page, "aftercare-widget"), "axe on the ruling").toEqual([]);
  // The appeal window closes and the ruling is carried out. The page's order token has
  // expired by then: the browser logs the 401 before the widget gets a fresh one.
  page.allowProblems(/401 \(Unauthorized\)/);
  await assets.advance(72 * 3600);
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "awaiting_return_shipment");
  await expect(said(card(page, filed.number), "platform")).toContainText("支持买家:请退货退款。");
  await expect(card(page, filed.number).getByTestId("request-address")).toContainText("退货仓");

  const other = await fileAsShopper(page, assets, "第二个申请,稍后撤销。");
  await showRequests(page);
  await card(page, other.number).getByTestId("request-withdraw").click();
  await card(page, other.number).getByTestId("request-withdraw-confirm").click();
  await expect(card(page, other.number)).toHaveAttribute("data-state", "withdrawn");
  const stored = await call(assets, seller, "GET", `/v1/merchant/cases/${other.id}`);
  expect(stored.case.state).toBe("withdrawn");
});

// The widget's controls for the shopper's actions, by the action's wire name.
const controls = {
  return_shipment: "request-return-form",
  escalate: "request-escalate",
  withdraw: "request-withdraw",
  message: "request-reply-form",
  accept_offer: "request-offer-accept",
  decline_offer: "request-offer-decline",
  submit_evidence: "request-evidence",
  appeal: "request-appeal",
};

test("in every state the widget offers exactly the actions the server lists", async ({ page, backend: assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  const platform = apiKey(assets, ["--platform"]);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  const filed = await fileAsShopper(page, assets, "The box arrived crushed and the lid is bent.");
  await openWidget(page);
  // Each step reaches the state through the seller's or the platform's API, or the
  // shopper's own control in the widget.
  const api = (key, path, body) => () => call(assets, key, "POST", `/v1/${path.replace("{id}", filed.id)}`, body);
  const widget = (act) => async () => {
    await showRequests(page);
    await act(card(page, filed.number));
  };
  const write = (prefix, text) => async (shown) => {
    await shown.getByTestId(prefix).click();
    await shown.getByTestId(prefix === "request-escalate" ? "request-escalate-reason" : `${prefix}-text`).fill(text);
    await shown.getByTestId(`${prefix}-send`).click();
    await expect(shown).toHaveAttribute("data-state", "escalated");
  };
  const steps = [
    ["awaiting_seller", null],
    ["offer_pending", api(seller, "merchant/cases/{id}/offer", { resolution: "refund_only", amount: { minor_units: 5000, currency: "CNY" }, message: "¥50 back?" })],
    ["offer_declined", widget(async (shown) => {
      await expect(shown.getByTestId("request-offer")).toContainText("Refund only: 50.00 CNY");
      await shown.getByTestId("request-offer-decline").click();
      await expect(shown).toHaveAttribute("data-state", "offer_declined");
    })],
    ["escalated", widget(write("request-escalate", "The box was crushed on arrival, see the photos."))],
    ["evidence_round", api(platform, "platform/cases/{id}/evidence-round", { from: ["shopper"], message: "Photos of the box, please." })],
    ["escalated", widget(write("request-evidence", "The box as it arrived."))],
    ["ruled", api(platform, "platform/cases/{id}/ruling", { in_favour_of: "seller", message: "Not shown." })],
    ["escalated", widget(write("request-appeal", "The carrier's photo shows the crushed box."))],
    ["awaiting_return_shipment", api(platform, "platform/cases/{id}/ruling", { in_favour_of: "shopper", message: "On appeal: return and refund." })],
    ["awaiting_seller_receipt", widget(async (shown) => {
      await shown.getByTestId("request-carrier").fill("SF Express");
      await shown.getByTestId("request-tracking").fill("SF9876543210");
      await shown.getByTestId("request-send-tracking").click();
      await expect(shown).toHaveAttribute("data-state", "awaiting_seller_receipt");
    })],
    ["awaiting_resolution", api(seller, "merchant/cases/{id}/confirm-receipt", {})],
    ["resolved", api(seller, "merchant/cases/{id}/refund", { amount: { minor_units: 12900, currency: "CNY" } })],
  ];
  const seen = [];
  for (const [state, act] of steps) {
    if (act) await act();
    await showRequests(page);
    const shown = card(page, filed.number);
    await expect(shown).toHaveAttribute("data-state", state);
    const listed = (await asShopper(page, assets, filed.id)).next_actions.map((a) => a.action);
    for (const [action, testId] of Object.entries(controls)) {
      await expect(shown.getByTestId(testId), `${state}: ${action}`).toHaveCount(listed.includes(action) ? 1 : 0);
    }
    expect(listed.every((a) => a in controls), `${state}: ${listed}`).toBe(true);
    seen.push(`${state}:${listed.join("+")}`);
    const deadline = { offer_pending: "Answer the offer by", evidence_round: "Send the platform your evidence by", ruled: "You may appeal the ruling until" }[state];
    if (deadline) await expect(shown.getByTestId("request-deadline")).toContainText(deadline);
  }
  expect(seen).toEqual([
    "awaiting_seller:withdraw+message",
    "offer_pending:accept_offer+decline_offer+withdraw+message",
    "offer_declined:escalate+withdraw+message",
    "escalated:withdraw+message",
    "evidence_round:submit_evidence+withdraw+message",
    "escalated:withdraw+message",
    "ruled:appeal+withdraw+message",
    "escalated:withdraw+message",
    "awaiting_return_shipment:return_shipment+withdraw+message",
    "awaiting_seller_receipt:message",
    "awaiting_resolution:message",
    "resolved:",
  ]);
});

test("an action on a case that changed meanwhile is refused and the widget shows the case as it is", async ({ page, assets }) => {
  page.allowProblems(/409 \(Conflict\)/); // the browser logs the refused write
  const seller = apiKey(assets, ["--merchant", "demo"]);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  const filed = await fileAsShopper(page, assets, "The box arrived crushed and the lid is bent.");
  await openWidget(page);
  const list = page.waitForResponse((r) => r.url().includes("/v1/cases?order=") && r.request().method() === "GET");
  await showRequests(page);
  // The shopper keeps seeing the case as filed: every refresh of the list answers
  // what the first one did.
  const frozen = await (await list).text();
  await page.route(/\/v1\/cases\?order=/, (route) => route.fulfill({ status: 200, contentType: "application/json", body: frozen }));
  const shown = card(page, filed.number);
  await expect(shown).toHaveAttribute("data-state", "awaiting_seller");
  // The seller accepts meanwhile.
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/accept`, {
    return_instructions: { address: "Returns desk, 8 Warehouse Rd, Hangzhou 310000" },
  });
  await shown.getByTestId("request-withdraw").click();
  await shown.getByTestId("request-withdraw-confirm").click();
  await expect(shown).toHaveAttribute("data-state", "awaiting_return_shipment");
  await expect(shown.getByTestId("request-error")).toContainText("the request has changed meanwhile");
  const stored = await call(assets, seller, "GET", `/v1/merchant/cases/${filed.id}`);
  expect((stored.case.state)).toBe("awaiting_return_shipment");
  expect(stored.case.history.map((e) => e.kind)).toEqual(["file", "accept"]);
});

test("leaving My requests while it loads cancels its request", async ({ page, assets }) => {
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  await openWidget(page);
  // The list never answers: only the widget can end the request, by aborting it.
  await page.route(/\/v1\/cases\?order=/, () => {});
  const aborted = page.waitForEvent("requestfailed", { predicate: (r) => r.url().includes("/v1/cases?order=") });
  await byTestId(page, "requests-open").click();
  await expect(byTestId(page, "requests")).toBeVisible();
  await byTestId(page, "requests-back").click();
  expect((await aborted).failure().errorText).toContain("ABORTED");
});

test("the shopper writes with a photo (kept across a reload), then accepts the seller's counter-offer", async ({ page, assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  await page.goto(assets.url);
  await page.getByRole("button", { name: "English" }).click();
  const filed = await fileAsShopper(page, assets, "The lid is dented.");
  await openWidget(page);
  await showRequests(page);
  let shown = card(page, filed.number);
  const reply = (shown) => shown.getByTestId("request-reply-form");
  await reply(shown).getByTestId("request-reply-text").fill("Here is the dent, close up.");
  await reply(shown).getByTestId("file-input").setInputFiles(resolve("e2e/fixtures/gps.jpg"));
  await expect(reply(shown).locator("[data-testid=evidence-item][data-status=done]")).toHaveCount(1);

  // A reload before sending keeps what was written and the uploaded photo.
  await page.reload();
  await page.getByRole("button", { name: "English" }).click();
  await openWidget(page);
  await showRequests(page);
  shown = card(page, filed.number);
  await expect(reply(shown).getByTestId("request-reply-text")).toHaveValue("Here is the dent, close up.");
  await expect(reply(shown).locator("[data-testid=evidence-item][data-status=done]")).toHaveCount(1);
  await reply(shown).getByTestId("request-reply-send").click();
  const mine = card(page, filed.number).locator("[data-testid=timeline-entry][data-actor=shopper][data-kind=message]");
  await expect(mine).toContainText("Here is the dent, close up.");
  await expect(mine.getByTestId("timeline-details")).toHaveText("1 photo(s), 0 video(s)");
  // Its thumbnail, from the link in the server's answer, opens the cleaned file full size.
  const thumbnail = mine.getByTestId("timeline-file");
  await expect(thumbnail).toHaveAttribute("href", new RegExp(`^${assets.origin}/media/[0-9a-f]+\\?expires=`));
  await expect(thumbnail.locator("img")).toHaveAccessibleName("1 photo(s), 0 video(s)");
  await expect.poll(() => thumbnail.locator("img").evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  const [full] = await Promise.all([page.waitForEvent("popup"), thumbnail.click()]);
  expect((await full.goto(full.url())).headers()["content-type"]).toBe("image/jpeg");
  await full.close();
  await expect(reply(card(page, filed.number)).getByTestId("request-reply-text")).toHaveValue("");
  // What the server stored: the message with the photo, which joined the case's evidence.
  let stored = (await call(assets, seller, "GET", `/v1/merchant/cases/${filed.id}`)).case;
  const sent = stored.history.at(-1);
  expect([sent.actor, sent.kind, sent.message, sent.media.map((m) => m.kind)]).toEqual(["shopper", "message", "Here is the dent, close up.", ["photo"]]);
  expect(stored.media).toEqual(sent.media);

  // The seller answers with a partial refund; the shopper accepts it.
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/offer`, {
    resolution: "refund_only", amount: { minor_units: 3000, currency: "CNY" }, message: "Keep it, with 30.00 back?",
  });
  await showRequests(page);
  shown = card(page, filed.number);
  await expect(shown).toHaveAttribute("data-state", "offer_pending");
  await expect(shown.getByTestId("request-offer")).toContainText("The seller offers: Refund only: 30.00 CNY");
  await expect(shown.locator("[data-testid=timeline-entry][data-kind=counter_offer]")).toContainText("Keep it, with 30.00 back?");
  await shown.getByTestId("request-offer-accept").click();
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "awaiting_resolution");
  stored = (await call(assets, seller, "GET", `/v1/merchant/cases/${filed.id}`)).case;
  expect(stored.settlement).toEqual({ resolution: "refund_only", amount: { minor_units: 3000, currency: "CNY" } });
});

test("the launcher shows what is new before the widget loads, with one small request, and it clears once seen", async ({ page, assets }) => {
  const seller = apiKey(assets, ["--merchant", "demo"]);
  await page.goto(assets.url);
  const filed = await fileAsShopper(page, assets, "The lid is dented.");
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/messages`, { message: "Could you send a photo?" });
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/offer`, { resolution: "exchange", message: "Or a new one?" });

  const api = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/v1/") || url.pathname.includes("aftercare-widget")) api.push(url.pathname + url.search);
  });
  await page.reload();
  const launcher = byTestId(page, "launcher");
  await expect(launcher).toHaveAttribute("data-unread", "2");
  await expect(launcher).toHaveAccessibleName("联系客服,2 条新消息");
  await page.waitForLoadState("networkidle");
  expect(api, "before intent: only the unread count").toEqual(["/v1/unread?order=20261128-0042"]);

  await page.evaluate(() => {
    window.updates = [];
    window.Aftercare.on("case-updated", (detail) => window.updates.push(detail));
  });
  const updates = () => page.evaluate(() => window.updates);
  await openWidget(page);
  await expect(launcher).toHaveAttribute("data-unread", "2"); // not seen yet: the panel shows the channels
  await showRequests(page);
  await expect(card(page, filed.number)).toHaveAttribute("data-state", "offer_pending");
  await expect(launcher).not.toHaveAttribute("data-unread", /.*/);
  await expect(launcher).toHaveAccessibleName("联系客服");
  const unread = await page.evaluate(async (origin) => {
    const shopper = localStorage.getItem("aftercare-demo-shopper");
    const { token } = await (await fetch(`${origin}/demo/token?order=20261128-0042&shopper=${shopper}`)).json();
    return (await fetch(`${origin}/v1/unread?order=20261128-0042`, { headers: { authorization: `Bearer ${token}` } })).json();
  }, assets.origin);
  expect(unread).toEqual({ unread: 0, cases: [] });

  // The host page hears when a case moves on while My requests is shown.
  await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/messages`, { message: "Still there?" });
  await byTestId(page, "close").click();
  await openWidget(page); // reopening on My requests loads it again
  await expect(card(page, filed.number).getByTestId("timeline-entry").last()).toContainText("Still there?");
  await expect.poll(async () => (await updates()).length).toBe(1);
  expect((await updates())[0]).toMatchObject({ case_id: filed.id, number: filed.number, state: "offer_pending" });
});

test("the email about the seller's message arrives, and its link opens the widget at the case", async ({ page, mail }) => {
  const { backend, sink } = mail;
  const seller = apiKey(backend, ["--merchant", "demo"]);
  await page.goto(backend.url);
  const first = await fileAsShopper(page, backend, "The first request.");
  const filed = await fileAsShopper(page, backend, "The one the email is about.", { email: "li.lei@example.com" });
  await call(backend, seller, "POST", `/v1/merchant/cases/${filed.id}/messages`, { message: "Could you send a photo of the lid?" });
  // Only the case with an email address gets one; the sender works through its outbox.
  await expect.poll(() => sink.messages().length, { timeout: 30_000 }).toBe(1);
  const [letter] = sink.messages();
  expect([letter.to, letter.from]).toEqual(["li.lei@example.com", "Aftercare demo shop <service@aftercare-demo.example>"]);
  expect(letter.subject).toContain(filed.number);
  expect(letter.body).toContain("Could you send a photo of the lid?");
  const link = letter.body.match(/https?:\/\/\S*aftercare_case=\S+/)[0];
  expect(link).toBe(`${backend.origin}/?aftercare_case=${filed.id}`);

  await page.goto(link);
  const shown = card(page, filed.number);
  await expect(shown).toBeFocused();
  await expect(byTestId(page, "panel")).toBeVisible();
  await expect(shown.getByTestId("timeline-entry").last()).toContainText("Could you send a photo of the lid?");
  await expect(card(page, first.number)).toBeVisible();
});

// Screenshots of a negotiated case's conversation, in Chinese and English, on a desktop
// and a phone (e2e/artifacts/conversation/), each checked to fit: every card and every
// turn of the conversation inside the viewport, nothing scrolling sideways.
for (const [device, viewport] of [["desktop", { width: 1280, height: 860 }], ["phone", { width: 360, height: 740 }]]) {
  for (const locale of ["zh", "en"]) {
    test(`the conversation fits, ${locale}, ${device}`, async ({ page, assets }) => {
      const seller = apiKey(assets, ["--merchant", "demo"]);
      await page.setViewportSize(viewport);
      await page.goto(assets.url);
      await page.getByRole("button", { name: locale === "zh" ? "中文" : "English" }).click();
      const filed = await fileAsShopper(page, assets, locale === "zh" ? "盒子压坏了,盖子也凹了。" : "The box was crushed and the lid is dented.");
      const say = (zh, en) => (locale === "zh" ? zh : en);
      const photo = await uploadAs(assets, seller, resolve("e2e/fixtures/gps.jpg"));
      await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/messages`, {
        message: say("您好,是这个位置吗?能否拍一张盖子的近照?", "Hello, is this the spot? Could you send a close-up of the lid, please?"),
        media: [photo],
      });
      await call(assets, seller, "POST", `/v1/merchant/cases/${filed.id}/offer`, {
        resolution: "refund_only", amount: { minor_units: 3000, currency: "CNY" },
        message: say("商品可以留下,我们退您 30 元,可以吗?", "You may keep it, with 30.00 back. Would that do?"),
      });
      await openWidget(page);
      await showRequests(page);
      const shown = card(page, filed.number);
      await expect(shown).toHaveAttribute("data-state", "offer_pending");
      await expect(shown.getByTestId("timeline-entry")).toHaveCount(3);
      await expect.poll(() => shown.getByTestId("timeline-file").locator("img").evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      const boxes = await shown.locator("[data-testid=timeline-entry], [data-testid=timeline-file], [data-testid=request-offer], [data-testid=request-reply-form]")
        .evaluateAll((els) => els.map((el) => [el.dataset.testid, el.getBoundingClientRect().left, el.getBoundingClientRect().right]));
      for (const [what, left, right] of boxes) {
        expect(left, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0);
        expect(right, `${what} ends inside the viewport`).toBeLessThanOrEqual(viewport.width);
      }
      const sideways = await byTestId(page, "panel").evaluate((panel) =>
        [...panel.querySelectorAll("*")]
          // (1 px wide: the visually hidden file inputs, not content)
          .filter((el) => el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}`));
      expect(sideways, "nothing in the panel scrolls sideways").toEqual([]);
      expect(await violations(page, "aftercare-widget"), "axe on the conversation and the offer").toEqual([]);
      await shown.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${artifacts}/conversation/${locale}-${device}.png` });
    });
  }
}
