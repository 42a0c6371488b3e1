// A tiny bundled app: what a merchant's developer writes with the npm package. Bundled
// by esbuild and type-checked by tsc in e2e/specs/npm.spec.mjs, then driven in Chromium.
import { load, type AftercareApi, type CaseState } from "aftercare-widget";

// Where the test page says the built widget is (e2e/pages/npm-app/index.html).
const ASSETS_URL = document.querySelector<HTMLMetaElement>("meta[name=aftercare-assets]")!.content;

const seen: string[] = [];
const api: AftercareApi = await load({
  assetsUrl: ASSETS_URL,
  merchant: "demo",
  locale: "en",
  order: { id: "NPM-1", items: [{ id: "item-1", name: "Bottle", quantity: 1, price: 12900, currency: "CNY" }], state: "delivered", delivered_at: "2026-11-25" },
});
api.on("channel", (detail) => seen.push(`${detail.kind}:${detail.action}`));
api.on("open", () => seen.push("open"));
api.on("case-updated", (detail) => {
  const state: CaseState = detail.state;
  seen.push(`${detail.number}:${state}`);
});
// Never run: what the declarations must refuse (tsc fails if any of these type-checks).
export function refused(api: AftercareApi) {
  // @ts-expect-error: not a channel.
  api.openChannel("fax");
  // @ts-expect-error: events are typed by name.
  api.on("no-such-event", () => {});
  // @ts-expect-error: a channel event's detail has no `caseId`.
  api.on("channel", (detail) => detail.caseId);
  // @ts-expect-error: load needs assetsUrl.
  void load({ merchant: "demo" });
}

const w = window as unknown as { app: { api: AftercareApi; seen: string[]; load: typeof load } };
w.app = { api, seen, load };
document.body.dataset.ready = "yes";
