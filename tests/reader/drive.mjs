#!/usr/bin/env node
// Drive one page of Debian's Chromium (playwright-core, no downloaded browser) by commands on stdin,
// one JSON object a line, each answered by one JSON line on stdout:
//   {"goto": URL}                       → {"ok": true, "url": …}
//   {"eval": "JS expression"}            → {"ok": true, "value": …}   (awaited if a promise)
//   {"wait": "JS expression", "timeout": ms} → {"ok": true, "value": …} once it is truthy
//   {"screenshot": PATH}                 → {"ok": true}
// A failure is {"ok": false, "error": …}. The browser closes when stdin ends.
//   node drive.mjs [--chromium PATH]
// Used by tests/preview (tests/reader_driver.py) and bench/preview.py.
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

function findChromium() {
  const i = process.argv.indexOf("--chromium");
  if (i >= 0) return process.argv[i + 1];
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"],
    { encoding: "utf8" }).trim().split("\n")[0];
}

const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
const errors = [];
page.on("pageerror", (error) => errors.push(String(error)));

async function run(command) {
  if (command.goto) {
    await page.goto(command.goto, { waitUntil: "load" });
    return { url: page.url() };
  }
  if (command.eval) return { value: await page.evaluate(command.eval) };
  if (command.wait) {
    const handle = await page.waitForFunction(command.wait, null, { timeout: command.timeout ?? 10000, polling: 10 });
    return { value: await handle.jsonValue() };
  }
  if (command.screenshot) {
    await page.screenshot({ path: command.screenshot });
    return {};
  }
  if (command.errors) return { value: errors };
  throw new Error(`unknown command ${JSON.stringify(command)}`);
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = { ok: true, ...(await run(JSON.parse(line))) };
  } catch (error) {
    answer = { ok: false, error: String(error && error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
await browser.close();
