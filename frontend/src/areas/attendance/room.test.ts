import { describe, expect, it } from "vitest";
import { EMPTY_ROOM, roomReducer, sortedPeople, type RoomEvent, type RoomPerson } from "./room";

const p = (key: string, name: string): RoomPerson => ({ key, name, role: "STUDENT", joinedAt: null, verified: true });
const ev = (kind: RoomEvent["kind"], status: RoomEvent["status"], count: number, participants: RoomPerson[] = []): RoomEvent => ({
  kind,
  status,
  count,
  participants,
});

describe("roomReducer", () => {
  it("starts from the snapshot and applies joins and leaves", () => {
    let s = roomReducer(EMPTY_ROOM, ev("SNAPSHOT", "STARTED", 1, [p("a", "Ann")]));
    s = roomReducer(s, ev("JOINED", "STARTED", 2, [p("b", "Bob")]));
    s = roomReducer(s, ev("LEFT", "STARTED", 1, [p("a", "Ann")]));
    expect(s.ready).toBe(true);
    expect(s.people.map((x) => x.key)).toEqual(["b"]);
    expect(s.count).toBe(1);
  });

  it("empties the room and its count when the class ends, whatever count the event carries", () => {
    let s = roomReducer(EMPTY_ROOM, ev("SNAPSHOT", "STARTED", 9, Array.from({ length: 9 }, (_, i) => p(`k${i}`, `P${i}`))));
    s = roomReducer(s, ev("STATUS", "ENDED", 9)); // the app's own "End class" used to pass its stale count
    expect(s.people).toEqual([]);
    expect(s.count).toBe(0);
    s = roomReducer(s, ev("JOINED", "ENDED", 3, [p("late", "Late")])); // a late event
    expect(s.people).toEqual([]);
    expect(s.count).toBe(0);
  });

  it("stays ended when an event processed before the end arrives after it", () => {
    let s = roomReducer(EMPTY_ROOM, ev("SNAPSHOT", "STARTED", 2, [p("a", "Ann"), p("b", "Bob")]));
    s = roomReducer(s, ev("STATUS", "ENDED", 0)); // the teacher's "End class"
    s = roomReducer(s, ev("LEFT", "STARTED", 12, [p("a", "Ann")])); // a worker's batch read before the end
    expect([s.status, s.count, s.people.length]).toEqual(["ENDED", 0, 0]);
    s = roomReducer(s, ev("JOINED", "STARTED", 3, [p("c", "Cy")]));
    expect([s.status, s.count, s.people.length]).toEqual(["ENDED", 0, 0]);
    // a snapshot (after a reconnect) is read afresh and says what is true
    s = roomReducer(s, ev("SNAPSHOT", "ENDED", 0));
    expect(s.status).toBe("ENDED");
  });

  it("counts every change that may alter the register, ATTENDANCE included", () => {
    let s = roomReducer(EMPTY_ROOM, ev("SNAPSHOT", "STARTED", 0));
    const v = s.registerVersion;
    s = roomReducer(s, ev("ATTENDANCE", "ENDED", 0));
    expect(s.registerVersion).toBe(v + 1);
    expect(s.status).toBe("ENDED");
  });

  it("a rejoin replaces the person rather than listing them twice", () => {
    let s = roomReducer(EMPTY_ROOM, ev("SNAPSHOT", "STARTED", 1, [p("a", "Ann")]));
    s = roomReducer(s, ev("JOINED", "STARTED", 1, [p("a", "Ann")]));
    expect(s.people).toHaveLength(1);
  });
});

describe("sortedPeople", () => {
  it("sorts by name, case-insensitively, and does not move anyone when someone joins", () => {
    const before = sortedPeople([p("3", "cy"), p("1", "Ann"), p("2", "Bob")]);
    expect(before.map((x) => x.name)).toEqual(["Ann", "Bob", "cy"]);
    const after = sortedPeople([...before, p("0", "Abe")]);
    expect(after.map((x) => x.name)).toEqual(["Abe", "Ann", "Bob", "cy"]);
  });

  it("breaks ties by key, so equal names keep a stable order", () => {
    const a = sortedPeople([p("b", "Same"), p("a", "Same")]);
    expect(a.map((x) => x.key)).toEqual(["a", "b"]);
  });
});
