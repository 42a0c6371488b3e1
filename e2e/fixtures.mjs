// Shared fixtures: the built widget (dist/, or dist-testhooks/ for the panic test)
// served by the real reference backend on one origin, merchant test pages on another,
// both on free ports.
import { test as base, expect } from "@playwright/test";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../scripts/serve.mjs";
import { walkToEvidence } from "./support/walk.mjs";
import { variants } from "./pages/variants.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const artifacts = resolve(root, "e2e/artifacts");

/**
 * Starts the real reference backend (`aftercare-server serve`) on a free port, serving
 * `staticDir`, with a fresh data folder (or `dataDir`, to restart on the same data) and
 * the dev clock enabled. Resolves to { origin, url, dataDir, close }.
 */
export async function startBackend({ staticDir, demoOrigins = [], env = {}, dataDir, listen = "127.0.0.1:0" }) {
  const binary = process.env.AFTERCARE_SERVER_BIN;
  if (!binary) throw new Error("AFTERCARE_SERVER_BIN is not set (scripts/test sets it)");
  dataDir ??= mkdtempSync(join(tmpdir(), "aftercare-e2e-"));
  const args = ["serve", "--listen", listen, "--metrics-listen", "127.0.0.1:0", "--data-dir", dataDir, "--static-dir", staticDir, "--insecure-dev"];
  args.push("--console-dir", resolve(root, "dist-console"));
  for (const origin of demoOrigins) args.push("--demo-origin", origin);
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn", ...env } });
  const origin = await new Promise((ok, fail) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n")) ok(line.trim());
    });
    child.once("exit", (code) => fail(new Error(`aftercare-server exited with ${code}`)));
  });
  return {
    origin,
    dataDir,
    url: origin + "/",
    close: () => new Promise((done) => {
      child.once("exit", done);
      child.kill("SIGTERM");
    }),
  };
}

const freePort = () => new Promise((ok) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => ok(port));
  });
});

const canConnect = (port) => new Promise((ok) => {
  const socket = connect(port, "127.0.0.1", () => socket.end(() => ok(true)));
  socket.once("error", () => ok(false));
});

// Reads a maildir's messages, decoded by Python's email package: {to, from, subject, body}.
const READ_MAILDIR = `
import email, email.policy, json, mailbox, sys
box = mailbox.Maildir(sys.argv[1], create=False)
out = []
for key in box.keys():
    parsed = email.message_from_bytes(box.get_message(key).as_bytes(), policy=email.policy.default)
    out.append({"to": str(parsed["to"]), "from": str(parsed["from"]), "subject": str(parsed["subject"]), "body": parsed.get_content()})
print(json.dumps(out))
`;

/**
 * A real SMTP server on a free loopback port — aiosmtpd, from the test virtualenv
 * (`AFTERCARE_TEST_PYTHON`, which scripts/test sets) — delivering to a maildir.
 * Resolves to { url, messages(), close }.
 */
export async function startSmtpSink() {
  const python = process.env.AFTERCARE_TEST_PYTHON;
  if (!python) throw new Error("AFTERCARE_TEST_PYTHON is not set (scripts/test sets it to the venv with aiosmtpd)");
  const port = await freePort();
  const maildir = join(mkdtempSync(join(tmpdir(), "aftercare-mail-")), "mail");
  const child = spawn(python, ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${port}`, "-c", "aiosmtpd.handlers.Mailbox", maildir], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const started = Date.now();
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`aiosmtpd did not listen on ${port}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: () => JSON.parse(execFileSync(python, ["-c", READ_MAILDIR, maildir]).toString()),
    close: () => new Promise((done) => {
      child.once("exit", done);
      child.kill("SIGTERM");
    }),
  };
}

export const test = base.extend({
  // Merchant pages on one origin (a plain static server), and the widget — with the
  // demo order page — served by the real backend on another, which lets the pages'
  // origin load it (as a merchant's allowed origin).
  servers: [
    async ({}, use) => {
      const vars = {};
      const pages = await serve({ root: resolve(root, "e2e/pages"), vars, pages: variants, template: "merchant.html" });
      const assets = await startBackend({ staticDir: resolve(root, "dist"), demoOrigins: [pages.origin] });
      vars.ASSETS = assets.origin;
      await use({ pages, assets });
      await assets.close();
      await pages.close();
    },
    { scope: "worker" },
  ],
  assets: [async ({ servers }, use) => use(servers.assets), { scope: "worker" }],
  pages: [async ({ servers }, use) => use(servers.pages), { scope: "worker" }],
  // A backend of the test's own (the demo page and the widget), for stories that move
  // its clock: `await backend.advance(seconds)` applies what falls due meanwhile.
  // It outlives the test's page: the page is closed first, so nothing the widget still
  // fetches (an idle chunk prefetch) meets a closed server and fails the test.
  backend: async ({ page }, use) => {
    const backend = await startBackend({ staticDir: resolve(root, "dist") });
    backend.advance = async (seconds) => {
      const response = await fetch(`${backend.origin}/dev/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advance_seconds: seconds }),
      });
      expect(response.status).toBe(200);
    };
    await use(backend);
    await page.close();
    await backend.close();
  },
  // A backend of the test's own that sends shoppers' emails to a real SMTP server on
  // loopback: `mail.backend`, and `mail.sink.messages()` for what arrived.
  mail: async ({ page }, use) => {
    const sink = await startSmtpSink();
    const backend = await startBackend({ staticDir: resolve(root, "dist"), env: { AFTERCARE_SMTP_URL: sink.url } });
    await use({ backend, sink });
    await page.close(); // first, as for `backend`
    await backend.close();
    await sink.close();
  },
  // The same widget built with the test-only panic trigger.
  testHookAssets: [
    async ({}, use) => {
      const server = await startBackend({ staticDir: resolve(root, "dist-testhooks") });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
  // Fails a test on any uncaught page error or console error it did not expect.
  page: async ({ page }, use, testInfo) => {
    const problems = [];
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console.error: ${message.text()}`);
    });
    page.problems = problems;
    page.allowProblems = (pattern) => {
      page.allowed = pattern;
    };
    await use(page);
    const unexpected = problems.filter((p) => !(page.allowed && page.allowed.test(p)));
    if (testInfo.status === "passed") expect(unexpected, "console errors / page errors").toEqual([]);
  },
});

export { expect };

/** The widget's shadow-root elements, by data-testid (Playwright pierces open shadow roots). */
export const byTestId = (page, id) => page.locator(`aftercare-widget [data-testid="${id}"]`);

/** Opens the widget from its launcher and waits for the dialog. */
export async function openWidget(page) {
  await byTestId(page, "launcher").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  return dialog;
}

/**
 * Opens the widget and walks the case flow to its evidence step (a quality problem,
 * the first item), or resumes a saved draft there.
 */
export async function openEvidence(page) {
  await openWidget(page);
  await walkToEvidence(page);
  await expect(byTestId(page, "case-flow")).toHaveAttribute("data-step", "details");
  await expect(byTestId(page, "evidence")).toBeVisible();
}
