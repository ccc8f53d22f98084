import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { onConnection, request, subscribe, type Connection } from "./api/client";
import type { Operation } from "./api/client";

export interface QueryState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refetch: () => Promise<void>;
}

/** Runs a query on mount and whenever `key` changes; `refetch` runs it again. */
export function useQuery<TData, TVars>(
  operation: Operation<TData, TVars>,
  variables: TVars | undefined,
  key = "",
): QueryState<TData> {
  const [data, setData] = useState<TData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // only the answer to the latest request is shown: a slow answer for an earlier page or
  // filter that arrives after a newer one is dropped
  const latest = useRef(0);
  const refetch = useCallback(async () => {
    const mine = ++latest.current;
    setLoading(true);
    try {
      const answer = await request(operation, variables);
      if (mine !== latest.current) return;
      setData(answer);
      setError(null);
    } catch (e) {
      if (mine !== latest.current) return;
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (mine === latest.current) setLoading(false);
    }
    // `key` stands for the variables: a new object each render must not re-run this
  }, [operation, key]);
  useEffect(() => {
    void refetch();
  }, [refetch]);
  return { data, error, loading, refetch };
}

/** Subscribes while mounted; every result goes to `onData` (a reducer's dispatch, usually). */
export function useSubscription<TData, TVars>(
  operation: Operation<TData, TVars>,
  variables: TVars,
  onData: (data: TData) => void,
  key = "",
): string | null {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setError(null);
    return subscribe(operation, variables, {
      next: (data) => {
        setError(null);
        onData(data);
      },
      error: setError,
    });
    // `key` stands for the variables: a new object each render must not re-run this
  }, [operation, key]);
  return error;
}

export function useConnection(): Connection {
  const [state, setState] = useState<Connection>("closed");
  useEffect(() => onConnection(setState), []);
  return state;
}

export interface MutationState<TData, TVars> {
  /** Sends the mutation; resolves with its data, or rejects (and sets `error`) on a failure
   * of the request itself. A mutation's own typed `errors` are in the data, for the form. */
  run: (variables: TVars) => Promise<TData>;
  busy: boolean;
  error: string | null;
}

/** A mutation with its busy state, so the button that sends it can show progress. */
export function useMutation<TData, TVars>(operation: Operation<TData, TVars>): MutationState<TData, TVars> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (variables: TVars) => {
      setBusy(true);
      setError(null);
      try {
        return await request(operation, variables);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        throw e;
      } finally {
        setBusy(false);
      }
    },
    [operation],
  );
  return { run, busy, error };
}
