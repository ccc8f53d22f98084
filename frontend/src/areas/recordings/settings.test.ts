import { describe, expect, it } from "vitest";
import { apiKeyInput, endpointOk, retentionDays, summariserOutcome } from "./settings";

describe("recording settings as typed", () => {
  it("keep recordings when no number of days is given", () => {
    expect(retentionDays("", 1, 3650)).toEqual({ ok: true, value: null });
    expect(retentionDays("  ", 1, 3650)).toEqual({ ok: true, value: null });
  });
  it("take whole days from one to ten years", () => {
    expect(retentionDays("30", 1, 3650)).toEqual({ ok: true, value: 30 });
    expect(retentionDays("0", 1, 3650)).toEqual({ ok: false, problem: "range" });
    expect(retentionDays("3651", 1, 3650)).toEqual({ ok: false, problem: "range" });
    expect(retentionDays("1.5", 1, 3650)).toEqual({ ok: false, problem: "notWhole" });
  });
  it("keep, replace or remove the summariser's key", () => {
    expect(apiKeyInput("keep", "ignored")).toEqual({ ok: true, value: null });
    expect(apiKeyInput("remove", "ignored")).toEqual({ ok: true, value: "" });
    expect(apiKeyInput("replace", " sk-new ")).toEqual({ ok: true, value: "sk-new" });
    expect(apiKeyInput("replace", "  ")).toEqual({ ok: false, problem: "required" });
  });
  it("take an https endpoint or none", () => {
    expect(endpointOk("")).toBe(true);
    expect(endpointOk("https://llm.example.org/v1")).toBe(true);
    expect(endpointOk("http://llm.example.org/v1")).toBe(false);
    expect(endpointOk("ftp://llm.example.org/")).toBe(false);
    expect(endpointOk("llm.example.org")).toBe(false);
  });
  it("name a summariser test's outcome, an unknown one as an unusable answer", () => {
    expect(summariserOutcome("timeout")).toBe("timeout");
    expect(summariserOutcome("something_new")).toBe("answer");
  });
});
