// One settings form: its fields, a Save that shows it is working, the errors the server gave
// (those of no field shown here), and a saved state until the next change.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { FieldError } from "../../../api/schema";
import { t } from "../../../i18n";
import { Button, Errors, Notice, otherErrors, Section } from "../../../ui";

export interface SaveState {
  errors: readonly FieldError[];
  saved: boolean;
  dirty: boolean;
  busy: boolean;
  failure: string | null;
  /** Mark the form changed (clears the saved state). */
  touch: () => void;
  /** Run a save: it returns the server's errors (empty: saved). */
  save: (run: () => Promise<readonly FieldError[]>) => Promise<void>;
  /** Errors found before sending (typed in the browser). */
  setErrors: (errors: readonly FieldError[]) => void;
}

export function useSaveState(): SaveState {
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  return {
    errors,
    saved,
    dirty,
    busy,
    failure,
    setErrors,
    touch: () => {
      setDirty(true);
      setSaved(false);
    },
    save: async (run) => {
      setBusy(true);
      setFailure(null);
      try {
        const result = await run();
        setErrors(result);
        if (!result.length) {
          setSaved(true);
          setDirty(false);
        }
      } catch (e) {
        setFailure(e instanceof Error ? e.message : String(e));
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A problem found in the browser, as the server would name it. */
export function localError(field: string, message: string): FieldError {
  return { field, message, code: "invalid" };
}

export function PolicyForm({ title, intro, state, fields, onSubmit, testId, children }: {
  title: string;
  intro?: string;
  state: SaveState;
  /** The fields that show their own errors. */
  fields: string[];
  onSubmit: () => void;
  testId: string;
  children: ComponentChildren;
}) {
  return (
    <Section title={title} testId={testId}>
      {intro && <p class="muted">{intro}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
        onInput={(e) => {
          // a checkbox's or radio's "input" comes before its own "change": re-rendering the form
          // then would put the old value back before the field's handler reads it (the click
          // on a checkbox was lost); those mark the form changed on "change", after their handler
          const type = (e.target as HTMLInputElement).type;
          if (type !== "checkbox" && type !== "radio") state.touch();
        }}
        onChange={state.touch}
      >
        {children}
        <Errors errors={otherErrors(state.errors, fields)} testId={`${testId}-errors`} />
        {state.failure && <Notice kind="error">{state.failure}</Notice>}
        <div class="form-actions">
          <Button type="submit" kind="primary" busy={state.busy} disabled={!state.dirty} testId={`${testId}-save`}>
            {t("admin:form.save")}
          </Button>
          {state.saved && !state.dirty && (
            <span class="saved" role="status" data-test-id={`${testId}-saved`}>
              {t("admin:form.saved")}
            </span>
          )}
          {state.dirty && <span class="muted small">{t("admin:form.unsaved")}</span>}
        </div>
      </form>
    </Section>
  );
}
