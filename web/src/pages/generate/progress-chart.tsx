// The solver's progress as a chart: the best objective found and the proved bound over
// the run's seconds. Loaded on demand (uPlot stays out of every other page's files);
// uPlot sizes its canvas through the CSSOM, which the strict CSP allows.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ProgressPoint } from "./types";

export interface ProgressChartProps {
  points: ProgressPoint[];
  /** The run's time limit: the x axis spans it, so a running chart fills from the left. */
  timeLimit: number;
  label: string;
}

const HEIGHT = 240;

function columns(points: ProgressPoint[]): uPlot.AlignedData {
  return [points.map((p) => p.seconds), points.map((p) => p.objective), points.map((p) => p.bound)];
}

export function ProgressChart({ points, timeLimit, label }: ProgressChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const limit = useRef(timeLimit);
  limit.current = timeLimit;

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      // The page's own legend names the lines; uPlot's would repeat it.
      legend: { show: false },
      scales: {
        x: { time: false, range: (_u, _min, max) => [0, Math.max(limit.current, max || 0)] },
        y: { range: (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.08) : 1] },
      },
      axes: [
        { label: "Seconds", stroke: "#57606a", grid: { stroke: "#e5e7eb" } },
        { label: "Cost", stroke: "#57606a", grid: { stroke: "#e5e7eb" }, size: 56 },
      ],
      series: [
        { label: "Seconds" },
        { label: "Best objective", stroke: "#1d4ed8", width: 2, paths: stepped, points: { size: 5 } },
        { label: "Bound", stroke: "#b45309", width: 2, dash: [6, 4], paths: stepped, points: { size: 5 } },
      ],
    };
    const chart = new uPlot(options, columns([]), element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(columns(points));
  }, [points, timeLimit]);

  return <div ref={box} class="gen-chart__plot" role="img" aria-label={label} />;
}
