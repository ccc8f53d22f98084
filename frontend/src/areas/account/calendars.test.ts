import { describe, expect, it } from "vitest";
import { needsPolling, providerRows, returnNotice, syncProgress, withoutReturn } from "./calendars";

const connection = (over: Partial<Parameters<typeof needsPolling>[0][number]> = {}) => ({
  provider: "GOOGLE" as const,
  status: "ACTIVE" as const,
  syncing: false,
  syncDone: 0,
  syncTotal: 0,
  ...over,
});

describe("the account's calendars", () => {
  it("lists Google then Microsoft, with what the school offers and the viewer's connection", () => {
    const rows = providerRows(
      [
        { provider: "MICROSOFT", available: true },
        { provider: "GOOGLE", available: false },
      ],
      [connection({ provider: "GOOGLE" })],
    );
    expect(rows.map((r) => [r.provider, r.available, r.connection?.provider ?? null])).toEqual([
      ["GOOGLE", false, "GOOGLE"],
      ["MICROSOFT", true, null],
    ]);
  });

  it("keeps re-reading only while a sync or a disconnect runs", () => {
    expect(needsPolling([])).toBe(false);
    expect(needsPolling([connection(), connection({ provider: "MICROSOFT", status: "NEEDS_RECONNECT" })])).toBe(false);
    expect(needsPolling([connection(), connection({ provider: "MICROSOFT", syncing: true })])).toBe(true);
    expect(needsPolling([connection({ status: "DISCONNECTING" })])).toBe(true);
  });

  it("counts a sync's progress when its size is known", () => {
    expect(syncProgress(connection())).toBeNull();
    expect(syncProgress(connection({ syncing: true }))).toEqual({});
    expect(syncProgress(connection({ syncing: true, syncDone: 40, syncTotal: 200 }))).toEqual({ value: 40, max: 200 });
    expect(syncProgress(connection({ syncing: true, syncDone: 210, syncTotal: 200 }))).toEqual({ value: 200, max: 200 });
  });

  it("reads the provider's return, and a reason it does not know as a failure", () => {
    const read = (q: string) => returnNotice(new URLSearchParams(q));
    expect(read("")).toBeNull();
    expect(read("calendar=nonsense")).toBeNull();
    expect(read("calendar=connected")).toEqual({ kind: "connected" });
    expect(read("calendar=error&reason=denied")).toEqual({ kind: "error", reason: "denied" });
    expect(read("calendar=error&reason=access_denied")).toEqual({ kind: "error", reason: "denied" });
    expect(read("calendar=error&reason=state")).toEqual({ kind: "error", reason: "state" });
    expect(read("calendar=error&reason=not_set_up")).toEqual({ kind: "error", reason: "not_set_up" });
    expect(read("calendar=error&reason=busy")).toEqual({ kind: "error", reason: "busy" });
    expect(read("calendar=error&reason=refused")).toEqual({ kind: "error", reason: "refused" });
    expect(read("calendar=error&reason=unavailable")).toEqual({ kind: "error", reason: "unavailable" });
    expect(read("calendar=error&reason=toString")).toEqual({ kind: "error", reason: "failed" });
    expect(read("calendar=error")).toEqual({ kind: "error", reason: "failed" });
  });

  it("takes the return off the address, keeping anything else", () => {
    expect(withoutReturn(new URLSearchParams("calendar=error&reason=denied"))).toBe("");
    expect(withoutReturn(new URLSearchParams("calendar=connected&tab=x"))).toBe("?tab=x");
  });
});
