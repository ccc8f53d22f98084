// Attendance over time, for each role: a student's own history with rates; a parent's children,
// each with their absences first; teachers and admins pick a class's grid.
import type { AttendanceMineQuery } from "../../api/gql/graphql";
import type { Role } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Empty, Link, Loading, Notice, Page, Section, SortableTable, type Column } from "../../ui";
import { CHILDREN, CLASSES, MINE } from "./documents";
import { tally, type Tally } from "./rates";
import { FinalLabel, StatusPill } from "./Register";

const COUNTS = [
  ["present", "PRESENT"],
  ["partial", "PARTIAL"],
  ["absent", "ABSENT"],
  ["excused", "EXCUSED"],
] as const;

export type HistoryRow = AttendanceMineQuery["studentAttendance"][number];

/** Absences scored for good: what a parent hears about. Newest first. */
export function absences(rows: HistoryRow[]): HistoryRow[] {
  return rows.filter((r) => r.status === "ABSENT" && r.isFinal).sort((a, b) => b.startTime.localeCompare(a.startTime));
}

export function Rates({ tally: x, testId }: { tally: Tally; testId?: string }) {
  return (
    <div class="rates" data-test-id={testId ?? "rates"}>
      <div class="rate-big" data-test-id="rate">
        {x.rate === null ? "—" : fmt.percent(x.rate)}
        <span class="muted small">{t("attendance:history.rateLabel")}</span>
      </div>
      <ul class="rate-counts">
        {COUNTS.map(([k, status]) => (
          <li key={k}>
            <span class={`badge attendance-${k}`}>{t(`attendanceStatus.${status}`)}</span> {fmt.number(x[k])}
          </li>
        ))}
      </ul>
    </div>
  );
}

function HistoryTable({ rows, testId }: { rows: HistoryRow[]; testId: string }) {
  const columns: Column<HistoryRow>[] = [
    {
      key: "when",
      label: t("attendance:history.when"),
      sort: (r) => r.startTime,
      render: (r) => fmt.dateTime(r.startTime),
    },
    {
      key: "status",
      label: t("attendance:register.status"),
      sort: (r) => r.status,
      render: (r) => (
        <span class="status-cell">
          <StatusPill status={r.status} />
          {r.overridden && <span class="muted small">{t("attendance:register.overridden", { reason: r.overrideReason })}</span>}
        </span>
      ),
    },
    {
      key: "session",
      label: t("attendance:history.session"),
      sort: (r) => r.meetingTitle,
      render: (r) => (
        <>
          <Link href={`${BASE}/meetings/${r.meetingId}`}>{r.meetingTitle}</Link>
          {r.className && <span class="muted small"> · {r.className}</span>}
        </>
      ),
    },
    {
      key: "minutes",
      label: t("attendance:register.minutes"),
      numeric: true,
      sort: (r) => r.attendedSeconds,
      render: (r) => fmt.duration(r.attendedSeconds),
    },
    {
      key: "final",
      label: t("attendance:register.final"),
      sort: (r) => (r.isFinal ? 1 : 0),
      render: (r) => <FinalLabel final={r.isFinal} />,
    },
  ];
  return (
    <SortableTable
      columns={columns}
      rows={rows}
      rowKey={(r) => r.meetingId}
      initialSort={{ key: "when", descending: true }}
      testId={testId}
      rowTestId={`${testId}-row`}
    />
  );
}

function Mine() {
  const { data, error, loading } = useQuery(MINE, undefined);
  const rows = data?.studentAttendance ?? [];
  return (
    <Page title={t("attendance:history.mineTitle")} testId="my-attendance-page">
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("attendance:history.loadingMine")} />}
      {data && (
        <>
          <Section title={t("attendance:history.summary")} testId="my-rates">
            <Rates tally={tally(rows.map((r) => r.status))} />
          </Section>
          <Section title={t("attendance:history.sessions")} count={rows.length} testId="my-attendance">
            {rows.length ? (
              <HistoryTable rows={rows} testId="my-attendance" />
            ) : (
              <Empty title={t("attendance:history.emptyMine")}>{t("attendance:history.emptyMineHint")}</Empty>
            )}
          </Section>
        </>
      )}
    </Page>
  );
}

export function AbsenceNotices({ rows, name }: { rows: HistoryRow[]; name: string }) {
  const missed = absences(rows);
  if (!missed.length) {
    return (
      <Notice kind="success" testId="no-absences">
        {t("attendance:children.noAbsences", { name })}
      </Notice>
    );
  }
  return (
    <div class="absences" data-test-id="absences">
      {missed.slice(0, 5).map((r) => (
        <Notice key={r.meetingId} kind="warning" testId="absence-notice">
          {t("attendance:children.absent", { name, session: r.meetingTitle, when: fmt.dateTime(r.startTime) })}
        </Notice>
      ))}
      {missed.length > 5 && <p class="muted small">{t("attendance:children.moreAbsences", { count: missed.length - 5 })}</p>}
    </div>
  );
}

function Children() {
  const { data, error, loading } = useQuery(CHILDREN, undefined);
  const children = data?.childrenAttendance ?? [];
  return (
    <Page title={t("attendance:children.title")} testId="children-attendance-page">
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("attendance:children.loading")} />}
      {data && !children.length && <Empty title={t("attendance:children.none")}>{t("attendance:children.noneHint")}</Empty>}
      {data && children.length > 0 && (
        <p class="muted small" data-test-id="absence-mail">
          {data.myReminderPreferences.absenceNoticesEnabled ? t("attendance:children.mailOn") : t("attendance:children.mailOff")}{" "}
          <Link href={`${BASE}/profile`}>{t("attendance:children.preferences")}</Link>
        </p>
      )}
      {children.map((child) => (
        <Section key={child.student.id} title={child.student.name} count={child.attendance.length} testId="child">
          <Rates tally={tally(child.attendance.map((r) => r.status))} />
          <AbsenceNotices rows={child.attendance} name={child.student.name} />
          {child.attendance.length ? (
            <HistoryTable rows={child.attendance} testId="child-attendance" />
          ) : (
            <Empty title={t("attendance:children.emptyChild", { name: child.student.name })}>{t("attendance:history.emptyMineHint")}</Empty>
          )}
        </Section>
      ))}
    </Page>
  );
}

function Classes() {
  const { data, error, loading } = useQuery(CLASSES, undefined);
  const classes = [...(data?.classes ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Page title={t("attendance:classes.title")} testId="attendance-classes-page">
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("attendance:classes.loading")} />}
      {data && (
        <Section title={t("attendance:classes.pick")} count={classes.length}>
          {classes.length ? (
            <ul class="rows">
              {classes.map((c) => (
                <li key={c.id} class="row" data-test-id="attendance-class">
                  <div class="row-main">
                    <strong>{c.name}</strong>
                    <span class="muted">
                      {t("attendance:classes.students", { count: c.students.length })}
                      {c.teachers.length > 0 && ` · ${c.teachers.map((x) => x.name).join(", ")}`}
                    </span>
                  </div>
                  <Link class="button small" href={`${BASE}/attendance/classes/${c.id}`} data-test-id="open-grid">
                    {t("attendance:classes.open")}
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <Empty title={t("attendance:classes.none")}>{t("attendance:classes.noneHint")}</Empty>
          )}
        </Section>
      )}
    </Page>
  );
}

export function AttendancePage({ role }: { role: Role }) {
  if (role === "STUDENT") return <Mine />;
  if (role === "PARENT") return <Children />;
  return <Classes />;
}
