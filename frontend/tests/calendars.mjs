// Calendars and availability in Chromium, driven by tests/test_calendars_browser.py: the
// profile's Calendars section (connections, the provider's return, Connect as far as the
// provider's consent page, Disconnect), the admin's Calendars tab and school hours, and the
// schedule form's "Suggest times" and clash warning. Each visit signs in and does its `steps`,
// noting what a person would see; a page wider than the screen, a catalogue key shown as text,
// English left in a Bengali page, or a script error is a problem. Prints one JSON report.
//
// Environment: CAL_BASE_URL (http://alpha.localhost:PORT), CAL_VISITS (JSON list of
// {name, email, password, language, width, steps: [...], …the steps' values}), CAL_OUT
// (screenshots), CHROMIUM, CAL_TIMEOUT_MS. Steps: "profile" (visit.returnQuery: the provider's
// return to open with), "connect" (visit.connect: "google"), "disconnect" (visit.disconnect:
// "microsoft"), "adminCalendars" (visit.app: {provider, clientId, secret} to enter and turn on),
// "hours" (visit.hours: {end, toggle}), "schedule" (visit.schedule: {classId, date, time,
// range}), "reschedule" (visit.reschedule: {meetingId}: the session's own time is no clash),
// "roundTrip" (visit.roundTrip: {provider, email}: Cancel, then Allow, at the stand-in).
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.CAL_BASE_URL.replace(/\/$/, "");
const visits = JSON.parse(process.env.CAL_VISITS);
const out = process.env.CAL_OUT;
const timeout = Number(process.env.CAL_TIMEOUT_MS ?? "20000");
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;
const RAW_KEY = /\b(?:common|admin|people|sessions|attendance|account|recordings):[A-Za-z_.]+/;
// English words of the app's own that a Bengali page must not show (names, addresses and
// brands such as "Google Calendar" and "Outlook" stay as they are)
const ENGLISH = /\b(?:Connect|Disconnect|Reconnect|Sync now|Suggest times|Clashes with|School hours|Client secret|Save)\b/;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});

async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('[data-test-id="loading"]'), null, { timeout }).catch(() => {});
  await page.evaluate(() => document.fonts.ready);
}

/** What a person would notice is wrong with the page as it is. */
async function check(page, visit, where, problems) {
  const found = await page.evaluate(() => ({
    text: document.querySelector("main")?.innerText ?? "",
    width: document.documentElement.scrollWidth,
  }));
  const raw = found.text.match(RAW_KEY);
  if (raw) problems.push(`${where}: shows the catalogue key ${raw[0]}`);
  if (found.width > visit.width + 1) problems.push(`${where}: ${found.width} px wide on a ${visit.width} px screen`);
  if (visit.language === "bn") {
    const english = found.text.match(ENGLISH);
    if (english) problems.push(`${where}: English in a Bengali page: ${english[0]}`);
  }
}

async function shot(page, visit, what) {
  await page.screenshot({ path: `${out}/${visit.name}-${what}.png`, fullPage: true });
}

function readCalendars(page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-test-id="calendars"]');
    const text = (el, id) => el.querySelector(`[data-test-id="${id}"]`)?.textContent ?? null;
    const providers = {};
    for (const name of ["google", "microsoft"]) {
      const card = root.querySelector(`[data-test-id="calendar-connection-${name}"]`);
      providers[name] = {
        offer: text(root, `calendar-connect-${name}`),
        unavailable: text(root, `calendar-unavailable-${name}`),
        connection: card && {
          status: card.getAttribute("data-status"),
          statusText: text(card, "calendar-status"),
          account: text(card, "calendar-account"),
          facts: text(card, "calendar-facts"),
          progress: text(card, "calendar-sync-progress"),
          progressValue: card.querySelector('[data-test-id="calendar-sync-progress"] progress')?.getAttribute("value") ?? null,
          lastError: text(card, "calendar-last-error"),
          needsReconnect: text(card, "calendar-needs-reconnect"),
          reconnect: Boolean(card.querySelector('[data-test-id="calendar-reconnect"]')),
          sync: Boolean(card.querySelector('[data-test-id="calendar-sync"]')),
          disconnect: Boolean(card.querySelector('[data-test-id="calendar-disconnect"]')),
        },
      };
    }
    return {
      providers,
      polling: root.getAttribute("data-polling"),
      notice: text(root, "calendar-return"),
      address: window.location.pathname + window.location.search + window.location.hash,
      sectionInView: (() => {
        const box = root.getBoundingClientRect();
        return box.top < window.innerHeight && box.bottom > 0;
      })(),
    };
  });
}

async function profile(page, visit, result, problems) {
  await page.goto(`${base}/app/profile${visit.returnQuery ?? ""}#calendars`);
  await page.locator(`${sel("calendars")} .calendar-rows`).waitFor();
  await settle(page);
  result.profile = await readCalendars(page);
  await page.locator(sel("profile-calendars")).screenshot({ path: `${out}/${visit.name}-calendars-section.png` });
  await shot(page, visit, "profile");
  await check(page, visit, "profile", problems);
}

async function connect(page, visit, result) {
  // the provider's consent page: its address is what connectCalendar answered
  let authorize = null;
  await page.route(/\/o\/oauth2\/v2\/auth|\/oauth2\/v2\.0\/authorize/, (route) => {
    authorize = route.request().url();
    return route.fulfill({ status: 200, contentType: "text/html", body: "<p>consent</p>" });
  });
  await page.locator(sel(`calendar-connect-${visit.connect}`)).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/app/"));
  result.connect = { authorize };
}

async function disconnect(page, visit, result) {
  const card = page.locator(sel(`calendar-connection-${visit.disconnect}`));
  await card.locator(sel("calendar-disconnect")).click();
  await page.locator(sel("confirm-dialog")).waitFor();
  const body = await page.locator(`${sel("confirm-dialog")} .confirm-body`).textContent();
  await page.screenshot({ path: `${out}/${visit.name}-disconnect-confirm.png` });
  await page.locator(sel("confirm-ok")).click();
  await page
    .locator(`${sel("calendar-disconnected")}, ${sel(`calendar-connection-${visit.disconnect}`)}[data-status="DISCONNECTING"], ${sel("calendar-errors")}`)
    .first()
    .waitFor();
  result.disconnect = { body, after: await readCalendars(page) };
}

function readApps(page) {
  return page.evaluate(() => {
    const apps = {};
    for (const name of ["google", "microsoft"]) {
      const form = document.querySelector(`[data-test-id="calendar-app-${name}"]`);
      const q = (id) => form.querySelector(`[data-test-id="calendar-app-${name}-${id}"]`);
      apps[name] = {
        enabled: q("summary")?.getAttribute("data-enabled"),
        connected: q("connected")?.textContent ?? null,
        clientId: q("client-id")?.value ?? null,
        secretSet: Boolean(q("secret-set")),
        secretInput: Boolean(q("secret")),
        tenant: q("tenant")?.value ?? null,
        standIn: q("stand-in") ? [...q("stand-in").options].map((o) => o.value) : null,
        redirect: q("redirect")?.textContent ?? null,
        errors: [...form.querySelectorAll(".errors li")].map((li) => li.textContent),
        saved: Boolean(form.querySelector(`[data-test-id="calendar-app-${name}-saved"]`)),
        values: [...form.querySelectorAll("input")].map((i) => i.value),
      };
    }
    return apps;
  });
}

async function adminCalendars(page, visit, result, problems) {
  await page.goto(`${base}/app/settings/calendars`);
  await page.locator(sel("calendar-app-microsoft")).waitFor();
  await settle(page);
  result.apps = { before: await readApps(page) };
  await shot(page, visit, "admin-calendars");
  await check(page, visit, "settings/calendars", problems);
  if (visit.app) {
    const id = visit.app.provider;
    const form = page.locator(sel(`calendar-app-${id}`));
    // turned on without its client id and secret: refused here, by field
    await form.locator(sel(`calendar-app-${id}-client-id`)).fill("");
    const enabled = form.locator(sel(`calendar-app-${id}-enabled`));
    if (!(await enabled.isChecked())) await enabled.click();
    await form.locator(sel(`calendar-app-${id}-save`)).click();
    await form.locator(".field.invalid").first().waitFor();
    result.apps.refused = (await readApps(page))[id].errors;
    await shot(page, visit, "admin-calendars-refused");
    await form.locator(sel(`calendar-app-${id}-client-id`)).fill(visit.app.clientId);
    await form.locator(sel(`calendar-app-${id}-secret`)).fill(visit.app.secret);
    await form.locator(sel(`calendar-app-${id}-save`)).click();
    await page.locator(`${sel(`calendar-app-${id}-saved`)}, ${sel(`calendar-app-${id}-errors`)}`).first().waitFor();
    await page.waitForTimeout(300); // the tab reads the apps again
    result.apps.after = await readApps(page);
    await shot(page, visit, "admin-calendars-saved");
  }
}

async function hours(page, visit, result, problems) {
  await page.goto(`${base}/app/settings/school`);
  await page.locator(sel("policy-hours")).waitFor();
  await settle(page);
  const read = () =>
    page.evaluate(() => ({
      start: document.querySelector('[data-test-id="hours-start"]').value,
      end: document.querySelector('[data-test-id="hours-end"]').value,
      days: [...document.querySelectorAll('[data-test-id="hours-days"] input')].filter((i) => i.checked).map((i) => Number(i.getAttribute("data-test-id").slice(10))),
      intro: document.querySelector('[data-test-id="policy-hours"] p.muted')?.textContent ?? "",
      saved: Boolean(document.querySelector('[data-test-id="policy-hours-saved"]')),
      errors: [...document.querySelectorAll('[data-test-id="policy-hours"] .errors li')].map((li) => li.textContent),
    }));
  result.hours = { before: await read() };
  await page.locator(sel("policy-hours")).screenshot({ path: `${out}/${visit.name}-hours.png` });
  await check(page, visit, "settings/school", problems);
  if (visit.hours) {
    await page.locator(sel("hours-end")).fill(visit.hours.end);
    for (const day of visit.hours.toggle) await page.locator(sel(`hours-day-${day}`)).click();
    await page.locator(sel("policy-hours-save")).click();
    await page.locator(`${sel("policy-hours-saved")}, ${sel("policy-hours-errors")}, [data-test-id="policy-hours"] .field.invalid`).first().waitFor();
    result.hours.after = await read();
  }
}

async function schedule(page, visit, result, problems) {
  const want = visit.schedule;
  let asked = 0; // schedulingClashes requests: one per pause in typing, not one per keystroke
  page.on("request", (request) => {
    if (request.method() === "POST" && (request.postData() ?? "").includes("SessionsSchedulingClashes")) asked += 1;
  });
  await page.goto(`${base}/app/schedule?class=${want.classId}`);
  await page.locator(sel("schedule-form")).waitFor();
  await settle(page);
  await page.locator(`${sel("clash-warning")}, ${sel("clash-none")}, ${sel("clash-failed")}`).first().waitFor();
  const atLoad = asked;
  await page.locator(sel("schedule-title")).fill("Revision");
  // the start of a session the class already has, typed key by key: the warning names it
  await page.locator(sel("schedule-date")).fill(want.date);
  await page.locator(sel("schedule-time")).focus(); // its first part, the hour
  await page.keyboard.type(want.time.replace(":", ""), { delay: 30 });
  await page.locator(sel("clash-warning")).waitFor();
  const clashes = () =>
    page.evaluate(() => ({
      warning: Boolean(document.querySelector('[data-test-id="clash-warning"]')),
      none: Boolean(document.querySelector('[data-test-id="clash-none"]')),
      failed: document.querySelector('[data-test-id="clash-failed"]')?.textContent ?? null,
      lines: [...document.querySelectorAll('[data-test-id="clash-line"]')].map((li) => ({ kind: li.getAttribute("data-kind"), text: li.textContent })),
    }));
  result.schedule = { clash: await clashes(), asked: { atLoad, typing: asked - atLoad } };
  await shot(page, visit, "schedule-clash");
  // suggestions for the range asked, then the first one chosen
  await page.locator(sel("suggest-range")).selectOption(want.range ?? "week");
  await page.locator(sel("suggest-run")).click();
  await page.locator(`${sel("suggest-result")}, ${sel("suggest-errors")}`).first().waitFor();
  result.schedule.suggest = await page.evaluate(() => {
    const box = document.querySelector('[data-test-id="suggest-result"]');
    return {
      errors: [...document.querySelectorAll('[data-test-id="suggest-errors"] li')].map((li) => li.textContent),
      calendarChecked: box?.getAttribute("data-calendar-checked") ?? null,
      calendarNote: document.querySelector('[data-test-id="suggest-calendar-note"], [data-test-id="suggest-calendar-problem"]')?.textContent ?? null,
      days: [...document.querySelectorAll('[data-test-id="suggest-day"]')].map((day) => ({
        day: day.getAttribute("data-day"),
        heading: day.querySelector("h4").textContent,
        starts: [...day.querySelectorAll('[data-test-id="suggest-slot"]')].map((b) => b.getAttribute("data-start")),
        labels: [...day.querySelectorAll('[data-test-id="suggest-slot"]')].map((b) => b.textContent),
      })),
    };
  });
  await shot(page, visit, "schedule-suggest");
  await check(page, visit, "schedule", problems);
  const first = page.locator(sel("suggest-slot")).first();
  if (await first.count()) {
    await first.click();
    // the new start is asked about after a pause: wait for that question, then its answer
    await page.locator(sel("clash-checking")).waitFor();
    await page.locator(`${sel("clash-warning")}, ${sel("clash-none")}, ${sel("clash-failed")}`).first().waitFor();
    result.schedule.chosen = {
      date: await page.locator(sel("schedule-date")).inputValue(),
      time: await page.locator(sel("schedule-time")).inputValue(),
      pressed: await first.getAttribute("aria-pressed"),
      clash: await clashes(),
    };
    await shot(page, visit, "schedule-chosen");
  }
}

/** Moving a session: it is no clash with itself; an hour later it is none either, and the
 * suggestions are there too. */
async function reschedule(page, visit, result, problems) {
  await page.goto(`${base}/app/meetings/${visit.reschedule.meetingId}/about`);
  await page.locator(sel("edit-session-open")).click();
  await page.locator(sel("edit-session")).waitFor();
  await page.locator(sel("clash-checking")).waitFor();
  await page.locator(`${sel("clash-warning")}, ${sel("clash-none")}, ${sel("clash-failed")}`).first().waitFor();
  const read = () =>
    page.evaluate(() => ({
      none: Boolean(document.querySelector('[data-test-id="clash-none"]')),
      lines: [...document.querySelectorAll('[data-test-id="clash-line"]')].map((li) => li.textContent),
      suggest: Boolean(document.querySelector('[data-test-id="suggest-times"]')),
    }));
  result.reschedule = { itself: await read() };
  await shot(page, visit, "reschedule");
  await check(page, visit, "meetings/about", problems);
}

/** Connect at the provider (the sandbox's stand-in) as a person does: Cancel on its consent
 * page first (back with the refusal), then Allow as `visit.roundTrip.email`. */
async function roundTrip(page, visit, result, problems) {
  const { provider, email } = visit.roundTrip;
  const back = async () => {
    await page.waitForURL(/\/app\/profile/);
    await page.locator(`${sel("calendars")} .calendar-rows`).waitFor();
    await settle(page);
  };
  // the school's address in the tests' settings is not this daphne's port: the provider's
  // redirect to the school's callback is sent on to it, as the school's own host
  await page.route(/\/oauth\/calendar\/[a-z]+\/callback\//, (route) => {
    const url = new URL(route.request().url());
    if (url.origin === new URL(base).origin) return route.continue();
    return route.fulfill({ status: 302, headers: { location: `${base}${url.pathname}${url.search}` } });
  });
  const toConsent = async () => {
    await page.locator(sel(`calendar-connect-${provider}`)).click();
    await page.locator(sel("calendar-allow")).waitFor();
  };
  await page.goto(`${base}/app/profile#calendars`);
  await back();
  await toConsent();
  await shot(page, visit, "consent");
  await page.locator('button[value="deny"]').click();
  await back();
  result.roundTrip = { denied: await readCalendars(page) };
  await toConsent();
  await page.locator(sel("calendar-email")).fill(email);
  await page.locator(sel("calendar-allow")).click();
  await back();
  await page.locator(sel(`calendar-connection-${provider}`)).waitFor();
  result.roundTrip.connected = await readCalendars(page);
  await page.locator(sel("profile-calendars")).screenshot({ path: `${out}/${visit.name}-connected-section.png` });
  await check(page, visit, "profile (connected)", problems);
}

const STEPS = { profile, connect, disconnect, adminCalendars, hours, schedule, reschedule, roundTrip };

const report = { visits: [] };
for (const visit of visits) {
  const problems = [];
  const context = await browser.newContext({
    viewport: { width: visit.width ?? 1200, height: 900 },
    locale: visit.language === "bn" ? "bn-BD" : "en-GB",
  });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (error) => problems.push(`script error: ${error}`));
  page.on("console", (message) => {
    // the app's own errors (not the stand-in's consent page's missing favicon)
    if (message.type() === "error" && !/WebSocket/.test(message.text()) && page.url().startsWith(base)) problems.push(`console: ${message.text()}`);
  });
  const result = { name: visit.name };
  try {
    await page.goto(`${base}/app/`);
    await page.locator(sel("signin-email")).fill(visit.email);
    await page.locator(sel("signin-password")).fill(visit.password);
    await page.locator(sel("signin-submit")).click();
    await page.locator(sel("home")).waitFor();
    for (const step of visit.steps) await STEPS[step](page, visit, result, problems);
  } catch (error) {
    problems.push(String(error));
    await page.screenshot({ path: `${out}/${visit.name}-failed.png`, fullPage: true }).catch(() => {});
  }
  report.visits.push({ ...result, problems });
  await context.close();
}
await browser.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
