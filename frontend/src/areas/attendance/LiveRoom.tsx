import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { request } from "../../api/client";
import {
  END_CLASS,
  INVITE_GUEST,
  MEETING,
  MEETING_PARTICIPANTS,
  REVOKE_GUEST,
  START_CLASS,
} from "../../api/operations";
import type {
  FieldError,
  MeetingDetail,
  MeetingStatus,
  Participant,
  ParticipantsEvent,
} from "../../api/schema";
import { formatDateTime, formatDuration, formatTime, titleCase } from "../../format";
import { useConnection, useQuery, useSubscription } from "../../hooks";
import { BASE, Link } from "../../router";
import { Errors, Loading, Notice, RoleBadge, StatusBadge, fieldErrors, otherErrors } from "../../ui";

export interface RoomState {
  ready: boolean; // the snapshot has arrived
  status: MeetingStatus | null;
  count: number;
  people: Participant[];
}

const EMPTY: RoomState = { ready: false, status: null, count: 0, people: [] };

/** The room is what the subscription says: a SNAPSHOT replaces everything (it comes again after
 * every reconnect), JOINED and LEFT change one person, STATUS the meeting's status. An ended
 * class has nobody in it (its count is 0), even those Zoom never reported leaving. */
export function roomReducer(state: RoomState, event: ParticipantsEvent): RoomState {
  const next = reduce(state, event);
  return next.status === "ENDED" ? { ...next, people: [] } : next;
}

function reduce(state: RoomState, event: ParticipantsEvent): RoomState {
  const keys = new Set(event.participants.map((p) => p.key));
  switch (event.kind) {
    case "SNAPSHOT":
      return { ready: true, status: event.status, count: event.count, people: event.participants };
    case "JOINED":
      return {
        ...state,
        status: event.status,
        count: event.count,
        people: [...state.people.filter((p) => !keys.has(p.key)), ...event.participants],
      };
    case "LEFT":
      return {
        ...state,
        status: event.status,
        count: event.count,
        people: state.people.filter((p) => !keys.has(p.key)),
      };
    case "STATUS":
      return { ...state, status: event.status, count: event.count };
  }
}

function byJoinTime(a: Participant, b: Participant): number {
  return (a.joinedAt ?? "").localeCompare(b.joinedAt ?? "") || a.name.localeCompare(b.name);
}

function People({ state, error }: { state: RoomState; error: string | null }) {
  const connection = useConnection();
  const live = state.ready && connection === "connected";
  return (
    <section class="card" data-test-id="participants" data-ready={String(state.ready)}>
      <h2>
        In the room{" "}
        <span class="count-pill big" data-test-id="live-count">
          {state.count}
        </span>
        <span class={`connection ${live ? "on" : "off"}`} data-test-id="connection" data-state={connection}>
          {live ? "live" : connection === "reconnecting" ? "reconnecting…" : "connecting…"}
        </span>
      </h2>
      {error && <Notice kind="error" testId="participants-error">{error}</Notice>}
      {!state.ready && !error && <Loading what="who is in the room" />}
      {state.ready &&
        (state.people.length ? (
          <ul class="people">
            {[...state.people].sort(byJoinTime).map((p) => (
              <li key={p.key} class="person" data-test-id="participant" data-key={p.key}>
                <span class="avatar" aria-hidden="true">
                  {p.name.trim().charAt(0).toUpperCase() || "?"}
                </span>
                <span class="person-name" data-test-id="participant-name">
                  {p.name || "Unnamed"}
                </span>
                <RoleBadge role={p.role} />
                {!p.verified && (
                  <span
                    class="muted small"
                    data-test-id="participant-unverified"
                    title="Typed into Zoom, not confirmed: not through a personal join link"
                  >
                    unverified
                  </span>
                )}
                <span class="muted small">since {formatTime(p.joinedAt)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted" data-test-id="room-empty">
            {state.status === "ENDED" ? "The class has ended." : "Nobody is in the room yet."}
          </p>
        ))}
    </section>
  );
}

function Attendance({ meeting, refreshing }: { meeting: MeetingDetail; refreshing: boolean }) {
  const records = [...meeting.attendance, ...meeting.guestAttendance];
  const final = records.length > 0 && records.every((r) => r.isFinal);
  return (
    <section class="card" data-test-id="attendance">
      <h2>
        Attendance{" "}
        <span class="muted small">
          {refreshing ? "refreshing…" : records.length ? (final ? "final" : "provisional") : ""}
        </span>
      </h2>
      {records.length ? (
        <table>
          <thead>
            <tr>
              <th>Student</th>
              <th>Status</th>
              <th>Time in class</th>
            </tr>
          </thead>
          <tbody>
            {meeting.attendance.map((r) => (
              <tr key={r.student.id} data-test-id="attendance-row">
                <td>{r.student.name}</td>
                <td>
                  <span class={`badge attendance-${r.status.toLowerCase()}`}>{titleCase(r.status)}</span>
                </td>
                <td>{formatDuration(r.attendedSeconds)}</td>
              </tr>
            ))}
            {meeting.guestAttendance.map((r) => (
              <tr key={`guest-${r.guestId}`} data-test-id="guest-attendance-row">
                <td>
                  {r.name} <RoleBadge role="GUEST" />
                </td>
                <td>
                  <span class={`badge attendance-${r.status.toLowerCase()}`}>{titleCase(r.status)}</span>
                </td>
                <td>{formatDuration(r.attendedSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">Attendance is taken while the class runs and scored when it ends.</p>
      )}
    </section>
  );
}

/** Guests of the class (people without an account): invite one by name and email, to this
 * session or to every session of its series; revoke an invitation. They get their own link by
 * mail. */
function Guests({ meeting, refetch }: { meeting: MeetingDetail; refetch: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [wholeSeries, setWholeSeries] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const closed = meeting.status === "ENDED" || meeting.status === "CANCELLED";

  const run = async (action: () => Promise<FieldError[]>) => {
    setErrors([]);
    setBusy(true);
    try {
      const failed = await action();
      setErrors(failed);
      if (!failed.length) await refetch();
      return !failed.length;
    } catch (e) {
      setErrors([{ field: null, message: e instanceof Error ? e.message : String(e), code: "" }]);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const invite = async (event: Event) => {
    event.preventDefault();
    const done = await run(async () => {
      const { inviteGuest } = await request(INVITE_GUEST, { meetingId: meeting.id, name, email, wholeSeries });
      return inviteGuest.errors;
    });
    if (done) {
      setName("");
      setEmail("");
    }
  };

  const revoke = (guestId: string, who: string) => {
    if (!window.confirm(`Withdraw ${who}'s invitation? Their link stops working.`)) return;
    void run(async () => (await request(REVOKE_GUEST, { guestId })).revokeGuest.errors);
  };

  return (
    <section class="card" data-test-id="guests">
      <h2>Guests</h2>
      {meeting.guests.length ? (
        <ul class="people">
          {meeting.guests.map((g) => (
            <li key={g.id} class="person" data-test-id="guest" data-revoked={String(Boolean(g.revokedAt))}>
              <span class="person-name">{g.name}</span>
              <span class="muted small">{g.email}</span>
              {g.wholeSeries && <span class="muted small">every session</span>}
              {g.revokedAt ? (
                <span class="muted small">withdrawn</span>
              ) : (
                <>
                  {g.zoomRegistration === "failed" && <span class="muted small">not registered at Zoom yet</span>}
                  <button class="small" onClick={() => revoke(g.id, g.name)} disabled={busy} data-test-id="revoke-guest">
                    Withdraw
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No guests. A guest gets a personal link by mail; it works for this class only.</p>
      )}
      {!closed && (
        <form onSubmit={invite} data-test-id="invite-guest">
          <label>
            Name
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} />
          </label>
          <Errors errors={fieldErrors(errors, "name")} testId="guest-name-errors" />
          <label>
            Email
            <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required maxLength={254} />
          </label>
          <Errors errors={fieldErrors(errors, "email")} testId="guest-email-errors" />
          <label>
            <input type="checkbox" checked={wholeSeries} onChange={(e) => setWholeSeries(e.currentTarget.checked)} /> Every
            session of the series
          </label>
          <button class="primary" type="submit" disabled={busy}>
            {busy ? "Inviting…" : "Invite guest"}
          </button>
        </form>
      )}
      <Errors errors={otherErrors(errors, ["name", "email"])} testId="guest-errors" />
    </section>
  );
}

function Room({ meeting, refetch, refreshing }: {
  meeting: MeetingDetail;
  refetch: () => Promise<void>;
  refreshing: boolean;
}) {
  const [state, dispatch] = useReducer(roomReducer, EMPTY);
  const subscriptionError = useSubscription(
    MEETING_PARTICIPANTS,
    { meetingId: meeting.id },
    (data) => dispatch(data.meetingParticipants),
    meeting.id,
  );
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState<"start" | "end" | null>(null);
  const [startUrl, setStartUrl] = useState<string | null>(null);
  const status = state.status ?? meeting.status;

  // The attendance list is scored when the class ends: read it again then.
  const previous = useRef<MeetingStatus | null>(null);
  useEffect(() => {
    if (previous.current && previous.current !== "ENDED" && status === "ENDED") void refetch();
    previous.current = status;
  }, [status]);

  const fail = (e: unknown) =>
    setErrors([{ field: null, message: e instanceof Error ? e.message : String(e), code: "" }]);

  const start = async () => {
    setErrors([]);
    setBusy("start");
    // Opened within the click, so that no pop-up blocker stops it; pointed at Zoom below.
    const popup = window.open("", "_blank");
    try {
      const { startClass } = await request(START_CLASS, { meetingId: meeting.id });
      if (startClass.errors.length || !startClass.startUrl) {
        popup?.close();
        setErrors(
          startClass.errors.length
            ? startClass.errors
            : [{ field: null, message: "Zoom gave no start link for this class.", code: "zoom" }],
        );
        return;
      }
      setStartUrl(startClass.startUrl);
      if (popup) {
        popup.opener = null;
        popup.location.href = startClass.startUrl;
      }
    } catch (e) {
      popup?.close();
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  const end = async () => {
    if (!window.confirm(`End "${meeting.title}" for everyone?`)) return;
    setErrors([]);
    setBusy("end");
    try {
      const { endClass } = await request(END_CLASS, { meetingId: meeting.id });
      setErrors(endClass.errors);
      if (endClass.meeting) {
        // Zoom's meeting.ended webhook confirms it later; show the new status now.
        dispatch({
          kind: "STATUS",
          meetingId: meeting.id,
          status: endClass.meeting.status,
          count: state.count,
          participants: [],
        });
      }
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <section class="card room-head" data-test-id="room">
        <div>
          <h1 data-test-id="meeting-title">{meeting.title}</h1>
          <p class="muted">
            {meeting.className ?? "No class"} · {meeting.teacher.name} · {formatDateTime(meeting.startTime)} ·{" "}
            {meeting.durationMinutes} min
          </p>
        </div>
        <StatusBadge status={status} />
        <div class="actions">
          <button
            class="primary"
            onClick={start}
            disabled={busy !== null || status === "ENDED" || status === "CANCELLED"}
            data-test-id="start-class"
          >
            {busy === "start" ? "Starting…" : "Start class"}
          </button>
          <button class="danger" onClick={end} disabled={busy !== null || status !== "STARTED"} data-test-id="end-class">
            {busy === "end" ? "Ending…" : "End class"}
          </button>
        </div>
        <Errors errors={errors} testId="room-errors" />
        {startUrl && (
          <p class="muted small" data-test-id="start-url">
            Zoom did not open?{" "}
            <a href={startUrl} target="_blank" rel="noopener noreferrer">
              Start the class on Zoom
            </a>
          </p>
        )}
      </section>
      <div class="grid">
        <People state={state} error={subscriptionError} />
        <Attendance meeting={meeting} refreshing={refreshing} />
        <Guests meeting={meeting} refetch={refetch} />
      </div>
    </>
  );
}

export function LiveRoom({ meetingId }: { meetingId: string }) {
  const { data, error, loading, refetch } = useQuery(MEETING, { id: meetingId }, meetingId);
  return (
    <main class="page">
      <p>
        <Link href={`${BASE}/`} data-test-id="back-home">
          ← Home
        </Link>
      </p>
      {error && !data && <Notice kind="error" testId="room-error">{error}</Notice>}
      {loading && !data && <Loading what="the class" />}
      {data &&
        (data.meeting.canManage ? (
          <Room meeting={data.meeting} refetch={refetch} refreshing={loading} />
        ) : (
          <Notice testId="room-refused">Only the class's teachers and the school's admins can watch the room.</Notice>
        ))}
    </main>
  );
}
