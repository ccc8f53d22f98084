import { describe, expect, it } from "vitest";
import { minutesInUnits, percentShare, reminderOffsets, schoolHours, shareAsPercent, timeOfDay, timeZones, wholeNumber } from "./forms";

describe("settings forms", () => {
  it("read whole numbers within their range", () => {
    expect(wholeNumber(" 15 ", 0, 1440)).toEqual({ ok: true, value: 15 });
    expect(wholeNumber("", 0, 10)).toEqual({ ok: false, problem: "required" });
    expect(wholeNumber("1.5", 0, 10)).toEqual({ ok: false, problem: "notWhole" });
    expect(wholeNumber("-1", 0, 10)).toEqual({ ok: false, problem: "range" });
    expect(wholeNumber("11", 0, 10)).toEqual({ ok: false, problem: "range" });
  });

  it("turn a percentage into a share and back", () => {
    expect(percentShare("75")).toEqual({ ok: true, value: 0.75 });
    expect(percentShare("62.5 %")).toEqual({ ok: true, value: 0.625 });
    expect(percentShare("101")).toEqual({ ok: false, problem: "range" });
    expect(percentShare("abc")).toEqual({ ok: false, problem: "notWhole" });
    expect(shareAsPercent(0.625)).toBe("62.5");
    expect(shareAsPercent(0.7)).toBe("70");
  });

  it("read reminder times, latest first, each once", () => {
    expect(reminderOffsets("10, 1440 60;10")).toEqual({ ok: true, value: [1440, 60, 10] });
    expect(reminderOffsets("  ")).toEqual({ ok: true, value: [] });
    expect(reminderOffsets("10, soon")).toEqual({ ok: false, problem: "list" });
    expect(reminderOffsets("0")).toEqual({ ok: false, problem: "range" });
    expect(reminderOffsets("1441")).toEqual({ ok: false, problem: "range" });
    expect(reminderOffsets("1, 2, 3, 4, 5")).toEqual({ ok: false, problem: "tooMany" });
  });

  it("say minutes in the largest whole unit", () => {
    expect(minutesInUnits(2880)).toEqual([2, "day"]);
    expect(minutesInUnits(120)).toEqual([2, "hour"]);
    expect(minutesInUnits(90)).toEqual([90, "minute"]);
  });

  it("offer the current zone even when the browser does not list it", () => {
    const zones = timeZones("Etc/GMT-6");
    expect(zones).toContain("Etc/GMT-6");
    expect(zones).toContain("UTC");
    expect([...zones].sort()).toEqual(zones);
  });
});

describe("school hours", () => {
  it("reads times of day as HH:MM", () => {
    expect(timeOfDay("9:05")).toBe("09:05");
    expect(timeOfDay("17:30:00")).toBe("17:30");
    expect(timeOfDay("24:00")).toBeNull();
    expect(timeOfDay("")).toBeNull();
  });

  it("wants a start before the end and at least one day, the days in order and once each", () => {
    expect(schoolHours("08:00", "15:30", [4, 0, 2, 0])).toEqual({ ok: true, value: { dayStart: "08:00", dayEnd: "15:30", schoolDays: [0, 2, 4] } });
    expect(schoolHours("15:00", "15:00", [0])).toEqual({ ok: false, problems: { dayEnd: "order" } });
    expect(schoolHours("", "9:00", [])).toEqual({ ok: false, problems: { dayStart: "time", schoolDays: "days" } });
  });
});
