// The first views' formatting, kept as names over i18n/format.ts (language and timezone aware);
// new code calls fmt.* directly.
import { fmt } from "./i18n/format";

export const formatDateTime = (iso: string | null | undefined): string => fmt.dateTime(iso);
export const formatTime = (iso: string | null | undefined): string => fmt.time(iso);
export const formatDuration = (seconds: number): string => fmt.duration(seconds);

export function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
