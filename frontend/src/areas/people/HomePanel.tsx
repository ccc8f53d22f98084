// The admin's home: how many people and classes the school has, and what to do next.
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Link, Loading, Notice, Section } from "../../ui";
import { PEOPLE_HOME } from "./api";

export function PeopleHomePanel() {
  const { data, error } = useQuery(PEOPLE_HOME, {});
  if (error) return <Notice kind="error">{t("ui.error", { message: error })}</Notice>;
  if (!data) return <Loading what={t("people:loadingWhat")} />;
  const people = data.peopleCounts;
  const counts: [string, number, string][] = [
    [t("people:home.teachers"), people.teachers, `${BASE}/people`],
    [t("people:home.students"), people.students, `${BASE}/people`],
    [t("people:home.parents"), people.parents, `${BASE}/people`],
    [t("people:home.classes"), data.classes.length, `${BASE}/classes`],
    [t("people:home.waiting"), people.pending, `${BASE}/people?status=pending`],
  ];
  const next = !people.teachers
    ? t("people:home.nextTeacher")
    : !data.classes.length
      ? t("people:home.nextClass")
      : !people.students
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
