import type { ComponentChildren } from "preact";
import type { FieldError, MeetingStatus, ParticipantRole } from "../api/schema";
import { titleCase } from "../format";

/** The errors of one field. */
export function fieldErrors(errors: FieldError[], field: string): FieldError[] {
  return errors.filter((e) => e.field === field);
}

/** The errors no input shows: of no field, or of a field not in `shown`. */
export function otherErrors(errors: FieldError[], shown: string[] = []): FieldError[] {
  return errors.filter((e) => !e.field || !shown.includes(e.field));
}

export function Errors({ errors, testId }: { errors: FieldError[]; testId: string }) {
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
  kind?: "info" | "error";
  testId?: string;
}) {
  return (
    <p class={`notice notice-${kind}`} role={kind === "error" ? "alert" : undefined} data-test-id={testId}>
      {children}
    </p>
  );
}

export function StatusBadge({ status }: { status: MeetingStatus }) {
  return (
    <span class={`badge status-${status.toLowerCase()}`} data-test-id="meeting-status">
      {status === "STARTED" ? "Live" : titleCase(status)}
    </span>
  );
}

export function RoleBadge({ role }: { role: ParticipantRole | string }) {
  return (
    <span class={`badge role-${role.toLowerCase()}`} data-test-id="participant-role">
      {titleCase(role)}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" data-test-id="loading">Loading {what}…</p>;
}
