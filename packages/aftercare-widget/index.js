// Aftercare for bundled apps: `load({ assetsUrl, ...settings })` adds the loader
// (`aftercare.js` from where you host the built widget — a bundler does not rewrite
// `new URL(…, import.meta.url)` for these files, so their place is a setting), boots
// the widget with `settings`, and resolves with the `window.Aftercare` API. Calling it
// again boots again with the new settings (a single-page app moving to another order).
// Nothing is fetched but the loader (~3 KB) until the shopper shows intent.

let loading = null;

/** @param {import("./index").LoadOptions} options */
export function load(options) {
  const { assetsUrl, ...settings } = options || {};
  if (!assetsUrl) return Promise.reject(new TypeError("aftercare-widget: load() needs assetsUrl, where dist/ is hosted"));
  loading =
    loading ||
    new Promise((resolve, reject) => {
      if (window.Aftercare && window.Aftercare.boot) return resolve(window.Aftercare);
      const script = document.createElement("script");
      script.src = new URL("aftercare.js", new URL(assetsUrl, location.href).href.replace(/\/?$/, "/")).href;
      script.async = true;
      script.dataset.boot = "manual"; // booted below, with `settings`
      script.onload = () => (window.Aftercare && window.Aftercare.boot ? resolve(window.Aftercare) : reject(new Error("aftercare-widget: the loader did not start")));
      script.onerror = () => {
        loading = null;
        reject(new Error(`aftercare-widget: could not load ${script.src}`));
      };
      document.head.append(script);
    });
  return loading.then((api) => {
    api.boot(settings);
    return api;
  });
}
