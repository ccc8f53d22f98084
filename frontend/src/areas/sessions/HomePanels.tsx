// The home page's sessions panels: a teacher's today and coming up (with Start class), a
// student's coming up (Join with its countdown, their RSVP), a parent's children's sessions.
import { graphql } from "../../api/gql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link } from "../../router";
import { Empty, Loading, Notice, Section } from "../../ui";
import type { Me } from "../types";
import { isUpcoming } from "./joinWindow";
import { JoinButton, RsvpPicker, SessionLine, SessionStatus, StartClassButton, useNow } from "./parts";

const TEACHER = graphql(`
  query SessionsTeacherHome {
    live: meetings(when: LIVE, limit: 10) {
      items { id title status startTime durationMinutes className teacher { name } canManage }
    }
    upcoming: meetings(when: UPCOMING, limit: 8) {
      totalCount
      items { id title status startTime durationMinutes className teacher { name } canManage }
    }
  }
`);

const STUDENT = graphql(`
  query SessionsStudentHome {
    live: meetings(when: LIVE, limit: 10) {
      items { id title status startTime durationMinutes className teacher { name } joinUrl myRsvp }
    }
    upcoming: meetings(when: UPCOMING, limit: 8) {
      totalCount
      items { id title status startTime durationMinutes className teacher { name } joinUrl myRsvp }
    }
    joinPolicy { opensMinutesBefore closesMinutesAfterEnd }
  }
`);

const CLASSES = graphql(`
  query SessionsHomeClasses {
    classes { id name studentCount teachers { name } }
  }
`);

const PARENT = graphql(`
  query SessionsParentHome {
    childrenSessions(limit: 5) {
      child { id name }
      upcoming { id title status startTime durationMinutes className teacher { name } }
    }
  }
`);

function More({ total, shown }: { total: number; shown: number }) {
  if (total <= shown) return null;
  return (
    <p>
      <Link href={`${BASE}/sessions`} data-test-id="sessions-all">
        {t("sessions:home.all", { count: total - shown, n: fmt.number(total - shown) })}
      </Link>
    </p>
  );
}

export function TeacherHome() {
  const { data, error } = useQuery(TEACHER, undefined);
  const now = useNow();
  if (error && !data) return <Notice kind="error">{error}</Notice>;
  if (!data) return <Loading />;
  const today = fmt.dayKey(now);
  const sessions = [...data.live.items, ...data.upcoming.items.filter((m) => isUpcoming(m, now))];
  const todays = sessions.filter((m) => m.status === "STARTED" || fmt.dayKey(m.startTime) === today);
  const later = sessions.filter((m) => !todays.includes(m));
  const row = (m: (typeof sessions)[number], now?: boolean) => (
    <li class="row session-row" key={m.id} data-test-id="meeting" data-meeting-id={m.id} data-status={m.status}>
      <SessionLine session={m} />
      <SessionStatus status={m.status} />
      <div class="row-actions">
        {m.canManage && <StartClassButton session={m} small primary={now} />}
        {m.canManage && (
          <Link class="button small" href={`${BASE}/meetings/${m.id}`} data-test-id="open-room">
            {t("sessions:about.liveRoom")}
          </Link>
        )}
      </div>
    </li>
  );
  return (
    <Section
      title={t("sessions:home.teacherTitle")}
      testId="home-teacher-sessions"
      actions={
        <Link href={`${BASE}/schedule`} class="button small primary" data-test-id="home-schedule">
          {t("sessions:nav.schedule")}
        </Link>
      }
    >
      {sessions.length === 0 ? (
        <Empty title={t("sessions:home.teacherEmpty")} testId="home-sessions-empty">
          {t("sessions:home.teacherEmptyHint")}
        </Empty>
      ) : (
        <>
          <h3>{t("sessions:home.today")}</h3>
          {todays.length ? <ul class="rows" data-test-id="home-today">{todays.map((m) => row(m, true))}</ul> : <p class="muted">{t("sessions:home.nothingToday")}</p>}
          {later.length > 0 && (
            <>
              <h3>{t("sessions:home.later")}</h3>
              <ul class="rows" data-test-id="home-later">
                {later.map((m) => row(m))}
              </ul>
            </>
          )}
          <More total={data.upcoming.totalCount} shown={data.upcoming.items.length} />
        </>
      )}
    </Section>
  );
}

export function StudentHome() {
  const { data, error } = useQuery(STUDENT, undefined);
  const now = useNow();
  if (error && !data) return <Notice kind="error">{error}</Notice>;
  if (!data) return <Loading />;
  const sessions = [...data.live.items, ...data.upcoming.items.filter((m) => isUpcoming(m, now))];
  return (
    <Section title={t("sessions:home.studentTitle")} count={data.live.items.length + data.upcoming.totalCount} testId="home-student-sessions">
      {sessions.length === 0 ? (
        <Empty title={t("sessions:home.studentEmpty")} testId="home-sessions-empty">
          {t("sessions:home.studentEmptyHint")}
        </Empty>
      ) : (
        <ul class="rows">
          {sessions.map((m) => (
            <li class="row session-row" key={m.id} data-test-id="meeting" data-meeting-id={m.id} data-status={m.status}>
              <SessionLine session={m} />
              <SessionStatus status={m.status} />
              <div class="row-actions">
                <JoinButton session={m} joinUrl={m.joinUrl} policy={data.joinPolicy} />
              </div>
              {m.status === "SCHEDULED" && m.joinUrl && <RsvpPicker meetingId={m.id} answer={m.myRsvp} />}
            </li>
          ))}
        </ul>
      )}
      <More total={data.upcoming.totalCount} shown={data.upcoming.items.length} />
    </Section>
  );
}

export function ParentHome() {
  const { data, error } = useQuery(PARENT, undefined);
  const now = useNow();
  if (error && !data) return <Notice kind="error">{error}</Notice>;
  if (!data) return <Loading />;
  if (data.childrenSessions.length === 0) {
    return (
      <Section title={t("sessions:home.parentTitle")} testId="home-parent-sessions">
        <Empty title={t("sessions:home.noChildren")} testId="home-no-children">
          {t("sessions:home.noChildrenHint")}
        </Empty>
      </Section>
    );
  }
  return (
    <>
      {data.childrenSessions.map(({ child, upcoming }) => {
        const sessions = upcoming.filter((m) => isUpcoming(m, now));
        return (
          <Section key={child.id} title={t("sessions:home.childTitle", { name: child.name })} testId="home-child-sessions">
            {sessions.length === 0 ? (
              <p class="muted" data-test-id="home-child-empty">
                {t("sessions:home.childEmpty", { name: child.name })}
              </p>
            ) : (
              <ul class="rows">
                {sessions.map((m) => (
                  <li class="row session-row" key={m.id} data-test-id="meeting" data-meeting-id={m.id}>
                    <SessionLine session={m} />
                    <SessionStatus status={m.status} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
        );
      })}
    </>
  );
}

/** The viewer's classes: every student counted (studentCount), not only those they may see;
 * a teacher goes from a class to its sessions or schedules one. */
export function ClassesCard({ me }: { me: Me }) {
  const { data } = useQuery(CLASSES, undefined);
  if (!data || data.classes.length === 0) return null;
  const manages = me.role === "TEACHER" || me.role === "ADMIN";
  return (
    <Section title={t("sessions:home.classesTitle")} count={data.classes.length} testId="classes">
      <ul class="rows">
        {data.classes.map((c) => (
          <li class="row session-row" key={c.id} data-test-id="class">
            <div class="row-main">
              <strong>{c.name}</strong>
              <span class="muted small">
                {c.teachers.map((x) => x.name).join(", ") || t("sessions:home.noTeacher")} ·{" "}
                {t("sessions:home.students", { count: c.studentCount, n: fmt.number(c.studentCount) })}
              </span>
            </div>
            {manages && (
              <div class="row-actions">
                <Link class="button small" href={`${BASE}/sessions?class=${c.id}`} data-test-id="class-sessions">
                  {t("sessions:nav.sessions")}
                </Link>
                <Link class="button small" href={`${BASE}/schedule?class=${c.id}`} data-test-id="class-schedule">
                  {t("sessions:home.scheduleHere")}
                </Link>
              </div>
            )}
          </li>
        ))}
      </ul>
    </Section>
  );
}

export function HomeSessions({ me }: { me: Me }) {
  const panel = me.role === "STUDENT" ? <StudentHome /> : me.role === "PARENT" ? <ParentHome /> : <TeacherHome />;
  // Admins see the school's classes in the people area's panel.
  return (
    <>
      {panel}
      {me.role !== "ADMIN" && <ClassesCard me={me} />}
    </>
  );
}
