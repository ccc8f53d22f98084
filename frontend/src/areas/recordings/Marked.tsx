// Text with its matches marked: the API's snippet parts, or a cue cut by what is being found.
// Each run becomes a text node (a match inside <mark>): text from a transcript is never HTML.
import type { TextPart } from "./transcript";

export function Marked({ parts }: { parts: readonly TextPart[] }) {
  return <>{parts.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : part.text))}</>;
}
