// The demo order page's own script, playing the merchant's side:
// - hands the widget an order token, as a merchant's page would get one from its own
//   server (here the demo server's /demo/token, for a shopper id kept in localStorage),
//   and again whenever the widget asks for a fresh one;
// - a language switch through the widget's JS API;
// - a page button that must keep working whatever the widget does;
// - the "merchant's chat SDK" answering the widget's chat hand-off.
// It may run before aftercare.js has loaded, so it queues its calls the documented way.
(function () {
  var ORDER = "20261128-0042";
  var key = "aftercare-demo-shopper";
  var shopper = localStorage.getItem(key);
  if (!shopper) {
    shopper = "demo-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
    localStorage.setItem(key, shopper);
  }
  function fetchToken() {
    var url = "demo/token?order=" + ORDER + "&shopper=" + encodeURIComponent(shopper);
    return fetch(url, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("demo token: HTTP " + response.status);
      return response.json();
    }).then(function (body) { return body.token; });
  }
  window.Aftercare = window.Aftercare || { q: [] };
  function call() {
    var args = [].slice.call(arguments);
    if (window.Aftercare.version) window.Aftercare[args[0]].apply(null, args.slice(1));
    else window.Aftercare.q.push(args);
  }
  call("onTokenRequest", fetchToken);
  fetchToken().then(function (token) { call("setOrderToken", token); }).catch(function (error) {
    console.warn("[demo] no order token:", error.message);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button.lang").forEach(function (button) {
      button.addEventListener("click", function () {
        document.documentElement.lang = button.dataset.locale;
        call("setLocale", button.dataset.locale);
      });
    });
    var clicks = 0;
    document.getElementById("host-button").addEventListener("click", function () {
      clicks += 1;
      document.getElementById("host-output").textContent = "clicked " + clicks;
    });
    var chat = document.getElementById("host-chat");
    document.addEventListener("aftercare:chat-handoff", function (event) {
      event.preventDefault();
      chat.hidden = false;
    });
    document.getElementById("host-chat-close").addEventListener("click", function () {
      chat.hidden = true;
    });
  });
})();
