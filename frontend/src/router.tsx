// A tiny history router for the paths under /app/.
import { useEffect, useState } from "preact/hooks";
import type { JSX } from "preact";

export const BASE = "/app";

export type Route =
  | { name: "home" }
  | { name: "room"; meetingId: string }
  | { name: "live" }
  | { name: "attendance" }
  | { name: "missing"; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const clean = path.replace(/\/+$/, "") || "/";
  if (clean === "/") return { name: "home" };
  const room = clean.match(/^\/meetings\/(\d+)$/);
  if (room) return { name: "room", meetingId: room[1] };
  if (clean === "/live") return { name: "live" };
  if (clean === "/attendance") return { name: "attendance" };
  return { name: "missing", path: clean };
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (to !== window.location.pathname) window.history.pushState(null, "", to);
  window.scrollTo(0, 0);
  listeners.forEach((listener) => listener());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
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
