// A walk through the people area as the demo school's admin (and a teacher), against a running
// `make up`, saving screenshots: people, invite (an error, then a success), pending
// invitations, the CSV import of docs/people-sample.csv (preview, progress, result) and of a
// large generated file (2,000 people with their invitations, to watch the progress bar move), classes and one class; then the same at
// 390 px wide and in Bengali; then a teacher's read-only class.
//
// Environment: WALK_BASE_URL (default http://demo.localhost:8000), WALK_OUT (default
// frontend/test-results/people), CHROMIUM (default /usr/bin/chromium), DEMO_PASSWORD.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const base = (process.env.WALK_BASE_URL ?? "http://demo.localhost:8000").replace(/\/$/, "");
const out = process.env.WALK_OUT ?? fileURLToPath(new URL("../test-results/people/", import.meta.url));
const password = process.env.DEMO_PASSWORD ?? "liveroll-demo";
const sample = fileURLToPath(new URL("../../docs/people-sample.csv", import.meta.url));
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;
const log = (...args) => console.log(new Date().toISOString().slice(11, 19), ...args);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});
const problems = [];

async function session(email, viewport = { width: 1200, height: 850 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => problems.push(`pageerror: ${e}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${base}/app/`);
  await page.fill(sel("signin-email"), email);
  await page.fill(sel("signin-password"), password);
  await page.click(sel("signin-submit"));
  await page.waitForSelector(sel("nav-home"), { state: "attached" });
  return { context, page };
}

const shot = async (page, name) => {
  // a phone's screenful at 390 px, the whole page otherwise
  const narrow = (page.viewportSize()?.width ?? 1200) < 500;
  await page.evaluate(() => document.fonts.ready); // Bengali glyphs load on first use
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: !narrow });
  log("screenshot", name);
};

async function setLanguage(page, language) {
  await page.evaluate(async (language) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
    await fetch("/graphql/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ query: `mutation { setMyPreferences(language: "${language}") { errors { message } } }` }),
    });
  }, language);
}

async function importFile(page, path, name, { watch = false, invite = true } = {}) {
  await page.goto(`${base}/app/people/import`);
  await page.setInputFiles(sel("import-file"), path);
  await page.waitForSelector(sel("import-preview"), { timeout: 60000 });
  await shot(page, `${name}-preview`);
  const start = page.locator(sel("import-start"));
  if (await start.isDisabled()) {
    log(name, "nothing to import (already imported)");
    return;
  }
  if (!invite) await page.uncheck(sel("import-invite"));
  await start.click();
  if (watch) {
    const bar = await page.waitForSelector(sel("import-progress"), { timeout: 15000 }).catch(() => null);
    if (bar) await shot(page, `${name}-progress`);
    // a determinate bar part of the way
    const moving = await page
      .waitForFunction(() => Number(document.querySelector('[data-test-id="import-progress-bar"] progress')?.getAttribute("value")) > 400, null, {
        timeout: 60000,
      })
      .catch(() => null);
    if (moving) await shot(page, `${name}-progress-moving`);
  }
  await page.waitForSelector(`${sel("import-done")}, ${sel("import-failed")}`, { timeout: 180000 });
  await shot(page, `${name}-result`);
}

const stamp = Date.now();
try {
  // --- the admin, English, desktop ---------------------------------------------------------
  const { context, page } = await session("admin@demo.test");
  await setLanguage(page, "en");
  await page.goto(`${base}/app/`);
  await page.waitForSelector(sel("people-home"));
  await shot(page, "00-home");
  await page.goto(`${base}/app/people`);
  await page.waitForSelector(sel("people-list"));
  await shot(page, "01-people");

  await page.click(sel("people-invite-open"));
  await page.fill(sel("invite-name"), "Rumi Akter");
  await page.fill(sel("invite-email"), "not-an-address");
  await page.click(sel("invite-submit"));
  await page.waitForSelector(".field.invalid");
  await shot(page, "02-invite-error");
  const invitee = `rumi.${Date.now()}@example.org`;
  await page.fill(sel("invite-email"), invitee);
  await page.click(sel("invite-submit"));
  await page.waitForSelector(sel("people-notice"));
  await page.goto(`${base}/app/people/invitations`);
  await page.waitForSelector(`${sel("invitation-row")}[data-email="${invitee}"]`);
  await shot(page, "03-pending");
  // resend and revoke it
  const invitation = page.locator(`${sel("invitation-row")}[data-email="${invitee}"]`);
  await invitation.locator(sel("invitation-resend")).click();
  await page.waitForSelector(sel("people-notice"));
  await invitation.locator(sel("invitation-revoke")).click();
  await page.waitForSelector(sel("confirm-dialog"));
  await shot(page, "03b-revoke-confirm");
  await page.click(sel("confirm-ok"));
  await page.waitForSelector(`${sel("invitation-row")}[data-email="${invitee}"]`, { state: "detached" });


  await importFile(page, sample, "04-import-sample", { watch: true });

  // a large file (new students each run), to see the bar move
  const rows = ["email,name,role,classes,parent_emails"];
  for (let i = 0; i < 2000; i++) rows.push(`bulk${stamp}.${i}@example.org,Bulk Student ${i},student,,`);
  rows.push("broken-email,Broken,student,,", `bulk${stamp}.x@example.org,Wrong,principal,,`);
  const big = `${out}/bulk.csv`;
  writeFileSync(big, `${rows.join("\n")}\n`);
  await importFile(page, big, "05-import-bulk", { watch: true });

  await page.goto(`${base}/app/people`);
  await page.fill(sel("people-search"), "Karim");
  await page.waitForSelector(`${sel("person-row")}[data-email="karim@example.org"]`);
  await shot(page, "06-people-search");

  // link a child, delete a person
  await page.goto(`${base}/app/people`);
  await page.fill(sel("people-search"), "parent01");
  const parent = page.locator(`${sel("person-row")}[data-email="parent01@demo.test"]`);
  await parent.waitFor();
  await parent.locator(sel("person-link-child")).click();
  await parent.locator(sel("link-child-picker-search")).fill("student0");
  await parent.locator('[data-email^="student0"]').first().waitFor();
  const child = parent.locator(`.picker-results li:has(${sel("link-child-picker-pick")})`).first();
  const childEmail = await child.getAttribute("data-email");
  await child.locator(sel("link-child-picker-pick")).click();
  await page.waitForSelector(sel("people-notice"));
  log("linked", childEmail);
  await shot(page, "06b-linked-child");
  await page.fill(sel("people-search"), "Bulk Student 1");
  const doomed = page.locator(`${sel("person-row")}[data-email^="bulk"]`).first();
  await doomed.waitFor();
  const doomedEmail = await doomed.getAttribute("data-email");
  await doomed.locator(sel("person-delete")).click();
  await page.waitForSelector(sel("confirm-dialog"));
  await shot(page, "06c-delete-confirm");
  await page.click(sel("confirm-ok"));
  await page.waitForSelector(`${sel("person-row")}[data-email="${doomedEmail}"]`, { state: "detached" });
  await page.fill(sel("people-search"), "teacher2");
  const teacher2 = page.locator(`${sel("person-row")}[data-email="teacher2@demo.test"]`);
  await teacher2.waitFor();
  await teacher2.locator(sel("person-delete")).click();
  await page.waitForSelector(sel("delete-successor"));
  await shot(page, "06d-delete-teacher-confirm");
  await page.click(sel("confirm-cancel"));

  // a new class: its teacher, renamed, a student enrolled and taken out again
  await page.goto(`${base}/app/classes`);
  await page.waitForSelector(sel("class-card"));
  await page.click(sel("class-create-open"));
  await page.fill(sel("class-name"), "Demo CLASS");
  await page.click(sel("class-create-submit"));
  await page.waitForSelector(`${sel("class-create")} .field.invalid`);
  await shot(page, "07a-class-duplicate");
  await page.fill(sel("class-name"), `Physics ${stamp}`);
  await page.fill(sel("class-teacher-picker-search"), "teacher2");
  await page.locator(`[data-email="teacher2@demo.test"] ${sel("class-teacher-picker-pick")}`).click();
  await page.click(sel("class-create-submit"));
  await page.waitForSelector(sel("class-page"));
  await page.click(sel("class-rename-open"));
  await page.fill(sel("class-rename-name"), `Physics ${stamp} (morning)`);
  await page.click(sel("class-rename-submit"));
  await page.waitForSelector(sel("class-notice"));
  await page.click(sel("class-enrol-open"));
  await page.fill(sel("class-student-picker-search"), "student03");
  await page.locator(`[data-email="student03@demo.test"] ${sel("class-student-picker-pick")}`).click();
  await page.waitForSelector(sel("class-student"));
  await shot(page, "07b-new-class");
  await page.locator(sel("class-unenrol")).first().click();
  await page.waitForSelector(sel("confirm-dialog"));
  await shot(page, "07c-unenrol-confirm");
  await page.click(sel("confirm-ok"));
  await page.waitForSelector(sel("class-student"), { state: "detached" });

  await page.goto(`${base}/app/classes`);
  await page.waitForSelector(sel("class-card"));
  await shot(page, "07-classes");
  await page.click(`${sel("class-card")} >> text=Demo class`);
  await page.waitForSelector(sel("class-students"));
  await page.click(sel("class-enrol-open"));
  await page.fill(sel("class-student-picker-search"), "student0");
  await page.waitForSelector(".picker-results");
  await shot(page, "08-class");
  await context.close();

  // --- 390 px wide -------------------------------------------------------------------------
  const narrow = await session("admin@demo.test", { width: 390, height: 844 });
  await narrow.page.goto(`${base}/app/people`);
  await narrow.page.waitForSelector(sel("people-list"));
  await shot(narrow.page, "10-narrow-people");
  await narrow.page.goto(`${base}/app/people/import`);
  await narrow.page.setInputFiles(sel("import-file"), sample);
  await narrow.page.waitForSelector(sel("import-preview"));
  await shot(narrow.page, "11-narrow-import-preview");
  await narrow.page.goto(`${base}/app/classes`);
  await narrow.page.waitForSelector(sel("class-card"));
  await narrow.page.click(sel("class-card"));
  await narrow.page.waitForSelector(sel("class-students"));
  await shot(narrow.page, "12-narrow-class");

  // --- Bengali -----------------------------------------------------------------------------
  await setLanguage(narrow.page, "bn");
  await narrow.page.goto(`${base}/app/people`);
  await narrow.page.waitForSelector(sel("people-list"));
  await shot(narrow.page, "20-bn-people");
  await narrow.page.goto(`${base}/app/people/import`);
  await narrow.page.setInputFiles(sel("import-file"), big);
  await narrow.page.waitForSelector(sel("import-preview"), { timeout: 60000 });
  await shot(narrow.page, "21-bn-import-preview");
  await narrow.page.goto(`${base}/app/classes`);
  await narrow.page.waitForSelector(sel("class-card"));
  await shot(narrow.page, "22-bn-classes");
  await narrow.page.goto(`${base}/app/people/invitations`);
  await narrow.page.waitForSelector(sel("pending-list"));
  await shot(narrow.page, "23-bn-pending");
  await setLanguage(narrow.page, "en");
  await narrow.context.close();

  // --- a teacher ---------------------------------------------------------------------------
  const teacher = await session("teacher1@demo.test");
  await teacher.page.goto(`${base}/app/classes`);
  await teacher.page.waitForSelector(sel("class-card"));
  await shot(teacher.page, "30-teacher-classes");
  await teacher.page.click(sel("class-card"));
  await teacher.page.waitForSelector(sel("class-students"));
  await shot(teacher.page, "31-teacher-class");
  await teacher.page.goto(`${base}/app/people`);
  await teacher.page.waitForLoadState("networkidle");
  await shot(teacher.page, "32-teacher-people-forbidden");
  await teacher.context.close();
} catch (e) {
  problems.push(String(e));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
log("walk done");

