// Invite one person: name, email, role, and for a student a class, for a parent a child. The
// server's typed errors show against their fields; nothing typed is lost on an error.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { Role } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { Button, Errors, Field, fieldErrors, otherErrors, Section } from "../../ui";
import { useAction } from "./action";
import { PEOPLE_CLASSES, PEOPLE_INVITE } from "./api";
import { PersonPicker, type Picked } from "./PersonPicker";

const INVITABLE: Role[] = ["TEACHER", "STUDENT", "PARENT"];
const SHOWN = ["name", "email", "role", "classIds", "childIds"];

export function InviteForm({ onInvited, onClose }: { onInvited: (email: string) => void; onClose: () => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("STUDENT");
  const [classId, setClassId] = useState("");
  const [child, setChild] = useState<Picked | null>(null);
  const classes = useQuery(PEOPLE_CLASSES, {});
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const invited = await action.run(async () => {
      const { invitePerson } = await request(PEOPLE_INVITE, {
        name: name.trim(),
        email: email.trim(),
        role,
        classIds: role === "STUDENT" && classId ? [classId] : null,
        childIds: role === "PARENT" && child ? [child.id] : null,
      });
      return invitePerson.errors;
    });
    if (invited) onInvited(email.trim());
  };
  return (
    <Section title={t("people:invite.title")} testId="invite-form">
      <form onSubmit={submit} noValidate>
        <div class="form-grid">
          <Field label={t("people:invite.name")} errors={fieldErrors(action.errors, "name")}>
            {(props) => (
              <input {...props} value={name} required autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} data-test-id="invite-name" />
            )}
          </Field>
          <Field label={t("people:invite.email")} errors={fieldErrors(action.errors, "email")}>
            {(props) => (
              <input
                {...props}
                type="email"
                value={email}
                required
                autocomplete="off"
                onInput={(e) => setEmail(e.currentTarget.value)}
                data-test-id="invite-email"
              />
            )}
          </Field>
          <Field label={t("people:invite.role")} errors={fieldErrors(action.errors, "role")}>
            {(props) => (
              <select {...props} value={role} onChange={(e) => setRole(e.currentTarget.value as Role)} data-test-id="invite-role">
                {INVITABLE.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {role === "STUDENT" && (
            <Field label={t("people:invite.class")} hint={t("people:invite.classHint")} errors={fieldErrors(action.errors, "classIds")}>
              {(props) => (
                <select {...props} value={classId} onChange={(e) => setClassId(e.currentTarget.value)} data-test-id="invite-class">
                  <option value="">{t("people:invite.noClass")}</option>
                  {(classes.data?.classes ?? []).map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
        </div>
        {role === "PARENT" &&
          (child ? (
            <p class="chosen" data-test-id="invite-child">
              {t("people:invite.childChosen", { name: child.name })}{" "}
              <Button kind="ghost" onClick={() => setChild(null)}>
                {t("people:invite.childChange")}
              </Button>
            </p>
          ) : (
            <PersonPicker role="STUDENT" label={t("people:invite.child")} onPick={setChild} testId="invite-child-picker" />
          ))}
        <Errors errors={[...fieldErrors(action.errors, "childIds"), ...otherErrors(action.errors, SHOWN)]} testId="invite-errors" />
        <p class="hint">{t("people:invite.mailHint")}</p>
        <div class="form-actions">
          <Button type="submit" kind="primary" busy={action.busy} testId="invite-submit">
            {t("people:invite.submit")}
          </Button>
          <Button kind="ghost" onClick={onClose}>
            {t("ui.cancel")}
          </Button>
        </div>
      </form>
    </Section>
  );
}
