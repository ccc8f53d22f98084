import { describe, expect, it } from "vitest";
import { signInOutcome } from "./signin";
import { pickedInBrowser } from "./SignIn";

const error = (code: string, message = "m", field: string | null = null) => ({ code, message, field });

describe("signInOutcome", () => {
  it("signs in with a user and no errors", () => {
    expect(signInOutcome({ user: { id: "1" }, twoFactorRequired: false, errors: [] }, false)).toEqual({
      kind: "signedIn",
      user: { id: "1" },
    });
  });

  it("asks for the code after the right password, and says when the code was wrong", () => {
    const first = { user: null, twoFactorRequired: true, errors: [error("two_factor_required", "Enter the code", "code")] };
    expect(signInOutcome(first, false)).toEqual({ kind: "code", wrongCode: false });
    const again = { user: null, twoFactorRequired: true, errors: [error("invalid", "Not right", "code")] };
    expect(signInOutcome(again, true)).toEqual({ kind: "code", wrongCode: true });
  });

  it("says a lock-out with the server's message, before anything else", () => {
    const locked = { user: null, twoFactorRequired: false, errors: [error("throttled", "Try again in 15 minutes.")] };
    expect(signInOutcome(locked, true)).toEqual({ kind: "locked", message: "Try again in 15 minutes." });
  });

  it("reports a wrong password", () => {
    const wrong = { user: null, twoFactorRequired: false, errors: [error("invalid", "Wrong email or password.")] };
    expect(signInOutcome(wrong, false)).toMatchObject({ kind: "wrong" });
  });
});

describe("pickedInBrowser", () => {
  it("reads the language cookie, only a language we speak", () => {
    expect(pickedInBrowser("csrftoken=x; django_language=bn; other=1")).toBe("bn");
    expect(pickedInBrowser("django_language=fr")).toBeNull();
    expect(pickedInBrowser("")).toBeNull();
  });
});
