// The school's recording settings form, read before anything is sent: the retention in days
// (empty keeps recordings), the summariser's address, and what happens to its stored key (kept,
// replaced by what was typed, or removed). Pure: tested in settings.test.ts.
import { wholeNumber, type Parsed } from "../admin/settings/forms";

// The server's limits (attendance/recordings/models.py).
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 3650;

/** Days to keep recordings; "" keeps them until someone deletes them (null). */
export function retentionDays(text: string): Parsed<number | null> {
  if (!text.trim()) return { ok: true, value: null };
  return wholeNumber(text, RETENTION_DAYS_MIN, RETENTION_DAYS_MAX);
}

export type KeyAction = "keep" | "replace" | "remove";

/** The API's `summaryApiKey`: null keeps the stored key, "" removes it, text replaces it. */
export function apiKeyInput(action: KeyAction, typed: string): Parsed<string | null> {
  if (action === "keep") return { ok: true, value: null };
  if (action === "remove") return { ok: true, value: "" };
  const key = typed.trim();
  return key ? { ok: true, value: key } : { ok: false, problem: "required" };
}

/** An endpoint is an http(s) address or nothing (the local summariser). */
export function endpointOk(text: string): boolean {
  const value = text.trim();
  if (!value) return true;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && Boolean(url.hostname);
  } catch {
    return false;
  }
}
