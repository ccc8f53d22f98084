// "Recording": a link to a session's recording page, for the pages of other areas, shown only
// when the session has a recording the viewer may see. A list asks for all its rows at once
// (`useRecordingAvailability`) and gives each row its answer; a single session's page asks for
// that one session.
import type { RecordingsAvailabilityQuery } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { Link } from "../../router";
import { AVAILABILITY } from "./documents";
import { recordingHref } from "./search";

export type Availability = RecordingsAvailabilityQuery["recordingAvailability"][number];

/** The server's limit on sessions asked at once. */
export const MAX_AVAILABILITY = 50;

/** The availability of the recordings of `meetingIds` (one request), by session id. */
export function useRecordingAvailability(meetingIds: string[]): Map<string, Availability> | null {
  const ids = meetingIds.slice(0, MAX_AVAILABILITY);
  const { data } = useQuery(AVAILABILITY, { meetingIds: ids }, ids.join(","));
  if (!data) return null;
  return new Map(data.recordingAvailability.map((a) => [a.meetingId, a]));
}

function Shown({ meetingId, primary }: { meetingId: string; primary?: boolean }) {
  return (
    <Link class={primary ? "button primary" : "button small"} href={recordingHref(meetingId)} data-test-id="open-recording">
      {t("recordings:link")}
    </Link>
  );
}

function Asked({ meetingId, primary }: { meetingId: string; primary?: boolean }) {
  const found = useRecordingAvailability([meetingId]);
  const availability = found?.get(meetingId);
  return availability ? <RecordingLink meetingId={meetingId} primary={primary} availability={availability} /> : null;
}

export function RecordingLink({
  meetingId,
  primary,
  availability,
}: {
  meetingId: string;
  primary?: boolean;
  /** The list's answer for this session; undefined: ask for it. null: the list's answer is not in yet. */
  availability?: Availability | null;
}) {
  if (availability === undefined) return <Asked meetingId={meetingId} primary={primary} />;
  // not shared, nothing available, or not known yet: nothing to offer
  if (!availability?.shared || availability.available < 1) return null;
  return <Shown meetingId={meetingId} primary={primary} />;
}
