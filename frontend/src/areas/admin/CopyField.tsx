// A value to paste somewhere else (into Zoom): shown whole (it wraps on a narrow screen),
// selectable, with a copy button that says when it copied.
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
      <span class="copy-label" id={id}>
        {label}
      </span>
      <div class="copy-row">
        <code class="copy-value" id={`${id}-value`} data-test-id={testId}>
          {value}
        </code>
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
