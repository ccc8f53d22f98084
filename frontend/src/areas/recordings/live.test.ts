import { describe, expect, it } from "vitest";
import { partsFor, withParts } from "./live";

const data = { sessionRecordings: ["r1"], sessionTranscript: "t-pending", sessionSummary: null as string | null, recordingAvailability: ["a1"] };

describe("partsFor", () => {
  it("reads everything again when subscribed (first time and after a reconnect)", () => {
    expect(partsFor("READY")).toEqual({ recordings: true, transcript: true, summary: true });
  });
  it("reads the transcript and summary again with a deleted recording", () => {
    expect(partsFor("RECORDING_DELETED")).toEqual({ recordings: true, transcript: true, summary: true });
  });
  it("reads only what changed otherwise", () => {
    expect(partsFor("RECORDING")).toEqual({ recordings: true, transcript: false, summary: false });
    expect(partsFor("TRANSCRIPT")).toEqual({ recordings: false, transcript: true, summary: false });
    expect(partsFor("SUMMARY")).toEqual({ recordings: false, transcript: false, summary: true });
  });
});

describe("withParts", () => {
  it("puts in the parts read again and keeps the rest", () => {
    const next = withParts(data, partsFor("SUMMARY"), { sessionSummary: "written" });
    expect(next).toEqual({ ...data, sessionSummary: "written" });
  });
  it("empties a part that is gone", () => {
    const fresh = { sessionRecordings: [] as string[], sessionTranscript: null as string | null, sessionSummary: null as string | null, recordingAvailability: ["a1 deleted"] };
    expect(withParts(data, partsFor("RECORDING_DELETED"), fresh)).toEqual(fresh);
  });
});
