import { useEffect, useState } from "preact/hooks";
import { request } from "../api/client";
import { EMAIL_CONFIRMATION, RESEND_EMAIL_CONFIRMATION } from "../api/operations";
import type { EmailConfirmation } from "../api/schema";
import { t } from "../i18n";

/** Until the school admin confirms their email address the school cannot reach Zoom: say so,
 * and let admins have the link sent again (the server rate-limits it). */
export function EmailBanner() {
  const [state, setState] = useState<EmailConfirmation | null>(null);
  const [said, setSaid] = useState<string | null>(null);

  useEffect(() => {
    request(EMAIL_CONFIRMATION)
      .then((data) => setState(data.emailConfirmation))
      .catch(() => setState(null)); // no banner rather than a broken page
  }, []);

  if (!state || state.confirmed) return null;
  const resend = async () => {
    try {
      const { resendEmailConfirmation: result } = await request(RESEND_EMAIL_CONFIRMATION);
      setSaid(result.ok ? t("email.sent") : result.errors.map((e) => e.message).join(" "));
    } catch (e: unknown) {
      setSaid(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div class="unconfirmed" role="status" data-test-id="email-unconfirmed">
      {state.canResend ? (
        <>
          <b>{t("email.confirmTitle")}</b> {t("email.confirmBody")}{" "}
          <button class="ghost" onClick={resend} data-test-id="email-resend">
            {t("email.resend")}
          </button>
        </>
      ) : (
        t("email.othersWait")
      )}
      {said && <span data-test-id="email-resend-result"> {said}</span>}
    </div>
  );
}
