// A walk through the sessions screens (teacher, student, parent) at 390 px, in LANG_UI (bn by
// default), against a running `make up` stack: BASE=http://demo.localhost:<port> OUT=<folder>
// STEP=all|teacher|student|parent|zoom node tests/sessions-walk.mjs. It schedules real classes.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.BASE ?? "http://demo.localhost:8000";
const out = process.env.OUT ?? "test-results/sessions";
const lang = process.env.LANG_UI ?? "bn";
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});
const logs = [];

async function session(email, fn) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && logs.push(`${email}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`${email}: ${e.message}`));
  if (process.env.DEBUG) page.on("response", async (r) => r.url().includes("graphql") && console.log(r.status(), (await r.text()).slice(0, 200)));
  await page.goto(`${base}/app/`);
  await page.locator(sel("signin-email")).fill(email);
  await page.locator(sel("signin-password")).fill("liveroll-demo");
  await page.locator(sel("signin-submit")).click();
  await page.locator(sel("home")).waitFor();
  const zone = await page.evaluate(async (language) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1];
    const post = (query) =>
      fetch("/graphql/", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ query }),
      }).then((r) => r.json());
    await post(`mutation { setMyPreferences(language: "${language}") { errors { message } } }`);
    const me = await post("{ myPreferences { effectiveTimezone } }");
    return me.data.myPreferences.effectiveTimezone;
  }, lang);
  await page.goto(`${base}/app/`);
  await page.locator(sel("home")).waitFor();
  try {
    await fn(page, zone, context);
  } catch (error) {
    await shot(page, `${email.split("@")[0]}-failed`);
    const alerts = await page.locator('[role="alert"]').allTextContents();
    throw new Error(`${error.message}\nalerts: ${alerts.join(" | ")}\nat ${page.url()}`, { cause: error });
  }
  await context.close();
}

// A full-page capture resizes the page for a moment; a click right after it can miss in
// headless Chromium, so the viewport is set again after each.
const shot = async (page, name) => {
  // the Bengali web font arrives after the first paint: wait for it, or glyphs show as boxes
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(1000);
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${out}/${lang}-${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(100);
};
const wall = (date, zone) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
};

const mode = process.env.STEP ?? "all";

if (mode === "all" || mode === "teacher") {
  await session("teacher1@demo.test", async (page, zone, context) => {
    await page.waitForTimeout(800);
    await shot(page, "teacher-home-before");
    await page.goto(`${base}/app/schedule`);
    await page.locator(sel("schedule-form")).waitFor();
    // a weekly series, then "Does not repeat": the choices are cleared, visibly
    await page.locator(sel("schedule-repeat")).selectOption("weekly");
    await page.locator(sel("weekday-2")).check();
    await shot(page, "schedule-weekly");
    await page.locator(sel("schedule-repeat")).selectOption("none");
    await page.locator(sel("repeat-cleared")).waitFor();
    await shot(page, "schedule-cleared");
    // submit empty: the form says what is missing
    await page.locator(sel("schedule-submit")).click();
    await shot(page, "schedule-errors");
    // a class in ten minutes
    const soon = wall(new Date(Date.now() + 10 * 60_000), zone);
    await page.locator(sel("schedule-title")).fill("গণিত: ভগ্নাংশ");
    await page.locator(sel("schedule-class")).selectOption({ index: 1 });
    await page.locator(sel("schedule-date")).fill(soon.date);
    await page.locator(sel("schedule-time")).fill(soon.time);
    await page.locator(sel("schedule-duration")).fill("45");
    await page.locator(sel("schedule-submit")).click();
    await page.locator(sel("scheduled-notice")).waitFor();
    await page.waitForTimeout(1500);
    await shot(page, "about-single");
    const singleUrl = page.url();
    // a weekly series
    await page.goto(`${base}/app/schedule`);
    const tomorrow = wall(new Date(Date.now() + 24 * 3_600_000), zone);
    await page.locator(sel("schedule-title")).fill("বিজ্ঞান");
    await page.locator(sel("schedule-class")).selectOption({ index: 1 });
    await page.locator(sel("schedule-date")).fill(tomorrow.date);
    await page.locator(sel("schedule-time")).fill("16:00");
    await page.locator(sel("schedule-repeat")).selectOption("weekly");
    await page.locator(sel("weekday-2")).check();
    await page.locator(sel("repeat-count")).fill("6");
    await page.locator(sel("schedule-preview")).waitFor();
    await shot(page, "schedule-series-preview");
    await page.locator(sel("schedule-submit")).click();
    await page.locator(sel("scheduled-notice")).waitFor();
    await page.waitForTimeout(1500);
    await shot(page, "about-series");
    // guests, edit, cancel asks first
    await page.locator(sel("guest-name")).fill("Ada Guest");
    await page.locator(sel("guest-email")).fill("ada@example.org");
    await page.locator(sel("guest-invite")).click();
    await page.locator(sel("guest-invited")).waitFor();
    await page.locator(sel("edit-session-open")).click();
    await shot(page, "about-edit");
    await page.locator(sel("edit-cancel")).click();
    await page.locator(sel("cancel-series")).click();
    await page.locator(sel("confirm-dialog")).waitFor();
    await shot(page, "about-cancel-confirm");
    await page.locator(sel("confirm-cancel")).click();
    // start the class in ten minutes: Zoom (the sandbox) opens in a new tab
    await page.goto(singleUrl);
    await page.locator(sel("start-class")).waitFor();
    const [popup] = await Promise.all([context.waitForEvent("page"), page.locator(sel("start-class")).click()]);
    await popup.waitForLoadState();
    await popup.waitForTimeout(1500);
    await popup.screenshot({ path: `${out}/${lang}-zoom-start.png`, fullPage: true });
    console.log("start page:", popup.url().split("?")[0], (await popup.textContent("body"))?.slice(0, 300).replace(/\s+/g, " "));
    await popup.close();
    await page.goto(`${base}/app/sessions`);
    await page.locator(sel("sessions-upcoming")).waitFor();
    await shot(page, "sessions-upcoming");
    await page.goto(`${base}/app/sessions?when=past`);
    await page.waitForTimeout(1200);
    await shot(page, "sessions-past");
    await page.goto(`${base}/app/my-zoom`);
    await page.locator(sel("zoom-status")).waitFor();
    await shot(page, "my-zoom");
    await page.goto(`${base}/app/`);
    await page.locator(sel("home-teacher-sessions")).waitFor();
    await page.waitForTimeout(800);
    await shot(page, "teacher-home");
  });
}

if (mode === "zoom") {
  await session("teacher1@demo.test", async (page) => {
    await page.goto(`${base}/app/my-zoom`);
    await page.locator(sel("zoom-connect")).click();
    await page.waitForURL(/\/app\/my-zoom\?zoom=/);
    await page.locator(sel("zoom-outcome")).waitFor();
    await page.locator(sel("zoom-email")).waitFor();
    await shot(page, "my-zoom-connected");
    console.log("after connect:", page.url());
    await page.locator(sel("zoom-disconnect")).click();
    await page.locator(sel("confirm-dialog")).waitFor();
    await shot(page, "my-zoom-disconnect-confirm");
    await page.locator(sel("confirm-ok")).click();
    await page.locator(sel("zoom-disconnected")).waitFor();
    await page.locator(sel("zoom-connect")).waitFor();
    await shot(page, "my-zoom-disconnected");
  });
}

if (mode === "live") {
  // Today's first class runs at the sandbox: live on the teacher's home ("Rejoin as host", no
  // "Start class"), Join open for the student; ended, it leaves "Coming up" and shows "Ended".
  const teacher = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await teacher.newPage();
  await page.goto(`${base}/app/`);
  await page.locator(sel("signin-email")).fill("teacher1@demo.test");
  await page.locator(sel("signin-password")).fill("liveroll-demo");
  await page.locator(sel("signin-submit")).click();
  await page.locator(sel("home")).waitFor();
  // a class of its own (the sandbox keeps its meetings in memory only)
  const id = await page.evaluate(async () => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1];
    const start = new Date(Date.now() + 5 * 60_000).toISOString();
    const query = `mutation { scheduleMeeting(input: {classId: "1", title: "Live walk", startTime: "${start}", durationMinutes: 30, timezone: "UTC"}) { meeting { id } errors { message } } }`;
    const body = await fetch("/graphql/", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ query }) }).then((r) => r.json());
    return body.data.scheduleMeeting.meeting.id;
  });
  await page.goto(`${base}/app/meetings/${id}/about`);
  const [host] = await Promise.all([teacher.waitForEvent("page"), page.locator(sel("start-class")).click()]);
  await host.waitForURL(/\/s\//);
  await page.goto(`${base}/app/`);
  await host.getByText("Start meeting").click();
  await host.waitForLoadState();
  const row = page.locator(`${sel("meeting")}[data-meeting-id="${id}"]`);
  for (let i = 0; i < 20 && ((await row.count()) === 0 || (await row.getAttribute("data-status")) !== "STARTED"); i += 1) {
    await page.waitForTimeout(1500);
    await page.reload();
    await page.locator(sel("home-teacher-sessions")).waitFor();
  }
  console.log("live row:", await row.getAttribute("data-status"), await row.locator(sel("start-class")).textContent());
  await shot(page, "teacher-home-live");
  await session("student01@demo.test", async (student) => {
    await student.locator(sel("home-student-sessions")).waitFor();
    await student.waitForTimeout(800);
    await shot(student, "student-home-live");
  });
  await host.getByText("End meeting for all").click();
  for (let i = 0; i < 20 && (await row.count()) > 0; i += 1) {
    await page.waitForTimeout(1500);
    await page.reload();
    await page.locator(sel("home-teacher-sessions")).waitFor();
  }
  console.log("after the end, on home:", await row.count());
  await page.goto(`${base}/app/sessions?when=past`);
  await page.locator(sel("sessions-past")).waitFor();
  await shot(page, "sessions-past-ended");
  await page.goto(`${base}/app/meetings/${id}/about`);
  await page.locator(sel("session-details")).waitFor();
  await shot(page, "about-ended");
  console.log("start button on the ended class:", await page.locator(sel("start-class")).count());
  await teacher.close();
}

if (mode === "all" || mode === "student") {
  await session("student01@demo.test", async (page) => {
    await page.locator(sel("home-student-sessions")).waitFor();
    await page.waitForTimeout(1000);
    await shot(page, "student-home");
    const rsvp = page.locator(sel("rsvp-accepted")).first();
    if (await rsvp.count()) {
      await rsvp.click();
      await page.waitForTimeout(800);
      await shot(page, "student-rsvp");
    }
    await page.goto(`${base}/app/my-zoom`);
    await page.waitForTimeout(800);
    await shot(page, "student-my-zoom-forbidden");
    await page.goto(`${base}/app/schedule`);
    await page.waitForTimeout(800);
    await shot(page, "student-schedule-forbidden");
  });
}

if (mode === "all" || mode === "parent") {
  await session("parent01@demo.test", async (page) => {
    await page.locator(sel("home-child-sessions")).first().waitFor();
    await page.waitForTimeout(800);
    await shot(page, "parent-home");
  });
}

await browser.close();
console.log(logs.length ? logs.join("\n") : "no console errors");
