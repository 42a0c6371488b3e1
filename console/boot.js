// Starts the console: loads the wasm-bindgen glue and the module (names written in by
// scripts/dist.mjs, content-hashed), then mounts the app. An external script, so the
// page needs no 'unsafe-inline'.
import init, { start } from "./aftercare-console.js";

await init({ module_or_path: new URL("aftercare-console_bg.wasm", import.meta.url) });
start();
