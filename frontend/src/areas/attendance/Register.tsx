// A session's register: every expected student, sortable; for those who manage the class, a
// correction (override) with a reason, per student.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { AttendanceSessionQuery, AttendanceStatus } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, Empty, Errors, Field, fieldErrors, otherErrors, RoleBadge, Section, SortableTable, thrownErrors, type Column } from "../../ui";
import { OVERRIDE } from "./documents";

export type Session = AttendanceSessionQuery["sessionAttendance"];
export type RegisterRow = Session["rows"][number];
type GuestRow = Session["guests"][number];

const STATUSES: AttendanceStatus[] = ["PRESENT", "PARTIAL", "ABSENT", "EXCUSED"];

export function StatusPill({ status }: { status: AttendanceStatus }) {
  return (
    <span class={`badge attendance-${status.toLowerCase()}`} data-test-id="attendance-status" data-status={status}>
      {t(`attendanceStatus.${status}`)}
    </span>
  );
}

export function FinalLabel({ final }: { final: boolean }) {
  return <span class={final ? "final-label final" : "final-label"}>{final ? t("attendance:final") : t("attendance:provisional")}</span>;
}

function Override({ meetingId, row, onDone, onCancel }: {
  meetingId: string;
  row: RegisterRow;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [status, setStatus] = useState<AttendanceStatus>(row.status);
  const [reason, setReason] = useState(row.overrideReason);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: "reason", message: t("attendance:override.reasonRequired"), code: "required" }]);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      const { overrideAttendance } = await request(OVERRIDE, { meetingId, studentId: row.student.id, status, reason });
      if (overrideAttendance.errors.length) setErrors(overrideAttendance.errors);
      else onDone();
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="override" onSubmit={save} data-test-id="override-form">
      <h3>{t("attendance:override.title", { name: row.student.name })}</h3>
      <p class="muted small">{t("attendance:override.now", { status: t(`attendanceStatus.${row.computedStatus}`), time: fmt.duration(row.attendedSeconds) })}</p>
      <Field label={t("attendance:override.status")} errors={fieldErrors(errors, "status")}>
        {(props) => (
          <select {...props} value={status} onChange={(e) => setStatus(e.currentTarget.value as AttendanceStatus)} data-test-id="override-status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`attendanceStatus.${s}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("attendance:override.reason")} hint={t("attendance:override.reasonHint")} errors={fieldErrors(errors, "reason")}>
        {(props) => (
          <textarea
            {...props}
            rows={2}
            maxLength={500}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
            data-test-id="override-reason"
          />
        )}
      </Field>
      <Errors errors={otherErrors(errors, ["status", "reason"])} testId="override-errors" />
      <div class="form-actions">
        <Button kind="primary" type="submit" busy={busy} testId="override-save">
          {t("attendance:override.save")}
        </Button>
        <Button kind="ghost" onClick={onCancel} testId="override-cancel">
          {t("ui.cancel")}
        </Button>
      </div>
    </form>
  );
}

export function RegisterTable({ session, meetingId, onChanged, refreshing }: {
  session: Session;
  meetingId: string;
  onChanged?: () => void;
  refreshing?: boolean;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const manages = session.canManage;
  const columns: Column<RegisterRow>[] = [
    {
      key: "name",
      label: t("attendance:register.name"),
      sort: (r) => r.student.name,
      render: (r) => <span data-test-id="register-name">{r.student.name}</span>,
    },
    {
      key: "minutes",
      label: t("attendance:register.minutes"),
      numeric: true,
      sort: (r) => r.attendedSeconds,
      render: (r) => fmt.duration(r.attendedSeconds),
    },
    {
      key: "share",
      label: t("attendance:register.share"),
      numeric: true,
      sort: (r) => r.share,
      render: (r) => fmt.percent(r.share),
    },
    {
      key: "status",
      label: t("attendance:register.status"),
      sort: (r) => STATUSES.indexOf(r.status),
      render: (r) => (
        <span class="status-cell">
          <StatusPill status={r.status} />
          {r.overridden && (
            <span class="muted small" title={r.overrideReason} data-test-id="overridden">
              {t("attendance:register.overridden", { reason: r.overrideReason })}
            </span>
          )}
        </span>
      ),
    },
    {
      key: "final",
      label: t("attendance:register.final"),
      sort: (r) => (r.isFinal ? 1 : 0),
      render: (r) => <FinalLabel final={r.isFinal} />,
    },
  ];
  if (manages) {
    columns.push({
      key: "action",
      label: t("attendance:register.action"),
      render: (r) => (
        <Button
          kind="small"
          onClick={() => setEditing(r.student.id)}
          aria-label={t("attendance:override.open", { name: r.student.name })}
          testId="override-open"
        >
          {t("attendance:override.change")}
        </Button>
      ),
    });
  }
  const editRow = session.rows.find((r) => r.student.id === editing);
  const recorded = session.rows.filter((r) => r.recorded).length;
  return (
    <Section
      title={t("attendance:register.title")}
      count={session.rows.length}
      testId="register"
      actions={
        <span class="muted small" data-test-id="register-state" data-final={String(session.final)}>
          {refreshing ? t("attendance:register.refreshing") : <FinalLabel final={session.final} />}
        </span>
      }
    >
      {session.rows.length ? (
        <>
          <SortableTable
            columns={columns}
            rows={session.rows}
            rowKey={(r) => r.student.id}
            initialSort={{ key: "name" }}
            testId="register-table"
            rowTestId="register-row"
          />
          {!session.final && (
            <p class="muted small">
              {recorded < session.rows.length ? t("attendance:register.provisionalHint") : t("attendance:register.finalSoon")}
            </p>
          )}
        </>
      ) : (
        <Empty title={t("attendance:register.empty")}>{t("attendance:register.emptyHint")}</Empty>
      )}
      {editRow && (
        <Override
          key={editRow.student.id}
          meetingId={meetingId}
          row={editRow}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            onChanged?.();
          }}
        />
      )}
      {session.guests.length > 0 && <GuestRegister guests={session.guests} />}
    </Section>
  );
}

function GuestRegister({ guests }: { guests: GuestRow[] }) {
  return (
    <div class="table-wrap guest-register">
      <h3>{t("attendance:register.guests")}</h3>
      <table data-test-id="guest-register">
        <tbody>
          {guests.map((g) => (
            <tr key={g.guestId} data-test-id="guest-attendance-row">
              <td>
                {g.name} <RoleBadge role="GUEST" />
              </td>
              <td class="num">{fmt.duration(g.attendedSeconds)}</td>
              <td>
                <StatusPill status={g.status} />
              </td>
              <td>
                <FinalLabel final={g.isFinal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
