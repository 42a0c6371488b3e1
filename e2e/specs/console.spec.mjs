// Story: the other half. A shopper files a case with a photo in the widget on the demo
// page; in a second browser context the demo seller signs in to the console, sees it
// arrive live at the top of the queue with its countdown, opens it, views the photo
// large, and counter-offers a partial refund; the shopper accepts in the widget; the
// seller records the refund; both see "refunded". An arbiter rules on an escalated case
// after an evidence round the seller answers in the console. And what must not work:
// a wrong password, a locked account, a write without the CSRF token, another
// merchant's case, an expired session, a stale action.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { artifacts, byTestId, expect, openWidget, test } from "../fixtures.mjs";
import { violations } from "../support/axe.mjs";

const fixtures = resolve("e2e/fixtures");
const SELLER = "seller@aftercare-demo.example";
const ARBITER = "arbiter@aftercare-demo.example";
const PASSWORD = "aftercare-demo";

const console_ = (page, id) => page.getByTestId(id);

async function signIn(page, backend, email, password = PASSWORD) {
  await page.goto(`${backend.origin}/console/`);
  await page.getByLabel(/Email|邮箱/).fill(email);
  await page.getByLabel(/Password|密码/).fill(password);
  await page.getByRole("button", { name: /Sign in|登录/ }).click();
}

/** Files a quality case with a photo through the widget, as the demo page's shopper. */
async function fileWithPhoto(page, backend) {
  await page.goto(backend.url);
  await openWidget(page);
  await byTestId(page, "case-start").click();
  const flow = byTestId(page, "case-flow");
  await byTestId(page, "case-item").first().locator("input").check();
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-problem-quality").click();
  await byTestId(page, "case-reason-broken").click();
  await byTestId(page, "case-next").click();
  await expect(flow).toHaveAttribute("data-step", "guidance");
  await byTestId(page, "case-next").click();
  await byTestId(page, "case-resolution-return_and_refund").click();
  await byTestId(page, "case-next").click();
  await expect(flow).toHaveAttribute("data-step", "details");
  await byTestId(page, "case-description").fill("杯盖有裂缝,倒水会漏。");
  await byTestId(page, "file-input").setInputFiles([resolve(fixtures, "gps.jpg")]);
  await byTestId(page, "case-next").click();
  await expect(flow).toHaveAttribute("data-step", "contact");
  await byTestId(page, "case-next").click();
  await expect(flow).toHaveAttribute("data-step", "review");
  await byTestId(page, "case-submit").click();
  await expect(flow).toHaveAttribute("data-step", "receipt");
  return (await byTestId(page, "case-number").textContent()).match(/AC-[0-9-]+/)[0];
}

test("a seller works a case from the live queue to the refund, and the shopper agrees in the widget", async ({ browser, backend }) => {
  // axe runs in this context (its script injected, past the page's CSP); the other
  // stories run under the console's CSP and fail on any violation report.
  const sellerContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const seller = await sellerContext.newPage();
  const problems = [];
  seller.on("pageerror", (e) => problems.push(e.message));
  seller.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await seller.goto(`${backend.origin}/console/`);
  await expect(seller.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(await violations(seller), "axe: sign-in").toEqual([]);
  await signIn(seller, backend, SELLER);
  await expect(console_(seller, "staff-name")).toHaveText("小王 (demo seller)");
  await expect(console_(seller, "queue-empty")).toBeVisible();
  // Before signing in, the console's session check was a 401: that is how it knew.
  expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  problems.length = 0;

  // The shopper files; the case arrives in the open queue without a reload.
  const shopperContext = await browser.newContext({ locale: "zh-CN" });
  const shopper = await shopperContext.newPage();
  const number = await fileWithPhoto(shopper, backend);
  const row = console_(seller, "queue-row").first();
  await expect(row).toContainText(number);
  await expect(row.getByTestId("countdown")).toContainText(/in \d+ (h|d)/);
  await expect(console_(seller, "tab-new").getByTestId("tab-count")).toHaveText("1");
  await expect(seller, "the tab title counts what arrived").toHaveTitle(/^\(1\) After-sale console$/);
  await expect(row.getByTestId("unseen")).toHaveText("new");
  expect(await violations(seller), "axe: the queue").toEqual([]);
  await seller.screenshot({ path: `${artifacts}/console-queue-en.png` });

  // Open it: the photo opens large, and zooms.
  await row.getByTestId("queue-open").click();
  await expect(console_(seller, "case-state")).toHaveText("Waiting for the seller");
  await expect(seller, "opened: seen").toHaveTitle("After-sale console");
  const photo = console_(seller, "evidence-photo").first();
  await expect.poll(() => photo.locator("img").evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  expect(await violations(seller), "axe: a case").toEqual([]);
  // By keyboard: Enter opens it with focus inside, Tab stays in it, Escape closes it
  // and focus returns to the thumbnail.
  await photo.focus();
  await seller.keyboard.press("Enter");
  await expect(console_(seller, "lightbox-image")).toBeVisible();
  await expect(console_(seller, "lightbox-close")).toBeFocused();
  expect(await violations(seller), "axe: the photo, large").toEqual([]);
  await seller.keyboard.press("Tab");
  await expect(console_(seller, "zoom")).toBeFocused();
  await seller.keyboard.press("Enter");
  await expect(console_(seller, "lightbox-image")).toHaveClass(/cx-zoomed/);
  await seller.keyboard.press("Tab");
  await expect(console_(seller, "lightbox-close")).toBeFocused();
  await seller.keyboard.press("Escape");
  await expect(console_(seller, "lightbox")).toHaveCount(0);
  await expect(photo).toBeFocused();
  await seller.screenshot({ path: `${artifacts}/console-case-en.png`, fullPage: true });
  // On a tablet (768 px): nothing scrolls sideways.
  await seller.setViewportSize({ width: 768, height: 1024 });
  expect(await seller.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await seller.setViewportSize({ width: 1280, height: 900 });

  // Offer a partial refund: exactly the actions the server lists.
  const offer = console_(seller, "action-counter_offer");
  await offer.getByTestId("resolution").selectOption("refund_only");
  await offer.getByTestId("amount").fill("50");
  await offer.getByTestId("message").fill("We can refund ¥50 and you keep the cup.");
  await offer.getByTestId("submit").click();
  await expect(console_(seller, "case-state")).toHaveText("Offer waiting for the shopper");
  await expect(console_(seller, "timeline-entry").last().getByTestId("event-staff")).toHaveText("小王 (demo seller)");
  expect(await violations(seller), "axe: a case with an offer").toEqual([]);

  // The shopper accepts in the widget (and never sees the staff member's name).
  await shopper.reload();
  await openWidget(shopper);
  await byTestId(shopper, "requests-open").click();
  const card = shopper.locator(`aftercare-widget [data-testid="request"][data-number="${number}"]`);
  await expect(card).toHaveAttribute("data-state", "offer_pending");
  await expect(card).not.toContainText("小王");
  await card.getByTestId("request-offer-accept").click();
  await expect(card).toHaveAttribute("data-state", "awaiting_resolution");

  // The seller's page follows live; record the refund of what was agreed.
  await expect(console_(seller, "case-state")).toHaveText("Refund or shipment due");
  const refund = console_(seller, "action-pay_refund");
  await expect(refund.getByTestId("amount")).toHaveValue("50.00");
  await refund.getByTestId("submit").click();
  await expect(console_(seller, "case-state")).toHaveText("Resolved");
  await shopper.reload();
  await openWidget(shopper);
  await byTestId(shopper, "requests-open").click();
  await expect(card).toHaveAttribute("data-state", "resolved");
  await expect(card).toContainText("50.00");

  // The queue in Chinese, for the README.
  await console_(seller, "back").click();
  await console_(seller, "language").click();
  await console_(seller, "tab-closed").click();
  await expect(console_(seller, "queue-row").first()).toContainText(number);
  expect(await violations(seller), "axe: the queue in Chinese").toEqual([]);
  await seller.screenshot({ path: `${artifacts}/console-queue-zh.png` });
  expect(problems).toEqual([]);
  await sellerContext.close();
  await shopperContext.close();
});

async function fileByApi(backend, description) {
  const { token } = await (await fetch(`${backend.origin}/demo/token?order=20261128-0042&shopper=s-${Date.now()}`)).json();
  const response = await fetch(`${backend.origin}/v1/cases`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
    body: JSON.stringify({
      order_id: "20261128-0042", item_ids: ["item-1"], problem_type: "logistics", reason: "damaged_in_transit",
      resolution: "refund_only", description, contact: { phone: "138 0013 8000" },
    }),
  });
  expect(response.status).toBe(201);
  return { token, case: await response.json() };
}

test("an arbiter rules after an evidence round the seller answers in the console", async ({ browser, backend }) => {
  const { token, case: filed } = await fileByApi(backend, "包裹外箱破损，杯子碎了。");
  const sellerContext = await browser.newContext({ locale: "zh-CN" });
  const seller = await sellerContext.newPage();
  const blocked = [];
  seller.on("console", (m) => /Content Security Policy/.test(m.text()) && blocked.push(m.text()));
  await signIn(seller, backend, SELLER);
  await console_(seller, "queue-row").first().getByTestId("queue-open").click();
  const refuse = console_(seller, "action-refuse");
  await refuse.getByTestId("reason").selectOption("delivered_intact");
  await refuse.getByTestId("message").fill("签收时外箱完好。");
  await refuse.getByTestId("submit").click();
  await expect(console_(seller, "case-state")).toHaveText("卖家已拒绝");
  await seller.setViewportSize({ width: 1280, height: 900 });
  await seller.screenshot({ path: `${artifacts}/console-case-zh.png`, fullPage: true });

  // The shopper asks the platform to step in (through the shopper API).
  const current = await (await fetch(`${backend.origin}/v1/cases/${filed.id}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const escalated = await fetch(`${backend.origin}/v1/cases/${filed.id}/escalate`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": `"${current.version}"` },
    body: JSON.stringify({ reason: "卖家拒绝，但杯子确实碎了。" }),
  });
  expect(escalated.status).toBe(200);

  const arbiterContext = await browser.newContext({ locale: "zh-CN" });
  const arbiter = await arbiterContext.newPage();
  await signIn(arbiter, backend, ARBITER);
  await expect(console_(arbiter, "queue-row").first()).toContainText(filed.number);
  await console_(arbiter, "queue-row").first().getByTestId("queue-open").click();
  const round = console_(arbiter, "action-request_evidence");
  await round.getByTestId("from-shopper").uncheck();
  await round.getByTestId("hours").fill("48");
  await round.getByTestId("message").fill("请卖家提供签收照片。");
  await round.getByTestId("submit").click();
  await expect(console_(arbiter, "case-state")).toHaveText("举证中");

  // The seller answers the round in the console (their page follows live).
  await expect(console_(seller, "case-state")).toHaveText("举证中");
  const evidence = console_(seller, "action-submit_evidence");
  await evidence.getByTestId("message").fill("快递员签收单上注明外箱完好。");
  await evidence.getByTestId("submit").click();

  // Back with the arbiter, who rules for the shopper with a partial refund.
  await expect(console_(arbiter, "case-state")).toHaveText("平台介入中");
  const ruling = console_(arbiter, "action-rule_for_shopper");
  await ruling.getByTestId("resolution").selectOption("refund_only");
  await ruling.getByTestId("amount").fill("80");
  await ruling.getByTestId("message").fill("外箱完好但商品破损，部分退款。");
  await ruling.getByTestId("submit").click();
  await expect(console_(arbiter, "case-state")).toHaveText("已裁定（可申诉）");
  const last = console_(arbiter, "timeline-entry").last();
  await expect(last).toHaveAttribute("data-kind", "rule_for_shopper");
  await expect(last.getByTestId("event-staff")).toHaveText("平台仲裁 (demo arbiter)");
  expect(blocked, "everything runs under the console's CSP").toEqual([]);
  await sellerContext.close();
  await arbiterContext.close();
});

test("what must not work: wrong passwords and the lock, CSRF, another merchant, an expired session, a stale action", async ({ browser, backend }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const blocked = [];
  page.on("console", (m) => /Content Security Policy/.test(m.text()) && blocked.push(m.text()));
  // Each attempt is answered before the next: a refused one clears the password field.
  const attempt = async (email, password) => {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByLabel("Password")).toHaveValue("");
  };
  // A wrong password, and an unknown email: the same words.
  await page.goto(`${backend.origin}/console/`);
  const error = page.getByTestId("sign-in-error");
  await attempt(SELLER, "not the password");
  await expect(error).toHaveText("The email or password is wrong, or the account is locked for a while.");
  await attempt("nobody@aftercare-demo.example", PASSWORD);
  await expect(error).toHaveText("The email or password is wrong, or the account is locked for a while.");

  // An account of its own for the lock (the demo seller stays usable).
  const bin = process.env.AFTERCARE_SERVER_BIN;
  execFileSync(bin, ["staff", "add", "--data-dir", backend.dataDir, "--merchant", "demo", "--email", "temp@aftercare-demo.example"], {
    env: { ...process.env, AFTERCARE_STAFF_PASSWORD: "temporary-password" },
  });
  for (let i = 0; i < 5; i++) await attempt("temp@aftercare-demo.example", `wrong password ${i}`);
  await attempt("temp@aftercare-demo.example", "temporary-password");
  await expect(error, "locked: the right password is refused the same way").toHaveText(/locked for a while/);
  await expect(page.getByTestId("staff-name")).toHaveCount(0);

  // Signed in, the session cookie is HttpOnly: the page's scripts cannot read it.
  const { case: filed } = await fileByApi(backend, "外箱压坏，里面的杯子裂了。");
  await signIn(page, backend, SELLER);
  await expect(page.getByTestId("staff-name")).toBeVisible();
  expect(await page.evaluate(() => document.cookie)).not.toContain("aftercare_staff");
  // The settings page under the console's CSP too.
  await page.getByTestId("settings").click();
  await expect(page.getByTestId("reply-form-photos_please")).toBeVisible();
  await page.getByRole("link", { name: "Back to the queue" }).click();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "aftercare_staff");
  expect(session.httpOnly && session.sameSite === "Strict").toBe(true);

  // A write without the CSRF token (what a forged form would send): refused, nothing changes.
  const noToken = await page.evaluate(async (id) => {
    const r = await fetch(`/v1/merchant/cases/${id}/accept`, { method: "POST", headers: { "content-type": "application/json", "if-match": "\"1\"" }, body: "{}" });
    return { status: r.status, code: (await r.json()).code };
  }, filed.id);
  expect(noToken).toEqual({ status: 403, code: "csrf_token_invalid" });

  // A case this seller's merchant does not have: 404 (other merchants' cases are the
  // native tests', with two merchants).
  const other = await page.evaluate(async () => (await fetch("/v1/merchant/cases/00000000-0000-0000-0000-000000000000")).status);
  expect(other).toBe(404);
  const wrongDesk = await page.evaluate(async () => (await fetch("/v1/platform/cases")).json());
  expect(wrongDesk.code).toBe("wrong_desk");

  // A stale action: the case changes under an open page (its live updates cut off);
  // acting says so, changes nothing, and shows the latest.
  await page.route("**/v1/staff/events", (route) => route.abort());
  await page.goto(`${backend.origin}/console/#/cases/${filed.id}`);
  await page.reload();
  await expect(page.getByTestId("case-state")).toHaveText("Waiting for the seller");
  const key = execFileSync(bin, ["api-key", "--data-dir", backend.dataDir, "--merchant", "demo"]).toString().trim();
  const reply = await fetch(`${backend.origin}/v1/merchant/cases/${filed.id}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "if-match": "\"1\"" },
    body: JSON.stringify({ message: "Written by the shop's own system meanwhile." }),
  });
  expect(reply.status).toBe(200);
  await expect(page.getByTestId("timeline")).not.toContainText("meanwhile");
  await page.getByTestId("action-accept").getByTestId("submit").click();
  await expect(page.getByTestId("notice")).toHaveText("This case changed; here is the latest. Check it and act again.");
  await expect(page.getByTestId("timeline")).toContainText("Written by the shop's own system meanwhile.");
  await expect(page.getByTestId("case-state"), "the accept was not applied").toHaveText("Waiting for the seller");

  // An expired session: 30 minutes idle on the server's clock, and the console asks to sign in.
  await backend.advance(31 * 60);
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(blocked, "every page runs under the console's CSP").toEqual([]);
  await context.close();
});

test("a desk's admin sets up canned replies and staff; bulk actions go case by case; replies carry photos", async ({ browser, backend }) => {
  const filed = [];
  for (const text of ["第一件：杯子碎了。", "第二件：盖子裂了。", "第三件：包装压坏。"]) filed.push((await fileByApi(backend, text)).case);
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const admin = await context.newPage();
  await signIn(admin, backend, SELLER);
  await admin.getByTestId("settings").click();
  await expect(admin.getByTestId("reply-form-photos_please")).toBeVisible();
  expect(await violations(admin), "axe: desk settings").toEqual([]);

  // A new canned reply, and a new agent.
  const blank = admin.getByTestId("reply-form-new");
  await blank.getByTestId("reply-code").fill("parcel_photo");
  await blank.getByTestId("reply-title_zh").fill("请拍包裹");
  await blank.getByTestId("reply-title_en").fill("Photo of the parcel");
  await blank.getByTestId("reply-zh").fill("您好，请拍摄订单 {order_id} 的包裹外箱。");
  await blank.getByTestId("reply-en").fill("Hello, please take a photo of the parcel of order {order_id}.");
  await blank.getByTestId("reply-save").click();
  await expect(admin.getByTestId("reply-form-parcel_photo")).toBeVisible();
  await admin.getByTestId("new-email").fill("agent2@aftercare-demo.example");
  await admin.getByTestId("new-name").fill("小李");
  await admin.getByTestId("new-password").fill("second agent pass");
  await admin.getByTestId("add-staff-submit").click();
  await expect(admin.getByTestId("staff-row").filter({ hasText: "agent2@aftercare-demo.example" })).toContainText("小李");

  // Bulk: a canned reply to two cases, then accepting all three.
  await admin.getByRole("link", { name: "Back to the queue" }).click();
  const rows = admin.getByTestId("queue-row");
  await expect(rows).toHaveCount(3);
  await rows.nth(0).getByTestId("queue-select").check();
  await rows.nth(1).getByTestId("queue-select").check();
  await admin.getByTestId("bulk-canned").selectOption("parcel_photo");
  await admin.getByTestId("bulk-reply").click();
  await expect(admin.getByTestId("bulk-result")).toHaveText("2 done, 0 failed");
  for (const row of [0, 1, 2]) await rows.nth(row).getByTestId("queue-select").check();
  await admin.getByTestId("bulk-accept").click();
  await expect(admin.getByTestId("bulk-result")).toHaveText("3 done, 0 failed");
  await expect(admin.getByTestId("tab-waiting_for_me").getByTestId("tab-count")).toHaveText("3");
  await expect(admin.getByTestId("queue-empty")).toBeVisible();

  // A reply with a photo, from the case page: the timeline shows it, from the staff member.
  await admin.getByTestId("tab-waiting_for_me").click();
  await admin.getByTestId("queue-row").filter({ hasText: filed[0].number }).getByTestId("queue-open").click();
  await expect(admin.getByTestId("timeline")).toContainText(`please take a photo of the parcel of order ${filed[0].order_id}`);
  const reply = admin.getByTestId("action-message");
  await reply.getByTestId("files").setInputFiles([resolve(fixtures, "gps.jpg")]);
  await expect(reply.getByTestId("attached")).toContainText("gps.jpg");
  await reply.getByTestId("message").fill("This is how the parcel should look.");
  await reply.getByTestId("submit").click();
  const last = admin.getByTestId("timeline-entry").last();
  await expect(last).toContainText("This is how the parcel should look.");
  await expect(last.getByTestId("evidence-photo")).toHaveCount(1);
  // The photo loads through its signed link (waited for, not assumed).
  await expect.poll(() => last.locator("img").evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);

  // The new agent signs in: the queue, but no settings.
  const agentContext = await browser.newContext({ locale: "zh-CN" });
  const agent = await agentContext.newPage();
  await signIn(agent, backend, "agent2@aftercare-demo.example", "second agent pass");
  await expect(agent.getByTestId("staff-name")).toHaveText("小李");
  await expect(agent.getByTestId("settings")).toHaveCount(0);
  await agentContext.close();
  await context.close();
});
