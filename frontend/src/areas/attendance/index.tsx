// The attendance area: a session's page (the live room for those who manage it, one's own
// attendance of it for a student or a parent), attendance over time for every role, a class's
// grid, and the home panels of students and parents.
import { t } from "../../i18n";
import type { Area } from "../types";
import "./attendance.css";
import { GridPage } from "./Grid";
import { AttendancePage } from "./History";
import { ParentPanel, RecentPanel, StudentPanel } from "./HomePanels";
import { SessionPage } from "./Room";

export const area: Area = {
  routes: [
    { path: "/meetings/:id", view: ({ params }) => <SessionPage key={params.id} meetingId={params.id} /> },
    { path: "/attendance", view: ({ me }) => <AttendancePage role={me.role} /> },
    { path: "/attendance/classes/:id", view: ({ params }) => <GridPage key={params.id} classId={params.id} /> },
  ],
  nav: [
    {
      href: "/app/attendance",
      label: () => t("attendance:nav"),
      roles: ["ADMIN", "TEACHER", "STUDENT", "PARENT"],
      order: 40,
      testId: "nav-attendance",
    },
  ],
  home: [
    { roles: ["STUDENT"], order: 30, view: () => <StudentPanel /> },
    { roles: ["PARENT"], order: 10, view: () => <ParentPanel /> },
    { roles: ["TEACHER", "ADMIN"], order: 60, view: () => <RecentPanel /> },
  ],
};
