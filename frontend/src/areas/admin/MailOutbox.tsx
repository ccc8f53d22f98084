// The school's outbox (admins): what was sent, what waits for another try, what failed and
// why; a failed mail can be sent again.
import { useState } from "preact/hooks";
import { graphql } from "../../api/gql";
import type { MailStatus } from "../../api/gql/graphql";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { useMutation, useQuery } from "../../hooks";
import { Button, Empty, Loading, Notice, Page, Section, SortableTable, type Column } from "../../ui";

const PAGE = 50;
const FILTERS: (MailStatus | "ALL")[] = ["ALL", "FAILED", "QUEUED", "SENDING", "SENT"];

const OUTBOX = graphql(`
  query AdminMailOutbox($status: MailStatus, $limit: Int!, $offset: Int!) {
    mailOutbox(status: $status, limit: $limit, offset: $offset) {
      totalCount
      items {
        id
        to
        subject
        template
        status
        attempts
        lastError
        queuedAt
        nextAttemptAt
        sentAt
        failedAt
      }
    }
  }
`);

const RETRY = graphql(`
  mutation AdminMailRetry($id: ID!) {
    mailRetry(id: $id) {
      mail {
        id
        status
      }
      errors {
        field
        message
        code
      }
    }
  }
`);

interface Mail {
  id: string;
  to: string;
  subject: string;
  template: string;
  status: MailStatus;
  attempts: number;
  lastError: string;
  queuedAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  failedAt: string | null;
}

export function MailOutbox() {
  const [status, setStatus] = useState<MailStatus | "ALL">("ALL");
  const [page, setPage] = useState(0);
  const vars = { status: status === "ALL" ? null : status, limit: PAGE, offset: page * PAGE };
  const { data, error, loading, refetch } = useQuery(OUTBOX, vars, `${status}:${page}`);
  const retry = useMutation(RETRY);
  const [retrying, setRetrying] = useState<string | null>(null);
  const [said, setSaid] = useState<{ kind: "success" | "error"; text: string } | null>(null);

  const doRetry = async (mail: Mail) => {
    setRetrying(mail.id);
    setSaid(null);
    try {
      const { mailRetry: payload } = await retry.run({ id: mail.id });
      setSaid(
        payload.errors.length
          ? { kind: "error", text: payload.errors.map((e) => e.message).join(" ") }
          : { kind: "success", text: t("admin:mail.retried", { to: mail.to }) },
      );
      await refetch();
    } catch (e) {
      setSaid({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    } finally {
      setRetrying(null);
    }
  };

  const when = (m: Mail) =>
    m.status === "SENT" ? m.sentAt : m.status === "FAILED" ? m.failedAt : (m.nextAttemptAt ?? m.queuedAt);

  const columns: Column<Mail>[] = [
    {
      key: "to",
      label: t("admin:mail.to"),
      sort: (m) => m.to,
      render: (m) => (
        <div class="cell-stack">
          <strong class="wrap-text">{m.to}</strong>
          <span class="muted small wrap-text">{m.subject}</span>
        </div>
      ),
    },
    {
      key: "status",
      label: t("admin:mail.status"),
      sort: (m) => m.status,
      render: (m) => (
        <span class={`badge mail-${m.status.toLowerCase()}`} data-test-id="mail-status">
          {t(`admin:mail.statuses.${m.status}`)}
        </span>
      ),
    },
    { key: "attempts", label: t("admin:mail.attempts"), numeric: true, sort: (m) => m.attempts, render: (m) => fmt.number(m.attempts) },
    { key: "when", label: t("admin:mail.when"), sort: (m) => when(m) ?? "", render: (m) => fmt.dateTime(when(m)) },
    {
      key: "error",
      label: t("admin:mail.lastError"),
      render: (m) => (m.lastError ? <span class="wrap-text" data-test-id="mail-error">{m.lastError}</span> : "—"),
    },
    {
      key: "actions",
      label: t("admin:mail.actions"),
      render: (m) =>
        m.status === "FAILED" ? (
          <Button kind="small" busy={retrying === m.id} onClick={() => doRetry(m)} testId="mail-retry">
            {t("admin:mail.retry")}
          </Button>
        ) : null,
    },
  ];

  const total = data?.mailOutbox.totalCount ?? 0;
  return (
    <Page title={t("admin:mail.title")} testId="admin-mail">
      <div class="adm">
      <p class="muted">{t("admin:mail.intro")}</p>
      <div class="filter-chips" role="group" aria-label={t("admin:mail.filterLabel")}>
        {FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            class={f === status ? "chip active" : "chip"}
            aria-pressed={f === status}
            onClick={() => {
              setStatus(f);
              setPage(0);
            }}
            data-test-id={`mail-filter-${f}`}
          >
            {f === "ALL" ? t("admin:mail.all") : t(`admin:mail.statuses.${f}`)}
          </button>
        ))}
      </div>
      {said && <Notice kind={said.kind} testId="mail-said">{said.text}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading what={t("admin:mail.loading")} />}
      {data && (
        <Section title={t("admin:mail.listTitle")} count={total} testId="mail-outbox">
          {data.mailOutbox.items.length ? (
            <SortableTable columns={columns} rows={data.mailOutbox.items} rowKey={(m) => m.id} testId="mail-table" rowTestId="mail-row" />
          ) : (
            <Empty title={status === "FAILED" ? t("admin:mail.noFailed") : t("admin:mail.empty")} testId="mail-empty">
              {t("admin:mail.emptyBody")}
            </Empty>
          )}
          {total > PAGE && (
            <div class="pager">
              <Button kind="small" disabled={page === 0} onClick={() => setPage(page - 1)}>
                {t("common:ui.previous")}
              </Button>
              <span class="muted small">{t("common:ui.page", { page: fmt.number(page + 1), pages: fmt.number(Math.ceil(total / PAGE)) })}</span>
              <Button kind="small" disabled={(page + 1) * PAGE >= total} onClick={() => setPage(page + 1)}>
                {t("common:ui.next")}
              </Button>
            </div>
          )}
        </Section>
      )}
      </div>
    </Page>
  );
}
