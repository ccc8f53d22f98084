// Schedule a class: title, class, the first class's date and time in the teacher's timezone,
// length (with suggested free times and a warning of clashes), and a recurrence builder that
// previews every session and says which choices apply.
import { useMemo, useState } from "preact/hooks";
import { request } from "../../api/client";
import { graphql } from "../../api/gql";
import type { FieldError } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link, navigate, useLocation } from "../../router";
import { Button, Empty, Errors, Field, fieldErrors, Loading, Notice, otherErrors, Page, Section, thrownErrors } from "../../ui";
import { type Rule, type RuleProblem, MAX_INTERVAL, MAX_OCCURRENCES, dateIn, occurrences, parseDate, ruleInput, zonedInstant } from "./recurrence";
import { type Repeat, type ScheduleForm, emptyForm, formProblems, repeatDefaults, ruleOf, withRepeat } from "./schedule";
import { aboutHref } from "./parts";
import { clashQuestion } from "./clashes";
import { ClashWarning, SuggestTimes } from "./SchedulingHelp";

const SETUP = graphql(`
  query SessionsScheduleSetup {
    classes { id name }
    myPreferences { effectiveTimezone }
    myZoomConnection { status }
  }
`);

const SCHEDULE = graphql(`
  mutation SessionsSchedule($input: ScheduleMeetingInput!) {
    scheduleMeeting(input: $input) {
      meeting { id }
      errors { field message code }
    }
  }
`);

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;
const WEEKS = [1, 2, 3, 4, -1] as const;
const PREVIEW_SHOWN = 12;

/** "Every 2 weeks on Mon, Wed · 10 sessions" in the person's language. */
export function describeRule(rule: Rule): string {
  const n = fmt.number(rule.interval);
  const several = rule.interval > 1;
  let every: string;
  if (rule.frequency === "daily") every = several ? t("sessions:rule.dailyN", { n }) : t("sessions:rule.daily");
  else if (rule.frequency === "weekly") {
    const days = rule.weekdays.map((d) => t(`sessions:weekday.short.${d as 0}`)).join(", ");
    every = several ? t("sessions:rule.weeklyN", { n, days }) : t("sessions:rule.weekly", { days });
  } else if (rule.monthWeekday !== null && rule.monthWeek !== null) {
    const week = t(`sessions:week.${String(rule.monthWeek) as "1"}`);
    const day = t(`sessions:weekday.long.${rule.monthWeekday as 0}`);
    every = several ? t("sessions:rule.monthlyWeekdayN", { n, week, day }) : t("sessions:rule.monthlyWeekday", { week, day });
  } else {
    const day = fmt.number(rule.monthDay ?? 1);
    every = several ? t("sessions:rule.monthlyDayN", { n, day }) : t("sessions:rule.monthlyDay", { day });
  }
  const end =
    rule.count !== null
      ? t("sessions:rule.times", { count: rule.count, n: fmt.number(rule.count) })
      : t("sessions:rule.until", { date: rule.until ? fmt.date(`${rule.until}T12:00:00Z`) : "" });
  return `${every} · ${end}`;
}

function problemText(problem: RuleProblem): string {
  switch (problem.code) {
    case "interval":
    case "count":
    case "tooMany":
      return t(`sessions:rule.problem.${problem.code}`, { max: fmt.number(problem.max) });
    default:
      return t(`sessions:rule.problem.${problem.code}`);
  }
}

function Preview({ rule, form, zone }: { rule: Rule | null; form: ScheduleForm; zone: string }) {
  const first = parseDate(form.date);
  if (!first || !/^\d{2}:\d{2}$/.test(form.time)) return null;
  if (rule === null) {
    const start = zonedInstant(first, form.time, zone);
    return (
      <div data-test-id="schedule-preview">
        <p>{t("sessions:schedule.once", { when: fmt.dateTime(start) })}</p>
      </div>
    );
  }
  if (rule.until === null && rule.count === null) return null;
  const expansion = occurrences(rule, first, form.time, zone);
  if (!expansion.ok) {
    return (
      <ul class="errors" role="alert" data-test-id="schedule-rule-problems">
        {expansion.problems.map((p) => (
          <li key={p.code}>{problemText(p)}</li>
        ))}
      </ul>
    );
  }
  const { starts } = expansion;
  const shown = starts.length > PREVIEW_SHOWN ? [...starts.slice(0, PREVIEW_SHOWN - 1)] : starts;
  const firstDay = dateIn(starts[0], zone);
  const movedFirst = firstDay.y !== first.y || firstDay.m !== first.m || firstDay.d !== first.d;
  return (
    <div data-test-id="schedule-preview" data-count={starts.length}>
      <p>
        <strong>{describeRule(rule)}</strong>
      </p>
      <p class="muted small">
        {t("sessions:schedule.previewCount", { count: starts.length, n: fmt.number(starts.length) })}
        {movedFirst && ` ${t("sessions:schedule.firstMoved", { when: fmt.date(starts[0]) })}`}
      </p>
      <ol class="preview-list">
        {shown.map((s) => (
          <li key={s.getTime()}>
            <time dateTime={s.toISOString()}>{fmt.dateTime(s)}</time>
          </li>
        ))}
        {starts.length > shown.length && (
          <>
            <li class="muted" aria-hidden="true">
              …
            </li>
            <li>
              <time dateTime={starts[starts.length - 1].toISOString()}>{fmt.dateTime(starts[starts.length - 1])}</time>
            </li>
          </>
        )}
      </ol>
    </div>
  );
}

function RepeatBuilder({ form, set }: { form: ScheduleForm; set: (patch: Partial<ScheduleForm>) => void }) {
  const unit = form.repeat === "daily" ? "days" : form.repeat === "weekly" ? "weeks" : "months";
  const max = form.repeat === "none" ? 1 : MAX_INTERVAL[form.repeat];
  const toggleDay = (d: number) =>
    set({ weekdays: form.weekdays.includes(d) ? form.weekdays.filter((x) => x !== d) : [...form.weekdays, d] });
  return (
    <div class="repeat-builder" data-test-id="repeat-builder">
      <Field label={t("sessions:schedule.every")} hint={t(`sessions:schedule.everyHint.${unit}`, { max: fmt.number(max) })}>
        {(props) => (
          <input
            {...props}
            type="number"
            min={1}
            max={max}
            value={form.interval}
            onInput={(e) => set({ interval: Number(e.currentTarget.value) })}
            data-test-id="repeat-interval"
          />
        )}
      </Field>
      {form.repeat === "weekly" && (
        <fieldset class="weekdays" data-test-id="repeat-weekdays">
          <legend>{t("sessions:schedule.onDays")}</legend>
          {WEEKDAYS.map((d) => (
            <label key={d} class="check">
              <input type="checkbox" checked={form.weekdays.includes(d)} onChange={() => toggleDay(d)} data-test-id={`weekday-${d}`} />
              <span>{t(`sessions:weekday.short.${d}`)}</span>
            </label>
          ))}
        </fieldset>
      )}
      {form.repeat === "monthly" && (
        <fieldset data-test-id="repeat-monthly">
          <legend>{t("sessions:schedule.monthlyOn")}</legend>
          <label class="check">
            <input type="radio" name="month-by" checked={form.monthBy === "day"} onChange={() => set({ monthBy: "day" })} data-test-id="month-by-day" />
            <span>{t("sessions:schedule.onDayOfMonth")}</span>
          </label>
          {form.monthBy === "day" && (
            <Field label={t("sessions:schedule.dayOfMonth")} hint={form.monthDay > 28 ? t("sessions:schedule.shortMonths") : undefined}>
              {(props) => (
                <input {...props} type="number" min={1} max={31} value={form.monthDay} onInput={(e) => set({ monthDay: Number(e.currentTarget.value) })} />
              )}
            </Field>
          )}
          <label class="check">
            <input type="radio" name="month-by" checked={form.monthBy === "weekday"} onChange={() => set({ monthBy: "weekday" })} data-test-id="month-by-weekday" />
            <span>{t("sessions:schedule.onWeekdayOfMonth")}</span>
          </label>
          {form.monthBy === "weekday" && (
            <div class="inline-fields">
              <Field label={t("sessions:schedule.whichWeek")}>
                {(props) => (
                  <select {...props} value={form.monthWeek} onChange={(e) => set({ monthWeek: Number(e.currentTarget.value) })}>
                    {WEEKS.map((w) => (
                      <option key={w} value={w}>
                        {t(`sessions:week.${String(w) as "1"}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t("sessions:schedule.whichDay")}>
                {(props) => (
                  <select {...props} value={form.monthWeekday} onChange={(e) => set({ monthWeekday: Number(e.currentTarget.value) })}>
                    {WEEKDAYS.map((d) => (
                      <option key={d} value={d}>
                        {t(`sessions:weekday.long.${d}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
          )}
        </fieldset>
      )}
      <fieldset data-test-id="repeat-end">
        <legend>{t("sessions:schedule.ends")}</legend>
        <label class="check">
          <input type="radio" name="end-by" checked={form.endBy === "count"} onChange={() => set({ endBy: "count" })} data-test-id="end-by-count" />
          <span>{t("sessions:schedule.afterCount")}</span>
        </label>
        {form.endBy === "count" && (
          <Field label={t("sessions:schedule.sessions")} hint={t("sessions:schedule.countHint", { max: fmt.number(MAX_OCCURRENCES) })}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={1}
                max={MAX_OCCURRENCES}
                value={form.count}
                onInput={(e) => set({ count: Number(e.currentTarget.value) })}
                data-test-id="repeat-count"
              />
            )}
          </Field>
        )}
        <label class="check">
          <input type="radio" name="end-by" checked={form.endBy === "until"} onChange={() => set({ endBy: "until" })} data-test-id="end-by-until" />
          <span>{t("sessions:schedule.onDate")}</span>
        </label>
        {form.endBy === "until" && (
          <Field label={t("sessions:schedule.lastDay")}>
            {(props) => <input {...props} type="date" min={form.date} value={form.until} onInput={(e) => set({ until: e.currentTarget.value })} data-test-id="repeat-until" />}
          </Field>
        )}
      </fieldset>
    </div>
  );
}

/** After a refused submit: the first field that says why, or the list of errors. */
export function focusFirstInvalid() {
  window.setTimeout(() => {
    const target = document.querySelector<HTMLElement>('[aria-invalid="true"], .errors[role="alert"]');
    if (target) {
      if (!target.matches("input, select, textarea")) target.tabIndex = -1;
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  }, 0);
}

function ScheduleFormView({ classes, zone, zoomConnected, initialClass }: {
  classes: { id: string; name: string }[];
  zone: string;
  zoomConnected: boolean;
  initialClass: string;
}) {
  const today = useMemo(() => dateIn(new Date(), zone), [zone]);
  const [form, setForm] = useState<ScheduleForm>(() =>
    emptyForm(today, classes.some((c) => c.id === initialClass) ? initialClass : classes.length === 1 ? classes[0].id : ""),
  );
  const [cleared, setCleared] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ScheduleForm>) => setForm((f) => ({ ...f, ...patch }));
  const rule = ruleOf(form);

  const chooseRepeat = (repeat: Repeat) => {
    const next = withRepeat(form, repeat);
    setForm(next.form);
    setCleared(next.cleared);
  };
  const chooseDate = (date: string) => {
    // A series not yet shaped by hand follows its first class's weekday and day.
    const untouched = form.repeat === "none";
    setForm((f) => ({ ...f, date, ...(untouched && parseDate(date) ? repeatDefaults(date) : {}) }));
  };

  const chooseSlot = (fill: { date: string; time: string; durationMinutes: number }) =>
    setForm((f) => ({ ...f, ...fill, ...(f.repeat === "none" ? repeatDefaults(fill.date) : {}) }));
  const question = clashQuestion({ classId: form.classId, date: form.date, time: form.time, durationMinutes: form.durationMinutes, rule, zone });

  const submit = async (event: Event) => {
    event.preventDefault();
    const problems = formProblems(form);
    const local: FieldError[] = Object.entries(problems).map(([field, code]) => ({
      field,
      message: t(`sessions:schedule.errors.${code}`),
      code: "invalid",
    }));
    if (rule) {
      const expansion = occurrences(rule, parseDate(form.date) ?? today, form.time, zone);
      if (!expansion.ok) local.push(...expansion.problems.map((p) => ({ field: "recurrence", message: problemText(p), code: "invalid" })));
    }
    setErrors(local);
    if (local.length) {
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      const start = zonedInstant(parseDate(form.date)!, form.time, zone);
      const { scheduleMeeting } = await request(SCHEDULE, {
        input: {
          classId: form.classId,
          title: form.title.trim(),
          startTime: start.toISOString(),
          durationMinutes: form.durationMinutes,
          timezone: zone,
          recurrence: rule ? ruleInput(rule) : null,
        },
      });
      if (scheduleMeeting.meeting) navigate(`${aboutHref(scheduleMeeting.meeting.id)}?scheduled=1`);
      else {
        setErrors(scheduleMeeting.errors);
        focusFirstInvalid();
      }
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };

  const shown = ["title", "classId", "startTime", "durationMinutes", "recurrence", "until"];
  return (
    <form onSubmit={submit} noValidate data-test-id="schedule-form">
      {!zoomConnected && (
        <Notice kind="info" testId="schedule-zoom-hint">
          {t("sessions:schedule.zoomHint")} <Link href={`${BASE}/my-zoom`}>{t("sessions:zoom.title")}</Link>
        </Notice>
      )}
      <Section title={t("sessions:schedule.what")}>
        <Field label={t("sessions:schedule.title")} errors={fieldErrors(errors, "title")}>
          {(props) => <input {...props} value={form.title} maxLength={200} onInput={(e) => set({ title: e.currentTarget.value })} data-test-id="schedule-title" />}
        </Field>
        <Field label={t("sessions:schedule.class")} errors={fieldErrors(errors, "classId")}>
          {(props) => (
            <select {...props} value={form.classId} onChange={(e) => set({ classId: e.currentTarget.value })} data-test-id="schedule-class">
              <option value="">{t("sessions:schedule.chooseClass")}</option>
              {classes.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </Section>
      <Section title={t("sessions:schedule.when")}>
        <div class="inline-fields">
          <Field label={t("sessions:schedule.date")} errors={fieldErrors(errors, "startTime")}>
            {(props) => <input {...props} type="date" value={form.date} onInput={(e) => chooseDate(e.currentTarget.value)} data-test-id="schedule-date" />}
          </Field>
          <Field label={t("sessions:schedule.time")}>
            {(props) => <input {...props} type="time" value={form.time} onInput={(e) => set({ time: e.currentTarget.value })} data-test-id="schedule-time" />}
          </Field>
          <Field label={t("sessions:schedule.duration")} errors={fieldErrors(errors, "durationMinutes")}>
            {(props) => (
              <input
                {...props}
                type="number"
                min={1}
                max={1440}
                step={5}
                value={form.durationMinutes}
                onInput={(e) => set({ durationMinutes: Number(e.currentTarget.value) })}
                data-test-id="schedule-duration"
              />
            )}
          </Field>
        </div>
        <ClashWarning question={question} />
        <p class="muted small" data-test-id="schedule-zone">
          {t("sessions:schedule.zone", { zone })}
        </p>
        <SuggestTimes
          classId={form.classId || null}
          durationMinutes={form.durationMinutes}
          zone={zone}
          chosen={question?.start ?? null}
          onChoose={chooseSlot}
        />
      </Section>
      <Section title={t("sessions:schedule.repeat")}>
        <Field label={t("sessions:schedule.repeats")}>
          {(props) => (
            <select {...props} value={form.repeat} onChange={(e) => chooseRepeat(e.currentTarget.value as Repeat)} data-test-id="schedule-repeat">
              <option value="none">{t("sessions:schedule.repeatNone")}</option>
              <option value="daily">{t("sessions:schedule.repeatDaily")}</option>
              <option value="weekly">{t("sessions:schedule.repeatWeekly")}</option>
              <option value="monthly">{t("sessions:schedule.repeatMonthly")}</option>
            </select>
          )}
        </Field>
        {cleared && form.repeat === "none" && (
          <Notice kind="warning" testId="repeat-cleared">
            {t("sessions:schedule.cleared")}
          </Notice>
        )}
        {form.repeat === "none" ? (
          <p class="muted small" data-test-id="repeat-none-hint">
            {t("sessions:schedule.noneHint")}
          </p>
        ) : (
          <>
            <p class="muted small" data-test-id="repeat-applies">
              {t(`sessions:schedule.applies.${form.repeat}`)}
            </p>
            <RepeatBuilder form={form} set={set} />
          </>
        )}
        <Errors errors={fieldErrors(errors, "recurrence").concat(fieldErrors(errors, "until"))} testId="schedule-recurrence-errors" />
        <h3>{t("sessions:schedule.preview")}</h3>
        <Preview rule={rule} form={form} zone={zone} />
      </Section>
      <Errors errors={otherErrors(errors, shown)} testId="schedule-errors" />
      <div class="form-actions">
        <Button kind="primary" type="submit" busy={busy} testId="schedule-submit">
          {rule ? t("sessions:schedule.submitSeries") : t("sessions:schedule.submit")}
        </Button>
        <Link href={`${BASE}/sessions`} class="button ghost">
          {t("sessions:schedule.cancel")}
        </Link>
      </div>
    </form>
  );
}

export function ScheduleView() {
  const { data, error, loading } = useQuery(SETUP, undefined);
  const { search } = useLocation();
  return (
    <Page title={t("sessions:schedule.pageTitle")} testId="schedule-page" narrow>
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading />}
      {data &&
        (data.classes.length === 0 ? (
          <Empty title={t("sessions:schedule.noClasses")} testId="schedule-no-classes">
            {t("sessions:schedule.noClassesHint")}
          </Empty>
        ) : (
          <ScheduleFormView
            classes={data.classes}
            zone={data.myPreferences.effectiveTimezone || fmt.zone()}
            zoomConnected={data.myZoomConnection?.status === "active"}
            initialClass={search.get("class") ?? ""}
          />
        ))}
    </Page>
  );
}
