// The attendance panels on the home page: a student's rate and latest classes; a parent's
// children, each with their rate and absences.
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Empty, Link, Loading, Notice, Section } from "../../ui";
import { CHILDREN, MINE, RECENT } from "./documents";
import { AbsenceNotices, Rates } from "./History";
import { tally } from "./rates";
import { FinalLabel, StatusPill } from "./Register";

export function StudentPanel() {
  const { data, error, loading } = useQuery(MINE, undefined);
  const rows = data?.studentAttendance ?? [];
  return (
    <Section
      title={t("attendance:home.mine")}
      testId="home-my-attendance"
      actions={<Link href={`${BASE}/attendance`}>{t("attendance:home.all")}</Link>}
    >
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading />}
      {data &&
        (rows.length ? (
          <>
            <Rates tally={tally(rows.map((r) => r.status))} />
            <ul class="rows">
              {rows.slice(0, 3).map((r) => (
                <li key={r.meetingId} class="row">
                  <div class="row-main">
                    <Link href={`${BASE}/meetings/${r.meetingId}`}>{r.meetingTitle}</Link>
                    <span class="muted">{fmt.dateTime(r.startTime)}</span>
                  </div>
                  <StatusPill status={r.status} />
                </li>
              ))}
            </ul>
          </>
        ) : (
          <Empty title={t("attendance:history.emptyMine")}>{t("attendance:history.emptyMineHint")}</Empty>
        ))}
    </Section>
  );
}

export function ParentPanel() {
  const { data, error, loading } = useQuery(CHILDREN, undefined);
  const children = data?.childrenAttendance ?? [];
  return (
    <Section
      title={t("attendance:home.children")}
      count={children.length}
      testId="home-children"
      actions={<Link href={`${BASE}/attendance`}>{t("attendance:home.all")}</Link>}
    >
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading />}
      {data && !children.length && <Empty title={t("attendance:children.none")}>{t("attendance:children.noneHint")}</Empty>}
      {children.map((child) => (
        <div key={child.student.id} class="child" data-test-id="home-child">
          <h3>{child.student.name}</h3>
          <Rates tally={tally(child.attendance.map((r) => r.status))} />
          <AbsenceNotices rows={child.attendance} name={child.student.name} />
        </div>
      ))}
    </Section>
  );
}

/** Teachers and admins: the latest classes that took place, each with its attendance rate,
 * one click from its register and timeline. */
export function RecentPanel() {
  const { data, error, loading } = useQuery(RECENT, undefined);
  const rows = (data?.meetings.items ?? []).filter((m) => m.canManage && m.status === "ENDED");
  return (
    <Section title={t("attendance:home.recent")} count={rows.length} testId="home-recent-attendance">
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading />}
      {data &&
        (rows.length ? (
          <ul class="rows">
            {rows.map((m) => {
              const x = tally(m.attendance.map((r) => r.status));
              const final = m.attendance.length > 0 && m.attendance.every((r) => r.isFinal);
              return (
                <li key={m.id} class="row" data-test-id="recent-session">
                  <div class="row-main">
                    <Link href={`${BASE}/meetings/${m.id}`}>{m.title}</Link>
                    <span class="muted">
                      {fmt.dateTime(m.startTime)}
                      {m.className && ` · ${m.className}`}
                    </span>
                  </div>
                  <span class="muted small">
                    {x.rate === null ? "—" : t("attendance:home.rate", { rate: fmt.percent(x.rate), count: x.counted })}
                  </span>
                  <FinalLabel final={final} />
                </li>
              );
            })}
          </ul>
        ) : (
          <Empty title={t("attendance:home.noRecent")}>{t("attendance:home.noRecentHint")}</Empty>
        ))}
    </Section>
  );
}
