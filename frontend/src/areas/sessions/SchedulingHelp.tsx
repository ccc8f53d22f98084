// Help with choosing when, in the schedule form and when a session is moved: "Suggest times"
// (free times of the teacher and the class within school hours, grouped by day in the person's
// timezone; choosing one fills the start) and the clash warning under the start field (asked
// as the form changes, after a pause; a warning, never a block).
import { useEffect, useMemo, useState } from "preact/hooks";
import { request } from "../../api/client";
import { graphql } from "../../api/gql";
import type { SessionsSchedulingClashesQuery, SessionsSuggestSlotsQuery } from "../../api/gql/graphql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, Notice, thrownErrors, Errors } from "../../ui";
import { type ClashQuestion, CLASHES_SHOWN, clashWording, orderedClashes } from "./clashes";
import { debouncedLookup, type Lookup } from "./lookup";
import { rangeWindow, SLOT_RANGES, type SlotRange, slotFill, slotsByDay } from "./slots";

const SUGGEST = graphql(`
  query SessionsSuggestSlots($classId: ID!, $durationMinutes: Int!, $from: DateTime!, $to: DateTime!) {
    suggestSlots(classId: $classId, durationMinutes: $durationMinutes, from: $from, to: $to) {
      slots { start end }
      timezone
      calendarChecked
      calendarProblem
    }
  }
`);

const CLASHES = graphql(`
  query SessionsSchedulingClashes(
    $classId: ID!
    $start: DateTime!
    $durationMinutes: Int!
    $recurrence: RecurrenceInput
    $timezone: String
    $meetingId: ID
  ) {
    schedulingClashes(
      classId: $classId
      start: $start
      durationMinutes: $durationMinutes
      recurrence: $recurrence
      timezone: $timezone
      meetingId: $meetingId
    ) {
      kind start end title meetingId occurrenceStart
    }
  }
`);

type Suggestions = SessionsSuggestSlotsQuery["suggestSlots"];
type Slot = Suggestions["slots"][number];
type Clash = SessionsSchedulingClashesQuery["schedulingClashes"][number];

const span = (start: string, end: string) => t("sessions:suggest.span", { start: fmt.time(start), end: fmt.time(end) });

/** "Suggest times": the class and length come from the form; the range is chosen here. */
export function SuggestTimes({ classId, durationMinutes, zone, chosen, onChoose }: {
  classId: string | null;
  durationMinutes: number;
  zone: string;
  /** the form's start (ISO), to mark the chosen slot */
  chosen: string | null;
  onChoose: (fill: { date: string; time: string; durationMinutes: number }) => void;
}) {
  const [range, setRange] = useState<SlotRange>("week");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Suggestions | null>(null);
  const [errors, setErrors] = useState<ReturnType<typeof thrownErrors>>([]);
  const ready = Boolean(classId) && Number.isInteger(durationMinutes) && durationMinutes >= 1 && durationMinutes <= 1440;
  // suggestions for another class or length are not these: asked again
  useEffect(() => {
    setResult(null);
    setErrors([]);
  }, [classId, durationMinutes, range]);

  const suggest = async () => {
    if (!classId) return;
    setBusy(true);
    setErrors([]);
    try {
      const { from, to } = rangeWindow(range, new Date());
      const { suggestSlots } = await request(SUGGEST, { classId, durationMinutes, from: from.toISOString(), to: to.toISOString() });
      setResult(suggestSlots);
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  const days = useMemo(() => (result ? slotsByDay(result.slots, zone) : []), [result, zone]);
  const chosenAt = chosen ? new Date(chosen).getTime() : null;

  return (
    <div class="suggest" data-test-id="suggest-times">
      <h3>{t("sessions:suggest.title")}</h3>
      <p class="muted small">{t("sessions:suggest.intro")}</p>
      <div class="suggest-controls">
        <label class="suggest-range">
          <span>{t("sessions:suggest.range")}</span>
          <select value={range} onChange={(e) => setRange(e.currentTarget.value as SlotRange)} data-test-id="suggest-range">
            {SLOT_RANGES.map((r) => (
              <option key={r} value={r}>
                {t(`sessions:suggest.ranges.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <Button kind="small" busy={busy} disabled={!ready} onClick={() => void suggest()} testId="suggest-run">
          {t("sessions:suggest.run")}
        </Button>
      </div>
      {!classId && <p class="muted small" data-test-id="suggest-needs-class">{t("sessions:suggest.needsClass")}</p>}
      <Errors errors={errors} testId="suggest-errors" />
      {result && (
        <div data-test-id="suggest-result" data-count={result.slots.length} data-calendar-checked={result.calendarChecked ? "yes" : "no"}>
          {result.calendarProblem ? (
            <Notice kind="warning" testId="suggest-calendar-problem">
              {result.calendarProblem}
            </Notice>
          ) : (
            <p class="muted small" data-test-id="suggest-calendar-note">
              {result.calendarChecked ? t("sessions:suggest.calendarChecked") : t("sessions:suggest.calendarNotConnected")}
            </p>
          )}
          <p class="muted small">{t("sessions:suggest.hours", { zone: result.timezone })}</p>
          {days.length === 0 ? (
            <p data-test-id="suggest-none">{t("sessions:suggest.none")}</p>
          ) : (
            <div class="suggest-days">
              {days.map((day) => (
                <div key={day.day} class="suggest-day" data-test-id="suggest-day" data-day={day.day}>
                  <h4>{fmt.date(day.slots[0].start)}</h4>
                  <div class="suggest-slots">
                    {day.slots.map((slot: Slot) => {
                      const picked = chosenAt === new Date(slot.start).getTime();
                      return (
                        <button
                          key={slot.start}
                          type="button"
                          class={picked ? "small suggest-slot picked" : "small suggest-slot"}
                          aria-pressed={picked}
                          onClick={() => onChoose(slotFill(slot, zone))}
                          data-test-id="suggest-slot"
                          data-start={slot.start}
                        >
                          {span(slot.start, slot.end)}
                        </button>
                      );
                    })}
                  </div>
                </div>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function clashLine(clash: Clash, series: boolean): string {
  const time = t("sessions:clash.time", { day: fmt.dateTime(clash.start), end: fmt.time(clash.end) });
  const wording = clashWording(clash);
  const line =
    wording.key === "session"
      ? t("sessions:clash.session", { title: wording.title, time })
      : wording.key === "hidden"
        ? t("sessions:clash.hidden", { time })
        : t("sessions:clash.calendar", { time });
  return series ? t("sessions:clash.occurrence", { when: fmt.date(clash.occurrenceStart), clash: line }) : line;
}

/** The clash warning under the start field: asked 400 ms after the form stops changing. */
export function ClashWarning({ question }: { question: ClashQuestion | null }) {
  const [state, setState] = useState<Lookup<Clash[]>>({ status: "idle" });
  const lookup = useMemo(
    () =>
      debouncedLookup({
        delayMs: 400,
        fetch: async (q: ClashQuestion) => (await request(CLASHES, q)).schedulingClashes,
        onChange: setState,
      }),
    [],
  );
  useEffect(() => () => lookup.stop(), []);
  const key = JSON.stringify(question);
  useEffect(() => lookup.ask(question), [key]);

  if (state.status === "idle") return null;
  if (state.status === "waiting" || state.status === "loading") {
    return (
      <p class="muted small clash-note" aria-live="polite" data-test-id="clash-checking">
        {t("sessions:clash.checking")}
      </p>
    );
  }
  if (state.status === "failed") {
    return (
      <p class="muted small clash-note" data-test-id="clash-failed">
        {t("sessions:clash.failed", { error: state.error })}
      </p>
    );
  }
  const clashes = orderedClashes(state.result);
  if (!clashes.length) {
    return (
      <p class="muted small clash-note" aria-live="polite" data-test-id="clash-none">
        {t("sessions:clash.none")}
      </p>
    );
  }
  const series = Boolean(question?.recurrence);
  const shown = clashes.slice(0, CLASHES_SHOWN);
  return (
    <div class="notice notice-warning clash-warning" role="status" aria-live="polite" data-test-id="clash-warning" data-count={clashes.length}>
      <strong>{t("sessions:clash.title", { count: clashes.length })}</strong>
      <ul>
        {shown.map((clash) => (
          <li key={`${clash.occurrenceStart}|${clash.kind}|${clash.start}|${clash.meetingId ?? ""}`} data-test-id="clash-line" data-kind={clash.kind}>
            {clashLine(clash, series)}
          </li>
        ))}
      </ul>
      {clashes.length > shown.length && (
        <p class="small">{t("sessions:clash.more", { count: clashes.length - shown.length, n: fmt.number(clashes.length - shown.length) })}</p>
      )}
      <p class="small">{t("sessions:clash.stillPossible")}</p>
    </div>
  );
}
