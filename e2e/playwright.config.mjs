// End-to-end tests: Debian's Chromium driven by Playwright (no browser download),
// against the built widget served by scripts/serve.mjs on ports picked at run time.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "specs",
  outputDir: "artifacts/results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    trace: "off",
  },
});
