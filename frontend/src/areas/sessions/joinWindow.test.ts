import { describe, expect, it } from "vitest";
import { isUpcoming, joinState, tickFor } from "./joinWindow";

const policy = { opensMinutesBefore: 15, closesMinutesAfterEnd: 10 };
const at = (iso: string) => new Date(iso);
const session = { status: "SCHEDULED" as const, startTime: "2026-11-30T10:00:00Z", durationMinutes: 45 };

describe("joinState", () => {
  it("counts down before the window opens", () => {
    const state = joinState(session, policy, at("2026-11-30T09:40:00Z"));
    expect(state).toEqual({ kind: "before", opensAt: at("2026-11-30T09:45:00Z"), waitMs: 5 * 60_000 });
    expect(tickFor(state)).toBe(1_000);
  });

  it("opens at the policy's minutes before and closes after the planned end", () => {
    expect(joinState(session, policy, at("2026-11-30T09:45:00Z")).kind).toBe("open");
    expect(joinState(session, policy, at("2026-11-30T10:55:00Z")).kind).toBe("open");
    expect(joinState(session, policy, at("2026-11-30T10:55:01Z"))).toEqual({ kind: "closed", why: "over" });
  });

  it("is open while Zoom says the class runs, and closed once it ended or was cancelled", () => {
    expect(joinState({ ...session, status: "STARTED" }, policy, at("2026-11-30T13:00:00Z")).kind).toBe("open");
    expect(joinState({ ...session, status: "ENDED" }, policy, at("2026-11-30T10:00:00Z"))).toEqual({ kind: "closed", why: "ended" });
    expect(joinState({ ...session, status: "CANCELLED" }, policy, at("2026-11-30T09:00:00Z"))).toEqual({
      kind: "closed",
      why: "cancelled",
    });
  });
});

describe("isUpcoming", () => {
  it("never counts an ended or overdue session as coming up", () => {
    expect(isUpcoming(session, at("2026-11-30T10:30:00Z"))).toBe(true);
    expect(isUpcoming(session, at("2026-11-30T10:45:00Z"))).toBe(false);
    expect(isUpcoming({ ...session, status: "ENDED" }, at("2026-11-30T09:00:00Z"))).toBe(false);
    expect(isUpcoming({ ...session, status: "STARTED" }, at("2026-11-30T09:00:00Z"))).toBe(false);
  });
});
