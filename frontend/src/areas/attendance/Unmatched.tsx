// Participants for the teacher to resolve: nobody could tell who they are, or they are matched
// only by a name or email typed into Zoom (a claim). Confirm the suggested person, say it is
// not them, or name the student from the class list.
import { useEffect, useState } from "preact/hooks";
import { request } from "../../api/client";
import type { FieldError } from "../../api/schema";
import { useQuery } from "../../hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button, Errors, Section, thrownErrors } from "../../ui";
import { REJECT, RESOLVE, UNMATCHED } from "./documents";

interface Student {
  id: string;
  name: string;
}

const MATCHED_BY = ["email", "name", "remembered_email", "remembered_name", "rejected", "displaced", "empty"] as const;
type MatchedBy = (typeof MATCHED_BY)[number];

function why(matchedBy: string): string {
  return (MATCHED_BY as readonly string[]).includes(matchedBy)
    ? t(`attendance:unmatched.by.${matchedBy as MatchedBy}`)
    : t("attendance:unmatched.by.unknown");
}

export function Unmatched({ meetingId, students, version, onResolved }: {
  meetingId: string;
  students: Student[];
  version: number;
  onResolved: () => void;
}) {
  const { data, error, refetch } = useQuery(UNMATCHED, { id: meetingId }, meetingId);
  useEffect(() => {
    if (version) void refetch();
  }, [version]);
  const [picked, setPicked] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const rows = data?.unmatchedParticipants ?? [];

  const run = async (key: string, action: () => Promise<FieldError[]>) => {
    setBusy(key);
    setErrors([]);
    try {
      const failures = await action();
      setErrors(failures);
      if (!failures.length) {
        await refetch();
        onResolved();
      }
    } catch (e) {
      setErrors(thrownErrors(e));
    } finally {
      setBusy(null);
    }
  };
  const resolve = (key: string, userId: string) =>
    run(key, async () => (await request(RESOLVE, { meetingId, participantKey: key, userId })).resolveParticipant.errors);
  const reject = (key: string) => run(key, async () => (await request(REJECT, { meetingId, participantKey: key })).rejectParticipant.errors);

  return (
    <Section title={t("attendance:unmatched.title")} count={rows.length} testId="unmatched">
      {error && <Errors errors={thrownErrors(error)} />}
      {rows.length === 0 ? (
        <p class="muted" data-test-id="unmatched-none">
          {t("attendance:unmatched.none")}
        </p>
      ) : (
        <ul class="people">
          {[...rows]
            .sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key))
            .map((row) => {
              const choice = picked[row.key] ?? "";
              return (
                <li key={row.key} class="unmatched" data-test-id="unmatched-row" data-key={row.key}>
                  <div>
                    <strong>{row.name || t("attendance:room.unnamed")}</strong> {row.email && <span class="muted small">{row.email}</span>}
                    <p class="muted small">
                      {row.leftAt
                        ? t("attendance:timeline.span", { from: fmt.time(row.joinedAt), to: fmt.time(row.leftAt) })
                        : t("attendance:timeline.since", { from: fmt.time(row.joinedAt) })}
                      {" · "}
                      {row.suggested ? t("attendance:unmatched.claims", { name: row.suggested.name, how: why(row.matchedBy) }) : why(row.matchedBy)}
                    </p>
                  </div>
                  <div class="unmatched-actions">
                    {row.suggested && (
                      <>
                        <Button kind="small" busy={busy === row.key} onClick={() => resolve(row.key, row.suggested!.id)} testId="unmatched-confirm">
                          {t("attendance:unmatched.confirm", { name: row.suggested.name })}
                        </Button>
                        <Button kind="small" disabled={busy === row.key} onClick={() => reject(row.key)} testId="unmatched-reject">
                          {t("attendance:unmatched.reject")}
                        </Button>
                      </>
                    )}
                    <label class="inline">
                      <span class="sr-only">{t("attendance:unmatched.pick", { name: row.name })}</span>
                      <select value={choice} onChange={(e) => setPicked({ ...picked, [row.key]: e.currentTarget.value })} data-test-id="unmatched-pick">
                        <option value="">{t("attendance:unmatched.someoneElse")}</option>
                        {students.map((s) => (
                          <option key={s.id} value={s.id}>
                            {s.name}
                          </option>
                        ))}
                      </select>
                    </label>
                    <Button kind="small" disabled={!choice || busy === row.key} onClick={() => resolve(row.key, choice)} testId="unmatched-resolve">
                      {t("attendance:unmatched.resolve")}
                    </Button>
                  </div>
                </li>
              );
            })}
        </ul>
      )}
      <Errors errors={errors} testId="unmatched-errors" />
    </Section>
  );
}
