// The school admin's area: the getting-started checklist on the home page, the settings (Zoom,
// teachers' Zoom connections, the school's rules), live classes, the audit log and the outbox.
import { t } from "../../i18n";
import type { Area } from "../types";
import { AuditLog } from "./AuditLog";
import { GettingStartedPanel } from "./GettingStarted";
import { LiveClasses } from "./LiveClasses";
import { MailOutbox } from "./MailOutbox";
import { isSettingsTab, SettingsPage } from "./settings/SettingsPage";
import "./admin.css";

export const area: Area = {
  routes: [
    { path: "/live", roles: ["ADMIN"], view: () => <LiveClasses /> },
    { path: "/settings", roles: ["ADMIN"], view: () => <SettingsPage tab="zoom" /> },
    {
      path: "/settings/:tab",
      roles: ["ADMIN"],
      view: ({ params }) => <SettingsPage key={params.tab} tab={isSettingsTab(params.tab) ? params.tab : "zoom"} />,
    },
    { path: "/audit", roles: ["ADMIN"], view: () => <AuditLog /> },
    { path: "/mail", roles: ["ADMIN"], view: () => <MailOutbox /> },
  ],
  nav: [
    { href: "/app/live", label: () => t("nav.live"), roles: ["ADMIN"], order: 20, testId: "nav-live" },
    { href: "/app/settings", label: () => t("admin:nav.settings"), roles: ["ADMIN"], order: 60, testId: "nav-settings" },
    { href: "/app/audit", label: () => t("admin:nav.audit"), roles: ["ADMIN"], order: 70, testId: "nav-audit" },
    { href: "/app/mail", label: () => t("admin:nav.mail"), roles: ["ADMIN"], order: 80, testId: "nav-mail" },
  ],
  home: [{ roles: ["ADMIN"], order: 10, view: () => <GettingStartedPanel /> }],
};
