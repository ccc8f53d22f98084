// A session's recording page, for everyone who may see it: the recording's files (play,
// download, delete), the summary with its action items, and the transcript. It says plainly
// when there is nothing yet (the class has not ended, Zoom has not sent it, the transcript is
// being prepared or failed), when the recording was deleted, and when it is not for this person.
import { useEffect, useRef, useState } from "preact/hooks";
import type { RecordingsMeetingQuery, RecordingsSessionQuery } from "../../api/gql/graphql";
import { request } from "../../api/client";
import { useQuery, useSubscription } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link } from "../../router";
import { Button, Empty, Loading, Notice, Page, Section, StatusBadge } from "../../ui";
import { LIVE, MEETING, SESSION, SESSION_PARTS } from "./documents";
import { partsFor, withParts, type LiveKind } from "./live";
import { RecordingFiles } from "./Files";
import { SummarySection } from "./Summary";
import { TranscriptSection } from "./Transcript";

type Meeting = RecordingsMeetingQuery["meeting"];

type Session = RecordingsSessionQuery;

/** The session's recordings, transcript and summary, kept current: read once, then each part
 * read again when `sessionRecordingEvents` says it changed, and everything again on READY (when
 * subscribed, and after every reconnect: events may have been missed meanwhile). */
function useLiveSession(meetingId: string) {
  const session = useQuery(SESSION, { meetingId }, meetingId);
  const [data, setData] = useState<Session | null>(null);
  useEffect(() => setData(session.data), [session.data]);
  // the answer to the latest re-read only (an earlier one arriving late is dropped)
  const latest = useRef(0);
  const reread = async (kind: LiveKind) => {
    const parts = partsFor(kind);
    const mine = ++latest.current;
    try {
      const fresh = await request(SESSION_PARTS, { meetingId, ...parts });
      if (mine === latest.current) setData((d) => (d ? withParts(d, parts, fresh) : d));
    } catch {
      // the next event, the Refresh button or a reconnect reads it again
    }
  };
  useSubscription(LIVE, { meetingId }, (d) => void reread(d.sessionRecordingEvents.kind), meetingId);
  return { ...session, data: data ?? session.data };
}

function Head({ meeting }: { meeting: Meeting }) {
  return (
    <section class="card recording-meeting" data-test-id="recording-meeting">
      <p class="muted small">
        {meeting.className ?? t("recordings:page.noClass")} · {meeting.teacher.name}
      </p>
      <p class="muted small">
        <time dateTime={meeting.startTime}>{fmt.dateTime(meeting.startTime)}</time> · {fmt.duration(meeting.durationMinutes * 60)}
      </p>
      <p class="recording-links">
        <Link href={`${BASE}/meetings/${meeting.id}/about`} data-test-id="recording-session-link">
          {t("recordings:page.session")}
        </Link>
        {meeting.canManage && (
          <Link href={`${BASE}/meetings/${meeting.id}`} data-test-id="recording-room-link">
            {t("recordings:page.register")}
          </Link>
        )}
        <Link href={`${BASE}/recordings/search`} data-test-id="recording-search-link">
          {t("recordings:page.searchAll")}
        </Link>
      </p>
    </section>
  );
}

/** Nothing at all yet: why, by where the session stands. */
function NothingYet({ meeting }: { meeting: Meeting }) {
  const key =
    meeting.status === "CANCELLED" ? "cancelled" : meeting.status === "ENDED" ? "ended" : "notEnded";
  return (
    <Section testId="recording-nothing">
      <Empty title={t(`recordings:page.nothing.${key}.title`)} testId="recording-nothing-yet">
        {t(`recordings:page.nothing.${key}.body`)}
      </Empty>
    </Section>
  );
}

function Contents({ meeting, data, refetch }: { meeting: Meeting; data: RecordingsSessionQuery; refetch: () => Promise<void> }) {
  const [deleted, setDeleted] = useState<string[]>([]);
  const recordings = data.sessionRecordings.filter((r) => !deleted.includes(r.id));
  const transcript = data.sessionTranscript;
  const summary = data.sessionSummary;
  const nothing = !recordings.length && !transcript && !summary;
  const availability = data.recordingAvailability[0];
  return (
    <>
      {nothing && deleted.length ? (
        <Section testId="recording-files">
          <Notice kind="success" testId="recording-deleted-notice">
            {t("recordings:files.deleted")}
          </Notice>
        </Section>
      ) : nothing && availability?.deleted ? (
        <Section testId="recording-files">
          <Notice kind="info" testId="recording-was-deleted">
            {t("recordings:files.wasDeleted")}
          </Notice>
        </Section>
      ) : nothing ? (
        <NothingYet meeting={meeting} />
      ) : (
        <>
          <RecordingFiles
            recordings={recordings}
            justDeleted={deleted.length > 0}
            onDeleted={(id) => {
              setDeleted([...deleted, id]);
              void refetch();
            }}
          />
          <SummarySection
            meetingId={meeting.id}
            summary={summary}
            transcriptStatus={transcript?.status ?? null}
            canManage={meeting.canManage}
          />
          <TranscriptSection meetingId={meeting.id} transcript={transcript} hasRecording={recordings.length > 0} />
        </>
      )}
    </>
  );
}

export function RecordingPage({ meetingId }: { meetingId: string }) {
  const meeting = useQuery(MEETING, { id: meetingId }, meetingId);
  const session = useLiveSession(meetingId);
  if (meeting.error && !meeting.data) {
    return (
      <Page title={t("recordings:page.title")} testId="recording-page">
        <Notice kind="error" testId="recording-page-error">
          {t("recordings:page.notFound")}
        </Notice>
        <Link href={`${BASE}/sessions`}>{t("recordings:page.allSessions")}</Link>
      </Page>
    );
  }
  if (!meeting.data) {
    return (
      <Page title={t("recordings:page.title")} testId="recording-page">
        <Loading what={t("recordings:page.loading")} />
      </Page>
    );
  }
  const m = meeting.data.meeting;
  return (
    <Page
      title={t("recordings:page.titleOf", { title: m.title })}
      testId="recording-page"
      actions={
        <>
          <StatusBadge status={m.status} />
          {session.data && (
            <Button kind="small" busy={session.loading} onClick={() => void session.refetch()} testId="recording-refresh">
              {t("recordings:page.refresh")}
            </Button>
          )}
        </>
      }
    >
      <Head meeting={m} />
      {session.error && !session.data ? (
        <Section testId="recording-failed">
          <Notice kind="error" testId="recording-failed-reason">
            {session.error}
          </Notice>
          <Button kind="small" onClick={() => void session.refetch()} testId="recording-retry">
            {t("recordings:page.retry")}
          </Button>
        </Section>
      ) : session.data && session.data.recordingAvailability[0]?.shared === false ? (
        // the session is theirs to see, its recordings are not (the school's choice)
        <Section testId="recording-unavailable">
          <Empty title={t("recordings:page.unavailable.title")} testId="recording-unavailable-note">
            {t("recordings:page.unavailable.body")}
          </Empty>
        </Section>
      ) : !session.data ? (
        <Loading what={t("recordings:page.loading")} />
      ) : (
        <Contents meeting={m} data={session.data} refetch={session.refetch} />
      )}
    </Page>
  );
}
