import { t } from "../../i18n";
import type { Area } from "../types";
import { LiveClasses } from "./LiveClasses";

export const area: Area = {
  routes: [{ path: "/live", roles: ["ADMIN"], view: () => <LiveClasses /> }],
  nav: [{ href: "/app/live", label: () => t("nav.live"), roles: ["ADMIN"], order: 20, testId: "nav-live" }],
  home: [],
};
