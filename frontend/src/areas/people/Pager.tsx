import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Button } from "../../ui";

/** Previous / next through a list of `total` rows, `pageSize` a page. Nothing for one page. */
export function Pager({ page, pageSize, total, onPage, busy }: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  busy?: boolean;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={t("people:pager.label")}>
      <Button kind="ghost" disabled={busy || page === 0} onClick={() => onPage(page - 1)} testId="pager-previous">
        {t("ui.previous")}
      </Button>
      <span class="muted small" aria-live="polite">
        {t("ui.page", { page: fmt.number(page + 1), pages: fmt.number(pages) })}
      </span>
      <Button kind="ghost" disabled={busy || page >= pages - 1} onClick={() => onPage(page + 1)} testId="pager-next">
        {t("ui.next")}
      </Button>
    </nav>
  );
}
