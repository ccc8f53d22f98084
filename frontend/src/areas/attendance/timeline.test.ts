import { describe, expect, it } from "vitest";
import { ticks, timelineGeometry, unionSeconds } from "./timeline";

const T0 = Date.parse("2026-11-23T09:00:00Z");
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
const window = { windowStart: at(0), windowEnd: at(60) };

describe("timelineGeometry", () => {
  it("draws each segment as a bar, closing open ones at the end of an ended class", () => {
    const g = timelineGeometry(
      {
        ...window,
        rows: [
          { key: "u1", name: "Ann", role: "STUDENT", segments: [{ joinedAt: at(30), leftAt: null, verified: true }, { joinedAt: at(1), leftAt: at(20), verified: true }] },
        ],
      },
      { now: T0 + 999 * 60_000, running: false },
    );
    expect(g.bars.map((b) => [(b.from - T0) / 60_000, (b.to - T0) / 60_000, b.open])).toEqual([
      [1, 20, false],
      [30, 60, true],
    ]);
    expect(g.rows[0].seconds).toBe((19 + 30) * 60);
    expect([g.min, g.max]).toEqual([T0, T0 + 60 * 60_000]);
  });

  it("runs open segments to now while the class runs, and starts a leave without a join at the start", () => {
    const g = timelineGeometry(
      { ...window, rows: [{ key: "p1", name: "X", role: "GUEST", segments: [{ joinedAt: null, leftAt: at(10), verified: false }, { joinedAt: at(15), leftAt: null, verified: false }] }] },
      { now: T0 + 25 * 60_000, running: true },
    );
    expect(g.bars.map((b) => [(b.from - T0) / 60_000, (b.to - T0) / 60_000])).toEqual([
      [0, 10],
      [15, 25],
    ]);
    expect(g.max).toBe(T0 + 60 * 60_000); // the scheduled end still bounds the axis
  });

  it("runs open segments at least to the latest known join or leave when the viewer's clock lags", () => {
    const g = timelineGeometry(
      {
        ...window,
        rows: [
          { key: "a", name: "A", role: "STUDENT", segments: [{ joinedAt: at(5), leftAt: null, verified: true }] },
          { key: "b", name: "B", role: "STUDENT", segments: [{ joinedAt: at(6), leftAt: at(12), verified: true }] },
        ],
      },
      { now: T0 + 2 * 60_000, running: true },
    );
    expect(g.bars.map((b) => (b.to - T0) / 60_000)).toEqual([12, 12]);
  });

  it("widens the axis to anyone in before the start or after the end", () => {
    const g = timelineGeometry(
      { ...window, rows: [{ key: "h", name: "Host", role: "HOST", segments: [{ joinedAt: at(-5), leftAt: at(65), verified: true }] }] },
      { now: 0, running: false },
    );
    expect([(g.min - T0) / 60_000, (g.max - T0) / 60_000]).toEqual([-5, 65]);
  });

  it("never draws a bar backwards", () => {
    const g = timelineGeometry(
      { ...window, rows: [{ key: "a", name: "A", role: "STUDENT", segments: [{ joinedAt: at(10), leftAt: at(5), verified: true }] }] },
      { now: 0, running: false },
    );
    expect(g.bars[0].to).toBe(g.bars[0].from);
  });
});

describe("unionSeconds", () => {
  it("counts overlapping devices once", () => {
    expect(unionSeconds([{ from: 0, to: 10_000 }, { from: 5_000, to: 20_000 }, { from: 30_000, to: 31_000 }])).toBe(21);
  });
});

describe("ticks", () => {
  it("places about six ticks on whole steps", () => {
    const t = ticks(T0 + 60_000, T0 + 60 * 60_000);
    expect(t.map((x) => (x - T0) / 60_000)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("places fewer when asked (a phone)", () => {
    const t = ticks(T0, T0 + 60 * 60_000, 4);
    expect(t.map((x) => (x - T0) / 60_000)).toEqual([0, 30, 60]);
  });
});
