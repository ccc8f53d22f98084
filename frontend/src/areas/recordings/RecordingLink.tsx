// "Recording": a link to a session's recording page, for the pages of other areas, shown only
// when the session has a recording the viewer may see (asked for that one session).
import { HAS_RECORDING } from "./documents";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { Link } from "../../router";
import { recordingHref } from "./search";

export function RecordingLink({ meetingId, primary }: { meetingId: string; primary?: boolean }) {
  const { data } = useQuery(HAS_RECORDING, { meetingId }, meetingId);
  // not allowed, not found, or failed: nothing to offer
  if (!data?.sessionRecordings.some((r) => r.status === "available")) return null;
  return (
    <Link class={primary ? "button primary" : "button small"} href={recordingHref(meetingId)} data-test-id="open-recording">
      {t("recordings:link")}
    </Link>
  );
}
