/*! Aftercare loader: draws the launcher, loads the widget when the shopper shows intent.
 * Embed: <script src=".../aftercare.js" async data-endpoint data-merchant data-locale
 *        data-order data-order-token data-config data-preload="idle"></script>
 * API: window.Aftercare (README, "Embedding"). Nothing here may throw into the page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || (window.Aftercare && window.Aftercare.version)) return;
  var pending = window.Aftercare && window.Aftercare.q;
  var base = new URL(".", script.src).href;
  var data = script.dataset;
  var nav = navigator.languages || [navigator.language];
  var settings = {
    endpoint: null,
    merchant: data.merchant || null,
    locales: [data.locale, document.documentElement.lang].concat(nav).filter(Boolean),
    order: data.order || null,
    orderToken: data.orderToken || null,
    contact: data.contact || null,
    config: data.config || null
  };
  try {
    if (data.endpoint) settings.endpoint = new URL(data.endpoint, location.href).href;
  } catch (e) {
    console.error("[aftercare] data-endpoint: not a URL; running on defaults", e);
  }
  var widget, loading, broken, tokenHandler;
  var queue = [];

  var host = document.createElement("aftercare-widget");
  var root = host.attachShadow({ mode: "open" });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(
    ".ac-launcher{all:initial;box-sizing:border-box;position:fixed;" +
      "right:var(--ac-launcher-right,20px);bottom:var(--ac-launcher-bottom,20px);" +
      "z-index:var(--ac-z-index-launcher,1000);display:inline-flex;align-items:center;gap:8px;" +
      "height:48px;padding:0 18px;border-radius:24px;background:var(--ac-accent,#e4393c);" +
      "color:var(--ac-accent-text,#fff);font:600 15px/1 system-ui,-apple-system,'PingFang SC'," +
      "'Microsoft YaHei','Noto Sans CJK SC',sans-serif;letter-spacing:normal;cursor:pointer;" +
      "box-shadow:0 4px 16px rgb(0 0 0/.24)}" +
      ".ac-launcher:focus-visible{outline:3px solid var(--ac-accent,#e4393c);outline-offset:3px}" +
      ".ac-launcher::before{content:'';width:18px;height:14px;border-radius:7px 7px 7px 2px;background:currentColor}" +
      ".ac-launcher[data-unread]::after{content:attr(data-unread);min-width:18px;height:18px;padding:0 5px;" +
      "box-sizing:border-box;border-radius:9px;background:var(--ac-accent-text,#fff);color:var(--ac-accent,#e4393c);" +
      "font-size:12px;line-height:18px;text-align:center}"
  );
  root.adoptedStyleSheets = [sheet];
  var button = document.createElement("button");
  button.type = "button";
  button.className = "ac-launcher";
  button.setAttribute("aria-haspopup", "dialog");
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("data-testid", "launcher");
  // Mirrors locale.rs until the wasm takes the label over.
  function zh() {
    for (var i = 0; i < settings.locales.length; i++) {
      var primary = String(settings.locales[i]).trim().split(/[-_]/)[0].toLowerCase();
      if (primary === "zh") return true;
      if (primary === "en") break;
    }
    return false;
  }
  function label() {
    return zh() ? "联系客服" : "Contact support";
  }
  button.textContent = label();
  var mount = document.createElement("div");
  root.append(button, mount);

  // Updates on the shopper's cases since they last looked: one small request when the
  // page is idle, once the backend, the order and its token are known; a badge on the
  // launcher (the widget keeps it from then on). Nothing else is fetched before intent.
  var unreadAsked;
  function askUnread() {
    var order;
    try { order = settings.order && JSON.parse(settings.order).id; } catch (e) { return; }
    if (unreadAsked || widget || loading || !settings.endpoint || !order || !settings.orderToken || !window.fetch) return;
    unreadAsked = true;
    (window.requestIdleCallback || setTimeout)(function () {
      fetch(new URL("v1/unread?order=" + encodeURIComponent(order), settings.endpoint), {
        headers: { authorization: "Bearer " + settings.orderToken }, credentials: "omit"
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          var n = answer && +answer.unread;
          if (!n || widget || loading) return;
          button.setAttribute("data-unread", n > 99 ? "99+" : String(n));
          button.setAttribute("aria-label", label() + (zh() ? "," + n + " 条新消息" : ", " + n + " new updates"));
        })
        .catch(function () {});
    });
  }

  function fail(error) {
    broken = true;
    host.remove();
    console.error("[aftercare] the widget stopped after an error and was removed; the page is unaffected.", error);
  }

  function load() {
    // The first Intl.DateTimeFormat of a page loads the browser's ICU data (30-60 ms
    // in Chromium); the opening hours need one. Done in a task of its own while the
    // wasm downloads, it is not part of the task that starts the widget.
    if (!loading && window.Intl) setTimeout(function () { try { new Intl.DateTimeFormat("en-US", { timeZone: "UTC" }); } catch (e) {} }, 0);
    return (loading = loading || import(base + "aftercare-widget.js")
      .then(function (glue) {
        return glue.default({ module_or_path: base + "aftercare-widget_bg.wasm" }).then(function () {
          var started = glue.start(host, root, button, mount, JSON.stringify(settings), requestToken);
          // The calls waiting for the widget (the click that loaded it) run in a task
          // of their own, so starting and opening are two shorter tasks on the host page.
          return new Promise(function (ok) { setTimeout(ok, 0); }).then(function () {
            widget = started;
            var calls = queue;
            queue = [];
            calls.forEach(function (c) { call(c[0], c[1]); });
          });
        });
      })
      .catch(fail));
  }

  // Every call into the wasm goes through here: queued until it has loaded, and a
  // throw (a panic is a wasm trap) removes the widget instead of reaching the page.
  function call(name, arg) {
    if (broken) return;
    if (!widget) {
      queue.push([name, arg]);
      load();
      return;
    }
    try {
      widget[name](arg);
    } catch (error) {
      fail(error);
    }
  }

  // The widget asks for a fresh order token when the backend says it expired: tell the
  // page (event), and ask its onTokenRequest handler.
  function requestToken() {
    host.dispatchEvent(new CustomEvent("aftercare:token-expired", { bubbles: true }));
    if (!tokenHandler) return Promise.resolve(null);
    return Promise.resolve()
      .then(tokenHandler)
      .then(function (token) { return token ? String(token) : null; }, function () { return null; });
  }

  // Before the wasm loads, state changes only update what it will start with.
  function setting(key, name, value) {
    if (widget) return call(name, value);
    settings[key] = value;
    askUnread();
  }

  ["pointerenter", "touchstart", "focus"].forEach(function (type) {
    button.addEventListener(type, load, { passive: true, once: true });
  });
  button.addEventListener("click", function () { call("toggle"); });
  if (data.preload === "idle") (window.requestIdleCallback || setTimeout)(load);

  var api = {
    version: "0.1.0",
    open: function () { call("open"); },
    close: function () { if (widget) call("close"); },
    openChannel: function (kind) { call("openChannel", String(kind)); },
    // Opens the guided after-sale request, at a problem type if named
    // (quality, logistics, not_as_described, seller_service, no_reason_return).
    openAfterSale: function (type) { call("openAfterSale", type == null ? null : String(type)); },
    openCase: function (id) { call("openCase", String(id)); },
    setOrder: function (order) { setting("order", "setOrder", JSON.stringify(order)); },
    setOrderToken: function (token) { setting("orderToken", "setOrderToken", token == null ? null : String(token)); },
    // The host's way to hand a fresh order token when the backend says it expired.
    onTokenRequest: function (handler) { tokenHandler = handler; },
    setLocale: function (locale) {
      if (widget) return call("setLocale", String(locale));
      settings.locales.unshift(String(locale));
      button.textContent = label();
    },
    on: function (event, handler) {
      var listener = function (e) { handler(e.detail, e); };
      host.addEventListener("aftercare:" + event, listener);
      return function () { host.removeEventListener("aftercare:" + event, listener); };
    }
  };
  window.Aftercare = api;
  // Replays calls made through the queueing snippet before this script ran.
  if (pending && pending.forEach) pending.forEach(function (args) {
    if (typeof api[args[0]] === "function") api[args[0]].apply(null, [].slice.call(args, 1));
  });

  // A link from the shopper's email (`?aftercare_case=<id>`) opens the widget at the case.
  var linked = null;
  try { linked = new URLSearchParams(location.search).get("aftercare_case"); } catch (e) {}
  if (linked && /^[\w-]{1,64}$/.test(linked)) call("openCase", linked);

  function attach() { document.body.append(host); askUnread(); }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
