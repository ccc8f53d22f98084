/**
 * The clash warning under a start field, without the DOM: the question the form asks
 * (`schedulingClashes`: the class, the start, the length, the planned recurrence, and when
 * rescheduling the session being moved), nothing while the form cannot say when; and how each
 * clash is put: with the session's title when the viewer may see it, "another session" when
 * not, "the teacher's calendar is busy" for a calendar's busy time; one line per clash, in time
 * order, the same session once. Tested in clashes.test.ts.
 */
import type { ClashKind } from "../../api/gql/graphql";
import { type Rule, occurrences, parseDate, ruleInput, zonedInstant } from "./recurrence";

export interface ClashQuestion {
  classId: string;
  start: string;
  durationMinutes: number;
  recurrence: ReturnType<typeof ruleInput> | null;
  timezone: string;
  meetingId: string | null;
}

/** The question for a form's values; null while they do not say when (no class, no valid date
 * or time or length, a recurrence that cannot be scheduled). */
export function clashQuestion({ classId, date, time, durationMinutes, rule, zone, meetingId = null }: {
  classId: string | null;
  date: string;
  time: string;
  durationMinutes: number;
  rule: Rule | null;
  zone: string;
  meetingId?: string | null;
}): ClashQuestion | null {
  const day = parseDate(date);
  if (!classId || !day || !/^\d{2}:\d{2}$/.test(time)) return null;
  if (!Number.isInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > 1440) return null;
  if (rule && !occurrences(rule, day, time, zone).ok) return null;
  return {
    classId,
    start: zonedInstant(day, time, zone).toISOString(),
    durationMinutes,
    recurrence: rule ? ruleInput(rule) : null,
    timezone: zone,
    meetingId,
  };
}

export interface ClashLike {
  kind: ClashKind;
  start: string;
  end: string;
  title: string | null;
  meetingId: string | null;
  occurrenceStart: string;
}

export type ClashWording = { key: "calendar" } | { key: "hidden" } | { key: "session"; title: string };

export function clashWording(clash: ClashLike): ClashWording {
  if (clash.kind === "TEACHER_CALENDAR") return { key: "calendar" };
  return clash.title ? { key: "session", title: clash.title } : { key: "hidden" };
}

const at = (text: string) => new Date(text).getTime();

/** In the order of the planned sessions, then of the clashes; a session met through several
 * people (the teacher's and a student's) once. */
export function orderedClashes<C extends ClashLike>(clashes: readonly C[]): C[] {
  const seen = new Set<string>();
  const kept: C[] = [];
  const sorted = [...clashes].sort((a, b) => at(a.occurrenceStart) - at(b.occurrenceStart) || at(a.start) - at(b.start));
  for (const clash of sorted) {
    const what = clash.meetingId ?? `${clash.kind === "TEACHER_CALENDAR" ? "calendar" : "hidden"}:${at(clash.start)}:${at(clash.end)}`;
    const key = `${at(clash.occurrenceStart)}|${what}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(clash);
  }
  return kept;
}

/** How many clash lines the warning shows before "and n more". */
export const CLASHES_SHOWN = 5;
