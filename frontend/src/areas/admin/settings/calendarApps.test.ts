import { describe, expect, it } from "vitest";
import { appForm, appInput, appProblems, type StoredApp } from "./calendarApps";

const google: StoredApp = {
  provider: "GOOGLE",
  clientId: "id-1.apps.googleusercontent.com",
  hasClientSecret: true,
  directoryTenant: "",
  enabled: true,
  standIn: "",
  allowedStandIns: [],
};
const microsoft: StoredApp = { ...google, provider: "MICROSOFT", clientId: "", hasClientSecret: false, enabled: false, directoryTenant: "" };

describe("a calendar app's form", () => {
  it("keeps a stored secret unless it is replaced or cleared", () => {
    const form = appForm(google);
    expect(appInput(google, form)).toEqual({
      provider: "GOOGLE",
      clientId: "id-1.apps.googleusercontent.com",
      clientSecret: null,
      directoryTenant: null,
      enabled: true,
      standIn: null,
    });
    expect(appInput(google, { ...form, secretAction: "replace", secret: " s3cret " }).clientSecret).toBe("s3cret");
    expect(appInput(google, { ...form, secretAction: "clear" }).clientSecret).toBe("");
    // an empty replacement sends nothing (the form refuses it first)
    expect(appInput(google, { ...form, secretAction: "replace", secret: "" }).clientSecret).toBeNull();
  });

  it("sends the directory tenant for Microsoft only, 'common' by default", () => {
    const form = appForm(microsoft);
    expect(form.directoryTenant).toBe("common");
    expect(appInput(microsoft, { ...form, directoryTenant: " contoso.onmicrosoft.com " }).directoryTenant).toBe("contoso.onmicrosoft.com");
    expect(appProblems(microsoft, { ...form, directoryTenant: "" })).toEqual({ directoryTenant: "tenantMissing" });
  });

  it("sends the stand-in only where the server offers one", () => {
    const local = { ...google, allowedStandIns: ["http://127.0.0.1:8850"], standIn: "http://127.0.0.1:8850" };
    expect(appInput(local, appForm(local)).standIn).toBe("http://127.0.0.1:8850");
    expect(appInput(local, { ...appForm(local), standIn: "" }).standIn).toBe("");
    expect(appInput(google, { ...appForm(google), standIn: "http://127.0.0.1:8850" }).standIn).toBeNull();
  });

  it("will not turn on an app without its client id and secret", () => {
    const form = { ...appForm(microsoft), enabled: true };
    expect(appProblems(microsoft, form)).toEqual({ clientId: "clientIdMissing", clientSecret: "secretNeeded" });
    expect(appProblems(microsoft, { ...form, clientId: "abc", secretAction: "replace", secret: "x" })).toEqual({});
    expect(appProblems(google, { ...appForm(google), secretAction: "clear" })).toEqual({ clientSecret: "secretNeeded" });
    // turned off, an app may be left half-filled or cleared
    expect(appProblems(google, { ...appForm(google), enabled: false, secretAction: "clear" })).toEqual({});
    expect(appProblems(google, { ...appForm(google), secretAction: "replace", secret: "  " })).toEqual({ clientSecret: "secretMissing" });
  });
});
