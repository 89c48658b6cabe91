#!/usr/bin/env node
// Screenshots of a built site in headless Chromium, for docs/screenshots/ and for a person to
// look at: each page at each width, in the light scheme unless a shot names another.
//
//   SECSITE_OUT=public SECSITE_BASE_PATH=/sec/ SHOTS_DIR=docs/screenshots node tests/browser/screenshots.mjs
//
// Environment: SECSITE_OUT, SECSITE_BASE_PATH, SHOTS_DIR (where the PNGs go), SHOTS (optional:
// "name|site path|width|scheme|full" lines, replacing the default set), CHROMIUM.

import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { launch, serveFolder } from "./lib.mjs";

const OUT = process.env.SECSITE_OUT;
const BASE_PATH = process.env.SECSITE_BASE_PATH || "/";
const DIR = process.env.SHOTS_DIR || "screenshots";
const NOVEMBER = "releases/2020-11-27-sec-v27-0-november-2020-release/";
const DEFAULT = [
  ["home-1280", "", 1280, "light"],
  ["home-390", "", 390, "light"],
  ["release-november-2020-1280", NOVEMBER, 1280, "light"],
  ["release-november-2020-390", NOVEMBER, 390, "light"],
  ["document-log-1280", "documents/", 1280, "light"],
  ["document-log-390", "documents/", 390, "light"],
  ["home-1280-dark", "", 1280, "dark"],
  ["document-log-390-dark", "documents/", 390, "dark"],
];
const shots = process.env.SHOTS
  ? process.env.SHOTS.split("\n")
      .filter((l) => l.trim())
      .map((l) => {
        const [name, path, width, scheme, full] = l.split("|");
        return [name, path.replace(/^\//, ""), Number(width), scheme || "light", full === "full"];
      })
  : DEFAULT;

mkdirSync(DIR, { recursive: true });
const server = await serveFolder(OUT, BASE_PATH);
const browser = await launch(process.env.SECSITE_TMP);
try {
  const page = await browser.page();
  for (const [name, path, width, scheme, full] of shots) {
    await page.setViewportSize({ width, height: width >= 1000 ? 900 : 844 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(server.url + path, { waitUntil: "load" });
    await page.waitForFunction(() => !document.querySelector("[aria-busy='true']"));
    const file = join(DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: Boolean(full) });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    console.log(`${file}${overflow > 0 ? ` (the page scrolls sideways by ${overflow} px)` : ""}`);
  }
} finally {
  await browser.close();
  await server.close();
}
