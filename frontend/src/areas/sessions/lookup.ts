/**
 * A lookup that follows a form as it is typed in: asked again on every change, it waits until
 * the typing pauses (`delayMs`), asks the server once, and shows only the answer to the latest
 * question (a slow answer to an earlier one is dropped). The same question twice in a row is
 * asked once; `null` means there is nothing to ask yet. Timers are passed in, so tests move
 * time by hand. Tested in lookup.test.ts.
 */

export type Lookup<R> =
  | { status: "idle" }
  | { status: "waiting" }
  | { status: "loading" }
  | { status: "done"; result: R }
  | { status: "failed"; error: string };

export interface Timers {
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

const windowTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DebouncedLookup<Q> {
  ask: (question: Q | null) => void;
  /** No more answers: the form is gone. */
  stop: () => void;
}

export function debouncedLookup<Q, R>({ delayMs, fetch, onChange, timers = windowTimers }: {
  delayMs: number;
  fetch: (question: Q) => Promise<R>;
  onChange: (state: Lookup<R>) => void;
  timers?: Timers;
}): DebouncedLookup<Q> {
  let asked: string | null = null;
  let timer: unknown = null;
  let generation = 0;
  let stopped = false;

  const cancel = () => {
    if (timer !== null) timers.clear(timer);
    timer = null;
    generation += 1; // an answer on its way is no longer wanted
  };

  return {
    ask(question) {
      if (stopped) return;
      const key = question === null ? null : JSON.stringify(question);
      if (key === asked) return;
      asked = key;
      cancel();
      if (question === null) {
        onChange({ status: "idle" });
        return;
      }
      onChange({ status: "waiting" });
      const mine = generation;
      timer = timers.set(() => {
        timer = null;
        onChange({ status: "loading" });
        fetch(question).then(
          (result) => {
            if (!stopped && mine === generation) onChange({ status: "done", result });
          },
          (error: unknown) => {
            if (stopped || mine !== generation) return;
            asked = null; // the same question may be asked again
            onChange({ status: "failed", error: error instanceof Error ? error.message : String(error) });
          },
        );
      }, delayMs);
    },
    stop() {
      stopped = true;
      cancel();
    },
  };
}
