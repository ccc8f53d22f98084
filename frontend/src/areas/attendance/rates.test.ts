import { describe, expect, it } from "vitest";
import { gridRates, tally } from "./rates";

describe("tally", () => {
  it("counts present and partial as attended, leaves excused and unscored out", () => {
    const t = tally(["PRESENT", "PARTIAL", "ABSENT", "EXCUSED", null, undefined, "PRESENT"]);
    expect(t).toMatchObject({ present: 2, partial: 1, absent: 1, excused: 1, counted: 4 });
    expect(t.rate).toBeCloseTo(0.75);
  });

  it("has no rate when nothing counts", () => {
    expect(tally([]).rate).toBeNull();
    expect(tally(["EXCUSED", null]).rate).toBeNull();
  });
});

describe("gridRates", () => {
  it("gives one rate per student and per session, in order", () => {
    const grid = {
      sessions: [{ id: "m1" }, { id: "m2" }],
      rows: [
        { cells: [{ meetingId: "m1", status: "PRESENT" as const }, { meetingId: "m2", status: "ABSENT" as const }] },
        { cells: [{ meetingId: "m1", status: "PRESENT" as const }, { meetingId: "m2", status: null }] },
      ],
    };
    const { perStudent, perSession } = gridRates(grid);
    expect(perStudent.map((t) => t.rate)).toEqual([0.5, 1]);
    expect(perSession.map((t) => t.rate)).toEqual([1, 0]);
    expect(perSession[1].counted).toBe(1);
  });

  it("ignores cells of sessions not shown", () => {
    const grid = { sessions: [{ id: "m1" }], rows: [{ cells: [{ meetingId: "m1", status: "ABSENT" as const }, { meetingId: "m9", status: "PRESENT" as const }] }] };
    expect(gridRates(grid).perStudent[0].rate).toBe(0);
  });
});
