// Shared helpers of the browser tests that run on a built site (judges.mjs, features.mjs): a
// static file server for the output folder under the site's base path, headless Debian
// Chromium, and a tiny "ok / not ok" reporter whose last line is "N passed, N failed".

import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const TIMEOUT = 15_000;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".ics": "text/calendar; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** The reporter: `check` runs one named check; `summary` prints the closing line. */
export function reporter() {
  const state = { passed: 0, failed: 0 };
  return {
    state,
    async check(name, body) {
      try {
        await body();
        state.passed += 1;
        console.log(`ok - ${name}`);
      } catch (error) {
        state.failed += 1;
        console.log(`not ok - ${name}`);
        console.log(String(error && error.stack ? error.stack : error).replace(/^/gm, "    "));
      }
    },
    fail(name, error) {
      state.failed += 1;
      console.log(`not ok - ${name}`);
      console.log(String(error && error.stack ? error.stack : error).replace(/^/gm, "    "));
    },
    summary() {
      console.log(`${state.passed} passed, ${state.failed} failed`);
      return state.failed === 0;
    },
  };
}

export function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/**
 * Serves the folder `root` at http://127.0.0.1:PORT`basePath` (as a static host would: folders
 * give their index.html). Only files inside `root` are served; everything else is a 404.
 */
export async function serveFolder(root, basePath) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://localhost");
    let path = decodeURIComponent(url.pathname);
    if (!path.startsWith(basePath)) {
      response.writeHead(404).end("not found");
      return;
    }
    path = path.slice(basePath.length);
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
      response.writeHead(404).end("not found");
      return;
    }
    let target = file;
    try {
      if (statSync(target).isDirectory()) {
        target = join(target, "index.html");
      }
      const body = readFileSync(target);
      response.writeHead(200, {
        "content-type": TYPES[extname(target)] || "application/octet-stream",
      });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Headless Chromium with a fresh profile (a new user-data-dir under `temporary`); `options` go to
 * the context (`javaScriptEnabled: false`, `viewport`, ...). `close()` removes the profile.
 */
export async function launch(temporary, options = {}) {
  const profile = mkdtempSync(join(temporary || tmpdir(), "secsite-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
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
    locale: "en-GB",
    ...options,
  });
  return {
    context,
    async page() {
      const page = context.pages()[0] || (await context.newPage());
      page.setDefaultTimeout(TIMEOUT);
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Fails the run when it has not finished after `ms`. */
export function watchdog(ms, report) {
  return setTimeout(() => {
    report.fail(`the run did not finish within ${ms / 1000} s`, "timeout");
    report.summary();
    process.exit(1);
  }, ms);
}
