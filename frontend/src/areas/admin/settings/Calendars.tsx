// The school's calendar apps (admins): for Google and for Microsoft, where to create the app
// and the redirect URL to register there (copyable), the client id, the client secret
// (write-only: "set", Replace, Clear), Microsoft's directory tenant, whether people may connect,
// in development the stand-in to use instead of the provider, and how many people connected.
// Checked here first; the server's typed errors are shown by their field.
import { useState } from "preact/hooks";
import { graphql } from "../../../api/gql";
import type { AdminCalendarAppsQuery, CalendarProviderName } from "../../../api/gql/graphql";
import type { FieldError } from "../../../api/schema";
import { useMutation, useQuery } from "../../../hooks";
import { t } from "../../../i18n";
import { fmt } from "../../../i18n/format";
import { Button, Errors, Field, fieldErrors, Loading, Notice } from "../../../ui";
import { CopyField } from "../CopyField";
import { appForm, appInput, appProblems, type AppForm, type AppProblem } from "./calendarApps";
import { localError, PolicyForm, useSaveState } from "./PolicyForm";

const APPS = graphql(`
  query AdminCalendarApps {
    calendarApps { provider clientId hasClientSecret directoryTenant enabled standIn allowedStandIns redirectUrl connectedCount }
  }
`);

const UPDATE = graphql(`
  mutation AdminUpdateCalendarApp($input: CalendarAppInput!) {
    updateCalendarApp(input: $input) {
      app { provider clientId hasClientSecret directoryTenant enabled standIn allowedStandIns redirectUrl connectedCount }
      errors { field message code }
    }
  }
`);

type App = AdminCalendarAppsQuery["calendarApps"][number];

const FIELDS = ["clientId", "clientSecret", "directoryTenant", "enabled", "standIn"];
const PROVIDERS: CalendarProviderName[] = ["GOOGLE", "MICROSOFT"];

const problemText = (problem: AppProblem) => t(`admin:calendars.problem.${problem}`);
const slug = (provider: CalendarProviderName) => provider.toLowerCase();

function SecretField({ app, v, set, errors }: { app: App; v: AppForm; set: (next: Partial<AppForm>) => void; errors: readonly FieldError[] }) {
  const id = slug(app.provider);
  const secretErrors = fieldErrors(errors, "clientSecret");
  const input = (
    <Field label={app.hasClientSecret ? t("admin:calendars.newSecret") : t("admin:calendars.secret")} hint={t("admin:calendars.secretHint")} errors={fieldErrors(errors, "clientSecret")}>
      {(p) => (
        <input
          {...p}
          type="password"
          value={v.secret}
          autocomplete="new-password"
          onInput={(e) => set({ secret: e.currentTarget.value, secretAction: app.hasClientSecret || e.currentTarget.value ? "replace" : "keep" })}
          data-test-id={`calendar-app-${id}-secret`}
        />
      )}
    </Field>
  );
  if (!app.hasClientSecret) return input;
  return (
    <div class="stored-key field" data-test-id={`calendar-app-${id}-secret-state`} data-action={v.secretAction}>
      <strong>
        {t("admin:calendars.secret")}{" "}
        {v.secretAction !== "clear" && (
          <span class="badge calendar-secret-set" data-test-id={`calendar-app-${id}-secret-set`}>
            {t("admin:calendars.secretSet")}
          </span>
        )}
      </strong>
      <p class="muted small">{v.secretAction === "clear" ? t("admin:calendars.secretClearing") : t("admin:calendars.secretStored")}</p>
      {v.secretAction === "keep" && (
        <div class="form-actions">
          <Button kind="small" onClick={() => set({ secretAction: "replace", secret: "" })} testId={`calendar-app-${id}-secret-replace`}>
            {t("admin:calendars.replace")}
          </Button>
          <Button kind="small" onClick={() => set({ secretAction: "clear", secret: "" })} testId={`calendar-app-${id}-secret-clear`}>
            {t("admin:calendars.clear")}
          </Button>
        </div>
      )}
      {v.secretAction === "replace" && input}
      {v.secretAction !== "replace" && <Errors errors={secretErrors} />}
      {v.secretAction !== "keep" && (
        <Button kind="ghost" onClick={() => set({ secretAction: "keep", secret: "" })} testId={`calendar-app-${id}-secret-keep`}>
          {t("admin:calendars.keepSecret")}
        </Button>
      )}
    </div>
  );
}

function CalendarAppForm({ app, onSaved }: { app: App; onSaved: () => Promise<void> }) {
  const state = useSaveState();
  const run = useMutation(UPDATE);
  const [v, setV] = useState<AppForm>(() => appForm(app));
  const set = (next: Partial<AppForm>) => {
    setV((current) => ({ ...current, ...next }));
    state.touch();
  };
  const id = slug(app.provider);
  const microsoft = app.provider === "MICROSOFT";
  const name = microsoft ? t("admin:calendars.microsoft") : t("admin:calendars.google");
  const enabledErrors = fieldErrors(state.errors, "enabled");

  const submit = () => {
    const problems = appProblems(app, v);
    const local = Object.entries(problems).map(([field, problem]) => localError(field, problemText(problem)));
    if (local.length) return state.setErrors(local);
    void state.save(async () => {
      const { updateCalendarApp: payload } = await run.run({ input: appInput(app, v) });
      if (payload.app && !payload.errors.length) {
        setV(appForm(payload.app));
        await onSaved();
      }
      return payload.errors;
    });
  };

  return (
    <PolicyForm title={name} state={state} fields={FIELDS} onSubmit={submit} testId={`calendar-app-${id}`}>
      <p class="small" data-test-id={`calendar-app-${id}-summary`} data-enabled={app.enabled ? "yes" : "no"}>
        <span class={app.enabled ? "badge calendar-app-on" : "badge calendar-app-off"}>
          {app.enabled ? t("admin:calendars.on") : t("admin:calendars.off")}
        </span>{" "}
        <span data-test-id={`calendar-app-${id}-connected`}>
          {t("admin:calendars.connected", { count: app.connectedCount, n: fmt.number(app.connectedCount) })}
        </span>
      </p>
      <details class="guide" open={!app.clientId} data-test-id={`calendar-app-${id}-guide`}>
        <summary>{t("admin:calendars.guideTitle", { calendar: name })}</summary>
        <ol class="guide-steps">
          <li>{microsoft ? t("admin:calendars.guide.microsoftCreate") : t("admin:calendars.guide.googleCreate")}</li>
          <li>
            {t("admin:calendars.guide.redirect")}
            {app.redirectUrl && <CopyField label={t("admin:calendars.redirectUrl")} value={app.redirectUrl} testId={`calendar-app-${id}-redirect`} />}
          </li>
          <li>{microsoft ? t("admin:calendars.guide.microsoftAccess") : t("admin:calendars.guide.googleAccess")}</li>
          <li>{t("admin:calendars.guide.paste")}</li>
        </ol>
      </details>
      <Field label={t("admin:calendars.clientId")} errors={fieldErrors(state.errors, "clientId")}>
        {(p) => (
          <input {...p} value={v.clientId} autocomplete="off" maxLength={300} onInput={(e) => set({ clientId: e.currentTarget.value })} data-test-id={`calendar-app-${id}-client-id`} />
        )}
      </Field>
      <SecretField app={app} v={v} set={set} errors={state.errors} />
      {microsoft && (
        <Field label={t("admin:calendars.tenant")} hint={t("admin:calendars.tenantHint")} errors={fieldErrors(state.errors, "directoryTenant")}>
          {(p) => (
            <input {...p} value={v.directoryTenant} autocomplete="off" maxLength={200} onInput={(e) => set({ directoryTenant: e.currentTarget.value })} data-test-id={`calendar-app-${id}-tenant`} />
          )}
        </Field>
      )}
      {app.allowedStandIns.length > 0 && (
        <Field label={t("admin:calendars.standIn")} hint={t("admin:calendars.standInHint")} errors={fieldErrors(state.errors, "standIn")}>
          {(p) => (
            <select {...p} value={v.standIn} onChange={(e) => set({ standIn: e.currentTarget.value })} data-test-id={`calendar-app-${id}-stand-in`}>
              <option value="">{t("admin:calendars.theProvider", { calendar: name })}</option>
              {app.allowedStandIns.map((origin) => (
                <option key={origin} value={origin}>
                  {t("admin:calendars.standInAt", { origin })}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <label class="inline check">
        <input type="checkbox" checked={v.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} data-test-id={`calendar-app-${id}-enabled`} />{" "}
        {t("admin:calendars.enabled", { calendar: name })}
      </label>
      <Errors errors={enabledErrors} />
      {app.enabled && !v.enabled && app.connectedCount > 0 && (
        <Notice kind="warning" testId={`calendar-app-${id}-turning-off`}>
          {t("admin:calendars.turningOff", { count: app.connectedCount, n: fmt.number(app.connectedCount) })}
        </Notice>
      )}
    </PolicyForm>
  );
}

const blank = (provider: CalendarProviderName): App => ({
  provider,
  clientId: "",
  hasClientSecret: false,
  directoryTenant: provider === "MICROSOFT" ? "common" : "",
  enabled: false,
  standIn: "",
  allowedStandIns: [],
  redirectUrl: "",
  connectedCount: 0,
});

export function CalendarsTab() {
  const { data, error, loading, refetch } = useQuery(APPS, undefined);
  if (error) return <Notice kind="error">{error}</Notice>;
  if (loading && !data) return <Loading what={t("admin:calendars.loading")} />;
  if (!data) return <></>;
  return (
    <>
      <p class="muted" data-test-id="calendar-apps-intro">
        {t("admin:calendars.intro")}
      </p>
      <div class="settings-grid">
        {PROVIDERS.map((provider) => {
          const app = data.calendarApps.find((a) => a.provider === provider) ?? blank(provider);
          return <CalendarAppForm key={provider} app={app} onSaved={refetch} />;
        })}
      </div>
    </>
  );
}
