// The audit log's filters live in the page's query string (shareable, and Back undoes one):
// parsed and written here, and turned into auditLog's variables. Dates are days in the
// viewer's time zone; `to` includes its whole day. Tested in auditFilters.test.ts.
import { localToInstant } from "../../i18n/format";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  action: string;
  personId: string;
  meetingId: string;
  /** "2026-11-30" or "" */
  from: string;
  to: string;
  /** 1-based */
  page: number;
}

export const NO_FILTERS: AuditFilters = { action: "", personId: "", meetingId: "", from: "", to: "", page: 1 };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^\d{1,18}$/;

export function filtersFrom(search: URLSearchParams): AuditFilters {
  const day = (name: string) => {
    const value = search.get(name) ?? "";
    return DAY.test(value) ? value : "";
  };
  const id = (name: string) => {
    const value = search.get(name) ?? "";
    return ID.test(value) ? value : "";
  };
  const page = Number.parseInt(search.get("page") ?? "1", 10);
  return {
    action: (search.get("action") ?? "").slice(0, 200),
    personId: id("person"),
    meetingId: id("meeting"),
    from: day("from"),
    to: day("to"),
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** The query string for `filters` ("" when none): the default values are left out. */
export function filtersQuery(filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (filters.action) params.set("action", filters.action);
  if (filters.personId) params.set("person", filters.personId);
  if (filters.meetingId) params.set("meeting", filters.meetingId);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (filters.page > 1) params.set("page", String(filters.page));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The day after "2026-11-30", as a calendar counts (no time zone involved). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

export interface AuditVariables {
  action?: string;
  personId?: string;
  meetingId?: string;
  since?: string;
  until?: string;
  limit: number;
  offset: number;
}

/** auditLog's variables: `from` from the start of its day, `to` up to the end of its day. */
export function auditVariables(filters: AuditFilters, timeZone?: string): AuditVariables {
  const vars: AuditVariables = { limit: AUDIT_PAGE_SIZE, offset: (filters.page - 1) * AUDIT_PAGE_SIZE };
  if (filters.action) vars.action = filters.action;
  if (filters.personId) vars.personId = filters.personId;
  if (filters.meetingId) vars.meetingId = filters.meetingId;
  if (filters.from) vars.since = localToInstant(`${filters.from}T00:00`, timeZone).toISOString();
  if (filters.to) vars.until = localToInstant(`${nextDay(filters.to)}T00:00`, timeZone).toISOString();
  return vars;
}

/** "from" after "to" is a mistake to point out rather than an empty page. */
export function rangeIsBackwards(filters: AuditFilters): boolean {
  return Boolean(filters.from && filters.to && filters.from > filters.to);
}

export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
}
