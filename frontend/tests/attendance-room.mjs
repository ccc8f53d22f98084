// The live room through the end of a class, in a browser against a running server, driven by
// tests/attendance/test_room_browser.py (the same JSON-lines protocol as smoke.mjs).
//
// Signs in as the teacher, opens the meeting's room and says {"event": "ready"}; then, for each
// expectation read from stdin, waits until the page shows it and answers {"event": "seen", ...}
// with what the page shows. An expectation: {"names": [...], "count": n, "ended": bool,
// "register": ["Name:STATUS", ...] (the register's rows, in order), "screenshot": "file.png",
// "action": "end-class" (first click End class and confirm)}.
// The line "done" ends the run. The page is never reloaded: whatever it shows came live.
//
// Environment: ROOM_BASE_URL, ROOM_EMAIL, ROOM_PASSWORD, ROOM_MEETING_ID, ROOM_OUT (screenshots),
// CHROMIUM (default /usr/bin/chromium), ROOM_TIMEOUT_MS (each wait; default 30000).
import { mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const base = env("ROOM_BASE_URL").replace(/\/$/, "");
const out = env("ROOM_OUT");
const timeout = Number(env("ROOM_TIMEOUT_MS", "30000"));
mkdirSync(out, { recursive: true });
const say = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
const sel = (id) => `[data-test-id="${id}"]`;

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});
const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
page.setDefaultTimeout(timeout);
page.on("pageerror", (error) => say("pageerror", { message: String(error) }));

/** What the room shows now. */
function shown() {
  const text = (el) => el.textContent.trim();
  const q = (id) => document.querySelector(`[data-test-id="${id}"]`);
  return {
    names: [...document.querySelectorAll('[data-test-id="participant-name"]')].map(text),
    count: q("live-count")?.textContent.trim() ?? null,
    ended: q("room-empty")?.dataset.ended === "true",
    register: [...document.querySelectorAll('[data-test-id="register-row"]')].map(
      (row) => `${text(row.querySelector('[data-test-id="register-name"]'))}:${row.querySelector('[data-test-id="attendance-status"]').dataset.status}`,
    ),
    sameDocument: window.__roomMarker === true,
  };
}

try {
  await page.goto(`${base}/app/`);
  await page.locator(sel("signin-email")).fill(env("ROOM_EMAIL"));
  await page.locator(sel("signin-password")).fill(env("ROOM_PASSWORD"));
  await page.locator(sel("signin-submit")).click();
  await page.locator(sel("home")).waitFor();
  await page.goto(`${base}/app/meetings/${env("ROOM_MEETING_ID")}`);
  await page.locator(`${sel("participants")}[data-ready="true"]`).waitFor();
  await page.locator(`${sel("connection")}[data-state="connected"]`).waitFor();
  // The page's own copy of shown() (a page with a strict CSP may not eval strings itself).
  await page.evaluate(`window.__roomMarker = true; window.__shown = ${shown.toString()};`);
  say("ready");
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    if (line.trim() === "done") break;
    const want = JSON.parse(line);
    if (want.action === "end-class") {
      // "End class" asks first; only the dialog's confirm ends it.
      await page.locator(sel("end-class")).click();
      await page.locator(sel("confirm-dialog")).waitFor();
      if (want.screenshot) await page.screenshot({ path: `${out}/confirm-${want.screenshot}`, fullPage: true });
      await page.locator(sel("confirm-ok")).click();
    }
    try {
      await page.waitForFunction(
        (want) => {
          const now = window.__shown();
          return (
            (want.names === undefined || JSON.stringify(now.names) === JSON.stringify(want.names)) &&
            (want.count === undefined || now.count === String(want.count)) &&
            (want.ended === undefined || now.ended === want.ended) &&
            (want.register === undefined || JSON.stringify(now.register) === JSON.stringify(want.register))
          );
        },
        want,
        { timeout, polling: 100 },
      );
    } catch {
      // answer with what the page shows: the test says what differs
    }
    if (want.screenshot) await page.screenshot({ path: `${out}/${want.screenshot}`, fullPage: true });
    say("seen", await page.evaluate(shown));
  }
  say("done");
} catch (error) {
  await page.screenshot({ path: `${out}/attendance-room-failure.png`, fullPage: true }).catch(() => undefined);
  say("error", { message: String(error?.message ?? error) });
  process.exitCode = 1;
} finally {
  await browser.close();
  process.stdin.destroy();
}
