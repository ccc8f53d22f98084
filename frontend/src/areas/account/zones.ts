// The time zone picker's choices: every IANA zone the browser knows (the server checks the
// same names), grouped by region and sorted, with the person's own kept even if the browser
// lacks it. Pure: tested in zones.test.ts.

export interface ZoneGroup {
  region: string;
  zones: string[];
}

/** The zones this browser knows; a short list where Intl cannot say. */
export function knownZones(intl: { supportedValuesOf?: (key: "timeZone") => string[] } = Intl): string[] {
  try {
    const zones = intl.supportedValuesOf?.("timeZone");
    if (zones?.length) return zones;
  } catch {
    // an old browser: the short list below
  }
  return ["Asia/Dhaka", "Asia/Kolkata", "Europe/London", "America/New_York", "UTC"];
}

/** Zones grouped by their region ("Asia", "Europe"…; "UTC" and the like under "Other"),
 * regions and zones sorted; `keep` (the current choices) added if missing. */
export function zoneGroups(zones: readonly string[], keep: readonly string[] = []): ZoneGroup[] {
  const all = new Set([...zones, ...keep.filter(Boolean)]);
  const groups = new Map<string, string[]>();
  for (const zone of all) {
    const region = zone.includes("/") ? zone.split("/")[0] : "Other";
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "Other" ? 1 : b === "Other" ? -1 : a.localeCompare(b)))
    .map(([region, list]) => ({ region, zones: list.sort((a, b) => a.localeCompare(b)) }));
}

/** "America/Argentina/Buenos_Aires" → "Argentina / Buenos Aires": what a person reads. */
export function zoneLabel(zone: string): string {
  const parts = zone.split("/");
  const shown = parts.length > 1 ? parts.slice(1) : parts;
  return shown.join(" / ").replace(/_/g, " ");
}
