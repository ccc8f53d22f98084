// The school's audit log (admins): filters by action, person, meeting and date range, kept in
// the address (shareable; Back undoes one), paged by 50. Denied joins are one click away.
import { useEffect, useMemo, useState } from "preact/hooks";
import { graphql } from "../../api/gql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { useQuery } from "../../hooks";
import { navigate, useLocation } from "../../router";
import { Button, Empty, Field, Link, Loading, Notice, Page, Section } from "../../ui";
import { actionLabel } from "./auditActions";
import { AUDIT_PAGE_SIZE, auditVariables, filtersFrom, filtersQuery, pageCount, rangeIsBackwards, type AuditFilters } from "./auditFilters";
import "./admin.css";

const LOG = graphql(`
  query AdminAuditLog(
    $action: String
    $personId: ID
    $meetingId: ID
    $since: DateTime
    $until: DateTime
    $limit: Int!
    $offset: Int!
  ) {
    auditLog(
      action: $action
      personId: $personId
      meetingId: $meetingId
      since: $since
      until: $until
      limit: $limit
      offset: $offset
    ) {
      totalCount
      items {
        id
        createdAt
        actor
        actorId
        action
        targetType
        targetId
        meetingId
        details
      }
    }
  }
`);

const CHOICES = graphql(`
  query AdminAuditChoices($weekAgo: DateTime!) {
    auditActions
    denied: auditLog(action: "join.denied", since: $weekAgo, limit: 1) {
      totalCount
    }
    past: meetings(when: PAST, limit: 50) {
      items {
        id
        title
        startTime
      }
    }
    upcoming: meetings(when: UPCOMING, limit: 50) {
      items {
        id
        title
        startTime
      }
    }
  }
`);

const PEOPLE = graphql(`
  query AdminAuditPeople($search: String) {
    people(search: $search, limit: 8) {
      items {
        id
        name
        email
      }
    }
  }
`);

/** Quick filters: the actions an admin looks for most, denied joins first. */
const PRESETS: { action: string; label: () => string; testId: string }[] = [
  { action: "", label: () => t("admin:audit.presets.all"), testId: "audit-preset-all" },
  { action: "join.denied", label: () => t("admin:audit.presets.denied"), testId: "audit-preset-denied" },
  { action: "join.", label: () => t("admin:audit.presets.joins"), testId: "audit-preset-joins" },
  { action: "user.", label: () => t("admin:audit.presets.people"), testId: "audit-preset-people" },
  { action: "zoom.", label: () => t("admin:audit.presets.zoom"), testId: "audit-preset-zoom" },
];

const KNOWN_REASONS = [
  "bad_token",
  "no_meeting",
  "no_subject",
  "other_person",
  "cancelled",
  "not_allowed",
  "registration_cancelled",
  "guest_revoked",
  "other_device",
  "too_early",
  "ended",
  "throttled",
  "zoom_unavailable",
] as const;
type KnownReason = (typeof KNOWN_REASONS)[number];

function reasonText(value: unknown): string {
  const text = String(value);
  return (KNOWN_REASONS as readonly string[]).includes(text) ? t(`admin:audit.reasons.${text as KnownReason}`) : text;
}

/** What a row is about, in words where the app knows the kind. */
const TARGET_KINDS: Record<string, () => string> = {
  "school.schoolclass": () => t("admin:audit.targets.class"),
  "meetings.zoomsettings": () => t("admin:audit.targets.zoomSettings"),
  "meetings.zoomconnection": () => t("admin:audit.targets.zoomConnection"),
  "mail.outboundmail": () => t("admin:audit.targets.mail"),
  "tenants.organisation": () => t("admin:audit.targets.school"),
};

function targetLabel(type: string, id: string): string {
  const kind = TARGET_KINDS[type];
  return kind ? t("admin:audit.targetRow", { type: kind(), id }) : t("admin:audit.targetRow", { type, id });
}

function detailText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function Details({ details }: { details: unknown }) {
  if (!details || typeof details !== "object" || Array.isArray(details)) return <>—</>;
  const entries = Object.entries(details as Record<string, unknown>);
  if (!entries.length) return <>—</>;
  return (
    <dl class="details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{key === "reason" ? reasonText(value) : detailText(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function PersonPicker({ onPick }: { onPick: (id: string, name: string) => void }) {
  const [search, setSearch] = useState("");
  const [typed, setTyped] = useState("");
  // one request when the typing pauses, not one a keystroke
  useEffect(() => {
    const timer = window.setTimeout(() => setTyped(search.trim()), 250);
    return () => window.clearTimeout(timer);
  }, [search]);
  const { data, loading } = useQuery(PEOPLE, { search: typed || null }, typed);
  return (
    <div class="person-picker">
      <Field label={t("admin:audit.filters.person")} hint={t("admin:audit.filters.personHint")}>
        {(p) => <input {...p} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} data-test-id="audit-person-search" />}
      </Field>
      {typed && (
        <ul class="picker-results" data-test-id="audit-person-results">
          {loading && !data && <li class="muted small">{t("common:ui.loading")}</li>}
          {data?.people.items.map((person) => (
            <li key={person.id}>
              <button type="button" class="ghost" onClick={() => onPick(person.id, person.name)} data-test-id="audit-person-pick">
                {person.name} <span class="muted small">{person.email}</span>
              </button>
            </li>
          ))}
          {data && !data.people.items.length && <li class="muted small">{t("admin:audit.filters.noPeople")}</li>}
        </ul>
      )}
    </div>
  );
}

export function AuditLog() {
  const { search } = useLocation();
  const filters = filtersFrom(search);
  const personName = search.get("who") ?? "";
  const query = filtersQuery(filters);
  const backwards = rangeIsBackwards(filters);
  const vars = useMemo(() => auditVariables(filters, fmt.zone()), [query]);
  const { data, error, loading } = useQuery(LOG, vars, query);
  const weekAgo = useMemo(() => new Date(Date.now() - 7 * 86400_000).toISOString(), []);
  const choices = useQuery(CHOICES, { weekAgo });

  const go = (next: Partial<AuditFilters>, who?: string) => {
    const merged = { ...filters, page: 1, ...next };
    let target = `/app/audit${filtersQuery(merged)}`;
    const name = who ?? (merged.personId === filters.personId ? personName : "");
    if (merged.personId && name) target += `${target.includes("?") ? "&" : "?"}who=${encodeURIComponent(name)}`;
    navigate(target);
  };

  const meetings = useMemo(() => {
    const all = [...(choices.data?.upcoming.items ?? []), ...(choices.data?.past.items ?? [])];
    return all.filter((m, i) => all.findIndex((o) => o.id === m.id) === i);
  }, [choices.data]);
  const meetingTitle = (id: string) => meetings.find((m) => m.id === id)?.title ?? t("admin:audit.meetingNumber", { id });

  const total = data?.auditLog.totalCount ?? 0;
  const pages = pageCount(total);
  const anyFilter = query !== "" && query !== `?page=${filters.page}`;

  return (
    <Page title={t("admin:audit.title")} testId="admin-audit">
      <div class="adm">
      <div class="filter-chips" role="group" aria-label={t("admin:audit.presets.label")}>
        {PRESETS.map((preset) => (
          <button
            key={preset.testId}
            type="button"
            class={filters.action === preset.action ? "chip active" : "chip"}
            aria-pressed={filters.action === preset.action}
            onClick={() => go({ action: preset.action })}
            data-test-id={preset.testId}
          >
            {preset.label()}
            {preset.action === "join.denied" && choices.data && (
              <span class="chip-count" data-test-id="audit-denied-week">
                {t("admin:audit.presets.deniedWeek", { count: choices.data.denied.totalCount, n: fmt.number(choices.data.denied.totalCount) })}
              </span>
            )}
          </button>
        ))}
      </div>
      <Section title={t("admin:audit.filters.title")} testId="audit-filters">
        <div class="filters-grid">
          <Field label={t("admin:audit.filters.action")}>
            {(p) => (
              <select {...p} value={filters.action} onChange={(e) => go({ action: e.currentTarget.value })} data-test-id="audit-action">
                <option value="">{t("admin:audit.filters.anyAction")}</option>
                {filters.action && !choices.data?.auditActions.includes(filters.action) && <option value={filters.action}>{filters.action}</option>}
                {choices.data?.auditActions.map((action) => (
                  <option key={action} value={action}>
                    {actionLabel(action) ?? action}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t("admin:audit.filters.meeting")}>
            {(p) => (
              <select {...p} value={filters.meetingId} onChange={(e) => go({ meetingId: e.currentTarget.value })} data-test-id="audit-meeting">
                <option value="">{t("admin:audit.filters.anyMeeting")}</option>
                {filters.meetingId && !meetings.some((m) => m.id === filters.meetingId) && (
                  <option value={filters.meetingId}>{meetingTitle(filters.meetingId)}</option>
                )}
                {meetings.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.title} · {fmt.dateTime(m.startTime)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t("admin:audit.filters.from")}>
            {(p) => <input {...p} type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => go({ from: e.currentTarget.value })} data-test-id="audit-from" />}
          </Field>
          <Field label={t("admin:audit.filters.to")}>
            {(p) => <input {...p} type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => go({ to: e.currentTarget.value })} data-test-id="audit-to" />}
          </Field>
        </div>
        {filters.personId ? (
          <p class="chosen" data-test-id="audit-person-chosen">
            {t("admin:audit.filters.personChosen", { name: personName || t("admin:audit.personNumber", { id: filters.personId }) })}{" "}
            <Button kind="small" onClick={() => go({ personId: "" })} testId="audit-person-clear">
              {t("admin:audit.filters.clearPerson")}
            </Button>
          </p>
        ) : (
          <PersonPicker onPick={(id, name) => go({ personId: id }, name)} />
        )}
        <p class="muted small">{t("admin:audit.filters.zone", { zone: fmt.zone() })}</p>
        {anyFilter && (
          <Button kind="ghost" onClick={() => navigate("/app/audit")} testId="audit-clear">
            {t("admin:audit.filters.clear")}
          </Button>
        )}
      </Section>
      {backwards && <Notice kind="warning" testId="audit-backwards">{t("admin:audit.backwards")}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("admin:audit.loading")} />}
      {data && (
        <Section title={t("admin:audit.entries")} count={total} testId="audit-log">
          {loading && <p class="muted small" role="status">{t("common:ui.loading")}</p>}
          {data.auditLog.items.length ? (
            <div class="table-wrap">
              <table class="audit-table" data-test-id="audit-table">
                <thead>
                  <tr>
                    <th scope="col">{t("admin:audit.columns.when")}</th>
                    <th scope="col">{t("admin:audit.columns.who")}</th>
                    <th scope="col">{t("admin:audit.columns.action")}</th>
                    <th scope="col">{t("admin:audit.columns.target")}</th>
                    <th scope="col">{t("admin:audit.columns.details")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.auditLog.items.map((entry) => (
                    <tr key={entry.id} data-test-id="audit-row" data-action={entry.action}>
                      <td class="nowrap">{fmt.dateTime(entry.createdAt)}</td>
                      <td class="wrap-text">
                        {entry.actorId ? (
                          <button type="button" class="linkish" onClick={() => go({ personId: entry.actorId ?? "" }, entry.actor)} title={t("admin:audit.filterByPerson")}>
                            {entry.actor}
                          </button>
                        ) : (
                          entry.actor || (entry.action.startsWith("join.") ? t("admin:audit.anonymous") : t("admin:audit.system"))
                        )}
                      </td>
                      <td>
                        <div class="cell-stack">
                          {actionLabel(entry.action) && <span>{actionLabel(entry.action)}</span>}
                          <code class={entry.action === "join.denied" ? "action denied" : "action"}>{entry.action}</code>
                        </div>
                      </td>
                      <td class="wrap-text">
                        {entry.meetingId ? (
                          <span class="target">
                            <button type="button" class="linkish" onClick={() => go({ meetingId: entry.meetingId ?? "" })} title={t("admin:audit.filterByMeeting")}>
                              {meetingTitle(entry.meetingId)}
                            </button>{" "}
                            <Link href={`/app/meetings/${entry.meetingId}`} class="small">
                              {t("admin:audit.open")}
                            </Link>
                          </span>
                        ) : entry.targetType === "accounts.user" && /^\d+$/.test(entry.targetId) ? (
                          <button type="button" class="linkish" onClick={() => go({ personId: entry.targetId })} title={t("admin:audit.filterByPerson")}>
                            {t("admin:audit.personNumber", { id: entry.targetId })}
                          </button>
                        ) : entry.targetType ? (
                          <span class="muted">{targetLabel(entry.targetType, entry.targetId)}</span>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td class="wrap-text">
                        <Details details={entry.details} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty title={anyFilter ? t("admin:audit.emptyFiltered") : t("admin:audit.empty")} testId="audit-empty">
              {anyFilter ? t("admin:audit.emptyFilteredBody") : t("admin:audit.emptyBody")}
            </Empty>
          )}
          {total > AUDIT_PAGE_SIZE && (
            <div class="pager" data-test-id="audit-pager">
              <Button kind="small" disabled={filters.page <= 1} onClick={() => go({ page: filters.page - 1 })} testId="audit-previous">
                {t("common:ui.previous")}
              </Button>
              <span class="muted small">{t("common:ui.page", { page: fmt.number(filters.page), pages: fmt.number(pages) })}</span>
              <Button kind="small" disabled={filters.page >= pages} onClick={() => go({ page: filters.page + 1 })} testId="audit-next">
                {t("common:ui.next")}
              </Button>
            </div>
          )}
        </Section>
      )}
      </div>
    </Page>
  );
}
