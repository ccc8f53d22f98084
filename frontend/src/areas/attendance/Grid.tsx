// A class's attendance across its sessions: students × sessions, a status in each cell, each
// student's rate and each session's; a CSV of the same. The server scopes the rows (teachers and
// admins: the class; a student: themself; a parent: their children).
import { useMemo } from "preact/hooks";
import type { AttendanceGridQuery, AttendanceStatus } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Button, Empty, Link, Loading, Notice, Page, Section } from "../../ui";
import { csvFileName, toCsv, type Cell } from "./csv";
import { GRID } from "./documents";
import { gridRates, tally, type Tally } from "./rates";

type Grid = AttendanceGridQuery["classAttendance"];

const HELD = new Set(["STARTED", "ENDED"]);
const LEGEND: AttendanceStatus[] = ["PRESENT", "PARTIAL", "ABSENT", "EXCUSED"];

function rateText(tally: Tally): string {
  return tally.rate === null ? "—" : fmt.percent(tally.rate);
}

export function heldSessions(grid: Grid) {
  return grid.meetings.filter((m) => HELD.has(m.status));
}

/** The grid as CSV rows: a header, one row per student, a last row of session rates. */
export function gridCsv(grid: Grid): Cell[][] {
  const sessions = heldSessions(grid);
  const { perStudent, perSession } = gridRates({ sessions, rows: grid.rows });
  const header: Cell[] = [
    t("attendance:grid.student"),
    t("attendance:grid.email"),
    ...sessions.map((s) => `${s.title} (${fmt.dateTime(s.startTime)})`),
    t("attendance:grid.rate"),
  ];
  const rows = grid.rows.map((row, i) => [
    row.student.name,
    row.student.email,
    ...sessions.map((s) => {
      const cell = row.cells.find((c) => c.meetingId === s.id);
      return cell?.status ? t(`attendanceStatus.${cell.status}`) : "";
    }),
    perStudent[i].rate === null ? "" : Math.round(perStudent[i].rate! * 100) + "%",
  ]);
  const footer: Cell[] = [
    t("attendance:grid.sessionRate"),
    "",
    ...perSession.map((tally) => (tally.rate === null ? "" : Math.round(tally.rate * 100) + "%")),
    "",
  ];
  return [header, ...rows, footer];
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function StatusCell({ status, final }: { status: AttendanceStatus | null; final: boolean }) {
  if (!status) return <span class="muted" aria-label={t("attendance:grid.notScored")}>·</span>;
  return (
    <span
      class={`badge cell attendance-${status.toLowerCase()}${final ? "" : " provisional"}`}
      title={`${t(`attendanceStatus.${status}`)}${final ? "" : ` (${t("attendance:provisional")})`}`}
      data-status={status}
    >
      {t(`attendance:abbr.${status}`)}
    </span>
  );
}

export function GridPage({ classId }: { classId: string }) {
  const { data, error, loading } = useQuery(GRID, { classId }, classId);
  const name = data?.classes.find((c) => c.id === classId)?.name ?? t("attendance:grid.title");
  return (
    <Page
      title={name}
      testId="grid-page"
      actions={
        data && (
          <Button
            kind="primary"
            onClick={() => download(csvFileName(name, t("attendance:grid.fileSuffix")), toCsv(gridCsv(data.classAttendance)))}
            disabled={!heldSessions(data.classAttendance).length}
            testId="grid-csv"
          >
            {t("attendance:grid.csv")}
          </Button>
        )
      }
    >
      <p>
        <Link href={`${BASE}/attendance`}>{t("attendance:grid.back")}</Link>
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("attendance:grid.loading")} />}
      {data && <GridTable grid={data.classAttendance} />}
    </Page>
  );
}

function GridTable({ grid }: { grid: Grid }) {
  const sessions = useMemo(() => heldSessions(grid), [grid]);
  const { perStudent, perSession } = useMemo(() => gridRates({ sessions, rows: grid.rows }), [grid, sessions]);
  if (!sessions.length || !grid.rows.length) {
    return (
      <Section>
        <Empty title={t("attendance:grid.empty")} testId="grid-empty">
          {t("attendance:grid.emptyHint")}
        </Empty>
      </Section>
    );
  }
  const ids = new Set(sessions.map((s) => s.id));
  const overall = tally(grid.rows.flatMap((row) => row.cells.filter((c) => ids.has(c.meetingId)).map((c) => c.status)));
  return (
    <Section
      title={t("attendance:grid.title")}
      testId="grid"
      actions={<span class="muted small">{t("attendance:grid.overall", { rate: rateText(overall) })}</span>}
    >
      <div class="table-wrap grid-wrap">
        <table class="attendance-grid" data-test-id="grid-table">
          <thead>
            <tr>
              <th scope="col" class="sticky">
                {t("attendance:grid.student")}
              </th>
              {sessions.map((s) => (
                <th key={s.id} scope="col" class="session-col">
                  <Link href={`${BASE}/meetings/${s.id}`} title={s.title}>
                    {fmt.shortDate(s.startTime)}
                    <br />
                    <span class="muted small">{fmt.time(s.startTime)}</span>
                  </Link>
                </th>
              ))}
              <th scope="col" class="num">
                {t("attendance:grid.rate")}
              </th>
            </tr>
          </thead>
          <tbody>
            {grid.rows.map((row, i) => (
              <tr key={row.student.id} data-test-id="grid-row">
                <th scope="row" class="sticky">
                  {row.student.name}
                </th>
                {sessions.map((s) => {
                  const cell = row.cells.find((c) => c.meetingId === s.id);
                  return (
                    <td key={s.id} class="cell-td">
                      <StatusCell status={cell?.status ?? null} final={cell?.isFinal ?? false} />
                    </td>
                  );
                })}
                <td class="num" data-test-id="student-rate">
                  {rateText(perStudent[i])}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" class="sticky">
                {t("attendance:grid.sessionRate")}
              </th>
              {perSession.map((tally, i) => (
                <td key={sessions[i].id} class="num" data-test-id="session-rate">
                  {rateText(tally)}
                </td>
              ))}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="muted small legend">
        {LEGEND.map((s) => (
          <span key={s}>
            <StatusCell status={s} final /> {t(`attendanceStatus.${s}`)}
          </span>
        ))}
        <span>{t("attendance:grid.rateHint")}</span>
      </p>
    </Section>
  );
}
