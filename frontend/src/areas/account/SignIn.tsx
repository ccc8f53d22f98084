// Sign-in: email and password, then (for accounts with two-factor sign-in) the code from the
// authenticator app or a recovery code. Lock-outs say how long; "Forgot your password?" goes to
// the server's reset page. The language can be switched here; a switch is saved as the
// person's choice once they are signed in.
import { useEffect, useState } from "preact/hooks";
import { GraphQLRequestError, request } from "../../api/client";
import type { FieldError, User } from "../../api/schema";
import { currentLanguage, setLanguage, t } from "../../i18n";
import { LANGUAGES, isLanguage, type Language } from "../../i18n/language";
import { Errors, Notice, fieldErrors, otherErrors } from "../../ui";
import { ACCOUNT_LOGIN, ACCOUNT_SET_PREFERENCES, ACCOUNT_TWO_FACTOR_STATE } from "./documents";
import { signInOutcome } from "./signin";
import "./account.css";

// Kept across a switch of language (which renders the form anew).
let draftEmail = "";
// A language picked here is the person's choice: saved once they are signed in, so the app
// does not fall back to the browser's.
let pickedLanguage: Language | null = null;

export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", bn: "বাংলা" };

// The language picked in this browser before signing in, for the server's pages too (password
// reset, two-factor): Django's language cookie, which the server reads after the person's own.
const LANGUAGE_COOKIE = "django_language";

export function pickedInBrowser(cookies: string): Language | null {
  for (const part of cookies.split(";")) {
    const [key, value] = part.trim().split("=");
    if (key === LANGUAGE_COOKIE && isLanguage(value)) return value;
  }
  return null;
}

function rememberPicked(language: Language): void {
  document.cookie = `${LANGUAGE_COOKIE}=${language}; path=/; max-age=${365 * 24 * 3600}; SameSite=Lax`;
}

export function LanguageSwitch({ onPick, testId = "language-switch" }: { onPick?: (language: Language) => void; testId?: string }) {
  const current = currentLanguage();
  return (
    <div class="language-switch" role="group" aria-label={t("account:language.label")} data-test-id={testId}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          class={language === current ? "ghost active" : "ghost"}
          aria-pressed={language === current}
          lang={language}
          onClick={() => {
            if (onPick) return onPick(language);
            pickedLanguage = language;
            rememberPicked(language);
            setLanguage(language);
          }}
          data-test-id={`language-${language}`}
        >
          {LANGUAGE_NAMES[language]}
        </button>
      ))}
    </div>
  );
}

/** An admin of a school that requires two-factor sign-in, without it yet: the server answers
 * every request 403 until they set it up on its two-factor page. */
async function mustEnrolFirst(): Promise<boolean> {
  try {
    await request(ACCOUNT_TWO_FACTOR_STATE);
    return false;
  } catch (e) {
    return e instanceof GraphQLRequestError && e.status === 403;
  }
}

export function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState(draftEmail);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"password" | "code">("password");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [locked, setLocked] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // a language picked here earlier (this browser) wins over the browser's own
  useEffect(() => {
    const picked = pickedInBrowser(document.cookie);
    if (picked && picked !== currentLanguage()) setLanguage(picked);
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setLocked(null);
    try {
      const codeSent = step === "code";
      const { login } = await request(ACCOUNT_LOGIN, { email, password, code: codeSent ? code : null });
      const outcome = signInOutcome(login, codeSent);
      if (outcome.kind === "signedIn") {
        draftEmail = "";
        if (await mustEnrolFirst()) {
          window.location.assign("/accounts/two-factor/");
          return;
        }
        if (pickedLanguage) {
          // best effort: signing in goes on if this fails
          await request(ACCOUNT_SET_PREFERENCES, { language: pickedLanguage }).catch(() => undefined);
          pickedLanguage = null;
        }
        onSignedIn(outcome.user);
        return;
      }
      if (outcome.kind === "locked") {
        setErrors([]);
        setLocked(outcome.message);
      } else if (outcome.kind === "code") {
        setStep("code");
        setErrors(outcome.wrongCode ? [{ field: "code", message: t("account:signIn.wrongCode"), code: "invalid" }] : []);
      } else {
        setErrors(
          outcome.errors.map((e) => (e.code === "invalid" && !e.field ? { ...e, message: t("account:signIn.wrong") } : e)),
        );
      }
    } catch (e) {
      setErrors([{ field: null, message: t("account:signIn.unreachable", { error: e instanceof Error ? e.message : String(e) }), code: "" }]);
    } finally {
      setBusy(false);
    }
  };

  const startOver = () => {
    setStep("password");
    setPassword("");
    setCode("");
    setErrors([]);
    setLocked(null);
  };

  return (
    <main class="signin" id="main">
      <div class="card signin-card">
        <div class="signin-top">
          <div class="brand brand-large">
            <span class="brand-dot" aria-hidden="true" /> {t("app.name")}
          </div>
          <LanguageSwitch />
        </div>
        <h1>{step === "code" ? t("account:signIn.codeTitle") : t("account:signIn.title")}</h1>
        {locked && (
          <Notice kind="error" testId="signin-locked">
            {locked}
          </Notice>
        )}
        <form onSubmit={submit} data-test-id="signin-form" novalidate>
          {step === "password" ? (
            <>
              <label for="email">{t("account:signIn.email")}</label>
              <input
                id="email"
                type="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => {
                  setEmail(e.currentTarget.value);
                  draftEmail = e.currentTarget.value;
                }}
                data-test-id="signin-email"
              />
              <Errors errors={fieldErrors(errors, "email")} testId="signin-email-errors" />
              <label for="password">{t("account:signIn.password")}</label>
              <input
                id="password"
                type="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                data-test-id="signin-password"
              />
              <Errors errors={fieldErrors(errors, "password")} testId="signin-password-errors" />
            </>
          ) : (
            <>
              <p class="muted" data-test-id="signin-code-help">
                {t("account:signIn.codeHelp")}
              </p>
              <label for="code">{t("account:signIn.code")}</label>
              <input
                id="code"
                type="text"
                inputMode="numeric"
                autocomplete="one-time-code"
                required
                autoFocus
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
                data-test-id="signin-code"
              />
              <Errors errors={fieldErrors(errors, "code")} testId="signin-code-errors" />
            </>
          )}
          <Errors errors={otherErrors(errors, ["email", "password", "code"])} testId="signin-errors" />
          <button type="submit" class="primary wide" disabled={busy} aria-busy={busy || undefined} data-test-id="signin-submit">
            {busy ? t("account:signIn.busy") : t("account:signIn.submit")}
          </button>
        </form>
        <p class="signin-links">
          {step === "code" ? (
            <button type="button" class="ghost" onClick={startOver} data-test-id="signin-start-over">
              {t("account:signIn.startOver")}
            </button>
          ) : (
            <a href="/accounts/password/reset/" data-test-id="forgot-password">
              {t("account:signIn.forgot")}
            </a>
          )}
        </p>
      </div>
    </main>
  );
}
