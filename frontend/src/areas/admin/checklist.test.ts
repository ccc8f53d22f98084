import { describe, expect, it } from "vitest";
import { connectionNotNeeded, isNewSchool, STEP_HREF, STEP_ORDER, stepStates, type Step } from "./checklist";

const steps = (done: string[]): Step[] => STEP_ORDER.map((key) => ({ key, done: done.includes(key), count: 0 }));

describe("the getting-started checklist", () => {
  it("marks the first step not done as the next one, and only that one", () => {
    const states = stepStates(steps(["EMAIL_CONFIRMED", "ZOOM_CONFIGURED", "CLASS_CREATED"]));
    expect(states.map((s) => s.state)).toEqual(["done", "done", "next", "todo", "todo", "done", "todo", "todo"]);
  });

  it("has no next step when all are done", () => {
    expect(stepStates(steps([...STEP_ORDER])).some((s) => s.state === "next")).toBe(false);
  });

  it("greets a school that has only confirmed its address", () => {
    expect(isNewSchool(steps(["EMAIL_CONFIRMED"]))).toBe(true);
    expect(isNewSchool(steps([]))).toBe(true);
    expect(isNewSchool(steps(["EMAIL_CONFIRMED", "ZOOM_CONFIGURED"]))).toBe(false);
  });

  it("says a teacher's connection is not needed when done with none", () => {
    expect(connectionNotNeeded({ key: "TEACHER_CONNECTED", done: true, count: 0 })).toBe(true);
    expect(connectionNotNeeded({ key: "TEACHER_CONNECTED", done: true, count: 2 })).toBe(false);
    expect(connectionNotNeeded({ key: "TEACHER_CONNECTED", done: false, count: 0 })).toBe(false);
  });

  it("links every step but the email one to a page of the app", () => {
    for (const key of STEP_ORDER) {
      const href = STEP_HREF[key];
      if (key === "EMAIL_CONFIRMED") expect(href).toBeNull();
      else expect(href).toMatch(/^\/app\//);
    }
  });
});
