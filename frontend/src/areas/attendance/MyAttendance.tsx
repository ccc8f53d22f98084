import { STUDENT_ATTENDANCE } from "../../api/operations";
import { formatDateTime, formatDuration, titleCase } from "../../format";
import { useQuery } from "../../hooks";
import { Loading, Notice } from "../../ui";

export function MyAttendance() {
  const { data, error, loading } = useQuery(STUDENT_ATTENDANCE, undefined);
  const rows = data?.studentAttendance ?? [];
  const present = rows.filter((r) => r.status === "PRESENT").length;
  return (
    <main class="page">
      <h1>My attendance</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what="your attendance" />}
      {data && (
        <section class="card" data-test-id="my-attendance">
          <h2>
            Classes <span class="count-pill">{rows.length}</span>
            {rows.length > 0 && (
              <span class="muted small">
                {" "}
                · present at {present} of {rows.length}
              </span>
            )}
          </h2>
          {rows.length ? (
            <table>
              <thead>
                <tr>
                  <th>Class</th>
                  <th>When</th>
                  <th>Status</th>
                  <th>Time in class</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.meetingId} data-test-id="my-attendance-row">
                    <td>{r.meetingTitle}</td>
                    <td>{formatDateTime(r.startTime)}</td>
                    <td>
                      <span class={`badge attendance-${r.status.toLowerCase()}`}>{titleCase(r.status)}</span>
                    </td>
                    <td>{formatDuration(r.attendedSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">No attendance yet: it appears here once your classes have ended.</p>
          )}
        </section>
      )}
    </main>
  );
}
