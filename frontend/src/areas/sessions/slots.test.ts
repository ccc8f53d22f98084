import { describe, expect, it } from "vitest";
import { rangeWindow, slotFill, slotsByDay } from "./slots";

describe("suggested times", () => {
  it("ask from now, to the minute, for a week, two weeks or a month", () => {
    const now = new Date("2026-11-30T10:17:42.500Z");
    expect(rangeWindow("week", now)).toEqual({ from: new Date("2026-11-30T10:17:00Z"), to: new Date("2026-12-07T10:17:00Z") });
    expect(rangeWindow("twoWeeks", now).to).toEqual(new Date("2026-12-14T10:17:00Z"));
    expect(rangeWindow("month", now).to).toEqual(new Date("2026-12-30T10:17:00Z"));
  });

  it("are grouped by the day they start on in the person's timezone, in order", () => {
    const slots = [
      { start: "2026-12-01T19:00:00Z", end: "2026-12-01T20:00:00Z" }, // Dhaka: 2 Dec, 01:00
      { start: "2026-12-01T03:00:00Z", end: "2026-12-01T04:00:00Z" }, // Dhaka: 1 Dec, 09:00
      { start: "2026-12-01T08:00:00Z", end: "2026-12-01T09:00:00Z" }, // Dhaka: 1 Dec, 14:00
    ];
    expect(slotsByDay(slots, "Asia/Dhaka").map((d) => [d.day, d.slots.map((s) => s.start)])).toEqual([
      ["2026-12-01", ["2026-12-01T03:00:00Z", "2026-12-01T08:00:00Z"]],
      ["2026-12-02", ["2026-12-01T19:00:00Z"]],
    ]);
    // in London the same three fall on one day
    expect(slotsByDay(slots, "Europe/London").map((d) => d.day)).toEqual(["2026-12-01"]);
  });

  it("fill the form with the wall clock of the person's timezone, across a daylight-saving change", () => {
    // New York: 09:00 is 14:00 UTC in winter, 13:00 UTC after the change of 8 March 2026
    expect(slotFill({ start: "2026-03-06T14:00:00Z", end: "2026-03-06T14:45:00Z" }, "America/New_York")).toEqual({
      date: "2026-03-06",
      time: "09:00",
      durationMinutes: 45,
    });
    expect(slotFill({ start: "2026-03-09T13:00:00Z", end: "2026-03-09T14:00:00Z" }, "America/New_York")).toMatchObject({
      date: "2026-03-09",
      time: "09:00",
    });
  });
});
