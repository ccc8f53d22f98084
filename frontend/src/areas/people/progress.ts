/** How far an import is, for the progress bar: the share of rows done, and whether to keep
 * polling. */

export type ImportStatus = "QUEUED" | "RUNNING" | "DONE" | "FAILED";

export interface ImportJob {
  status: ImportStatus;
  total: number;
  processed: number;
}

export function importFraction(job: ImportJob): number {
  if (job.status === "DONE") return 1;
  if (!job.total) return 0;
  return Math.min(1, Math.max(0, job.processed / job.total));
}

export function importFinished(job: ImportJob): boolean {
  return job.status === "DONE" || job.status === "FAILED";
}

/** Poll quickly at first, then back off a little for long imports (at most every 3 s). */
export function pollDelay(attempt: number): number {
  return Math.min(3000, 500 + attempt * 250);
}
