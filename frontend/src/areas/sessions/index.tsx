import type { Area } from "../types";
import { HomeMeetings } from "./HomeMeetings";

export const area: Area = {
  routes: [],
  nav: [],
  home: [{ roles: ["ADMIN", "TEACHER", "STUDENT", "PARENT"], order: 50, view: () => <HomeMeetings /> }],
};
