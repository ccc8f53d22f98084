// A tour of the app for every role, driven by tests/test_app_tour.py: sign in, open every item
// of the menu, and note what a person would notice — a page that failed, a "not found" or
// "not for you" page behind a menu item, a catalogue key shown instead of text, a script error,
// a page wider than the screen, text not in the person's language. Prints one JSON report.
//
// Environment: TOUR_BASE_URL (http://alpha.localhost:PORT), TOUR_VISITS (JSON list of
// {role, email, password, language, width}), TOUR_OUT (screenshots), CHROMIUM, TOUR_TIMEOUT_MS.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.TOUR_BASE_URL.replace(/\/$/, "");
const visits = JSON.parse(process.env.TOUR_VISITS);
const out = process.env.TOUR_OUT;
const timeout = Number(process.env.TOUR_TIMEOUT_MS ?? "20000");
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;
// a key of a catalogue shown as text (i18next shows the key when it finds no message)
const RAW_KEY = /\b(?:common|admin|people|sessions|attendance|account|recordings):[A-Za-z_.]+/;
const BENGALI = /[\u0980-\u09FF]/;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});

async function settle(page) {
  await page.locator("main").first().waitFor();
  // a page that moves on at once (/app/settings → its first tab) has its title again
  await page.waitForFunction(() => (document.querySelector("main h1")?.textContent ?? "").trim() !== "", null, { timeout }).catch(() => {});
  // what is loading has loaded (or failed)
  await page.waitForFunction(() => !document.querySelector('[data-test-id="loading"]'), null, { timeout }).catch(() => {});
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(150);
}

async function look(page, visit, path, problems) {
  const found = await page.evaluate(() => ({
    text: document.querySelector("main")?.innerText ?? "",
    title: document.querySelector("main h1")?.textContent ?? "",
    width: document.documentElement.scrollWidth,
    broken: ["not-found", "forbidden", "boot-error"].filter((id) => document.querySelector(`[data-test-id="${id}"]`)),
  }));
  const note = (what) => problems.push(`${visit.role}/${visit.language} ${path}: ${what}`);
  for (const id of found.broken) note(`shows ${id}`);
  const raw = (found.text + found.title).match(RAW_KEY);
  if (raw) note(`shows the catalogue key ${raw[0]}`);
  if (found.width > visit.width + 1) note(`is ${found.width} px wide on a ${visit.width} px screen`);
  if (visit.language === "bn" && !BENGALI.test(found.title)) note(`title not in Bengali: ${found.title}`);
  return found.title;
}

const report = { visits: [] };
for (const visit of visits) {
  const problems = [];
  const pages = [];
  const context = await browser.newContext({ viewport: { width: visit.width, height: 900 }, locale: visit.language === "bn" ? "bn-BD" : "en-GB" });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (error) => problems.push(`${visit.role}/${visit.language} script error: ${error}`));
  page.on("console", (message) => {
    // the websocket's reconnects are expected noise; anything else is a fault
    if (message.type() === "error" && !/WebSocket/.test(message.text())) {
      problems.push(`${visit.role}/${visit.language} console: ${message.text()}`);
    }
  });
  try {
    await page.goto(`${base}/app/`);
    await page.locator(sel("signin-email")).fill(visit.email);
    await page.locator(sel("signin-password")).fill(visit.password);
    await page.locator(sel("signin-submit")).click();
    await page.locator(sel("home")).waitFor();
    await settle(page);
    pages.push({ path: "/app/", title: await look(page, visit, "/app/", problems) });
    await page.screenshot({ path: `${out}/${visit.role}-${visit.language}-home.png`, fullPage: true });
    const hrefs = await page.$$eval(`${sel("nav")} a`, (links) => links.map((a) => a.getAttribute("href")));
    for (const href of hrefs.filter((h) => h && h !== "/app/")) {
      await page.goto(`${base}${href}`);
      await settle(page);
      pages.push({ path: href, title: await look(page, visit, href, problems) });
      const name = href.replace(/^\/app\//, "").replace(/\W+/g, "-") || "home";
      await page.screenshot({ path: `${out}/${visit.role}-${visit.language}-${name}.png`, fullPage: true });
    }
  } catch (error) {
    problems.push(`${visit.role}/${visit.language}: ${error}`);
    await page.screenshot({ path: `${out}/${visit.role}-${visit.language}-failed.png`, fullPage: true }).catch(() => {});
  }
  report.visits.push({ ...visit, password: undefined, pages, problems });
  await context.close();
}
await browser.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
