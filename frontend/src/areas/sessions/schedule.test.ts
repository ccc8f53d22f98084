import { describe, expect, it } from "vitest";
import { emptyForm, formProblems, ruleOf, weekOfMonth, withRepeat } from "./schedule";

const today = { y: 2026, m: 11, d: 30 }; // a Monday

describe("the schedule form", () => {
  it("starts tomorrow, once, with repeat choices taken from that day", () => {
    const form = emptyForm(today, "7");
    expect(form).toMatchObject({ date: "2026-12-01", repeat: "none", classId: "7", weekdays: [1], monthDay: 1, monthWeek: 1 });
    expect(ruleOf(form)).toBeNull();
  });

  it("resets the repeat choices, visibly, when 'Does not repeat' is chosen", () => {
    let { form } = withRepeat(emptyForm(today), "weekly");
    form = { ...form, interval: 2, weekdays: [0, 2], count: 4 };
    const back = withRepeat(form, "none");
    expect(back.cleared).toBe(true);
    expect(back.form).toMatchObject({ repeat: "none", interval: 1, weekdays: [1], count: 10 });
    expect(ruleOf(back.form)).toBeNull();
    expect(withRepeat(emptyForm(today), "none").cleared).toBe(false);
  });

  it("sends only the choices of the chosen repeat", () => {
    const form = { ...emptyForm(today), repeat: "monthly" as const, monthBy: "weekday" as const, weekdays: [0, 3], monthDay: 9 };
    expect(ruleOf(form)).toEqual({
      frequency: "monthly",
      interval: 1,
      weekdays: [],
      monthDay: null,
      monthWeek: 1,
      monthWeekday: 1,
      count: 10,
      until: null,
    });
    expect(ruleOf({ ...form, repeat: "daily", endBy: "until", until: "2027-01-01" })).toMatchObject({
      weekdays: [],
      monthWeekday: null,
      count: null,
      until: "2027-01-01",
    });
  });

  it("knows the last week of a month", () => {
    expect(weekOfMonth({ y: 2026, m: 11, d: 30 })).toBe(-1);
    expect(weekOfMonth({ y: 2026, m: 11, d: 16 })).toBe(3);
  });

  it("says what is missing", () => {
    const form = { ...emptyForm(today), date: "2026-02-30", durationMinutes: 0, repeat: "daily" as const, endBy: "until" as const };
    expect(formProblems(form)).toEqual({ title: "title", classId: "class", startTime: "date", durationMinutes: "duration", until: "until" });
  });
});
