/**
 * The schedule form's state and what it means: the rule it makes (only the choices that apply
 * to the chosen repeat), the defaults a new repeat takes from the first class's date, and what
 * a change of repeat clears. Pure, tested in schedule.test.ts.
 */
import { type CivilDate, type Frequency, type Rule, addDays, parseDate, weekday } from "./recurrence";

export type Repeat = "none" | Frequency;

export interface ScheduleForm {
  title: string;
  classId: string;
  date: string; // YYYY-MM-DD, the first class, in the teacher's zone
  time: string; // HH:MM
  durationMinutes: number;
  repeat: Repeat;
  interval: number;
  weekdays: number[]; // Monday = 0
  monthBy: "day" | "weekday";
  monthDay: number;
  monthWeek: number; // 1..4, -1 = last
  monthWeekday: number;
  endBy: "count" | "until";
  count: number;
  until: string; // YYYY-MM-DD
}

export function emptyForm(today: CivilDate, classId = ""): ScheduleForm {
  const first = addDays(today, 1);
  const date = `${first.y}-${String(first.m).padStart(2, "0")}-${String(first.d).padStart(2, "0")}`;
  return {
    title: "",
    classId,
    date,
    time: "09:00",
    durationMinutes: 60,
    repeat: "none",
    ...repeatDefaults(date),
  };
}

/** The week of the month a date falls in: 1..4, or -1 when it is the month's last such day. */
export function weekOfMonth(date: CivilDate): number {
  const nth = Math.floor((date.d - 1) / 7) + 1;
  const next = addDays(date, 7);
  return next.m !== date.m ? -1 : Math.min(nth, 4);
}

/** The repeat choices as a first class on `dateText` suggests them (its weekday, its day). */
export function repeatDefaults(dateText: string): Omit<ScheduleForm, "title" | "classId" | "date" | "time" | "durationMinutes" | "repeat"> {
  const date = parseDate(dateText) ?? { y: 2000, m: 1, d: 1 };
  return {
    interval: 1,
    weekdays: [weekday(date)],
    monthBy: "day",
    monthDay: date.d,
    monthWeek: weekOfMonth(date),
    monthWeekday: weekday(date),
    endBy: "count",
    count: 10,
    until: "",
  };
}

/** A change of repeat. Choosing "Does not repeat" resets every repeat choice (the form says
 * so, rather than dropping them silently); `cleared` is whether anything was set. */
export function withRepeat(form: ScheduleForm, repeat: Repeat): { form: ScheduleForm; cleared: boolean } {
  if (repeat === form.repeat) return { form, cleared: false };
  const defaults = repeatDefaults(form.date);
  if (repeat === "none") {
    const cleared = form.repeat !== "none";
    return { form: { ...form, repeat, ...defaults }, cleared };
  }
  // Moving between daily, weekly and monthly keeps the interval and the end; the choices of
  // the other kinds do not apply and are not sent (ruleOf).
  return { form: { ...form, repeat }, cleared: false };
}

/** The rule the form describes (null: a single class). */
export function ruleOf(form: ScheduleForm): Rule | null {
  if (form.repeat === "none") return null;
  const monthly = form.repeat === "monthly";
  const byWeekday = monthly && form.monthBy === "weekday";
  return {
    frequency: form.repeat,
    interval: form.interval,
    weekdays: form.repeat === "weekly" ? [...form.weekdays].sort((a, b) => a - b) : [],
    monthDay: monthly && !byWeekday ? form.monthDay : null,
    monthWeek: byWeekday ? form.monthWeek : null,
    monthWeekday: byWeekday ? form.monthWeekday : null,
    count: form.endBy === "count" ? form.count : null,
    until: form.endBy === "until" ? form.until || null : null,
  };
}

/** What the form lacks before it can be sent, by field (i18n keys of "sessions:schedule.errors"). */
export function formProblems(form: ScheduleForm): Record<string, "title" | "class" | "date" | "time" | "duration" | "until"> {
  const problems: Record<string, "title" | "class" | "date" | "time" | "duration" | "until"> = {};
  if (!form.title.trim()) problems.title = "title";
  if (!form.classId) problems.classId = "class";
  if (!parseDate(form.date)) problems.startTime = "date";
  else if (!/^\d{2}:\d{2}$/.test(form.time)) problems.startTime = "time";
  if (!Number.isInteger(form.durationMinutes) || form.durationMinutes < 1 || form.durationMinutes > 24 * 60) {
    problems.durationMinutes = "duration";
  }
  if (form.repeat !== "none" && form.endBy === "until" && !parseDate(form.until)) problems.until = "until";
  return problems;
}
