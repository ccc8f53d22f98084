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

export type HoursField = "dayStart" | "dayEnd" | "schoolDays";
export type HoursProblem = "time" | "order" | "days";
export type SchoolHours = { dayStart: string; dayEnd: string; schoolDays: number[] };

/** "09:00:00" or "9:00" as "09:00"; null when it is not a time of day. */
export function timeOfDay(text: string): string | null {
  const match = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(text.trim());
  if (!match) return null;
  const [h, m] = [Number(match[1]), Number(match[2])];
  if (h > 23 || m > 59) return null;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** School hours as typed: a start before the end on the same day, and at least one school
 * day (Monday = 0), each once, in order. */
export function schoolHours(start: string, end: string, days: readonly number[]): { ok: true; value: SchoolHours } | { ok: false; problems: Partial<Record<HoursField, HoursProblem>> } {
  const problems: Partial<Record<HoursField, HoursProblem>> = {};
  const dayStart = timeOfDay(start);
  const dayEnd = timeOfDay(end);
  if (!dayStart) problems.dayStart = "time";
  if (!dayEnd) problems.dayEnd = "time";
  else if (dayStart && dayEnd <= dayStart) problems.dayEnd = "order";
  const schoolDays = [...new Set(days)].filter((d) => Number.isInteger(d) && d >= 0 && d <= 6).sort((a, b) => a - b);
  if (!schoolDays.length) problems.schoolDays = "days";
  if (Object.keys(problems).length || !dayStart || !dayEnd) return { ok: false, problems };
  return { ok: true, value: { dayStart, dayEnd, schoolDays } };
}
