// A session's recording page and the transcript search in Chromium, driven by
// tests/attendance/test_recording_browser.py: each visit signs in, opens the recording page and
// notes what a person would see (the files, Delete, the summary, the transcript, or that it is
// not available); a visit with `search` then searches that word and follows the first hit to
// the cue it names. Prints one JSON report.
//
// Environment: REC_BASE_URL (http://alpha.localhost:PORT), REC_VISITS (JSON list of
// {name, email, password, meetingId, search?, width?}), REC_OUT (screenshots), CHROMIUM,
// REC_TIMEOUT_MS. A visit with `settings` (an admin's) fills the Recordings tab of the school's
// settings with them instead: {students, days, endpoint, model, key} and saves. A visit with
// `delete` deletes the page's recording (and confirms) after reading the page.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.REC_BASE_URL.replace(/\/$/, "");
const visits = JSON.parse(process.env.REC_VISITS);
const out = process.env.REC_OUT;
const timeout = Number(process.env.REC_TIMEOUT_MS ?? "20000");
mkdirSync(out, { recursive: true });
const sel = (id) => `[data-test-id="${id}"]`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--host-resolver-rules=MAP *.localhost 127.0.0.1"],
});

/** What the recording page shows once it has settled. */
async function readRecordingPage(page) {
  await page.locator(`${sel("recording-page")} h1`).waitFor();
  await page
    .locator(`${sel("cues")}[data-loaded="true"], ${sel("recording-unavailable")}, ${sel("recording-nothing")}, ${sel("transcript-pending")}`)
    .first()
    .waitFor();
  return page.evaluate(() => {
    const q = (id) => document.querySelector(`[data-test-id="${id}"]`);
    const all = (id) => [...document.querySelectorAll(`[data-test-id="${id}"]`)];
    return {
      title: document.querySelector("main h1")?.textContent ?? "",
      unavailable: Boolean(q("recording-unavailable")),
      nothing: Boolean(q("recording-nothing")),
      files: all("recording-file").map((f) => f.getAttribute("data-kind")),
      play: all("recording-play").map((a) => a.getAttribute("href")),
      download: all("recording-download").map((a) => a.getAttribute("href")),
      canDelete: Boolean(q("recording-delete")),
      summary: q("summary-text")?.textContent ?? null,
      summaryMethod: q("summary-method")?.getAttribute("data-method") ?? null,
      rewrite: Boolean(q("summary-rewrite")),
      actionItems: all("action-item").map((li) => li.textContent),
      cues: all("cue").length,
      firstCue: q("cue-text")?.textContent ?? null,
    };
  });
}

/** Searches `word`, follows the first hit, and says where the transcript landed. */
async function searchAndFollow(page, word) {
  await page.goto(`${base}/app/recordings/search`);
  await page.locator(sel("recording-search-query")).fill(word);
  await page.locator(sel("recording-search-submit")).click();
  await page.locator(`${sel("search-hit")}, ${sel("search-empty")}, ${sel("search-error")}`).first().waitFor();
  const found = await page.evaluate(() => ({
    address: window.location.pathname + window.location.search,
    total: Number(document.querySelector('[data-test-id="search-total"]')?.getAttribute("data-total") ?? 0),
    hits: [...document.querySelectorAll('[data-test-id="search-hit"]')].map((hit) => ({
      meetingId: hit.getAttribute("data-meeting-id"),
      startMs: Number(hit.getAttribute("data-start-ms")),
      marked: [...hit.querySelectorAll("mark")].map((m) => m.textContent),
    })),
    error: document.querySelector('[data-test-id="search-error"]')?.textContent ?? null,
  }));
  if (!found.hits.length) return { ...found, landed: null };
  await page.locator(sel("search-hit-link")).first().click();
  await page.locator(".cue.target").waitFor();
  await page.waitForTimeout(300); // scrolled into view
  const landed = await page.evaluate(() => {
    const cue = document.querySelector(".cue.target");
    const box = cue.getBoundingClientRect();
    return {
      address: window.location.pathname + window.location.search + window.location.hash,
      position: Number(cue.getAttribute("data-position")),
      startMs: Number(cue.getAttribute("data-start-ms")),
      text: cue.querySelector('[data-test-id="cue-text"]').textContent,
      marked: [...cue.querySelectorAll("mark")].map((m) => m.textContent),
      inView: box.top >= 0 && box.bottom <= window.innerHeight,
      findBox: document.querySelector('[data-test-id="transcript-find"]').value,
    };
  });
  return { ...found, landed };
}

/** The school's Recordings tab: fill, save, and note what it said. */
async function saveSettings(page, want) {
  await page.goto(`${base}/app/settings/recordings`);
  await page.locator(sel("recording-settings")).waitFor();
  const before = await page.evaluate(() => ({
    keyState: document.querySelector('[data-test-id="recording-settings-key-state"]')?.getAttribute("data-action") ?? "none",
  }));
  const students = page.locator(sel("recording-settings-students"));
  if ((await students.isChecked()) !== want.students) await students.click();
  await page.locator(sel("recording-settings-days")).fill(want.days);
  await page.locator(sel("recording-settings-endpoint")).fill(want.endpoint);
  await page.locator(sel("recording-settings-model")).fill(want.model);
  if (before.keyState !== "none") await page.locator(sel("recording-settings-key-replace")).click();
  await page.locator(sel("recording-settings-key")).fill(want.key);
  await page.locator(sel("recording-settings-save")).click();
  await page.locator(`${sel("recording-settings-saved")}, ${sel("recording-settings-errors")}, .field.invalid`).first().waitFor();
  return page.evaluate(() => ({
    saved: Boolean(document.querySelector('[data-test-id="recording-settings-saved"]')),
    errors: [...document.querySelectorAll('[data-test-id="recording-settings"] .errors li')].map((li) => li.textContent),
    keyState: document.querySelector('[data-test-id="recording-settings-key-state"]')?.getAttribute("data-action") ?? "none",
    keyShown: [...document.querySelectorAll("input")].some((i) => i.value.includes("sk-")),
  }));
}

const report = { visits: [] };
for (const visit of visits) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: visit.width ?? 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (error) => problems.push(`script error: ${error}`));
  page.on("console", (message) => {
    // an error answer of a query the page expects to fail (not allowed) is logged by nobody;
    // the websocket's reconnects are expected noise
    if (message.type() === "error" && !/WebSocket/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  const result = { name: visit.name };
  try {
    await page.goto(`${base}/app/`);
    await page.locator(sel("signin-email")).fill(visit.email);
    await page.locator(sel("signin-password")).fill(visit.password);
    await page.locator(sel("signin-submit")).click();
    await page.locator(sel("home")).waitFor();
    if (visit.settings) {
      result.settings = await saveSettings(page, visit.settings);
      await page.screenshot({ path: `${out}/${visit.name}-settings.png`, fullPage: true });
      report.visits.push({ ...result, problems });
      await context.close();
      continue;
    }
    const began = Date.now();
    await page.goto(`${base}/app/meetings/${visit.meetingId}/recording`);
    result.page = await readRecordingPage(page);
    result.page.settledMs = Date.now() - began; // a figure to read, never asserted
    await page.screenshot({ path: `${out}/${visit.name}-recording.png`, fullPage: true });
    if (visit.delete) {
      await page.locator(sel("recording-delete")).click();
      await page.locator(sel("confirm-dialog")).waitFor();
      await page.locator(sel("confirm-ok")).click();
      await page.locator(`${sel("recording-deleted-notice")}, ${sel("recording-delete-errors")}`).first().waitFor();
      await page.waitForTimeout(500); // the page reads the session again
      result.deleted = await page.evaluate(() => ({
        notice: document.querySelector('[data-test-id="recording-deleted-notice"]')?.textContent ?? null,
        errors: [...document.querySelectorAll('[data-test-id="recording-delete-errors"] li')].map((li) => li.textContent),
        files: document.querySelectorAll('[data-test-id="recording-file"]').length,
      }));
      await page.screenshot({ path: `${out}/${visit.name}-deleted.png`, fullPage: true });
    }
    if (visit.search) {
      result.search = await searchAndFollow(page, visit.search);
      await page.screenshot({ path: `${out}/${visit.name}-landed.png` });
    }
  } catch (error) {
    problems.push(String(error));
    await page.screenshot({ path: `${out}/${visit.name}-failed.png`, fullPage: true }).catch(() => {});
  }
  report.visits.push({ ...result, problems });
  await context.close();
}
await browser.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
