#!/usr/bin/env node
// Real-browser tests of what a reader does on a built site: search as they type, the Document
// Log as at a date, the pages without JavaScript, and the design (360 px, dark, print, focus).
//
//   SECSITE_OUT=public SECSITE_BASE_PATH=/sec/ SECSITE_CHECKS=search,nojs node tests/browser/features.mjs
//
// Environment: SECSITE_OUT (the built site), SECSITE_BASE_PATH (the path of its base_url),
// SECSITE_CHECKS (comma-separated groups: search, nojs and design expect the default site built
// as at 2026-11-29; log expects tests/fixtures/every-kind built as at 2021-01-31), SECSITE_TMP,
// CHROMIUM. Closes with "N passed, N failed".

import { assert, launch, reporter, serveFolder, watchdog } from "./lib.mjs";

const OUT = process.env.SECSITE_OUT;
const BASE_PATH = process.env.SECSITE_BASE_PATH || "/";
const CHECKS = new Set((process.env.SECSITE_CHECKS || "").split(",").filter(Boolean));
const NOVEMBER_2020 = "releases/2020-11-27-sec-v27-0-november-2020-release/";
const report = reporter();
const timer = watchdog(180_000, report);

/** The search results as [{ text, href }], in order. */
async function results(page) {
  return page.$$eval("#search-results > li", (items) =>
    items.map((li) => {
      const link = li.querySelector("a");
      return { text: link.textContent, href: link.getAttribute("href"), type: li.className };
    }),
  );
}

/** Clears the search box and types `query` a key at a time, as a reader would. */
async function typeQuery(page, query) {
  const box = page.locator("#search-query");
  await box.fill("");
  await box.pressSequentially(query, { delay: 15 });
}

/** The Document Log's row of `id` as [label, title, version, since, set by]. */
async function logRow(page, id) {
  return page.$eval(`#log-table tr[data-document="${id}"]`, (row) =>
    Array.from(row.children).map((cell) => cell.textContent.replace(/\s+/g, " ").trim()),
  );
}

async function searchChecks(base, browser) {
  const page = await browser.page();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base + "search/");
  await page.waitForFunction(() => !document.querySelector("[aria-busy='true']"));

  await report.check("typing MP102A shows the modification MP102A first, as it is typed", async () => {
    await typeQuery(page, "MP102A");
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0);
    const found = await results(page);
    assert(found.length >= 2, `results: ${JSON.stringify(found)}`);
    assert(found[0].text.startsWith("MP102A:"), `first: ${JSON.stringify(found[0])}`);
    assert(found[0].href === `${BASE_PATH}modifications/mp102a/`, `href ${found[0].href}`);
    assert(
      found.some((r) => r.href === BASE_PATH + NOVEMBER_2020),
      `the November 2020 release, which implements MP102A, is among the results: ${JSON.stringify(found)}`,
    );
    const status = await page.textContent("#search-status");
    assert(/\d+ results? for “MP102A”/.test(status), `status: ${status}`);
  });

  await report.check("ids match however they are spelt: secmp 0062, Appendix AD, appendix-ad", async () => {
    for (const [query, href] of [
      ["secmp 0062", "modifications/secmp0062/"],
      ["SECMP0062", "modifications/secmp0062/"],
      ["Appendix AD", "documents/appendix-ad/"],
      ["appendix-ad", "documents/appendix-ad/"],
    ]) {
      await typeQuery(page, query);
      await page.waitForFunction(
        (h) => document.querySelector("#search-results > li a")?.getAttribute("href") === h,
        BASE_PATH + href,
      );
    }
  });

  await report.check("words find entries whose titles hold them all", async () => {
    await typeQuery(page, "alert storm");
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0);
    const found = await results(page);
    assert(found[0].href === `${BASE_PATH}modifications/secmp0062/`, JSON.stringify(found));
    await typeQuery(page, "november release");
    await page.waitForFunction(
      (h) => Array.from(document.querySelectorAll("#search-results a")).some((a) => a.getAttribute("href") === h),
      BASE_PATH + NOVEMBER_2020,
    );
  });

  await report.check("a query that matches nothing says so; an empty one shows nothing", async () => {
    await typeQuery(page, "zzqx");
    await page.waitForFunction(() => /No results/.test(document.querySelector("#search-status").textContent));
    assert((await results(page)).length === 0, "no result is listed");
    await page.locator("#search-query").fill("");
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length === 0);
  });

  await report.check("?q= in the address runs the search, and a result leads to its page", async () => {
    await page.goto(base + "search/?q=MP102A");
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0);
    assert((await page.inputValue("#search-query")) === "MP102A", "the box holds the query");
    await page.click("#search-results > li:first-child a");
    await page.waitForURL(`**${BASE_PATH}modifications/mp102a/`);
    assert((await page.textContent("h1")).includes("MP102A"), "the modification's page opened");
  });

  await report.check("the home page's search box leads to the results", async () => {
    await page.goto(base);
    await page.fill("#home-search", "MP135");
    await page.press("#home-search", "Enter");
    await page.waitForURL(/search\/\?q=MP135/);
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0);
    const found = await results(page);
    assert(found[0].href === `${BASE_PATH}modifications/mp135/`, JSON.stringify(found));
  });

  await report.check("the search script reads only the site's own index", async () => {
    const requests = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(base + "search/?q=MP102A");
    await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0);
    const foreign = requests.filter((url) => !url.startsWith(base));
    assert(foreign.length === 0, `requests elsewhere: ${foreign.join(", ")}`);
    const data = requests.filter((url) => !/\.(css|js)$/.test(url) && !url.includes("search/?q="));
    assert(
      data.length === 1 && data[0] === base + "search/index.json",
      `data requested: ${data.join(", ")}`,
    );
  });

  await report.check("no script errors on the search page", async () => {
    assert(errors.length === 0, errors.join("\n"));
  });
}

async function logChecks(base, browser) {
  const page = await browser.page();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base + "documents/");

  await report.check("the log opens as at the build date, with a date picker", async () => {
    assert(await page.isVisible("#log-date-form"), "the date picker shows");
    assert((await page.inputValue("#log-at")) === "2021-01-31", "it holds the build date");
    const row = await logRow(page, "section-a");
    assert(row[2] === "5.14" && row[3] === "29 November 2020", JSON.stringify(row));
    assert(await page.isVisible("#log-upcoming"), "the upcoming changes show");
  });

  await report.check("the day before the November 2020 release: the versions the February release set", async () => {
    await page.fill("#log-at", "2020-11-28");
    await page.click("#log-date-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("caption time").getAttribute("datetime") === "2020-11-28");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[2] === "5.2", `Section A: ${JSON.stringify(sectionA)}`);
    assert(sectionA[3] === "27 February 2020", `since: ${JSON.stringify(sectionA)}`);
    assert(sectionA[4] === "February 2020 SEC Release", `set by: ${JSON.stringify(sectionA)}`);
    const appendixE = await logRow(page, "appendix-e");
    assert(appendixE[2] === "1.0", `Appendix E: ${JSON.stringify(appendixE)}`);
    assert(await page.isHidden("#log-upcoming"), "upcoming changes (after the build date) are hidden");
    assert(page.url().endsWith("documents/?at=2020-11-28"), `the address says the date: ${page.url()}`);
    assert((await page.textContent("#log-status")).includes("28 November 2020"), "the status says the date");
  });

  await report.check("the day it took effect: the versions the November 2020 release set", async () => {
    await page.fill("#log-at", "2020-11-29");
    await page.click("#log-date-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("caption time").getAttribute("datetime") === "2020-11-29");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[2] === "5.14" && sectionA[4] === "November 2020 SEC Release", JSON.stringify(sectionA));
    // Section G was changed with no version given: it keeps the last one, set since then.
    const appendixE = await logRow(page, "appendix-e");
    assert(appendixE[2] === "2.0", `Appendix E: ${JSON.stringify(appendixE)}`);
  });

  await report.check("after an upcoming release: the version it will set", async () => {
    await page.fill("#log-at", "2021-03-01");
    await page.click("#log-date-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("caption time").getAttribute("datetime") === "2021-03-01");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[2] === "6.0" && sectionA[3] === "25 February 2021", JSON.stringify(sectionA));
  });

  await report.check("before any release: no document has a version yet", async () => {
    await page.fill("#log-at", "2019-06-01");
    await page.click("#log-date-form button[type=submit]");
    await page.waitForFunction(() => document.querySelector("caption time").getAttribute("datetime") === "2019-06-01");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[4] === "No release yet", JSON.stringify(sectionA));
  });

  await report.check("back to the build date restores the page as built", async () => {
    await page.click("#log-reset");
    await page.waitForFunction(() => document.querySelector("caption time").getAttribute("datetime") === "2021-01-31");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[2] === "5.14", JSON.stringify(sectionA));
    assert(await page.isVisible("#log-upcoming"), "the upcoming changes show again");
    assert(page.url().endsWith("/documents/"), page.url());
  });

  await report.check("a release page links to the log as at its effective date", async () => {
    await page.goto(base + "releases/2020-01-10-february-release/");
    await page.click("a[href$='documents/?at=2020-02-27']");
    await page.waitForFunction(() => document.querySelector("caption time")?.getAttribute("datetime") === "2020-02-27");
    const sectionA = await logRow(page, "section-a");
    assert(sectionA[2] === "5.2", JSON.stringify(sectionA));
    assert((await page.inputValue("#log-at")) === "2020-02-27", "the picker holds the date");
  });

  await report.check("no script errors on the Document Log", async () => {
    assert(errors.length === 0, errors.join("\n"));
  });
}

async function noScriptChecks(base, temporary) {
  const browser = await launch(temporary, { javaScriptEnabled: false });
  try {
    const page = await browser.page();
    await report.check("without JavaScript the search page says so and links the listings", async () => {
      await page.goto(base + "search/");
      const text = await page.textContent("main");
      assert(/Search needs JavaScript/.test(text), "the page says search needs JavaScript");
      assert(await page.isHidden("#search-form"), "the search box that cannot work is not shown");
      for (const listing of ["releases/", "modifications/", "documents/"]) {
        assert(
          (await page.locator(`main a[href="${BASE_PATH}${listing}"]`).count()) > 0,
          `a link to ${listing}`,
        );
      }
    });
    await report.check("without JavaScript the log shows the build date's versions", async () => {
      await page.goto(base + "documents/?at=2020-01-01");
      assert(await page.isHidden("#log-date-form"), "no date picker");
      const caption = await page.getAttribute("caption time", "datetime");
      assert(caption === "2026-11-29", `caption date ${caption}`);
      assert(/turn on JavaScript/.test(await page.textContent("main")), "the page says how to see other dates");
    });
  } finally {
    await browser.close();
  }
}

async function designChecks(base, browser) {
  const page = await browser.page();
  const pages = [
    "",
    "releases/",
    NOVEMBER_2020,
    "modifications/",
    "modifications/mp102a/",
    "documents/",
    "documents/appendix-ad/",
    "search/?q=MP1",
  ];
  await report.check("at 360 px wide no page scrolls sideways; wide tables scroll in their box", async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    const problems = [];
    let scrollingTables = 0;
    for (const path of pages) {
      await page.goto(base + path);
      await page.waitForFunction(() => !document.querySelector("[aria-busy='true']"));
      const { overflow, tables } = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        tables: Array.from(document.querySelectorAll(".table-wrap")).filter(
          (w) => w.scrollWidth > w.clientWidth && getComputedStyle(w).overflowX === "auto",
        ).length,
      }));
      scrollingTables += tables;
      if (overflow > 0) {
        problems.push(`/${path} is ${overflow} px too wide`);
      }
    }
    assert(problems.length === 0, problems.join("\n"));
    assert(scrollingTables > 0, "some wide table scrolls inside its box at 360 px");
  });

  await report.check("the dark colour scheme darkens the page", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const background = async (scheme) => {
      await page.emulateMedia({ colorScheme: scheme, media: "screen" });
      await page.goto(base);
      return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    };
    const light = await background("light");
    const dark = await background("dark");
    assert(light === "rgb(255, 255, 255)", `light background ${light}`);
    assert(dark === "rgb(18, 20, 23)", `dark background ${dark}`);
    await page.emulateMedia({ colorScheme: "light" });
  });

  await report.check("the print stylesheet hides navigation and forms", async () => {
    await page.goto(base + "documents/");
    await page.emulateMedia({ media: "print" });
    const hidden = await page.evaluate(() =>
      [".site-nav", ".breadcrumbs", "#log-date-form", ".skip-link"].map(
        (s) => getComputedStyle(document.querySelector(s)).display,
      ),
    );
    await page.emulateMedia({ media: "screen" });
    assert(hidden.every((d) => d === "none"), JSON.stringify(hidden));
  });

  await report.check("the first Tab shows the skip link, focused with a visible outline", async () => {
    await page.goto(base + NOVEMBER_2020);
    await page.keyboard.press("Tab");
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return {
        className: el.className,
        top: box.top,
        bottom: box.bottom,
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
      };
    });
    assert(focus.className === "skip-link", JSON.stringify(focus));
    assert(focus.top >= 0 && focus.bottom > focus.top, `on screen: ${JSON.stringify(focus)}`);
    assert(focus.outline !== "none" && focus.width >= 2, `outline: ${JSON.stringify(focus)}`);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    const inMain = await page.evaluate(() => Boolean(document.activeElement.closest("main")));
    assert(inMain, "after the skip link, Tab goes on inside the main content");
  });

  await report.check("dates are shown in words with machine-readable <time> elements", async () => {
    await page.goto(base + NOVEMBER_2020);
    const times = await page.$$eval("main time", (all) =>
      all.map((t) => [t.getAttribute("datetime"), t.textContent]),
    );
    assert(times.length > 0, "the page has <time> elements");
    const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    for (const [iso, shown] of times) {
      const [y, m, d] = iso.split("-");
      assert(shown === `${Number(d)} ${months[Number(m) - 1]} ${y}`, `${iso} shown as ${shown}`);
    }
    assert(times.some(([iso, shown]) => iso === "2020-11-29" && shown === "29 November 2020"), JSON.stringify(times));
  });
}

let server = null;
let browser = null;
try {
  assert(OUT, "SECSITE_OUT names the built site");
  server = await serveFolder(OUT, BASE_PATH);
  browser = await launch(process.env.SECSITE_TMP);
  if (CHECKS.has("search")) {
    await searchChecks(server.url, browser);
  }
  if (CHECKS.has("log")) {
    await logChecks(server.url, browser);
  }
  if (CHECKS.has("nojs")) {
    await noScriptChecks(server.url, process.env.SECSITE_TMP);
  }
  if (CHECKS.has("design")) {
    await designChecks(server.url, browser);
  }
  if (report.state.passed + report.state.failed === 0) {
    report.fail("SECSITE_CHECKS names at least one group", `got ${[...CHECKS].join(",")}`);
  }
} catch (error) {
  report.fail("the browser tests could run", error);
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
