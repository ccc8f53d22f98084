// The school's recordings (admins): whether the class's students and their parents may watch
// recordings and read transcripts, how long recordings are kept (here and at Zoom), and the
// model that writes summaries (an OpenAI-compatible endpoint, its model and key; the key is
// write-only: "a key is stored", Replace, Remove). Checked here first; the server's typed errors
// are shown by their field.
import { useState } from "preact/hooks";
import type { RecordingsSettingsQuery, RecordingsTestSummariserMutation } from "../../../api/gql/graphql";
import type { FieldError } from "../../../api/schema";
import { useMutation, useQuery } from "../../../hooks";
import { t } from "../../../i18n";
import { fmt } from "../../../i18n/format";
import { Button, Errors, Field, fieldErrors, Loading, Notice, ProgressBar, Section } from "../../../ui";
import { SETTINGS, TEST_SUMMARISER, UPDATE_SETTINGS } from "../../recordings/documents";
import { apiKeyInput, endpointOk, retentionDays, summariserOutcome, type KeyAction } from "../../recordings/settings";
import { localError, PolicyForm, useSaveState } from "./PolicyForm";

type Settings = RecordingsSettingsQuery["recordingSettings"];
type TestResult = NonNullable<RecordingsTestSummariserMutation["testSummariser"]["result"]>;

// the fields that show their own errors (those of the two choices show under the form)
const FIELDS = ["retentionDays", "summaryEndpoint", "summaryModel", "summaryApiKey"];

interface Values {
  students: boolean;
  parents: boolean;
  days: string;
  endpoint: string;
  model: string;
  keyAction: KeyAction;
  key: string;
}

const valuesOf = (s: Settings): Values => ({
  students: s.studentsMayView,
  parents: s.parentsMayView,
  days: s.retentionDays === null ? "" : String(s.retentionDays),
  endpoint: s.summaryEndpoint,
  model: s.summaryModel,
  keyAction: "keep",
  key: "",
});

function KeyField({ stored, v, set, errors }: { stored: boolean; v: Values; set: (next: Partial<Values>) => void; errors: readonly FieldError[] }) {
  const input = (
    <Field label={stored ? t("recordings:settings.newKey") : t("recordings:settings.key")} hint={t("recordings:settings.keyHint")} errors={fieldErrors(errors, "summaryApiKey")}>
      {(p) => (
        <input
          {...p}
          type="password"
          value={v.key}
          autocomplete="new-password"
          onInput={(e) => set({ key: e.currentTarget.value, keyAction: stored || e.currentTarget.value ? "replace" : "keep" })}
          data-test-id="recording-settings-key"
        />
      )}
    </Field>
  );
  if (!stored) return input;
  return (
    <div class="stored-key field" data-test-id="recording-settings-key-state" data-action={v.keyAction}>
      <strong>{t("recordings:settings.key")}</strong>
      <p class="muted small">
        {v.keyAction === "remove" ? t("recordings:settings.keyRemoving") : t("recordings:settings.keyStored")}
      </p>
      {v.keyAction === "keep" && (
        <div class="form-actions">
          <Button kind="small" onClick={() => set({ keyAction: "replace", key: "" })} testId="recording-settings-key-replace">
            {t("recordings:settings.replace")}
          </Button>
          <Button kind="small" onClick={() => set({ keyAction: "remove", key: "" })} testId="recording-settings-key-remove">
            {t("recordings:settings.remove")}
          </Button>
        </div>
      )}
      {v.keyAction === "replace" && input}
      {v.keyAction !== "keep" && (
        <Button kind="ghost" onClick={() => set({ keyAction: "keep", key: "" })} testId="recording-settings-key-keep">
          {t("recordings:settings.keepKey")}
        </Button>
      )}
    </div>
  );
}

function RecordingsForm({ settings, onSaved }: { settings: Settings; onSaved: () => Promise<void> }) {
  const state = useSaveState();
  const run = useMutation(UPDATE_SETTINGS);
  const [v, setV] = useState<Values>(() => valuesOf(settings));
  const set = (next: Partial<Values>) => {
    setV({ ...v, ...next });
    state.touch();
  };
  const [min, max] = [settings.retentionDaysMin, settings.retentionDaysMax];
  const submit = () => {
    const days = retentionDays(v.days, min, max);
    const key = apiKeyInput(v.keyAction, v.key);
    const local: FieldError[] = [];
    if (!days.ok) {
      local.push(
        localError(
          "retentionDays",
          days.problem === "range"
            ? t("admin:form.range", { min: fmt.number(min), max: fmt.number(max) })
            : t(`admin:form.problem.${days.problem === "required" ? "required" : "notWhole"}`),
        ),
      );
    }
    if (!endpointOk(v.endpoint)) local.push(localError("summaryEndpoint", t("recordings:settings.endpointBad")));
    if (v.endpoint.trim() && !v.model.trim()) local.push(localError("summaryModel", t("recordings:settings.modelMissing")));
    if (!key.ok) local.push(localError("summaryApiKey", t("recordings:settings.keyMissing")));
    if (local.length || !days.ok || !key.ok) return state.setErrors(local);
    void state.save(async () => {
      const { updateRecordingSettings: payload } = await run.run({
        input: {
          studentsMayView: v.students,
          parentsMayView: v.parents,
          retentionDays: days.value,
          summaryEndpoint: v.endpoint.trim(),
          summaryModel: v.model.trim(),
          summaryApiKey: key.value,
        },
      });
      if (payload.ok) {
        setV((current) => ({ ...current, keyAction: "keep", key: "" }));
        await onSaved();
      }
      return payload.errors;
    });
  };
  return (
    <>
      <PolicyForm title={t("recordings:settings.title")} intro={t("recordings:settings.intro")} state={state} fields={FIELDS} onSubmit={submit} testId="recording-settings">
        <fieldset class="choice">
          <legend>{t("recordings:settings.who")}</legend>
          <p class="hint">{t("recordings:settings.whoHint")}</p>
          <label class="inline check">
            <input type="checkbox" checked={v.students} onChange={(e) => set({ students: e.currentTarget.checked })} data-test-id="recording-settings-students" />{" "}
            {t("recordings:settings.students")}
          </label>
          <label class="inline check">
            <input type="checkbox" checked={v.parents} onChange={(e) => set({ parents: e.currentTarget.checked })} data-test-id="recording-settings-parents" />{" "}
            {t("recordings:settings.parents")}
          </label>
        </fieldset>
        <Field
          label={t("recordings:settings.days")}
          hint={t("recordings:settings.daysHint", { min: fmt.number(min), max: fmt.number(max) })}
          errors={fieldErrors(state.errors, "retentionDays")}
        >
          {(p) => <input {...p} inputMode="numeric" value={v.days} onInput={(e) => set({ days: e.currentTarget.value })} data-test-id="recording-settings-days" />}
        </Field>
        <p class="small" aria-live="polite" data-test-id="recording-settings-days-preview">
          {(() => {
            const days = retentionDays(v.days, min, max);
            if (!days.ok) return "";
            return days.value === null ? t("recordings:settings.keptForever") : t("recordings:settings.keptFor", { count: days.value });
          })()}
        </p>
        <fieldset class="choice">
          <legend>{t("recordings:settings.summaries")}</legend>
          <p class="hint">{v.endpoint.trim() ? t("recordings:settings.remoteHint") : t("recordings:settings.localHint")}</p>
          <Field label={t("recordings:settings.endpoint")} hint={t("recordings:settings.endpointHint")} errors={fieldErrors(state.errors, "summaryEndpoint")}>
            {(p) => (
              <input {...p} type="url" value={v.endpoint} maxLength={500} onInput={(e) => set({ endpoint: e.currentTarget.value })} data-test-id="recording-settings-endpoint" />
            )}
          </Field>
          <Field label={t("recordings:settings.model")} errors={fieldErrors(state.errors, "summaryModel")}>
            {(p) => <input {...p} value={v.model} maxLength={100} onInput={(e) => set({ model: e.currentTarget.value })} data-test-id="recording-settings-model" />}
          </Field>
          <KeyField stored={settings.summaryKeySet} v={v} set={set} errors={state.errors} />
        </fieldset>
      </PolicyForm>
      <SummariserTest unsaved={state.dirty} />
    </>
  );
}

/** "Test the summariser": the saved endpoint, model and key summarise a two-line sample. */
function SummariserTest({ unsaved }: { unsaved: boolean }) {
  const test = useMutation(TEST_SUMMARISER);
  const [result, setResult] = useState<TestResult | null>(null);
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const run = async () => {
    setResult(null);
    setErrors([]);
    try {
      const { testSummariser } = await test.run({});
      setErrors(testSummariser.errors);
      setResult(testSummariser.result);
    } catch {
      // test.error says why
    }
  };
  const outcome = result ? summariserOutcome(result.outcome) : null;
  return (
    <Section title={t("recordings:settings.test.title")} testId="summariser-test-section">
      <p class="muted">{unsaved ? t("recordings:settings.test.saveFirst") : t("recordings:settings.test.explain")}</p>
      <Button kind="primary" busy={test.busy} disabled={unsaved} onClick={run} testId="summariser-test">
        {t("recordings:settings.test.run")}
      </Button>
      {test.busy && <ProgressBar label={t("recordings:settings.test.running")} />}
      {test.error && <Notice kind="error">{test.error}</Notice>}
      <Errors errors={errors} testId="summariser-test-errors" />
      {result && outcome && (
        <div class={result.ok ? "test-result ok" : "test-result failed"} role={result.ok ? "status" : "alert"} data-test-id="summariser-test-result" data-outcome={outcome}>
          <strong>{t(`recordings:settings.test.outcome.${outcome}`)}</strong>
          {result.message && <p>{result.message}</p>}
          {result.status !== null && <p class="small">{t("recordings:settings.test.status", { status: fmt.number(result.status) })}</p>}
          {result.ok && result.answer && <p class="small" data-test-id="summariser-test-answer">{t("recordings:settings.test.answer", { answer: result.answer })}</p>}
          <p class="muted small">{t("recordings:settings.test.testedAt", { when: fmt.dateTime(result.testedAt) })}</p>
        </div>
      )}
    </Section>
  );
}

export function RecordingsTab() {
  const { data, error, loading, refetch } = useQuery(SETTINGS, undefined);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (loading && !data) return <Loading what={t("recordings:settings.loading")} />;
  if (!data) return <></>;
  return (
    <div class="settings-grid">
      <RecordingsForm settings={data.recordingSettings} onSaved={refetch} />
    </div>
  );
}
