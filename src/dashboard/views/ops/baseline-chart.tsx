import { useEffect, useRef } from 'preact/hooks';
import { useChartParts } from '../../charts/e-chart.js';
import { LOCALE, useLocale, type Lang, type Messages } from '../../i18n/i18n.js';
import type { BaselineBand } from './ops-api.js';

export const bandMessages: Messages<
  'hour' | 'lower' | 'median' | 'upper' | 'samples' | 'chart' | 'band' | 'working' | 'nonWorking'
> = {
  zh: {
    working: '工作日',
    nonWorking: '非工作日',
    hour: '小时',
    lower: '下限',
    median: '中位数',
    upper: '上限',
    samples: '样本数',
    chart: '基线带：每小时的中位数与上下限（{unit}/小时）',
    band: '基线带数据表（{count} 个小时）',
  },
  en: {
    working: 'Working day',
    nonWorking: 'Non-working day',
    hour: 'Hour',
    lower: 'Lower',
    median: 'Median',
    upper: 'Upper',
    samples: 'Samples',
    chart: 'Baseline band: median and limits per hour ({unit} per hour)',
    band: 'The band as a table ({count} hours)',
  },
};

// 2026-11-29 was a Sunday: weekday 0 of the baseline's hour_of_week keys.
const SUNDAY_MS = Date.UTC(2026, 10, 29, 12);

/** A band's hour as the officer reads it: weekday (or working / non-working day) and hour. */
export function bandLabel(band: BaselineBand, lang: Lang, dayKind: (working: boolean) => string): string {
  const hour = `${String(band.hour).padStart(2, '0')}:00`;
  if (band.weekday === null) return `${dayKind(band.key.startsWith('working'))} ${hour}`;
  const weekday = new Intl.DateTimeFormat(LOCALE[lang], { weekday: 'short', timeZone: 'UTC' }).format(
    SUNDAY_MS + band.weekday * 86_400_000,
  );
  return `${weekday} ${hour}`;
}

/**
 * The evaluation day's learned band, hour by hour: median with lower and upper
 * limits. The chart is for the eye; the table next to it (BaselineTable) carries
 * the same figures for a screen reader and for copying.
 */
export function BaselineChart({ bands, unit }: { bands: readonly BaselineBand[]; unit: string }) {
  const { t, lang } = useLocale();
  const ref = useRef<HTMLDivElement>(null);
  // The shell's chart library (charts/chart-parts.ts: the line chart, grid, legend and tooltip on a canvas).
  const parts = useChartParts();
  useEffect(() => {
    const element = ref.current;
    if (element === null || !parts) return;
    const chart = parts.init(element, undefined, { renderer: 'canvas' });
    const dayKind = (working: boolean) => t(bandMessages, working ? 'working' : 'nonWorking');
    const hours = bands.map((b) => bandLabel(b, lang, dayKind));
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 32, bottom: 28 },
      legend: { top: 0, textStyle: { color: '#1f2933' } },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: hours, axisLabel: { color: '#1f2933' } },
      yAxis: { type: 'value', axisLabel: { color: '#1f2933' } },
      series: [
        {
          name: t(bandMessages, 'lower'),
          type: 'line',
          data: bands.map((b) => b.lower),
          lineStyle: { type: 'dashed' },
        },
        { name: t(bandMessages, 'median'), type: 'line', data: bands.map((b) => b.median), lineStyle: { width: 3 } },
        {
          name: t(bandMessages, 'upper'),
          type: 'line',
          data: bands.map((b) => b.upper),
          lineStyle: { type: 'dashed' },
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [bands, lang, t, parts]);
  return (
    <figure class="ops-chart-figure">
      <div ref={ref} class="ops-chart" role="img" aria-label={t(bandMessages, 'chart', { unit })} />
      <figcaption>{t(bandMessages, 'chart', { unit })}</figcaption>
    </figure>
  );
}

export function BaselineTable({ bands }: { bands: readonly BaselineBand[] }) {
  const { t, number, lang } = useLocale();
  const dayKind = (working: boolean) => t(bandMessages, working ? 'working' : 'nonWorking');
  // Folded: a week of hours is long, and the chart above shows the same figures.
  return (
    <details class="ops-scroll">
      <summary>{t(bandMessages, 'band', { count: bands.length })}</summary>
      <table class="ops-table ops-compact" data-testid="baseline-table">
        <thead>
          <tr>
            <th scope="col">{t(bandMessages, 'hour')}</th>
            <th scope="col">{t(bandMessages, 'lower')}</th>
            <th scope="col">{t(bandMessages, 'median')}</th>
            <th scope="col">{t(bandMessages, 'upper')}</th>
            <th scope="col">{t(bandMessages, 'samples')}</th>
          </tr>
        </thead>
        <tbody>
          {bands.map((b) => (
            <tr key={b.key}>
              <th scope="row">{bandLabel(b, lang, dayKind)}</th>
              <td>{number(b.lower, 2)}</td>
              <td>{number(b.median, 2)}</td>
              <td>{number(b.upper, 2)}</td>
              <td>{number(b.samples, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
