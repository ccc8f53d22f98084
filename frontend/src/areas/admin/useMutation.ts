// `useMutation(doc)` → `{ run(vars), busy }`: runs a mutation and says while it does. (The
// brief names it in src/hooks.ts, which the foundation does not have yet: kept here so that no
// other area's file changes; move it to hooks.ts when the shell gets one.)
import { useCallback, useState } from "preact/hooks";
import { request, type Operation } from "../../api/client";

export function useMutation<TData, TVars>(operation: Operation<TData, TVars>): {
  run: (variables: TVars) => Promise<TData>;
  busy: boolean;
} {
  const [running, setRunning] = useState(0);
  const run = useCallback(
    async (variables: TVars) => {
      setRunning((n) => n + 1);
      try {
        return await request(operation, variables);
      } finally {
        setRunning((n) => n - 1);
      }
    },
    [operation],
  );
  return { run, busy: running > 0 };
}
