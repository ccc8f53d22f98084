import { describe, expect, it } from "vitest";
import { clashQuestion, clashWording, orderedClashes, type ClashLike } from "./clashes";
import type { Rule } from "./recurrence";

const weekly: Rule = { frequency: "weekly", interval: 1, weekdays: [0, 2], monthDay: null, monthWeek: null, monthWeekday: null, count: 4, until: null };

describe("the clash question", () => {
  it("asks with the start in the form's timezone, the recurrence, and the session being moved", () => {
    expect(clashQuestion({ classId: "7", date: "2026-12-07", time: "09:00", durationMinutes: 45, rule: null, zone: "Asia/Dhaka", meetingId: "31" })).toEqual({
      classId: "7",
      start: "2026-12-07T03:00:00.000Z",
      durationMinutes: 45,
      recurrence: null,
      timezone: "Asia/Dhaka",
      meetingId: "31",
    });
    const series = clashQuestion({ classId: "7", date: "2026-12-07", time: "09:00", durationMinutes: 45, rule: weekly, zone: "Asia/Dhaka" });
    expect(series?.recurrence).toMatchObject({ frequency: "WEEKLY", weekdays: [0, 2], count: 4 });
    expect(series?.meetingId).toBeNull();
  });

  it("is not asked while the form cannot say when", () => {
    const base = { classId: "7", date: "2026-12-07", time: "09:00", durationMinutes: 45, rule: null, zone: "Asia/Dhaka" };
    expect(clashQuestion({ ...base, classId: "" })).toBeNull();
    expect(clashQuestion({ ...base, date: "2026-02-30" })).toBeNull();
    expect(clashQuestion({ ...base, time: "9" })).toBeNull();
    expect(clashQuestion({ ...base, durationMinutes: 0 })).toBeNull();
    expect(clashQuestion({ ...base, rule: { ...weekly, weekdays: [] } })).toBeNull();
  });
});

const clash = (over: Partial<ClashLike>): ClashLike => ({
  kind: "TEACHER_SESSION",
  start: "2026-12-07T03:00:00Z",
  end: "2026-12-07T04:00:00Z",
  title: "Algebra",
  meetingId: "5",
  occurrenceStart: "2026-12-07T03:00:00Z",
  ...over,
});

describe("a clash's words", () => {
  it("names a session the viewer may see, not one they may not, and a calendar's busy time", () => {
    expect(clashWording(clash({}))).toEqual({ key: "session", title: "Algebra" });
    expect(clashWording(clash({ kind: "STUDENT_SESSION", title: null, meetingId: null }))).toEqual({ key: "hidden" });
    expect(clashWording(clash({ kind: "TEACHER_CALENDAR", title: null, meetingId: null }))).toEqual({ key: "calendar" });
  });

  it("come in the planned sessions' order, a session met through several people once", () => {
    const second = "2026-12-09T03:00:00Z";
    const list = orderedClashes([
      clash({ occurrenceStart: second, start: second, end: "2026-12-09T04:00:00Z", meetingId: "9", title: "Physics" }),
      clash({ kind: "CLASS_SESSION" }),
      clash({ kind: "STUDENT_SESSION" }),
      clash({ kind: "TEACHER_CALENDAR", title: null, meetingId: null, start: "2026-12-07T03:30:00Z" }),
    ]);
    expect(list.map((c) => [c.kind, c.meetingId])).toEqual([
      ["CLASS_SESSION", "5"],
      ["TEACHER_CALENDAR", null],
      ["TEACHER_SESSION", "9"],
    ]);
  });
});
