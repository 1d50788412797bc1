import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * The daily cost chart, drawn by uPlot: a small (~50 kB), dependency-free,
 * MIT-licensed chart library, kept up by its author for years, that draws on
 * a canvas — no inline <style> or script, so the page's strict CSP holds.
 * A canvas says nothing to a screen reader, so the chart is one image with
 * a label giving the period and total; the tables under it give every figure.
 */
export function CostChart(props: {
  readonly id: string;
  /** Each day's start (Unix seconds, the reader's local midnight) and its cost in cents. */
  readonly days: readonly { readonly startS: number; readonly cents: number }[];
  readonly label: string;
  readonly seriesLabel: string;
  /** Day labels in the reader's language and time zone. */
  readonly dayLabel: (startS: number) => string;
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    const xs = props.days.map((d) => d.startS);
    // Dollars for the axis only: the figures shown as text come from the integer cents.
    const ys = props.days.map((d) => d.cents / 100);
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth || 600),
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 0.01) * 1.1] } },
        axes: [
          { values: (_u, splits) => splits.map((s) => (xs.includes(s) ? props.dayLabel(s) : '')), splits: () => xs, stroke: 'currentColor' },
          { values: (_u, splits) => splits.map((s) => `$${s.toFixed(2)}`), stroke: 'currentColor', size: 70 },
        ],
        series: [{}, { label: props.seriesLabel, fill: 'rgba(37, 99, 235, 0.35)', stroke: 'rgb(37, 99, 235)', paths: uPlot.paths.bars!({ size: [0.6, 60] }), points: { show: false } }],
      },
      [xs, ys],
      element,
    );
    return () => plot.destroy();
  }, [props.days, props.label]);
  return <div id={props.id} class="cost-chart" ref={holder} role="img" aria-label={props.label} data-days={props.days.length} />;
}
