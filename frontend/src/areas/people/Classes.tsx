// The school's classes: admins see all and create them; teachers see the classes they teach.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, navigate } from "../../router";
import { Button, Empty, Errors, Field, fieldErrors, Link, Loading, Notice, otherErrors, Page, Section } from "../../ui";
import type { Me } from "../types";
import { useAction } from "./action";
import { PEOPLE_CLASSES, PEOPLE_CREATE_CLASS } from "./api";
import { PersonPicker, type Picked } from "./PersonPicker";

export function ClassesPage({ me }: { me: Me }) {
  const admin = me.role === "ADMIN";
  const { data, error, loading } = useQuery(PEOPLE_CLASSES, {});
  const [creating, setCreating] = useState(false);
  const classes = data?.classes;
  return (
    <Page
      title={t("people:classes.title")}
      testId="classes-page"
      actions={
        admin && (
          <Button kind="primary" onClick={() => setCreating(!creating)} aria-expanded={creating} testId="class-create-open">
            {t("people:classes.create")}
          </Button>
        )
      }
    >
      {!admin && <p class="muted">{t("people:classes.teacherIntro")}</p>}
      {creating && <CreateClass onClose={() => setCreating(false)} />}
      {error && <Notice kind="error">{t("ui.error", { message: error })}</Notice>}
      {loading && !classes && <Loading what={t("people:classes.loadingWhat")} />}
      {classes && classes.length === 0 && (
        <Section>
          {admin ? (
            <Empty title={t("people:classes.empty")}>{t("people:classes.emptyHint")}</Empty>
          ) : (
            <Empty title={t("people:classes.emptyTeacher")}>{t("people:classes.emptyTeacherHint")}</Empty>
          )}
        </Section>
      )}
      {classes && classes.length > 0 && (
        <div class="grid class-cards" data-test-id="class-list">
          {classes.map((c) => (
            <Link key={c.id} href={`${BASE}/classes/${c.id}`} class="card class-card" data-test-id="class-card" data-class-id={c.id}>
              <h2>{c.name}</h2>
              {c.description && <p class="muted small">{c.description}</p>}
              <p class="small">
                <span data-test-id="class-student-count">{t("people:classes.students", { count: c.studentCount, n: fmt.number(c.studentCount) })}</span>
                {" · "}
                {c.teachers.length
                  ? t("people:classes.taughtBy", { names: c.teachers.map((p) => p.name).join(", ") })
                  : t("people:classes.noTeacher")}
              </p>
            </Link>
          ))}
        </div>
      )}
    </Page>
  );
}

function CreateClass({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [teachers, setTeachers] = useState<Picked[]>([]);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    let id: string | null = null;
    await action.run(async () => {
      const { createClass } = await request(PEOPLE_CREATE_CLASS, { name, description, teacherIds: teachers.map((p) => p.id) });
      id = createClass.schoolClass?.id ?? null;
      return createClass.errors;
    });
    if (id) navigate(`${BASE}/classes/${id}`);
  };
  return (
    <Section title={t("people:classes.createTitle")} testId="class-create">
      <form onSubmit={submit} noValidate>
        <Field label={t("people:classes.name")} errors={fieldErrors(action.errors, "name")}>
          {(props) => <input {...props} value={name} required onInput={(e) => setName(e.currentTarget.value)} data-test-id="class-name" />}
        </Field>
        <Field label={t("people:classes.description")} errors={fieldErrors(action.errors, "description")}>
          {(props) => <textarea {...props} rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
        </Field>
        {teachers.length > 0 && (
          <ul class="chips" aria-label={t("people:classes.teachers")}>
            {teachers.map((p) => (
              <li key={p.id} class="chip">
                {p.name}{" "}
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={t("people:classes.removeChosen", { name: p.name })}
                  onClick={() => setTeachers(teachers.filter((x) => x.id !== p.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <PersonPicker
          role="TEACHER"
          label={t("people:classes.addTeacher")}
          taken={teachers.map((p) => p.id)}
          onPick={(p) => setTeachers([...teachers, p])}
          testId="class-teacher-picker"
        />
        <Errors errors={otherErrors(action.errors, ["name", "description"])} testId="class-create-errors" />
        <div class="form-actions">
          <Button type="submit" kind="primary" busy={action.busy} testId="class-create-submit">
            {t("people:classes.createSubmit")}
          </Button>
          <Button kind="ghost" onClick={onClose}>
            {t("ui.cancel")}
          </Button>
        </div>
      </form>
    </Section>
  );
}
