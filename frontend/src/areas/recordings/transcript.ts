// A transcript in the browser: where a time lands ("#t=754"), which cues hold what the person is
// looking for, the words to mark, and the pages a long transcript is shown in. Pure: tested in
// transcript.test.ts.

export interface Cue {
  position: number;
  startMs: number;
  endMs: number;
  speaker: string;
  text: string;
}

/** A run of text, marked where it matched (the same shape as the API's SnippetPart). */
export interface TextPart {
  text: string;
  match: boolean;
}

/** "#t=754": the address of a moment in a recording, in whole seconds (a media fragment). */
export function timeHash(ms: number): string {
  return `#t=${Math.max(0, Math.floor(ms / 1000))}`;
}

/** The seconds "#t=754", "#t=12.5" or "#t=1:02:03" name; null for anything else. */
export function parseTimeHash(hash: string): number | null {
  const found = /(?:^#|&)t=([^&]*)/.exec(hash.startsWith("#") ? hash : `#${hash}`);
  if (!found) return null;
  const value = decodeURIComponent(found[1]);
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const clock = /^(?:(\d+):)?([0-5]?\d):([0-5]\d)(\.\d+)?$/.exec(value);
  if (!clock) return null;
  return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]) + Number(clock[4] ?? 0);
}

/** The cue to show for a moment: the first that starts within that second (a search hit's
 * own), else the one being spoken then (the last to start before it), else the first.
 * -1 without cues. `cues` are in order of time. */
export function cueIndexAt(cues: readonly Cue[], seconds: number): number {
  if (!cues.length) return -1;
  const second = Math.floor(Math.max(0, seconds)) * 1000;
  // the first cue starting at or after the start of that second (binary search)
  let lo = 0;
  let hi = cues.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].startMs < second) lo = mid + 1;
    else hi = mid;
  }
  if (lo < cues.length && cues[lo].startMs < second + 1000) return lo;
  return Math.max(0, lo - 1);
}

/** What a person typed to find, as a pattern: case ignored, any run of spaces matches any. */
function pattern(query: string): RegExp | null {
  const words = query.normalize("NFC").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(escaped.join("\\s+"), "giu");
}

/** The indexes of the cues whose text or speaker holds `query`, in order. */
export function findMatches(cues: readonly Cue[], query: string): number[] {
  const re = pattern(query);
  if (!re) return [];
  const found: number[] = [];
  cues.forEach((cue, i) => {
    re.lastIndex = 0;
    const inText = re.test(cue.text.normalize("NFC"));
    re.lastIndex = 0;
    if (inText || re.test(cue.speaker.normalize("NFC"))) found.push(i);
  });
  return found;
}

/** `text` cut into runs, those holding `query` marked. Without a query: one unmarked run. */
export function highlight(text: string, query: string): TextPart[] {
  const re = pattern(query);
  const normal = text.normalize("NFC");
  if (!re) return [{ text: normal, match: false }];
  const parts: TextPart[] = [];
  let at = 0;
  for (const m of normal.matchAll(re)) {
    const start = m.index ?? 0;
    if (!m[0]) continue;
    if (start > at) parts.push({ text: normal.slice(at, start), match: false });
    parts.push({ text: m[0], match: true });
    at = start + m[0].length;
  }
  if (at < normal.length || !parts.length) parts.push({ text: normal.slice(at), match: false });
  return parts;
}

/** A long transcript is shown a page at a time. */
export const CUES_PER_PAGE = 100;

export function pageCount(total: number, perPage = CUES_PER_PAGE): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/** The page (from 0) that shows the cue at `index`. */
export function pageOf(index: number, perPage = CUES_PER_PAGE): number {
  return Math.max(0, Math.floor(index / perPage));
}

/** The match to go to from a cue: the first at or after it, else the first of all; -1 if none. */
export function matchFrom(matches: readonly number[], cueIndex: number): number {
  if (!matches.length) return -1;
  const i = matches.findIndex((m) => m >= cueIndex);
  return i === -1 ? 0 : i;
}

/** Cues fetched in pieces, put together: in order of position, each once. */
export function mergeCues<C extends Cue>(pieces: readonly (readonly C[])[]): C[] {
  const byPosition = new Map<number, C>();
  for (const piece of pieces) for (const cue of piece) byPosition.set(cue.position, cue);
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}
