// What a `login` answer means for the sign-in form. Pure: tested in signin.test.ts.
import type { FieldError } from "../../api/schema";

export interface LoginAnswer<U> {
  user?: U | null;
  twoFactorRequired: boolean;
  errors: readonly FieldError[];
}

export type SignInOutcome<U> =
  | { kind: "signedIn"; user: U }
  /** The password was right: ask for the code (`wrongCode`: the one sent was not right). */
  | { kind: "code"; wrongCode: boolean }
  /** Too many failures: the server's message says for how long. */
  | { kind: "locked"; message: string }
  | { kind: "wrong"; errors: readonly FieldError[] };

export function signInOutcome<U>(answer: LoginAnswer<U>, codeSent: boolean): SignInOutcome<U> {
  if (answer.user && !answer.errors.length) return { kind: "signedIn", user: answer.user };
  const locked = answer.errors.find((e) => e.code === "throttled");
  if (locked) return { kind: "locked", message: locked.message };
  if (answer.twoFactorRequired) return { kind: "code", wrongCode: codeSent };
  return { kind: "wrong", errors: answer.errors };
}
