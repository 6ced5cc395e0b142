// Open the built book in headless Chromium and check it as a reader would see it, offline.
//
//   node scripts/check_site.mjs _build/html [/usr/bin/chromium]
//
// The site is served from 127.0.0.1 (no other network: every request to another host is blocked and
// reported).  Starting at index.html, every internal page reachable by links is visited and checked:
//   - the page loads (HTTP 200) without JavaScript errors;
//   - every <img> has decoded, with a non-zero rendered size;
//   - formulas render: pages with math have MathJax containers and no MathJax error nodes;
//   - every internal link points to an existing page, and an anchor to an existing id;
//   - what a reader would notice: no NaN/None table cells, no pandas row numbers (index column), no
//     papermill parameters cell, no stderr output block, no absolute path of the build machine, every
//     figure (a notebook image output) inside a <figure> with a caption, every comparison panel
//     (.padnet-panel, the uncropped copies behind a click excepted) at least 250 px wide as rendered at a
//     1300 px wide window, with its own caption.
// Exit code 0 when everything passes, 1 otherwise (each problem printed on its own line).
// Needs playwright-core (installed by `make book` under .npm/) and Debian's chromium.

import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(resolve(".npm/node_modules/x.js"));
const { chromium } = require("playwright-core");

const root = resolve(process.argv[2] || "_build/html");
const executablePath = process.argv[3] || "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png",
  ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2", ".json": "application/json",
  ".ico": "image/x-icon", ".jpg": "image/jpeg", ".txt": "text/plain" };

function fileFor(urlPath) {
  let p = normalize(join(root, decodeURIComponent(urlPath.split("?")[0])));
  if (!p.startsWith(root)) return null;
  if (existsSync(p) && statSync(p).isDirectory()) p = join(p, "index.html");
  return existsSync(p) ? p : null;
}

const server = createServer((req, res) => {
  const file = fileFor(new URL(req.url, "http://x").pathname);
  if (!file) { res.writeHead(404); res.end("not found"); return; }
  res.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu",
  "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync"] });
const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
const problems = [];
const external = new Set();
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (url.startsWith(base)) return route.continue();
  external.add(url);
  return route.abort();
});

async function inspectPage() {

    const hasMath = document.querySelectorAll(".math, mjx-container, .MathJax").length > 0;
    if (hasMath && window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    await Promise.all([...document.images].map((im) => im.decode().catch(() => null)));
    const imgs = [...document.images].map((im) => {
      const r = im.getBoundingClientRect();
      return { src: im.getAttribute("src"), natural: im.naturalWidth * im.naturalHeight, w: r.width, h: r.height,
        hidden: im.closest("[hidden], .d-none") !== null || getComputedStyle(im).display === "none" };
    });
    const uncaptioned = [...document.querySelectorAll(".cell_output img")].filter((im) => {
      if (im.closest(".padnet-gallery")) return false;
      const fig = im.closest("figure");
      return !(fig && fig.querySelector("figcaption") && fig.querySelector("figcaption").textContent.trim());
    }).length;
    const panels = [...document.querySelectorAll(".padnet-panel:not(.padnet-full)")].map((fig) => ({
      w: fig.querySelector("img") ? fig.querySelector("img").getBoundingClientRect().width : 0,
      caption: fig.querySelector("figcaption") ? fig.querySelector("figcaption").textContent.trim() : "" }));
    const cells = [...document.querySelectorAll("table td, table th")].map((c) => c.textContent.trim());
    const badCells = cells.filter((t) => /^(nan|NaN|None|<NA>)$/.test(t)).length;
    const rowNumbers = document.querySelectorAll("table th.row_heading, table.dataframe tbody th").length;
    const stderr = document.querySelectorAll(".output.stderr, .stderr").length;
    const text = document.body.innerText;
    const params = /# Parameters\b|^\s*mode = "(quick|full)"\s*$/m.test(text);
    const paths = (text.match(/(?:\/work\/|\/tmp\/|\/home\/|\/root\/|\/Users\/)[^\s"')]*/g) || []);
    return { hasMath, mathjax: !!window.MathJax, containers: document.querySelectorAll("mjx-container").length,
      badCells, rowNumbers, stderr, params, paths, uncaptioned, panels,
      mathErrors: document.querySelectorAll("mjx-merror, .MathJax_Error").length, imgs,
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      links: [...document.querySelectorAll("a[href]")].map((a) => a.href) };
}

const queue = [`${base}/index.html`];
const seen = new Set();
const anchors = [];  // [page, target url with hash]
let pages = 0, images = 0, formulas = 0, knownThebe = 0, panelCount = 0;
while (queue.length) {
  const url = queue.shift();
  if (seen.has(url)) continue;
  seen.add(url);
  const local = fileFor(new URL(url).pathname);
  const refresh = local && readFileSync(local, "utf8").match(/<meta[^>]+http-equiv="refresh"[^>]+url=([^"]+)"/i);
  if (refresh) {  // a redirect page (the root index.html): check its target instead
    const target = new URL(refresh[1].trim(), url).href.split("#")[0];
    if (!fileFor(new URL(target).pathname)) problems.push(`${url}: redirect to a missing page ${target}`);
    else queue.push(target);
    continue;
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  const resp = await page.goto(url, { waitUntil: "load" });
  if (!resp || resp.status() !== 200) { problems.push(`${url}: HTTP ${resp && resp.status()}`); await page.close(); continue; }
  pages += 1;
  // a page that navigates on its own: let it settle first
  let info = null;
  for (let attempt = 0; attempt < 5 && info === null; attempt++) {
    await page.waitForLoadState("load");
    info = await page.evaluate(inspectPage).catch((err) => {
      if (String(err).includes("context was destroyed")) return null;
      throw err;
    });
  }
  if (info === null) { problems.push(`${url}: page kept navigating`); await page.close(); continue; }
  const here = page.url().split("#")[0];
  if (here !== url) seen.add(here);
  if (process.env.VERBOSE) console.log(`${here}: ${info.imgs.length} img, ${info.containers} math, ${info.links.length} links`);
  for (const im of info.imgs) {
    if (im.hidden) continue;
    images += 1;
    if (!(im.natural > 0 && im.w > 0 && im.h > 0)) problems.push(`${url}: image ${im.src} has zero size`);
  }
  if (info.hasMath) {
    if (!info.mathjax || info.containers === 0) problems.push(`${url}: math present but MathJax did not render it`);
    if (info.mathErrors) problems.push(`${url}: ${info.mathErrors} formula(s) with MathJax errors`);
    formulas += info.containers;
  }
  if (info.uncaptioned) problems.push(`${url}: ${info.uncaptioned} figure(s) without a caption`);
  for (const [i, p] of info.panels.entries()) {
    if (p.w < 250) problems.push(`${url}: comparison panel ${i + 1} is ${Math.round(p.w)} px wide (< 250)`);
    if (!p.caption) problems.push(`${url}: comparison panel ${i + 1} has no caption`);
  }
  panelCount += info.panels.length;
  if (info.badCells) problems.push(`${url}: ${info.badCells} table cell(s) showing NaN/None`);
  if (info.rowNumbers) problems.push(`${url}: ${info.rowNumbers} pandas row-number cell(s) (index column shown)`);
  if (info.stderr) problems.push(`${url}: ${info.stderr} stderr output block(s) on the page`);
  if (info.params) problems.push(`${url}: papermill parameters cell shown`);
  for (const path of new Set(info.paths)) problems.push(`${url}: absolute path of the build machine: ${path}`);
  for (const e of errors) {
    // sphinx-thebe 0.3 (pulled in by jupyter-book 1.0.4) adds its inline config script twice, so the
    // second `const THEBE_JS_URL` throws; thebe is never started here (no launch buttons), so this
    // one upstream error is reported as a note, every other JavaScript error fails the check
    if (e.includes("Identifier 'THEBE_JS_URL' has already been declared")) { knownThebe += 1; continue; }
    problems.push(`${url}: JavaScript error: ${e}`);
  }
  for (const href of info.links) {  // resolved against the page's own URL by the browser
    if (!href.startsWith(base)) continue;
    const [target, hash] = href.split("#");
    const path = new URL(target).pathname;
    if (!fileFor(path)) { problems.push(`${url}: broken link ${href}`); continue; }
    if (path.endsWith(".html") || path.endsWith("/")) {
      if (!seen.has(target)) queue.push(target);
      if (hash) anchors.push([url, target, decodeURIComponent(hash)]);
    }
  }
  (globalThis.ids ||= new Map()).set(here, new Set(info.ids));
  await page.close();
}
for (const [from, target, hash] of anchors) {
  const ids = globalThis.ids.get(target);
  if (ids && !ids.has(hash)) problems.push(`${from}: link to missing anchor ${target}#${hash}`);
}
for (const url of external) problems.push(`request to the network while offline: ${url}`);
await browser.close();
server.close();
for (const p of problems) console.log(`FAIL ${p}`);
if (knownThebe) console.log(`note: ${knownThebe} page(s) with sphinx-thebe's duplicate THEBE_JS_URL declaration (upstream, harmless)`);
console.log(`checked ${pages} page(s), ${images} image(s), ${panelCount} comparison panel(s), ${formulas} rendered formula(s): ` +
  (problems.length ? `${problems.length} problem(s)` : "all fine"));
process.exit(problems.length ? 1 : 0);
