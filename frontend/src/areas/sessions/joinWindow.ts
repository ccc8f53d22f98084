/**
 * When a person may join a session, as the join route decides (meetings/joining: the school's
 * JoinPolicy): from `opensMinutesBefore` before the start until `closesMinutesAfterEnd` after
 * the planned end, and for as long as Zoom says the class runs. Pure: the clock is passed in.
 */

export interface JoinPolicy {
  opensMinutesBefore: number;
  closesMinutesAfterEnd: number;
}

export interface SessionTimes {
  status: "SCHEDULED" | "STARTED" | "ENDED" | "CANCELLED";
  startTime: string;
  durationMinutes: number;
}

export type JoinState =
  | { kind: "before"; opensAt: Date; waitMs: number }
  | { kind: "open"; closesAt: Date | null }
  | { kind: "closed"; why: "ended" | "cancelled" | "over" };

const MINUTE = 60_000;

export function endOf(session: SessionTimes): Date {
  return new Date(new Date(session.startTime).getTime() + session.durationMinutes * MINUTE);
}

export function joinState(session: SessionTimes, policy: JoinPolicy, now: Date): JoinState {
  if (session.status === "CANCELLED") return { kind: "closed", why: "cancelled" };
  if (session.status === "ENDED") return { kind: "closed", why: "ended" };
  if (session.status === "STARTED") return { kind: "open", closesAt: null };
  const start = new Date(session.startTime).getTime();
  const opensAt = new Date(start - policy.opensMinutesBefore * MINUTE);
  const closesAt = new Date(endOf(session).getTime() + policy.closesMinutesAfterEnd * MINUTE);
  if (now < opensAt) return { kind: "before", opensAt, waitMs: opensAt.getTime() - now.getTime() };
  if (now <= closesAt) return { kind: "open", closesAt };
  return { kind: "closed", why: "over" };
}

/** Whether a session belongs under "Coming up": scheduled and not over by the clock. */
export function isUpcoming(session: SessionTimes, now: Date): boolean {
  return session.status === "SCHEDULED" && endOf(session) > now;
}

/** How long until the next change worth re-rendering a countdown for. */
export function tickFor(state: JoinState): number {
  if (state.kind !== "before") return 30_000;
  return state.waitMs <= 2 * 60 * MINUTE ? 1_000 : 30_000;
}
