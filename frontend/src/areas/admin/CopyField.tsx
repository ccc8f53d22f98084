// A value to paste somewhere else (into Zoom): shown whole, selectable, with a copy button that
// says when it copied.
import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { Button } from "../../ui";

let copyIds = 0;

export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const [id] = useState(() => `copy-${++copyIds}`);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("no"); // no clipboard (plain http, or refused): the text is selectable
    }
  };
  return (
    <div class="copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          id={id}
          readOnly
          value={value}
          data-test-id={testId}
          onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
        />
        <Button kind="small" onClick={copy} aria-label={t("admin:copy.copyWhat", { what: label })}>
          {t("admin:copy.copy")}
        </Button>
      </div>
      {copied && (
        <span class="muted small" role="status">
          {copied === "yes" ? t("admin:copy.copied") : t("admin:copy.failed")}
        </span>
      )}
    </div>
  );
}
