/** The import preview: every row of the file with what the server's dry run says of it. Rows
 * the import takes carry their action (create, update, unchanged); rejected rows carry their
 * errors; errors of the whole file (no line) are listed apart. */

import type { CsvRow } from "./csv";

export type RowAction = "CREATE" | "UPDATE" | "UNCHANGED";
export type RowStatus = RowAction | "REJECTED";

export interface ReportRow {
  line: number;
  email: string;
  name: string;
  role: string;
  action: RowAction;
  classes: string[];
  parentEmails: string[];
}

export interface ReportError {
  line?: number | null;
  column?: string | null;
  message: string;
}

export interface PreviewRow {
  line: number;
  cells: Record<string, string>;
  status: RowStatus;
  errors: ReportError[];
}

export interface Preview {
  header: string[];
  /** The rows with errors, and those the server previewed (it lists the first ones only). */
  rows: PreviewRow[];
  fileErrors: ReportError[];
  /** Rows the import takes that the server did not list (the counts include them). */
  unlisted: number;
}

export function previewOf(
  rows: CsvRow[],
  report: { rows: ReportRow[]; errors: ReportError[]; total: number; rejected: number },
): Preview {
  const [head, ...data] = rows;
  const header = (head?.cells ?? []).map((h) => h.trim().toLowerCase());
  const taken = new Map(report.rows.map((r) => [r.line, r]));
  const errorsByLine = new Map<number, ReportError[]>();
  const fileErrors: ReportError[] = [];
  for (const error of report.errors) {
    if (error.line == null || error.line === head?.line) {
      fileErrors.push(error);
      continue;
    }
    errorsByLine.set(error.line, [...(errorsByLine.get(error.line) ?? []), error]);
  }
  if (fileErrors.length) return { header, rows: [], fileErrors, unlisted: 0 };
  // The server lists the rows it takes in file order, up to a bound: past the last one listed,
  // a row without errors is one it did not list.
  const complete = report.rows.length >= report.total - report.rejected;
  const lastListed = report.rows.reduce((last, r) => Math.max(last, r.line), 0);
  const preview: PreviewRow[] = [];
  let unlisted = 0;
  for (const row of data) {
    const cells: Record<string, string> = {};
    header.forEach((name, i) => (cells[name] = (row.cells[i] ?? "").trim()));
    const errors = errorsByLine.get(row.line) ?? [];
    const planned = taken.get(row.line);
    if (!errors.length && !planned && !complete && row.line > lastListed) {
      unlisted += 1;
      continue;
    }
    const status: RowStatus = errors.length || !planned ? "REJECTED" : planned.action;
    preview.push({ line: row.line, cells, status, errors });
  }
  return { header, rows: preview, fileErrors, unlisted };
}

/** Rows with errors first (so the admin sees what to fix), then the file's order. */
export function problemsFirst(rows: PreviewRow[]): PreviewRow[] {
  return [...rows].sort(
    (a, b) => Number(b.status === "REJECTED") - Number(a.status === "REJECTED") || a.line - b.line,
  );
}

export const MAX_FILE_BYTES = 2_000_000;

export function fileTooLarge(bytes: number): boolean {
  return bytes > MAX_FILE_BYTES;
}
