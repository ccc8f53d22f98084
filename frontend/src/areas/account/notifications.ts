// The notifications menu's state: what `myNotifications` delivered (reminders, attendance
// updates, reconnect prompts), newest first, with what was read. Pure: tested in
// notifications.test.ts. The menu keeps it in localStorage per person, so a reload keeps it.

export type NotificationKind = "reminder" | "attendance" | "reconnect";

export interface NotificationItem {
  /** The same thing twice (a reminder re-sent, a record re-scored) keeps one entry. */
  id: string;
  kind: NotificationKind;
  /** When it arrived here (ISO). */
  at: string;
  read: boolean;
  meetingId?: string;
  title?: string;
  startTime?: string;
  minutesBefore?: number;
  joinUrl?: string;
  status?: string;
  final?: boolean;
  message?: string;
}

export type NotificationAction =
  | { type: "received"; kind: string; data: unknown; at: string }
  | { type: "markAllRead" }
  | { type: "clear" }
  | { type: "restore"; items: NotificationItem[] };

/** How many the menu keeps. */
export const KEEP = 30;

type Data = Record<string, unknown>;

function str(data: Data, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = data[key];
    if (typeof value === "string" && value) return value;
    if (typeof value === "number") return String(value);
  }
  return undefined;
}

function num(data: Data, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = data[key];
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** A notification from one `myNotifications` message, or null for what the menu does not show
 * ("subscribed", unknown kinds, malformed data). The server's payloads are snake_case. */
export function toItem(kind: string, raw: unknown, at: string): NotificationItem | null {
  if (!raw || typeof raw !== "object") return null;
  const data = raw as Data;
  switch (kind) {
    case "meeting.reminder": {
      const meetingId = str(data, "meeting_id", "meetingId");
      if (!meetingId) return null;
      const minutesBefore = num(data, "minutes_before", "minutesBefore");
      return {
        id: `reminder:${meetingId}:${minutesBefore ?? ""}`,
        kind: "reminder",
        at,
        read: false,
        meetingId,
        title: str(data, "title"),
        startTime: str(data, "start_time", "startTime"),
        minutesBefore,
        joinUrl: str(data, "join_url", "joinUrl"),
      };
    }
    case "attendance.updated": {
      const meetingId = str(data, "meeting_id", "meetingId");
      const status = str(data, "status");
      if (!meetingId || !status) return null;
      return {
        id: `attendance:${meetingId}`,
        kind: "attendance",
        at,
        read: false,
        meetingId,
        status: status.toUpperCase(),
        final: data.final === true,
      };
    }
    case "zoom.needs_reconnect":
      return { id: "reconnect", kind: "reconnect", at, read: false, message: str(data, "message") };
    default:
      return null;
  }
}

function valid(item: unknown): item is NotificationItem {
  if (!item || typeof item !== "object") return false;
  const it = item as Data;
  return (
    typeof it.id === "string" &&
    typeof it.at === "string" &&
    typeof it.read === "boolean" &&
    (it.kind === "reminder" || it.kind === "attendance" || it.kind === "reconnect")
  );
}

export function reduceNotifications(state: NotificationItem[], action: NotificationAction): NotificationItem[] {
  switch (action.type) {
    case "received": {
      const item = toItem(action.kind, action.data, action.at);
      if (!item) return state;
      // a newer one of the same id replaces the older, unread again, at the top
      return [item, ...state.filter((it) => it.id !== item.id)].slice(0, KEEP);
    }
    case "markAllRead":
      return state.some((it) => !it.read) ? state.map((it) => (it.read ? it : { ...it, read: true })) : state;
    case "clear":
      return [];
    case "restore":
      return Array.isArray(action.items) ? action.items.filter(valid).slice(0, KEEP) : [];
  }
}

export function unreadCount(state: readonly NotificationItem[]): number {
  return state.filter((it) => !it.read).length;
}

export function storageKey(userId: string): string {
  return `liveroll.notifications.${userId}`;
}

/** What was kept for this person (nothing if storage is unavailable or holds garbage). */
export function loadNotifications(storage: Pick<Storage, "getItem"> | undefined, userId: string): NotificationItem[] {
  try {
    const raw = storage?.getItem(storageKey(userId));
    return raw ? reduceNotifications([], { type: "restore", items: JSON.parse(raw) }) : [];
  } catch {
    return [];
  }
}
