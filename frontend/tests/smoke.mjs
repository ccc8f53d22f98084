// Browser smoke of the SPA against a running server, driven by tests/test_spa_smoke.py.
//
// Signs in, opens a meeting's live room from the home page, waits for the participants'
// snapshot and invites a guest; then reads expectations from stdin, one JSON object a line, and answers each on
// stdout. Every line it prints is one JSON object with an "event" field:
//   {"event": "ready"}                      the room shows its snapshot (observer installed)
//   {"event": "seen", "names": {name: epoch ms first shown}, "countAt": epoch ms, ...}
//   {"event": "done"} / {"event": "error", "message": ...}
// An expectation: {"names": [...], "absent": [...], "count": n, "reconnected": bool,
// "screenshot": "file.png"}; the line "done" ends the run.
//
// Environment: SMOKE_BASE_URL (http://alpha.localhost:PORT), SMOKE_EMAIL, SMOKE_PASSWORD,
// SMOKE_MEETING_ID, SMOKE_OUT (screenshots; default frontend/test-results), CHROMIUM
// (default /usr/bin/chromium), SMOKE_TIMEOUT_MS (each wait; default 30000).
import { mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const base = env("SMOKE_BASE_URL").replace(/\/$/, "");
const meetingId = env("SMOKE_MEETING_ID");
const out = env("SMOKE_OUT", fileURLToPath(new URL("../test-results/", import.meta.url)));
const timeout = Number(env("SMOKE_TIMEOUT_MS", "30000"));
mkdirSync(out, { recursive: true });

const say = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const sel = (id) => `[data-test-id="${id}"]`;

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // *.localhost is the school's host; the system resolver here does not know it.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
  ],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
page.setDefaultTimeout(timeout);
page.on("pageerror", (error) => say("pageerror", { message: String(error) }));
page.on("console", (message) => {
  if (message.type() === "error") say("console", { message: message.text() });
});

async function shot(name) {
  await page.screenshot({ path: `${out}/${name}`, fullPage: true });
}

/** Records in the page when each participant name is first shown, when the live count last
 * changed, and every connection state the room showed. */
function observe() {
  const seen = (window.__smoke = { names: {}, count: null, countAt: null, states: [] });
  const scan = () => {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-test-id="participant-name"]')) {
      const name = el.textContent.trim();
      if (!(name in seen.names)) seen.names[name] = now;
    }
    const count = document.querySelector('[data-test-id="live-count"]')?.textContent.trim() ?? null;
    if (count !== seen.count) Object.assign(seen, { count, countAt: now });
    const state = document.querySelector('[data-test-id="connection"]')?.dataset.state;
    if (state && seen.states.at(-1) !== state) seen.states.push(state);
  };
  new MutationObserver(scan).observe(document.body, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
  scan();
}

/** Waits until the room shows `names` (and none of `absent`) with the live count `count`. */
async function expect({ names = [], absent = [], count, reconnected = false, screenshot }) {
  await page.waitForFunction(
    ({ names, absent, count, reconnected }) => {
      const shown = [...document.querySelectorAll('[data-test-id="participant-name"]')].map((el) =>
        el.textContent.trim(),
      );
      const live = document.querySelector('[data-test-id="live-count"]')?.textContent.trim();
      const states = window.__smoke.states;
      return (
        names.every((n) => shown.includes(n)) &&
        !absent.some((n) => shown.includes(n)) &&
        (count === undefined || live === String(count)) &&
        (!reconnected || (states.includes("reconnecting") && states.at(-1) === "connected"))
      );
    },
    { names, absent, count, reconnected },
    { timeout, polling: "raf" },
  );
  const smoke = await page.evaluate(() => window.__smoke);
  const shown = await page.locator(sel("participant-name")).allTextContents();
  if (screenshot) await shot(screenshot);
  say("seen", {
    names: Object.fromEntries(names.map((n) => [n, smoke.names[n]])),
    shown,
    count: smoke.count,
    countAt: smoke.countAt,
    states: smoke.states,
  });
}

try {
  // Signed out, /app/ shows the sign-in form.
  await page.goto(`${base}/app/`);
  await page.locator(sel("signin-form")).waitFor();
  await page.locator(sel("signin-email")).fill(env("SMOKE_EMAIL"));
  await page.locator(sel("signin-password")).fill("not-the-password");
  await page.locator(sel("signin-submit")).click();
  await page.locator(sel("signin-errors")).waitFor(); // "Wrong email or password." beside the form
  await shot("signin-error.png");
  await page.locator(sel("signin-password")).fill(env("SMOKE_PASSWORD"));
  await page.locator(sel("signin-submit")).click();

  // Home lists the meeting; its "Live room" link opens the room inside the app.
  await page.locator(sel("home")).waitFor();
  const row = page.locator(`${sel("meeting")}[data-meeting-id="${meetingId}"]`).first();
  await row.waitFor();
  await shot("home.png");
  await row.locator(sel("open-room")).click();
  await page.waitForURL(`${base}/app/meetings/${meetingId}`);
  await page.locator(`${sel("participants")}[data-ready="true"]`).waitFor();
  await page.locator(`${sel("connection")}[data-state="connected"]`).waitFor();
  // The teacher invites a guest from the room: listed at once (their link goes by mail).
  const invite = page.locator(sel("invite-guest"));
  await invite.locator("input").nth(0).fill("Smoke Guest");
  await invite.locator("input").nth(1).fill("smoke.guest@example.org");
  await invite.locator("button").click();
  await page.locator(sel("guest"), { hasText: "Smoke Guest" }).waitFor();
  await shot("guests.png");
  await page.evaluate(observe);
  say("ready", { url: page.url() });

  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    if (line.trim() === "done") break;
    await expect(JSON.parse(line));
  }
  say("done");
} catch (error) {
  await shot("failure.png").catch(() => undefined);
  say("error", { message: String(error?.message ?? error) });
  process.exitCode = 1;
} finally {
  await browser.close();
  process.stdin.destroy(); // readline keeps it open otherwise, and with it this process
}
