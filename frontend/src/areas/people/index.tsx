import type { Area } from "../types";

export const area: Area = { routes: [], nav: [], home: [] };
