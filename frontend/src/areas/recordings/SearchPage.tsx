// Searching what was said in the classes' recordings: words, a class, days on the person's own
// clock. The search is the address (?q=…&class=…&from=…&to=…&page=…), so it can be shared and
// survives a reload; each hit names its session, day, class and speaker, shows the words in
// their sentence and leads to that moment of the transcript. The API decides what each person
// may search (students and parents: only what the school shares with them).
import { useEffect, useState } from "preact/hooks";
import type { RecordingsSearchQuery } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Link, navigate, useLocation } from "../../router";
import { Button, Empty, Field, fieldErrors, Loading, Notice, Page, Section } from "../../ui";
import type { Me } from "../types";
import { CLASSES, SEARCH } from "./documents";
import { Marked } from "./Marked";
import { QUERY_MAX, rangeProblem, readSearch, recordingHref, resultPages, searchHref, searchVariables, type SearchState } from "./search";

type Hit = RecordingsSearchQuery["searchTranscripts"]["hits"][number];

function SearchForm({ state, classes }: { state: SearchState; classes: readonly { id: string; name: string }[] }) {
  const [form, setForm] = useState(state);
  // the address is the search: back and forward refill the form
  const key = searchHref(state);
  useEffect(() => setForm(state), [key]);
  const problem = rangeProblem(form);
  const errors = problem ? [{ field: "to", message: t("recordings:search.rangeOrder"), code: "invalid" }] : [];
  const submit = (event: Event) => {
    event.preventDefault();
    if (problem || !form.query.trim()) return;
    navigate(searchHref({ ...form, page: 1 }));
  };
  return (
    <form role="search" class="recording-search" onSubmit={submit} data-test-id="recording-search-form">
      <Field label={t("recordings:search.query")} hint={t("recordings:search.queryHint")}>
        {(props) => (
          <input
            {...props}
            type="search"
            value={form.query}
            maxLength={QUERY_MAX}
            required
            onInput={(e) => setForm({ ...form, query: e.currentTarget.value })}
            data-test-id="recording-search-query"
          />
        )}
      </Field>
      <div class="inline-fields">
        <Field label={t("recordings:search.class")}>
          {(props) => (
            <select {...props} value={form.classId ?? ""} onChange={(e) => setForm({ ...form, classId: e.currentTarget.value || null })} data-test-id="recording-search-class">
              <option value="">{t("recordings:search.allClasses")}</option>
              {classes.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("recordings:search.from")}>
          {(props) => (
            <input {...props} type="date" value={form.from ?? ""} onInput={(e) => setForm({ ...form, from: e.currentTarget.value || null })} data-test-id="recording-search-from" />
          )}
        </Field>
        <Field label={t("recordings:search.to")} errors={fieldErrors(errors, "to")}>
          {(props) => (
            <input {...props} type="date" value={form.to ?? ""} onInput={(e) => setForm({ ...form, to: e.currentTarget.value || null })} data-test-id="recording-search-to" />
          )}
        </Field>
      </div>
      <p class="muted small">{t("recordings:search.zone", { zone: fmt.zone() })}</p>
      <div class="form-actions">
        <Button kind="primary" type="submit" disabled={Boolean(problem) || !form.query.trim()} testId="recording-search-submit">
          {t("recordings:search.submit")}
        </Button>
      </div>
    </form>
  );
}

function HitRow({ hit, query }: { hit: Hit; query: string }) {
  const href = recordingHref(hit.meetingId, { startMs: hit.startMs, find: query });
  return (
    <li class="row search-hit" data-test-id="search-hit" data-meeting-id={hit.meetingId} data-start-ms={hit.startMs}>
      <div class="row-main">
        <Link href={href} data-test-id="search-hit-link">
          <strong>{hit.meetingTitle}</strong>
        </Link>
        <span class="muted small">
          <time dateTime={hit.meetingStart}>{fmt.date(hit.meetingStart)}</time>
          {hit.className && ` · ${hit.className}`}
        </span>
        <p class="snippet">
          <Link href={href} class="cue-time" data-test-id="search-hit-time">
            {fmt.clock(hit.startMs / 1000)}
          </Link>{" "}
          {hit.speaker && <span class="cue-speaker">{hit.speaker}</span>}{" "}
          <span data-test-id="search-hit-snippet">
            <Marked parts={hit.snippet} />
          </span>
        </p>
      </div>
    </li>
  );
}

function Results({ state }: { state: SearchState }) {
  const variables = searchVariables(state, fmt.zone());
  const key = searchHref(state);
  const { data, error, loading } = useQuery(SEARCH, variables ?? undefined, key);
  if (error) {
    return (
      <Notice kind="error" testId="search-error">
        {t("recordings:search.failed", { reason: error })}
      </Notice>
    );
  }
  if (!data) return <Loading what={t("recordings:search.searching")} />;
  const found = data.searchTranscripts;
  const pages = resultPages(found.total);
  const go = (page: number) => searchHref({ ...state, page });
  if (!found.hits.length) {
    return (
      <Empty title={state.page > 1 ? t("recordings:search.pastTheEnd") : t("recordings:search.nothing", { query: state.query.trim() })} testId="search-empty">
        {state.page > 1 ? <Link href={go(1)}>{t("recordings:search.firstPage")}</Link> : t("recordings:search.nothingHint")}
      </Empty>
    );
  }
  return (
    <>
      <p class="muted" data-test-id="search-total" data-total={found.total} data-capped={String(found.totalIsCapped)} aria-live="polite">
        {found.totalIsCapped
          ? t("recordings:search.totalCapped", { n: fmt.number(found.total) })
          : t("recordings:search.total", { count: found.total })}
        {loading && ` · ${t("recordings:search.searching")}`}
      </p>
      <ul class="rows" data-test-id="search-hits">
        {found.hits.map((hit) => (
          <HitRow key={`${hit.meetingId}:${hit.position}`} hit={hit} query={state.query} />
        ))}
      </ul>
      {pages > 1 && (
        <nav class="search-pager" aria-label={t("recordings:search.pages")} data-test-id="search-pager">
          {state.page > 1 ? (
            <Link class="button small" href={go(state.page - 1)} data-test-id="search-previous">
              {t("recordings:search.previous")}
            </Link>
          ) : (
            <span />
          )}
          <span class="muted small" data-test-id="search-page">
            {t("recordings:search.page", { page: fmt.number(state.page), pages: fmt.number(pages) })}
          </span>
          {state.page < pages ? (
            <Link class="button small" href={go(state.page + 1)} data-test-id="search-next">
              {t("recordings:search.next")}
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </>
  );
}

export function SearchPage({ me }: { me: Me }) {
  const { search } = useLocation();
  const state = readSearch(search);
  const classes = useQuery(CLASSES, undefined);
  const shared = me.role === "STUDENT" || me.role === "PARENT";
  return (
    <Page title={t("recordings:search.title")} testId="recording-search-page">
      <Section>
        <p class="muted">{shared ? t("recordings:search.introShared") : t("recordings:search.intro")}</p>
        <SearchForm state={state} classes={classes.data?.classes ?? []} />
      </Section>
      {state.query.trim() && (
        <Section title={t("recordings:search.results")} testId="search-results">
          <Results key={searchHref(state)} state={state} />
        </Section>
      )}
    </Page>
  );
}
