// Teachers' own Zoom connections (admins): who is connected, who must reconnect and why, and
// revoking one (asked first).
import { useState } from "preact/hooks";
import { graphql } from "../../../api/gql";
import type { ZoomConnectionStatus } from "../../../api/gql/graphql";
import { t } from "../../../i18n";
import { fmt } from "../../../i18n/format";
import { useMutation, useQuery } from "../../../hooks";
import { Button, ConfirmButton, Empty, Link, Loading, Notice, Section, SortableTable, type Column } from "../../../ui";

const PAGE = 50;

const CONNECTIONS = graphql(`
  query AdminZoomConnections($limit: Int!, $offset: Int!) {
    zoomConnections(limit: $limit, offset: $offset) {
      totalCount
      items {
        person {
          id
          name
          email
        }
        active
        status
        zoomEmail
        connectedAt
        refreshedAt
        lastError
      }
    }
  }
`);

const REVOKE = graphql(`
  mutation AdminRevokeZoomConnection($userId: ID!) {
    revokeZoomConnection(userId: $userId) {
      ok
      errors {
        field
        message
        code
      }
    }
  }
`);

interface Row {
  person: { id: string; name: string; email: string };
  active: boolean;
  status: ZoomConnectionStatus;
  zoomEmail: string;
  connectedAt: string | null;
  refreshedAt: string | null;
  lastError: string;
}

function StatusLabel({ row }: { row: Row }) {
  const key = !row.active && row.status === "NONE" ? "PENDING" : row.status;
  return (
    <span class={`badge zoom-${key.toLowerCase()}`} data-test-id="zoom-connection-status" data-status={row.status}>
      {t(`admin:connections.status.${key}`)}
    </span>
  );
}

export function ZoomConnectionsTab() {
  const [page, setPage] = useState(0);
  const { data, error, loading, refetch } = useQuery(CONNECTIONS, { limit: PAGE, offset: page * PAGE }, String(page));
  const revoke = useMutation(REVOKE);
  const [said, setSaid] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  if (error) return <Notice kind="error">{error}</Notice>;
  if (loading && !data) return <Loading what={t("admin:connections.loading")} />;
  if (!data) return <></>;
  const { items, totalCount } = data.zoomConnections;

  const doRevoke = async (row: Row) => {
    setSaid(null);
    setBusyId(row.person.id);
    try {
      const { revokeZoomConnection: payload } = await revoke.run({ userId: row.person.id });
      setSaid(
        payload.ok
          ? { kind: "success", text: t("admin:connections.revoked", { name: row.person.name }) }
          : { kind: "error", text: payload.errors.map((e) => e.message).join(" ") },
      );
      await refetch();
    } catch (e) {
      setSaid({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusyId(null);
    }
  };

  const columns: Column<Row>[] = [
    {
      key: "name",
      label: t("admin:connections.teacher"),
      sort: (r) => r.person.name,
      render: (r) => (
        <div class="cell-stack">
          <strong>{r.person.name}</strong>
          <span class="muted small">{r.person.email}</span>
        </div>
      ),
    },
    { key: "status", label: t("admin:connections.statusColumn"), sort: (r) => r.status, render: (r) => <StatusLabel row={r} /> },
    { key: "zoom", label: t("admin:connections.zoomAccount"), sort: (r) => r.zoomEmail, render: (r) => r.zoomEmail || "—" },
    {
      key: "since",
      label: t("admin:connections.since"),
      sort: (r) => r.connectedAt ?? "",
      render: (r) => (r.connectedAt ? fmt.date(r.connectedAt) : "—"),
    },
    {
      key: "error",
      label: t("admin:connections.lastError"),
      render: (r) => (r.lastError ? <span class="wrap-text" data-test-id="zoom-connection-error">{r.lastError}</span> : "—"),
    },
    {
      key: "actions",
      label: t("admin:connections.actions"),
      render: (r) =>
        r.status === "ACTIVE" || r.status === "NEEDS_RECONNECT" ? (
          <ConfirmButton
            kind="danger"
            title={t("admin:connections.revokeTitle", { name: r.person.name })}
            body={t("admin:connections.revokeBody")}
            confirmLabel={t("admin:connections.revoke")}
            busy={busyId === r.person.id}
            onConfirm={() => doRevoke(r)}
            testId="zoom-connection-revoke"
          >
            {t("admin:connections.revoke")}
          </ConfirmButton>
        ) : null,
    },
  ];

  return (
    <Section title={t("admin:connections.title")} count={totalCount} testId="zoom-connections">
      <p class="muted">{t("admin:connections.explain")}</p>
      {said && <Notice kind={said.kind} testId="zoom-connection-said">{said.text}</Notice>}
      {items.length ? (
        <SortableTable columns={columns} rows={items} rowKey={(r) => r.person.id} initialSort={{ key: "name" }} testId="zoom-connections-table" rowTestId="zoom-connection" />
      ) : (
        <Empty title={t("admin:connections.emptyTitle")} testId="zoom-connections-empty">
          {t("admin:connections.emptyBody")} <Link href="/app/people">{t("admin:connections.emptyAction")}</Link>
        </Empty>
      )}
      {totalCount > PAGE && (
        <div class="pager">
          <Button kind="small" disabled={page === 0} onClick={() => setPage(page - 1)}>
            {t("common:ui.previous")}
          </Button>
          <span class="muted small">{t("common:ui.page", { page: fmt.number(page + 1), pages: fmt.number(Math.ceil(totalCount / PAGE)) })}</span>
          <Button kind="small" disabled={(page + 1) * PAGE >= totalCount} onClick={() => setPage(page + 1)}>
            {t("common:ui.next")}
          </Button>
        </div>
      )}
    </Section>
  );
}
