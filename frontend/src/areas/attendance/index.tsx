import { t } from "../../i18n";
import type { Area } from "../types";
import { LiveRoom } from "./LiveRoom";
import { MyAttendance } from "./MyAttendance";

export const area: Area = {
  routes: [
    { path: "/meetings/:id", view: ({ params }) => <LiveRoom key={params.id} meetingId={params.id} /> },
    { path: "/attendance", roles: ["STUDENT"], view: () => <MyAttendance /> },
  ],
  nav: [{ href: "/app/attendance", label: () => t("nav.attendance"), roles: ["STUDENT"], order: 40, testId: "nav-attendance" }],
  home: [],
};
