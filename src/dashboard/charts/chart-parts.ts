import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

// Imported per part, not `echarts`: the line and bar charts, the components they use and the canvas renderer
// (a canvas needs no inline style attributes, which the page's CSP refuses) keep the page's JavaScript far below
// the 400 KB budget (bench/dashboard/run.ts measures it). This module is its own chunk, loaded by e-chart.tsx.
use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  AriaComponent,
  CanvasRenderer,
]);

export { init };
