// The request rate, error rate and latency charts over the chosen window, from the
// stored rollups (GET /monitoring/metrics/series). uPlot is fetched on first use, so no
// other page carries it; it sizes its canvas through the CSSOM, which the strict CSP
// allows. A canvas says nothing to a screen reader: each chart's caption does.
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { clock, ms, number, pct, shortTime } from "./format";
import type { ChartPoint, MetricsSeries } from "./types";

type UPlot = typeof uPlot;
let uplot: Promise<UPlot> | null = null;

function loadUplot(): Promise<UPlot> {
  uplot ??= Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]).then(([module]) => module.default);
  return uplot;
}

const HEIGHT = 190;
const DAY = 86400;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** Ticks on the viewer's 24-hour clock; over a span of days, midnight as the date. */
function timeTicks(u: uPlot, ticks: number[]): string[] {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  return ticks.map((tick) => {
    const date = new Date(tick * 1000);
    const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    if (span <= 1.5 * DAY || time !== "00:00") return time;
    return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  });
}

/** Show a point's dot where its neighbours are missing (null), so it is seen. */
function sparse(u: uPlot, seriesIndex: number): boolean {
  const values = u.data[seriesIndex];
  return values.some((v, i) => v !== null && v !== undefined && values[i - 1] == null && values[i + 1] == null);
}
const AXIS = { stroke: "#57606a", grid: { stroke: "#e5e7eb" }, ticks: { stroke: "#d0d7de" } };

interface Line {
  label: string;
  stroke: string;
  dash?: number[];
  value: (point: ChartPoint) => number | null;
}

interface ChartProps {
  id: string;
  title: string;
  unit: string;
  lines: Line[];
  points: ChartPoint[];
  caption: string;
}

function columns(points: ChartPoint[], lines: Line[]): uPlot.AlignedData {
  return [points.map((p) => Date.parse(p.start) / 1000), ...lines.map((line) => points.map(line.value))];
}

function TimeChart({ id, title, unit, lines, points, caption }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(points);
  latest.current = points;
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    let observer: ResizeObserver | null = null;
    let gone = false;
    loadUplot()
      .then((UPlot) => {
        if (gone) return;
        const width = () => Math.max(element.clientWidth, 240);
        const chart = new UPlot(
          {
            width: width(),
            height: HEIGHT,
            legend: { live: true },
            cursor: { drag: { x: false, y: false } },
            scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
            axes: [{ ...AXIS, values: (u, ticks) => timeTicks(u, ticks) }, { ...AXIS, size: 56 }],
            series: [
              { label: "Time", value: (_u, v) => (v === null ? "—" : shortTime(new Date(v * 1000).toISOString())) },
              ...lines.map((line) => ({
                label: `${line.label} (${unit})`,
                stroke: line.stroke,
                width: 2,
                dash: line.dash,
                spanGaps: false,
                // Minutes between quiet ones (no requests, no percentile) stand alone:
                // a dot shows them where a line cannot.
                points: { show: sparse, size: 5 },
              })),
            ],
          },
          columns(latest.current, lines),
          element,
        );
        plot.current = chart;
        observer = new ResizeObserver(() => chart.setSize({ width: width(), height: HEIGHT }));
        observer.observe(element);
      })
      .catch((error: unknown) => setFailed(String(error)));
    return () => {
      gone = true;
      observer?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The lines of a chart never change; its points do (below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    plot.current?.setData(columns(points, lines));
  }, [points]);

  return (
    <figure class="ops-chart" aria-labelledby={`${id}-title`} aria-describedby={`${id}-caption`}>
      <h3 id={`${id}-title`} class="ops-chart__title">{title}</h3>
      <div ref={box} class="ops-chart__plot" aria-hidden="true" />
      {failed && <p class="field-error">The chart could not be drawn: {failed}</p>}
      <figcaption id={`${id}-caption`} class="ops-chart__caption" data-testid={`${id}-caption`}>
        {caption}
      </figcaption>
    </figure>
  );
}

function stepLabel(seconds: number): string {
  if (seconds < 3600) return `${seconds / 60}-minute`;
  if (seconds < 86400) return seconds === 3600 ? "hourly" : `${seconds / 3600}-hour`;
  return "daily";
}

function lastWith(points: ChartPoint[], value: (p: ChartPoint) => number | null): [ChartPoint, number] | null {
  for (let i = points.length - 1; i >= 0; i -= 1) {
    const v = value(points[i]);
    if (v !== null) return [points[i], v];
  }
  return null;
}

function peak(points: ChartPoint[], value: (p: ChartPoint) => number | null): [ChartPoint, number] | null {
  let best: [ChartPoint, number] | null = null;
  for (const point of points) {
    const v = value(point);
    if (v !== null && (best === null || v > best[1])) best = [point, v];
  }
  return best;
}

const RATE = (p: ChartPoint) => p.request_rate_per_minute;
const ERRORS = (p: ChartPoint) => p.error_rate_percent;
const P50 = (p: ChartPoint) => p.p50_ms;
const P95 = (p: ChartPoint) => p.p95_ms;
const P99 = (p: ChartPoint) => p.p99_ms;

const RATE_LINES: Line[] = [{ label: "Requests", stroke: "#1d4ed8", value: RATE }];
const ERROR_LINES: Line[] = [{ label: "5xx share", stroke: "#b42318", value: ERRORS }];
const LATENCY_LINES: Line[] = [
  { label: "p50", stroke: "#1a7f37", value: P50 },
  { label: "p95", stroke: "#1d4ed8", value: P95 },
  { label: "p99", stroke: "#b42318", dash: [6, 4], value: P99 },
];

export function Charts({ series, windowLabel }: { series: MetricsSeries; windowLabel: string }) {
  const { points } = series;
  const total = points.reduce((sum, p) => sum + p.requests, 0);
  const errors = points.reduce((sum, p) => sum + (p.error_rate_percent ?? 0) * p.requests / 100, 0);
  const step = stepLabel(series.step_seconds);
  const lastRate = points.length > 0 ? points[points.length - 1] : null;
  const topRate = peak(points, RATE);
  const lastError = lastWith(points, ERRORS);
  const lastLatency = lastWith(points, P95);
  const latencyAt = lastLatency?.[0];

  const rateCaption =
    `Requests per minute, ${windowLabel} in ${step} steps: ${number(total)} requests in all` +
    (lastRate ? `; latest step (${shortTime(lastRate.start)}) ${number(lastRate.request_rate_per_minute, 1)}/min` : "") +
    (topRate && topRate[1] > 0 ? `; peak ${number(topRate[1], 1)}/min at ${shortTime(topRate[0].start)}.` : ".");
  const errorCaption =
    lastError === null
      ? `Server errors (5xx) as a share of requests, ${windowLabel}: no requests measured.`
      : `Server errors (5xx) as a share of requests, ${windowLabel}: ${pct(total > 0 ? (errors / total) * 100 : null)} overall; ` +
        `latest ${pct(lastError[1])} at ${shortTime(lastError[0].start)}.`;
  const latencyCaption =
    latencyAt === undefined
      ? `Latency percentiles, ${windowLabel}: no requests measured.`
      : `Latency percentiles at ${shortTime(latencyAt.start)}: p50 ${ms(latencyAt.p50_ms)}, p95 ${ms(latencyAt.p95_ms)}, ` +
        `p99 ${ms(latencyAt.p99_ms)}; highest p99 in the window ${ms(peak(points, P99)?.[1])}.`;

  return (
    <div class="ops-charts">
      <p class="ops-charts__total">
        <span>Requests, {windowLabel}: </span>
        <strong data-testid="requests-in-window">{number(total)}</strong>
        <span class="hint"> (stored until {clock(series.end)}; the minute under way is not counted yet)</span>
      </p>
      <TimeChart id="chart-rate" title="Request rate" unit="req/min" lines={RATE_LINES} points={points} caption={rateCaption} />
      <TimeChart id="chart-errors" title="Error rate" unit="%" lines={ERROR_LINES} points={points} caption={errorCaption} />
      <TimeChart id="chart-latency" title="Latency" unit="ms" lines={LATENCY_LINES} points={points} caption={latencyCaption} />
    </div>
  );
}
