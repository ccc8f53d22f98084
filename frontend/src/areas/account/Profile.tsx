// /app/profile: the person's own name, language (the app switches at once, mails follow),
// time zone, reminders, password, two-factor sign-in, connected calendars (Calendars.tsx),
// the calendar feed and data export.
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ME_CHANGED_EVENT, request } from "../../api/client";
import type { FieldError } from "../../api/schema";
import type { Me } from "../types";
import { useQuery } from "../../hooks";
import { setLanguage, t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { isLanguage } from "../../i18n/language";
import { Button, ConfirmButton, Errors, Field, Loading, Notice, Page, ProgressBar, Section, fieldErrors, otherErrors } from "../../ui";
import {
  ACCOUNT_BEGIN_TWO_FACTOR,
  ACCOUNT_CALENDAR_FEED,
  ACCOUNT_CHANGE_PASSWORD,
  ACCOUNT_CONFIRM_TWO_FACTOR,
  ACCOUNT_DISABLE_TWO_FACTOR,
  ACCOUNT_EXPORT,
  ACCOUNT_PROFILE,
  ACCOUNT_REQUEST_EXPORT,
  ACCOUNT_RESET_CALENDAR_FEED,
  ACCOUNT_SET_PREFERENCES,
  ACCOUNT_SET_REMINDERS,
  ACCOUNT_SET_SCHOOL_LANGUAGE,
} from "./documents";
import type { AccountProfileQuery } from "../../api/gql/graphql";
import { CalendarsSection } from "./Calendars";
import { LANGUAGE_NAMES } from "./SignIn";
import { knownZones, zoneGroups, zoneLabel } from "./zones";
import "./account.css";

type Preferences = AccountProfileQuery["myPreferences"];
type Reminders = AccountProfileQuery["myReminderPreferences"];

const failure = (e: unknown): FieldError[] => [
  { field: null, message: t("common:ui.error", { message: e instanceof Error ? e.message : String(e) }), code: "" },
];

function Saved({ show }: { show: boolean }) {
  return show ? (
    <span class="muted small" role="status" data-test-id="saved">
      {t("common:ui.saved")}
    </span>
  ) : null;
}

function AboutYou({ me, preferences, onSaved }: { me: Me; preferences: Preferences; onSaved: (p: Preferences) => void }) {
  const [name, setName] = useState(preferences.name);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    try {
      const { setMyPreferences: result } = await request(ACCOUNT_SET_PREFERENCES, { name });
      setErrors(result.errors);
      if (result.preferences && !result.errors.length) {
        onSaved(result.preferences);
        setSaved(true);
        window.dispatchEvent(new Event(ME_CHANGED_EVENT)); // the header and greeting follow
      }
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t("account:profile.about.title")} testId="profile-about">
      <form onSubmit={save} novalidate>
        <Field label={t("account:profile.about.name")} hint={t("account:profile.about.nameHint")} errors={fieldErrors(errors, "name")}>
          {(props) => (
            <input {...props} type="text" autocomplete="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} data-test-id="profile-name" />
          )}
        </Field>
        <p class="hint">
          {t("account:profile.about.email", { email: me.email })}
        </p>
        <Errors errors={otherErrors(errors, ["name"])} />
        <div class="actions">
          <Button kind="primary" type="submit" busy={busy} testId="profile-name-save">
            {t("common:ui.save")}
          </Button>
          <Saved show={saved} />
        </div>
      </form>
    </Section>
  );
}

function LanguageAndTime({ preferences, onSaved }: { preferences: Preferences; onSaved: (p: Preferences) => void }) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const groups = useMemo(() => zoneGroups(knownZones(), [preferences.timezone, preferences.schoolTimezone]), [preferences]);

  const save = async (values: { language?: string; timezone?: string }) => {
    setBusy(true);
    setSaved(false);
    try {
      const { setMyPreferences: result } = await request(ACCOUNT_SET_PREFERENCES, values);
      setErrors(result.errors);
      if (result.preferences && !result.errors.length) {
        const next = result.preferences;
        onSaved(next);
        setSaved(true);
        // the app speaks the new language (and shows times in the new zone) at once
        if (isLanguage(next.effectiveLanguage)) setLanguage(next.effectiveLanguage, next.effectiveTimezone);
      }
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  const schoolLanguage = isLanguage(preferences.schoolLanguage) ? LANGUAGE_NAMES[preferences.schoolLanguage] : preferences.schoolLanguage;

  return (
    <Section title={t("account:profile.language.title")} testId="profile-language">
      <Field label={t("account:profile.language.language")} hint={t("account:profile.language.languageHint")} errors={fieldErrors(errors, "language")}>
        {(props) => (
          <select {...props} value={preferences.language} disabled={busy} onChange={(e) => void save({ language: e.currentTarget.value })} data-test-id="profile-language-select">
            <option value="">{t("account:profile.language.automatic", { school: schoolLanguage })}</option>
            <option value="en" lang="en">
              {LANGUAGE_NAMES.en}
            </option>
            <option value="bn" lang="bn">
              {LANGUAGE_NAMES.bn}
            </option>
          </select>
        )}
      </Field>
      <Field
        label={t("account:profile.language.timezone")}
        hint={t("account:profile.language.timezoneHint", { zone: preferences.effectiveTimezone })}
        errors={fieldErrors(errors, "timezone")}
      >
        {(props) => (
          <select {...props} value={preferences.timezone} disabled={busy} onChange={(e) => void save({ timezone: e.currentTarget.value })} data-test-id="profile-timezone">
            <option value="">{t("account:profile.language.schoolZone", { zone: preferences.schoolTimezone })}</option>
            {groups.map((group) => (
              <optgroup key={group.region} label={group.region}>
                {group.zones.map((zone) => (
                  <option key={zone} value={zone}>
                    {zoneLabel(zone)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        )}
      </Field>
      <Errors errors={otherErrors(errors, ["language", "timezone"])} />
      <div class="actions">
        {busy && <span class="muted small">{t("common:ui.saving")}</span>}
        <Saved show={saved} />
      </div>
    </Section>
  );
}

/** Admins: the school's language, for people who chose none and whose browser asks for none
 * we speak, and for their mails. */
function SchoolLanguage({ preferences, onSaved }: { preferences: Preferences; onSaved: (p: Preferences) => void }) {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = async (language: string) => {
    setBusy(true);
    setSaved(false);
    try {
      const { setSchoolLanguage: result } = await request(ACCOUNT_SET_SCHOOL_LANGUAGE, { language });
      setErrors(result.errors);
      if (result.language && !result.errors.length) {
        onSaved({ ...preferences, schoolLanguage: result.language });
        setSaved(true);
      }
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t("account:profile.school.title")} testId="profile-school-language">
      <Field label={t("account:profile.school.language")} hint={t("account:profile.school.hint")} errors={fieldErrors(errors, "language")}>
        {(props) => (
          <select {...props} value={preferences.schoolLanguage} disabled={busy} onChange={(e) => void save(e.currentTarget.value)} data-test-id="school-language-select">
            <option value="en" lang="en">
              {LANGUAGE_NAMES.en}
            </option>
            <option value="bn" lang="bn">
              {LANGUAGE_NAMES.bn}
            </option>
          </select>
        )}
      </Field>
      <Errors errors={otherErrors(errors, ["language"])} />
      <Saved show={saved} />
    </Section>
  );
}

function RemindersSection({ initial }: { initial: Reminders }) {
  const [state, setState] = useState(initial);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const change = async (values: { remindersEnabled?: boolean; absenceNoticesEnabled?: boolean }) => {
    setBusy(true);
    setSaved(false);
    try {
      const { setMyReminderPreferences: result } = await request(ACCOUNT_SET_REMINDERS, values);
      setErrors(result.errors);
      if (result.preferences) {
        setState(result.preferences);
        setSaved(!result.errors.length);
      }
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t("account:profile.reminders.title")} testId="profile-reminders">
      <label class="check">
        <input type="checkbox" checked={state.remindersEnabled} disabled={busy} onChange={(e) => void change({ remindersEnabled: e.currentTarget.checked })} data-test-id="profile-reminders-enabled" />
        <span>{t("account:profile.reminders.reminders")}</span>
      </label>
      {state.absenceNoticesAvailable && (
        <label class="check">
          <input
            type="checkbox"
            checked={state.absenceNoticesEnabled}
            disabled={busy}
            onChange={(e) => void change({ absenceNoticesEnabled: e.currentTarget.checked })}
            data-test-id="profile-absence-notices"
          />
          <span>{t("account:profile.reminders.absence")}</span>
        </label>
      )}
      <Errors errors={errors} />
      <Saved show={saved} />
    </Section>
  );
}

function PasswordInput({ value, onValue, testId, ...props }: JSX.InputHTMLAttributes<HTMLInputElement> & {
  value: string;
  onValue: (value: string) => void;
  testId: string;
}) {
  return <input {...props} type="password" value={value} onInput={(e) => onValue(e.currentTarget.value)} data-test-id={testId} />;
}

function PasswordSection() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    if (next !== again) {
      setErrors([{ field: "again", message: t("account:profile.password.differ"), code: "invalid" }]);
      return;
    }
    setBusy(true);
    try {
      const { changePassword: result } = await request(ACCOUNT_CHANGE_PASSWORD, { current, new: next });
      setErrors(result.errors);
      if (result.ok) {
        setCurrent("");
        setNext("");
        setAgain("");
        setDone(true);
      }
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t("account:profile.password.title")} testId="profile-password">
      <form onSubmit={submit} novalidate>
        <p class="hint">{t("account:profile.password.intro")}</p>
        <Field label={t("account:profile.password.current")} errors={fieldErrors(errors, "currentPassword")}>
          {(props) => <PasswordInput {...props} value={current} onValue={setCurrent} autocomplete="current-password" testId="password-current" />}
        </Field>
        <Field label={t("account:profile.password.new")} errors={fieldErrors(errors, "newPassword")}>
          {(props) => <PasswordInput {...props} value={next} onValue={setNext} autocomplete="new-password" testId="password-new" />}
        </Field>
        <Field label={t("account:profile.password.again")} errors={fieldErrors(errors, "again")}>
          {(props) => <PasswordInput {...props} value={again} onValue={setAgain} autocomplete="new-password" testId="password-again" />}
        </Field>
        <Errors errors={otherErrors(errors, ["currentPassword", "newPassword", "again"])} />
        {done && (
          <Notice kind="success" testId="password-changed">
            {t("account:profile.password.done")}
          </Notice>
        )}
        <div class="actions">
          <Button kind="primary" type="submit" busy={busy} disabled={!current || !next} testId="password-submit">
            {t("account:profile.password.submit")}
          </Button>
        </div>
      </form>
    </Section>
  );
}

function TwoFactorSection({ enabled: initiallyEnabled }: { enabled: boolean }) {
  const [enabled, setEnabled] = useState(initiallyEnabled);
  const [enrolment, setEnrolment] = useState<{ uri: string; qrSvgDataUrl: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  const begin = () =>
    run(async () => {
      const { beginTwoFactor: result } = await request(ACCOUNT_BEGIN_TWO_FACTOR);
      setErrors(result.errors);
      setEnrolment(result.enrolment ?? null);
    });
  const confirm = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      const { confirmTwoFactor: result } = await request(ACCOUNT_CONFIRM_TWO_FACTOR, { code });
      setErrors(result.errors);
      if (result.recoveryCodes) {
        setCodes(result.recoveryCodes);
        setEnrolment(null);
        setEnabled(true);
        setCode("");
      }
    });
  };
  const disable = (event: Event) => {
    event.preventDefault();
    return run(async () => {
      const { disableTwoFactor: result } = await request(ACCOUNT_DISABLE_TWO_FACTOR, { code });
      setErrors(result.errors);
      if (result.ok) {
        setEnabled(false);
        setCodes(null);
        setCode("");
      }
    });
  };
  const codeField = (
    <Field label={t("account:profile.twoFactor.code")} hint={t("account:profile.twoFactor.codeHint")} errors={fieldErrors(errors, "code")}>
      {(props) => (
        <input {...props} type="text" inputMode="numeric" autocomplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} data-test-id="two-factor-code" />
      )}
    </Field>
  );

  return (
    <Section title={t("account:profile.twoFactor.title")} testId="profile-two-factor">
      <p data-test-id="two-factor-state">{enabled ? t("account:profile.twoFactor.on") : t("account:profile.twoFactor.off")}</p>
      {codes && (
        <>
          <Notice kind="success" testId="two-factor-codes-note">
            {t("account:profile.twoFactor.codes")}
          </Notice>
          <ul class="recovery" data-test-id="recovery-codes">
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </>
      )}
      {!enabled && !enrolment && (
        <Button kind="primary" busy={busy} onClick={() => void begin()} testId="two-factor-begin">
          {t("account:profile.twoFactor.begin")}
        </Button>
      )}
      {!enabled && enrolment && (
        <form onSubmit={(e) => void confirm(e)} novalidate>
          <p>{t("account:profile.twoFactor.scan")}</p>
          <img class="qr" src={enrolment.qrSvgDataUrl} alt={t("account:profile.twoFactor.qrAlt")} data-test-id="two-factor-qr" />
          <p class="hint">
            {t("account:profile.twoFactor.orType")} <code data-test-id="two-factor-uri">{enrolment.uri}</code>
          </p>
          {codeField}
          <div class="actions">
            <Button kind="primary" type="submit" busy={busy} disabled={!code} testId="two-factor-confirm">
              {t("account:profile.twoFactor.confirm")}
            </Button>
          </div>
        </form>
      )}
      {enabled && (
        <form onSubmit={(e) => void disable(e)} novalidate>
          {codeField}
          <div class="actions">
            <Button kind="danger" type="submit" busy={busy} disabled={!code} testId="two-factor-disable">
              {t("account:profile.twoFactor.disable")}
            </Button>
          </div>
        </form>
      )}
      <Errors errors={otherErrors(errors, ["code"])} />
    </Section>
  );
}

function CalendarSection() {
  const feed = useQuery(ACCOUNT_CALENDAR_FEED, undefined);
  const [url, setUrl] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const shown = url ?? feed.data?.myCalendarFeed.url ?? "";

  const copy = async () => {
    let done = true;
    try {
      await navigator.clipboard.writeText(shown);
    } catch {
      // no clipboard (an insecure origin): select it, and say "copied" only if that copied it
      field.current?.select();
      done = document.execCommand?.("copy") ?? false;
    }
    setCopied(done);
  };
  const reset = async () => {
    setBusy(true);
    setCopied(false);
    try {
      const { resetMyCalendarFeed: result } = await request(ACCOUNT_RESET_CALENDAR_FEED);
      setErrors(result.errors);
      if (result.feed) setUrl(result.feed.url);
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t("account:profile.calendar.title")} testId="profile-calendar">
      <p class="hint">{t("account:profile.calendar.intro")}</p>
      {feed.loading && !shown ? (
        <Loading />
      ) : feed.error ? (
        <Notice kind="error">{feed.error}</Notice>
      ) : (
        <>
          <div class="copy-row">
            <input ref={field} readOnly value={shown} aria-label={t("account:profile.calendar.address")} onFocus={(e) => e.currentTarget.select()} data-test-id="feed-url" />
            <Button kind="primary" onClick={() => void copy()} testId="feed-copy">
              {copied ? t("account:profile.calendar.copied") : t("account:profile.calendar.copy")}
            </Button>
          </div>
          <div class="actions">
            <ConfirmButton
              kind="small"
              busy={busy}
              title={t("account:profile.calendar.resetTitle")}
              body={t("account:profile.calendar.resetBody")}
              confirmLabel={t("account:profile.calendar.reset")}
              onConfirm={reset}
              testId="feed-reset"
            >
              {t("account:profile.calendar.reset")}
            </ConfirmButton>
          </div>
        </>
      )}
      <Errors errors={errors} />
    </Section>
  );
}

type ExportState = { id: string; status: string; downloadUrl?: string | null; expiresAt?: string | null };

function ExportSection() {
  const [state, setState] = useState<ExportState | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  // while it is being made: ask every 2 seconds
  useEffect(() => {
    if (!state || state.status !== "PENDING") return;
    const timer = window.setTimeout(async () => {
      try {
        const { export: row } = await request(ACCOUNT_EXPORT, { id: state.id });
        setState(row ?? { ...state, status: "FAILED" });
      } catch (e) {
        setErrors(failure(e));
        setState({ ...state, status: "FAILED" });
      }
    }, 2000);
    return () => window.clearTimeout(timer);
  }, [state]);

  const start = async () => {
    setBusy(true);
    setErrors([]);
    try {
      const { requestMyExport: result } = await request(ACCOUNT_REQUEST_EXPORT);
      setErrors(result.errors);
      if (result.export) setState(result.export);
    } catch (e) {
      setErrors(failure(e));
    } finally {
      setBusy(false);
    }
  };
  const pending = state?.status === "PENDING";
  return (
    <Section title={t("account:profile.export.title")} testId="profile-export">
      <p class="hint">{t("account:profile.export.intro")}</p>
      {pending && <ProgressBar label={t("account:profile.export.pending")} testId="export-progress" />}
      {state?.status === "READY" && state.downloadUrl && (
        <Notice kind="success" testId="export-ready">
          {t("account:profile.export.ready", { until: fmt.dateTime(state.expiresAt ?? null) })}{" "}
          <a href={state.downloadUrl} download data-test-id="export-download">
            {t("account:profile.export.download")}
          </a>
        </Notice>
      )}
      {(state?.status === "FAILED" || state?.status === "EXPIRED") && (
        <Notice kind="error" testId="export-failed">
          {state.status === "FAILED" ? t("account:profile.export.failed") : t("account:profile.export.expired")}
        </Notice>
      )}
      <Errors errors={errors} />
      {!pending && (
        <div class="actions">
          <Button kind={state ? "plain" : "primary"} busy={busy} onClick={() => void start()} testId="export-start">
            {state ? t("account:profile.export.again") : t("account:profile.export.start")}
          </Button>
        </div>
      )}
    </Section>
  );
}

export function Profile({ me }: { me: Me }) {
  const profile = useQuery(ACCOUNT_PROFILE, undefined);
  const [preferences, setPreferences] = useState<Preferences | null>(null);
  const shown = preferences ?? profile.data?.myPreferences ?? null;
  return (
    <Page title={t("account:profile.title")} testId="profile" narrow>
      {profile.error && <Notice kind="error">{profile.error}</Notice>}
      {!profile.data || !shown ? (
        !profile.error && <Loading />
      ) : (
        <div class="profile">
          <AboutYou me={me} preferences={shown} onSaved={setPreferences} />
          <LanguageAndTime preferences={shown} onSaved={setPreferences} />
          {me.role === "ADMIN" && <SchoolLanguage preferences={shown} onSaved={setPreferences} />}
          <RemindersSection initial={profile.data.myReminderPreferences} />
          <PasswordSection />
          <TwoFactorSection enabled={profile.data.twoFactor.enabled} />
          <CalendarsSection />
          <CalendarSection />
          <ExportSection />
        </div>
      )}
    </Page>
  );
}
