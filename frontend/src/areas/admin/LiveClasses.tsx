import { useReducer } from "preact/hooks";
import { LIVE_CLASSES } from "../../api/operations";
import type { LiveClass, LiveClassesEvent } from "../../api/schema";
import { formatTime } from "../../format";
import { useSubscription } from "../../hooks";
import { BASE, Link } from "../../router";
import { Loading, Notice } from "../../ui";

interface LiveState {
  ready: boolean;
  classes: LiveClass[];
}

/** A snapshot and each start or end carry the whole list; "live.count" one class's count. */
export function liveReducer(state: LiveState, event: LiveClassesEvent): LiveState {
  if (event.kind === "snapshot" || event.kind === "meeting.started" || event.kind === "meeting.ended") {
    return { ready: true, classes: event.classes };
  }
  if (event.meetingId !== null && event.count !== null) {
    return {
      ...state,
      classes: state.classes.map((c) =>
        c.id === event.meetingId ? { ...c, participantCount: event.count ?? c.participantCount } : c,
      ),
    };
  }
  return state;
}

export function LiveClasses() {
  const [state, dispatch] = useReducer(liveReducer, { ready: false, classes: [] });
  const error = useSubscription(LIVE_CLASSES, {}, (data) => dispatch(data.liveClasses));
  const people = state.classes.reduce((sum, c) => sum + c.participantCount, 0);
  return (
    <main class="page">
      <h1>Live classes</h1>
      {error && <Notice kind="error" testId="live-classes-error">{error}</Notice>}
      {!state.ready && !error && <Loading what="the running classes" />}
      {state.ready && (
        <section class="card" data-test-id="live-classes" data-ready="true">
          <h2>
            Running now <span class="count-pill">{state.classes.length}</span>
            <span class="muted small"> · {people} {people === 1 ? "person" : "people"} in class</span>
          </h2>
          {state.classes.length ? (
            <ul class="rows">
              {state.classes.map((c) => (
                <li class="row" key={c.id} data-test-id="live-class" data-meeting-id={c.id}>
                  <div class="row-main">
                    <strong>{c.title}</strong>
                    <span class="muted">
                      {c.teacher.name} · since {formatTime(c.startedAt)}
                    </span>
                  </div>
                  <span class="count-pill big" data-test-id="live-class-count">
                    {c.participantCount}
                  </span>
                  <Link class="button small" href={`${BASE}/meetings/${c.id}`}>
                    Live room
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">No class is running.</p>
          )}
        </section>
      )}
    </main>
  );
}
