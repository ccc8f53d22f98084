// The school's rules, one form each: attendance, reminders, the join window, invitations,
// scheduling, school hours, retention, the school's time zone and two-factor sign-in for
// admins. Numbers are checked here first (the same limits as the server) and the server's
// typed errors are shown next to their field.
import { PREFERENCES_CHANGED_EVENT } from "../../../api/client";
import { useEffect, useState } from "preact/hooks";
import { graphql } from "../../../api/gql";
import type { FieldError } from "../../../api/schema";
import { t } from "../../../i18n";
import { fmt } from "../../../i18n/format";
import { useMutation, useQuery } from "../../../hooks";
import { Errors, Field, fieldErrors, Loading, Notice } from "../../../ui";
import {
  minutesInUnits,
  percentShare,
  reminderOffsets,
  REMINDER_MAX_MINUTES,
  schoolHours,
  timeOfDay,
  REMINDER_MAX_TIMES,
  shareAsPercent,
  timeZones,
  wholeNumber,
  type Parsed,
} from "./forms";
import { localError, PolicyForm, useSaveState } from "./PolicyForm";

const POLICIES = graphql(`
  query AdminPolicies {
    attendancePolicy {
      presentMinutes
      presentShare
      graceMinutes
      unverifiedMatchesCount
    }
    reminderPolicy {
      offsetsMinutes
      absenceNoticesAllowed
    }
    joinPolicy {
      opensMinutesBefore
      closesMinutesAfterEnd
    }
    invitationPolicy {
      parentsInvited
    }
    schedulingPolicy {
      teachersMayAddressSchool
      dayStart
      dayEnd
      schoolDays
      timezone
    }
    retentionPolicy {
      auditDays
      auditDaysMin
      auditDaysMax
      zoomLinkDays
    }
    schoolTimezone
    twoFactor {
      enabled
      requiredForAdmins
      setupUrl
    }
  }
`);

const SET_ATTENDANCE = graphql(`
  mutation AdminSetAttendancePolicy($input: AttendancePolicyInput!) {
    setAttendancePolicy(input: $input) {
      ok
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_REMINDERS = graphql(`
  mutation AdminSetReminderPolicy($offsetsMinutes: [Int!], $absenceNoticesAllowed: Boolean) {
    setReminderPolicy(offsetsMinutes: $offsetsMinutes, absenceNoticesAllowed: $absenceNoticesAllowed) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_JOIN = graphql(`
  mutation AdminSetJoinPolicy($opensMinutesBefore: Int!, $closesMinutesAfterEnd: Int!) {
    setJoinPolicy(opensMinutesBefore: $opensMinutesBefore, closesMinutesAfterEnd: $closesMinutesAfterEnd) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_INVITATIONS = graphql(`
  mutation AdminSetInvitationPolicy($parentsInvited: Boolean!) {
    setInvitationPolicy(parentsInvited: $parentsInvited) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_SCHEDULING = graphql(`
  mutation AdminSetSchedulingPolicy($teachersMayAddressSchool: Boolean!) {
    setSchedulingPolicy(teachersMayAddressSchool: $teachersMayAddressSchool) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_SCHOOL_HOURS = graphql(`
  mutation AdminSetSchoolHours($dayStart: String!, $dayEnd: String!, $schoolDays: [Int!]!) {
    setSchedulingPolicy(dayStart: $dayStart, dayEnd: $dayEnd, schoolDays: $schoolDays) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_RETENTION = graphql(`
  mutation AdminSetRetentionPolicy($auditDays: Int!) {
    setRetentionPolicy(auditDays: $auditDays) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_TIMEZONE = graphql(`
  mutation AdminSetSchoolTimezone($timezone: String!) {
    setSchoolTimezone(timezone: $timezone) {
      errors {
        field
        message
        code
      }
    }
  }
`);
const SET_TWO_FACTOR = graphql(`
  mutation AdminSetAdminsRequireTwoFactor($required: Boolean!) {
    setAdminsRequireTwoFactor(required: $required) {
      ok
      errors {
        field
        message
        code
      }
    }
  }
`);

function problemText(parsed: Parsed<unknown>, range?: { min: number; max: number }): string {
  if (parsed.ok) return "";
  if (parsed.problem === "range" && range) return t("admin:form.range", { min: fmt.number(range.min), max: fmt.number(range.max) });
  return t(`admin:form.problem.${parsed.problem}`);
}

/** Keeps a form's values, filled from the server until the admin types. */
function useFormValues<T>(initial: T | null): [T | null, (next: T) => void] {
  const [values, setValues] = useState<T | null>(initial);
  const key = JSON.stringify(initial);
  useEffect(() => setValues(initial), [key]);
  return [values, setValues];
}

// --- attendance ---------------------------------------------------------------------------

function AttendanceForm({ policy, onSaved }: {
  policy: { presentMinutes: number | null; presentShare: number | null; graceMinutes: number; unverifiedMatchesCount: boolean };
  onSaved: () => void;
}) {
  const state = useSaveState();
  const run = useMutation(SET_ATTENDANCE);
  const [v, setV] = useFormValues({
    mode: policy.presentShare !== null ? "share" : "minutes",
    minutes: policy.presentMinutes !== null ? String(policy.presentMinutes) : "15",
    percent: policy.presentShare !== null ? shareAsPercent(policy.presentShare) : "50",
    grace: String(policy.graceMinutes),
    unverified: policy.unverifiedMatchesCount,
  });
  if (!v) return null;
  const submit = () => {
    const minutes = wholeNumber(v.minutes, 0, 1440);
    const share = percentShare(v.percent);
    const grace = wholeNumber(v.grace, 0, 1440);
    const local: FieldError[] = [];
    if (v.mode === "minutes" && !minutes.ok) local.push(localError("presentMinutes", problemText(minutes, { min: 0, max: 1440 })));
    if (v.mode === "share" && !share.ok) local.push(localError("presentShare", problemText(share, { min: 0, max: 100 })));
    if (!grace.ok) local.push(localError("graceMinutes", problemText(grace, { min: 0, max: 1440 })));
    if (local.length) return state.setErrors(local);
    void state.save(async () => {
      const { setAttendancePolicy: payload } = await run.run({
        input: {
          presentMinutes: v.mode === "minutes" && minutes.ok ? minutes.value : null,
          presentShare: v.mode === "share" && share.ok ? share.value : null,
          graceMinutes: grace.ok ? grace.value : null,
          unverifiedMatchesCount: v.unverified,
        },
      });
      if (payload.ok) onSaved();
      return payload.errors;
    });
  };
  return (
    <PolicyForm
      title={t("admin:policies.attendance.title")}
      intro={t("admin:policies.attendance.intro")}
      state={state}
      fields={["presentMinutes", "presentShare", "graceMinutes"]}
      onSubmit={submit}
      testId="policy-attendance"
    >
      <fieldset class="choice">
        <legend>{t("admin:policies.attendance.presentWhen")}</legend>
        <label class="inline">
          <input type="radio" name="attendance-mode" checked={v.mode === "minutes"} onChange={() => setV({ ...v, mode: "minutes" })} data-test-id="attendance-mode-minutes" />{" "}
          {t("admin:policies.attendance.byMinutes")}
        </label>
        <label class="inline">
          <input type="radio" name="attendance-mode" checked={v.mode === "share"} onChange={() => setV({ ...v, mode: "share" })} data-test-id="attendance-mode-share" />{" "}
          {t("admin:policies.attendance.byShare")}
        </label>
      </fieldset>
      {v.mode === "minutes" ? (
        <Field label={t("admin:policies.attendance.minutes")} hint={t("admin:policies.attendance.minutesHint")} errors={fieldErrors(state.errors, "presentMinutes")}>
          {(p) => <input {...p} inputMode="numeric" value={v.minutes} onInput={(e) => setV({ ...v, minutes: e.currentTarget.value })} data-test-id="attendance-minutes" />}
        </Field>
      ) : (
        <Field label={t("admin:policies.attendance.percent")} hint={t("admin:policies.attendance.percentHint")} errors={fieldErrors(state.errors, "presentShare")}>
          {(p) => <input {...p} inputMode="decimal" value={v.percent} onInput={(e) => setV({ ...v, percent: e.currentTarget.value })} data-test-id="attendance-percent" />}
        </Field>
      )}
      <Field label={t("admin:policies.attendance.grace")} hint={t("admin:policies.attendance.graceHint")} errors={fieldErrors(state.errors, "graceMinutes")}>
        {(p) => <input {...p} inputMode="numeric" value={v.grace} onInput={(e) => setV({ ...v, grace: e.currentTarget.value })} data-test-id="attendance-grace" />}
      </Field>
      <label class="inline check">
        <input type="checkbox" checked={v.unverified} onChange={(e) => setV({ ...v, unverified: e.currentTarget.checked })} data-test-id="attendance-unverified" />{" "}
        {t("admin:policies.attendance.unverified")}
      </label>
      <p class="hint">{t("admin:policies.attendance.unverifiedHint")}</p>
    </PolicyForm>
  );
}

// --- reminders ----------------------------------------------------------------------------

function offsetLabel(minutes: number): string {
  const [amount, unit] = minutesInUnits(minutes);
  return t(`admin:policies.reminders.before.${unit}`, { count: amount, n: fmt.number(amount) });
}

function RemindersForm({ policy, onSaved }: { policy: { offsetsMinutes: number[]; absenceNoticesAllowed: boolean }; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_REMINDERS);
  const [v, setV] = useFormValues({ offsets: policy.offsetsMinutes.join(", "), absence: policy.absenceNoticesAllowed });
  if (!v) return null;
  const parsed = reminderOffsets(v.offsets);
  const submit = () => {
    if (!parsed.ok) {
      const text =
        parsed.problem === "tooMany"
          ? t("admin:policies.reminders.tooMany", { max: fmt.number(REMINDER_MAX_TIMES) })
          : problemText(parsed, { min: 1, max: REMINDER_MAX_MINUTES });
      return state.setErrors([localError("offsetsMinutes", text)]);
    }
    void state.save(async () => {
      const { setReminderPolicy: payload } = await run.run({ offsetsMinutes: parsed.value, absenceNoticesAllowed: v.absence });
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  };
  return (
    <PolicyForm
      title={t("admin:policies.reminders.title")}
      intro={t("admin:policies.reminders.intro")}
      state={state}
      fields={["offsetsMinutes"]}
      onSubmit={submit}
      testId="policy-reminders"
    >
      <Field
        label={t("admin:policies.reminders.offsets")}
        hint={t("admin:policies.reminders.offsetsHint", { max: fmt.number(REMINDER_MAX_TIMES) })}
        errors={fieldErrors(state.errors, "offsetsMinutes")}
      >
        {(p) => <input {...p} value={v.offsets} onInput={(e) => setV({ ...v, offsets: e.currentTarget.value })} data-test-id="reminder-offsets" />}
      </Field>
      <p class="small" aria-live="polite" data-test-id="reminder-preview">
        {parsed.ok
          ? parsed.value.length
            ? t("admin:policies.reminders.preview", { times: parsed.value.map(offsetLabel).join(" · ") })
            : t("admin:policies.reminders.none")
          : ""}
      </p>
      <label class="inline check">
        <input type="checkbox" checked={v.absence} onChange={(e) => setV({ ...v, absence: e.currentTarget.checked })} data-test-id="reminder-absence" />{" "}
        {t("admin:policies.reminders.absence")}
      </label>
    </PolicyForm>
  );
}

// --- the join window ----------------------------------------------------------------------

function JoinForm({ policy, onSaved }: { policy: { opensMinutesBefore: number; closesMinutesAfterEnd: number }; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_JOIN);
  const [v, setV] = useFormValues({ opens: String(policy.opensMinutesBefore), closes: String(policy.closesMinutesAfterEnd) });
  if (!v) return null;
  const submit = () => {
    const opens = wholeNumber(v.opens, 0, 1440);
    const closes = wholeNumber(v.closes, 0, 1440);
    const local: FieldError[] = [];
    if (!opens.ok) local.push(localError("opensMinutesBefore", problemText(opens, { min: 0, max: 1440 })));
    if (!closes.ok) local.push(localError("closesMinutesAfterEnd", problemText(closes, { min: 0, max: 1440 })));
    if (local.length || !opens.ok || !closes.ok) return state.setErrors(local);
    void state.save(async () => {
      const { setJoinPolicy: payload } = await run.run({ opensMinutesBefore: opens.value, closesMinutesAfterEnd: closes.value });
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  };
  return (
    <PolicyForm
      title={t("admin:policies.join.title")}
      intro={t("admin:policies.join.intro")}
      state={state}
      fields={["opensMinutesBefore", "closesMinutesAfterEnd"]}
      onSubmit={submit}
      testId="policy-join"
    >
      <Field label={t("admin:policies.join.opens")} errors={fieldErrors(state.errors, "opensMinutesBefore")}>
        {(p) => <input {...p} inputMode="numeric" value={v.opens} onInput={(e) => setV({ ...v, opens: e.currentTarget.value })} data-test-id="join-opens" />}
      </Field>
      <Field label={t("admin:policies.join.closes")} errors={fieldErrors(state.errors, "closesMinutesAfterEnd")}>
        {(p) => <input {...p} inputMode="numeric" value={v.closes} onInput={(e) => setV({ ...v, closes: e.currentTarget.value })} data-test-id="join-closes" />}
      </Field>
    </PolicyForm>
  );
}

// --- invitations and scheduling -----------------------------------------------------------

function InvitationsForm({ parentsInvited, onSaved }: { parentsInvited: boolean; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_INVITATIONS);
  const [v, setV] = useFormValues({ parents: parentsInvited });
  if (!v) return null;
  const submit = () =>
    void state.save(async () => {
      const { setInvitationPolicy: payload } = await run.run({ parentsInvited: v.parents });
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  return (
    <PolicyForm title={t("admin:policies.invitations.title")} intro={t("admin:policies.invitations.intro")} state={state} fields={[]} onSubmit={submit} testId="policy-invitations">
      <label class="inline check">
        <input type="checkbox" checked={v.parents} onChange={(e) => setV({ parents: e.currentTarget.checked })} data-test-id="invitations-parents" />{" "}
        {t("admin:policies.invitations.parents")}
      </label>
    </PolicyForm>
  );
}

function SchedulingForm({ teachersMayAddressSchool, onSaved }: { teachersMayAddressSchool: boolean; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_SCHEDULING);
  const [v, setV] = useFormValues({ teachers: teachersMayAddressSchool });
  if (!v) return null;
  const submit = () =>
    void state.save(async () => {
      const { setSchedulingPolicy: payload } = await run.run({ teachersMayAddressSchool: v.teachers });
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  return (
    <PolicyForm title={t("admin:policies.scheduling.title")} intro={t("admin:policies.scheduling.intro")} state={state} fields={[]} onSubmit={submit} testId="policy-scheduling">
      <label class="inline check">
        <input type="checkbox" checked={v.teachers} onChange={(e) => setV({ teachers: e.currentTarget.checked })} data-test-id="scheduling-teachers" />{" "}
        {t("admin:policies.scheduling.teachers")}
      </label>
    </PolicyForm>
  );
}

// --- the school: time zone, school hours, two-factor, retention ---------------------------

const DAYS = [0, 1, 2, 3, 4, 5, 6] as const;

/** When classes are suggested: the school day's start and end and the school days, in the
 * school's time zone (suggestSlots keeps to them). */
function SchoolHoursForm({ policy, onSaved }: {
  policy: { dayStart: string; dayEnd: string; schoolDays: number[]; timezone: string };
  onSaved: () => void;
}) {
  const state = useSaveState();
  const run = useMutation(SET_SCHOOL_HOURS);
  const [v, setV] = useFormValues({ start: timeOfDay(policy.dayStart) ?? policy.dayStart, end: timeOfDay(policy.dayEnd) ?? policy.dayEnd, days: policy.schoolDays });
  if (!v) return null;
  const toggle = (day: number) => setV({ ...v, days: v.days.includes(day) ? v.days.filter((d) => d !== day) : [...v.days, day] });
  const submit = () => {
    const parsed = schoolHours(v.start, v.end, v.days);
    if (!parsed.ok) {
      return state.setErrors(Object.entries(parsed.problems).map(([field, problem]) => localError(field, t(`admin:policies.hours.problem.${problem}`))));
    }
    void state.save(async () => {
      const { setSchedulingPolicy: payload } = await run.run(parsed.value);
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  };
  return (
    <PolicyForm
      title={t("admin:policies.hours.title")}
      intro={t("admin:policies.hours.intro", { zone: policy.timezone })}
      state={state}
      fields={["dayStart", "dayEnd", "schoolDays"]}
      onSubmit={submit}
      testId="policy-hours"
    >
      <div class="inline-fields">
        <Field label={t("admin:policies.hours.start")} errors={fieldErrors(state.errors, "dayStart")}>
          {(p) => <input {...p} type="time" value={v.start} onInput={(e) => setV({ ...v, start: e.currentTarget.value })} data-test-id="hours-start" />}
        </Field>
        <Field label={t("admin:policies.hours.end")} errors={fieldErrors(state.errors, "dayEnd")}>
          {(p) => <input {...p} type="time" value={v.end} onInput={(e) => setV({ ...v, end: e.currentTarget.value })} data-test-id="hours-end" />}
        </Field>
      </div>
      <fieldset class="choice day-toggles" data-test-id="hours-days">
        <legend>{t("admin:policies.hours.days")}</legend>
        {DAYS.map((day) => (
          <label key={day} class="inline check day-toggle">
            <input
              type="checkbox"
              checked={v.days.includes(day)}
              onChange={() => toggle(day)}
              aria-label={t(`sessions:weekday.long.${day}`)}
              data-test-id={`hours-day-${day}`}
            />{" "}
            {t(`sessions:weekday.short.${day}`)}
          </label>
        ))}
        <Errors errors={fieldErrors(state.errors, "schoolDays")} />
      </fieldset>
    </PolicyForm>
  );
}

function TimezoneForm({ timezone, onSaved }: { timezone: string; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_TIMEZONE);
  const [v, setV] = useFormValues({ zone: timezone });
  if (!v) return null;
  const submit = () =>
    void state.save(async () => {
      const { setSchoolTimezone: payload } = await run.run({ timezone: v.zone });
      if (!payload.errors.length) {
        onSaved();
        // those without a zone of their own (the admin too, perhaps) see times in the new one
        window.dispatchEvent(new Event(PREFERENCES_CHANGED_EVENT));
      }
      return payload.errors;
    });
  return (
    <PolicyForm title={t("admin:policies.timezone.title")} intro={t("admin:policies.timezone.intro")} state={state} fields={["timezone"]} onSubmit={submit} testId="policy-timezone">
      <Field label={t("admin:policies.timezone.zone")} errors={fieldErrors(state.errors, "timezone")}>
        {(p) => (
          <select {...p} value={v.zone} onChange={(e) => setV({ zone: e.currentTarget.value })} data-test-id="school-timezone">
            {timeZones(timezone).map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        )}
      </Field>
    </PolicyForm>
  );
}

function TwoFactorForm({ status, onSaved }: { status: { enabled: boolean; requiredForAdmins: boolean; setupUrl: string }; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_TWO_FACTOR);
  const [v, setV] = useFormValues({ required: status.requiredForAdmins });
  if (!v) return null;
  const submit = () =>
    void state.save(async () => {
      const { setAdminsRequireTwoFactor: payload } = await run.run({ required: v.required });
      // An admin without a second factor is now sent to set one up before anything else:
      // go there at once rather than meet a refusal on the next request.
      if (payload.ok && v.required && !status.enabled) window.location.assign(status.setupUrl);
      else if (payload.ok) onSaved();
      return payload.errors;
    });
  return (
    <PolicyForm title={t("admin:policies.twoFactor.title")} intro={t("admin:policies.twoFactor.intro")} state={state} fields={[]} onSubmit={submit} testId="policy-two-factor">
      <label class="inline check">
        <input type="checkbox" checked={v.required} onChange={(e) => setV({ required: e.currentTarget.checked })} data-test-id="two-factor-required" />{" "}
        {t("admin:policies.twoFactor.required")}
      </label>
      {!status.enabled && (
        <Notice kind="warning" testId="two-factor-yours">
          {t("admin:policies.twoFactor.notYours")} <a href={status.setupUrl}>{t("admin:policies.twoFactor.setUp")}</a>
        </Notice>
      )}
    </PolicyForm>
  );
}

function RetentionForm({ policy, onSaved }: { policy: { auditDays: number; auditDaysMin: number; auditDaysMax: number; zoomLinkDays: number }; onSaved: () => void }) {
  const state = useSaveState();
  const run = useMutation(SET_RETENTION);
  const [v, setV] = useFormValues({ days: String(policy.auditDays) });
  if (!v) return null;
  const range = { min: policy.auditDaysMin, max: policy.auditDaysMax };
  const submit = () => {
    const days = wholeNumber(v.days, range.min, range.max);
    if (!days.ok) return state.setErrors([localError("auditDays", problemText(days, range))]);
    void state.save(async () => {
      const { setRetentionPolicy: payload } = await run.run({ auditDays: days.value });
      if (!payload.errors.length) onSaved();
      return payload.errors;
    });
  };
  return (
    <PolicyForm title={t("admin:policies.retention.title")} intro={t("admin:policies.retention.intro")} state={state} fields={["auditDays"]} onSubmit={submit} testId="policy-retention">
      <Field
        label={t("admin:policies.retention.auditDays")}
        hint={t("admin:form.range", { min: fmt.number(range.min), max: fmt.number(range.max) })}
        errors={fieldErrors(state.errors, "auditDays")}
      >
        {(p) => <input {...p} inputMode="numeric" value={v.days} onInput={(e) => setV({ days: e.currentTarget.value })} data-test-id="retention-days" />}
      </Field>
      <p class="hint">{t("admin:policies.retention.zoomLinks", { count: policy.zoomLinkDays, n: fmt.number(policy.zoomLinkDays) })}</p>
    </PolicyForm>
  );
}

export type PolicyGroup = "attendance" | "joining" | "school";

export function PoliciesTab({ group }: { group: PolicyGroup }) {
  const { data, error, loading, refetch } = useQuery(POLICIES, undefined);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (loading && !data) return <Loading what={t("admin:policies.loading")} />;
  if (!data) return <></>;
  const saved = () => void refetch();
  if (group === "attendance")
    return (
      <div class="settings-grid">
        <AttendanceForm policy={data.attendancePolicy} onSaved={saved} />
        <RemindersForm policy={data.reminderPolicy} onSaved={saved} />
      </div>
    );
  if (group === "joining")
    return (
      <div class="settings-grid">
        <JoinForm policy={data.joinPolicy} onSaved={saved} />
        <InvitationsForm parentsInvited={data.invitationPolicy.parentsInvited} onSaved={saved} />
        <SchedulingForm teachersMayAddressSchool={data.schedulingPolicy.teachersMayAddressSchool} onSaved={saved} />
      </div>
    );
  return (
    <div class="settings-grid">
      <TimezoneForm timezone={data.schoolTimezone} onSaved={saved} />
      <SchoolHoursForm policy={data.schedulingPolicy} onSaved={saved} />
      <TwoFactorForm status={data.twoFactor} onSaved={saved} />
      <RetentionForm policy={data.retentionPolicy} onSaved={saved} />
    </div>
  );
}
