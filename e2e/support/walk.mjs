// Walks the widget's case flow to its evidence step (a quality problem, the first
// item), or resumes a saved draft there. Plain Playwright (no test runner), so the
// benches use it too; the widget must be open.

const byTestId = (page, id) => page.locator(`aftercare-widget [data-testid="${id}"]`);

export async function walkToEvidence(page) {
  await byTestId(page, "case-start").click();
  const flow = byTestId(page, "case-flow");
  await flow.waitFor();
  const step = () => flow.getAttribute("data-step");
  if ((await step()) === "items") {
    await byTestId(page, "case-item").first().locator("input").check();
    await byTestId(page, "case-next").click();
  }
  if ((await step()) === "problem") {
    await byTestId(page, "case-problem-quality").click();
    await byTestId(page, "case-reason-broken").click();
    await byTestId(page, "case-next").click();
  }
  if ((await step()) === "guidance") await byTestId(page, "case-next").click();
  if ((await step()) === "resolution") {
    await byTestId(page, "case-resolution-return_and_refund").click();
    await byTestId(page, "case-next").click();
  }
  await page.locator('aftercare-widget [data-testid="case-flow"][data-step="details"]').waitFor();
  await byTestId(page, "evidence").waitFor();
}
