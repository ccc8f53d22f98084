// Invitations not yet accepted (admins): resend the mail (a new link), or revoke it.
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { PeoplePendingQuery } from "../../api/gql/graphql";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE } from "../../router";
import { Button, ConfirmButton, Empty, Errors, Loading, Notice, Page, RoleBadge, Section } from "../../ui";
import { useAction } from "./action";
import { PEOPLE_PENDING, PEOPLE_RESEND, PEOPLE_REVOKE } from "./api";
import { InviteForm } from "./Invite";
import { PAGE_SIZE } from "./People";
import { PeopleTabs } from "./PeopleTabs";
import { Pager } from "./Pager";

type Invitation = PeoplePendingQuery["pendingInvitations"]["items"][number];

export function PendingPage() {
  const [page, setPage] = useState(0);
  const [inviting, setInviting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const variables = { limit: PAGE_SIZE, offset: page * PAGE_SIZE };
  const { data, error, loading, refetch } = useQuery(PEOPLE_PENDING, variables, String(page));
  const done = (message: string) => {
    setNotice(message);
    void refetch();
  };
  const pending = data?.pendingInvitations;
  return (
    <Page
      title={t("people:pending.title")}
      testId="pending-page"
      actions={
        <Button kind="primary" onClick={() => setInviting(!inviting)} aria-expanded={inviting} testId="people-invite-open">
          {t("people:invite.open")}
        </Button>
      }
    >
      <PeopleTabs current={`${BASE}/people/invitations`} />
      {inviting && (
        <InviteForm
          onClose={() => setInviting(false)}
          onInvited={(email) => {
            setInviting(false);
            done(t("people:invite.sent", { email }));
          }}
        />
      )}
      {notice && <Notice kind="success" testId="people-notice">{notice}</Notice>}
      {error && <Notice kind="error">{t("ui.error", { message: error })}</Notice>}
      {loading && !pending && <Loading what={t("people:pending.loadingWhat")} />}
      {pending && (
        <Section title={t("people:pending.list")} count={pending.totalCount} testId="pending-list">
          {pending.items.length === 0 ? (
            <Empty title={t("people:pending.empty")}>{t("people:pending.emptyHint")}</Empty>
          ) : (
            <ul class="rows">
              {pending.items.map((invitation) => (
                <InvitationRow key={invitation.id} invitation={invitation} onDone={done} />
              ))}
            </ul>
          )}
          <Pager page={page} pageSize={PAGE_SIZE} total={pending.totalCount} onPage={setPage} busy={loading} />
        </Section>
      )}
    </Page>
  );
}

function InvitationRow({ invitation, onDone }: { invitation: Invitation; onDone: (message: string) => void }) {
  const action = useAction();
  const { person } = invitation;
  const resend = () =>
    action.run(async () => {
      const { resendInvitation } = await request(PEOPLE_RESEND, { id: invitation.id });
      if (!resendInvitation.errors.length) onDone(t("people:pending.resent", { email: person.email }));
      return resendInvitation.errors;
    });
  const revoke = () =>
    action.run(async () => {
      const { revokeInvitation } = await request(PEOPLE_REVOKE, { id: invitation.id });
      if (!revokeInvitation.errors.length) onDone(t("people:pending.revoked", { email: person.email }));
      return revokeInvitation.errors;
    });
  return (
    <li class="row person-row" data-test-id="invitation-row" data-email={person.email}>
      <div class="row-main">
        <span class="person-line">
          <strong>{person.name}</strong> <RoleBadge role={invitation.role} />
          {invitation.expired && <span class="badge badge-warn">{t("people:pending.expired")}</span>}
        </span>
        <span class="muted">{person.email}</span>
        <span class="muted small">
          {t("people:pending.invited", { when: fmt.date(invitation.createdAt), by: invitation.invitedBy?.name ?? t("people:pending.platform") })}
          {" · "}
          {invitation.sentCount
            ? t("people:pending.sent", { n: fmt.number(invitation.sentCount), when: fmt.relative(invitation.lastSentAt) })
            : t("people:pending.notSent")}
          {" · "}
          {t(invitation.expired ? "people:pending.expiredOn" : "people:pending.expires", { when: fmt.date(invitation.expiresAt) })}
        </span>
        <Errors errors={action.errors} />
      </div>
      <div class="row-actions">
        <Button kind="small" busy={action.busy} onClick={() => void resend()} testId="invitation-resend">
          {t("people:pending.resend")}
        </Button>
        <ConfirmButton
          kind="small"
          title={t("people:pending.revokeTitle", { email: person.email })}
          body={<p>{t("people:pending.revokeBody")}</p>}
          confirmLabel={t("people:pending.revoke")}
          onConfirm={revoke}
          busy={action.busy}
          testId="invitation-revoke"
        >
          {t("people:pending.revoke")}
        </ConfirmButton>
      </div>
    </li>
  );
}
