// The admin's home panel: the way from a new school to its first class, step by step, computed
// by the server from the school's data (gettingStarted). Each step links to where it is done.
import { useMemo, useState } from "preact/hooks";
import { graphql } from "../../api/gql";
import type { GettingStartedKey } from "../../api/gql/graphql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { useMutation, useQuery } from "../../hooks";
import { Button, Link, Loading, Notice, ProgressBar, Section } from "../../ui";
import { connectionNotNeeded, isNewSchool, STEP_HREF, stepStates, type Step, type StepState } from "./checklist";
import "./admin.css";

const GETTING_STARTED = graphql(`
  query AdminGettingStarted($weekAgo: DateTime!) {
    denied: auditLog(action: "join.denied", since: $weekAgo, limit: 1) {
      totalCount
    }
    gettingStarted {
      steps {
        key
        done
        count
      }
      doneCount
      complete
      nextStep
    }
  }
`);

const RESEND = graphql(`
  mutation AdminResendConfirmation {
    resendEmailConfirmation {
      ok
      errors {
        field
        message
        code
      }
    }
  }
`);

function stepTitle(key: GettingStartedKey): string {
  return t(`admin:checklist.steps.${key}.title`);
}

function stepBody(step: Step): string {
  if (connectionNotNeeded(step)) return t("admin:checklist.notNeeded");
  return t(`admin:checklist.steps.${step.key}.body`);
}

function stepCount(step: Step): string | null {
  if (!step.count) return null;
  switch (step.key) {
    case "TEACHER_INVITED":
      return t("admin:checklist.count.teachers", { count: step.count, n: fmt.number(step.count) });
    case "TEACHER_CONNECTED":
      return t("admin:checklist.count.connected", { count: step.count, n: fmt.number(step.count) });
    case "CLASS_CREATED":
      return t("admin:checklist.count.classes", { count: step.count, n: fmt.number(step.count) });
    case "CLASS_SCHEDULED":
      return t("admin:checklist.count.sessions", { count: step.count, n: fmt.number(step.count) });
    case "PEOPLE_IMPORTED":
      return t("admin:checklist.count.people", { count: step.count, n: fmt.number(step.count) });
    default:
      return null;
  }
}

function ResendLink({ next }: { next: boolean }) {
  const resend = useMutation(RESEND);
  const [said, setSaid] = useState<string | null>(null);
  const run = async () => {
    try {
      const { resendEmailConfirmation: result } = await resend.run({});
      setSaid(result.ok ? t("common:email.sent") : result.errors.map((e) => e.message).join(" "));
    } catch (e) {
      setSaid(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <span class="step-action">
      <Button kind={next ? "primary" : "small"} busy={resend.busy} onClick={run} testId="checklist-resend">
        {t("common:email.resend")}
      </Button>
      {said && (
        <span class="muted small" role="status">
          {" "}
          {said}
        </span>
      )}
    </span>
  );
}

function StepRow({ step, state, number }: { step: Step; state: StepState; number: number }) {
  const href = STEP_HREF[step.key];
  const count = stepCount(step);
  return (
    <li class={`step step-${state}`} data-test-id="checklist-step" data-step={step.key} data-state={state}>
      <span class="step-mark" aria-hidden="true">
        {state === "done" ? "✓" : fmt.number(number)}
      </span>
      <div class="step-text">
        <strong>{stepTitle(step.key)}</strong>
        <span class="sr-only"> · {t(`admin:checklist.state.${state}`)}</span>
        <p class="muted small">
          {stepBody(step)}
          {count && <> · {count}</>}
        </p>
      </div>
      {!step.done &&
        (href ? (
          <Link
            class={state === "next" ? "button primary small" : "button small"}
            href={href}
            data-test-id={`checklist-go-${step.key}`}
          >
            {t(`admin:checklist.steps.${step.key}.action`)}
          </Link>
        ) : (
          <ResendLink next={state === "next"} />
        ))}
    </li>
  );
}

export function GettingStartedPanel() {
  return (
    <div class="adm">
      <Checklist />
    </div>
  );
}

function Checklist() {
  const weekAgo = useMemo(() => new Date(Date.now() - 7 * 86400_000).toISOString(), []);
  const { data, error, loading } = useQuery(GETTING_STARTED, { weekAgo });
  if (error)
    return (
      <Section title={t("admin:checklist.title")} testId="getting-started">
        <Notice kind="error">{error}</Notice>
      </Section>
    );
  if (loading && !data) return <Loading what={t("admin:checklist.loading")} />;
  if (!data) return <></>;
  const { steps, doneCount, complete } = data.gettingStarted;
  const denied = data.denied.totalCount;
  const deniedLine = (
    <p class="muted small denied-line" data-test-id="checklist-denied">
      <Link href="/app/audit?action=join.denied">{t("admin:checklist.denied", { count: denied, n: fmt.number(denied) })}</Link>
    </p>
  );
  if (complete) {
    return (
      <Section title={t("admin:checklist.completeTitle")} testId="getting-started">
        <p class="muted" data-test-id="checklist-complete">
          {t("admin:checklist.completeBody")}{" "}
          <Link href="/app/settings">{t("admin:checklist.settingsLink")}</Link> ·{" "}
          <Link href="/app/audit">{t("admin:checklist.auditLink")}</Link>
        </p>
        {deniedLine}
      </Section>
    );
  }
  return (
    <Section title={t("admin:checklist.title")} testId="getting-started">
      {isNewSchool(steps) && (
        <Notice kind="info" testId="checklist-welcome">
          {t("admin:checklist.welcome")}
        </Notice>
      )}
      <ProgressBar
        value={doneCount}
        max={steps.length}
        label={t("admin:checklist.progress")}
        testId="checklist-progress"
      />
      <ol class="checklist">
        {stepStates(steps).map(({ step, state }, i) => (
          <StepRow key={step.key} step={step} state={state} number={i + 1} />
        ))}
      </ol>
      {doneCount > 1 && deniedLine}
    </Section>
  );
}
