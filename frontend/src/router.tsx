// A tiny history router for the paths under /app/, over the routes the areas declare.
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export const BASE = "/app";

/** The path under /app without trailing slashes ("/" for the home page). */
export function appPath(pathname: string): string {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  return path.replace(/\/+$/, "") || "/";
}

/** Matches "/meetings/:id" against "/meetings/12": the params, or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (to !== window.location.pathname + window.location.search) window.history.pushState(null, "", to);
  window.scrollTo(0, 0);
  listeners.forEach((listener) => listener());
}

/** The current location (path under /app and query), re-rendering on every change. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const read = () => ({ path: appPath(window.location.pathname), search: new URLSearchParams(window.location.search) });
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return location;
}

/** An <a> that navigates inside the app (a modified click still opens a new tab). */
export function Link(props: JSX.HTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(props.href);
  };
  return <a {...props} onClick={onClick} />;
}
