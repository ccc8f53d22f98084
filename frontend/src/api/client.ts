// Two small transports to /graphql/ on this school's host: fetch for queries and mutations
// (the session cookie, plus Django's CSRF token sent back as X-CSRFToken), and graphql-ws for
// subscriptions (protocol graphql-transport-ws; the browser sends the session cookie itself).

import { createClient, type Client } from "graphql-ws/client";
import type { TypedDocumentString } from "./gql/graphql";

/** A generated document: its text, and for the type checker its result and variables. */
export type Operation<TData, TVars> = TypedDocumentString<TData, TVars>;

export const ENDPOINT = "/graphql/";
/** Sent on window when a request finds the session gone (expired, signed out elsewhere). */
export const SIGNED_OUT_EVENT = "liveroll:signed-out";
/** Sent on window after the person's own name changed: the shell asks who they are again. */
export const ME_CHANGED_EVENT = "liveroll:me-changed";
/** Sent on window after a language or a zone that applies to the person changed (theirs, or
 * the school's default): the shell applies their preferences again and re-renders. */
export const PREFERENCES_CHANGED_EVENT = "liveroll:preferences-changed";

/** A GraphQL-level failure (not a mutation's `errors` payload, which callers show). */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
  get signedOut(): boolean {
    return this.message.includes("Sign in first.");
  }
}

function cookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** The CSRF token, read afresh each time: Django rotates it at sign-in. /app/ sets the cookie;
 * any GET of /graphql/ does too, for a page that somehow arrived without it. */
async function csrfToken(): Promise<string> {
  let token = cookie("csrftoken");
  if (!token) {
    await fetch(ENDPOINT, { credentials: "same-origin" });
    token = cookie("csrftoken");
  }
  return token ?? "";
}

export async function request<TData, TVars>(
  operation: Operation<TData, TVars>,
  variables?: TVars,
): Promise<TData> {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": await csrfToken(),
    },
    body: JSON.stringify({ query: operation.toString(), variables: variables ?? {} }),
  });
  let body: { data?: TData | null; errors?: { message: string }[] };
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(
      `The server answered ${response.status} ${response.statusText}.`,
      response.status,
    );
  }
  if (body.errors?.length) {
    const error = new GraphQLRequestError(body.errors.map((e) => e.message).join(" "), response.status);
    if (error.signedOut) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw error;
  }
  if (!body.data) throw new GraphQLRequestError("The server sent no data.", response.status);
  return body.data;
}

// --- subscriptions ------------------------------------------------------------------------

export type Connection = "connecting" | "connected" | "reconnecting" | "closed";

const connectionListeners = new Set<(state: Connection) => void>();
let connection: Connection = "closed";

function setConnection(state: Connection) {
  connection = state;
  connectionListeners.forEach((listener) => listener(state));
}

export function onConnection(listener: (state: Connection) => void): () => void {
  connectionListeners.add(listener);
  listener(connection);
  return () => connectionListeners.delete(listener);
}

/** Close codes after which retrying cannot help: unknown school, signed out, suspended. */
const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);

let ws: Client | null = null;
let everConnected = false;

export function websocketUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${ENDPOINT}`;
}

function wsClient(): Client {
  if (ws) return ws;
  everConnected = false;
  ws = createClient({
    url: websocketUrl(),
    lazy: true, // opens with the first subscription, closes after the last
    keepAlive: 15_000, // a ping; a dead socket is noticed and replaced
    retryAttempts: Infinity,
    shouldRetry: (event) =>
      !(event instanceof CloseEvent && FINAL_CLOSE_CODES.has(event.code)),
    retryWait: async (retries) => {
      // 0.5 s, 1 s, 2 s … at most 10 s, with jitter so that a restarted server is not stormed
      const base = Math.min(10_000, 500 * 2 ** retries);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
    },
    on: {
      connecting: () => setConnection(everConnected ? "reconnecting" : "connecting"),
      connected: () => {
        everConnected = true;
        setConnection("connected");
      },
      closed: () => setConnection(everConnected ? "reconnecting" : "closed"),
    },
  });
  return ws;
}

/** After sign-in or sign-out the websocket must be opened again with the new session. */
export function resetSubscriptions(): void {
  if (ws) void ws.dispose();
  ws = null;
  setConnection("closed");
}

export interface SubscriptionSink<TData> {
  next(data: TData): void;
  error(message: string): void;
}

/** Subscribes; returns the unsubscribe function. graphql-ws resubscribes after a reconnect,
 * and the server then sends a fresh snapshot, so `next` may start over at any time. */
export function subscribe<TData, TVars>(
  operation: Operation<TData, TVars>,
  variables: TVars,
  sink: SubscriptionSink<TData>,
): () => void {
  return wsClient().subscribe<TData>(
    { query: operation.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) sink.error(result.errors.map((e) => e.message).join(" "));
        else if (result.data) sink.next(result.data);
      },
      error: (error) => {
        if (error instanceof CloseEvent) {
          sink.error(
            error.code === 4401 || error.code === 4403
              ? "Sign in again to see live updates."
              : `The live connection closed (${error.code}${error.reason ? `: ${error.reason}` : ""}).`,
          );
        } else if (Array.isArray(error)) {
          sink.error(error.map((e) => e.message).join(" "));
        } else {
          sink.error(error instanceof Error ? error.message : "The live connection failed.");
        }
      },
      complete: () => undefined,
    },
  );
}
