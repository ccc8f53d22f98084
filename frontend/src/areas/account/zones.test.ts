import { describe, expect, it } from "vitest";
import { knownZones, zoneGroups, zoneLabel } from "./zones";

describe("zones", () => {
  it("groups by region, sorted, with Other last", () => {
    const groups = zoneGroups(["Europe/Paris", "Asia/Dhaka", "UTC", "Asia/Kolkata", "America/New_York"]);
    expect(groups.map((g) => g.region)).toEqual(["America", "Asia", "Europe", "Other"]);
    expect(groups[1].zones).toEqual(["Asia/Dhaka", "Asia/Kolkata"]);
  });

  it("keeps the person's own zone even when the browser lacks it", () => {
    const groups = zoneGroups(["Asia/Dhaka"], ["Asia/Calcutta", ""]);
    expect(groups[0].zones).toEqual(["Asia/Calcutta", "Asia/Dhaka"]);
  });

  it("labels zones for people", () => {
    expect(zoneLabel("America/Argentina/Buenos_Aires")).toBe("Argentina / Buenos Aires");
    expect(zoneLabel("UTC")).toBe("UTC");
  });

  it("falls back to a short list without Intl.supportedValuesOf", () => {
    expect(knownZones({})).toContain("Asia/Dhaka");
    expect(knownZones({ supportedValuesOf: () => ["Asia/Dhaka", "Europe/Paris"] })).toEqual(["Asia/Dhaka", "Europe/Paris"]);
  });
});
