// Components every area shares. Text comes from the callers (already translated) or from the
// "common" catalogue; nothing here fetches data.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { FieldError, MeetingStatus } from "../api/schema";
import { t } from "../i18n";
import { fmt } from "../i18n/format";
import { Link } from "../router";

export { Link };

/** A thrown failure (network, GraphQL) as the errors a form shows. */
export function thrownErrors(e: unknown): FieldError[] {
  return [{ field: null, message: e instanceof Error ? e.message : String(e), code: "" }];
}

/** The errors of one field. */
export function fieldErrors(errors: readonly FieldError[], field: string): FieldError[] {
  return errors.filter((e) => e.field === field);
}

/** The errors no input shows: of no field, or of a field not in `shown`. */
export function otherErrors(errors: readonly FieldError[], shown: string[] = []): FieldError[] {
  return errors.filter((e) => !e.field || !shown.includes(e.field));
}

export function Errors({ errors, testId }: { errors: readonly FieldError[]; testId?: string }) {
  if (!errors.length) return null;
  return (
    <ul class="errors" role="alert" data-test-id={testId}>
      {errors.map((e, i) => (
        <li key={i}>{e.message}</li>
      ))}
    </ul>
  );
}

export function Notice({ children, kind = "info", testId }: {
  children: ComponentChildren;
  kind?: "info" | "error" | "success" | "warning";
  testId?: string;
}) {
  return (
    <p class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"} data-test-id={testId}>
      {children}
    </p>
  );
}

export function Loading({ what }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite" data-test-id="loading">
      {what ? t("ui.loadingWhat", { what }) : t("ui.loading")}
    </p>
  );
}

/** A page: its title (the document's title too), actions at the right, then the content. */
export function Page({ title, actions, children, testId, narrow }: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  testId?: string;
  narrow?: boolean;
}) {
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title]);
  return (
    <main id="main" class={narrow ? "page narrow" : "page"} data-test-id={testId}>
      <div class="page-head">
        <h1>{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
      {children}
    </main>
  );
}

export function Section({ title, count, actions, children, testId }: {
  title?: string;
  count?: number;
  actions?: ComponentChildren;
  children: ComponentChildren;
  testId?: string;
}) {
  return (
    <section class="card" data-test-id={testId}>
      {(title || actions) && (
        <div class="section-head">
          {title && (
            <h2>
              {title} {count !== undefined && <span class="count-pill">{fmt.number(count)}</span>}
            </h2>
          )}
          {actions && <div class="section-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

let fieldIds = 0;

/** A labelled control: `children` is a function given the control's id and described-by ids. */
export function Field({ label, hint, errors = [], children }: {
  label: string;
  hint?: string;
  errors?: readonly FieldError[];
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => JSX.Element;
}) {
  const id = useMemo(() => `field-${++fieldIds}`, []);
  const described = [hint ? `${id}-hint` : "", errors.length ? `${id}-errors` : ""].filter(Boolean).join(" ");
  return (
    <div class={errors.length ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children({ id, "aria-describedby": described || undefined, "aria-invalid": errors.length ? true : undefined })}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors.length > 0 && (
        <ul class="errors" id={`${id}-errors`} role="alert">
          {errors.map((e, i) => (
            <li key={i}>{e.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

type ButtonProps = JSX.ButtonHTMLAttributes<HTMLButtonElement> & {
  busy?: boolean;
  kind?: "primary" | "danger" | "ghost" | "plain" | "small";
  testId?: string;
};

/** A button that shows it is working (and cannot be pressed twice) while `busy`. */
export function Button({ busy, kind = "plain", testId, children, disabled, ...rest }: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      class={`${kind === "plain" ? "" : kind} ${rest.class ?? ""}`.trim()}
      disabled={busy || Boolean(disabled)}
      aria-busy={busy || undefined}
      data-test-id={testId}
    >
      {busy ? t("ui.working") : children}
    </button>
  );
}

/** A button that asks first: a modal dialog says what will happen; only "confirm" does it. */
export function ConfirmButton({ children, title, body, confirmLabel, onConfirm, kind = "danger", testId, busy, disabled }: {
  children: ComponentChildren;
  title: string;
  body?: ComponentChildren;
  confirmLabel?: string;
  onConfirm: () => unknown;
  kind?: "primary" | "danger" | "small" | "plain";
  testId?: string;
  busy?: boolean;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const trigger = useRef<HTMLSpanElement>(null);
  const [open, setOpen] = useState(false);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) dialog.current?.showModal?.();
    else if (wasOpen.current) trigger.current?.querySelector("button")?.focus(); // back where they were
    wasOpen.current = open;
  }, [open]);
  return (
    <>
      <span ref={trigger} class="confirm-trigger">
        <Button kind={kind} busy={busy} disabled={disabled} testId={testId} onClick={() => setOpen(true)}>
          {children}
        </Button>
      </span>
      {open && (
        <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onClose={() => setOpen(false)} data-test-id="confirm-dialog">
          <h2 id="confirm-title">{title}</h2>
          {body && <div class="confirm-body">{body}</div>}
          <div class="confirm-actions">
            <Button kind="ghost" onClick={() => setOpen(false)} testId="confirm-cancel">
              {t("ui.cancel")}
            </Button>
            <Button
              kind={kind === "danger" ? "danger" : "primary"}
              testId="confirm-ok"
              onClick={() => {
                setOpen(false);
                void onConfirm();
              }}
            >
              {confirmLabel ?? t("ui.confirm")}
            </Button>
          </div>
        </dialog>
      )}
    </>
  );
}

/** Progress of a long action; without `max` it is indeterminate. */
export function ProgressBar({ value, max, label, testId }: { value?: number; max?: number; label: string; testId?: string }) {
  return (
    <div class="progress" data-test-id={testId}>
      <progress value={max ? value : undefined} max={max} aria-label={label} />
      <span class="muted small">
        {label}
        {max ? ` · ${t("ui.progress", { done: fmt.number(value ?? 0), total: fmt.number(max) })}` : ""}
      </span>
    </div>
  );
}

/** What to show instead of an empty list: what it is, and what to do next. */
export function Empty({ title, children, testId }: { title: string; children?: ComponentChildren; testId?: string }) {
  return (
    <div class="empty" data-test-id={testId ?? "empty"}>
      <p class="empty-title">{title}</p>
      {children && <div class="muted">{children}</div>}
    </div>
  );
}

export interface Column<Row> {
  key: string;
  label: string;
  /** What the column sorts by; without it the column does not sort. */
  sort?: (row: Row) => string | number;
  render: (row: Row) => ComponentChildren;
  numeric?: boolean;
}

/** A table whose headers sort it (click again to reverse); text sorts by the language's rules. */
export function SortableTable<Row>({ columns, rows, rowKey, initialSort, testId, rowTestId }: {
  columns: Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  initialSort?: { key: string; descending?: boolean };
  testId?: string;
  rowTestId?: string;
}) {
  const [sort, setSort] = useState(initialSort ?? null);
  const sorted = useMemo(() => sortRows(rows, columns, sort), [rows, columns, sort]);
  return (
    <div class="table-wrap">
      <table data-test-id={testId}>
        <thead>
          <tr>
            {columns.map((column) => {
              const active = sort?.key === column.key;
              return (
                <th
                  key={column.key}
                  class={column.numeric ? "num" : undefined}
                  aria-sort={active ? (sort?.descending ? "descending" : "ascending") : undefined}
                >
                  {column.sort ? (
                    <button
                      type="button"
                      class="th-sort"
                      aria-label={t("ui.sortBy", { column: column.label })}
                      onClick={() => setSort({ key: column.key, descending: active ? !sort?.descending : false })}
                    >
                      {column.label} {active ? (sort?.descending ? "↓" : "↑") : ""}
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={rowKey(row)} data-test-id={rowTestId}>
              {columns.map((column) => (
                <td key={column.key} class={column.numeric ? "num" : undefined}>
                  {column.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const collator = () =>
  new Intl.Collator((typeof document !== "undefined" && document.documentElement.lang) || undefined, { numeric: true, sensitivity: "base" });

export function sortRows<Row>(
  rows: readonly Row[],
  columns: Column<Row>[],
  sort: { key: string; descending?: boolean } | null,
): Row[] {
  const column = sort && columns.find((c) => c.key === sort.key);
  if (!column?.sort) return [...rows];
  const by = column.sort;
  const compare = collator().compare;
  const sorted = [...rows].sort((a, b) => {
    const x = by(a);
    const y = by(b);
    return typeof x === "number" && typeof y === "number" ? x - y : compare(String(x), String(y));
  });
  return sort?.descending ? sorted.reverse() : sorted;
}

export function Tabs({ tabs, current, label }: { tabs: { href: string; label: string; testId?: string }[]; current: string; label: string }) {
  return (
    <nav class="tabs" aria-label={label}>
      {tabs.map((tab) => (
        <Link key={tab.href} href={tab.href} class={tab.href === current ? "active" : ""} aria-current={tab.href === current ? "page" : undefined} data-test-id={tab.testId}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}

/** A session's status; "Live" only while it runs. */
export function StatusBadge({ status }: { status: MeetingStatus }) {
  return (
    <span class={`badge status-${status.toLowerCase()}`} data-test-id="meeting-status">
      {t(`status.${status}`)}
    </span>
  );
}

export function RoleBadge({ role }: { role: "HOST" | "TEACHER" | "STUDENT" | "GUEST" | "ADMIN" | "PARENT" }) {
  return (
    <span class={`badge role-${role.toLowerCase()}`} data-test-id="participant-role">
      {t(`role.${role}`)}
    </span>
  );
}
