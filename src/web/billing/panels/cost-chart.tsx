import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { money } from '../../shared/format.ts';

/** Whole-cent tick steps (1¢, 2¢, 5¢ … $50,000): uPlot takes the smallest that leaves room between labels. */
const CENT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000];

const chartWidth = (element: HTMLElement) => Math.max(240, element.clientWidth || 600);

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
    // The y-axis counts whole cents, so every tick is a round cent value and no two ticks can read the same.
    const ys = props.days.map((d) => d.cents);
    const plot = new uPlot(
      {
        width: chartWidth(element),
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(Math.ceil(max * 1.1), 1)] } },
        axes: [
          // Every day's bar, but on a narrow chart only every n-th day's label: side by side they ran together.
          { values: (u, splits) => splits.map((s, i) => (xs.includes(s) && i % labelEvery(u, splits.length) === 0 ? props.dayLabel(s) : '')), splits: () => xs, stroke: 'currentColor' },
          { values: (_u, splits) => splits.map((s) => money(s, 'USD')), incrs: CENT_STEPS, stroke: 'currentColor', size: 70 },
        ],
        series: [{}, { label: props.seriesLabel, fill: 'rgba(37, 99, 235, 0.35)', stroke: 'rgb(37, 99, 235)', paths: uPlot.paths.bars!({ size: [0.6, 60] }), points: { show: false } }],
      },
      [xs, ys],
      element,
    );
    // A phone turned, or a window narrowed: the chart follows its box rather than running off the page.
    const resized = new ResizeObserver(() => {
      const width = chartWidth(element);
      if (width !== plot.width) plot.setSize({ width, height: 220 });
    });
    resized.observe(element);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [props.days, props.label]);
  return <div id={props.id} class="cost-chart" ref={holder} role="img" aria-label={props.label} data-days={props.days.length} />;
}

/** Room a day's label needs on the x-axis, with a gap: the widest, "12月31日" or "Dec 31", at the axis font. */
const DAY_LABEL_PX = 64;

/** Label every n-th day so that the labels fit the plot's width (its box in CSS pixels). */
function labelEvery(u: uPlot, days: number): number {
  const plotPx = u.bbox.width / (globalThis.devicePixelRatio || 1);
  return Math.max(1, Math.ceil((days * DAY_LABEL_PX) / Math.max(plotPx, 1)));
}
