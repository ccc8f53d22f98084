import { useState } from "preact/hooks";
import { request } from "../../api/client";
import { LOGIN } from "../../api/operations";
import type { FieldError, User } from "../../api/schema";
import { Errors, fieldErrors, otherErrors } from "../../ui";

export function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { login } = await request(LOGIN, { email, password });
      if (login.user && !login.errors.length) {
        onSignedIn(login.user);
        return;
      }
      setErrors(login.errors);
    } catch (e) {
      setErrors([{ field: null, message: e instanceof Error ? e.message : String(e), code: "" }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <div class="card signin-card">
        <div class="brand brand-large">
          <span class="brand-dot" /> liveroll
        </div>
        <h1>Sign in</h1>
        <form onSubmit={submit} data-test-id="signin-form" novalidate>
          <label for="email">Email</label>
          <input
            id="email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            data-test-id="signin-email"
          />
          <Errors errors={fieldErrors(errors, "email")} testId="signin-email-errors" />
          <label for="password">Password</label>
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
          <Errors errors={otherErrors(errors, ["email", "password"])} testId="signin-errors" />
          <button type="submit" class="primary wide" disabled={busy} data-test-id="signin-submit">
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
