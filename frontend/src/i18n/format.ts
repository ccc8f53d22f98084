// Dates, times, numbers and durations in the person's language and timezone. The shell calls
// applyFormatting() at sign-in and on a language or zone change; views call fmt.* and never
// toLocaleString() themselves. Tested in format.test.ts.

let locale = "en-BD";
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
let cache = new Map<string, Intl.DateTimeFormat>();

export function applyFormatting(intlLocale: string, timeZone?: string): void {
  locale = intlLocale;
  if (timeZone) zone = timeZone;
  cache = new Map();
}

function dateFormat(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    cache.set(key, format);
  }
  return format;
}

const DASH = "—";
type When = string | Date | null | undefined;
const instant = (value: When) => (value instanceof Date ? value : new Date(value as string));

/** The parts of an instant as a wall clock shows them in `timeZone`. */
function wallClock(date: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

function offsetMs(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, "0");

export const fmt = {
  /** "Mon, 30 Nov, 2:30 pm" */
  dateTime: (value: When) =>
    value
      ? dateFormat("dateTime", { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" }).format(instant(value))
      : DASH,
  /** "Mon, 30 Nov 2026" */
  date: (value: When) =>
    value ? dateFormat("date", { weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(instant(value)) : DASH,
  /** "30 Nov" */
  shortDate: (value: When) => (value ? dateFormat("shortDate", { day: "numeric", month: "short" }).format(instant(value)) : DASH),
  /** "2:30 pm" */
  time: (value: When) => (value ? dateFormat("time", { hour: "numeric", minute: "2-digit" }).format(instant(value)) : DASH),
  number: (value: number) => new Intl.NumberFormat(locale).format(value),
  /** 0.8 → "80%" */
  percent: (ratio: number) => new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(ratio),
  /** 3725 → "1 hr 2 min"; 75 → "1 min" (whole minutes, in the language's own words and digits) */
  duration: (seconds: number) => {
    const minutes = Math.floor(Math.max(0, seconds) / 60);
    const unit = (value: number, name: "hour" | "minute") =>
      new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: "short" }).format(value);
    if (minutes < 60) return unit(minutes, "minute");
    const rest = minutes % 60;
    return rest ? `${unit(Math.floor(minutes / 60), "hour")} ${unit(rest, "minute")}` : unit(minutes / 60, "hour");
  },
  /** A time into a recording, as a player shows it: 3723 → "1:02:03", 75 → "1:15" (seconds,
   * rounded down; the language's digits). */
  clock: (seconds: number) => {
    const total = Math.max(0, Math.floor(seconds));
    const plain = new Intl.NumberFormat(locale, { useGrouping: false });
    const two = new Intl.NumberFormat(locale, { useGrouping: false, minimumIntegerDigits: 2 });
    const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
    return h ? `${plain.format(h)}:${two.format(m)}:${two.format(s)}` : `${plain.format(m)}:${two.format(s)}`;
  },
  /** A file's size in decimal units: 1_500_000_000 → "1.5 GB", 900 → "900 bytes". */
  fileSize: (bytes: number) => {
    const value = Math.max(0, bytes);
    if (value < 1000) return new Intl.NumberFormat(locale, { style: "unit", unit: "byte", unitDisplay: "long" }).format(value);
    const units = ["kilobyte", "megabyte", "gigabyte", "terabyte"] as const;
    let amount = value / 1000;
    let i = 0;
    while (amount >= 999.95 && i < units.length - 1) {
      amount /= 1000;
      i += 1;
    }
    return new Intl.NumberFormat(locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: 1 }).format(amount);
  },
  /** "in 5 minutes", "2 hours ago" */
  relative: (value: When, now: Date = new Date()) => {
    if (!value) return DASH;
    const seconds = Math.round((instant(value).getTime() - now.getTime()) / 1000);
    const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    const abs = Math.abs(seconds);
    if (abs < 60) return rtf.format(seconds, "second");
    if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
    if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
    return rtf.format(Math.round(seconds / 86400), "day");
  },
  /** The IANA zone times are shown in. */
  zone: () => zone,
  /** The day an instant falls on in the shown zone, "2026-11-30" (for grouping). */
  dayKey: (value: When) => {
    const w = wallClock(instant(value), zone);
    return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
  },
};

/** "2026-11-30T09:00" on the wall clock of `timeZone` (an <input type=datetime-local> value). */
export function instantToLocal(value: string | Date, timeZone: string = zone): string {
  const w = wallClock(instant(value), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** The instant a wall-clock time in `timeZone` stands for; a time skipped by a daylight-saving
 * change moves forward by the gap, as Zoom and Python's zoneinfo do. */
export function localToInstant(local: string, timeZone: string = zone): Date {
  const [date, time = "00:00"] = local.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const before = offsetMs(new Date(guess), timeZone);
  const candidate = guess - before;
  const after = offsetMs(new Date(candidate), timeZone);
  if (after === before) return new Date(candidate);
  // across a change: the offset in force at the result is the one to use, if it is consistent
  const other = guess - after;
  return new Date(offsetMs(new Date(other), timeZone) === after ? other : Math.max(candidate, other));
}
