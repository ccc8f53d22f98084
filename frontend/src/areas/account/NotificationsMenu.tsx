// The header's notifications: a bell with the unread count, and a panel of what arrived on
// `myNotifications` (reminders, attendance updates, reconnect prompts), newest first. Opening it
// marks them read; they are kept in this browser per person (localStorage), the last 30.
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { Me } from "../types";
import { useSubscription } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link } from "../../router";
import { Empty } from "../../ui";
import { ACCOUNT_NOTIFICATIONS } from "./documents";
import {
  loadNotifications,
  reduceNotifications,
  storageKey,
  unreadCount,
  type NotificationItem,
} from "./notifications";
import "./account.css";

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function Item({ item, onOpen }: { item: NotificationItem; onOpen: () => void }) {
  const when = (
    <span class="when" title={fmt.dateTime(item.at)}>
      {fmt.relative(item.at)}
    </span>
  );
  if (item.kind === "reminder") {
    return (
      <li class={item.read ? "" : "unread"} data-test-id="notification-reminder">
        <span>
          {t("account:notifications.reminder", { title: item.title ?? "", minutes: fmt.number(item.minutesBefore ?? 0) })}
        </span>
        <span class="when">{t("account:notifications.starts", { time: fmt.dateTime(item.startTime ?? null) })}</span>
        <span class="links">
          {item.joinUrl && (
            <a href={item.joinUrl} target="_blank" rel="noopener" data-test-id="notification-join">
              {t("account:notifications.join")}
            </a>
          )}
          {item.meetingId && (
            <Link href={`${BASE}/meetings/${item.meetingId}`} onClick={onOpen}>
              {t("account:notifications.open")}
            </Link>
          )}
        </span>
        {when}
      </li>
    );
  }
  if (item.kind === "attendance") {
    const status = item.status && ["PRESENT", "PARTIAL", "ABSENT", "EXCUSED"].includes(item.status)
      ? t(`common:attendanceStatus.${item.status as "PRESENT" | "PARTIAL" | "ABSENT" | "EXCUSED"}`)
      : (item.status ?? "");
    return (
      <li class={item.read ? "" : "unread"} data-test-id="notification-attendance">
        <span>
          {item.final ? t("account:notifications.attendanceFinal", { status }) : t("account:notifications.attendance", { status })}
        </span>
        {item.meetingId && (
          <Link href={`${BASE}/meetings/${item.meetingId}`} onClick={onOpen}>
            {t("account:notifications.open")}
          </Link>
        )}
        {when}
      </li>
    );
  }
  return (
    <li class={item.read ? "" : "unread"} data-test-id="notification-reconnect">
      <span>{t("account:notifications.reconnect")}</span>
      <Link href={`${BASE}/settings/zoom`} onClick={onOpen}>
        {t("account:notifications.reconnectAction")}
      </Link>
      {when}
    </li>
  );
}

export function NotificationsMenu({ me }: { me: Me }) {
  const [items, dispatch] = useReducer(reduceNotifications, me.id, (id) => loadNotifications(storage(), id));
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useSubscription(
    ACCOUNT_NOTIFICATIONS,
    {},
    (data) => dispatch({ type: "received", kind: data.myNotifications.kind, data: data.myNotifications.data, at: new Date().toISOString() }),
    me.id,
  );

  useEffect(() => {
    try {
      storage()?.setItem(storageKey(me.id), JSON.stringify(items));
    } catch {
      // full or unavailable: they stay for this page only
    }
  }, [items, me.id]);

  // close on Escape or a click elsewhere; reading the panel marks everything read
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onClick = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("click", onClick);
      dispatch({ type: "markAllRead" });
    };
  }, [open]);

  const unread = unreadCount(items);
  return (
    <div class="notifications" ref={root}>
      <button
        type="button"
        class="notifications-button"
        aria-expanded={open}
        aria-controls="notifications-panel"
        aria-label={unread ? t("account:notifications.labelUnread", { count: unread }) : t("account:notifications.label")}
        onClick={() => setOpen(!open)}
        data-test-id="notifications-button"
      >
        <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 && (
          <span class="notifications-count" data-test-id="notifications-count">
            {unread > 9 ? "9+" : fmt.number(unread)}
          </span>
        )}
      </button>
      {open && (
        <div id="notifications-panel" class="notifications-panel" role="region" aria-label={t("account:notifications.title")} data-test-id="notifications-panel">
          <div class="section-head">
            <h2>{t("account:notifications.title")}</h2>
            {items.length > 0 && (
              <button type="button" class="ghost small" onClick={() => dispatch({ type: "clear" })} data-test-id="notifications-clear">
                {t("account:notifications.clear")}
              </button>
            )}
          </div>
          {items.length === 0 ? (
            <Empty title={t("account:notifications.emptyTitle")} testId="notifications-empty">
              {t("account:notifications.emptyBody")}
            </Empty>
          ) : (
            <ul>
              {items.map((item) => (
                <Item key={item.id} item={item} onOpen={() => setOpen(false)} />
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
