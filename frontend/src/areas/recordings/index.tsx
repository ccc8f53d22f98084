// Recordings: a session's recording page (files, summary, transcript), searching what was said
// in the classes' recordings, and the home panel that leads there. Other areas link to a
// session's recording with RecordingLink; the school's settings tab is in admin/settings.
import { t } from "../../i18n";
import type { Area } from "../types";
import { SearchPanel } from "./HomePanel";
import { RecordingPage } from "./RecordingPage";
import "./recordings.css";
import { SearchPage } from "./SearchPage";

export const area: Area = {
  routes: [
    { path: "/meetings/:id/recording", view: ({ params }) => <RecordingPage key={params.id} meetingId={params.id} /> },
    { path: "/recordings/search", view: ({ me }) => <SearchPage me={me} /> },
  ],
  nav: [
    {
      href: "/app/recordings/search",
      label: () => t("recordings:nav"),
      roles: ["ADMIN", "TEACHER", "STUDENT", "PARENT"],
      order: 45,
      testId: "nav-recordings",
    },
  ],
  home: [{ roles: ["TEACHER", "ADMIN"], order: 70, view: () => <SearchPanel /> }],
};
