// The home page's way into the recordings (teachers and admins): search what was said.
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { navigate } from "../../router";
import { Button, Field, Section } from "../../ui";
import { EMPTY_SEARCH, QUERY_MAX, searchHref } from "./search";

export function SearchPanel() {
  const [query, setQuery] = useState("");
  return (
    <Section title={t("recordings:home.title")} testId="home-recordings">
      <form
        role="search"
        class="home-recording-search"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) navigate(searchHref({ ...EMPTY_SEARCH, query }));
        }}
      >
        <Field label={t("recordings:home.query")} hint={t("recordings:home.hint")}>
          {(props) => (
            <input {...props} type="search" value={query} maxLength={QUERY_MAX} onInput={(e) => setQuery(e.currentTarget.value)} data-test-id="home-recording-query" />
          )}
        </Field>
        <div class="form-actions">
          <Button kind="primary" type="submit" disabled={!query.trim()} testId="home-recording-search">
            {t("recordings:home.search")}
          </Button>
        </div>
      </form>
    </Section>
  );
}
