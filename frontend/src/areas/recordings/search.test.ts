import { describe, expect, it } from "vitest";
import {
  EMPTY_SEARCH,
  nextDay,
  rangeProblem,
  readSearch,
  recordingHref,
  resultPages,
  searchHref,
  searchVariables,
  validDay,
} from "./search";

describe("a search in the address", () => {
  it("round-trips every part", () => {
    const state = { query: "photosynthesis light", classId: "7", from: "2026-11-01", to: "2026-11-30", page: 3 };
    const href = searchHref(state);
    expect(href).toBe("/app/recordings/search?q=photosynthesis+light&class=7&from=2026-11-01&to=2026-11-30&page=3");
    expect(readSearch(new URL(href, "http://x").searchParams)).toEqual(state);
  });
  it("keeps Bengali words", () => {
    const href = searchHref({ ...EMPTY_SEARCH, query: "সালোকসংশ্লেষণ" });
    expect(readSearch(new URL(href, "http://x").searchParams).query).toBe("সালোকসংশ্লেষণ");
  });
  it("leaves out what is not set, and the first page", () => {
    expect(searchHref(EMPTY_SEARCH)).toBe("/app/recordings/search");
    expect(searchHref({ ...EMPTY_SEARCH, query: "  x  ", page: 1 })).toBe("/app/recordings/search?q=x");
  });
  it("ignores what is malformed", () => {
    const state = readSearch(new URLSearchParams("q=x&class=7;drop&from=2026-02-30&to=yesterday&page=-2"));
    expect(state).toEqual({ query: "x", classId: null, from: null, to: null, page: 1 });
    expect(readSearch(new URLSearchParams("page=2.5")).page).toBe(1);
  });
  it("bounds the query", () => {
    expect(readSearch(new URLSearchParams({ q: "w".repeat(500) })).query).toHaveLength(200);
  });
});

describe("days", () => {
  it("are real calendar days", () => {
    expect(validDay("2028-02-29")).toBe("2028-02-29");
    expect(validDay("2026-02-29")).toBeNull();
    expect(validDay("2026-13-01")).toBeNull();
    expect(validDay(null)).toBeNull();
  });
  it("follow each other across months and years", () => {
    expect(nextDay("2026-11-30")).toBe("2026-12-01");
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
  });
  it("must not run backwards", () => {
    expect(rangeProblem({ from: "2026-11-02", to: "2026-11-01" })).toBe("order");
    expect(rangeProblem({ from: "2026-11-01", to: "2026-11-01" })).toBeNull();
    expect(rangeProblem({ from: null, to: "2026-11-01" })).toBeNull();
  });
});

describe("the API's variables", () => {
  it("are whole days on the person's clock", () => {
    const vars = searchVariables({ query: " light ", classId: "7", from: "2026-11-01", to: "2026-11-30", page: 2 }, "Asia/Dhaka");
    expect(vars).toEqual({
      query: "light",
      classId: "7",
      from: "2026-10-31T18:00:00.000Z",
      to: "2026-11-30T18:00:00.000Z",
      first: 20,
      offset: 20,
    });
  });
  it("follow daylight saving in the person's zone", () => {
    const vars = searchVariables({ ...EMPTY_SEARCH, query: "x", from: "2026-07-01", to: "2026-12-01" }, "Europe/London");
    expect(vars?.from).toBe("2026-06-30T23:00:00.000Z");
    expect(vars?.to).toBe("2026-12-02T00:00:00.000Z");
  });
  it("are nothing without words", () => {
    expect(searchVariables({ ...EMPTY_SEARCH, query: "   " }, "UTC")).toBeNull();
  });
  it("page through at most what the server counted", () => {
    expect(resultPages(0)).toBe(1);
    expect(resultPages(20)).toBe(1);
    expect(resultPages(21)).toBe(2);
    expect(resultPages(1000)).toBe(50);
  });
});

describe("a hit's address", () => {
  it("lands on its moment with the words to mark", () => {
    expect(recordingHref("12", { startMs: 754_900, find: "light" })).toBe("/app/meetings/12/recording?find=light#t=754");
    expect(recordingHref("12")).toBe("/app/meetings/12/recording");
    expect(recordingHref("12", { startMs: 0 })).toBe("/app/meetings/12/recording#t=0");
  });
});
