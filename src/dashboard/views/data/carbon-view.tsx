import { useMemo, useState } from 'preact/hooks';
import { useResource } from '../../api/use-resource.js';
import { EChart, useChartParts, type ChartOption } from '../../charts/e-chart.js';
import { useLocale, type Locale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, ViewProps } from '../dashboard-view.js';
import { carrierName, dataMessages, monthLabel, periodName, unitName } from './data-labels.js';
import { DataTable, ResourceState } from './data-parts.js';

const messages: Messages<
  | 'title'
  | 'scope1'
  | 'scope2Location'
  | 'scope2Market'
  | 'total'
  | 'tce'
  | 'chartLabel'
  | 'childrenChart'
  | 'lines'
  | 'carrier'
  | 'scope'
  | 'method'
  | 'consumption'
  | 'co2e'
  | 'factor'
  | 'children'
  | 'unit'
  | 'completeness'
  | 'inProgress'
  | 'cutoff'
  | 'reviews'
  | 'none'
> = {
  zh: {
    title: '碳排放',
    scope1: '范围一（直接排放）',
    scope2Location: '范围二（基于位置）',
    scope2Market: '范围二（基于市场）',
    total: '综合能耗',
    tce: '吨标准煤',
    chartLabel: '{period}碳排放（tCO₂e）：范围一 {s1}，范围二基于位置 {s2l}，基于市场 {s2m}',
    childrenChart: '下级单位碳排放（tCO₂e）',
    lines: '排放明细',
    carrier: '能源品种',
    scope: '范围',
    method: '方法',
    consumption: '用量',
    co2e: '排放（kgCO₂e）',
    factor: '因子',
    children: '下级单位',
    unit: '单位',
    completeness: '数据完整率 {percent}',
    inProgress: '期间未结束，数据截至 {cutoff}',
    cutoff: '数据截至 {cutoff}',
    reviews: '{count} 个区间待复核，未计入',
    none: '无',
  },
  en: {
    title: 'Carbon',
    scope1: 'Scope 1 (direct)',
    scope2Location: 'Scope 2 (location-based)',
    scope2Market: 'Scope 2 (market-based)',
    total: 'Energy',
    tce: 'tce',
    chartLabel: 'Emissions of {period} (tCO₂e): scope 1 {s1}, scope 2 location-based {s2l}, market-based {s2m}',
    childrenChart: 'Emissions of the units below (tCO₂e)',
    lines: 'Lines',
    carrier: 'Carrier',
    scope: 'Scope',
    method: 'Method',
    consumption: 'Consumption',
    co2e: 'Emissions (kgCO₂e)',
    factor: 'Factor',
    children: 'Units below',
    unit: 'Unit',
    completeness: 'completeness {percent}',
    inProgress: 'period in progress, data up to {cutoff}',
    cutoff: 'data up to {cutoff}',
    reviews: '{count} interval(s) held for review, not counted',
    none: 'none',
  },
};

type Key = keyof (typeof messages)['zh'];

interface Totals {
  tce: number;
  co2eKg: number;
  scope1Kg: number;
  scope2LocationKg: number;
  scope2MarketKg: number;
}

interface Line {
  carrier: string;
  endUse: string | null;
  scope: number | null;
  method: string;
  consumption: number;
  unit: string;
  co2eKg: number | null;
  factor: { id: string; source: string } | null;
}

interface CarbonReport {
  period: { label: string };
  inProgress: boolean;
  dataCutoff: string;
  totals: Totals;
  completeness: number | null;
  reviews: number;
  lines: Line[];
  children: { org: { id: string; name: string }; totals: Totals }[];
}

type PeriodChoice = 'lastMonth' | 'thisMonth' | 'thisYear';

const t1 = (kg: number) => kg / 1000;

/** Carbon by scope: scope 1, scope 2 location- and market-based, the lines behind them and the units below. */
function CarbonView({ api, orgId }: ViewProps) {
  const locale = useLocale();
  const [choice, setChoice] = useState<PeriodChoice>('lastMonth');
  const period = useMemo(() => {
    const now = Date.now();
    if (choice === 'thisYear') return monthLabel(now, locale.timeZone).slice(0, 4);
    return monthLabel(now, locale.timeZone, choice === 'lastMonth' ? -1 : 0);
  }, [choice, locale]);
  const report = useResource(() => api.get<CarbonReport>('/reports/carbon', { org: orgId, period }), [api, orgId, period]);
  // The report's charts are part of what the view shows: ready once the chart library is there too.
  const charts = useChartParts();
  return (
    <div data-ready={report.state !== 'loading' && charts !== undefined ? 'true' : undefined}>
      <div class="controls">
        <label for="carbon-period">{locale.t(dataMessages, 'period')}</label>
        <select id="carbon-period" value={choice} onChange={(e) => setChoice(e.currentTarget.value as PeriodChoice)}>
          {(['lastMonth', 'thisMonth', 'thisYear'] as const).map((c) => (
            <option key={c} value={c}>
              {locale.t(dataMessages, c)}
            </option>
          ))}
        </select>
      </div>
      <ResourceState resource={report}>{(r) => <CarbonReportPanel report={r} locale={locale} />}</ResourceState>
    </div>
  );
}

function CarbonReportPanel({ report, locale }: { report: CarbonReport; locale: Locale }) {
  const t = (key: Key, values?: Record<string, string>) => locale.t(messages, key, values);
  const { totals } = report;
  const periodText = periodName(locale, report.period.label);
  const scopes = [
    { key: 'scope1' as const, kg: totals.scope1Kg, color: '#a4262c' },
    { key: 'scope2Location' as const, kg: totals.scope2LocationKg, color: '#0b5f8a' },
    { key: 'scope2Market' as const, kg: totals.scope2MarketKg, color: '#1e6b35' },
  ];
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 140, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'tCO₂e' },
      yAxis: { type: 'category', data: scopes.map((s) => t(s.key)), inverse: true },
      series: [
        {
          type: 'bar',
          data: scopes.map((s) => ({ value: Math.round(t1(s.kg) * 100) / 100, itemStyle: { color: s.color } })),
        },
      ],
    }),
    [report, locale],
  );
  const childOption = useMemo<ChartOption>(
    () => ({
      grid: { left: 56, right: 16, top: 36, bottom: 48 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: report.children.map((c) => c.org.name), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', name: 'tCO₂e' },
      series: [
        {
          type: 'bar',
          stack: 'location',
          name: t('scope1'),
          itemStyle: { color: '#a4262c' },
          data: report.children.map((c) => t1(c.totals.scope1Kg)),
        },
        {
          type: 'bar',
          stack: 'location',
          name: t('scope2Location'),
          itemStyle: { color: '#0b5f8a' },
          data: report.children.map((c) => t1(c.totals.scope2LocationKg)),
        },
      ],
    }),
    [report, locale],
  );
  const fmtT = (kg: number) => locale.number(t1(kg), 2);
  return (
    <>
      <div class="cards">
        {scopes.map((s) => (
          <div class="card" key={s.key} data-scope-total={s.key}>
            <div class="figure-label">{t(s.key)}</div>
            <div class="figure">{fmtT(s.kg)} tCO₂e</div>
          </div>
        ))}
        <div class="card">
          <div class="figure-label">{t('total')}</div>
          <div class="figure">
            {locale.number(totals.tce, 2)} {t('tce')}
          </div>
        </div>
      </div>
      <p class="help">
        {periodText} ·{' '}
        {report.inProgress
          ? t('inProgress', { cutoff: locale.date(report.dataCutoff, true) })
          : t('cutoff', { cutoff: locale.date(report.dataCutoff, true) })}
        {report.completeness === null ? '' : ` · ${t('completeness', { percent: locale.percent(report.completeness) })}`}
        {report.reviews > 0 ? ` · ${t('reviews', { count: String(report.reviews) })}` : ''}
      </p>
      <section class="card">
        <EChart
          option={option}
          label={t('chartLabel', {
            period: periodText,
            s1: fmtT(totals.scope1Kg),
            s2l: fmtT(totals.scope2LocationKg),
            s2m: fmtT(totals.scope2MarketKg),
          })}
          heightPx={170}
        />
        <DataTable caption={`${locale.t(dataMessages, 'table')}: ${t('lines')}`}>
          <thead>
            <tr>
              <th scope="col">{t('carrier')}</th>
              <th scope="col">{t('scope')}</th>
              <th scope="col">{t('method')}</th>
              <th scope="col" class="num">
                {t('consumption')}
              </th>
              <th scope="col" class="num">
                {t('co2e')}
              </th>
              <th scope="col">{t('factor')}</th>
            </tr>
          </thead>
          <tbody>
            {report.lines.map((line, i) => (
              <tr key={i}>
                <th scope="row">{carrierName(locale, line.carrier)}</th>
                <td>{line.scope ?? '–'}</td>
                <td>{line.method}</td>
                <td class="num">
                  {locale.number(line.consumption, 1)} {unitName(line.unit)}
                </td>
                <td class="num">{line.co2eKg === null ? '–' : locale.number(line.co2eKg, 0)}</td>
                <td>{line.factor?.id ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </section>
      {report.children.length === 0 ? null : (
        <section class="card">
          <h3>{t('children')}</h3>
          <EChart option={childOption} label={t('childrenChart')} heightPx={260} />
          <DataTable caption={`${locale.t(dataMessages, 'table')}: ${t('children')}`}>
            <thead>
              <tr>
                <th scope="col">{t('children')}</th>
                {scopes.map((s) => (
                  <th scope="col" class="num" key={s.key}>
                    {t(s.key)} (tCO₂e)
                  </th>
                ))}
                <th scope="col" class="num">
                  {t('total')} ({t('tce')})
                </th>
              </tr>
            </thead>
            <tbody>
              {report.children.map((c) => (
                <tr key={c.org.id}>
                  <th scope="row">{c.org.name}</th>
                  <td class="num">{fmtT(c.totals.scope1Kg)}</td>
                  <td class="num">{fmtT(c.totals.scope2LocationKg)}</td>
                  <td class="num">{fmtT(c.totals.scope2MarketKg)}</td>
                  <td class="num">{locale.number(c.totals.tce, 2)}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        </section>
      )}
    </>
  );
}

export const carbonView: DashboardView = { id: 'carbon', title: messages, component: CarbonView, charts: true };
