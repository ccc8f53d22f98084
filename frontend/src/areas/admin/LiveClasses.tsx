// The school's running classes (admins), live: a snapshot, then each start, end and count.
import { useReducer } from "preact/hooks";
import { graphql } from "../../api/gql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { useSubscription } from "../../hooks";
import { BASE, Link } from "../../router";
import { Empty, Loading, Notice, Page, Section } from "../../ui";
import { liveReducer } from "./liveReducer";

const LIVE = graphql(`
  subscription AdminLiveClasses {
    liveClasses {
      kind
      meetingId
      count
      classes {
        id
        title
        teacher {
          name
        }
        startedAt
        participantCount
      }
    }
  }
`);

export function LiveClasses() {
  const [state, dispatch] = useReducer(liveReducer, { ready: false, classes: [] });
  const error = useSubscription(LIVE, {}, (data) => dispatch(data.liveClasses));
  const people = state.classes.reduce((sum, c) => sum + c.participantCount, 0);
  return (
    <Page title={t("admin:live.title")} testId="admin-live">
      <div class="adm">
      {error && <Notice kind="error" testId="live-classes-error">{error}</Notice>}
      {!state.ready && !error && <Loading what={t("admin:live.loading")} />}
      {state.ready && (
        <Section title={t("admin:live.runningNow")} count={state.classes.length} testId="live-classes">
          <div data-ready="true" data-test-id="live-classes-ready">
            {state.classes.length > 0 && <p class="muted small">{t("admin:live.people", { count: people, n: fmt.number(people) })}</p>}
            {state.classes.length ? (
              <ul class="rows">
                {state.classes.map((c) => (
                  <li class="row" key={c.id} data-test-id="live-class" data-meeting-id={c.id}>
                    <div class="row-main">
                      <strong>{c.title}</strong>
                      <span class="muted">{t("admin:live.since", { teacher: c.teacher.name, time: fmt.time(c.startedAt) })}</span>
                    </div>
                    <span class="count-pill big" data-test-id="live-class-count" aria-label={t("admin:live.inRoom", { count: c.participantCount, n: fmt.number(c.participantCount) })}>
                      {fmt.number(c.participantCount)}
                    </span>
                    <Link class="button small" href={`${BASE}/meetings/${c.id}`}>
                      {t("admin:live.room")}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : (
              <Empty title={t("admin:live.none")} testId="live-classes-empty">
                {t("admin:live.noneBody")} <Link href="/app/audit?action=join.denied">{t("admin:live.deniedLink")}</Link>
              </Empty>
            )}
          </div>
        </Section>
      )}
      </div>
    </Page>
  );
}
