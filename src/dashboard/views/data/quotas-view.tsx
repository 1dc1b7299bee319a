import { useMemo } from 'preact/hooks';
import { useResource } from '../../api/use-resource.js';
import { EChart, useChartParts, type ChartOption } from '../../charts/e-chart.js';
import { useLocale, type Locale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, OrgEntry, ViewProps } from '../dashboard-view.js';
import { carrierName, dataMessages, monthLabel } from './data-labels.js';
import { DataTable, ResourceState } from './data-parts.js';

const messages: Messages<
  | 'title'
  | 'quotas'
  | 'noQuota'
  | 'quota'
  | 'usedToDate'
  | 'quotaToDate'
  | 'projection'
  | 'ofQuota'
  | 'method'
  | 'status'
  | 'month'
  | 'used'
  | 'lastYear'
  | 'chartLabel'
  | 'intensities'
  | 'indicator'
  | 'thisYear'
  | 'target'
  | 'onTrack'
  | 'yes'
  | 'no'
  | 'notYet'
  | 'kgcePerM2'
  | 'kgcePerPerson'
  | 'waterM3PerPerson'
  | 'co2eKgPerM2'
  | 'source'
  | 'over'
  | 'within'
  | 'error'
  | 'in_progress'
  | 'complete'
  | 'noPermission'
> = {
  zh: {
    title: '定额与强度',
    quotas: '能耗定额进度',
    noQuota: '此范围内没有能耗定额。',
    quota: '年度定额',
    usedToDate: '本年已用',
    quotaToDate: '至今定额',
    projection: '年末预测',
    ofQuota: '占定额 {percent}',
    method: '预测方法',
    status: '状态',
    month: '月份',
    used: '实际',
    lastYear: '去年同期',
    chartLabel: '{name}：各月定额与实际（{unit}）',
    intensities: '强度指标（本年至今）',
    indicator: '指标',
    thisYear: '本年至今',
    target: '目标（较基准年）',
    onTrack: '是否达标',
    yes: '达标',
    no: '未达标',
    notYet: '待年度核算',
    kgcePerM2: '单位面积能耗（kgce/m²）',
    kgcePerPerson: '人均能耗（kgce/人）',
    waterM3PerPerson: '人均用水（m³/人）',
    co2eKgPerM2: '单位面积碳排放（kgCO₂e/m²）',
    source: '依据',
    over: '预计超出定额',
    within: '预计在定额内',
    error: '无法计算',
    in_progress: '进行中',
    complete: '已完成',
    noPermission: '此角色不能查看能耗定额（需要 alerts:read）。',
  },
  en: {
    title: 'Quotas and intensities',
    quotas: 'Energy quota progress',
    noQuota: 'No energy quota applies in this subtree.',
    quota: 'Annual quota',
    usedToDate: 'Used this year',
    quotaToDate: 'Quota to date',
    projection: 'Projected to year end',
    ofQuota: '{percent} of the quota',
    method: 'Projection method',
    status: 'Status',
    month: 'Month',
    used: 'Used',
    lastYear: 'Last year',
    chartLabel: '{name}: quota and use by month ({unit})',
    intensities: 'Intensities (this year to date)',
    indicator: 'Indicator',
    thisYear: 'This year to date',
    target: 'Target (against the baseline year)',
    onTrack: 'On track',
    yes: 'on track',
    no: 'off track',
    notYet: 'judged on the annual figures',
    kgcePerM2: 'Energy per floor area (kgce/m²)',
    kgcePerPerson: 'Energy per person (kgce/person)',
    waterM3PerPerson: 'Water per person (m³/person)',
    co2eKgPerM2: 'Carbon per floor area (kgCO₂e/m²)',
    source: 'Source',
    over: 'projected over the quota',
    within: 'projected within the quota',
    error: 'cannot be computed',
    in_progress: 'in progress',
    complete: 'complete',
    noPermission: 'This role may not read the energy quotas (it needs alerts:read).',
  },
};

type Key = keyof (typeof messages)['zh'];

interface QuotaMonth {
  label: string;
  quota: number;
  used: number;
  lastYear: number | null;
}

interface Quota {
  institution: string;
  year: number;
  metric: string;
  carrier?: string | null;
  unit: string;
  value: number;
  status: string;
  source: { kind: string; citation: string };
  yearToDate: { quotaToDate: number; used: number; annualPercent: number } | null;
  projection: { method: string; value: number; percent: number; note: string | null } | null;
  months: QuotaMonth[];
  error: string | null;
}

interface QuotaAnswer {
  quotas: Quota[];
}

const INDICATORS = ['kgcePerM2', 'kgcePerPerson', 'waterM3PerPerson', 'co2eKgPerM2'] as const;
type Indicator = (typeof INDICATORS)[number];

interface Target {
  indicator: string;
  byYear: number;
  baselineYear: number;
  requiredChangePercent: number;
  achievedChangePercent: number | null;
  onTrack: boolean | null;
}

interface IntensityReport {
  intensity: Partial<Record<Indicator, number | null>>;
  comparisons: {
    previousYear: { intensity?: Partial<Record<Indicator, number | null>> } | null;
    targets: Target[];
  };
}

/** Quota progress with its projection to year end, and the intensities against their targets and last year. */
function QuotasView({ api, orgId, orgs, session }: ViewProps) {
  const locale = useLocale();
  const year = useMemo(() => monthLabel(Date.now(), locale.timeZone).slice(0, 4), [locale]);
  const mayReadQuotas = session.permissions.includes('alerts:read');
  const quotas = useResource(
    () => (mayReadQuotas ? api.get<QuotaAnswer>('/quotas', { org: orgId, year }) : Promise.resolve(undefined)),
    [api, orgId, year, mayReadQuotas],
  );
  const report = useResource(
    () => api.get<IntensityReport>('/reports/carbon', { org: orgId, period: year }),
    [api, orgId, year],
  );
  const t = (key: Key) => locale.t(messages, key);
  // The quotas' charts are part of what the view shows: ready once the chart library is there too.
  const charts = useChartParts();
  const ready = quotas.state !== 'loading' && report.state !== 'loading' && charts !== undefined;
  return (
    <div data-ready={ready ? 'true' : undefined}>
      <h2>{t('quotas')}</h2>
      <ResourceState resource={quotas}>
        {(answer) =>
          answer === undefined ? (
            <p class="empty">{t('noPermission')}</p>
          ) : answer.quotas.length === 0 ? (
            <p class="empty">{t('noQuota')}</p>
          ) : (
            <div class="carrier-grid">
              {answer.quotas.map((q) => (
                <QuotaCard key={`${q.institution}:${q.metric}:${q.carrier ?? ''}`} quota={q} orgs={orgs} locale={locale} />
              ))}
            </div>
          )
        }
      </ResourceState>
      <h2>{t('intensities')}</h2>
      <ResourceState resource={report}>{(r) => <Intensities report={r} locale={locale} />}</ResourceState>
    </div>
  );
}

function QuotaCard({ quota, orgs, locale }: { quota: Quota; orgs: readonly OrgEntry[]; locale: Locale }) {
  const t = (key: Key, values?: Record<string, string>) => locale.t(messages, key, values);
  const institution = orgs.find((o) => o.id === quota.institution)?.name ?? quota.institution;
  const what = quota.carrier ? `${institution} · ${carrierName(locale, quota.carrier)}` : institution;
  const used = quota.yearToDate?.used ?? 0;
  const projected = quota.projection;
  const over = projected !== null && projected.percent > 100;
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: quota.months.map((m) => m.label.slice(5)) },
      yAxis: { type: 'value', name: quota.unit },
      series: [
        { type: 'bar', name: t('quota'), data: quota.months.map((m) => m.quota), itemStyle: { color: '#c9d1da' } },
        { type: 'bar', name: t('used'), data: quota.months.map((m) => m.used), itemStyle: { color: '#0b5f8a' } },
      ],
    }),
    [quota, locale],
  );
  return (
    <section class="card" data-quota={`${quota.institution}:${quota.metric}`}>
      <h3>{what}</h3>
      {quota.error !== null ? (
        <p class="error-box">
          {t('error')}: {quota.error}
        </p>
      ) : null}
      <dl class="figures">
        <div>
          <dt>{t('quota')}</dt>
          <dd>
            {locale.number(quota.value, 2)} {quota.unit}
          </dd>
        </div>
        <div>
          <dt>{t('usedToDate')}</dt>
          <dd>
            {locale.number(used, 2)} {quota.unit}
            {quota.yearToDate ? ` · ${locale.percent(quota.yearToDate.annualPercent / 100)}` : ''}
          </dd>
        </div>
        <div>
          <dt>{t('projection')}</dt>
          <dd class={over ? 'over' : undefined}>
            {projected === null
              ? '–'
              : `${locale.number(projected.value, 2)} ${quota.unit} · ${t('ofQuota', {
                  percent: locale.percent(projected.percent / 100),
                })} · ${over ? t('over') : t('within')}`}
          </dd>
        </div>
      </dl>
      <div
        class="bar-track"
        role="img"
        aria-label={`${t('projection')}: ${projected === null ? '–' : locale.percent(projected.percent / 100)}`}
      >
        <div
          class={`bar-fill${over ? ' over' : ''}`}
          style={{ width: `${Math.min(100, projected?.percent ?? (quota.yearToDate?.annualPercent ?? 0))}%` }}
        />
      </div>
      <EChart option={option} label={t('chartLabel', { name: what, unit: quota.unit })} heightPx={200} />
      <DataTable caption={`${locale.t(dataMessages, 'table')}: ${what}`}>
        <thead>
          <tr>
            <th scope="col">{t('month')}</th>
            <th scope="col" class="num">
              {t('quota')} ({quota.unit})
            </th>
            <th scope="col" class="num">
              {t('used')}
            </th>
            <th scope="col" class="num">
              {t('lastYear')}
            </th>
          </tr>
        </thead>
        <tbody>
          {quota.months.map((m) => (
            <tr key={m.label}>
              <th scope="row">{m.label}</th>
              <td class="num">{locale.number(m.quota, 2)}</td>
              <td class="num">{locale.number(m.used, 2)}</td>
              <td class="num">{m.lastYear === null ? '–' : locale.number(m.lastYear, 2)}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      <p class="help">
        {t('source')}: {quota.source.citation}
        {projected?.note ? ` · ${t('method')}: ${projected.note}` : ''}
      </p>
    </section>
  );
}

function Intensities({ report, locale }: { report: IntensityReport; locale: Locale }) {
  const t = (key: Key) => locale.t(messages, key);
  const last = report.comparisons.previousYear?.intensity;
  const fmt = (value: number | null | undefined) => (value === null || value === undefined ? '–' : locale.number(value, 2));
  return (
    <div class="table-wrap card">
      <table data-testid="intensities">
        <caption class="sr-only">{t('intensities')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('indicator')}</th>
            <th scope="col" class="num">
              {t('thisYear')}
            </th>
            <th scope="col" class="num">
              {t('lastYear')}
            </th>
            <th scope="col">{t('target')}</th>
            <th scope="col">{t('onTrack')}</th>
          </tr>
        </thead>
        <tbody>
          {INDICATORS.map((indicator) => {
            const targets = report.comparisons.targets.filter((target) => target.indicator === indicator);
            return (
              <tr key={indicator} data-indicator={indicator}>
                <th scope="row">{t(indicator)}</th>
                <td class="num">{fmt(report.intensity[indicator])}</td>
                <td class="num">{fmt(last?.[indicator])}</td>
                <td>
                  {targets.length === 0
                    ? '–'
                    : targets
                        .map((x) => `${locale.number(x.requiredChangePercent, 1)}% (${x.baselineYear}→${x.byYear})`)
                        .join('; ')}
                </td>
                <td>
                  {targets.length === 0
                    ? '–'
                    : targets.map((x) => (x.onTrack === null ? t('notYet') : x.onTrack ? t('yes') : t('no'))).join('; ')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// No permission on the view: an auditor (no alerts:read, so no quotas) still sees the intensities.
export const quotasView: DashboardView = { id: 'quotas', title: messages, component: QuotasView, charts: true };
