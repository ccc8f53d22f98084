// What a connection test's outcome means for the admin: whether the app is usable, and which
// advice to show. Tested in zoomTest.test.ts.

export const OUTCOMES = ["ok", "not_configured", "bad_credentials", "wrong_account", "missing_scope", "unreachable", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function outcomeOf(value: string): Outcome {
  return (OUTCOMES as readonly string[]).includes(value) ? (value as Outcome) : "error";
}

/** "HTTP 401 · invalid_client": what Zoom answered, if it did. */
export function zoomAnswer(status: number | null | undefined, code: string | null | undefined): string {
  return [status ? `HTTP ${status}` : "", code ?? ""].filter(Boolean).join(" · ");
}

/** The server's hint of a write-only secret ("not set", "set", "set, ending …abcd"): whether
 * one is saved, and the last characters it may show. */
export function secretState(hint: string): { saved: boolean; tail: string } {
  if (!hint || hint === "not set") return { saved: false, tail: "" };
  const tail = /…(.+)$/.exec(hint)?.[1] ?? "";
  return { saved: true, tail };
}
