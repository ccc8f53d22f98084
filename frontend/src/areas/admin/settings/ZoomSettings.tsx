// The school's Zoom app: a step-by-step guide to create it in Zoom (with this school's own
// event and redirect URLs), the form (secrets write-only), and "Test connection" with the
// precise failure: what Zoom answered and what to fix.
import { useEffect, useState } from "preact/hooks";
import { graphql } from "../../../api/gql";
import type { FieldError } from "../../../api/schema";
import { t } from "../../../i18n";
import { fmt } from "../../../i18n/format";
import { useMutation, useQuery } from "../../../hooks";
import { Button, Errors, Field, fieldErrors, Loading, Notice, otherErrors, ProgressBar, Section } from "../../../ui";
import { CopyField } from "../CopyField";
import { outcomeOf, secretState, zoomAnswer } from "./zoomTest";

const ZOOM = graphql(`
  query AdminZoomSettings {
    zoomSettings {
      clientId
      clientSecretHint
      accountId
      accountHostUser
      redirectUrl
      webhookUrl
      webhookSecretHint
      apiBaseUrl
      oauthBaseUrl
      configured
      scopes
      eventTypes
      lastTest {
        ok
        outcome
        message
        testedAt
        zoomStatus
        zoomCode
      }
    }
    emailConfirmation {
      confirmed
      canResend
    }
  }
`);

const SAVE = graphql(`
  mutation AdminSaveZoomSettings($input: ZoomSettingsInput!) {
    saveZoomSettings(input: $input) {
      ok
      errors {
        field
        message
        code
      }
    }
  }
`);

const TEST = graphql(`
  mutation AdminTestZoom {
    testZoomConnection {
      result {
        ok
        outcome
        message
        testedAt
        zoomStatus
        zoomCode
      }
      errors {
        field
        message
        code
      }
    }
  }
`);

interface Form {
  clientId: string;
  clientSecret: string;
  accountId: string;
  accountHostUser: string;
  webhookSecretToken: string;
  apiBaseUrl: string;
  oauthBaseUrl: string;
}

interface TestResult {
  ok: boolean;
  outcome: string;
  message: string;
  testedAt: string | null;
  zoomStatus?: number | null;
  zoomCode?: string;
}

/** Errors the app can say in the viewer's language (by their code); others as the server wrote. */
function localised(errors: readonly FieldError[]): FieldError[] {
  return errors.map((e) => (e.code === "email_not_confirmed" ? { ...e, message: t("admin:zoom.emailNotConfirmed") } : e));
}

const FIELDS = ["clientId", "clientSecret", "accountId", "accountHostUser", "webhookSecretToken", "apiBaseUrl", "oauthBaseUrl"];

function Guide({ redirectUrl, webhookUrl, scopes, eventTypes, open }: {
  redirectUrl: string;
  webhookUrl: string;
  scopes: string[];
  eventTypes: string[];
  open: boolean;
}) {
  return (
    <details class="guide" open={open} data-test-id="zoom-guide">
      <summary>{t("admin:zoom.guide.title")}</summary>
      <ol class="guide-steps">
        <li>
          <strong>{t("admin:zoom.guide.create.title")}</strong>
          <p>{t("admin:zoom.guide.create.body")}</p>
          <p class="muted small">{t("admin:zoom.guide.create.kinds")}</p>
        </li>
        <li>
          <strong>{t("admin:zoom.guide.redirect.title")}</strong>
          <p>{t("admin:zoom.guide.redirect.body")}</p>
          <CopyField label={t("admin:zoom.redirectUrl")} value={redirectUrl} testId="zoom-redirect-url" />
        </li>
        <li>
          <strong>{t("admin:zoom.guide.scopes.title")}</strong>
          <p>{t("admin:zoom.guide.scopes.body")}</p>
          <ul class="chips" data-test-id="zoom-scopes">
            {scopes.map((scope) => (
              <li key={scope}>
                <code>{scope}</code>
              </li>
            ))}
          </ul>
        </li>
        <li>
          <strong>{t("admin:zoom.guide.events.title")}</strong>
          <p>{t("admin:zoom.guide.events.body")}</p>
          <CopyField label={t("admin:zoom.webhookUrl")} value={webhookUrl} testId="zoom-webhook-url" />
          <ul class="chips" data-test-id="zoom-event-types">
            {eventTypes.map((type) => (
              <li key={type}>
                <code>{type}</code>
              </li>
            ))}
          </ul>
          <p class="muted small">{t("admin:zoom.guide.events.validate")}</p>
        </li>
        <li>
          <strong>{t("admin:zoom.guide.credentials.title")}</strong>
          <p>{t("admin:zoom.guide.credentials.body")}</p>
        </li>
        <li>
          <strong>{t("admin:zoom.guide.test.title")}</strong>
          <p>{t("admin:zoom.guide.test.body")}</p>
        </li>
      </ol>
    </details>
  );
}

function TestOutcome({ result }: { result: TestResult }) {
  const outcome = outcomeOf(result.outcome);
  const answer = zoomAnswer(result.zoomStatus, result.zoomCode);
  return (
    <div class={result.ok ? "test-result ok" : "test-result failed"} role={result.ok ? "status" : "alert"} data-test-id="zoom-test-result" data-outcome={outcome}>
      <strong>{t(`admin:zoom.outcome.${outcome}.title`)}</strong>
      <p>{result.message}</p>
      {answer && (
        <p class="small" data-test-id="zoom-test-answer">
          {t("admin:zoom.test.zoomAnswered", { answer })}
        </p>
      )}
      {!result.ok && (
        <p class="small" data-test-id="zoom-test-fix">
          <strong>{t("admin:zoom.test.whatToFix")}</strong> {t(`admin:zoom.outcome.${outcome}.fix`)}
        </p>
      )}
      {result.testedAt && <p class="muted small">{t("admin:zoom.test.testedAt", { when: fmt.dateTime(result.testedAt) })}</p>}
    </div>
  );
}

export function ZoomSettingsTab() {
  const { data, error, loading, refetch } = useQuery(ZOOM, undefined);
  const save = useMutation(SAVE);
  const test = useMutation(TEST);
  const [form, setForm] = useState<Form | null>(null);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [testErrors, setTestErrors] = useState<readonly FieldError[]>([]);

  const zoom = data?.zoomSettings;
  useEffect(() => {
    if (zoom && !dirty) {
      setForm({
        clientId: zoom.clientId,
        clientSecret: "",
        accountId: zoom.accountId,
        accountHostUser: zoom.accountHostUser,
        webhookSecretToken: "",
        apiBaseUrl: zoom.apiBaseUrl,
        oauthBaseUrl: zoom.oauthBaseUrl,
      });
    }
    // the server's values fill the form until the admin types
  }, [zoom]);
  useEffect(() => {
    if (zoom && window.location.hash === "#zoom-test") document.getElementById("zoom-test")?.scrollIntoView();
  }, [Boolean(zoom)]);

  if (error) return <Notice kind="error">{error}</Notice>;
  if ((loading && !data) || !zoom || !form || !data) return <Loading what={t("admin:zoom.loading")} />;

  const set = (name: keyof Form) => (e: Event) => {
    setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
    setDirty(true);
    setSaved(false);
  };

  const submit = async (): Promise<boolean> => {
    setFailure(null);
    try {
      const { saveZoomSettings: payload } = await save.run({
        input: {
          clientId: form.clientId,
          clientSecret: form.clientSecret || null,
          accountId: form.accountId,
          accountHostUser: form.accountHostUser || "me",
          webhookSecretToken: form.webhookSecretToken || null,
          apiBaseUrl: form.apiBaseUrl || null,
          oauthBaseUrl: form.oauthBaseUrl || null,
        },
      });
      setErrors(localised(payload.errors));
      if (payload.ok) {
        setDirty(false);
        setSaved(true);
        await refetch();
      }
      return payload.ok;
    } catch (e) {
      setFailure(e instanceof Error ? e.message : String(e));
      return false;
    }
  };

  const runTest = async () => {
    setFailure(null);
    setResult(null);
    setTestErrors([]);
    if (dirty && !(await submit())) return;
    try {
      const { testZoomConnection: payload } = await test.run({});
      setTestErrors(localised(payload.errors));
      if (payload.result) setResult(payload.result);
      await refetch();
    } catch (e) {
      setFailure(e instanceof Error ? e.message : String(e));
    }
  };

  const confirmed = data.emailConfirmation.confirmed;
  const shownResult: TestResult | null = result ?? zoom.lastTest ?? null;
  const hint = (secretHint: string) => {
    const secret = secretState(secretHint);
    if (!secret.saved) return t("admin:zoom.secretMissing");
    return secret.tail ? t("admin:zoom.secretKeptTail", { tail: secret.tail }) : t("admin:zoom.secretKept");
  };

  return (
    <>
      {!confirmed && (
        <Notice kind="warning" testId="zoom-email-unconfirmed">
          <strong>{t("common:email.confirmTitle")}</strong> {t("common:email.confirmBody")} {t("admin:zoom.unconfirmedMeanwhile")}
        </Notice>
      )}
      <Section title={t("admin:zoom.statusTitle")} testId="zoom-status">
        <p data-test-id="zoom-configured" data-configured={zoom.configured ? "yes" : "no"}>
          {zoom.configured ? t("admin:zoom.configured") : t("admin:zoom.notConfigured")}
        </p>
      </Section>
      <Section title={t("admin:zoom.guide.heading")}>
        <Guide
          redirectUrl={zoom.redirectUrl}
          webhookUrl={zoom.webhookUrl}
          scopes={zoom.scopes}
          eventTypes={zoom.eventTypes}
          open={!zoom.configured}
        />
      </Section>
      <Section title={t("admin:zoom.formTitle")} testId="zoom-form">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Field label={t("admin:zoom.accountId")} hint={t("admin:zoom.accountIdHint")} errors={fieldErrors(errors, "accountId")}>
            {(p) => <input {...p} value={form.accountId} onInput={set("accountId")} autocomplete="off" data-test-id="zoom-account-id" />}
          </Field>
          <Field label={t("admin:zoom.clientId")} errors={fieldErrors(errors, "clientId")}>
            {(p) => <input {...p} value={form.clientId} onInput={set("clientId")} autocomplete="off" required data-test-id="zoom-client-id" />}
          </Field>
          <Field label={t("admin:zoom.clientSecret")} hint={hint(zoom.clientSecretHint)} errors={fieldErrors(errors, "clientSecret")}>
            {(p) => (
              <input {...p} type="password" value={form.clientSecret} onInput={set("clientSecret")} autocomplete="new-password" data-test-id="zoom-client-secret" />
            )}
          </Field>
          <Field label={t("admin:zoom.webhookSecret")} hint={hint(zoom.webhookSecretHint)} errors={fieldErrors(errors, "webhookSecretToken")}>
            {(p) => (
              <input
                {...p}
                type="password"
                value={form.webhookSecretToken}
                onInput={set("webhookSecretToken")}
                autocomplete="new-password"
                data-test-id="zoom-webhook-secret"
              />
            )}
          </Field>
          <details class="advanced">
            <summary>{t("admin:zoom.advanced")}</summary>
            <Field label={t("admin:zoom.hostUser")} hint={t("admin:zoom.hostUserHint")} errors={fieldErrors(errors, "accountHostUser")}>
              {(p) => <input {...p} value={form.accountHostUser} onInput={set("accountHostUser")} />}
            </Field>
            <Field label={t("admin:zoom.apiBase")} errors={fieldErrors(errors, "apiBaseUrl")}>
              {(p) => <input {...p} type="url" value={form.apiBaseUrl} onInput={set("apiBaseUrl")} />}
            </Field>
            <Field label={t("admin:zoom.oauthBase")} errors={fieldErrors(errors, "oauthBaseUrl")}>
              {(p) => <input {...p} type="url" value={form.oauthBaseUrl} onInput={set("oauthBaseUrl")} />}
            </Field>
          </details>
          <Errors errors={otherErrors(errors, FIELDS)} testId="zoom-errors" />
          {failure && <Notice kind="error">{failure}</Notice>}
          <div class="form-actions">
            <Button type="submit" kind="primary" busy={save.busy} disabled={!dirty || !confirmed} testId="zoom-save">
              {t("admin:zoom.save")}
            </Button>
            {saved && !dirty && (
              <span class="saved" role="status" data-test-id="zoom-saved">
                {t("admin:form.saved")}
              </span>
            )}
            {dirty && <span class="muted small">{t("admin:form.unsaved")}</span>}
          </div>
        </form>
      </Section>
      <Section title={t("admin:zoom.test.title")} testId="zoom-test-section">
        <div id="zoom-test" />
        <p class="muted">{dirty ? t("admin:zoom.test.saveFirst") : t("admin:zoom.test.explain")}</p>
        <Button kind="primary" busy={test.busy || save.busy} disabled={!confirmed} onClick={runTest} testId="zoom-test">
          {dirty ? t("admin:zoom.test.saveAndRun") : t("admin:zoom.test.run")}
        </Button>
        {(test.busy || save.busy) && (
          <ProgressBar label={save.busy ? t("admin:zoom.test.saving") : t("admin:zoom.test.running")} testId="zoom-test-progress" />
        )}
        <Errors errors={testErrors} testId="zoom-test-errors" />
        {!test.busy && !testErrors.length && shownResult && <TestOutcome result={shownResult} />}
      </Section>
    </>
  );
}
