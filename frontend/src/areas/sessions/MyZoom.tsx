// The teacher's own Zoom: connect (Zoom's consent screen, then back here), its status, and
// disconnect (asked first). Students and parents never see it (the route and menu are for
// teachers and admins only).
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import { graphql } from "../../api/gql";
import type { FieldError } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { BASE, Link, useLocation } from "../../router";
import { Button, ConfirmButton, Errors, Loading, Notice, Page, Section, thrownErrors } from "../../ui";

const ZOOM = graphql(`
  query SessionsMyZoom {
    myZoomConnection { status zoomEmail expiresAt lastError }
    zoomConnectReady
    me { role }
  }
`);

const CONNECT = graphql(`
  mutation SessionsConnectZoom($returnTo: String!) {
    connectZoom(returnTo: $returnTo) {
      authorizeUrl
      errors { field message code }
    }
  }
`);

const DISCONNECT = graphql(`
  mutation SessionsDisconnectZoom {
    disconnectZoom { ok errors { field message code } }
  }
`);

const OUTCOMES = ["connected", "disconnected", "denied", "expired", "failed"] as const;
type Outcome = (typeof OUTCOMES)[number];

export function MyZoom() {
  const { data, error, loading, refetch } = useQuery(ZOOM, undefined);
  const { search } = useLocation();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState<"connect" | "disconnect" | null>(null);
  const [disconnected, setDisconnected] = useState(false);
  // Zoom's answer arrives once in the address (?zoom=…): shown, then taken off the address so
  // that a reload does not repeat it.
  const [outcome] = useState(() => OUTCOMES.find((o) => o === search.get("zoom")) as Outcome | undefined);
  useEffect(() => {
    if (outcome) window.history.replaceState(null, "", `${BASE}/my-zoom`);
  }, []);

  const connect = async () => {
    setBusy("connect");
    setErrors([]);
    try {
      const { connectZoom } = await request(CONNECT, { returnTo: `${BASE}/my-zoom` });
      if (connectZoom.authorizeUrl) {
        window.location.assign(connectZoom.authorizeUrl);
        return; // leaving for Zoom: stay busy
      }
      setErrors(connectZoom.errors);
    } catch (e) {
      setErrors(thrownErrors(e));
    }
    setBusy(null);
  };
  const disconnect = async () => {
    setBusy("disconnect");
    setErrors([]);
    try {
      const { disconnectZoom } = await request(DISCONNECT, undefined);
      setErrors(disconnectZoom.errors);
      if (disconnectZoom.ok) setDisconnected(true);
      await refetch();
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };

  const connection = data?.myZoomConnection ?? null;
  const status = connection?.status ?? "none";
  return (
    <Page title={t("sessions:zoom.title")} testId="my-zoom-page" narrow>
      {outcome && !disconnected && (
        <Notice kind={outcome === "connected" || outcome === "disconnected" ? "success" : "error"} testId="zoom-outcome">
          {t(`sessions:zoom.outcome.${outcome}`)}
        </Notice>
      )}
      {disconnected && <Notice kind="success" testId="zoom-disconnected">{t("sessions:zoom.disconnected")}</Notice>}
      {error && !data && <Notice kind="error">{error}</Notice>}
      {loading && !data && <Loading />}
      {data && (
        <Section testId="zoom-status" title={t(`sessions:zoom.status.${status as "none"}`)}>
          {status === "active" && connection ? (
            <>
              <p data-test-id="zoom-email">{t("sessions:zoom.connectedAs", { email: connection.zoomEmail })}</p>
              <p class="muted small">{t("sessions:zoom.whatItDoes")}</p>
              <ConfirmButton
                title={t("sessions:zoom.disconnectTitle")}
                body={<p>{t("sessions:zoom.disconnectBody")}</p>}
                confirmLabel={t("sessions:zoom.disconnect")}
                onConfirm={disconnect}
                busy={busy === "disconnect"}
                testId="zoom-disconnect"
              >
                {t("sessions:zoom.disconnect")}
              </ConfirmButton>
            </>
          ) : (
            <>
              <p>{status === "needs_reconnect" ? t("sessions:zoom.needsReconnect") : t("sessions:zoom.notConnected")}</p>
              {connection?.lastError && (
                <p class="muted small" data-test-id="zoom-last-error">
                  {t("sessions:zoom.lastError", { error: connection.lastError })}
                </p>
              )}
              {connection?.expiresAt && status === "needs_reconnect" && (
                <p class="muted small">{t("sessions:zoom.since", { when: fmt.dateTime(connection.expiresAt) })}</p>
              )}
              {data.zoomConnectReady ? (
                <>
                  <Button kind="primary" busy={busy === "connect"} onClick={connect} testId="zoom-connect">
                    {status === "needs_reconnect" ? t("sessions:zoom.reconnect") : t("sessions:zoom.connect")}
                  </Button>
                  <p class="muted small">{t("sessions:zoom.connectHint")}</p>
                </>
              ) : data.me?.role === "ADMIN" ? (
                <Notice kind="warning" testId="zoom-not-ready">
                  {t("sessions:zoom.notReadyAdmin")}{" "}
                  <Link href={`${BASE}/settings/zoom`}>{t("sessions:zoom.setUp")}</Link>
                </Notice>
              ) : (
                <Notice kind="warning" testId="zoom-not-ready">
                  {t("sessions:zoom.notReadyTeacher")}
                </Notice>
              )}
            </>
          )}
          <Errors errors={errors} testId="zoom-errors" />
        </Section>
      )}
    </Page>
  );
}
