// People and classes (admins; teachers read their own classes).
import { t } from "../../i18n";
import type { Area } from "../types";
import { ClassPage } from "./ClassDetail";
import { ClassesPage } from "./Classes";
import { PeopleHomePanel } from "./HomePanel";
import { ImportPage } from "./Import";
import { PeoplePage } from "./People";
import { PendingPage } from "./Pending";
import "./people.css";

export const area: Area = {
  routes: [
    { path: "/people", roles: ["ADMIN"], view: ({ me }) => <PeoplePage me={me} /> },
    { path: "/people/invitations", roles: ["ADMIN"], view: () => <PendingPage /> },
    { path: "/people/import", roles: ["ADMIN"], view: () => <ImportPage /> },
    { path: "/classes", roles: ["ADMIN", "TEACHER"], view: ({ me }) => <ClassesPage me={me} /> },
    { path: "/classes/:id", roles: ["ADMIN", "TEACHER"], view: ({ params }) => <ClassPage key={params.id} id={params.id} /> },
  ],
  nav: [
    { href: "/app/people", label: () => t("people:nav.people"), roles: ["ADMIN"], order: 30, testId: "nav-people" },
    { href: "/app/classes", label: () => t("people:nav.classes"), roles: ["ADMIN", "TEACHER"], order: 31, testId: "nav-classes" },
  ],
  home: [{ roles: ["ADMIN"], order: 40, view: () => <PeopleHomePanel /> }],
};
