// A session's summary and its action items (who said it, when: a link to that moment of the
// transcript), how it was written (picked from the transcript, or by the school's model), and
// for those who manage the session "Write again".
import { useState } from "preact/hooks";
import { request } from "../../api/client";
import type { RecordingsSessionQuery } from "../../api/gql/graphql";
import type { FieldError } from "../../api/schema";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, Errors, Notice, Section, thrownErrors } from "../../ui";
import { REWRITE } from "./documents";
import { timeHash } from "./transcript";

type Summary = NonNullable<RecordingsSessionQuery["sessionSummary"]>;
type TranscriptStatus = NonNullable<RecordingsSessionQuery["sessionTranscript"]>["status"] | null;

function Rewrite({ meetingId, createdAt }: { meetingId: string; createdAt: string | null }) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  // the summary's time when it was asked for: a newer one has arrived once they differ
  const [askedOver, setAskedOver] = useState<string | null | undefined>(undefined);
  // the new one is written in the background: the page hears when it is (SUMMARY) and reads it
  const rewrite = async () => {
    setBusy(true);
    setErrors([]);
    try {
      const { rewriteSummary } = await request(REWRITE, { meetingId });
      setErrors(rewriteSummary.errors);
      if (rewriteSummary.ok) {
        setAskedOver(createdAt);
      }
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="summary-rewrite">
      <Button kind="small" busy={busy} onClick={rewrite} testId="summary-rewrite">
        {createdAt ? t("recordings:summary.rewrite") : t("recordings:summary.write")}
      </Button>
      {askedOver !== undefined && (
        <Notice kind={askedOver === createdAt ? "info" : "success"} testId="summary-rewrite-notice">
          {askedOver === createdAt ? t("recordings:summary.rewriting") : t("recordings:summary.rewritten")}
        </Notice>
      )}
      <Errors errors={errors} testId="summary-errors" />
    </div>
  );
}

export function SummarySection({ meetingId, summary, transcriptStatus, canManage }: {
  meetingId: string;
  summary: Summary | null;
  transcriptStatus: TranscriptStatus;
  canManage: boolean;
}) {
  const rewrite = canManage && transcriptStatus === "ready" && <Rewrite meetingId={meetingId} createdAt={summary?.createdAt ?? null} />;
  if (!summary) {
    return (
      <Section title={t("recordings:summary.title")} testId="summary" actions={rewrite}>
        <p class="muted" data-test-id="summary-none">
          {transcriptStatus === "ready" ? t("recordings:summary.writing") : t("recordings:summary.afterTranscript")}
        </p>
      </Section>
    );
  }
  // the local summariser writes one picked sentence a line
  const paragraphs = summary.text.split(/\n+/).map((p) => p.trim()).filter(Boolean);
  return (
    <Section title={t("recordings:summary.title")} testId="summary" actions={rewrite}>
      <p class="muted small" data-test-id="summary-method" data-method={summary.method}>
        {summary.method === "remote"
          ? t("recordings:summary.byModel", { model: summary.model || t("recordings:summary.unnamedModel") })
          : t("recordings:summary.fromTranscript")}
        {" · "}
        {t("recordings:summary.writtenAt", { when: fmt.dateTime(summary.createdAt) })}
      </p>
      {summary.fallbackReason && (
        <p class="muted small" data-test-id="summary-fallback">
          {t("recordings:summary.fellBack", { reason: summary.fallbackReason })}
        </p>
      )}
      <div class="summary-text" data-test-id="summary-text">
        {paragraphs.map((p, i) => (
          <p key={i}>{p}</p>
        ))}
      </div>
      <h3>{t("recordings:summary.actions")}</h3>
      {summary.actionItems.length ? (
        <ul class="action-items" data-test-id="action-items">
          {summary.actionItems.map((item, i) => (
            <li key={i} data-test-id="action-item">
              <span>{item.text}</span>{" "}
              <span class="muted small">
                {item.speaker && t("recordings:summary.saidBy", { speaker: item.speaker })}
                {item.speaker && item.startMs !== null && " · "}
                {item.startMs !== null && (
                  <a href={timeHash(item.startMs)} class="cue-time" data-test-id="action-item-time">
                    {fmt.clock(item.startMs / 1000)}
                  </a>
                )}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted" data-test-id="action-items-none">
          {t("recordings:summary.noActions")}
        </p>
      )}
    </Section>
  );
}
