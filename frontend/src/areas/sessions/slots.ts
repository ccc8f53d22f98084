/**
 * The "Suggest times" panel without the DOM: the range asked for (from now), the suggested
 * slots grouped by the day they start on in the person's timezone, and the date and time a
 * chosen slot puts into the form (that timezone's wall clock). Tested in slots.test.ts.
 */
import { instantToLocal } from "../../i18n/format";
import { dateIn, formatDate } from "./recurrence";

export const SLOT_RANGES = ["week", "twoWeeks", "month"] as const;
export type SlotRange = (typeof SLOT_RANGES)[number];

const DAYS: Record<SlotRange, number> = { week: 7, twoWeeks: 14, month: 30 };

/** From now (to the minute) to the end of the range. */
export function rangeWindow(range: SlotRange, now: Date): { from: Date; to: Date } {
  const from = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  return { from, to: new Date(from.getTime() + DAYS[range] * 86_400_000) };
}

export interface SlotLike {
  start: string;
  end: string;
}

/** Slots by the day they start on in `zone` ("YYYY-MM-DD"), days and slots in time order. */
export function slotsByDay<S extends SlotLike>(slots: readonly S[], zone: string): { day: string; slots: S[] }[] {
  const sorted = [...slots].sort((a, b) => new Date(a.start).getTime() - new Date(b.start).getTime());
  const days: { day: string; slots: S[] }[] = [];
  for (const slot of sorted) {
    const day = formatDate(dateIn(new Date(slot.start), zone));
    const last = days.at(-1);
    if (last?.day === day) last.slots.push(slot);
    else days.push({ day, slots: [slot] });
  }
  return days;
}

/** What choosing a slot puts into the form: its start's date and time in `zone`, and its
 * length in minutes. */
export function slotFill(slot: SlotLike, zone: string): { date: string; time: string; durationMinutes: number } {
  const local = instantToLocal(slot.start, zone);
  const minutes = Math.round((new Date(slot.end).getTime() - new Date(slot.start).getTime()) / 60_000);
  return { date: local.slice(0, 10), time: local.slice(11, 16), durationMinutes: minutes };
}
