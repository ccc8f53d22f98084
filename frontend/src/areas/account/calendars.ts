/**
 * The account's connected calendars, without the DOM: the providers in the order the page
 * shows them with their connection, whether the page must keep re-reading (a sync or a
 * disconnect is running), a sync's progress, and the notice the provider's return asks for
 * (`?calendar=connected|error&reason=`). Tested in calendars.test.ts.
 */
import type { CalendarConnectionStatus, CalendarProviderName } from "../../api/gql/graphql";

export const PROVIDERS: readonly CalendarProviderName[] = ["GOOGLE", "MICROSOFT"];

/** How often the page re-reads while a sync or a disconnect runs. */
export const POLL_MS = 2000;

export interface ConnectionLike {
  provider: CalendarProviderName;
  status: CalendarConnectionStatus;
  syncing: boolean;
  syncDone: number;
  syncTotal: number;
}

export interface ProviderRow<C extends ConnectionLike> {
  provider: CalendarProviderName;
  available: boolean;
  connection: C | null;
}

/** One row per provider, Google first: whether the school offers it, and the viewer's
 * connection to it (a connection is shown even when the school has since turned it off, so
 * that it can be disconnected). */
export function providerRows<C extends ConnectionLike>(
  providers: readonly { provider: CalendarProviderName; available: boolean }[],
  connections: readonly C[],
): ProviderRow<C>[] {
  return PROVIDERS.map((provider) => ({
    provider,
    available: providers.some((p) => p.provider === provider && p.available),
    connection: connections.find((c) => c.provider === provider) ?? null,
  }));
}

/** Whether something is under way that the page should follow by re-reading. */
export function needsPolling(connections: readonly ConnectionLike[]): boolean {
  return connections.some((c) => c.syncing || c.status === "DISCONNECTING");
}

/** A running sync's progress: counted when its size is known, else indeterminate; null when
 * no sync runs. */
export function syncProgress(connection: ConnectionLike): { value?: number; max?: number } | null {
  if (!connection.syncing) return null;
  if (connection.syncTotal <= 0) return {};
  return { value: Math.min(connection.syncDone, connection.syncTotal), max: connection.syncTotal };
}

/** The reasons the callback gives (meetings/calendar_sync/views.py): the person said no at the
 * provider, the round trip's state was stale or from elsewhere, the school's app is not set up,
 * the calendar is still being disconnected, the provider refused the grant, or could not be
 * reached. */
export const RETURN_REASONS = ["denied", "state", "not_set_up", "busy", "refused", "unavailable"] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number] | "failed";

export type ReturnNotice = { kind: "connected" } | { kind: "error"; reason: ReturnReason };

const ALIASES: Record<string, ReturnReason> = { access_denied: "denied", expired: "state" };

/** What the provider's return (`?calendar=…&reason=…`) tells the person; null when the page
 * was not opened by one. A reason the app does not know reads as a general failure. */
export function returnNotice(search: URLSearchParams): ReturnNotice | null {
  const outcome = search.get("calendar");
  if (outcome === "connected") return { kind: "connected" };
  if (outcome !== "error") return null;
  const reason = search.get("reason") ?? "";
  const known = RETURN_REASONS.find((r) => r === reason) ?? (Object.hasOwn(ALIASES, reason) ? ALIASES[reason] : undefined);
  return { kind: "error", reason: known ?? "failed" };
}

/** The address without the provider's answer, so that a reload does not show it again. */
export function withoutReturn(search: URLSearchParams): string {
  const rest = new URLSearchParams(search);
  rest.delete("calendar");
  rest.delete("reason");
  const text = rest.toString();
  return text ? `?${text}` : "";
}
