/**
 * The recurrence builder's rules, the same as meetings/recurrence.py: daily, weekly on given
 * days, or monthly on a day of the month or on a weekday of a week of the month; every
 * `interval` periods; ending after `count` occurrences or on `until`. Occurrences keep their
 * wall-clock time in the meeting's timezone (a class at 09:00 stays at 09:00 across
 * daylight-saving changes). Pure: no DOM, no clock.
 */

export type Frequency = "daily" | "weekly" | "monthly";

export const MAX_OCCURRENCES = 60; // Zoom's limit for one recurring meeting
export const MAX_INTERVAL: Record<Frequency, number> = { daily: 99, weekly: 50, monthly: 10 };

/** A calendar date without a zone. */
export interface CivilDate {
  y: number;
  m: number; // 1..12
  d: number;
}

export interface Rule {
  frequency: Frequency;
  interval: number;
  weekdays: number[]; // Monday = 0 … Sunday = 6 (Python's weekday()); weekly only
  monthDay: number | null; // 1..31; monthly by day
  monthWeek: number | null; // 1..4 or -1 (last); monthly by weekday
  monthWeekday: number | null; // Monday = 0; monthly by weekday
  count: number | null;
  until: string | null; // YYYY-MM-DD, inclusive
}

/** Why a rule cannot be scheduled: an i18n key's last part, with its values. */
export type RuleProblem =
  | { code: "interval"; max: number }
  | { code: "endOne" }
  | { code: "count"; max: number }
  | { code: "weekdays" }
  | { code: "monthDay" }
  | { code: "monthWeek" }
  | { code: "nothing" }
  | { code: "tooMany"; max: number };

export function ruleProblems(rule: Rule): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const max = MAX_INTERVAL[rule.frequency];
  if (!Number.isInteger(rule.interval) || rule.interval < 1 || rule.interval > max) {
    problems.push({ code: "interval", max });
  }
  if ((rule.count === null) === (rule.until === null)) problems.push({ code: "endOne" });
  if (rule.count !== null && (!Number.isInteger(rule.count) || rule.count < 1 || rule.count > MAX_OCCURRENCES)) {
    problems.push({ code: "count", max: MAX_OCCURRENCES });
  }
  if (rule.frequency === "weekly" && rule.weekdays.length === 0) problems.push({ code: "weekdays" });
  if (rule.frequency === "monthly") {
    if (rule.monthWeekday !== null || rule.monthWeek !== null) {
      if (![-1, 1, 2, 3, 4].includes(rule.monthWeek ?? 0) || rule.monthWeekday === null) {
        problems.push({ code: "monthWeek" });
      }
    } else if (rule.monthDay === null || rule.monthDay < 1 || rule.monthDay > 31) {
      problems.push({ code: "monthDay" });
    }
  }
  return problems;
}

// --- civil dates ------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

function toDays(date: CivilDate): number {
  return Math.floor(Date.UTC(date.y, date.m - 1, date.d) / DAY_MS);
}

function fromDays(days: number): CivilDate {
  const t = new Date(days * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addDays(date: CivilDate, n: number): CivilDate {
  return fromDays(toDays(date) + n);
}

/** Monday = 0 … Sunday = 6. */
export function weekday(date: CivilDate): number {
  return (new Date(toDays(date) * DAY_MS).getUTCDay() + 6) % 7;
}

export function parseDate(text: string): CivilDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
  const back = fromDays(toDays(date));
  return back.y === date.y && back.m === date.m && back.d === date.d ? date : null;
}

export function formatDate(date: CivilDate): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(date.y, 4)}-${pad(date.m)}-${pad(date.d)}`;
}

function compare(a: CivilDate, b: CivilDate): number {
  return toDays(a) - toDays(b);
}

function monthLength(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

// --- time zones -----------------------------------------------------------------------------

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `t` (ms), in ms. */
export function zoneOffset(t: number, zone: string): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    offsetFormats.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(t))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

export function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant of wall-clock `time` ("HH:MM") on `date` in `zone`, as Python's
 * `datetime.combine(date, time, ZoneInfo(zone))` (fold 0): an ambiguous time is its first
 * occurrence; a time skipped by a clock change is read with the offset before the change.
 */
export function zonedInstant(date: CivilDate, time: string, zone: string): Date {
  const [h, min] = time.split(":").map(Number);
  const wall = Date.UTC(date.y, date.m - 1, date.d, h, min);
  const before = zoneOffset(wall - DAY_MS / 2, zone);
  const after = zoneOffset(wall + DAY_MS / 2, zone);
  for (const offset of [before, after]) {
    if (zoneOffset(wall - offset, zone) === offset) return new Date(wall - offset);
  }
  return new Date(wall - before);
}

/** The civil date of instant `t` in `zone`. */
export function dateIn(t: Date, zone: string): CivilDate {
  return fromDays(Math.floor((t.getTime() + zoneOffset(t.getTime(), zone)) / DAY_MS));
}

// --- expansion ------------------------------------------------------------------------------

function monthDate(rule: Rule, y: number, m: number): CivilDate | null {
  const length = monthLength(y, m);
  if (rule.monthWeekday !== null && rule.monthWeek !== null) {
    if (rule.monthWeek === -1) {
      const last = { y, m, d: length };
      return addDays(last, -((weekday(last) - rule.monthWeekday + 7) % 7));
    }
    const first = { y, m, d: 1 };
    const offset = (rule.monthWeekday - weekday(first) + 7) % 7;
    return addDays(first, offset + 7 * (rule.monthWeek - 1));
  }
  // A month without that day (the 31st in April) is skipped, as RFC 5545 does.
  if (rule.monthDay !== null && rule.monthDay <= length) return { y, m, d: rule.monthDay };
  return null;
}

function* days(rule: Rule, first: CivilDate): Generator<CivilDate> {
  if (rule.frequency === "daily") {
    for (let day = first; ; day = addDays(day, rule.interval)) yield day;
  } else if (rule.frequency === "weekly") {
    // Zoom's weeks start on Sunday: it matters for "every 2 weeks on Sunday and Monday".
    let weekStart = addDays(first, -((weekday(first) + 1) % 7));
    const sundayFirst = [...new Set(rule.weekdays)].sort((a, b) => ((a + 1) % 7) - ((b + 1) % 7));
    for (;;) {
      for (const wd of sundayFirst) {
        const day = addDays(weekStart, (wd + 1) % 7);
        if (compare(day, first) >= 0) yield day;
      }
      weekStart = addDays(weekStart, 7 * rule.interval);
    }
  } else {
    let { y, m } = first;
    for (;;) {
      const day = monthDate(rule, y, m);
      if (day !== null && compare(day, first) >= 0) yield day;
      m += rule.interval;
      y += Math.floor((m - 1) / 12);
      m = ((m - 1) % 12) + 1;
    }
  }
}

export type Expansion = { ok: true; starts: Date[] } | { ok: false; problems: RuleProblem[] };

/**
 * Every start of the series (UTC instants), the first at or after the first class at `time`
 * on `firstDate` in `zone`; or why the rule cannot be scheduled.
 */
export function occurrences(rule: Rule, firstDate: CivilDate, time: string, zone: string): Expansion {
  const problems = ruleProblems(rule);
  if (problems.length) return { ok: false, problems };
  const until = rule.until === null ? null : parseDate(rule.until);
  const limit = rule.count ?? MAX_OCCURRENCES;
  const starts: Date[] = [];
  // A monthly rule on the 31st every 10 months could search long: bound the walk.
  let steps = 0;
  for (const day of days(rule, firstDate)) {
    if (until !== null && compare(day, until) > 0) break;
    if (++steps > 5000) break;
    starts.push(zonedInstant(day, time, zone));
    if (starts.length === limit) break;
  }
  if (starts.length === 0) return { ok: false, problems: [{ code: "nothing" }] };
  if (until !== null && starts.length >= MAX_OCCURRENCES) {
    return { ok: false, problems: [{ code: "tooMany", max: MAX_OCCURRENCES }] };
  }
  return { ok: true, starts };
}

/** The GraphQL RecurrenceInput of a rule: only the choices that apply to its frequency. */
export function ruleInput(rule: Rule) {
  return {
    frequency: rule.frequency.toUpperCase() as "DAILY" | "WEEKLY" | "MONTHLY",
    interval: rule.interval,
    weekdays: rule.frequency === "weekly" ? [...new Set(rule.weekdays)].sort() : null,
    monthDay: rule.frequency === "monthly" && rule.monthWeekday === null ? rule.monthDay : null,
    monthWeek: rule.frequency === "monthly" && rule.monthWeekday !== null ? rule.monthWeek : null,
    monthWeekday: rule.frequency === "monthly" ? rule.monthWeekday : null,
    count: rule.count,
    until: rule.until,
  };
}
