// Finding in a two-hour transcript (2,000 cues) as a person types: what one keystroke costs
// (every cue searched, then the shown page's 100 cues cut into marked runs), against a plain
// case-sensitive `includes` over the same cues as the baseline.
// `npx vitest bench --run src/areas/recordings/transcript.bench.ts` (figures: docs/benchmarks.md).
import { bench, describe } from "vitest";
import { CUES_PER_PAGE, findMatches, highlight, type Cue } from "./transcript";

const WORDS = ["light", "plants", "sugar", "water", "leaf", "energy", "chlorophyll", "সালোকসংশ্লেষণ", "পাতা", "আলো"];
const cues: Cue[] = Array.from({ length: 2000 }, (_, i) => ({
  position: i + 1,
  startMs: i * 3600,
  endMs: i * 3600 + 3000,
  speaker: i % 4 ? "Ms Rahman" : "Anik Das",
  text: Array.from({ length: 14 }, (_, w) => WORDS[(i * 7 + w * 3) % WORDS.length]).join(" ") + ".",
}));

describe("one keystroke in a 2,000-cue transcript", () => {
  bench("baseline: String.includes over every cue", () => {
    cues.filter((c) => c.text.includes("chlorophyll"));
  });
  bench("findMatches (case and spacing ignored)", () => {
    findMatches(cues, "Chlorophyll");
  });
  bench("findMatches + marking the shown page", () => {
    findMatches(cues, "Chlorophyll");
    for (const cue of cues.slice(0, CUES_PER_PAGE)) highlight(cue.text, "Chlorophyll");
  });
  bench("findMatches, Bengali", () => {
    findMatches(cues, "সালোকসংশ্লেষণ");
  });
});
