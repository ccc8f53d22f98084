import { afterEach, describe, expect, it } from "vitest";
import { applyFormatting, fmt, instantToLocal, localToInstant } from "./format";

afterEach(() => applyFormatting("en-BD", "UTC"));

describe("fmt", () => {
  it("shows times in the person's zone, not the machine's", () => {
    applyFormatting("en-BD", "Asia/Dhaka");
    expect(fmt.time("2026-11-30T03:00:00Z")).toMatch(/9:00/);
    applyFormatting("en-BD", "Europe/London");
    expect(fmt.time("2026-11-30T03:00:00Z")).toMatch(/3:00/);
  });
  it("writes Bengali digits in Bengali", () => {
    applyFormatting("bn-BD", "Asia/Dhaka");
    expect(fmt.number(2026)).toBe("২,০২৬");
    expect(fmt.time("2026-11-30T03:00:00Z")).toContain("৯:০০");
  });
  it("formats durations in whole minutes and hours", () => {
    applyFormatting("en-BD", "UTC");
    expect(fmt.duration(75)).toMatch(/^1 min/);
    expect(fmt.duration(3725)).toMatch(/^1 hr 2 min/);
    expect(fmt.duration(7200)).toMatch(/^2 hr/);
  });
  it("writes a time into a recording as a player does, in the language's digits", () => {
    applyFormatting("en-BD", "UTC");
    expect(fmt.clock(3723)).toBe("1:02:03");
    expect(fmt.clock(75.9)).toBe("1:15");
    expect(fmt.clock(0)).toBe("0:00");
    expect(fmt.clock(36000)).toBe("10:00:00");
    expect(fmt.clock(-4)).toBe("0:00");
    applyFormatting("bn-BD", "UTC");
    expect(fmt.clock(3723)).toBe("১:০২:০৩");
  });
  it("writes file sizes in decimal units", () => {
    applyFormatting("en-BD", "UTC");
    expect(fmt.fileSize(900)).toBe("900 bytes");
    expect(fmt.fileSize(1)).toBe("1 byte");
    expect(fmt.fileSize(12_300)).toBe("12.3 kB");
    expect(fmt.fileSize(340_000_000)).toBe("340 MB");
    expect(fmt.fileSize(999_990_000)).toBe("1 GB");
    expect(fmt.fileSize(5_500_000_000)).toBe("5.5 GB");
    applyFormatting("bn-BD", "UTC");
    expect(fmt.fileSize(5_500_000_000)).toBe("৫.৫ GB");
  });
  it("groups by the day in the shown zone", () => {
    applyFormatting("en-BD", "Asia/Dhaka");
    expect(fmt.dayKey("2026-11-30T20:00:00Z")).toBe("2026-12-01");
  });
  it("says how far away a time is", () => {
    applyFormatting("en-BD", "UTC");
    expect(fmt.relative("2026-11-30T10:05:00Z", new Date("2026-11-30T10:00:00Z"))).toBe("in 5 minutes");
  });
});

describe("wall clock and instants", () => {
  it("round-trips a wall-clock time in a zone", () => {
    const at = localToInstant("2026-12-01T09:30", "Asia/Dhaka");
    expect(at.toISOString()).toBe("2026-12-01T03:30:00.000Z");
    expect(instantToLocal(at, "Asia/Dhaka")).toBe("2026-12-01T09:30");
  });
  it("uses the offset in force on that day across daylight saving", () => {
    expect(localToInstant("2026-07-01T09:00", "Europe/London").toISOString()).toBe("2026-07-01T08:00:00.000Z");
    expect(localToInstant("2026-12-01T09:00", "Europe/London").toISOString()).toBe("2026-12-01T09:00:00.000Z");
  });
  it("moves a time skipped by the spring change forward", () => {
    // 29 March 2026, London: 01:00 → 02:00; 01:30 does not exist
    expect(localToInstant("2026-03-29T01:30", "Europe/London").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });
});
