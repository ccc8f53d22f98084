import { describe, expect, it } from "vitest";
import { liveReducer, type LiveClassRow } from "./liveReducer";

const maths: LiveClassRow = { id: "1", title: "Maths", teacher: { name: "T" }, startedAt: null, participantCount: 0 };
const empty = { ready: false, classes: [] };

describe("the running classes", () => {
  it("take the whole list from a snapshot, a start or an end", () => {
    const state = liveReducer(empty, { kind: "snapshot", meetingId: null, count: null, classes: [maths] });
    expect(state).toEqual({ ready: true, classes: [maths] });
    expect(liveReducer(state, { kind: "meeting.ended", meetingId: "1", count: null, classes: [] }).classes).toEqual([]);
  });

  it("change one class's count", () => {
    const state = liveReducer(empty, { kind: "snapshot", meetingId: null, count: null, classes: [maths] });
    const next = liveReducer(state, { kind: "live.count", meetingId: "1", count: 12, classes: [] });
    expect(next.classes[0].participantCount).toBe(12);
    expect(liveReducer(state, { kind: "live.count", meetingId: "9", count: 3, classes: [] })).toEqual(state);
  });
});
