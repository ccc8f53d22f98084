// Guests of the class (people without an account): invite one by name and email, to this
// session or to every session of its series; withdraw an invitation (after asking). They get
// their own link by mail.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { AttendanceSessionQuery } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { Button, ConfirmButton, Errors, Field, fieldErrors, otherErrors, Section, thrownErrors } from "../../ui";
import { INVITE_GUEST, REVOKE_GUEST } from "./documents";

type Meeting = AttendanceSessionQuery["meeting"];

export function Guests({ meeting, refetch }: { meeting: Meeting; refetch: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [wholeSeries, setWholeSeries] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const closed = meeting.status === "ENDED" || meeting.status === "CANCELLED";

  const run = async (action: () => Promise<FieldError[]>) => {
    setErrors([]);
    setBusy(true);
    try {
      const failures = await action();
      setErrors(failures);
      if (!failures.length) await refetch();
      return !failures.length;
    } catch (e) {
      setErrors(thrownErrors(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const invite = async (event: Event) => {
    event.preventDefault();
    const done = await run(async () => {
      const { inviteGuest } = await request(INVITE_GUEST, { meetingId: meeting.id, name, email, wholeSeries });
      return inviteGuest.errors;
    });
    if (done) {
      setName("");
      setEmail("");
    }
  };

  return (
    <Section title={t("attendance:guests.title")} count={meeting.guests.length} testId="guests">
      {meeting.guests.length ? (
        <ul class="people">
          {meeting.guests.map((g) => (
            <li key={g.id} class="person" data-test-id="guest" data-revoked={String(Boolean(g.revokedAt))}>
              <span class="person-name">{g.name}</span>
              <span class="muted small">{g.email}</span>
              {g.wholeSeries && <span class="muted small">{t("attendance:guests.everySession")}</span>}
              {g.revokedAt ? (
                <span class="muted small">{t("attendance:guests.withdrawn")}</span>
              ) : (
                <>
                  {g.zoomRegistration === "failed" && <span class="muted small">{t("attendance:guests.notRegistered")}</span>}
                  <ConfirmButton
                    kind="small"
                    title={t("attendance:guests.withdrawTitle", { name: g.name })}
                    body={t("attendance:guests.withdrawBody")}
                    confirmLabel={t("attendance:guests.withdraw")}
                    onConfirm={() => run(async () => (await request(REVOKE_GUEST, { guestId: g.id })).revokeGuest.errors)}
                    disabled={busy}
                    testId="revoke-guest"
                  >
                    {t("attendance:guests.withdraw")}
                  </ConfirmButton>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t("attendance:guests.none")}</p>
      )}
      {!closed && (
        <form onSubmit={invite} data-test-id="invite-guest">
          <Field label={t("attendance:guests.name")} errors={fieldErrors(errors, "name")}>
            {(props) => <input {...props} value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} autoComplete="off" />}
          </Field>
          <Field label={t("attendance:guests.email")} errors={fieldErrors(errors, "email")}>
            {(props) => (
              <input {...props} type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required maxLength={254} autoComplete="off" />
            )}
          </Field>
          <label class="check">
            <input type="checkbox" checked={wholeSeries} onChange={(e) => setWholeSeries(e.currentTarget.checked)} /> {t("attendance:guests.wholeSeries")}
          </label>
          <Button kind="primary" type="submit" busy={busy}>
            {t("attendance:guests.invite")}
          </Button>
        </form>
      )}
      <Errors errors={otherErrors(errors, ["name", "email"])} testId="guest-errors" />
    </Section>
  );
}
