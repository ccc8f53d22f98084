/** The live room's state: what the `meetingParticipants` subscription says. A SNAPSHOT replaces
 * everything (it comes again after every reconnect), JOINED and LEFT change people, STATUS the
 * meeting's status, ATTENDANCE says the register changed (the view re-reads it). An ended class
 * has nobody in it and counts nobody, whatever a late event or a stale count says. */

export type RoomStatus = "SCHEDULED" | "STARTED" | "ENDED" | "CANCELLED";
export type RoomEventKind = "SNAPSHOT" | "JOINED" | "LEFT" | "STATUS" | "ATTENDANCE";

export interface RoomPerson {
  key: string;
  name: string;
  role: string;
  joinedAt?: string | null;
  verified: boolean;
}

export interface RoomEvent<P extends RoomPerson = RoomPerson> {
  kind: RoomEventKind;
  status: RoomStatus;
  count: number;
  participants: P[];
}

export interface RoomState<P extends RoomPerson = RoomPerson> {
  ready: boolean; // the snapshot has arrived
  status: RoomStatus | null;
  count: number;
  people: P[];
  /** Grows whenever the register may have changed (a join, a leave, the end, a scoring). */
  registerVersion: number;
}

export const EMPTY_ROOM: RoomState = { ready: false, status: null, count: 0, people: [], registerVersion: 0 };

export function roomReducer<P extends RoomPerson>(state: RoomState<P>, event: RoomEvent<P>): RoomState<P> {
  // An ended class never runs again: an event that was on its way when it ended (processed
  // before the end, delivered after it) must not bring the room back. Only a new snapshot,
  // read afresh from the server, says what the status is.
  const stale = state.status === "ENDED" && event.kind !== "SNAPSHOT";
  const next = reduce(state, stale ? { ...event, status: "ENDED" } : event);
  return next.status === "ENDED" ? { ...next, people: [], count: 0 } : next;
}

function reduce<P extends RoomPerson>(state: RoomState<P>, event: RoomEvent<P>): RoomState<P> {
  const keys = new Set(event.participants.map((p) => p.key));
  const registerVersion = state.registerVersion + 1;
  switch (event.kind) {
    case "SNAPSHOT":
      return {
        ready: true,
        status: event.status,
        count: event.count,
        people: event.participants,
        registerVersion,
      };
    case "JOINED":
      return {
        ...state,
        status: event.status,
        count: event.count,
        people: [...state.people.filter((p) => !keys.has(p.key)), ...event.participants],
        registerVersion,
      };
    case "LEFT":
      return {
        ...state,
        status: event.status,
        count: event.count,
        people: state.people.filter((p) => !keys.has(p.key)),
        registerVersion,
      };
    case "STATUS":
    case "ATTENDANCE":
      return { ...state, status: event.status, count: event.count, registerVersion };
  }
}

/** By name (the language's collation, case-insensitive), then by key: a list that does not move
 * when someone joins or leaves. */
export function byName<T extends { name: string }>(key: (item: T) => string) {
  return (a: T, b: T): number =>
    a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || key(a).localeCompare(key(b));
}

export function sortedPeople<P extends RoomPerson>(people: P[]): P[] {
  return [...people].sort(byName<P>((p) => p.key));
}
