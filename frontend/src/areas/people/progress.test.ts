import { describe, expect, it } from "vitest";
import { importFinished, importFraction, pollDelay } from "./progress";

describe("import progress", () => {
  it("is the share of rows done", () => {
    expect(importFraction({ status: "RUNNING", total: 200, processed: 50 })).toBe(0.25);
    expect(importFraction({ status: "QUEUED", total: 0, processed: 0 })).toBe(0);
    expect(importFraction({ status: "DONE", total: 0, processed: 0 })).toBe(1);
  });

  it("stops polling when done or failed", () => {
    expect(importFinished({ status: "RUNNING", total: 1, processed: 0 })).toBe(false);
    expect(importFinished({ status: "FAILED", total: 1, processed: 0 })).toBe(true);
  });

  it("backs off to at most 3 s", () => {
    expect(pollDelay(0)).toBe(500);
    expect(pollDelay(100)).toBe(3000);
  });
});
