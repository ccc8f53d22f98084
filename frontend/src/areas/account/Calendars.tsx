// The profile's "Calendars" section (#calendars): connect Google Calendar or Outlook (the
// provider's consent screen, then back here with ?calendar=connected|error), and for each
// connection its account, status, last sync, events, a running sync's progress, "Sync now",
// Reconnect and Disconnect (asked first: the events it wrote are removed from that calendar).
// Re-read every 2 s only while a sync or a disconnect runs.
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { AccountMyCalendarsQuery, CalendarProviderName } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, ConfirmButton, Errors, Loading, Notice, ProgressBar, Section, thrownErrors } from "../../ui";
import { needsPolling, POLL_MS, providerRows, returnNotice, syncProgress, withoutReturn, type ReturnNotice } from "./calendars";
import { ACCOUNT_CONNECT_CALENDAR, ACCOUNT_DISCONNECT_CALENDAR, ACCOUNT_MY_CALENDARS, ACCOUNT_SYNC_CALENDAR } from "./documents";

type Connection = AccountMyCalendarsQuery["myCalendars"]["connections"][number];

const testName = (provider: CalendarProviderName) => provider.toLowerCase();

function providerName(provider: CalendarProviderName): string {
  return provider === "GOOGLE" ? t("account:calendars.google") : t("account:calendars.microsoft");
}

function ReturnMessage({ notice }: { notice: ReturnNotice }) {
  if (notice.kind === "connected") {
    return (
      <Notice kind="success" testId="calendar-return">
        {t("account:calendars.return.connected")}
      </Notice>
    );
  }
  return (
    <Notice kind="error" testId="calendar-return">
      {t(`account:calendars.return.${notice.reason}`)}
    </Notice>
  );
}

function ConnectionCard({ connection, available, busy, locked, onConnect, onSync, onDisconnect }: {
  connection: Connection;
  available: boolean;
  /** what this connection is doing */
  busy: "connect" | "sync" | "disconnect" | null;
  /** another action of the section is running */
  locked: boolean;
  onConnect: () => void;
  onSync: () => void;
  onDisconnect: () => void;
}) {
  const name = providerName(connection.provider);
  const progress = syncProgress(connection);
  const disconnecting = connection.status === "DISCONNECTING";
  return (
    <div class="calendar-connection" data-test-id={`calendar-connection-${testName(connection.provider)}`} data-status={connection.status}>
      <div class="calendar-connection-head">
        <strong>{name}</strong>
        <span class={`badge calendar-status-${connection.status.toLowerCase()}`} data-test-id="calendar-status">
          {t(`account:calendars.status.${connection.status}`)}
        </span>
      </div>
      <p data-test-id="calendar-account">{t("account:calendars.account", { email: connection.accountEmail })}</p>
      <p class="muted small" data-test-id="calendar-facts">
        {connection.lastSyncAt ? t("account:calendars.lastSync", { when: fmt.dateTime(connection.lastSyncAt) }) : t("account:calendars.neverSynced")}
        {" · "}
        {t("account:calendars.events", { count: connection.eventCount, n: fmt.number(connection.eventCount) })}
      </p>
      {progress && (
        <ProgressBar value={progress.value} max={progress.max} label={t("account:calendars.syncing")} testId="calendar-sync-progress" />
      )}
      {disconnecting && (
        <ProgressBar label={t("account:calendars.disconnecting", { calendar: name })} testId="calendar-disconnect-progress" />
      )}
      {connection.status === "NEEDS_RECONNECT" && (
        <Notice kind="warning" testId="calendar-needs-reconnect">
          {available ? t("account:calendars.needsReconnect", { calendar: name }) : t("account:calendars.needsReconnectOff", { calendar: name })}
        </Notice>
      )}
      {/* needing reconnecting, the notice above says what the last error would */}
      {connection.lastError && connection.status !== "NEEDS_RECONNECT" && (
        <p class="small calendar-error" data-test-id="calendar-last-error">
          {t("account:calendars.lastError", { error: connection.lastError })}
        </p>
      )}
      {!disconnecting && (
        <div class="actions">
          {connection.status === "NEEDS_RECONNECT" && available && (
            <Button kind="primary" busy={busy === "connect"} disabled={locked} onClick={onConnect} testId="calendar-reconnect">
              {t("account:calendars.reconnect")}
            </Button>
          )}
          {connection.status === "ACTIVE" && (
            <Button busy={busy === "sync"} disabled={locked || connection.syncing} onClick={onSync} testId="calendar-sync">
              {t("account:calendars.syncNow")}
            </Button>
          )}
          <ConfirmButton
            kind="small"
            busy={busy === "disconnect"}
            disabled={locked}
            title={t("account:calendars.disconnectTitle", { calendar: name })}
            body={<p>{t("account:calendars.disconnectBody", { calendar: name })}</p>}
            confirmLabel={t("account:calendars.disconnect")}
            onConfirm={onDisconnect}
            testId="calendar-disconnect"
          >
            {t("account:calendars.disconnect")}
          </ConfirmButton>
        </div>
      )}
    </div>
  );
}

export function CalendarsSection() {
  const calendars = useQuery(ACCOUNT_MY_CALENDARS, undefined);
  const [data, setData] = useState<AccountMyCalendarsQuery["myCalendars"] | null>(null);
  const [busy, setBusy] = useState<{ provider: CalendarProviderName; what: "connect" | "sync" | "disconnect" } | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [disconnected, setDisconnected] = useState<CalendarProviderName | null>(null);
  // the provider's answer arrives once in the address: shown, then taken off it
  const [notice] = useState(() => returnNotice(new URLSearchParams(window.location.search)));
  useEffect(() => {
    if (!notice) return;
    const { pathname, search, hash } = window.location;
    window.history.replaceState(null, "", `${pathname}${withoutReturn(new URLSearchParams(search))}${hash}`);
  }, []);
  useEffect(() => {
    if (!calendars.data) return;
    const next = calendars.data.myCalendars;
    // a calendar whose events were being removed is gone: say so
    const gone = data?.connections.find((c) => c.status === "DISCONNECTING" && !next.connections.some((n) => n.provider === c.provider));
    if (gone) setDisconnected(gone.provider);
    setData(next);
  }, [calendars.data]);
  // back from the provider the page opens at #calendars: bring the section into view once it has drawn
  const loaded = data !== null;
  useEffect(() => {
    if (loaded && window.location.hash === "#calendars") document.getElementById("calendars")?.scrollIntoView();
  }, [loaded]);

  // re-read while a sync or a disconnect runs; stop as soon as nothing does
  const polling = data ? needsPolling(data.connections) : false;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setTimeout(() => void calendars.refetch(), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [polling, data]);

  const act = async (provider: CalendarProviderName, what: "connect" | "sync" | "disconnect") => {
    setBusy({ provider, what });
    setErrors([]);
    setDisconnected(null);
    try {
      if (what === "connect") {
        const { connectCalendar } = await request(ACCOUNT_CONNECT_CALENDAR, { provider });
        if (connectCalendar.authorizeUrl) {
          window.location.assign(connectCalendar.authorizeUrl);
          return; // leaving for the provider: stay busy
        }
        setErrors(connectCalendar.errors);
      } else {
        const answer =
          what === "sync"
            ? (await request(ACCOUNT_SYNC_CALENDAR, { provider })).syncCalendar
            : (await request(ACCOUNT_DISCONNECT_CALENDAR, { provider })).disconnectCalendar;
        setErrors(answer.errors);
        if (!answer.errors.length && data) {
          const others = data.connections.filter((c) => c.provider !== provider);
          setData({ ...data, connections: answer.connection ? [...others, answer.connection] : others });
          if (what === "disconnect" && !answer.connection) setDisconnected(provider);
        }
      }
    } catch (e) {
      setErrors(thrownErrors(e));
    }
    setBusy(null);
  };

  const rows = data ? providerRows(data.providers, data.connections) : [];
  return (
    <Section title={t("account:calendars.title")} testId="profile-calendars">
      <div id="calendars" data-test-id="calendars" data-polling={polling ? "yes" : "no"}>
        <p class="hint">{t("account:calendars.intro")}</p>
        {notice && <ReturnMessage notice={notice} />}
        {disconnected && (
          <Notice kind="success" testId="calendar-disconnected">
            {t("account:calendars.disconnected", { calendar: providerName(disconnected) })}
          </Notice>
        )}
        {calendars.error && !data ? (
          <Notice kind="error">{calendars.error}</Notice>
        ) : !data ? (
          <Loading />
        ) : (
          <div class="calendar-rows">
            {rows.map((row) =>
              row.connection ? (
                <ConnectionCard
                  key={row.provider}
                  connection={row.connection}
                  available={row.available}
                  busy={busy?.provider === row.provider ? busy.what : null}
                  locked={busy !== null}
                  onConnect={() => void act(row.provider, "connect")}
                  onSync={() => void act(row.provider, "sync")}
                  onDisconnect={() => void act(row.provider, "disconnect")}
                />
              ) : row.available ? (
                <div key={row.provider} class="calendar-connection" data-test-id={`calendar-offer-${testName(row.provider)}`}>
                  <Button
                    kind="primary"
                    busy={busy?.provider === row.provider}
                    disabled={busy !== null}
                    onClick={() => void act(row.provider, "connect")}
                    testId={`calendar-connect-${testName(row.provider)}`}
                  >
                    {row.provider === "GOOGLE" ? t("account:calendars.connectGoogle") : t("account:calendars.connectMicrosoft")}
                  </Button>
                  <p class="hint">{t("account:calendars.connectHint", { calendar: providerName(row.provider) })}</p>
                </div>
              ) : (
                <p key={row.provider} class="muted small" data-test-id={`calendar-unavailable-${testName(row.provider)}`}>
                  {t("account:calendars.unavailable", { calendar: providerName(row.provider) })}
                </p>
              ),
            )}
          </div>
        )}
        <Errors errors={errors} testId="calendar-errors" />
      </div>
    </Section>
  );
}
