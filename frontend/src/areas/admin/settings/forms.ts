// Parsing what admins type into the settings forms, before anything is sent: whole numbers
// within a range, a list of reminder times, a share as a percentage. Each parser answers a
// value or a problem code the form translates. Tested in forms.test.ts.

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: "required" | "notWhole" | "range" | "list" | "tooMany" };

/** A whole number from `min` to `max`; "" is `required`. */
export function wholeNumber(text: string, min: number, max: number): Parsed<number> {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, problem: "required" };
  if (!/^-?\d+$/.test(trimmed)) return { ok: false, problem: "notWhole" };
  const value = Number(trimmed);
  if (value < min || value > max) return { ok: false, problem: "range" };
  return { ok: true, value };
}

/** 0–100 % of the class as a share 0–1 (whole or decimal percentages). */
export function percentShare(text: string): Parsed<number> {
  const trimmed = text.trim().replace(/%$/, "").trim();
  if (!trimmed) return { ok: false, problem: "required" };
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return { ok: false, problem: "notWhole" };
  const value = Number(trimmed);
  if (value > 100) return { ok: false, problem: "range" };
  return { ok: true, value: Math.round(value * 100) / 10000 };
}

export function shareAsPercent(share: number): string {
  return String(Math.round(share * 10000) / 100);
}

// The server's limits (meetings/reminders/models.py).
export const REMINDER_MAX_MINUTES = 24 * 60;
export const REMINDER_MAX_TIMES = 4;

/** Reminder times typed as "1440, 60, 10": distinct whole minutes, latest first. "" is none. */
export function reminderOffsets(text: string): Parsed<number[]> {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const values: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return { ok: false, problem: "list" };
    const value = Number(part);
    if (value < 1 || value > REMINDER_MAX_MINUTES) return { ok: false, problem: "range" };
    if (!values.includes(value)) values.push(value);
  }
  if (values.length > REMINDER_MAX_TIMES) return { ok: false, problem: "tooMany" };
  return { ok: true, value: values.sort((a, b) => b - a) };
}

/** Minutes as the nearest whole unit a person thinks in: [amount, unit]. */
export function minutesInUnits(minutes: number): [number, "day" | "hour" | "minute"] {
  if (minutes >= 1440 && minutes % 1440 === 0) return [minutes / 1440, "day"];
  if (minutes >= 60 && minutes % 60 === 0) return [minutes / 60, "hour"];
  return [minutes, "minute"];
}

/** The time zones a browser knows, the current one included even if it does not list it. */
export function timeZones(current: string): string[] {
  const known: string[] =
    typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC", "Asia/Dhaka"];
  const all = new Set([...known, "UTC", current].filter(Boolean));
  return [...all].sort();
}
