// Drive the Agents Playground web UI in headless Chromium through a list of steps, for tests/e2e/browser.py.
//
// Input (JSON on stdin):
//   { "baseUrl": "http://127.0.0.1:PORT", "chromium": "/usr/bin/chromium", "nodeModules": "/repo/node_modules",
//     "stepTimeoutMs": 15000, "failureScreenshot": "/tmp/x.png" | null,
//     "steps": [ {"op": "openChat", "name": "Personal Chat"}, {"op": "send", "text": "help"}, {"op": "waitForCard"},
//                {"op": "fill", "label": "note", "value": "hi"}, {"op": "click", "button": "Say hi"},
//                {"op": "clickMatching", "pattern": "^Monday "},
//                {"op": "waitForText", "text": "You clicked"}, {"op": "waitForCardText", "text": "New cohort"},
//                {"op": "screenshot", "path": "/tmp/y.png"} ] }
// Output: one JSON line on stdout, {"ok", "error", "failedStep", "steps": [{"op", "ms"}], "consoleErrors",
// "screenshot"}, where steps start with the browser's "launch" and the page's "load" (a "clickMatching" step also
// has "pressed", the title of the button it pressed);
// exit status 0 when every step passed, 1 otherwise. Progress goes to stderr.
//
// It uses playwright-core from npm (pinned in package.json) with the system Chromium, so nothing is downloaded.

import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const spec = JSON.parse(fs.readFileSync(0, "utf8"));
const here = path.dirname(fileURLToPath(import.meta.url));
// Resolve from the given node_modules when there is one; otherwise Node's usual walk up from this file.
const require = createRequire(spec.nodeModules ? path.join(spec.nodeModules, "noop.js") : path.join(here, "noop.js"));
const { chromium } = require("playwright-core");

const base = new URL(spec.baseUrl);
const stepTimeout = spec.stepTimeoutMs ?? 15000;
const result = { ok: false, error: null, failedStep: null, steps: [], consoleErrors: [], screenshot: null };
const log = (...parts) => process.stderr.write(`[ui_flow] ${parts.join(" ")}\n`);

// A fresh profile every run: the Playground keeps per-chat state (e.g. "install already sent") in the page, and
// nothing from an earlier run may leak into this one.
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "remedi-ui-"));
let context;
let current = { op: "launch" };
try {
  let started = Date.now();
  context = await chromium.launchPersistentContext(profile, {
    executablePath: spec.chromium,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Offline the UI's only outside requests are web fonts and an animation worklet from a CDN. Failing them at
  // once keeps runs fast and identical with or without a network.
  await context.route(
    (url) => url.host !== base.host,
    (route) => route.abort(),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(stepTimeout);
  // Loading waits for /_internal/v1/config, which the Playground holds until the bot answers (up to 15 s).
  page.setDefaultNavigationTimeout(Math.max(stepTimeout, 30000));
  page.on("console", (msg) => {
    // Errors about the outside requests aborted above are expected noise.
    const foreign = (msg.location().url || "").length > 0 && !msg.location().url.startsWith(base.origin);
    if (msg.type() === "error" && !foreign && !/cdn\.office\.net|ERR_FAILED/.test(msg.text())) {
      result.consoleErrors.push(msg.text());
    }
  });
  page.on("pageerror", (err) => result.consoleErrors.push(String(err)));

  // Chat messages only: the chat list and the log panel repeat message text, so text is matched inside
  // the element that holds a message's header and body.
  const messages = page.locator('xpath=//*[@aria-label="Message header"]/..');
  const cards = messages.locator(".ac-adaptiveCard");
  let cardsBeforeSend = 0;
  result.steps.push({ op: "launch", ms: Date.now() - started });

  current = { op: "load" };
  started = Date.now();
  await page.goto(spec.baseUrl, { waitUntil: "domcontentloaded" });
  result.steps.push({ op: "load", ms: Date.now() - started });
  for (const step of spec.steps) {
    current = step;
    started = Date.now();
    let pressed = null;
    log(JSON.stringify(step));
    switch (step.op) {
      case "openChat": {
        // Chat list entries are buttons labelled with the chat's name ("Personal Chat", the group chat's name,
        // "<team> - <channel>").
        await page.locator(`button[aria-label="${step.name}"]`).first().click();
        await page.locator('[contenteditable="true"]').first().waitFor();
        break;
      }
      case "send": {
        cardsBeforeSend = await cards.count();
        const composer = page.locator('[contenteditable="true"]').first();
        await composer.click();
        await page.keyboard.type(step.text);
        await page.locator('button[aria-label="Send Message"]').click();
        break;
      }
      case "waitForCard": {
        // A card that was not there before the last send.
        await cards.nth(cardsBeforeSend).waitFor();
        break;
      }
      case "fill": {
        const card = cards.filter({ has: page.getByLabel(step.label, { exact: true }) }).last();
        await card.getByLabel(step.label, { exact: true }).fill(step.value);
        break;
      }
      case "click": {
        const button = (scope) => scope.getByRole("button", { name: step.button, exact: true });
        await button(cards.filter({ has: button(page) }).last()).click();
        break;
      }
      case "clickMatching": {
        const matching = (scope) => scope.getByRole("button", { name: new RegExp(step.pattern) });
        const target = matching(cards.filter({ has: matching(page) }).last()).first();
        // Read before the click: the bot may replace the card, button and all, straight after it.
        pressed = (await target.innerText()).trim();
        await target.click();
        break;
      }
      case "waitForText": {
        await messages.filter({ hasText: step.text }).last().waitFor();
        break;
      }
      case "waitForCardText": {
        // Rendered by the Adaptive Cards renderer, not merely present in the message's data.
        await cards.filter({ hasText: step.text }).last().waitFor();
        break;
      }
      case "screenshot": {
        await page.screenshot({ path: step.path, fullPage: true });
        result.screenshot = step.path;
        break;
      }
      default:
        throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
    result.steps.push({ op: step.op, ms: Date.now() - started, ...(pressed === null ? {} : { pressed }) });
  }
  result.ok = true;
} catch (err) {
  result.failedStep = current;
  result.error = String(err && err.stack ? err.stack : err);
  if (spec.failureScreenshot && context) {
    try {
      const page = context.pages()[0];
      await page.screenshot({ path: spec.failureScreenshot, fullPage: true });
      result.screenshot = spec.failureScreenshot;
    } catch (shotErr) {
      log("no failure screenshot:", String(shotErr));
    }
  }
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result) + "\n");
process.exitCode = result.ok ? 0 : 1;
