// The join/leave timeline: each person a row, each of their segments a floating horizontal bar
// on the class's time axis (Chart.js, loaded when first shown), times in the viewer's zone.
// The same data is offered as a list, for screen readers and small screens.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import { fmt } from "../../i18n/format";
import { Empty, Section } from "../../ui";
import type { Session } from "./Register";
import { ticks, timelineGeometry } from "./timeline";

type ChartModule = typeof import("chart.js");
let chartModule: Promise<ChartModule> | null = null;

function loadChart(): Promise<ChartModule> {
  chartModule ??= import("chart.js").then((m) => {
    m.Chart.register(m.BarController, m.BarElement, m.CategoryScale, m.LinearScale, m.Tooltip);
    // The page's fonts (Noto Sans Bengali among them): a canvas has no fallback of its own, and
    // Chart.js's default family draws Bengali names and digits as empty boxes.
    m.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    return m;
  });
  return chartModule;
}

const COLOURS: Record<string, string> = {
  STUDENT: "#1f8a4c",
  TEACHER: "#2456d6",
  HOST: "#6d3fc9",
  GUEST: "#b86e00",
};

/** Minutes ticking while the class runs, so that open bars grow. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, [running]);
  return now;
}

export function TimelineChart({ session, running }: { session: Session; running: boolean }) {
  const now = useNow(running);
  const geometry = useMemo(
    () => timelineGeometry({ windowStart: session.windowStart, windowEnd: session.windowEnd, rows: session.timeline }, { now, running }),
    [session, now, running],
  );
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!canvas.current || !geometry.rows.length) return;
    let chart: import("chart.js").Chart<"bar", { x: [number, number]; y: string }[]> | null = null;
    let cancelled = false;
    const names = new Map(geometry.rows.map((r) => [r.key, r.name]));
    const roles = new Map(geometry.rows.map((r) => [r.key, r.role]));
    const tickValues = ticks(geometry.min, geometry.max, (canvas.current.parentElement?.clientWidth ?? 0) < 500 ? 4 : 8);
    loadChart()
      .then(({ Chart }) => {
        if (cancelled || !canvas.current) return;
        chart = new Chart(canvas.current, {
          type: "bar",
          data: {
            labels: geometry.rows.map((r) => r.key),
            datasets: [
              {
                label: t("attendance:timeline.title"),
                data: geometry.bars.map((b) => ({ x: [b.from, b.to] as [number, number], y: b.row })),
                backgroundColor: geometry.bars.map((b) => (COLOURS[roles.get(b.row) ?? ""] ?? "#5b6675") + (b.verified ? "" : "88")),
                borderColor: geometry.bars.map((b) => COLOURS[roles.get(b.row) ?? ""] ?? "#5b6675"),
                borderWidth: geometry.bars.map((b) => (b.open ? 2 : 0)),
                borderSkipped: false,
                borderRadius: 3,
                grouped: false,
                barPercentage: 0.9,
                categoryPercentage: 0.8,
              },
            ],
          },
          options: {
            indexAxis: "y",
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: {
              x: {
                type: "linear",
                min: geometry.min,
                max: geometry.max,
                afterBuildTicks: (axis) => {
                  axis.ticks = tickValues.map((value) => ({ value }));
                },
                ticks: { callback: (value) => fmt.time(new Date(Number(value))), maxRotation: 0, autoSkip: true },
                grid: { color: "#e3e7ed" },
              },
              y: {
                type: "category",
                ticks: { callback: (_value, index) => truncate(names.get(geometry.rows[index]?.key ?? "") ?? "") },
                grid: { display: false },
              },
            },
            plugins: {
              legend: { display: false },
              tooltip: {
                callbacks: {
                  title: (items) => names.get(geometry.bars[items[0]?.dataIndex ?? 0]?.row ?? "") ?? "",
                  label: (item) => {
                    const bar = geometry.bars[item.dataIndex];
                    return bar.open
                      ? t("attendance:timeline.since", { from: fmt.time(new Date(bar.from)) })
                      : t("attendance:timeline.span", { from: fmt.time(new Date(bar.from)), to: fmt.time(new Date(bar.to)) });
                  },
                },
              },
            },
          },
        });
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [geometry]);

  const height = Math.max(120, geometry.rows.length * 30 + 50);
  return (
    <Section title={t("attendance:timeline.title")} count={geometry.rows.length} testId="timeline">
      {geometry.rows.length ? (
        <>
          <p class="muted small">
            {t("attendance:timeline.axis", { from: fmt.time(new Date(geometry.min)), to: fmt.time(new Date(geometry.max)), zone: fmt.zone() })}
          </p>
          {failed ? null : (
            <div class="timeline-canvas" style={{ height: `${height}px` }}>
              <canvas
                ref={canvas}
                role="img"
                aria-label={t("attendance:timeline.aria", { count: geometry.rows.length })}
                data-test-id="timeline-canvas"
                data-rows={geometry.rows.length}
                data-bars={geometry.bars.length}
              />
            </div>
          )}
          <details class="timeline-list" open={failed}>
            <summary>{t("attendance:timeline.asList")}</summary>
            <ul data-test-id="timeline-list">
              {geometry.rows.map((row) => (
                <li key={row.key} data-test-id="timeline-row">
                  <strong>{row.name}</strong> <span class="muted small">{fmt.duration(row.seconds)}</span>
                  <ul>
                    {geometry.bars
                      .filter((b) => b.row === row.key)
                      .map((b, i) => (
                        <li key={i}>
                          {b.open
                            ? t("attendance:timeline.since", { from: fmt.time(new Date(b.from)) })
                            : t("attendance:timeline.span", { from: fmt.time(new Date(b.from)), to: fmt.time(new Date(b.to)) })}
                          {!b.verified && <span class="muted small"> · {t("attendance:timeline.unverified")}</span>}
                        </li>
                      ))}
                  </ul>
                </li>
              ))}
            </ul>
          </details>
        </>
      ) : (
        <Empty title={running ? t("attendance:timeline.empty") : t("attendance:timeline.emptyEnded")}>
          {running ? t("attendance:timeline.emptyHint") : null}
        </Empty>
      )}
    </Section>
  );
}

function truncate(name: string): string {
  return name.length > 18 ? `${name.slice(0, 17)}…` : name;
}
