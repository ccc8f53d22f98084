import { describe, expect, it } from "vitest";
import { debouncedLookup, type Lookup, type Timers } from "./lookup";

/** Timers moved by hand. */
function manualTimers() {
  let next = 0;
  const pending = new Map<number, () => void>();
  const timers: Timers = {
    set: (run) => {
      pending.set(++next, run);
      return next;
    },
    clear: (handle) => void pending.delete(handle as number),
  };
  const fire = () => {
    const runs = [...pending.values()];
    pending.clear();
    runs.forEach((run) => run());
  };
  return { timers, fire, pending };
}

/** A fetch whose answers the test gives, question by question. */
function manualFetch() {
  const calls: { question: string; answer: (value: string) => void; fail: (error: Error) => void }[] = [];
  const fetch = (question: string) =>
    new Promise<string>((answer, fail) => {
      calls.push({ question, answer, fail });
    });
  return { fetch, calls };
}

/** Lets the answers given so far reach the lookup (promise callbacks only, no clock). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("a lookup that follows typing", () => {
  it("waits for the typing to pause, then asks once with the last question", async () => {
    const { timers, fire, pending } = manualTimers();
    const { fetch, calls } = manualFetch();
    const states: Lookup<string>[] = [];
    const lookup = debouncedLookup({ delayMs: 400, fetch, onChange: (s) => states.push(s), timers });

    lookup.ask("09:0");
    lookup.ask("09:00");
    expect(pending.size).toBe(1);
    expect(calls).toEqual([]);
    fire();
    expect(calls.map((c) => c.question)).toEqual(["09:00"]);
    calls[0].answer("clash at 09:00");
    await settle();
    expect(states.at(-1)).toEqual({ status: "done", result: "clash at 09:00" });
    expect(states.map((s) => s.status)).toEqual(["waiting", "waiting", "loading", "done"]);
  });

  it("shows only the answer to the latest question", async () => {
    const { timers, fire } = manualTimers();
    const { fetch, calls } = manualFetch();
    const states: Lookup<string>[] = [];
    const lookup = debouncedLookup({ delayMs: 400, fetch, onChange: (s) => states.push(s), timers });

    lookup.ask("09:00");
    fire();
    lookup.ask("10:00");
    fire();
    calls[1].answer("free at 10:00");
    calls[0].answer("clash at 09:00"); // the slow answer to the earlier question
    await settle();
    expect(states.filter((s) => s.status === "done")).toEqual([{ status: "done", result: "free at 10:00" }]);
  });

  it("does not ask the same question twice in a row, and goes idle on nothing to ask", () => {
    const { timers, fire } = manualTimers();
    const { fetch, calls } = manualFetch();
    const states: Lookup<string>[] = [];
    const lookup = debouncedLookup({ delayMs: 400, fetch, onChange: (s) => states.push(s), timers });

    lookup.ask("09:00");
    fire();
    lookup.ask("09:00");
    fire();
    expect(calls).toHaveLength(1);
    lookup.ask(null);
    expect(states.at(-1)).toEqual({ status: "idle" });
    fire();
    expect(calls).toHaveLength(1);
  });

  it("says why it failed, and asks again when asked the same", async () => {
    const { timers, fire } = manualTimers();
    const { fetch, calls } = manualFetch();
    const states: Lookup<string>[] = [];
    const lookup = debouncedLookup({ delayMs: 400, fetch, onChange: (s) => states.push(s), timers });

    lookup.ask("09:00");
    fire();
    calls[0].fail(new Error("offline"));
    await settle();
    expect(states.at(-1)).toEqual({ status: "failed", error: "offline" });
    lookup.ask("09:00");
    fire();
    expect(calls).toHaveLength(2);
  });

  it("is silent once stopped", async () => {
    const { timers, fire, pending } = manualTimers();
    const { fetch, calls } = manualFetch();
    const states: Lookup<string>[] = [];
    const lookup = debouncedLookup({ delayMs: 400, fetch, onChange: (s) => states.push(s), timers });

    lookup.ask("09:00");
    fire();
    lookup.stop();
    calls[0].answer("late");
    lookup.ask("10:00");
    await settle();
    expect(pending.size).toBe(0);
    expect(states.map((s) => s.status)).toEqual(["waiting", "loading"]);
  });
});
