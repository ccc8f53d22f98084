// The school's settings (admins), one tab each: the Zoom app, teachers' Zoom connections,
// attendance and reminders, joining and invitations, the school, recordings, calendar apps.
import { useEffect } from "preact/hooks";
import { t } from "../../../i18n";
import { Page, Tabs } from "../../../ui";
import { CalendarsTab } from "./Calendars";
import { PoliciesTab } from "./Policies";
import { RecordingsTab } from "./Recordings";
import { ZoomConnectionsTab } from "./ZoomConnections";
import { ZoomSettingsTab } from "./ZoomSettings";

export const SETTINGS_TABS = ["zoom", "zoom-connections", "attendance", "joining", "school", "recordings", "calendars"] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];

export function isSettingsTab(value: string | undefined): value is SettingsTab {
  return (SETTINGS_TABS as readonly string[]).includes(value ?? "");
}

const TAB_LABEL: Record<SettingsTab, () => string> = {
  zoom: () => t("admin:settings.tabs.zoom"),
  "zoom-connections": () => t("admin:settings.tabs.connections"),
  attendance: () => t("admin:settings.tabs.attendance"),
  joining: () => t("admin:settings.tabs.joining"),
  school: () => t("admin:settings.tabs.school"),
  recordings: () => t("admin:settings.tabs.recordings"),
  calendars: () => t("admin:settings.tabs.calendars"),
};

export function SettingsPage({ tab }: { tab: SettingsTab }) {
  // on a phone the tabs scroll sideways: keep the open one in sight
  useEffect(() => {
    document.querySelector(`[data-test-id="settings-tab-${tab}"]`)?.scrollIntoView({ block: "nearest", inline: "center" });
  }, [tab]);
  return (
    <Page title={t("admin:settings.title")} testId="admin-settings">
      <div class="adm">
      <Tabs
        label={t("admin:settings.tabsLabel")}
        current={`/app/settings/${tab}`}
        tabs={SETTINGS_TABS.map((name) => ({ href: `/app/settings/${name}`, label: TAB_LABEL[name](), testId: `settings-tab-${name}` }))}
      />
      {tab === "zoom" && <ZoomSettingsTab />}
      {tab === "zoom-connections" && <ZoomConnectionsTab />}
      {tab === "attendance" && <PoliciesTab key="attendance" group="attendance" />}
      {tab === "joining" && <PoliciesTab key="joining" group="joining" />}
      {tab === "school" && <PoliciesTab key="school" group="school" />}
      {tab === "recordings" && <RecordingsTab />}
      {tab === "calendars" && <CalendarsTab />}
      </div>
    </Page>
  );
}
