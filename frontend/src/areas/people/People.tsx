// The school's people (admins): search and filter by role, page through, invite, and per person
// reset their two-factor sign-in, link a parent to a child, or delete them.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { PeopleDirectoryQuery } from "../../api/gql/graphql";
import type { Role } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, useLocation } from "../../router";
import { Button, ConfirmButton, Empty, Errors, Field, Link, Loading, Notice, Page, RoleBadge, Section } from "../../ui";
import type { Me } from "../types";
import { useAction } from "./action";
import { PEOPLE_DELETE, PEOPLE_DIRECTORY, PEOPLE_INVITE, PEOPLE_LINK_PARENT, PEOPLE_PICK, PEOPLE_RESET_TWO_FACTOR } from "./api";
import { InviteForm } from "./Invite";
import { PeopleTabs } from "./PeopleTabs";
import { Pager } from "./Pager";
import { PersonPicker } from "./PersonPicker";

export const PAGE_SIZE = 25;
const ROLES: Role[] = ["ADMIN", "TEACHER", "STUDENT", "PARENT"];

type Person = PeopleDirectoryQuery["peopleDirectory"]["items"][number];

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

type Status = "" | "active" | "pending";

export function PeoplePage({ me }: { me: Me }) {
  const { search: query } = useLocation();
  const [role, setRole] = useState<Role | "">("");
  const [status, setStatus] = useState<Status>((query.get("status") as Status) ?? "");
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(0);
  const [inviting, setInviting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const applied = useDebounced(search.trim());
  useEffect(() => setPage(0), [role, status, applied]);
  const pending = status === "" ? null : status === "pending";
  const variables = { role: role || null, search: applied || null, pending, limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  const { data, error, loading, refetch } = useQuery(PEOPLE_DIRECTORY, variables, JSON.stringify(variables));
  const directory = data?.peopleDirectory;
  const done = (message: string) => {
    setNotice(message);
    void refetch();
  };
  return (
    <Page
      title={t("people:title")}
      testId="people-page"
      actions={
        <>
          <Link class="button" href={`${BASE}/people/import`} data-test-id="people-import-link">
            {t("people:import.link")}
          </Link>
          <Button kind="primary" onClick={() => setInviting(!inviting)} aria-expanded={inviting} testId="people-invite-open">
            {t("people:invite.open")}
          </Button>
        </>
      }
    >
      <PeopleTabs current={`${BASE}/people`} />
      {inviting && (
        <InviteForm
          onClose={() => setInviting(false)}
          onInvited={(email) => {
            setInviting(false);
            done(t("people:invite.sent", { email }));
          }}
        />
      )}
      {notice && (
        <Notice kind="success" testId="people-notice">
          {notice}
        </Notice>
      )}
      <Section>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <Field label={t("people:filter.search")}>
            {(props) => (
              <input {...props} type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} data-test-id="people-search" />
            )}
          </Field>
          <Field label={t("people:filter.role")}>
            {(props) => (
              <select {...props} value={role} onChange={(e) => setRole(e.currentTarget.value as Role | "")} data-test-id="people-role">
                <option value="">{t("people:filter.everyone")}</option>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t("people:filter.status")}>
            {(props) => (
              <select {...props} value={status} onChange={(e) => setStatus(e.currentTarget.value as Status)} data-test-id="people-status">
                <option value="">{t("people:filter.anyStatus")}</option>
                <option value="active">{t("people:filter.active")}</option>
                <option value="pending">{t("people:filter.pending")}</option>
              </select>
            )}
          </Field>
        </form>
      </Section>
      {error && <Notice kind="error">{t("ui.error", { message: error })}</Notice>}
      {loading && !directory && <Loading what={t("people:loadingWhat")} />}
      {directory && (
        <Section title={t("people:list.title")} count={directory.totalCount} testId="people-list">
          {directory.items.length === 0 ? (
            applied || role || status ? (
              <Empty title={t("people:list.noMatch")}>{t("people:list.noMatchHint")}</Empty>
            ) : (
              <Empty title={t("people:list.empty")}>{t("people:list.emptyHint")}</Empty>
            )
          ) : (
            <ul class="rows people-rows">
              {directory.items.map((person) => (
                <PersonRow key={person.person.id} person={person} me={me} onDone={done} />
              ))}
            </ul>
          )}
          <Pager page={page} pageSize={PAGE_SIZE} total={directory.totalCount} onPage={setPage} busy={loading} />
        </Section>
      )}
    </Page>
  );
}

function PersonRow({ person, me, onDone }: { person: Person; me: Me; onDone: (message: string) => void }) {
  const { person: who } = person;
  const action = useAction();
  const [linking, setLinking] = useState(false);
  const name = who.name;
  const resetTwoFactor = () =>
    action.run(async () => {
      const { resetTwoFactor } = await request(PEOPLE_RESET_TWO_FACTOR, { userId: who.id });
      if (resetTwoFactor.ok) onDone(t("people:twoFactor.done", { name }));
      return resetTwoFactor.errors;
    });
  const invite = () =>
    action.run(async () => {
      const { invitePerson } = await request(PEOPLE_INVITE, { email: who.email, name: who.name, role: who.role });
      if (!invitePerson.errors.length) onDone(t("people:invite.sent", { email: who.email }));
      return invitePerson.errors;
    });
  const link = (child: { id: string; name: string }) =>
    action.run(async () => {
      const { linkParent } = await request(PEOPLE_LINK_PARENT, { parentId: who.id, studentId: child.id });
      if (linkParent.ok) {
        setLinking(false);
        onDone(t("people:link.done", { parent: name, child: child.name }));
      }
      return linkParent.errors;
    });
  return (
    <li class="row person-row" data-test-id="person-row" data-email={who.email}>
      <div class="row-main">
        <span class="person-line">
          <strong>{name}</strong> <RoleBadge role={who.role} />
          {person.pending && <span class="badge badge-warn">{t("people:list.pending")}</span>}
          {person.twoFactor && (
            <span class="badge badge-ok" title={t("people:twoFactor.onTitle")}>
              {t("people:twoFactor.on")}
            </span>
          )}
        </span>
        <span class="muted">{who.email}</span>
        <PersonLinks person={person} />
        <span class="muted small">
          {person.pending
            ? t("people:list.pendingHint")
            : person.lastLogin
              ? t("people:list.lastSignIn", { when: fmt.relative(person.lastLogin) })
              : t("people:list.neverSignedIn")}
        </span>
        {linking && (
          <div class="inline-panel">
            <PersonPicker
              role="STUDENT"
              label={t("people:link.pickChild", { name })}
              taken={person.children.map((c) => c.id)}
              onPick={link}
              testId="link-child-picker"
            />
            <Button kind="ghost" onClick={() => setLinking(false)}>
              {t("ui.cancel")}
            </Button>
          </div>
        )}
        <Errors errors={action.errors} />
      </div>
      <div class="row-actions">
        {person.pending && (
          <Button kind="small" busy={action.busy} onClick={() => void invite()} testId="person-invite">
            {t("people:list.sendInvitation")}
          </Button>
        )}
        {who.role === "PARENT" && !linking && (
          <Button kind="small" onClick={() => setLinking(true)} testId="person-link-child">
            {t("people:link.open")}
          </Button>
        )}
        {person.twoFactor && (
          <ConfirmButton
            kind="small"
            title={t("people:twoFactor.confirmTitle", { name })}
            body={<p>{t("people:twoFactor.confirmBody")}</p>}
            confirmLabel={t("people:twoFactor.reset")}
            onConfirm={resetTwoFactor}
            busy={action.busy}
            testId="person-reset-2fa"
          >
            {t("people:twoFactor.reset")}
          </ConfirmButton>
        )}
        {who.id !== me.id && <DeleteButton person={person} onDone={onDone} />}
      </div>
    </li>
  );
}

function PersonLinks({ person }: { person: Person }) {
  const parts = [];
  if (person.classes.length) {
    parts.push(
      <span key="classes">
        {t(person.person.role === "TEACHER" ? "people:list.teaches" : "people:list.attends")}{" "}
        {person.classes.map((c, i) => (
          <Fragment key={c.id}>
            {i > 0 && ", "}
            <Link href={`${BASE}/classes/${c.id}`}>{c.name}</Link>
          </Fragment>
        ))}
      </span>,
    );
  }
  if (person.children.length) {
    parts.push(<span key="children">{t("people:list.children", { names: person.children.map((c) => c.name).join(", ") })}</span>);
  }
  if (person.parents.length) {
    parts.push(<span key="parents">{t("people:list.parents", { names: person.parents.map((c) => c.name).join(", ") })}</span>);
  }
  return parts.length ? <span class="small person-links">{parts}</span> : null;
}

function DeleteButton({ person, onDone }: { person: Person; onDone: (message: string) => void }) {
  const action = useAction();
  const [successor, setSuccessor] = useState("");
  const teacher = person.person.role === "TEACHER";
  const remove = () =>
    action.run(async () => {
      const { deletePerson } = await request(PEOPLE_DELETE, { id: person.person.id, successorId: successor || null });
      if (deletePerson.ok) onDone(t("people:delete.done", { name: person.person.name }));
      return deletePerson.errors;
    });
  return (
    <>
      <ConfirmButton
        kind="small"
        title={t("people:delete.confirmTitle", { name: person.person.name })}
        confirmLabel={t("people:delete.confirm")}
        onConfirm={remove}
        busy={action.busy}
        testId="person-delete"
        body={
          <>
            <p>{t("people:delete.removed")}</p>
            <p>{t("people:delete.kept")}</p>
            {teacher && <SuccessorSelect teacherId={person.person.id} value={successor} onChange={setSuccessor} />}
          </>
        }
      >
        {t("people:delete.open")}
      </ConfirmButton>
      <Errors errors={action.errors} />
    </>
  );
}

/** Another teacher to take over a deleted teacher's classes and meetings (mounted only while the
 * dialog is open, so the list is read only then). */
function SuccessorSelect({ teacherId, value, onChange }: { teacherId: string; value: string; onChange: (id: string) => void }) {
  const teachers = useQuery(PEOPLE_PICK, { role: "TEACHER", limit: 100 });
  return (
    <Field label={t("people:delete.successor")} hint={t("people:delete.successorHint")}>
      {(props) => (
        <select {...props} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-test-id="delete-successor">
          <option value="">{t("people:delete.noSuccessor")}</option>
          {(teachers.data?.people.items ?? [])
            .filter((p) => p.id !== teacherId)
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
        </select>
      )}
    </Field>
  );
}
