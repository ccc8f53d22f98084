// A session's transcript: every cue with its time and speaker, a page of 100 at a time (a
// two-hour class has some 2,000), "find in this transcript" that marks the words and steps
// through the cues holding them, and a cue's time as a link (#t=754) that lands on it, from a
// search hit or a shared address. The words being found are kept in the address (?find=).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { RecordingsCuesQuery, RecordingsSessionQuery } from "../../api/gql/graphql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, Field, Notice, ProgressBar, Section } from "../../ui";
import { CUES } from "./documents";
import { Marked } from "./Marked";
import {
  CUES_PER_PAGE,
  cueIndexAt,
  findMatches,
  highlight,
  matchFrom,
  mergeCues,
  pageCount,
  pageOf,
  parseTimeHash,
  timeHash,
} from "./transcript";

type Transcript = NonNullable<RecordingsSessionQuery["sessionTranscript"]>;
type CueRow = NonNullable<RecordingsCuesQuery["sessionTranscript"]>["cues"][number];

/** Cues asked for at once (the API's largest page: a two-hour class in three requests) and
 * requests in flight together. */
const CHUNK = 500;
const PARALLEL = 4;

/** Every cue of the transcript, fetched in pieces; the first piece shows at once. */
function useAllCues(meetingId: string, cueCount: number) {
  const [cues, setCues] = useState<CueRow[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    const piece = async (offset: number) => (await request(CUES, { meetingId, first: CHUNK, offset })).sessionTranscript?.cues ?? [];
    (async () => {
      const pieces: CueRow[][] = [await piece(0)];
      if (stop) return;
      setCues(mergeCues(pieces));
      const offsets: number[] = [];
      for (let offset = CHUNK; offset < cueCount; offset += CHUNK) offsets.push(offset);
      for (let i = 0; i < offsets.length; i += PARALLEL) {
        pieces.push(...(await Promise.all(offsets.slice(i, i + PARALLEL).map(piece))));
        if (stop) return;
        setCues(mergeCues(pieces));
      }
      setLoaded(true);
    })().catch((e) => {
      if (!stop) setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      stop = true;
    };
  }, [meetingId, cueCount]);
  return { cues, loaded, error };
}

/** The target of the address (#t=) stands out; so does the match being looked at. */
function cueClass(target: boolean, current: boolean): string {
  return `cue${target ? " target" : ""}${current ? " current" : ""}`;
}

/** Writes what is being found into the address, without a new history entry. */
function keepFindInAddress(find: string) {
  const url = new URL(window.location.href);
  if (find.trim()) url.searchParams.set("find", find.trim());
  else url.searchParams.delete("find");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}

function Pager({ page, pages, cues, onPage, testId }: {
  page: number;
  pages: number;
  cues: readonly CueRow[];
  onPage: (page: number) => void;
  testId: string;
}) {
  if (pages < 2) return null;
  return (
    <div class="cue-pager" data-test-id={testId}>
      <Button kind="small" disabled={page === 0} onClick={() => onPage(page - 1)} testId={`${testId}-previous`}>
        {t("recordings:transcript.previousPage")}
      </Button>
      <select
        aria-label={t("recordings:transcript.pageLabel")}
        value={String(page)}
        onChange={(e) => onPage(Number(e.currentTarget.value))}
        data-test-id={`${testId}-select`}
      >
        {Array.from({ length: pages }, (_, p) => (
          <option key={p} value={String(p)}>
            {t("recordings:transcript.pageOption", {
              from: fmt.number(p * CUES_PER_PAGE + 1),
              to: fmt.number(Math.min(cues.length, (p + 1) * CUES_PER_PAGE)),
              time: cues[p * CUES_PER_PAGE] ? fmt.clock(cues[p * CUES_PER_PAGE].startMs / 1000) : "",
            })}
          </option>
        ))}
      </select>
      <Button kind="small" disabled={page >= pages - 1} onClick={() => onPage(page + 1)} testId={`${testId}-next`}>
        {t("recordings:transcript.nextPage")}
      </Button>
    </div>
  );
}

function Cues({ meetingId, transcript }: { meetingId: string; transcript: Transcript }) {
  const { cues, loaded, error } = useAllCues(meetingId, transcript.cueCount);
  const [find, setFind] = useState(() => new URLSearchParams(window.location.search).get("find") ?? "");
  const [page, setPage] = useState(0);
  const [target, setTarget] = useState<number | null>(null);
  const [current, setCurrent] = useState(-1);
  const [scrollTo, setScrollTo] = useState<number | null>(null);
  const matches = useMemo(() => findMatches(cues, find), [cues, find]);
  const latest = useRef({ cues, matches });
  latest.current = { cues, matches };

  const show = (index: number) => {
    setPage(pageOf(index));
    setScrollTo(index);
  };

  // land on the moment the address names (#t=754): once every cue is in, and on each change
  useEffect(() => {
    if (!loaded) return;
    const land = () => {
      const seconds = parseTimeHash(window.location.hash);
      const { cues: all, matches: found } = latest.current;
      if (seconds === null && found.length) {
        // words to find, no moment: the first place they were said
        setCurrent(0);
        show(found[0]);
        return;
      }
      if (seconds === null || !all.length) return;
      const index = cueIndexAt(all, seconds);
      setTarget(index);
      setCurrent(matchFrom(found, index));
      show(index);
    };
    land();
    window.addEventListener("hashchange", land);
    return () => window.removeEventListener("hashchange", land);
  }, [loaded]);

  // what is typed to find: go to its first match (from the moment landed on, if any)
  const typed = useRef(false);
  useEffect(() => {
    if (!typed.current) return;
    if (!matches.length) {
      setCurrent(-1);
      return;
    }
    const next = matchFrom(matches, target ?? 0);
    setCurrent(next);
    show(matches[next]);
  }, [matches]);

  useEffect(() => {
    if (scrollTo === null) return;
    const cue = cues[scrollTo];
    if (cue) document.getElementById(`cue-${cue.position}`)?.scrollIntoView({ block: "center" });
    setScrollTo(null);
  }, [scrollTo, page]);

  const step = (delta: number) => {
    if (!matches.length) return;
    const next = current < 0 ? 0 : (current + delta + matches.length) % matches.length;
    setCurrent(next);
    show(matches[next]);
  };

  const pages = pageCount(cues.length);
  const shown = cues.slice(page * CUES_PER_PAGE, (page + 1) * CUES_PER_PAGE);
  const currentCue = current >= 0 ? matches[current] : -1;
  const query = find.trim();
  return (
    <>
      <form
        class="transcript-find"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          step(1);
        }}
      >
        <Field label={t("recordings:transcript.find")}>
          {(props) => (
            <input
              {...props}
              type="search"
              value={find}
              maxLength={200}
              onInput={(e) => {
                typed.current = true;
                setFind(e.currentTarget.value);
                keepFindInAddress(e.currentTarget.value);
              }}
              data-test-id="transcript-find"
            />
          )}
        </Field>
        <div class="find-steps">
          <span class="muted small" aria-live="polite" data-test-id="transcript-find-status" data-matches={matches.length}>
            {query
              ? matches.length
                ? t("recordings:transcript.findStatus", { current: fmt.number(Math.max(current, 0) + 1), total: fmt.number(matches.length) })
                : loaded
                  ? t("recordings:transcript.notFound")
                  : t("recordings:transcript.notFoundYet")
              : ""}
          </span>
          <Button kind="small" disabled={matches.length < 2} onClick={() => step(-1)} testId="transcript-find-previous">
            {t("recordings:transcript.previousMatch")}
          </Button>
          <Button kind="small" type="submit" disabled={!matches.length} testId="transcript-find-next">
            {t("recordings:transcript.nextMatch")}
          </Button>
        </div>
      </form>
      {error && (
        <Notice kind="error" testId="transcript-error">
          {error}
        </Notice>
      )}
      {!loaded && !error && (
        <ProgressBar value={cues.length} max={transcript.cueCount} label={t("recordings:transcript.loading")} testId="transcript-loading" />
      )}
      <Pager page={page} pages={pages} cues={cues} onPage={setPage} testId="cue-pager" />
      <ol class="cues" data-test-id="cues" data-loaded={String(loaded)}>
        {shown.map((cue, i) => {
          const index = page * CUES_PER_PAGE + i;
          const classes = cueClass(index === target, index === currentCue);
          return (
            <li
              key={cue.position}
              id={`cue-${cue.position}`}
              class={classes}
              data-test-id="cue"
              data-position={cue.position}
              data-start-ms={cue.startMs}
              aria-current={index === target ? "true" : undefined}
            >
              <a class="cue-time" href={timeHash(cue.startMs)} data-test-id="cue-time">
                {fmt.clock(cue.startMs / 1000)}
              </a>
              <div class="cue-body">
                {cue.speaker && (
                  <span class="cue-speaker" data-test-id="cue-speaker">
                    <Marked parts={highlight(cue.speaker, query)} />
                  </span>
                )}
                <span class="cue-text" data-test-id="cue-text">
                  <Marked parts={highlight(cue.text, query)} />
                </span>
              </div>
            </li>
          );
        })}
      </ol>
      <Pager page={page} pages={pages} cues={cues} onPage={(p) => {
        setPage(p);
        document.querySelector('[data-test-id="cues"]')?.scrollIntoView({ block: "start" });
      }} testId="cue-pager-bottom" />
    </>
  );
}

export function TranscriptSection({ meetingId, transcript, hasRecording }: {
  meetingId: string;
  transcript: Transcript | null;
  hasRecording: boolean;
}) {
  const facts =
    transcript && transcript.status === "ready"
      ? [
          transcript.durationSeconds > 0 ? fmt.clock(transcript.durationSeconds) : null,
          t("recordings:transcript.lines", { count: transcript.cueCount }),
        ].filter(Boolean)
      : [];
  return (
    <Section title={t("recordings:transcript.title")} testId="transcript" actions={facts.length ? <span class="muted small">{facts.join(" · ")}</span> : undefined}>
      {!transcript ? (
        <p class="muted" data-test-id="transcript-none">
          {hasRecording ? t("recordings:transcript.none") : t("recordings:transcript.noneYet")}
        </p>
      ) : transcript.status === "pending" ? (
        <Notice testId="transcript-pending">{t("recordings:transcript.pending")}</Notice>
      ) : transcript.status === "failed" ? (
        <Notice kind="warning" testId="transcript-failed">
          {t("recordings:transcript.failed")}
        </Notice>
      ) : transcript.cueCount === 0 ? (
        <p class="muted" data-test-id="transcript-empty">
          {t("recordings:transcript.empty")}
        </p>
      ) : (
        <>
          {transcript.skippedCues > 0 && (
            <p class="muted small" data-test-id="transcript-skipped">
              {t("recordings:transcript.skipped", { count: transcript.skippedCues })}
            </p>
          )}
          <Cues key={transcript.cueCount} meetingId={meetingId} transcript={transcript} />
        </>
      )}
    </Section>
  );
}
