// A search of the transcripts as an address (so that it can be shared and survives a reload),
// and as the API's variables: the days typed are whole days on the person's own clock. Pure:
// tested in search.test.ts.
import { localToInstant } from "../../i18n/format";
import { timeHash } from "./transcript";

export const RESULTS_PER_PAGE = 20;
/** The longest query sent (the server bounds it too). */
export const QUERY_MAX = 200;

export interface SearchState {
  query: string;
  classId: string | null;
  /** "2026-11-01": the first day searched, on the person's clock. */
  from: string | null;
  /** "2026-11-30": the last day searched (the whole of it). */
  to: string | null;
  /** From 1. */
  page: number;
}

export const EMPTY_SEARCH: SearchState = { query: "", classId: null, from: null, to: null, page: 1 };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day "YYYY-MM-DD", or null. */
export function validDay(value: string | null | undefined): string | null {
  const m = DAY.exec((value ?? "").trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? m[0] : null;
}

/** The day after "YYYY-MM-DD". */
export function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** What the address says (anything malformed is left out). */
export function readSearch(params: URLSearchParams): SearchState {
  const page = Number(params.get("page") ?? "1");
  const classId = (params.get("class") ?? "").trim();
  return {
    query: (params.get("q") ?? "").slice(0, QUERY_MAX),
    classId: /^[\w-]{1,40}$/.test(classId) ? classId : null,
    from: validDay(params.get("from")),
    to: validDay(params.get("to")),
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** The address of a search: only what is set, in a fixed order. */
export function searchHref(state: SearchState, base = "/app/recordings/search"): string {
  const params = new URLSearchParams();
  if (state.query.trim()) params.set("q", state.query.trim());
  if (state.classId) params.set("class", state.classId);
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.page > 1) params.set("page", String(state.page));
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

export type RangeProblem = "order" | null;

/** "From" after "to" is a mistake worth saying before searching. */
export function rangeProblem(state: Pick<SearchState, "from" | "to">): RangeProblem {
  return state.from && state.to && state.from > state.to ? "order" : null;
}

/** The API's variables: `from` the start of the first day and `to` the start of the day after
 * the last, on the wall clock of `timeZone`. Null when there is nothing to search for. */
export function searchVariables(state: SearchState, timeZone: string) {
  const query = state.query.trim();
  if (!query) return null;
  return {
    query,
    classId: state.classId,
    from: state.from ? localToInstant(`${state.from}T00:00`, timeZone).toISOString() : null,
    to: state.to ? localToInstant(`${nextDay(state.to)}T00:00`, timeZone).toISOString() : null,
    first: RESULTS_PER_PAGE,
    offset: (state.page - 1) * RESULTS_PER_PAGE,
  };
}

/** Pages there are to go through (the last one the server will still answer when capped). */
export function resultPages(total: number, perPage = RESULTS_PER_PAGE): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/** The address of a moment of a session's recording, with the words to mark there. */
export function recordingHref(meetingId: string, options: { startMs?: number | null; find?: string } = {}): string {
  const find = options.find?.trim();
  const query = find ? `?${new URLSearchParams({ find }).toString()}` : "";
  const hash = options.startMs !== undefined && options.startMs !== null ? timeHash(options.startMs) : "";
  return `/app/meetings/${encodeURIComponent(meetingId)}/recording${query}${hash}`;
}
