// The getting-started checklist's pure part: where each step is done, and how far the school is.
// Tested in checklist.test.ts.
import type { GettingStartedKey } from "../../api/gql/graphql";

export const STEP_ORDER: readonly GettingStartedKey[] = [
  "EMAIL_CONFIRMED",
  "ZOOM_CONFIGURED",
  "ZOOM_TESTED",
  "TEACHER_INVITED",
  "TEACHER_CONNECTED",
  "CLASS_CREATED",
  "CLASS_SCHEDULED",
  "PEOPLE_IMPORTED",
];

/** Where each step is done (null: done in place, by a button on the checklist). */
export const STEP_HREF: Record<GettingStartedKey, string | null> = {
  EMAIL_CONFIRMED: null,
  ZOOM_CONFIGURED: "/app/settings/zoom",
  ZOOM_TESTED: "/app/settings/zoom#zoom-test",
  TEACHER_INVITED: "/app/people",
  TEACHER_CONNECTED: "/app/settings/zoom-connections",
  CLASS_CREATED: "/app/classes",
  CLASS_SCHEDULED: "/app/schedule",
  PEOPLE_IMPORTED: "/app/people/import",
};

export interface Step {
  key: GettingStartedKey;
  done: boolean;
  count: number;
}

/** How a step reads: done, the one to do next, or later. */
export type StepState = "done" | "next" | "todo";

export function stepStates(steps: readonly Step[]): { step: Step; state: StepState }[] {
  const next = steps.find((s) => !s.done)?.key;
  return steps.map((step) => ({ step, state: step.done ? "done" : step.key === next ? "next" : "todo" }));
}

/** A school that has done nothing past confirming its address: the checklist greets it. */
export function isNewSchool(steps: readonly Step[]): boolean {
  return steps.every((s) => !s.done || s.key === "EMAIL_CONFIRMED");
}

/** "Not needed": the school's own Zoom account hosts the classes, no teacher connected one. */
export function connectionNotNeeded(step: Step): boolean {
  return step.key === "TEACHER_CONNECTED" && step.done && step.count === 0;
}
