import { describe, expect, it } from "vitest";
import { auditVariables, filtersFrom, filtersQuery, nextDay, NO_FILTERS, pageCount, rangeIsBackwards } from "./auditFilters";

describe("the audit log's filters", () => {
  it("round-trip through the query string, defaults left out", () => {
    const filters = { action: "join.denied", personId: "7", meetingId: "12", from: "2026-11-01", to: "2026-11-30", page: 3 };
    const query = filtersQuery(filters);
    expect(query).toBe("?action=join.denied&person=7&meeting=12&from=2026-11-01&to=2026-11-30&page=3");
    expect(filtersFrom(new URLSearchParams(query))).toEqual(filters);
    expect(filtersQuery(NO_FILTERS)).toBe("");
  });

  it("drop what is not an id, a day or a page", () => {
    const parsed = filtersFrom(new URLSearchParams("person=abc&meeting=-1&from=30/11/2026&to=2026-11-3&page=0"));
    expect(parsed).toEqual(NO_FILTERS);
  });

  it("read a day in the viewer's zone, the last day whole", () => {
    const vars = auditVariables({ ...NO_FILTERS, from: "2026-11-01", to: "2026-11-30" }, "Asia/Dhaka");
    expect(vars.since).toBe("2026-10-31T18:00:00.000Z");
    expect(vars.until).toBe("2026-11-30T18:00:00.000Z");
  });

  it("page by 50", () => {
    expect(auditVariables({ ...NO_FILTERS, page: 3 })).toEqual({ limit: 50, offset: 100 });
    expect(pageCount(0)).toBe(1);
    expect(pageCount(50)).toBe(1);
    expect(pageCount(51)).toBe(2);
  });

  it("count days by the calendar", () => {
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
  });

  it("spot a range that runs backwards", () => {
    expect(rangeIsBackwards({ ...NO_FILTERS, from: "2026-11-30", to: "2026-11-01" })).toBe(true);
    expect(rangeIsBackwards({ ...NO_FILTERS, from: "2026-11-01", to: "2026-11-01" })).toBe(false);
    expect(rangeIsBackwards({ ...NO_FILTERS, from: "2026-11-01" })).toBe(false);
  });
});
