import { describe, expect, it } from "vitest";
import {
  cueIndexAt,
  findMatches,
  highlight,
  matchFrom,
  mergeCues,
  pageCount,
  pageOf,
  parseTimeHash,
  timeHash,
  type Cue,
} from "./transcript";

const cue = (position: number, startMs: number, text: string, speaker = "Ms Rahman"): Cue => ({
  position,
  startMs,
  endMs: startMs + 2000,
  speaker,
  text,
});

const CUES = [
  cue(1, 0, "Good morning, everyone."),
  cue(2, 4_000, "Today: photosynthesis."),
  cue(3, 12_200, "Plants make sugar from light.", "Anik"),
  cue(4, 12_900, "And water."),
  cue(5, 60_000, "আজ আমরা সালোকসংশ্লেষণ পড়ব।"),
];

describe("a moment's address", () => {
  it("is whole seconds", () => {
    expect(timeHash(754_900)).toBe("#t=754");
    expect(timeHash(-5)).toBe("#t=0");
  });
  it("is read in seconds, decimals or a clock", () => {
    expect(parseTimeHash("#t=754")).toBe(754);
    expect(parseTimeHash("#t=12.5")).toBe(12.5);
    expect(parseTimeHash("#t=1:02:03")).toBe(3723);
    expect(parseTimeHash("#t=2:03")).toBe(123);
    expect(parseTimeHash("#x=1&t=9")).toBe(9);
  });
  it("is nothing when it is not a time", () => {
    expect(parseTimeHash("")).toBeNull();
    expect(parseTimeHash("#t=")).toBeNull();
    expect(parseTimeHash("#t=soon")).toBeNull();
    expect(parseTimeHash("#top")).toBeNull();
    expect(parseTimeHash("#t=1:99")).toBeNull();
  });
});

describe("the cue a moment lands on", () => {
  it("is the first that starts within that second (a search hit's own)", () => {
    expect(cueIndexAt(CUES, 12)).toBe(2);
    expect(cueIndexAt(CUES, 4)).toBe(1);
    expect(cueIndexAt(CUES, 0)).toBe(0);
  });
  it("is the one being spoken when none starts then", () => {
    expect(cueIndexAt(CUES, 30)).toBe(3);
    expect(cueIndexAt(CUES, 5000)).toBe(4);
  });
  it("is the first before any was spoken, and none without cues", () => {
    expect(cueIndexAt([cue(1, 9_000, "late start")], 2)).toBe(0);
    expect(cueIndexAt([], 2)).toBe(-1);
  });
});

describe("finding in a transcript", () => {
  it("finds the cues holding the words, ignoring case and spacing", () => {
    expect(findMatches(CUES, "PLANTS  make")).toEqual([2]);
    expect(findMatches(CUES, "photosynthesis")).toEqual([1]);
    expect(findMatches(CUES, "O")).toEqual([0, 1, 2]);
  });
  it("finds a speaker's cues by name", () => {
    expect(findMatches(CUES, "anik")).toEqual([2]);
  });
  it("finds Bengali words", () => {
    expect(findMatches(CUES, "সালোকসংশ্লেষণ")).toEqual([4]);
  });
  it("finds nothing for nothing, and takes punctuation literally", () => {
    expect(findMatches(CUES, "   ")).toEqual([]);
    expect(findMatches(CUES, "(")).toEqual([]);
    expect(findMatches(CUES, ".*")).toEqual([]);
  });
  it("marks every match in a cue's text, keeping the text as written", () => {
    expect(highlight("Light, more light!", "LIGHT")).toEqual([
      { text: "Light", match: true },
      { text: ", more ", match: false },
      { text: "light", match: true },
      { text: "!", match: false },
    ]);
    expect(highlight("no match here", "zebra")).toEqual([{ text: "no match here", match: false }]);
    expect(highlight("plain", "")).toEqual([{ text: "plain", match: false }]);
  });
  it("marks Bengali as written", () => {
    const parts = highlight("আজ আমরা সালোকসংশ্লেষণ পড়ব।", "সালোকসংশ্লেষণ");
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(["সালোকসংশ্লেষণ"]);
    expect(parts.map((p) => p.text).join("")).toBe("আজ আমরা সালোকসংশ্লেষণ পড়ব।");
  });
  it("goes from a cue to the next match, round to the first", () => {
    expect(matchFrom([3, 8, 20], 5)).toBe(1);
    expect(matchFrom([3, 8, 20], 8)).toBe(1);
    expect(matchFrom([3, 8, 20], 21)).toBe(0);
    expect(matchFrom([], 0)).toBe(-1);
  });
});

describe("pages of a long transcript", () => {
  it("holds 100 cues each", () => {
    expect(pageCount(2000)).toBe(20);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(101)).toBe(2);
    expect(pageOf(0)).toBe(0);
    expect(pageOf(99)).toBe(0);
    expect(pageOf(100)).toBe(1);
    expect(pageOf(1999)).toBe(19);
  });
  it("puts pieces fetched in any order together, each cue once", () => {
    const merged = mergeCues([[CUES[2], CUES[3]], [CUES[0], CUES[1]], [CUES[3], CUES[4]]]);
    expect(merged.map((c) => c.position)).toEqual([1, 2, 3, 4, 5]);
  });
});
