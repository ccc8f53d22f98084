// Sessions: coming up, live now and past, paged. Ended sessions are never "coming up"; only a
// running class shows "Live".
import { useState } from "preact/hooks";
import { graphql } from "../../api/gql";
import type { MeetingWhen, SessionsListQuery } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link, navigate, useLocation } from "../../router";
import { Button, Empty, Field, Loading, Notice, Page, Tabs } from "../../ui";
import { type Availability, MAX_AVAILABILITY, RecordingLink, useRecordingAvailability } from "../recordings/RecordingLink";
import type { Me } from "../types";
import { isUpcoming } from "./joinWindow";
import { JoinButton, RsvpPicker, SessionLine, SessionStatus, StartClassButton, useNow } from "./parts";

const CLASSES = graphql(`
  query SessionsClasses {
    classes { id name }
  }
`);

const LIST = graphql(`
  query SessionsList($when: MeetingWhen!, $limit: Int!, $offset: Int!, $classId: ID) {
    meetings(when: $when, limit: $limit, offset: $offset, classId: $classId) {
      totalCount
      hasMore
      items {
        id title status startTime durationMinutes className seriesId
        teacher { name }
        canManage
        joinUrl
        myRsvp
      }
    }
    joinPolicy { opensMinutesBefore closesMinutesAfterEnd }
  }
`);

const PAGE = 20;
type Item = SessionsListQuery["meetings"]["items"][number];
type Policy = SessionsListQuery["joinPolicy"];

export function SessionRow({
  session,
  me,
  policy,
  recording,
}: {
  session: Item;
  me: Me;
  policy: Policy;
  /** The list's answer on this session's recording (undefined: the row asks for itself). */
  recording?: Availability | null;
}) {
  const student = me.role === "STUDENT";
  return (
    <li class="row session-row" data-test-id="session" data-meeting-id={session.id} data-status={session.status}>
      <SessionLine session={session} />
      <SessionStatus status={session.status} />
      <div class="row-actions">
        {session.canManage && <StartClassButton session={session} small />}
        {student && <JoinButton session={session} joinUrl={session.joinUrl} policy={policy} />}
        {session.status === "ENDED" && (
          <RecordingLink meetingId={session.id} availability={recording} />
        )}
      </div>
      {student && session.status === "SCHEDULED" && <RsvpPicker meetingId={session.id} answer={session.myRsvp} />}
    </li>
  );
}

function List({ when, me, classId }: { when: MeetingWhen; me: Me; classId: string | null }) {
  const [limit, setLimit] = useState(PAGE);
  const { data, error, loading } = useQuery(LIST, { when, limit, offset: 0, classId }, `${when}:${limit}:${classId}`);
  const now = useNow();
  // one request for the recordings of every ended session shown, not one a row
  const ended = (data?.meetings.items ?? []).filter((m) => m.status === "ENDED").map((m) => m.id);
  const recordings = useRecordingAvailability(ended);
  const asked = new Set(ended.slice(0, MAX_AVAILABILITY));
  // beyond the server's limit on one request (many pages shown), a row asks for itself
  const recordingOf = (id: string) => (asked.has(id) ? (recordings?.get(id) ?? null) : undefined);
  if (error && !data) return <Notice kind="error">{error}</Notice>;
  if (!data) return <Loading />;
  // The server already sorts them apart; the clock here keeps a session that ended while the
  // page was open out of "Coming up".
  const items = when === "UPCOMING" ? data.meetings.items.filter((m) => isUpcoming(m, now)) : data.meetings.items;
  if (!items.length) {
    const manages = me.role === "TEACHER" || me.role === "ADMIN";
    return (
      <Empty title={t(`sessions:list.empty.${when}`)} testId="sessions-empty">
        {manages && when === "UPCOMING" && (
          <Link href={`${BASE}/schedule${classId ? `?class=${classId}` : ""}`} class="button primary">
            {t("sessions:nav.schedule")}
          </Link>
        )}
      </Empty>
    );
  }
  return (
    <>
      <ul class="rows" data-test-id={`sessions-${when.toLowerCase()}`}>
        {items.map((m) => (
          <SessionRow key={m.id} session={m} me={me} policy={data.joinPolicy} recording={recordingOf(m.id)} />
        ))}
      </ul>
      {data.meetings.hasMore && (
        <Button busy={loading} onClick={() => setLimit(limit + PAGE)} testId="sessions-more">
          {t("sessions:list.more", { count: data.meetings.totalCount - data.meetings.items.length, n: fmt.number(data.meetings.totalCount - data.meetings.items.length) })}
        </Button>
      )}
    </>
  );
}

const WHEN: Record<string, MeetingWhen> = { upcoming: "UPCOMING", live: "LIVE", past: "PAST" };

export function SessionsPage({ me }: { me: Me }) {
  const { search } = useLocation();
  const classes = useQuery(CLASSES, undefined);
  const key = WHEN[search.get("when") ?? ""] ? (search.get("when") as string) : "upcoming";
  const classId = search.get("class") || null;
  const href = (k: string, c: string | null = classId) => {
    const params = new URLSearchParams();
    if (k !== "upcoming") params.set("when", k);
    if (c) params.set("class", c);
    const query = params.toString();
    return `${BASE}/sessions${query ? `?${query}` : ""}`;
  };
  const manages = me.role === "TEACHER" || me.role === "ADMIN";
  const classList = classes.data?.classes ?? [];
  return (
    <Page
      title={t("sessions:list.title")}
      testId="sessions-page"
      actions={
        manages && (
          <Link href={`${BASE}/schedule${classId ? `?class=${classId}` : ""}`} class="button primary" data-test-id="sessions-schedule">
            {classId ? t("sessions:list.scheduleForClass") : t("sessions:nav.schedule")}
          </Link>
        )
      }
    >
      {classList.length > 1 && (
        <Field label={t("sessions:list.class")}>
          {(props) => (
            <select {...props} value={classId ?? ""} onChange={(e) => navigate(href(key, e.currentTarget.value || null))} data-test-id="sessions-class">
              <option value="">{t("sessions:list.allClasses")}</option>
              {classList.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Tabs
        label={t("sessions:list.title")}
        current={href(key)}
        tabs={Object.keys(WHEN).map((k) => ({ href: href(k), label: t(`sessions:list.tab.${k as "upcoming"}`), testId: `sessions-tab-${k}` }))}
      />
      <section class="card">
        <List key={`${key}:${classId}`} when={WHEN[key]} me={me} classId={classId} />
      </section>
    </Page>
  );
}
