#!/usr/bin/env node
// Real-browser test of `secsite serve`: headless Chromium opens a notice page, the test edits the
// notice on disk, and the page must show the new text with no manual reload; a stylesheet change
// must apply without a navigation; a broken notice must show the error overlay, and fixing it
// must clear it.
//
//   SECSITE_BIN=target/debug/secsite node tests/browser/live-reload.mjs
//
// Environment: SECSITE_BIN (the secsite binary; default target/debug/secsite), SECSITE_FIXTURE
// (the site to copy; default tests/fixtures/every-kind), SECSITE_TMP (where temporary folders go;
// default the system's), CHROMIUM (default /usr/bin/chromium).
// Needs: apt-get install -y chromium nodejs npm; (cd tests/browser && npm ci --ignore-scripts)

import { spawn } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const BIN = process.env.SECSITE_BIN || join(repo, "target", "debug", "secsite");
const FIXTURE =
  process.env.SECSITE_FIXTURE || join(repo, "tests", "fixtures", "every-kind");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 15_000;

const NOTICE_FILE = "content/releases/2020-11-01-november-release.md";
const NOTICE_PATH = "releases/2020-11-01-november-release/";
const ORIGINAL = "SEC version 27.0 implements part 2 of MP100.";
const EDITED = "Edited while the browser was watching.";
const FIXED = "Fixed while the browser was watching.";

// Nothing may hang: the whole run has a deadline.
const watchdog = setTimeout(() => {
  console.log("not ok - the browser test did not finish within 100 s");
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 100_000);

let passed = 0;
let failed = 0;

async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}`);
    console.log(String(error && error.stack ? error.stack : error).replace(/^/gm, "    "));
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** Saves like most editors: a temporary file beside the target, renamed over it. */
function atomicSave(path, text) {
  const temporary = join(dirname(path), `.${basename(path)}.browser-test-save`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Starts `secsite serve --port 0` and resolves once it prints its URL. */
function startServer(root) {
  const child = spawn(
    BIN,
    ["serve", "--root", root, "--port", "0", "--as-of", "2021-01-31"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const server = { child, url: null, output: "", exited: null };
  child.stdout.on("data", (data) => {
    server.output += data;
  });
  child.stderr.on("data", (data) => {
    server.output += data;
  });
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      server.exited = { code, signal };
      resolve(server.exited);
    });
    child.on("error", (error) => {
      server.exited = { code: null, signal: null, error };
      resolve(server.exited);
    });
  });
  server.wait = () => exited;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const match = server.output.match(/^Serving (http:\/\/\S+) /m);
      if (match) {
        clearInterval(poll);
        server.url = match[1];
        resolve(server);
      } else if (server.exited || Date.now() - started > TIMEOUT) {
        clearInterval(poll);
        reject(
          new Error(
            `secsite serve did not start (${BIN}): ${JSON.stringify(server.exited)}\n${server.output}`,
          ),
        );
      }
    }, 20);
  });
}

const work = mkdtempSync(join(process.env.SECSITE_TMP || tmpdir(), "secsite-browser-"));
const root = join(work, "site");
cpSync(FIXTURE, root, { recursive: true });
const noticeFile = join(root, NOTICE_FILE);
const original = readFileSync(noticeFile, "utf8");

let server = null;
let context = null;
try {
  server = await startServer(root);
  context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) {
      navigations += 1;
    }
  });
  // The live-reload script's event stream answered: the server has subscribed this tab.
  const streamOpened = () =>
    page.waitForResponse((r) => r.url().endsWith("/__secsite/events"), {
      timeout: TIMEOUT,
    });
  const bodyText = () => page.evaluate(() => document.body.innerText);

  await check("the notice page opens with its live-reload stream", async () => {
    const opened = streamOpened();
    const response = await page.goto(server.url + NOTICE_PATH);
    assert(response && response.status() === 200, `status ${response && response.status()}`);
    await opened;
    assert((await bodyText()).includes(ORIGINAL), "the page shows the notice's text");
  });

  await check("an edited notice shows its new text without a manual reload", async () => {
    const before = navigations;
    const reopened = streamOpened();
    const started = Date.now();
    atomicSave(noticeFile, original.replace(ORIGINAL, EDITED));
    await page.getByText(EDITED).first().waitFor({ timeout: TIMEOUT });
    const elapsed = Date.now() - started;
    assert(!(await bodyText()).includes(ORIGINAL), "the old text is gone");
    assert(navigations > before, "the live-reload script reloaded the page");
    await reopened;
    console.log(`    (the new text showed ${elapsed} ms after the save)`);
  });

  await check("a stylesheet change applies without a navigation", async () => {
    await page.evaluate(() => {
      window.__secsiteMarker = "still here";
    });
    const before = navigations;
    const css = await (await fetch(server.url + "style.css")).text();
    const colour = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(colour !== "rgb(1, 2, 3)", `unexpected starting colour ${colour}`);
    atomicSave(
      join(root, "static", "style.css"),
      `${css}\nbody { background-color: rgb(1, 2, 3) !important; }\n`,
    );
    await page.waitForFunction(
      () => getComputedStyle(document.body).backgroundColor === "rgb(1, 2, 3)",
      null,
      { timeout: TIMEOUT },
    );
    const marker = await page.evaluate(() => window.__secsiteMarker);
    assert(marker === "still here", `the page was reloaded (marker: ${marker})`);
    assert(navigations === before, `${navigations - before} navigation(s) happened`);
    const entries = await page.evaluate(
      () => performance.getEntriesByType("navigation").length,
    );
    assert(entries === 1, `${entries} navigation entries`);
    const sheets = await page.evaluate(
      () => document.querySelectorAll('link[rel="stylesheet"]').length,
    );
    assert(sheets === 1, `the old stylesheet link was replaced, not kept (${sheets} links)`);
  });

  await check("a broken notice shows the error overlay, and the fix clears it", async () => {
    atomicSave(
      noticeFile,
      original.replace("date: 2020-11-01", "date: 2020-13-45").replace(ORIGINAL, EDITED),
    );
    const overlay = page.locator("#secsite-overlay");
    await overlay.waitFor({ state: "visible", timeout: TIMEOUT });
    const text = await overlay.innerText();
    assert(text.includes("2020-11-01-november-release.md"), `the overlay names the file: ${text}`);
    assert((await bodyText()).includes(EDITED), "the last good page is still shown under it");
    atomicSave(noticeFile, original.replace(ORIGINAL, FIXED));
    await page.getByText(FIXED).first().waitFor({ timeout: TIMEOUT });
    assert((await overlay.count()) === 0, "the overlay is gone");
  });

  await check("no script errors in the page", async () => {
    assert(problems.length === 0, problems.join("\n"));
  });
} catch (error) {
  failed += 1;
  console.log("not ok - the browser test could not run");
  console.log(String(error && error.stack ? error.stack : error).replace(/^/gm, "    "));
} finally {
  if (context) {
    await context.close().catch(() => {});
  }
  if (server) {
    if (!server.exited) {
      server.child.kill("SIGINT");
    }
    const exit = await Promise.race([
      server.wait(),
      new Promise((resolve) => setTimeout(() => resolve(null), TIMEOUT)),
    ]);
    if (!exit || exit.code !== 0) {
      failed += 1;
      console.log(`not ok - secsite serve stops on SIGINT with status 0: ${JSON.stringify(exit)}`);
      server.child.kill("SIGKILL");
    }
    if (failed > 0) {
      console.log(`--- secsite serve output\n${server.output}`);
    }
  }
  rmSync(work, { recursive: true, force: true });
}

clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
