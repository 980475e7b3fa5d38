// Opens a memsleuth HTML report from file:// in headless Debian Chromium and checks what a person
// would see: no console errors or CSP violations, no network request, every chart drawn (non-blank
// canvas) with time labels that do not collide, the incident on the first screen, the summary text.
// Prints one JSON object; exits 1 on any failure.
// usage: node check_report.mjs REPORT.html SCREENSHOT.png [--visible-series=CHART_ID]... [EXPECTED_TEXT...]
//   --visible-series=ID: chart ID must exist and its first series must be drawn (its colour inked)
//   EXPECTED_TEXT: must appear in the incident section or the node summary
import { chromium } from "playwright-core";
import path from "node:path";

const [, , file, shot, ...rest] = process.argv;
const visible = rest.filter((a) => a.startsWith("--visible-series=")).map((a) => a.slice("--visible-series=".length));
const expected = rest.filter((a) => !a.startsWith("--"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [], requests = [];
  // (Chromium's hint about our own repeated getImageData below is not the page's doing.)
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !m.text().includes("willReadFrequently"))
      errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e}`));
  page.on("dialog", async (d) => { errors.push(`dialog: ${d.message()}`); await d.dismiss(); });
  page.on("request", (r) => { if (!/^(file|data):/.test(r.url())) requests.push(r.url()); });
  await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
  await page.waitForTimeout(300);
  const charts = await page.evaluate(() => document.querySelectorAll("div.chart").length);
  const inked = await page.evaluate(() =>
    [...document.querySelectorAll("div.chart canvas")].map((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
      return n;
    }));
  // Time labels as the page drew them (report_app.js records them): none may overlap another.
  const labels = await page.evaluate(() =>
    [...document.querySelectorAll("div.chart")].map((el) => ({ id: el.id, labels: JSON.parse(el.getAttribute("data-time-labels") || "null") })));
  for (const { id, labels: ls } of labels) {
    if (!ls) { failures.push(`${id}: no time labels recorded`); continue; }
    if (ls.length < 2) failures.push(`${id}: ${ls.length} time label(s)`);
    const sorted = [...ls].sort((a, b) => a.x - b.x);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1], b = sorted[i];
      if (a.x + a.width / 2 + 4 > b.x - b.width / 2) failures.push(`${id}: time labels "${a.text}" and "${b.text}" overlap`);
    }
  }
  // A chart's first series is visible: pixels of its stroke colour inside the plot area.
  const seriesInk = {};
  for (const id of visible) {
    seriesInk[id] = await page.evaluate((id) => {
      const el = document.getElementById("chart-" + id);
      if (!el) return -1;
      const c = el.querySelector("canvas");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;  // #1f77b4, the palette's first colour (report_app.js)
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i] - 0x1f) < 24 && Math.abs(d[i + 1] - 0x77) < 24 && Math.abs(d[i + 2] - 0xb4) < 24 && d[i + 3] > 128) n++;
      return n;
    }, id);
    if (seriesInk[id] < 0) failures.push(`chart ${id} missing`);
    else if (seriesInk[id] < 100) failures.push(`chart ${id}: its first series is not visible (${seriesInk[id]} pixels)`);
  }
  const incidentTop = await page.evaluate(() => {
    const el = document.getElementById("incident");
    return el ? el.getBoundingClientRect().top : -1;
  });
  if (incidentTop < 0 || incidentTop > 400) failures.push(`the incident is not on the first screen (top ${incidentTop})`);
  const text = ((await page.textContent("#incident")) || "") + " " + ((await page.textContent("#summary")) || "");
  // The report's own prose (not the doctor's fix commands, which may quote a command name).
  const prose = await page.evaluate(() =>
    [...document.querySelectorAll("#incident .headline, #incident table.facts, #summary")].map((e) => e.textContent).join(" "));
  const injected = await page.evaluate(() => document.querySelectorAll("img, iframe, object, embed").length);
  await page.screenshot({ path: shot, fullPage: true });
  if (errors.length) failures.push(`console: ${errors.join(" | ")}`);
  if (requests.length) failures.push(`network requests: ${requests.join(" ")}`);
  if (charts === 0) failures.push("no charts");
  if (inked.length !== charts) failures.push(`${charts} chart divs but ${inked.length} canvases`);
  inked.forEach((n, i) => { if (n < 500) failures.push(`chart ${i} is blank (${n} inked pixels)`); });
  if (injected) failures.push(`${injected} img/iframe/object/embed elements: hostile text became markup`);
  if (prose.includes("`")) failures.push("literal backticks in the prose");
  for (const e of expected) if (!text.includes(e)) failures.push(`incident/summary lacks "${e}"`);
  console.log(JSON.stringify({ charts, inked, seriesInk, labels, text: text.slice(0, 600), failures }));
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
