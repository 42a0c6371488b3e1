// Story: a shopper who uses no mouse — a keyboard, or a screen reader driving one —
// files a whole after-sale case with a photo on the demo order page: Tab and Shift+Tab
// move through the page and the panel, Enter and Space press, arrows choose among
// radios, Esc closes. Focus is checked after every key (never lost, never outside the
// open dialog), and what a screen reader is told — the controls' names, the step
// changes, the errors, the upload's progress — is read from the accessibility tree.
import { resolve } from "node:path";
import { byTestId, expect, test } from "../fixtures.mjs";

const photo = resolve("e2e/fixtures/gps.jpg");

/** Where focus is: the element (inside the widget's shadow root, or on the page). */
function focus(page) {
  return page.evaluate(() => {
    const root = document.querySelector("aftercare-widget")?.shadowRoot;
    const inner = root?.activeElement;
    const el = inner || document.activeElement;
    return {
      inWidget: Boolean(inner),
      inPanel: Boolean(inner?.closest(".ac-panel")),
      // The nearest data-testid: a radio's or a checkbox's is on its label.
      testid: el?.closest("[data-testid]")?.getAttribute("data-testid") ?? null,
      tag: el?.tagName.toLowerCase() ?? null,
      checked: Boolean(el?.checked),
      text: (el?.getAttribute("aria-label") || el?.textContent || "").trim().slice(0, 60),
    };
  });
}

/**
 * Presses Tab (or Shift+Tab) until `wanted(focus)`; with the dialog open, every stop
 * must be inside its panel. Fails after `max` presses (a control Tab cannot reach).
 */
async function tabTo(page, wanted, { back = false, max = 60, dialog = true } = {}) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const now = await focus(page);
    stops.push(now.testid || now.tag);
    if (dialog) expect(now.inPanel, `focus left the open dialog after ${stops.join(" → ")}`).toBe(true);
    if (wanted(now)) return now;
  }
  throw new Error(`not reached in ${max} presses: ${stops.join(" → ")}`);
}
const testid = (id) => (f) => f.testid === id;

/** Checks the radio `id` of a group with the arrow keys, from the group's first stop. */
async function arrowTo(page, prefix, id) {
  await tabTo(page, (f) => f.tag === "input" && f.testid?.startsWith(prefix));
  for (let i = 0; i < 12 && (await focus(page)).testid !== id; i++) await page.keyboard.press("ArrowDown");
  const now = await focus(page);
  expect(now.testid).toBe(id);
  if (!now.checked) await page.keyboard.press("Space");
  expect((await focus(page)).checked, `${id} checked`).toBe(true);
}

async function next(page, flow, step) {
  await tabTo(page, testid("case-next"));
  await page.keyboard.press("Enter");
  await expect(flow).toHaveAttribute("data-step", step);
  // A new step moves focus to its heading, so it is read out.
  const heading = await focus(page);
  expect([heading.tag, heading.inPanel]).toEqual(["h3", true]);
}

test("a whole case with a photo, filed with the keyboard alone", async ({ page, assets }) => {
  test.setTimeout(60_000);
  // Playwright turns file-chooser interception on when the first listener is added, and
  // a key press sent right after it can reach the page first: the picker then opens
  // natively and no event comes (seen in about one run in six). So listen from the start.
  const choosers = [];
  page.on("filechooser", (chooser) => choosers.push(chooser));
  await page.goto(assets.url);
  // The page's own language switch, then the launcher: Tab through the page.
  await tabTo(page, (f) => f.text === "English", { dialog: false });
  await page.keyboard.press("Enter");
  const launcher = await tabTo(page, testid("launcher"), { dialog: false });
  expect(launcher.text).toBe("Contact support");
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  expect((await focus(page)).inPanel, "opening moves focus into the dialog").toBe(true);
  await expect(byTestId(page, "launcher")).toHaveAttribute("aria-expanded", "true");

  // Tab wraps inside the open dialog, both ways: a full lap never leaves it.
  const first = await tabTo(page, () => true);
  const same = (f) => f.testid === first.testid && f.text === first.text;
  await tabTo(page, same, { max: 80 });
  await tabTo(page, same, { back: true, max: 80 });

  await tabTo(page, testid("case-start"));
  await page.keyboard.press("Enter");
  const flow = byTestId(page, "case-flow");
  await expect(flow).toHaveAttribute("data-step", "items");
  await expect(flow).toMatchAriaSnapshot(`
    - region:
      - heading /Which item/ [level=3]
      - group:
        - checkbox
  `);

  // Next before choosing: the error is announced (an alert) and nothing moves on.
  await tabTo(page, testid("case-next"));
  await page.keyboard.press("Enter");
  await expect(byTestId(page, "case-errors")).toMatchAriaSnapshot(`
    - alert:
      - list:
        - listitem: Choose at least one item.
  `);
  await expect(flow).toHaveAttribute("data-step", "items");
  await tabTo(page, (f) => f.testid === "case-item", { back: true });
  await page.keyboard.press("Space");
  expect((await focus(page)).checked).toBe(true);
  await next(page, flow, "problem");

  await arrowTo(page, "case-problem-", "case-problem-quality");
  await arrowTo(page, "case-reason-", "case-reason-broken");
  await next(page, flow, "guidance");
  await next(page, flow, "resolution");
  await arrowTo(page, "case-resolution-", "case-resolution-exchange");
  await next(page, flow, "details");

  await tabTo(page, testid("case-description"));
  await page.keyboard.type("The lid is cracked and it leaks.");
  await expect(byTestId(page, "case-description")).toHaveAccessibleName("What happened");
  await expect(byTestId(page, "case-description")).toHaveAccessibleDescription("32/1000 characters");
  // Enter on "Choose files" opens the system's file picker, which the test answers.
  await tabTo(page, testid("choose-files"));
  await page.keyboard.press("Enter");
  await expect.poll(() => choosers.length).toBe(1);
  await choosers[0].setFiles(photo);
  const item = byTestId(page, "evidence-item");
  await expect(item).toHaveAttribute("data-status", "done");
  // The upload was announced, in words a screen reader speaks (no per-percent chatter).
  await expect(byTestId(page, "evidence-announcer")).toMatchAriaSnapshot(`- status: "gps.jpg: Uploaded"`);
  await expect(item.locator("progress")).toHaveAccessibleName("gps.jpg");
  await expect(item.getByTestId("evidence-remove")).toHaveAccessibleName(/Remove/);
  expect((await focus(page)).inPanel, "focus stays in the dialog while the photo uploads").toBe(true);
  await next(page, flow, "contact");
  for (const [field, value] of [["case-phone", "13800000000"], ["case-email", "shopper@example.com"]]) {
    await tabTo(page, testid(field));
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(value);
  }
  await next(page, flow, "review");
  await expect(byTestId(page, "case-review")).toContainText("The lid is cracked and it leaks.");
  await tabTo(page, testid("case-submit"));
  await page.keyboard.press("Enter");
  await expect(flow).toHaveAttribute("data-step", "receipt");
  await expect(byTestId(page, "case-number")).toBeVisible();
  expect((await focus(page)).inPanel, "focus is in the receipt").toBe(true);

  // Esc closes; focus goes back to the launcher that opened it.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect((await focus(page)).testid).toBe("launcher");
  await expect(byTestId(page, "launcher")).toHaveAttribute("aria-expanded", "false");
});
