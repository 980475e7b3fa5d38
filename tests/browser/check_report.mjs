// Opens a memsleuth HTML report from file:// in headless Debian Chromium and checks what a person
// would see: no console errors or CSP violations, no network request, every chart drawn (non-blank
// canvas), the summary text. Prints one JSON object; exits 1 on any failure.
// usage: node check_report.mjs REPORT.html SCREENSHOT.png [EXPECTED_SUMMARY_SUBSTRING...]
import { chromium } from "playwright-core";
import path from "node:path";

const [, , file, shot, ...expected] = process.argv;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [], requests = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
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
  const summary = (await page.textContent("#summary")) || "";
  const injected = await page.evaluate(() => document.querySelectorAll("img, iframe, object, embed").length);
  await page.screenshot({ path: shot, fullPage: true });
  if (errors.length) failures.push(`console: ${errors.join(" | ")}`);
  if (requests.length) failures.push(`network requests: ${requests.join(" ")}`);
  if (charts === 0) failures.push("no charts");
  if (inked.length !== charts) failures.push(`${charts} chart divs but ${inked.length} canvases`);
  inked.forEach((n, i) => { if (n < 500) failures.push(`chart ${i} is blank (${n} inked pixels)`); });
  if (injected) failures.push(`${injected} img/iframe/object/embed elements: hostile text became markup`);
  for (const e of expected) if (!summary.includes(e)) failures.push(`summary lacks "${e}"`);
  console.log(JSON.stringify({ charts, inked, summary: summary.slice(0, 400), failures }));
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
