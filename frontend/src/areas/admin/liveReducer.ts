// The running classes as the liveClasses subscription tells them. Tested in liveReducer.test.ts.

export interface LiveClassRow {
  id: string;
  title: string;
  teacher: { name: string };
  startedAt: string | null;
  participantCount: number;
}

export interface LiveEvent {
  kind: string;
  meetingId: string | null;
  count: number | null;
  classes: LiveClassRow[];
}

export interface LiveState {
  ready: boolean;
  classes: LiveClassRow[];
}

/** A snapshot and each start or end carry the whole list; "live.count" one class's count. */
export function liveReducer(state: LiveState, event: LiveEvent): LiveState {
  if (event.kind === "snapshot" || event.kind === "meeting.started" || event.kind === "meeting.ended") {
    return { ready: true, classes: event.classes };
  }
  if (event.meetingId !== null && event.count !== null) {
    return {
      ...state,
      classes: state.classes.map((c) => (c.id === event.meetingId ? { ...c, participantCount: event.count ?? c.participantCount } : c)),
    };
  }
  return state;
}
