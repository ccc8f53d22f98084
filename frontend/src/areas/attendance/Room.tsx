// A session's page. Those who manage it get the live room: start and end the class, who is in
// the room (by name), participants to resolve, the register with corrections, the timeline and
// the guests. A student or a parent gets their own (or their children's) attendance of it.
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { AttendanceRoomSubscription, AttendanceSessionQuery } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { useConnection, useQuery, useSubscription } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Button, ConfirmButton, Errors, Link, Loading, Notice, Page, RoleBadge, Section, StatusBadge, thrownErrors } from "../../ui";
import { openInNewTab } from "../../ui/newTab";
import { RecordingLink } from "../recordings/RecordingLink";
import { END, ROOM, SESSION, START } from "./documents";
import { Guests } from "./Guests";
import { RegisterTable } from "./Register";
import { EMPTY_ROOM, roomReducer, sortedPeople, type RoomState } from "./room";
import { TimelineChart } from "./TimelineChart";
import { Unmatched } from "./Unmatched";

type Meeting = AttendanceSessionQuery["meeting"];
type Person = AttendanceRoomSubscription["meetingParticipants"]["participants"][number];

const UNKNOWN_INITIAL = "?";

function initial(name: string): string {
  return name.trim().charAt(0).toUpperCase() || UNKNOWN_INITIAL;
}

function People({ state, error }: { state: RoomState<Person>; error: string | null }) {
  const connection = useConnection();
  const live = state.ready && connection === "connected";
  const ended = state.status === "ENDED";
  return (
    <section class="card" data-test-id="participants" data-ready={String(state.ready)}>
      <h2>
        {t("attendance:room.inTheRoom")}
        <span class="count-pill big" data-test-id="live-count">
          {fmt.number(state.count)}
        </span>
        <span class={`connection ${live ? "on" : "off"}`} data-test-id="connection" data-state={connection}>
          {live ? t("attendance:room.live") : connection === "reconnecting" ? t("attendance:room.reconnecting") : t("attendance:room.connecting")}
        </span>
      </h2>
      {error && (
        <Notice kind="error" testId="participants-error">
          {error}
        </Notice>
      )}
      {!state.ready && !error && <Loading what={t("attendance:room.loadingPeople")} />}
      {state.ready &&
        (state.people.length && !ended ? (
          <ul class="people" aria-live="polite">
            {sortedPeople(state.people).map((p) => (
              <li key={p.key} class="person" data-test-id="participant" data-key={p.key}>
                <span class="avatar" aria-hidden="true">
                  {initial(p.name)}
                </span>
                <span class="person-name" data-test-id="participant-name">
                  {p.name || t("attendance:room.unnamed")}
                </span>
                <RoleBadge role={p.role} />
                {!p.verified && (
                  <span class="muted small" data-test-id="participant-unverified" title={t("attendance:room.unverifiedHint")}>
                    {t("attendance:room.unverified")}
                  </span>
                )}
                <span class="muted small">{t("attendance:room.since", { time: fmt.time(p.joinedAt) })}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted" data-test-id="room-empty" data-ended={String(ended)}>
            {ended ? t("attendance:room.ended") : t("attendance:room.empty")}
          </p>
        ))}
    </section>
  );
}

function Head({ meeting, status, onStatus }: {
  meeting: Meeting;
  status: Meeting["status"];
  onStatus: (status: Meeting["status"]) => void;
}) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState<"start" | "end" | null>(null);
  const [startUrl, setStartUrl] = useState<string | null>(null);

  const start = async () => {
    setErrors([]);
    setBusy("start");
    try {
      let refused: FieldError[] = [];
      const url = await openInNewTab(async () => {
        const { startClass } = await request(START, { meetingId: meeting.id });
        if (!startClass.errors.length && startClass.startUrl) return startClass.startUrl;
        refused = startClass.errors.length ? startClass.errors : [{ field: null, message: t("attendance:room.noStartLink"), code: "zoom" }];
        return null;
      });
      setErrors(refused);
      if (url) setStartUrl(url);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };

  const end = async () => {
    setErrors([]);
    setBusy("end");
    try {
      const { endClass } = await request(END, { meetingId: meeting.id });
      setErrors(endClass.errors);
      // Zoom's meeting.ended webhook confirms it and scores the register (the room hears it).
      if (endClass.meeting) onStatus(endClass.meeting.status);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="card room-head" data-test-id="room">
      <div>
        <p class="muted small">
          {meeting.className ?? t("attendance:room.noClass")} · {meeting.teacher.name}
        </p>
        <p class="muted small">
          {fmt.dateTime(meeting.startTime)} · {t("attendance:room.minutes", { count: meeting.durationMinutes })}
        </p>
      </div>
      <StatusBadge status={status} />
      <div class="actions">
        {status !== "ENDED" && status !== "CANCELLED" && (
          <>
            <Button kind="primary" busy={busy === "start"} disabled={busy !== null} onClick={start} testId="start-class">
              {status === "STARTED" ? t("attendance:room.rejoin") : t("attendance:room.start")}
            </Button>
            <ConfirmButton
              title={t("attendance:room.endTitle", { title: meeting.title })}
              body={t("attendance:room.endBody")}
              confirmLabel={t("attendance:room.endConfirm")}
              onConfirm={end}
              busy={busy === "end"}
              disabled={busy !== null || status !== "STARTED"}
              testId="end-class"
            >
              {t("attendance:room.end")}
            </ConfirmButton>
          </>
        )}
        {meeting.classId && (
          <Link class="button small" href={`${BASE}/attendance/classes/${meeting.classId}`} data-test-id="open-grid">
            {t("attendance:room.classGrid")}
          </Link>
        )}
        {status === "ENDED" && <RecordingLink meetingId={meeting.id} />}
      </div>
      <Errors errors={errors} testId="room-errors" />
      {startUrl && (
        <p class="muted small" data-test-id="start-url">
          {t("attendance:room.zoomDidNotOpen")}{" "}
          <a href={startUrl} target="_blank" rel="noopener noreferrer">
            {t("attendance:room.startOnZoom")}
          </a>
        </p>
      )}
    </section>
  );
}

/** Re-reads `refetch` after `version` changes: once per `delay` at most, however many joins a
 * busy room sends meanwhile (each read is the whole register). */
function useThrottledRefetch(version: number, refetch: () => Promise<void>, delay = 1500) {
  const first = useRef(true);
  const timer = useRef<number | null>(null);
  const latest = useRef(refetch);
  latest.current = refetch;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (timer.current !== null) return; // one is due: it reads this change too
    timer.current = window.setTimeout(() => {
      timer.current = null;
      void latest.current();
    }, delay);
  }, [version]);
  useEffect(() => () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
  }, []);
}

function ManagedRoom({ data, refetch, refreshing }: {
  data: AttendanceSessionQuery;
  refetch: () => Promise<void>;
  refreshing: boolean;
}) {
  const meeting = data.meeting;
  const [state, dispatch] = useReducer(roomReducer<Person>, EMPTY_ROOM as RoomState<Person>);
  const error = useSubscription(ROOM, { meetingId: meeting.id }, (d) => dispatch(d.meetingParticipants), meeting.id);
  const [unmatchedVersion, setUnmatchedVersion] = useState(0);
  // Every join, leave, status change or scoring may change the register: read it again.
  useThrottledRefetch(state.registerVersion, async () => {
    await refetch();
    setUnmatchedVersion((v) => v + 1);
  });
  const status = state.status ?? meeting.status;
  const reread = () => {
    void refetch();
    setUnmatchedVersion((v) => v + 1);
  };
  return (
    <Page title={meeting.title} testId="session-page">
      <Head
        meeting={meeting}
        status={status}
        onStatus={(next) => dispatch({ kind: "STATUS", status: next, count: 0, participants: [] })}
      />
      <div class="grid">
        <People state={state} error={error} />
        <Unmatched meetingId={meeting.id} students={data.sessionAttendance.rows.map((r) => r.student)} version={unmatchedVersion} onResolved={reread} />
      </div>
      <RegisterTable session={data.sessionAttendance} meetingId={meeting.id} onChanged={reread} refreshing={refreshing} />
      <TimelineChart session={data.sessionAttendance} running={status === "STARTED"} />
      <Guests meeting={meeting} refetch={refetch} />
    </Page>
  );
}

function OwnAttendance({ data }: { data: AttendanceSessionQuery }) {
  const meeting = data.meeting;
  return (
    <Page title={meeting.title} testId="session-page">
      <section class="card room-head">
        <div>
          <p class="muted small">
            {meeting.className ?? t("attendance:room.noClass")} · {meeting.teacher.name}
          </p>
          <p class="muted small">{fmt.dateTime(meeting.startTime)}</p>
        </div>
        <StatusBadge status={meeting.status} />
        {meeting.status === "ENDED" && (
          <div class="actions">
            <RecordingLink meetingId={meeting.id} />
          </div>
        )}
      </section>
      {meeting.status === "SCHEDULED" || meeting.status === "CANCELLED" ? (
        <Section>
          <p class="muted" data-test-id="not-yet">
            {t("attendance:room.notYet")}
          </p>
        </Section>
      ) : (
        <>
          <RegisterTable session={data.sessionAttendance} meetingId={meeting.id} />
          <TimelineChart session={data.sessionAttendance} running={meeting.status === "STARTED"} />
        </>
      )}
      <p>
        <Link href={`${BASE}/attendance`}>{t("attendance:room.allMine")}</Link>
      </p>
    </Page>
  );
}

export function SessionPage({ meetingId }: { meetingId: string }) {
  const { data, error, loading, refetch } = useQuery(SESSION, { id: meetingId }, meetingId);
  if (!data) {
    return (
      <Page title={t("attendance:room.title")} testId="session-page">
        {error && (
          <Notice kind="error" testId="room-error">
            {error}
          </Notice>
        )}
        {loading && <Loading what={t("attendance:room.loading")} />}
      </Page>
    );
  }
  return data.meeting.canManage ? <ManagedRoom data={data} refetch={refetch} refreshing={loading} /> : <OwnAttendance data={data} />;
}
