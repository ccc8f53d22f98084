// What an area of the app contributes to the shell: its pages, its menu entries and the panels
// it puts on the home page of some roles. src/areas/index.ts lists the areas.
import type { JSX } from "preact";
import type { Role, User } from "../api/schema";

export type Me = User;

export interface AppRoute {
  /** Under /app: "/meetings/:id" (":name" matches one path segment, given as params.name). */
  path: string;
  /** Who may open it; others get a "not for you" page. Omitted: everyone signed in. */
  roles?: Role[];
  view: (props: { params: Record<string, string>; me: Me }) => JSX.Element;
}

export interface NavItem {
  href: string;
  /** Already translated: call t() inside (the nav re-renders on a language change). */
  label: () => string;
  roles: Role[];
  /** Lower comes first. */
  order: number;
  testId: string;
}

export interface HomePanel {
  roles: Role[];
  order: number;
  view: (props: { me: Me }) => JSX.Element;
}

export interface Area {
  routes: AppRoute[];
  nav: NavItem[];
  home: HomePanel[];
}
