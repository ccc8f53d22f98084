/** The join/leave timeline's geometry: each person a row, each of their segments a floating bar
 * [from, to] (epoch milliseconds) on the class's time axis. A segment without a join (a leave
 * seen alone) starts at the class's start; one without a leave runs to now (or the latest
 * time anyone is known to have joined or left) while the class runs, to its end once it has
 * ended. The axis spans the class window, widened to anyone in
 * before or after it. Times are absolute: the view labels them in the viewer's zone. */

export interface TimelineSegmentIn {
  joinedAt: string | null;
  leftAt: string | null;
  verified: boolean;
}

export interface TimelineRowIn {
  key: string;
  name: string;
  role: string;
  segments: TimelineSegmentIn[];
}

export interface Bar {
  row: string; // the row's key
  from: number;
  to: number;
  open: boolean; // still in the room
  verified: boolean;
}

export interface Timeline {
  min: number;
  max: number;
  rows: { key: string; name: string; role: string; seconds: number }[];
  bars: Bar[];
}

export function timelineGeometry(
  input: { windowStart: string; windowEnd: string; rows: TimelineRowIn[] },
  { now, running }: { now: number; running: boolean },
): Timeline {
  const start = Date.parse(input.windowStart);
  const end = Date.parse(input.windowEnd);
  // While the class runs an open segment reaches now, or the latest join or leave anyone is
  // known for if that is later (the viewer's clock may lag Zoom's).
  let latest = start;
  for (const row of input.rows)
    for (const s of row.segments)
      for (const at of [s.joinedAt, s.leftAt]) if (at) latest = Math.max(latest, Date.parse(at));
  const openEnd = running ? Math.max(now, latest) : end;
  const bars: Bar[] = [];
  const rows = input.rows.map((row) => {
    const mine = row.segments.map((s) => {
      const from = s.joinedAt ? Date.parse(s.joinedAt) : start;
      const to = s.leftAt ? Date.parse(s.leftAt) : openEnd;
      return { row: row.key, from, to: Math.max(from, to), open: !s.leftAt, verified: s.verified };
    });
    mine.sort((a, b) => a.from - b.from);
    bars.push(...mine);
    return { key: row.key, name: row.name, role: row.role, seconds: unionSeconds(mine) };
  });
  let min = start;
  let max = running ? Math.max(end, now) : end;
  for (const bar of bars) {
    min = Math.min(min, bar.from);
    max = Math.max(max, bar.to);
  }
  return { min, max: Math.max(max, min + 60_000), rows, bars };
}

/** Seconds covered by the union of the bars (two devices at once count once). */
export function unionSeconds(bars: { from: number; to: number }[]): number {
  const spans = bars.filter((b) => b.to > b.from).sort((a, b) => a.from - b.from);
  let total = 0;
  let runFrom = -Infinity;
  let runTo = -Infinity;
  for (const { from, to } of spans) {
    if (from > runTo) {
      if (runTo > runFrom) total += runTo - runFrom;
      runFrom = from;
      runTo = to;
    } else if (to > runTo) runTo = to;
  }
  if (runTo > runFrom) total += runTo - runFrom;
  return Math.floor(total / 1000);
}

/** Tick positions every `step` minutes (5, 10, 15, 30, 60 or 120), on whole steps, at most
 * `most` of them (fewer on a phone, where times would overlap). */
export function ticks(min: number, max: number, most = 8): number[] {
  const minutes = (max - min) / 60_000;
  const step = [5, 10, 15, 30, 60, 120].find((s) => minutes / s <= most - 1) ?? 240;
  const ms = step * 60_000;
  const out: number[] = [];
  for (let t = Math.ceil(min / ms) * ms; t <= max; t += ms) out.push(t);
  return out;
}
