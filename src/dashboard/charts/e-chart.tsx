import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption, EChartsType } from 'echarts/core';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { queueDraw } from './draw-queue.js';

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
>;

/** The chart library (chart-parts.ts), or null if its chunk could not be loaded. */
export type ChartParts = typeof import('./chart-parts.js') | null;

let loadedParts: ChartParts | undefined;
let partsLoading: Promise<ChartParts> | undefined;

/**
 * The chart library once its chunk has loaded (null if it failed: the views' tables still carry every figure),
 * undefined while it loads. A view that draws charts holds its data-ready marker until this is defined, so the
 * marker still means that what it shows is drawn.
 *
 * ECharts is most of the page's JavaScript, so it is a chunk of its own, asked for by the first view that draws a
 * chart, in a layout effect that a view declares after its requests' (use-resource.ts): the view's requests leave
 * first, the chunk is fetched and compiled while the view waits for its data, and neither the login check nor the
 * view's requests wait for it.
 */
export function useChartParts(): ChartParts | undefined {
  const [parts, setParts] = useState<ChartParts | undefined>(loadedParts);
  useLayoutEffect(() => {
    if (parts !== undefined) return;
    void loadChartParts().then((loaded) => setParts(() => loaded));
  }, []);
  return parts;
}

/**
 * Starts loading the chart library (once). The shell calls it right after the first view's early request
 * (app.tsx, prefetchFirstView): the chunk is fetched and compiled while the service computes the view's data.
 */
export function loadChartParts(): Promise<ChartParts> {
  partsLoading ??= import('./chart-parts.js').then(
    (loaded) => (loadedParts = loaded),
    () => (loadedParts = null),
  );
  return partsLoading;
}

export interface EChartProps {
  option: ChartOption;
  /** What the chart shows, for screen readers; the view puts the same figures in a table beside it. */
  label: string;
  heightPx?: number;
}

/**
 * The attribute a chart's box carries once it is drawn: bench/dashboard's time to interactive waits for the first
 * chart in view to carry it, the browser tests and the screenshots for all of them.
 */
export const DRAWN_ATTRIBUTE = 'data-drawn';

/** One ECharts instance on a canvas, drawn in its turn (draw-queue.ts), resized with its box, disposed with it. */
export function EChart({ option, label, heightPx = 280 }: EChartProps) {
  const parts = useChartParts();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | undefined>(undefined);
  // The option to draw with when the chart's turn comes: the latest, if it changed while the chart waited.
  const latest = useRef(option);
  latest.current = option;
  useEffect(() => {
    const element = box.current;
    if (element === null || !parts) return;
    let observer: ResizeObserver | undefined;
    const cancel = queueDraw(element, () => {
      const instance = parts.init(element, undefined, { renderer: 'canvas' });
      chart.current = instance;
      instance.setOption({ animation: false, ...latest.current }, { notMerge: true });
      element.setAttribute(DRAWN_ATTRIBUTE, 'true');
      // The observer reports the box's size once at the start, the size the chart is drawn at already: only a
      // change redraws it (a second layout of every chart would cost as much as drawing it).
      let width = element.clientWidth;
      let height = element.clientHeight;
      observer = new ResizeObserver(() => {
        if (element.clientWidth === width && element.clientHeight === height) return;
        width = element.clientWidth;
        height = element.clientHeight;
        instance.resize();
      });
      observer.observe(element);
    });
    return () => {
      cancel();
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = undefined;
    };
  }, [parts]);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, { notMerge: true });
  }, [option]);
  return <div ref={box} class="chart" role="img" aria-label={label} style={{ height: `${heightPx}px` }} />;
}
