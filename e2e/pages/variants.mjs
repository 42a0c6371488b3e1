// The merchant test pages: one template (merchant.html), one entry per situation.
const HOST_SCRIPT = '  <script src="/host.js" defer></script>\n';
const STRICT_CSP =
  "  <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src {{ASSETS}} 'wasm-unsafe-eval'; " +
  "connect-src {{ASSETS}}; img-src {{ASSETS}} data: blob:; media-src {{ASSETS}} blob:; font-src {{ASSETS}}; " +
  "style-src 'self' {{ASSETS}}; base-uri 'none'; form-action 'none'\">\n";
const HOSTILE_CSS = `  <style>
    * { font: 30px serif !important; color: rgb(255,0,0) !important; box-sizing: content-box !important; letter-spacing: 3px !important }
    button { display: none !important }
    div { border: 3px solid rgb(0,255,0) }
    svg, img, canvas { display: none !important }
  </style>
`;

const VIEWPORT = '  <meta name="viewport" content="width=device-width, initial-scale=1">\n';

const page = (title, { head = HOST_SCRIPT, csp = "", viewport = VIEWPORT, attrs = "", body = "", menuKey = "2", weiboUrl = "https://weibo.example/demo" } = {}) => ({
  TITLE: title,
  VIEWPORT: viewport,
  BODY: body,
  HEAD: head,
  CSP: csp,
  ATTRS: attrs,
  MENU_KEY: menuKey,
  WEIBO_URL: weiboUrl,
});

export const variants = {
  "/plain.html": page("widget from another origin"),
  "/strict-csp.html": page("strict Content-Security-Policy", { head: "", csp: STRICT_CSP }),
  "/hostile.html": page("deliberately hostile global CSS", { head: HOST_SCRIPT + HOSTILE_CSS }),
  "/bad-config.html": page("invalid widget configuration", { menuKey: "two", weiboUrl: "javascript:alert(1)" }),
  "/remote-config.html": page("configuration from the backend", { attrs: '\n          data-endpoint="/"' }),
  "/dead-endpoint.html": page("backend that does not answer", { attrs: '\n          data-endpoint="/no-backend-here/"' }),
  "/preload.html": page("preload when idle", { attrs: '\n          data-preload="idle"' }),
  "/stock-tus.html": page("uploads to a stock tus server", { attrs: '\n          data-endpoint="{{TUS}}"' }),
  // README "Inline": the panel in the order page's "After-sale" tab, below the fold.
  "/inline.html": page("inline in the page", {
    attrs: '\n          data-mode="inline" data-target="#after-sale"',
    body: `    <div style="height: 1600px" data-testid="spacer"><p>Order details …</p></div>
    <section aria-labelledby="after-sale-title"><h2 id="after-sale-title">After-sale</h2><div id="after-sale"></div></section>
`,
  }),
  // An older desktop-first shop: no mobile viewport, laid out 980 px wide on a phone.
  "/no-viewport.html": page("no mobile viewport", {
    viewport: "",
    body: `    <table style="width: 960px" data-testid="wide-table"><tr><td>Order 20261128-0042</td><td>Insulated bottle 500 ml</td><td>¥129.00</td></tr></table>
`,
  }),
  // README "Your own launcher": no floating button; the page's own elements open it.
  "/custom-launcher.html": page("the page's own launchers", {
    attrs: '\n          data-launcher="none"',
    body: `    <nav>
      <button type="button" data-aftercare-open="phone" data-testid="open-phone">Call us</button>
      <a href="#after-sale" data-aftercare-open="after-sale:quality" data-testid="open-quality">Report a quality problem</a>
      <button type="button" data-aftercare-open="requests" data-testid="open-requests">My requests</button>
    </nav>
`,
  }),
};
