import "@fontsource/noto-sans-bengali/bengali-400.css";
import "@fontsource/noto-sans-bengali/bengali-600.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ME_CHANGED_EVENT, PREFERENCES_CHANGED_EVENT, SIGNED_OUT_EVENT, request, resetSubscriptions } from "./api/client";
import { LOGOUT, ME, MY_PREFERENCES } from "./api/operations";
import type { User } from "./api/schema";
import { SignIn } from "./areas/account/SignIn";
import { onLanguage, setLanguage, t } from "./i18n";
import { fmt } from "./i18n/format";
import { chooseLanguage } from "./i18n/language";
import { BASE, navigate } from "./router";
import { Shell } from "./shell/Shell";
import { Button, Notice } from "./ui";
import "./style.css";

/** Speak the person's language in their timezone (else the browser's language and zone). */
async function applyPreferences(signedIn: boolean): Promise<void> {
  if (!signedIn) {
    setLanguage(chooseLanguage(null, navigator.languages));
    return;
  }
  try {
    const { myPreferences } = await request(MY_PREFERENCES);
    setLanguage(
      chooseLanguage(myPreferences.language, navigator.languages, myPreferences.schoolLanguage),
      myPreferences.effectiveTimezone,
    );
  } catch {
    setLanguage(chooseLanguage(null, navigator.languages));
  }
}

function App() {
  // undefined: still asking who we are
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<string | null>(null);
  const [language, setShownLanguage] = useState("");

  const boot = () => {
    setBootError(null);
    request(ME)
      .then(async (data) => {
        await applyPreferences(data.me !== null);
        setMe(data.me);
      })
      .catch((e: unknown) => setBootError(e instanceof Error ? e.message : String(e)));
  };

  useEffect(() => {
    boot();
    const signedOut = () => {
      resetSubscriptions();
      setMe(null);
    };
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    // the key of the rendered tree: a new language or zone renders everything again
    const stop = onLanguage((language) => setShownLanguage(`${language}|${fmt.zone()}`));
    const meChanged = () => {
      request(ME)
        .then((data) => setMe(data.me))
        .catch(() => undefined); // the old name stays shown; the next page load corrects it
    };
    const preferencesChanged = () => void applyPreferences(true);
    window.addEventListener(ME_CHANGED_EVENT, meChanged);
    window.addEventListener(PREFERENCES_CHANGED_EVENT, preferencesChanged);
    return () => {
      window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
      window.removeEventListener(ME_CHANGED_EVENT, meChanged);
      window.removeEventListener(PREFERENCES_CHANGED_EVENT, preferencesChanged);
      stop();
    };
  }, []);

  const signIn = async (user: User) => {
    resetSubscriptions(); // the websocket must carry the new session
    await applyPreferences(true);
    setMe(user);
  };
  const signOut = async () => {
    try {
      await request(LOGOUT);
    } catch {
      // signed out already, or the server is away: forget the user here all the same
    }
    resetSubscriptions();
    setMe(null);
    navigate(`${BASE}/`);
  };

  if (bootError) {
    return (
      <main class="signin">
        <Notice kind="error" testId="boot-error">
          {t("boot.unreachable", { error: bootError })}
        </Notice>
        <Button onClick={boot}>{t("boot.retry")}</Button>
      </main>
    );
  }
  if (me === undefined) return <main class="signin" data-test-id="booting" />;
  // keyed by language: a change of language renders everything again in the new one
  if (me === null) return <SignIn key={language} onSignedIn={(user) => void signIn(user)} />;
  return <Shell key={language} me={me} onSignOut={() => void signOut()} />;
}

render(<App />, document.getElementById("app")!);
