import { HOME } from "../../api/operations";
import type { MeetingSummary } from "../../api/schema";
import { formatDateTime } from "../../format";
import { useQuery } from "../../hooks";
import { BASE, Link } from "../../router";
import { Loading, Notice, StatusBadge } from "../../ui";

function MeetingRow({ meeting }: { meeting: MeetingSummary }) {
  return (
    <li class="row" data-test-id="meeting" data-meeting-id={meeting.id}>
      <div class="row-main">
        <strong>{meeting.title}</strong>
        <span class="muted">
          {meeting.className ?? "No class"} · {meeting.teacher.name} · {formatDateTime(meeting.startTime)} ·{" "}
          {meeting.durationMinutes} min
        </span>
      </div>
      <StatusBadge status={meeting.status} />
      {meeting.canManage && (
        <Link class="button small" href={`${BASE}/meetings/${meeting.id}`} data-test-id="open-room">
          Live room
        </Link>
      )}
      {meeting.joinUrl && meeting.status !== "CANCELLED" && meeting.status !== "ENDED" && (
        // The platform's link: it checks the time and sends on to Zoom, in a new tab.
        <a class="button small" href={meeting.joinUrl} target="_blank" rel="noopener noreferrer" data-test-id="join-class">
          Join class
        </a>
      )}
    </li>
  );
}

function Meetings({ title, items, total, empty, testId }: {
  title: string;
  items: MeetingSummary[];
  total: number;
  empty: string;
  testId: string;
}) {
  return (
    <section class="card" data-test-id={testId}>
      <h2>
        {title} <span class="count-pill">{total}</span>
      </h2>
      {items.length ? (
        <ul class="rows">
          {items.map((m) => (
            <MeetingRow key={m.id} meeting={m} />
          ))}
        </ul>
      ) : (
        <p class="muted">{empty}</p>
      )}
      {total > items.length && <p class="muted">and {total - items.length} more</p>}
    </section>
  );
}

/** Live, upcoming and classes: every role's first panel until the areas bring their own. */
export function HomeMeetings() {
  const { data, error, loading } = useQuery(HOME, undefined);
  return (
    <>
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what="your classes" />}
      {data && (
        <>
          <Meetings
            title="Live now"
            items={data.live.items}
            total={data.live.totalCount}
            empty="No class is running."
            testId="live-now"
          />
          <Meetings
            title="Upcoming"
            items={data.upcoming.items}
            total={data.upcoming.totalCount}
            empty="Nothing scheduled."
            testId="upcoming"
          />
          <section class="card" data-test-id="classes">
            <h2>
              My classes <span class="count-pill">{data.classes.length}</span>
            </h2>
            {data.classes.length ? (
              <ul class="rows">
                {data.classes.map((c) => (
                  <li class="row" key={c.id} data-test-id="class">
                    <div class="row-main">
                      <strong>{c.name}</strong>
                      <span class="muted">
                        {c.teachers.map((t) => t.name).join(", ") || "No teacher"} · {c.studentCount}{" "}
                        {c.studentCount === 1 ? "student" : "students"}
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">You are in no class yet.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
