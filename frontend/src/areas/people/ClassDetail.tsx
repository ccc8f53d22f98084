// One class: its teachers, its students and their parents. Admins rename it, change its
// teachers and enrol or unenrol students (pickers offer only teachers, only students); the
// class's teachers read it.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { PeopleClassRosterQuery } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Button, ConfirmButton, Empty, Errors, Field, fieldErrors, Link, Loading, Notice, otherErrors, Page, Section } from "../../ui";
import { useAction } from "./action";
import { PEOPLE_CLASS_ROSTER, PEOPLE_ENROL, PEOPLE_SET_TEACHERS, PEOPLE_UNENROL, PEOPLE_UPDATE_CLASS } from "./api";
import { PersonPicker, type Picked } from "./PersonPicker";
import { Pager } from "./Pager";
import { useDebounced } from "./People";

type Roster = NonNullable<PeopleClassRosterQuery["classRoster"]>;

const ROSTER_PAGE = 50;

export function ClassPage({ id }: { id: string }) {
  const [filter, setFilter] = useState("");
  const [page, setPage] = useState(0);
  const search = useDebounced(filter.trim());
  useEffect(() => setPage(0), [search]);
  const variables = { id, search: search || null, limit: ROSTER_PAGE, offset: page * ROSTER_PAGE };
  const { data, error, loading, refetch } = useQuery(PEOPLE_CLASS_ROSTER, variables, JSON.stringify(variables));
  const [notice, setNotice] = useState<string | null>(null);
  const roster = data?.classRoster;
  const changed = (message: string) => {
    setNotice(message);
    void refetch();
  };
  if (loading && !data) return <Page title={t("people:classes.title")}><Loading what={t("people:class.loadingWhat")} /></Page>;
  if (error) return <Page title={t("people:classes.title")}><Notice kind="error">{t("ui.error", { message: error })}</Notice></Page>;
  if (!roster) {
    return (
      <Page title={t("people:class.missingTitle")}>
        <Empty title={t("people:class.missing")}>
          <Link href={`${BASE}/classes`}>{t("people:class.back")}</Link>
        </Empty>
      </Page>
    );
  }
  return (
    <Page
      title={roster.name}
      testId="class-page"
      actions={
        <Link class="button" href={`${BASE}/classes`}>
          {t("people:class.back")}
        </Link>
      }
    >
      {roster.description && <p class="muted">{roster.description}</p>}
      {!roster.canEdit && <Notice>{t("people:class.readOnly")}</Notice>}
      {notice && <Notice kind="success" testId="class-notice">{notice}</Notice>}
      {roster.canEdit && <Rename roster={roster} onDone={changed} />}
      <Teachers roster={roster} onDone={changed} />
      <Students roster={roster} onDone={changed} filter={filter} setFilter={setFilter}>
        <Pager page={page} pageSize={ROSTER_PAGE} total={roster.matchingCount} onPage={setPage} busy={loading} />
      </Students>
    </Page>
  );
}

function Rename({ roster, onDone }: { roster: Roster; onDone: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(roster.name);
  const [description, setDescription] = useState(roster.description);
  const action = useAction();
  if (!open) {
    return (
      <div>
        <Button kind="small" onClick={() => setOpen(true)} testId="class-rename-open">
          {t("people:class.rename")}
        </Button>
      </div>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    const done = await action.run(async () => {
      const { updateClass } = await request(PEOPLE_UPDATE_CLASS, { id: roster.id, name, description });
      return updateClass.errors;
    });
    if (done) {
      setOpen(false);
      onDone(t("people:class.renamed", { name: name.trim() }));
    }
  };
  return (
    <Section title={t("people:class.renameTitle")} testId="class-rename">
      <form onSubmit={submit} noValidate>
        <Field label={t("people:classes.name")} errors={fieldErrors(action.errors, "name")}>
          {(props) => <input {...props} value={name} onInput={(e) => setName(e.currentTarget.value)} data-test-id="class-rename-name" />}
        </Field>
        <Field label={t("people:classes.description")} errors={fieldErrors(action.errors, "description")}>
          {(props) => <textarea {...props} rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
        </Field>
        <Errors errors={otherErrors(action.errors, ["name", "description"])} />
        <div class="form-actions">
          <Button type="submit" kind="primary" busy={action.busy} testId="class-rename-submit">
            {t("ui.save")}
          </Button>
          <Button kind="ghost" onClick={() => setOpen(false)}>
            {t("ui.cancel")}
          </Button>
        </div>
      </form>
    </Section>
  );
}

function Teachers({ roster, onDone }: { roster: Roster; onDone: (message: string) => void }) {
  const action = useAction();
  const [adding, setAdding] = useState(false);
  const set = (ids: string[], message: string) =>
    action.run(async () => {
      const { setClassTeachers } = await request(PEOPLE_SET_TEACHERS, { classId: roster.id, teacherIds: ids });
      if (!setClassTeachers.errors.length) onDone(message);
      return setClassTeachers.errors;
    });
  const ids = roster.teachers.map((p) => p.id);
  const add = (person: Picked) => {
    setAdding(false);
    void set([...ids, person.id], t("people:class.teacherAdded", { name: person.name }));
  };
  return (
    <Section
      title={t("people:class.teachers")}
      count={roster.teachers.length}
      testId="class-teachers"
      actions={
        roster.canEdit &&
        !adding && (
          <Button kind="small" onClick={() => setAdding(true)} testId="class-teacher-add">
            {t("people:class.addTeacher")}
          </Button>
        )
      }
    >
      {adding && (
        <div class="inline-panel">
          <PersonPicker role="TEACHER" label={t("people:class.pickTeacher")} taken={ids} onPick={add} testId="class-teacher-picker" />
          <Button kind="ghost" onClick={() => setAdding(false)}>
            {t("ui.cancel")}
          </Button>
        </div>
      )}
      {roster.teachers.length === 0 ? (
        <Empty title={t("people:class.noTeachers")}>{roster.canEdit ? t("people:class.noTeachersHint") : null}</Empty>
      ) : (
        <ul class="rows">
          {roster.teachers.map((teacher) => (
            <li class="row" key={teacher.id} data-test-id="class-teacher">
              <div class="row-main">
                <strong>{teacher.name}</strong>
                <span class="muted">{teacher.email}</span>
              </div>
              {roster.canEdit && (
                <ConfirmButton
                  kind="small"
                  title={t("people:class.removeTeacherTitle", { name: teacher.name, class: roster.name })}
                  body={<p>{t("people:class.removeTeacherBody")}</p>}
                  confirmLabel={t("people:class.removeTeacher")}
                  busy={action.busy}
                  onConfirm={() =>
                    set(
                      ids.filter((x) => x !== teacher.id),
                      t("people:class.teacherRemoved", { name: teacher.name }),
                    )
                  }
                  testId="class-teacher-remove"
                >
                  {t("people:class.removeTeacher")}
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
      <Errors errors={action.errors} />
    </Section>
  );
}

function Students({ roster, onDone, filter, setFilter, children }: {
  roster: Roster;
  onDone: (message: string) => void;
  filter: string;
  setFilter: (value: string) => void;
  children: ComponentChildren;
}) {
  const action = useAction();
  const [adding, setAdding] = useState(false);
  const enrol = (person: Picked) =>
    action.run(async () => {
      const { enrolStudents } = await request(PEOPLE_ENROL, { classId: roster.id, studentIds: [person.id] });
      if (enrolStudents.ok) onDone(t("people:class.enrolled", { name: person.name }));
      return enrolStudents.errors;
    });
  const unenrol = (student: { id: string; name: string }) =>
    action.run(async () => {
      const { unenrolStudent } = await request(PEOPLE_UNENROL, { classId: roster.id, studentId: student.id });
      if (unenrolStudent.ok) onDone(t("people:class.unenrolled", { name: student.name }));
      return unenrolStudent.errors;
    });
  return (
    <Section
      title={t("people:class.students")}
      count={roster.studentCount}
      testId="class-students"
      actions={
        roster.canEdit &&
        !adding && (
          <Button kind="small" onClick={() => setAdding(true)} testId="class-enrol-open">
            {t("people:class.enrol")}
          </Button>
        )
      }
    >
      {adding && (
        <div class="inline-panel">
          <PersonPicker
            role="STUDENT"
            label={t("people:class.pickStudent")}
            taken={roster.students.map((s) => s.person.id)}
            onPick={(p) => void enrol(p)}
            testId="class-student-picker"
          />
          <Button kind="ghost" onClick={() => setAdding(false)}>
            {t("people:class.enrolDone")}
          </Button>
        </div>
      )}
      <Errors errors={action.errors} />
      {(roster.studentCount > ROSTER_PAGE || filter) && (
        <Field label={t("people:class.filter")}>
          {(props) => <input {...props} type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-test-id="class-student-filter" />}
        </Field>
      )}
      {roster.students.length === 0 && filter ? (
        <Empty title={t("people:class.noMatch")} />
      ) : roster.students.length === 0 ? (
        <Empty title={t("people:class.noStudents")}>{roster.canEdit ? t("people:class.noStudentsHint") : null}</Empty>
      ) : (
        <ul class="rows">
          {roster.students.map(({ person, pending, parents }) => (
            <li class="row" key={person.id} data-test-id="class-student">
              <div class="row-main">
                <span>
                  <strong>{person.name}</strong>{" "}
                  {pending && <span class="badge badge-warn">{t("people:class.pending")}</span>}
                </span>
                <span class="muted">{person.email}</span>
                <span class="small">
                  {parents.length
                    ? t("people:class.parents", { names: parents.map((p) => `${p.name} <${p.email}>`).join(", ") })
                    : t("people:class.noParents")}
                </span>
              </div>
              {roster.canEdit && (
                <ConfirmButton
                  kind="small"
                  title={t("people:class.unenrolTitle", { name: person.name, class: roster.name })}
                  body={<p>{t("people:class.unenrolBody")}</p>}
                  confirmLabel={t("people:class.unenrol")}
                  busy={action.busy}
                  onConfirm={() => unenrol(person)}
                  testId="class-unenrol"
                >
                  {t("people:class.unenrol")}
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
      {children}
      <p class="muted small">{t("people:class.total", { n: fmt.number(roster.studentCount), count: roster.studentCount })}</p>
    </Section>
  );
}
