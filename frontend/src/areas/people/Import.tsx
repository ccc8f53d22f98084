// Import people from a CSV file (admins): choose a file, see every row and what the import will
// do with it (a dry run: nothing written), then run it and watch its progress; the result and
// the rows it refused stay on the page (the job's id is in the address, so a reload keeps it).
import { Fragment } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { PeopleImportJobQuery, PeopleImportRunMutation } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link, navigate, useLocation } from "../../router";
import { Button, Empty, Errors, Field, Notice, Page, ProgressBar, Section } from "../../ui";
import { PEOPLE_IMPORT, PEOPLE_IMPORT_JOB } from "./api";
import { csvRows } from "./csv";
import { PeopleTabs } from "./PeopleTabs";
import { fileTooLarge, MAX_FILE_BYTES, previewOf, problemsFirst, type Preview, type PreviewRow, type ReportError } from "./preview";
import { importFinished, importFraction, pollDelay } from "./progress";
import sample from "./sample.csv?raw";

type Report = NonNullable<PeopleImportRunMutation["importPeople"]["report"]>;
type Job = NonNullable<PeopleImportJobQuery["peopleImport"]>;

const SHOWN_STEP = 200;
const SAMPLE_HREF = `data:text/csv;charset=utf-8,${encodeURIComponent(sample)}`;

export function ImportPage() {
  const { search } = useLocation();
  const jobId = search.get("job");
  return (
    <Page title={t("people:import.title")} testId="import-page">
      <PeopleTabs current={`${BASE}/people/import`} />
      {jobId ? <JobView id={jobId} /> : <Chooser />}
    </Page>
  );
}

function Chooser() {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState<"reading" | "checking" | "starting" | null>(null);
  const [sendInvitations, setSendInvitations] = useState(true);

  const fail = (message: string) => setErrors([{ field: null, message, code: "invalid" }]);
  const choose = async (input: HTMLInputElement) => {
    const chosen = input.files?.[0];
    setReport(null);
    setErrors([]);
    if (!chosen) return;
    if (fileTooLarge(chosen.size)) {
      setFile(null);
      fail(t("people:import.tooLarge", { size: fmt.number(chosen.size), max: fmt.number(MAX_FILE_BYTES) }));
      return;
    }
    setBusy("reading");
    try {
      const text = await chosen.text();
      setFile({ name: chosen.name, text });
      setBusy("checking");
      const { importPeople } = await request(PEOPLE_IMPORT, { csv: text, dryRun: true });
      setErrors(importPeople.errors);
      setReport(importPeople.report);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  const start = async () => {
    if (!file) return;
    setBusy("starting");
    setErrors([]);
    try {
      const { importPeople } = await request(PEOPLE_IMPORT, { csv: file.text, dryRun: false, sendInvitations });
      setErrors(importPeople.errors);
      if (importPeople.job) navigate(`${BASE}/people/import?job=${importPeople.job.id}`);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  const preview = useMemo(() => (file && report ? previewOf(csvRows(file.text), report) : null), [file, report]);
  const writes = report ? report.created + report.updated : 0;

  return (
    <>
      <Section title={t("people:import.chooseTitle")} testId="import-choose">
        <p>{t("people:import.intro")}</p>
        <p class="small">
          <a href={SAMPLE_HREF} download="people-sample.csv" data-test-id="import-sample">
            {t("people:import.sample")}
          </a>{" "}
          <span class="muted">{t("people:import.columns")}</span>
        </p>
        <Field label={t("people:import.file")} hint={t("people:import.fileHint", { max: fmt.number(MAX_FILE_BYTES / 1_000_000) })}>
          {(props) => (
            <input
              {...props}
              type="file"
              accept=".csv,text/csv"
              disabled={busy !== null}
              onChange={(e) => void choose(e.currentTarget)}
              data-test-id="import-file"
            />
          )}
        </Field>
        {busy === "reading" && <ProgressBar label={t("people:import.reading")} />}
        {busy === "checking" && <ProgressBar label={t("people:import.checking")} testId="import-checking" />}
        <Errors errors={errors} testId="import-errors" />
      </Section>
      {preview && report && file && (
        <>
          <Section title={t("people:import.previewTitle", { file: file.name })} testId="import-preview">
            <Counts report={report} />
            <FileErrors errors={preview.fileErrors} />
            {report.total > 0 && (
              <>
                <label class="check">
                  <input type="checkbox" checked={sendInvitations} onChange={(e) => setSendInvitations(e.currentTarget.checked)} data-test-id="import-invite" />{" "}
                  {t("people:import.sendInvitations")}
                </label>
                <div class="form-actions">
                  <Button kind="primary" disabled={writes === 0} busy={busy === "starting"} onClick={() => void start()} testId="import-start">
                    {t("people:import.start", { count: writes, n: fmt.number(writes) })}
                  </Button>
                  {writes === 0 && <span class="muted small">{t("people:import.nothingToDo")}</span>}
                  {report.rejected > 0 && writes > 0 && (
                    <span class="muted small">{t("people:import.rejectedSkipped", { count: report.rejected, n: fmt.number(report.rejected) })}</span>
                  )}
                </div>
              </>
            )}
          </Section>
          {preview.rows.length > 0 && <PreviewTable preview={preview} />}
        </>
      )}
    </>
  );
}

function Counts({ report }: { report: Report }) {
  const items: [string, number, string][] = [
    [t("people:import.count.total"), report.total, "total"],
    [t("people:import.count.create"), report.created, "create"],
    [t("people:import.count.update"), report.updated, "update"],
    [t("people:import.count.unchanged"), report.unchanged, "unchanged"],
    [t("people:import.count.rejected"), report.rejected, "rejected"],
  ];
  return (
    <dl class="counts" data-test-id="import-counts">
      {items.map(([label, value, key]) => (
        <div key={key} class={`count count-${key}`} data-test-id={`import-count-${key}`}>
          <dt>{label}</dt>
          <dd>{fmt.number(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function FileErrors({ errors }: { errors: ReportError[] }) {
  if (!errors.length) return null;
  return (
    <Notice kind="error" testId="import-file-errors">
      {errors.map((e) => e.message).join(" ")}
    </Notice>
  );
}

const STATUS_CLASS: Record<PreviewRow["status"], string> = {
  CREATE: "badge-ok",
  UPDATE: "badge-info",
  UNCHANGED: "",
  REJECTED: "badge-bad",
};

function PreviewTable({ preview }: { preview: Preview }) {
  const [shown, setShown] = useState(SHOWN_STEP);
  const rows = useMemo(() => problemsFirst(preview.rows), [preview]);
  return (
    <Section title={t("people:import.rowsTitle")} count={rows.length} testId="import-rows">
      <div class="table-wrap">
        <table class="import-table">
          <thead>
            <tr>
              <th class="num">{t("people:import.col.line")}</th>
              <th>{t("people:import.col.status")}</th>
              <th>{t("people:import.col.person")}</th>
              <th>{t("people:import.col.role")}</th>
              <th>{t("people:import.col.classes")}</th>
              <th>{t("people:import.col.parents")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, shown).map((row) => (
              <Fragment key={row.line}>
                <tr class={row.status === "REJECTED" ? "rejected" : undefined} data-test-id="import-row" data-status={row.status}>
                  <td class="num">{fmt.number(row.line)}</td>
                  <td>
                    <span class={`badge ${STATUS_CLASS[row.status]}`}>{t(`people:import.status.${row.status}`)}</span>
                  </td>
                  <td>
                    <span class="cell-main">{row.cells.name || "—"}</span>
                    <span class="muted small">{row.cells.email}</span>
                  </td>
                  <td>{row.cells.role}</td>
                  <td>{row.cells.classes}</td>
                  <td>{row.cells.parent_emails}</td>
                </tr>
                {row.errors.length > 0 && (
                  <tr class="row-errors" data-test-id="import-row-errors">
                    <td />
                    <td colSpan={5}>
                      <ul class="errors">
                        {row.errors.map((e, i) => (
                          <li key={i}>
                            {e.column && <strong>{e.column}: </strong>}
                            {e.message}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {preview.unlisted > 0 && <p class="muted small">{t("people:import.unlisted", { count: preview.unlisted, n: fmt.number(preview.unlisted) })}</p>}
      {rows.length > shown && (
        <Button kind="ghost" onClick={() => setShown(shown + SHOWN_STEP)}>
          {t("people:import.showMore", { count: Math.min(SHOWN_STEP, rows.length - shown), n: fmt.number(Math.min(SHOWN_STEP, rows.length - shown)) })}
        </Button>
      )}
    </Section>
  );
}

function JobView({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const poll = async (attempt: number) => {
      try {
        const { peopleImport } = await request(PEOPLE_IMPORT_JOB, { id });
        if (stopped) return;
        setError(null);
        if (!peopleImport) {
          setMissing(true);
          return;
        }
        setJob(peopleImport);
        if (importFinished(peopleImport)) return;
      } catch (e) {
        if (stopped) return;
        setError(e instanceof Error ? e.message : String(e));
      }
      timer = window.setTimeout(() => void poll(attempt + 1), pollDelay(attempt));
    };
    void poll(0);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [id]);

  if (missing) {
    return (
      <Empty title={t("people:import.jobMissing")}>
        <Link href={`${BASE}/people/import`}>{t("people:import.again")}</Link>
      </Empty>
    );
  }
  return (
    <Section title={job && importFinished(job) ? t("people:import.resultTitle") : t("people:import.jobTitle")} testId="import-job">
      {error && <Notice kind="warning">{t("people:import.pollError", { message: error })}</Notice>}
      {!job && <ProgressBar label={t("people:import.queued")} />}
      {job && !importFinished(job) && (
        <div data-test-id="import-progress" data-status={job.status}>
          <ProgressBar
            value={job.status === "QUEUED" ? undefined : job.processed}
            max={job.status === "QUEUED" || !job.total ? undefined : job.total}
            label={
              job.status === "QUEUED"
                ? t("people:import.queued")
                : job.total
                  ? t("people:import.running", { percent: fmt.percent(importFraction(job)) })
                  : t("people:import.checking")
            }
            testId="import-progress-bar"
          />
          <p class="muted small">{t("people:import.leaveHint")}</p>
        </div>
      )}
      {job && job.status === "DONE" && (
        <Notice kind={job.errorCount ? "warning" : "success"} testId="import-done">
          {t("people:import.done", {
            created: fmt.number(job.created),
            updated: fmt.number(job.updated),
            unchanged: fmt.number(job.unchanged),
          })}
          {job.invited > 0 && ` ${t("people:import.invited", { count: job.invited, n: fmt.number(job.invited) })}`}
        </Notice>
      )}
      {job && job.status === "FAILED" && (
        <Notice kind="error" testId="import-failed">
          {job.failure || t("people:import.failed")}
        </Notice>
      )}
      {job && importFinished(job) && job.errorCount > 0 && (
        <>
          <h3>{t("people:import.rowErrors", { count: job.errorCount, n: fmt.number(job.errorCount) })}</h3>
          <ul class="errors job-errors" data-test-id="import-job-errors">
            {job.errors.map((e, i) => (
              <li key={i}>
                {e.line ? `${t("people:import.line", { line: fmt.number(e.line) })} · ` : ""}
                {e.column && <strong>{e.column}: </strong>}
                {e.message}
              </li>
            ))}
          </ul>
          {job.errorCount > job.errors.length && <p class="muted small">{t("people:import.moreErrors", { count: job.errorCount - job.errors.length, n: fmt.number(job.errorCount - job.errors.length) })}</p>}
        </>
      )}
      {job && importFinished(job) && (
        <div class="form-actions">
          <Link class="button" href={`${BASE}/people?status=pending`} data-test-id="import-to-people">
            {t("people:import.toPeople")}
          </Link>
          <Link class="button" href={`${BASE}/people/import`} data-test-id="import-again">
            {t("people:import.again")}
          </Link>
        </div>
      )}
    </Section>
  );
}
