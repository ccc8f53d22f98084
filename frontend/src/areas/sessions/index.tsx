// Sessions: scheduling (teachers, admins), the sessions lists, a session's page, the teacher's
// own Zoom, and every role's sessions panel on the home page.
import "./sessions.css";
import type { Area } from "../types";
import { HomeSessions } from "./HomePanels";
import { MeetingAbout } from "./MeetingAbout";
import { MyZoom } from "./MyZoom";
import { ScheduleView } from "./Schedule";
import { SessionsPage } from "./SessionsPage";
import { t } from "../../i18n";

export const area: Area = {
  routes: [
    { path: "/schedule", roles: ["TEACHER", "ADMIN"], view: () => <ScheduleView /> },
    { path: "/sessions", view: ({ me }) => <SessionsPage me={me} /> },
    { path: "/meetings/:id/about", view: ({ params, me }) => <MeetingAbout id={params.id} me={me} /> },
    { path: "/my-zoom", roles: ["TEACHER", "ADMIN"], view: () => <MyZoom /> },
  ],
  nav: [
    { href: "/app/sessions", label: () => t("sessions:nav.sessions"), roles: ["ADMIN", "TEACHER", "STUDENT", "PARENT"], order: 20, testId: "nav-sessions" },
    { href: "/app/schedule", label: () => t("sessions:nav.schedule"), roles: ["ADMIN", "TEACHER"], order: 21, testId: "nav-schedule" },
    { href: "/app/my-zoom", label: () => t("sessions:nav.zoom"), roles: ["TEACHER"], order: 80, testId: "nav-my-zoom" },
  ],
  home: [{ roles: ["ADMIN", "TEACHER", "STUDENT", "PARENT"], order: 10, view: ({ me }) => <HomeSessions me={me} /> }],
};
