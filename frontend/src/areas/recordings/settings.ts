// The school's recording settings form, read before anything is sent: the retention in days
// (empty keeps recordings), the summariser's address, and what happens to its stored key (kept,
// replaced by what was typed, or removed). Pure: tested in settings.test.ts.
import { wholeNumber, type Parsed } from "../admin/settings/forms";

/** Days to keep recordings within the server's limits; "" keeps them until someone deletes
 * them (null). */
export function retentionDays(text: string, min: number, max: number): Parsed<number | null> {
  if (!text.trim()) return { ok: true, value: null };
  return wholeNumber(text, min, max);
}

/** What a test of the summariser found, as the app names it. */
export const SUMMARISER_OUTCOMES = ["ok", "not_configured", "refused", "timeout", "unreachable", "http", "answer"] as const;
export type SummariserOutcome = (typeof SUMMARISER_OUTCOMES)[number];

export function summariserOutcome(value: string): SummariserOutcome {
  return (SUMMARISER_OUTCOMES as readonly string[]).includes(value) ? (value as SummariserOutcome) : "answer";
}

export type KeyAction = "keep" | "replace" | "remove";

/** The API's `summaryApiKey`: null keeps the stored key, "" removes it, text replaces it. */
export function apiKeyInput(action: KeyAction, typed: string): Parsed<string | null> {
  if (action === "keep") return { ok: true, value: null };
  if (action === "remove") return { ok: true, value: "" };
  const key = typed.trim();
  return key ? { ok: true, value: key } : { ok: false, problem: "required" };
}

/** An endpoint is an https address or nothing (the local summariser). */
export function endpointOk(text: string): boolean {
  const value = text.trim();
  if (!value) return true;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && Boolean(url.hostname);
  } catch {
    return false;
  }
}
