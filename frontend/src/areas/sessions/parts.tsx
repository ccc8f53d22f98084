// Pieces the sessions screens share: a session's one-line summary, "Start class", the student's
// Join button with its countdown, and their RSVP.
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import { graphql } from "../../api/gql";
import type { MeetingStatus, RsvpResponse } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link } from "../../router";
import { Button, Errors, StatusBadge, thrownErrors } from "../../ui";
import { type JoinPolicy, endOf, joinState, tickFor } from "./joinWindow";
import { openInNewTab } from "../../ui/newTab";

/** The current time, re-read every `everyMs` while mounted. */
export function useNow(everyMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

export interface SessionBasics {
  id: string;
  title: string;
  status: MeetingStatus;
  startTime: string;
  durationMinutes: number;
  className: string | null;
  teacher: { name: string };
}

export const aboutHref = (id: string) => `${BASE}/meetings/${id}/about`;

/** Title, class, teacher, when and how long; the status unless it is plainly "scheduled". */
export function SessionLine({ session, link = true }: { session: SessionBasics; link?: boolean }) {
  const end = endOf(session);
  return (
    <div class="row-main">
      {link ? (
        <Link href={aboutHref(session.id)} data-test-id="session-title">
          <strong>{session.title}</strong>
        </Link>
      ) : (
        <strong data-test-id="session-title">{session.title}</strong>
      )}
      <span class="muted small">
        <time dateTime={session.startTime}>{fmt.dateTime(session.startTime)}</time>
        {"–"}
        <time dateTime={end.toISOString()}>{fmt.time(end)}</time>
        {" · "}
        {fmt.duration(session.durationMinutes * 60)}
      </span>
      <span class="muted small">
        {session.className ?? t("sessions:session.noClass")} · {session.teacher.name}
      </span>
    </div>
  );
}

export function SessionStatus({ status }: { status: MeetingStatus }) {
  return status === "SCHEDULED" ? null : <StatusBadge status={status} />;
}

const START_CLASS = graphql(`
  mutation SessionsStartClass($id: ID!) {
    startClass(meetingId: $id) {
      startUrl
      meeting { id status }
      errors { field message code }
    }
  }
`);

/** "Start class" (or, while it runs, "Rejoin as host"): Zoom's start page in a new tab. Shown
 * only to those who manage the session, and never for an ended or cancelled one. */
export function StartClassButton({ session, small, primary }: {
  session: { id: string; status: MeetingStatus };
  small?: boolean;
  /** The one to press now (today's class): shown as the page's main action. */
  primary?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [fallback, setFallback] = useState<string | null>(null);
  if (session.status !== "SCHEDULED" && session.status !== "STARTED") return null;
  const live = session.status === "STARTED";
  const start = async () => {
    setErrors([]);
    setBusy(true);
    try {
      let refused: FieldError[] = [];
      const url = await openInNewTab(async () => {
        const { startClass } = await request(START_CLASS, { id: session.id });
        if (!startClass.errors.length && startClass.startUrl) return startClass.startUrl;
        refused = startClass.errors.length ? startClass.errors : [{ field: null, message: t("sessions:start.noLink"), code: "zoom" }];
        return null;
      });
      setErrors(refused);
      if (url) setFallback(url);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="start-class">
      <Button
        kind={small ? "small" : live ? "plain" : "primary"}
        class={primary && !live ? "primary" : ""}
        busy={busy}
        onClick={start}
        testId="start-class"
      >
        {live ? t("sessions:start.rejoin") : t("sessions:start.start")}
      </Button>
      <Errors errors={errors} testId="start-errors" />
      {fallback && (
        <p class="muted small" data-test-id="start-url">
          {t("sessions:start.didNotOpen")}{" "}
          <a href={fallback} target="_blank" rel="noopener noreferrer">
            {t("sessions:start.openZoom")}
          </a>
        </p>
      )}
    </div>
  );
}

/** The student's Join: the platform's own link (it checks the time again and sends on to
 * Zoom), enabled in the join window, with a countdown before it. */
export function JoinButton({ session, joinUrl, policy }: {
  session: SessionBasics;
  joinUrl: string | null;
  policy: JoinPolicy;
}) {
  const [tick, setTick] = useState(1_000);
  const now = useNow(tick);
  const state = joinState(session, policy, now);
  useEffect(() => setTick(tickFor(state)), [state.kind, state.kind === "before" && state.waitMs <= 2 * 3_600_000]);
  if (!joinUrl || state.kind === "closed") return null;
  if (state.kind === "before") {
    return (
      <div class="join">
        <button type="button" class="small" disabled data-test-id="join-class" aria-describedby={`join-wait-${session.id}`}>
          {t("sessions:join.join")}
        </button>
        <span class="muted small" id={`join-wait-${session.id}`} data-test-id="join-countdown" aria-live="off">
          {t("sessions:join.opensIn", { when: fmt.relative(state.opensAt, now), time: fmt.time(state.opensAt) })}
        </span>
      </div>
    );
  }
  return (
    <div class="join">
      <a class="button small primary" href={joinUrl} target="_blank" rel="noopener noreferrer" data-test-id="join-class">
        {t("sessions:join.join")}
      </a>
    </div>
  );
}

const RSVP = graphql(`
  mutation SessionsRsvp($id: ID!, $response: RsvpResponse!, $wholeSeries: Boolean!) {
    rsvp(meetingId: $id, response: $response, wholeSeries: $wholeSeries) {
      response
      errors { field message code }
    }
  }
`);

const ANSWERS: RsvpResponse[] = ["ACCEPTED", "TENTATIVE", "DECLINED"];

/** The viewer's own answer: yes, maybe or no (pressed buttons; one click changes it). */
export function RsvpPicker({ meetingId, answer, inSeries = false }: { meetingId: string; answer: RsvpResponse | null; inSeries?: boolean }) {
  const [current, setCurrent] = useState(answer);
  const [wholeSeries, setWholeSeries] = useState(false);
  const [busy, setBusy] = useState<RsvpResponse | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const choose = async (response: RsvpResponse) => {
    setBusy(response);
    setErrors([]);
    try {
      const { rsvp } = await request(RSVP, { id: meetingId, response, wholeSeries: inSeries && wholeSeries });
      setErrors(rsvp.errors);
      if (rsvp.response) setCurrent(rsvp.response);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="rsvp" data-test-id="rsvp">
      <div role="group" aria-label={t("sessions:rsvp.question")} class="rsvp-buttons">
        <span class="muted small">{t("sessions:rsvp.question")}</span>
        {ANSWERS.map((response) => (
          <Button
            key={response}
            kind="small"
            class={current === response ? "chosen" : ""}
            aria-pressed={current === response}
            busy={busy === response}
            disabled={busy !== null}
            onClick={() => void choose(response)}
            testId={`rsvp-${response.toLowerCase()}`}
          >
            {t(`sessions:rsvp.${response}`)}
          </Button>
        ))}
      </div>
      {inSeries && (
        <label class="check small">
          <input type="checkbox" checked={wholeSeries} onChange={(e) => setWholeSeries(e.currentTarget.checked)} data-test-id="rsvp-series" />
          <span>{t("sessions:rsvp.wholeSeries")}</span>
        </label>
      )}
      <Errors errors={errors} testId="rsvp-errors" />
    </div>
  );
}
