/** Attendance rates: of the sessions that were scored for a person (or of the people scored in a
 * session), the share they attended (present or partial). Excused sessions are left out of the
 * count; sessions not scored (no status) are not counted either. */

export type Status = "PRESENT" | "PARTIAL" | "ABSENT" | "EXCUSED";

export interface Tally {
  present: number;
  partial: number;
  absent: number;
  excused: number;
  /** Scored and not excused: the denominator of the rate. */
  counted: number;
  /** (present + partial) / counted; null when nothing counts. */
  rate: number | null;
}

export function tally(statuses: Iterable<Status | null | undefined>): Tally {
  const t = { present: 0, partial: 0, absent: 0, excused: 0 };
  for (const s of statuses) {
    if (s === "PRESENT") t.present++;
    else if (s === "PARTIAL") t.partial++;
    else if (s === "ABSENT") t.absent++;
    else if (s === "EXCUSED") t.excused++;
  }
  const counted = t.present + t.partial + t.absent;
  return { ...t, counted, rate: counted ? (t.present + t.partial) / counted : null };
}

export interface GridLike {
  sessions: { id: string }[];
  rows: { cells: { meetingId: string; status: Status | null }[] }[];
}

/** Per student (row order) and per session (column order). */
export function gridRates(grid: GridLike): { perStudent: Tally[]; perSession: Tally[] } {
  const columns = new Set(grid.sessions.map((s) => s.id));
  const perStudent = grid.rows.map((row) => tally(row.cells.filter((c) => columns.has(c.meetingId)).map((c) => c.status)));
  const perSession = grid.sessions.map((session) =>
    tally(grid.rows.map((row) => row.cells.find((c) => c.meetingId === session.id)?.status ?? null)),
  );
  return { perStudent, perSession };
}
