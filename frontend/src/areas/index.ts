// Every area of the app. The shell builds its routes, menu and home page from these.
import { area as account } from "./account";
import { area as admin } from "./admin";
import { area as attendance } from "./attendance";
import { area as people } from "./people";
import { area as recordings } from "./recordings";
import { area as sessions } from "./sessions";
import type { AppRoute, HomePanel, NavItem } from "./types";

const AREAS = [admin, people, sessions, attendance, recordings, account];

export const routes: AppRoute[] = AREAS.flatMap((a) => a.routes);
export const nav: NavItem[] = AREAS.flatMap((a) => a.nav).sort((a, b) => a.order - b.order);
export const homePanels: HomePanel[] = AREAS.flatMap((a) => a.home).sort((a, b) => a.order - b.order);
