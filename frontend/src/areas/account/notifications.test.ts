import { describe, expect, it } from "vitest";
import { KEEP, loadNotifications, reduceNotifications, toItem, unreadCount, type NotificationItem } from "./notifications";

const AT = "2026-11-30T10:00:00Z";
const reminder = (meeting: number, minutes = 15) => ({
  type: "received" as const,
  kind: "meeting.reminder",
  data: { user_id: 3, meeting_id: meeting, title: "Maths", start_time: "2026-11-30T10:15:00+00:00", minutes_before: minutes, join_url: "/join/x/" },
  at: AT,
});

describe("toItem", () => {
  it("reads the server's snake_case payloads", () => {
    expect(toItem("meeting.reminder", reminder(7).data, AT)).toMatchObject({
      id: "reminder:7:15",
      kind: "reminder",
      meetingId: "7",
      title: "Maths",
      minutesBefore: 15,
      joinUrl: "/join/x/",
      read: false,
    });
    expect(toItem("attendance.updated", { meeting_id: 7, student_id: 3, status: "present", attended_seconds: 900, final: true }, AT)).toMatchObject({
      id: "attendance:7",
      status: "PRESENT",
      final: true,
    });
    expect(toItem("zoom.needs_reconnect", { user_id: 3, message: "Zoom signed you out" }, AT)).toMatchObject({
      id: "reconnect",
      kind: "reconnect",
      message: "Zoom signed you out",
    });
  });

  it("shows nothing for the subscribed marker, unknown kinds and broken data", () => {
    expect(toItem("subscribed", {}, AT)).toBeNull();
    expect(toItem("participants.changed", { meeting_id: 1 }, AT)).toBeNull();
    expect(toItem("meeting.reminder", null, AT)).toBeNull();
    expect(toItem("meeting.reminder", { title: "no meeting" }, AT)).toBeNull();
    expect(toItem("attendance.updated", { meeting_id: 1 }, AT)).toBeNull();
  });
});

describe("reduceNotifications", () => {
  it("puts the newest first and counts the unread", () => {
    let state: NotificationItem[] = [];
    state = reduceNotifications(state, reminder(1));
    state = reduceNotifications(state, reminder(2));
    expect(state.map((it) => it.meetingId)).toEqual(["2", "1"]);
    expect(unreadCount(state)).toBe(2);
    state = reduceNotifications(state, { type: "markAllRead" });
    expect(unreadCount(state)).toBe(0);
  });

  it("keeps one entry for the same thing, unread again and on top", () => {
    let state = reduceNotifications([], reminder(1));
    state = reduceNotifications(state, reminder(2));
    state = reduceNotifications(state, { type: "markAllRead" });
    state = reduceNotifications(state, reminder(1));
    expect(state.map((it) => it.meetingId)).toEqual(["1", "2"]);
    expect(unreadCount(state)).toBe(1);
    // another offset of the same session is another reminder
    state = reduceNotifications(state, reminder(1, 60));
    expect(state).toHaveLength(3);
  });

  it("keeps at most KEEP, and ignores what it does not show", () => {
    let state: NotificationItem[] = [];
    for (let i = 0; i < KEEP + 5; i++) state = reduceNotifications(state, reminder(i));
    expect(state).toHaveLength(KEEP);
    expect(state[0].meetingId).toBe(String(KEEP + 4));
    expect(reduceNotifications(state, { type: "received", kind: "subscribed", data: {}, at: AT })).toBe(state);
    expect(reduceNotifications(state, { type: "clear" })).toEqual([]);
  });

  it("restores only well-formed entries from storage", () => {
    const good = toItem("zoom.needs_reconnect", { message: "m" }, AT)!;
    const storage = { getItem: () => JSON.stringify([good, { id: 1 }, "junk", null]) };
    expect(loadNotifications(storage, "3")).toEqual([good]);
    expect(loadNotifications({ getItem: () => "{not json" }, "3")).toEqual([]);
    expect(loadNotifications(undefined, "3")).toEqual([]);
  });
});
