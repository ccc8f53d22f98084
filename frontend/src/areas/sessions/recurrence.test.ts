import { describe, expect, it } from "vitest";
import { type Rule, occurrences, parseDate, ruleInput, ruleProblems, zonedInstant } from "./recurrence";

// Expected starts computed by meetings/recurrence.py (RecurrenceRule.occurrences) for the same
// rules: the builder's preview must show what the server will schedule.
const base: Rule = {
  frequency: "daily",
  interval: 1,
  weekdays: [],
  monthDay: null,
  monthWeek: null,
  monthWeekday: null,
  count: null,
  until: null,
};

function starts(rule: Partial<Rule>, date: string, time: string, zone: string): string[] | string[][] {
  const result = occurrences({ ...base, ...rule }, parseDate(date)!, time, zone);
  if (!result.ok) return [result.problems.map((p) => p.code)];
  return result.starts.map((s) => s.toISOString().replace(".000Z", "Z"));
}

describe("occurrences, as meetings/recurrence.py", () => {
  it("keeps the wall-clock time across a daylight-saving change", () => {
    expect(starts({ frequency: "weekly", weekdays: [0, 2], count: 4 }, "2026-03-02", "09:00", "America/New_York")).toEqual([
      "2026-03-02T14:00:00Z",
      "2026-03-04T14:00:00Z",
      "2026-03-09T13:00:00Z",
      "2026-03-11T13:00:00Z",
    ]);
  });

  it("skips months without the day", () => {
    expect(starts({ frequency: "monthly", monthDay: 31, count: 5 }, "2026-01-31", "18:30", "Asia/Dhaka")).toEqual([
      "2026-01-31T12:30:00Z",
      "2026-03-31T12:30:00Z",
      "2026-05-31T12:30:00Z",
      "2026-07-31T12:30:00Z",
      "2026-08-31T12:30:00Z",
    ]);
  });

  it("takes the last weekday of the month until a date", () => {
    expect(
      starts({ frequency: "monthly", monthWeek: -1, monthWeekday: 4, until: "2026-06-30" }, "2026-01-05", "10:00", "Europe/London"),
    ).toEqual([
      "2026-01-30T10:00:00Z",
      "2026-02-27T10:00:00Z",
      "2026-03-27T10:00:00Z",
      "2026-04-24T09:00:00Z",
      "2026-05-29T09:00:00Z",
      "2026-06-26T09:00:00Z",
    ]);
  });

  it("starts weeks on Sunday, as Zoom does", () => {
    expect(starts({ frequency: "weekly", interval: 2, weekdays: [6, 0], count: 5 }, "2026-12-01", "08:00", "UTC")).toEqual([
      "2026-12-13T08:00:00Z",
      "2026-12-14T08:00:00Z",
      "2026-12-27T08:00:00Z",
      "2026-12-28T08:00:00Z",
      "2027-01-10T08:00:00Z",
    ]);
  });

  it("reads a skipped time with the offset before the change and an ambiguous one as its first", () => {
    expect(starts({ count: 3 }, "2026-03-07", "02:30", "America/New_York")).toEqual([
      "2026-03-07T07:30:00Z",
      "2026-03-08T07:30:00Z",
      "2026-03-09T06:30:00Z",
    ]);
    expect(starts({ count: 2 }, "2026-10-31", "01:30", "America/New_York")).toEqual([
      "2026-10-31T05:30:00Z",
      "2026-11-01T05:30:00Z",
    ]);
  });

  it("takes the nth weekday every few months", () => {
    expect(
      starts({ frequency: "monthly", interval: 3, monthWeek: 2, monthWeekday: 1, count: 3 }, "2026-02-20", "07:15", "Asia/Kolkata"),
    ).toEqual(["2026-05-12T01:45:00Z", "2026-08-11T01:45:00Z", "2026-11-10T01:45:00Z"]);
  });

  it("refuses more than 60 by date, and a rule that makes nothing", () => {
    expect(starts({ until: "2027-03-01" }, "2026-01-01", "09:00", "UTC")).toEqual([["tooMany"]]);
    expect(starts({ frequency: "monthly", monthDay: 31, until: "2026-04-15" }, "2026-04-01", "09:00", "UTC")).toEqual([
      ["nothing"],
    ]);
  });
});

describe("ruleProblems", () => {
  it("says what is missing", () => {
    expect(ruleProblems({ ...base, frequency: "weekly", count: 3 }).map((p) => p.code)).toEqual(["weekdays"]);
    expect(ruleProblems({ ...base }).map((p) => p.code)).toEqual(["endOne"]);
    expect(ruleProblems({ ...base, interval: 100, count: 61 }).map((p) => p.code)).toEqual(["interval", "count"]);
    expect(ruleProblems({ ...base, frequency: "monthly", count: 2 }).map((p) => p.code)).toEqual(["monthDay"]);
  });
});

describe("ruleInput", () => {
  it("sends only the choices that apply to the frequency", () => {
    const rule: Rule = { ...base, frequency: "daily", weekdays: [1, 3], monthDay: 5, count: 4 };
    expect(ruleInput(rule)).toEqual({
      frequency: "DAILY",
      interval: 1,
      weekdays: null,
      monthDay: null,
      monthWeek: null,
      monthWeekday: null,
      count: 4,
      until: null,
    });
  });
});

describe("zonedInstant", () => {
  it("reads a wall-clock time in a zone", () => {
    expect(zonedInstant({ y: 2026, m: 11, d: 30 }, "16:35", "Asia/Dhaka").toISOString()).toBe("2026-11-30T10:35:00.000Z");
  });
});
