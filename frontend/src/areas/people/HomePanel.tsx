// The admin's home: how many people and classes the school has, and what to do next.
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Link, Section } from "../../ui";
import { PEOPLE_HOME } from "./api";

export function PeopleHomePanel() {
  const { data } = useQuery(PEOPLE_HOME, {});
  if (!data) return <></>;
  const counts: [string, number, string][] = [
    [t("people:home.teachers"), data.teachers.totalCount, `${BASE}/people`],
    [t("people:home.students"), data.students.totalCount, `${BASE}/people`],
    [t("people:home.parents"), data.parents.totalCount, `${BASE}/people`],
    [t("people:home.classes"), data.classes.length, `${BASE}/classes`],
    [t("people:home.waiting"), data.waiting.totalCount, `${BASE}/people?status=pending`],
  ];
  const next = !data.teachers.totalCount
    ? t("people:home.nextTeacher")
    : !data.classes.length
      ? t("people:home.nextClass")
      : !data.students.totalCount
        ? t("people:home.nextStudents")
        : null;
  return (
    <Section
      title={t("people:home.title")}
      testId="people-home"
      actions={
        <>
          <Link class="button small" href={`${BASE}/people`}>
            {t("people:invite.open")}
          </Link>
          <Link class="button small" href={`${BASE}/people/import`}>
            {t("people:import.link")}
          </Link>
        </>
      }
    >
      <dl class="counts">
        {counts.map(([label, value, href]) => (
          <div class="count" key={label}>
            <dt>
              <Link href={href}>{label}</Link>
            </dt>
            <dd>{fmt.number(value)}</dd>
          </div>
        ))}
      </dl>
      {next && <p class="muted">{next}</p>}
    </Section>
  );
}
