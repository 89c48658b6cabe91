#!/usr/bin/env node
// The judges of a built site that need Node: axe-core in headless Chromium on the given pages,
// in the light and the dark colour scheme, and a real feed parser (feedparser, strict XML) on
// every Atom feed. The W3C Nu HTML Checker (vnu.jar) needs only Java and is run by the Rust
// test itself (tests/it/judges.rs).
//
//   SECSITE_OUT=public SECSITE_BASE_PATH=/sec/ node tests/browser/judges.mjs
//
// Environment: SECSITE_OUT (the built site), SECSITE_BASE_PATH (the path of its base_url),
// SECSITE_PAGES (site paths such as /releases/ to judge with axe, one a line; default: /),
// SECSITE_TMP (where the browser profile goes), CHROMIUM (default /usr/bin/chromium).
//
// Prints one line per judgement, then lines that the Rust test reads:
//   AXE {"page": "...", "scheme": "light", "violations": N, "nodes": N, "rules": [...]}
//   FEED {"path": "...", "errors": [...], "title": "...", "entries": [{"title", "link", "guid", ...}]}
// and closes with "N passed, N failed".

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { Readable } from "node:stream";

import { assert, launch, reporter, serveFolder, watchdog } from "./lib.mjs";

const require = createRequire(import.meta.url);
const FeedParser = require("feedparser");
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const OUT = process.env.SECSITE_OUT;
const BASE_PATH = process.env.SECSITE_BASE_PATH || "/";
// Pages as site paths with a leading "/" ("/" is the home page, "/search/?q=MP102A" a search).
const PAGES = (process.env.SECSITE_PAGES || "/")
  .split("\n")
  .map((p) => p.trim())
  .filter((p) => p.startsWith("/"))
  .map((p) => p.slice(1));
const report = reporter();
const timer = watchdog(240_000, report);

if (!OUT) {
  report.fail("SECSITE_OUT names the built site", "SECSITE_OUT is not set");
  report.summary();
  process.exit(1);
}

/** Every file under `dir` whose name is `name`, as site paths. */
function filesNamed(dir, name) {
  const found = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name === name) {
        found.push(relative(dir, path).split(sep).join("/"));
      }
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Parses one feed with feedparser: strict XML (sax in strict mode) and no resuming after an XML
 * error, so any well-formedness problem is an error. Resolves to its meta, items and errors.
 */
function parseFeed(text) {
  return new Promise((resolve) => {
    const errors = [];
    const items = [];
    const parser = new FeedParser({
      strict: true,
      resume_saxerror: false,
      normalize: true,
      addmeta: false,
    });
    let done = false;
    const finish = () => {
      if (done) {
        return;
      }
      done = true;
      // Errors feedparser collected without emitting them count too.
      for (const error of parser.errors || []) {
        const message = String(error && error.message ? error.message : error);
        if (!errors.includes(message)) {
          errors.push(message);
        }
      }
      resolve({ meta: parser.meta, items, errors });
    };
    parser.on("error", (error) => {
      errors.push(String(error && error.message ? error.message : error));
      setImmediate(finish);
    });
    parser.on("readable", function () {
      let item;
      while ((item = this.read())) {
        items.push(item);
      }
    });
    parser.on("end", finish);
    parser.on("close", finish);
    Readable.from([text]).pipe(parser);
  });
}

// ---------------------------------------------------------------------------------------------
// Feeds: every feed.xml of the site.

const feeds = filesNamed(OUT, "feed.xml");
let feedErrors = 0;
await report.check(`feedparser reads all ${feeds.length} Atom feeds without an error`, async () => {
  assert(feeds.length > 0, "the site has no feed.xml");
  const failures = [];
  for (const path of feeds) {
    const { meta, items, errors } = await parseFeed(readFileSync(join(OUT, path), "utf8"));
    if (meta && meta["#type"] !== "atom") {
      errors.push(`not an Atom feed (${meta && meta["#type"]})`);
    }
    feedErrors += errors.length;
    if (errors.length) {
      failures.push(`${path}: ${errors.join("; ")}`);
    }
    const record = {
      path,
      errors,
      type: meta && meta["#type"],
      title: meta && meta.title,
      link: meta && meta.link,
      xmlurl: meta && meta.xmlurl,
      entries: items.map((i) => ({
        title: i.title,
        link: i.link,
        guid: i.guid,
        date: i.date && i.date.toISOString(),
        summary: i.summary,
      })),
    };
    console.log(`FEED ${JSON.stringify(record)}`);
  }
  console.log(`    feedparser: ${feeds.length} feeds, ${feedErrors} errors`);
  assert(failures.length === 0, failures.join("\n"));
});

// ---------------------------------------------------------------------------------------------
// axe-core on each page, light and dark.

let server = null;
let browser = null;
try {
  server = await serveFolder(OUT, BASE_PATH);
  browser = await launch(process.env.SECSITE_TMP);
  const page = await browser.page();
  const scriptErrors = [];
  page.on("pageerror", (error) => scriptErrors.push(`${page.url()}: ${error.message}`));
  let total = 0;
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const sitePath of PAGES) {
      await report.check(`axe: /${sitePath} (${scheme})`, async () => {
        const response = await page.goto(server.url + sitePath, { waitUntil: "load" });
        assert(response && response.status() === 200, `status ${response && response.status()}`);
        // Pages with a script (search, the log as at a date) settle before they are judged.
        await page.waitForFunction(() => !document.querySelector("[aria-busy='true']"));
        const matches = await page.evaluate(
          () => matchMedia("(prefers-color-scheme: dark)").matches,
        );
        assert(matches === (scheme === "dark"), `the page does not see the ${scheme} scheme`);
        await page.addScriptTag({ content: AXE_SOURCE });
        const results = await page.evaluate(async () =>
          // Every rule axe has, best practices included, but not the experimental ones.
          window.axe.run(document, { resultTypes: ["violations"] }),
        );
        const violations = results.violations;
        const nodes = violations.reduce((n, v) => n + v.nodes.length, 0);
        total += violations.length;
        console.log(
          `AXE ${JSON.stringify({
            page: sitePath,
            scheme,
            violations: violations.length,
            nodes,
            rules: violations.map((v) => v.id),
          })}`,
        );
        assert(
          violations.length === 0,
          violations
            .map(
              (v) =>
                `${v.id} (${v.impact}): ${v.help}\n` +
                v.nodes
                  .slice(0, 5)
                  .map((n) => `      ${n.target.join(" ")}: ${n.failureSummary.replace(/\n/g, " ")}`)
                  .join("\n"),
            )
            .join("\n"),
        );
      });
    }
  }
  console.log(`    axe: ${PAGES.length} pages x 2 schemes, ${total} violations`);
  await report.check("no script errors in the judged pages", async () => {
    assert(scriptErrors.length === 0, scriptErrors.join("\n"));
  });
} catch (error) {
  report.fail("the judges could run", error);
} finally {
  if (browser) {
    await browser.close();
  }
  if (server) {
    await server.close();
  }
}

clearTimeout(timer);
process.exit(report.summary() ? 0 : 1);
