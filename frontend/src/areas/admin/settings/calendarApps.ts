/**
 * The Calendars tab's form for one provider's app, without the DOM: the form a stored app
 * starts from, what it lacks before it is sent, and the `CalendarAppInput` it sends (the secret
 * write-only: kept unless replaced or cleared; the directory tenant only for Microsoft; the
 * stand-in only where the server offers one). Tested in calendarApps.test.ts.
 */
import type { CalendarAppInput, CalendarProviderName } from "../../../api/gql/graphql";

export type SecretAction = "keep" | "replace" | "clear";

export interface StoredApp {
  provider: CalendarProviderName;
  clientId: string;
  hasClientSecret: boolean;
  directoryTenant: string;
  enabled: boolean;
  standIn: string;
  allowedStandIns: readonly string[];
}

export interface AppForm {
  clientId: string;
  /** what happens to the stored secret; with none stored, typing one is "replace" */
  secretAction: SecretAction;
  secret: string;
  directoryTenant: string;
  enabled: boolean;
  standIn: string;
}

export function appForm(app: StoredApp): AppForm {
  return {
    clientId: app.clientId,
    secretAction: "keep",
    secret: "",
    directoryTenant: app.directoryTenant || (app.provider === "MICROSOFT" ? "common" : ""),
    enabled: app.enabled,
    standIn: app.standIn,
  };
}

/** Whether a secret will be stored once the form is saved. */
export function secretAfterSave(app: StoredApp, form: AppForm): boolean {
  if (form.secretAction === "clear") return false;
  if (form.secretAction === "replace") return form.secret.trim() !== "";
  return app.hasClientSecret;
}

export type AppProblem = "clientIdMissing" | "secretMissing" | "secretNeeded" | "tenantMissing";

/** What the form lacks, by the field the server would name. */
export function appProblems(app: StoredApp, form: AppForm): Partial<Record<keyof CalendarAppInput, AppProblem>> {
  const problems: Partial<Record<keyof CalendarAppInput, AppProblem>> = {};
  if (form.secretAction === "replace" && app.hasClientSecret && !form.secret.trim()) problems.clientSecret = "secretMissing";
  if (form.enabled) {
    if (!form.clientId.trim()) problems.clientId = "clientIdMissing";
    if (!secretAfterSave(app, form) && !problems.clientSecret) problems.clientSecret = "secretNeeded";
  }
  if (app.provider === "MICROSOFT" && !form.directoryTenant.trim()) problems.directoryTenant = "tenantMissing";
  return problems;
}

export function appInput(app: StoredApp, form: AppForm): CalendarAppInput {
  const secret = form.secret.trim();
  return {
    provider: app.provider,
    clientId: form.clientId.trim(),
    clientSecret: form.secretAction === "clear" ? "" : form.secretAction === "replace" && secret ? secret : null,
    directoryTenant: app.provider === "MICROSOFT" ? form.directoryTenant.trim() : null,
    enabled: form.enabled,
    standIn: app.allowedStandIns.length ? form.standIn : null,
  };
}
