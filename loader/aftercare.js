/*! Aftercare loader: draws the launcher, loads the widget when the shopper shows intent.
 * Embed: <script src=".../aftercare.js" async data-endpoint data-merchant data-locale
 *        data-order data-order-token data-contact data-config data-preload="idle"
 *        data-mode="inline" data-target="#selector" data-launcher="none" data-theme
 *        data-boot="manual" (started by Aftercare.boot, as the npm package does)></script>
 * API: window.Aftercare (README, "Embedding"). Nothing here may throw into the page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || (window.Aftercare && window.Aftercare.version)) return;
  var pending = window.Aftercare && window.Aftercare.q;
  var base = new URL(".", script.src).href;
  var glue; // the wasm module, fetched once per page
  var app = null; // the widget booted now
  var nav = navigator.languages || [navigator.language];
  var text = function (value) { return value == null ? null : typeof value === "string" ? value : JSON.stringify(value); };

  // One widget from `data` (the script's data-* names, or boot()'s settings).
  function boot(data) {
    var settings = {
      endpoint: null,
      merchant: data.merchant || null,
      locales: [data.locale, document.documentElement.lang].concat(nav).filter(Boolean),
      order: text(data.order),
      orderToken: data.orderToken || null,
      contact: text(data.contact),
      config: text(data.config),
      mode: data.mode === "inline" ? "inline" : "popup"
    };
    try {
      if (data.endpoint) settings.endpoint = new URL(data.endpoint, location.href).href;
    } catch (e) {
      console.error("[aftercare] endpoint: not a URL; running on defaults", e);
    }
    var inline = settings.mode === "inline";
    var own = inline || data.launcher === "none"; // no floating launcher of ours
    var widget, loading, broken, tokenHandler, opener, observer, unreadAsked, idle;
    var queue = [];
    var cleanups = [];
    function listen(on, type, handler, options) {
      on.addEventListener(type, handler, options);
      cleanups.push(function () { on.removeEventListener(type, handler, options); });
    }

    var host = document.createElement("aftercare-widget");
    if (inline) host.setAttribute("data-mode", "inline");
    if (data.theme === "dark" || data.theme === "light") host.setAttribute("data-theme", data.theme);
    var root = host.attachShadow({ mode: "open" });
    var sheet = new CSSStyleSheet();
    // style/launcher.css, written in by scripts/dist.mjs (the Leptos component includes
    // the same file).
    sheet.replaceSync(LAUNCHER_CSS);
    root.adoptedStyleSheets = [sheet];
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ac-launcher";
    button.hidden = own;
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
    function askUnread() {
      var order;
      try { order = settings.order && JSON.parse(settings.order).id; } catch (e) { return; }
      if (own || unreadAsked || widget || loading || !settings.endpoint || !order || !settings.orderToken || !window.fetch) return;
      unreadAsked = true;
      idle = (window.requestIdleCallback || setTimeout)(function () {
        fetch(new URL("v1/unread?order=" + encodeURIComponent(order), settings.endpoint), {
          headers: { authorization: "Bearer " + settings.orderToken }, credentials: "omit"
        })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (answer) {
            var n = answer && +answer.unread;
            if (!n || widget || loading || broken) return;
            button.setAttribute("data-unread", n > 99 ? "99+" : String(n));
            button.setAttribute("aria-label", label() + (zh() ? "," + n + " 条新消息" : ", " + n + " new updates"));
          })
          .catch(function () {});
      });
    }

    // Removes the widget, its listeners and timers (shutdown, or after an error).
    function stop() {
      broken = true;
      cleanups.forEach(function (cleanup) { cleanup(); });
      if (observer) observer.disconnect();
      if (idle) (window.cancelIdleCallback || clearTimeout)(idle);
      if (widget) try { widget.shutdown(); } catch (e) {}
      host.remove();
    }

    function fail(error) {
      stop();
      console.error("[aftercare] the widget stopped after an error and was removed; the page is unaffected.", error);
    }

    function load() {
      // The first Intl.DateTimeFormat of a page loads the browser's ICU data (30-60 ms
      // in Chromium); the opening hours need one. Done in a task of its own while the
      // wasm downloads, it is not part of the task that starts the widget.
      if (!loading && window.Intl) setTimeout(function () { try { new Intl.DateTimeFormat("en-US", { timeZone: "UTC" }); } catch (e) {} }, 0);
      return (loading = loading || (glue = glue || import(base + "aftercare-widget.js").then(function (module) {
        return module.default({ module_or_path: base + "aftercare-widget_bg.wasm" }).then(function () { return module; });
      }))
        .then(function (module) {
          if (broken) return;
          var started = module.start(host, root, button, mount, JSON.stringify(settings), requestToken);
          // The calls waiting for the widget (the click that loaded it) run in a task
          // of their own, so starting and opening are two shorter tasks on the host page.
          return new Promise(function (ok) { setTimeout(ok, 0); }).then(function () {
            if (broken) return started.shutdown();
            widget = started;
            var calls = queue;
            queue = [];
            calls.forEach(function (c) { call(c[0], c[1]); });
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

    // Any element of the page with data-aftercare-open="phone" (a channel), "after-sale"
    // or "after-sale:quality" (a problem type), or "requests" is a launcher: intent on it
    // loads the widget, a click opens it there, and closing returns focus to it.
    function opens(event) {
      var element = event.target && event.target.closest && event.target.closest("[data-aftercare-open]");
      return broken ? null : element;
    }
    listen(document, "pointerover", function (event) { if (opens(event)) load(); }, { passive: true });
    listen(document, "focusin", function (event) { if (opens(event)) load(); });
    listen(document, "touchstart", function (event) { if (opens(event)) load(); }, { passive: true });
    listen(document, "click", function (event) {
      var element = opens(event);
      if (!element) return;
      event.preventDefault();
      opener = element;
      var what = element.getAttribute("data-aftercare-open").split(":");
      if (what[0] === "after-sale") call("openAfterSale", what[1] || null);
      else if (what[0] === "requests") call("openRequests");
      else if (what[0]) call("openChannel", what[0]);
      else call("open");
    });
    // Closing returns focus to the page's launcher that opened the widget.
    listen(host, "aftercare:close", function () {
      if (opener && opener.isConnected) opener.focus();
    });

    // A page without a mobile viewport (<meta name="viewport">) is laid out about 980 px
    // wide on a phone and shown shrunk to its screen: the launcher and the panel would be
    // a third of their size. Scale them back up to the device's width (widget.css and
    // launcher.css read --ac-scale), and again when the shopper zooms.
    function fit() {
      var view = window.visualViewport;
      var scale = view && screen.width ? view.width / screen.width : 1;
      if (scale > 1.2) {
        host.setAttribute("data-scale", "");
        host.style.setProperty("--ac-scale", scale.toFixed(3));
      } else host.removeAttribute("data-scale");
    }

    function attach() {
      if (broken) return;
      if (!inline) {
        fit();
        if (window.visualViewport) listen(window.visualViewport, "resize", fit);
        document.body.append(host);
        askUnread();
        if (data.preload === "idle") idle = (window.requestIdleCallback || setTimeout)(load);
        return;
      }
      var target = null;
      try { target = document.querySelector(data.target); } catch (e) {}
      if (!target) {
        console.error("[aftercare] data-mode=\"inline\" needs data-target naming an element of the page; none matches", data.target);
        return stop();
      }
      target.append(host);
      // Shown in the page's flow: loaded once its place scrolls into view (or a tab
      // holding it is shown), and opened there.
      queue.push(["open"]);
      if (!window.IntersectionObserver) return load();
      observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (entry) { return entry.isIntersecting; })) {
          observer.disconnect();
          load();
        }
      });
      observer.observe(host);
    }
    if (document.readyState === "loading") listen(document, "DOMContentLoaded", attach);
    else attach();

    return {
      call: call,
      stop: stop,
      setOrder: function (order) { setting("order", "setOrder", JSON.stringify(order)); },
      setOrderToken: function (token) { setting("orderToken", "setOrderToken", token == null ? null : String(token)); },
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
      },
      loaded: function () { return !!widget; }
    };
  }

  // Removes what the widget saved in this browser (drafts, texts being written, evidence
  // waiting to upload).
  function forgetDrafts() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && key.indexOf("aftercare:") === 0) localStorage.removeItem(key);
      }
    } catch (e) {}
    try { indexedDB.deleteDatabase("aftercare-evidence"); } catch (e) {}
  }

  function running(name) {
    if (!app) console.error("[aftercare] " + name + ": the widget is shut down; call Aftercare.boot(settings) first");
    return app;
  }
  function forward(name) {
    return function (arg) { if (running(name)) app[name](arg); };
  }
  function wasm(name, convert) {
    return function (arg) { if (running(name)) app.call(name, convert ? convert(arg) : arg); };
  }

  var api = {
    version: "0.2.0",
    open: wasm("open"),
    close: function () { if (app && app.loaded()) app.call("close"); },
    openChannel: wasm("openChannel", String),
    // Opens the guided after-sale request, at a problem type if named
    // (quality, logistics, not_as_described, seller_service, no_reason_return).
    openAfterSale: wasm("openAfterSale", function (type) { return type == null ? null : String(type); }),
    openRequests: wasm("openRequests"),
    openCase: wasm("openCase", String),
    setOrder: forward("setOrder"),
    setOrderToken: forward("setOrderToken"),
    // The host's way to hand a fresh order token when the backend says it expired.
    onTokenRequest: forward("onTokenRequest"),
    setLocale: forward("setLocale"),
    on: function (event, handler) { return running("on") ? app.on(event, handler) : function () {}; },
    // Removes the widget, its listeners and timers; what the shopper saved is kept
    // unless {forgetDrafts: true}. Aftercare.boot(settings) starts it again.
    shutdown: function (options) {
      if (app) app.stop();
      app = null;
      if (options && options.forgetDrafts) forgetDrafts();
    },
    // Starts the widget with `settings` (the data-* names in camelCase: endpoint,
    // merchant, locale, order, orderToken, contact, config, preload, mode, target,
    // launcher, theme), shutting down the one running first — a single-page app changing orders.
    boot: function (settings) {
      if (app) app.stop();
      app = null;
      try { app = boot(settings || {}); } catch (e) { console.error("[aftercare] boot failed; the page is unaffected", e); }
      first();
    }
  };
  window.Aftercare = api;

  // A link from the shopper's email (`?aftercare_case=<id>`) opens the widget at the case.
  var linked = null;
  try { linked = new URLSearchParams(location.search).get("aftercare_case"); } catch (e) {}
  if (!linked || !/^[\w-]{1,64}$/.test(linked)) linked = null;
  // The first widget booted opens at the linked case.
  function first() {
    if (app && linked) app.call("openCase", linked);
    linked = null;
  }
  // data-boot="manual" (the npm package's `load`): the page boots it with its settings.
  if (script.dataset.boot !== "manual") {
    app = boot(script.dataset);
    first();
  }
  // Replays calls made through the queueing snippet before this script ran.
  if (pending && pending.forEach) pending.forEach(function (args) {
    if (typeof api[args[0]] === "function") api[args[0]].apply(null, [].slice.call(args, 1));
  });
})();
