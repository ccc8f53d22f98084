import { t } from "../../i18n";
import { BASE } from "../../router";
import { Tabs } from "../../ui";

export function PeopleTabs({ current }: { current: string }) {
  return (
    <Tabs
      label={t("people:tabs.label")}
      current={current}
      tabs={[
        { href: `${BASE}/people`, label: t("people:tabs.people"), testId: "people-tab-people" },
        { href: `${BASE}/people/invitations`, label: t("people:tabs.pending"), testId: "people-tab-pending" },
        { href: `${BASE}/people/import`, label: t("people:tabs.import"), testId: "people-tab-import" },
      ]}
    />
  );
}
