// A walk through the admin's screens as the demo admin, with screenshots (English and Bengali,
// 1200 px and 390 px wide). Against a running stack (`make up`):
//   WALK_BASE_URL=http://demo.localhost:8000 node tests/admin-walk.mjs
// Environment: WALK_EMAIL (admin@demo.test), WALK_PASSWORD (liveroll-demo), WALK_OUT
// (test-results/admin), CHROMIUM (/usr/bin/chromium). Prints one line per step; exits 1 on
// a failed step or a page error.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const base = (process.env.WALK_BASE_URL ?? "http://demo.localhost:8000").replace(/\/$/, "");
const out = process.env.WALK_OUT ?? fileURLToPath(new URL("../test-results/admin/", import.meta.url));
const only = process.env.WALK_ONLY ?? "";
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});

async function session(width, language) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: language === "bn" ? "bn-BD" : "en-GB" });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => problems.push(`pageerror ${e}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console ${m.text()}`));
  await page.goto(`${base}/app/`);
  await page.locator(sel("signin-email")).fill(process.env.WALK_EMAIL ?? "admin@demo.test");
  await page.locator(sel("signin-password")).fill(process.env.WALK_PASSWORD ?? "liveroll-demo");
  await page.locator(sel("signin-submit")).click();
  await page.locator(sel("home")).waitFor();
  // the person's language: through the API, as the profile page does
  await page.evaluate(async (lang) => {
    const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
    await fetch("/graphql/", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ query: `mutation($l: String) { setMyPreferences(language: $l) { errors { message } } }`, variables: { l: lang } }),
    });
  }, language);
  await page.goto(`${base}/app/`);
  await page.locator(sel("home")).waitFor();
  return { page, context };
}

async function step(name, fn) {
  if (only && !name.includes(only)) return;
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    problems.push(`${name}: ${e.message.split("\n")[0]}`);
    console.log(`FAIL ${name}: ${e.message.split("\n")[0]}`);
  }
}

for (const [width, language] of [
  [1200, "en"],
  [390, "en"],
  [1200, "bn"],
  [390, "bn"],
]) {
  const tag = `${language}-${width}`;
  const { page, context } = await session(width, language);
  const shot = (name) => page.screenshot({ path: `${out}/${name}-${tag}.png`, fullPage: true });

  await step(`${tag} home checklist`, async () => {
    await page.locator(sel("getting-started")).waitFor();
    await shot("01-home");
  });
  await step(`${tag} zoom settings`, async () => {
    await page.goto(`${base}/app/settings/zoom`);
    await page.locator(sel("zoom-form")).waitFor();
    await page.locator(sel("zoom-guide")).evaluate((d) => (d.open = true));
    await shot("02-zoom");
    await page.locator(sel("zoom-test")).click();
    await page.locator(sel("zoom-test-result")).or(page.locator(sel("zoom-test-errors"))).first().waitFor();
    await shot("03-zoom-tested");
  });
  if (tag === "en-1200" || tag === "bn-390") {
    await step(`${tag} zoom test failure`, async () => {
      // a wrong secret: the test saves, asks Zoom, and says what Zoom answered and what to fix
      await page.locator(sel("zoom-client-secret")).fill("a-wrong-secret");
      await page.locator(sel("zoom-test")).click();
      await page.locator(`${sel("zoom-test-result")}[data-outcome="bad_credentials"]`).waitFor();
      await shot("03b-zoom-test-failed");
      await page.locator(sel("zoom-client-secret")).fill("demo-client-secret");
      await page.locator(sel("zoom-test")).click();
      await page.locator(`${sel("zoom-test-result")}[data-outcome="ok"]`).waitFor();
    });
    await step(`${tag} policy errors and saved`, async () => {
      await page.goto(`${base}/app/settings/attendance`);
      await page.locator(sel("attendance-grace")).fill("-5");
      await page.locator(sel("policy-attendance-save")).click();
      await page.locator(`${sel("policy-attendance")} .field.invalid`).waitFor();
      await page.locator(sel("reminder-offsets")).fill("1440, 60, 30");
      await page.locator(sel("policy-reminders-save")).click();
      await page.locator(sel("policy-reminders-saved")).waitFor();
      await shot("05b-policies-errors-and-saved");
      await page.locator(sel("reminder-offsets")).fill("30");
      await page.locator(sel("policy-reminders-save")).click();
      await page.locator(sel("policy-reminders-saved")).waitFor();
    });
  }
  await step(`${tag} connections`, async () => {
    await page.goto(`${base}/app/settings/zoom-connections`);
    await page.locator(sel("zoom-connections")).waitFor();
    await shot("04-connections");
    // a connection to revoke (if the school has one): asked first, then done
    const revoke = page.locator(sel("zoom-connection-revoke")).first();
    if (tag === "en-1200" && (await revoke.count())) {
      await revoke.click();
      await page.locator(sel("confirm-dialog")).waitFor();
      await page.screenshot({ path: `${out}/04b-connections-revoke-${tag}.png` });
      await page.locator(sel("confirm-ok")).click();
      await page.locator(sel("zoom-connection-said")).waitFor();
      await shot("04c-connections-revoked");
    }
  });
  for (const tab of ["attendance", "joining", "school"]) {
    await step(`${tag} policies ${tab}`, async () => {
      await page.goto(`${base}/app/settings/${tab}`);
      await page.locator("form").first().waitFor();
      await shot(`05-policies-${tab}`);
    });
  }
  await step(`${tag} live`, async () => {
    await page.goto(`${base}/app/live`);
    await page.locator(sel("live-classes")).waitFor();
    await shot("06-live");
  });
  await step(`${tag} audit`, async () => {
    await page.goto(`${base}/app/audit`);
    await page.locator(sel("audit-log")).waitFor();
    await shot("07-audit");
    await page.locator(sel("audit-preset-denied")).click();
    await page.waitForURL(/action=join.denied/);
    await page.locator(sel("audit-log")).waitFor();
    await shot("08-audit-denied");
    if (tag === "en-1200") {
      // a person, then a date range: each filter lands in the address
      await page.locator(sel("audit-preset-all")).click();
      await page.locator(sel("audit-person-search")).fill("admin");
      await page.locator(sel("audit-person-pick")).first().click();
      await page.waitForURL(/person=\d+/);
      await page.locator(sel("audit-person-chosen")).waitFor();
      const today = new Date().toISOString().slice(0, 10);
      await page.locator(sel("audit-from")).fill(today);
      await page.waitForURL(/from=/);
      await page.locator(sel("audit-log")).waitFor();
      await shot("08b-audit-person-and-dates");
    }
  });
  await step(`${tag} mail`, async () => {
    await page.goto(`${base}/app/mail`);
    await page.locator(sel("mail-outbox")).waitFor();
    await shot("09-mail");
  });
  await context.close();
}

// A school just signed up (WALK_FRESH_URL, its admin WALK_FRESH_EMAIL / WALK_FRESH_PASSWORD,
// email not confirmed): the checklist greets it, and the Zoom page says why Zoom waits.
if (process.env.WALK_FRESH_URL) {
  const fresh = process.env.WALK_FRESH_URL.replace(/\/$/, "");
  for (const [width, language] of [
    [1200, "en"],
    [390, "bn"],
  ]) {
    const tag = `fresh-${language}-${width}`;
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    page.on("pageerror", (e) => problems.push(`pageerror ${e}`));
    const shot = (name) => page.screenshot({ path: `${out}/${name}-${tag}.png`, fullPage: true });
    await step(`${tag} empty school`, async () => {
      await page.goto(`${fresh}/app/`);
      await page.locator(sel("signin-email")).fill(process.env.WALK_FRESH_EMAIL);
      await page.locator(sel("signin-password")).fill(process.env.WALK_FRESH_PASSWORD);
      await page.locator(sel("signin-submit")).click();
      await page.locator(sel("checklist-welcome")).waitFor();
      await page.evaluate(async (lang) => {
        const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
        await fetch("/graphql/", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ query: `mutation($l: String) { setMyPreferences(language: $l) { errors { message } } }`, variables: { l: lang } }),
        });
      }, language);
      await page.goto(`${fresh}/app/`);
      await page.locator(sel("checklist-welcome")).waitFor();
      await shot("10-empty-school");
      await page.goto(`${fresh}/app/settings/zoom`);
      await page.locator(sel("zoom-email-unconfirmed")).waitFor();
      await page.locator(sel("zoom-client-id")).fill("new-client");
      // saving and testing wait for the confirmed address; the page says so
      if (!(await page.locator(sel("zoom-save")).isDisabled())) throw new Error("Save is offered before the email is confirmed");
      if (!(await page.locator(sel("zoom-test")).isDisabled())) throw new Error("Test is offered before the email is confirmed");
      await shot("11-zoom-unconfirmed");
      const text = await page.locator("body").innerText();
      if (/ask an admin/i.test(text)) throw new Error("the new school's admin is told to ask an admin");
    });
    await context.close();
  }
}

await browser.close();
if (problems.length) {
  console.log(problems.join("\n"));
  process.exit(1);
}
