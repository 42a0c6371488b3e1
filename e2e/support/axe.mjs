// axe-core (pinned in package.json) run in the page at WCAG 2.2 AA: the violations, as
// `rule: target, …` lines (empty when there are none). The page's own CSP would refuse
// the injected script, so contexts that run it are made with `bypassCSP: true`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** `within`: a selector to check only that part (the widget on a test page whose own
 * controls are not ours to fix). */
export async function violations(page, within = null) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: source });
  return page.evaluate(async (within) => {
    // Mid-animation (the panel rises in, fading) colours are not the ones a shopper reads.
    const roots = [document, ...[...document.querySelectorAll("*")].map((el) => el.shadowRoot).filter(Boolean)];
    const running = roots.flatMap((root) => root.getAnimations());
    await Promise.all(running.map((animation) => animation.finished.catch(() => {})));
    const result = await window.axe.run(within ? { include: [within] } : document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(", ")}`);
  }, within);
}
