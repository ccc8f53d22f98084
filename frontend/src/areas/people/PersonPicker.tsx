// Pick a person by name or email from those who fit (`people(role, search)`: the server offers
// only the role asked for, and only people the viewer may pick).
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { Role } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Field } from "../../ui";
import { PEOPLE_PICK } from "./api";

export interface Picked {
  id: string;
  name: string;
  email: string;
}

export function PersonPicker({ role, label, onPick, taken = [], testId }: {
  role: Role;
  label: string;
  onPick: (person: Picked) => void;
  /** Ids offered as "already there" rather than as a choice. */
  taken?: readonly string[];
  testId: string;
}) {
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<Picked[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    const timer = window.setTimeout(async () => {
      try {
        const { people } = await request(PEOPLE_PICK, { role, search: search.trim() || null, limit: 8 });
        if (!current) return;
        setFound(people.items);
        setTotal(people.totalCount);
        setError(null);
      } catch (e) {
        if (current) setError(e instanceof Error ? e.message : String(e));
      }
    }, 250);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [role, search]);
  return (
    <div class="picker" data-test-id={testId}>
      <Field label={label} hint={t("people:picker.hint")}>
        {(props) => (
          <input
            {...props}
            type="search"
            value={search}
            autocomplete="off"
            onInput={(e) => setSearch(e.currentTarget.value)}
            data-test-id={`${testId}-search`}
          />
        )}
      </Field>
      {error && <p class="errors" role="alert">{error}</p>}
      {found && found.length === 0 && <p class="muted small">{t("people:picker.none", { role: t(`role.${role}`) })}</p>}
      {found && found.length > 0 && (
        <ul class="rows picker-results" aria-label={t("people:picker.results")}>
          {found.map((person) => {
            const already = taken.includes(person.id);
            return (
              <li class="row" key={person.id} data-email={person.email}>
                <div class="row-main">
                  <span>{person.name}</span>
                  <span class="muted">{person.email}</span>
                </div>
                {already ? (
                  <span class="muted small">{t("people:picker.already")}</span>
                ) : (
                  <button
                    type="button"
                    class="small"
                    aria-label={t("people:picker.pickWho", { name: person.name })}
                    onClick={() => onPick(person)}
                    data-test-id={`${testId}-pick`}
                  >
                    {t("people:picker.pick")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {found && total > found.length && <p class="muted small">{t("people:picker.more", { count: total - found.length, n: fmt.number(total - found.length) })}</p>}
    </div>
  );
}
