import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useResource } from '../../api/use-resource.js';
import { whenDrawn } from '../../charts/draw-queue.js';
import { EChart, useChartParts, type ChartOption } from '../../charts/e-chart.js';
import { useLocale, type Locale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, ViewProps } from '../dashboard-view.js';
import {
  askConsumption,
  prefetchConsumption,
  takePrefetched,
  type Bucket,
  type BucketKind,
  type Series,
} from './consumption-request.js';
import { DataTable, ResourceState } from './data-parts.js';
import {
  carrierName,
  dataMessages,
  endUseName,
  monthLabel,
  periodName,
  qualityName,
  unitName,
  type EndUseRow,
} from './data-labels.js';

const messages: Messages<
  'title' | 'bucket' | 'day' | 'month' | 'byCarrier' | 'byEndUse' | 'bucketCol' | 'amount' | 'quality' | 'complete'
  | 'chartLabel' | 'endUseChart' | 'endUse' | 'noEndUse' | 'total' | 'kind'
> = {
  zh: {
    title: '能耗',
    bucket: '时间粒度',
    day: '按日（近 31 天）',
    month: '按月（本年）',
    byCarrier: '分能源品种',
    byEndUse: '分项能耗（电力，近三个月）',
    bucketCol: '时段',
    amount: '用量',
    quality: '数据质量',
    complete: '完整率',
    chartLabel: '{carrier}用量（{unit}），{bucket}，{from} 至 {to}',
    endUseChart: '电力分项用量（kWh），{months}',
    endUse: '分项',
    noEndUse: '此范围内没有分项计量。',
    total: '合计',
    kind: '层级',
  },
  en: {
    title: 'Consumption',
    bucket: 'Buckets',
    day: 'By day (last 31 days)',
    month: 'By month (this year)',
    byCarrier: 'By carrier',
    byEndUse: 'By end use (electricity, last three months)',
    bucketCol: 'Bucket',
    amount: 'Amount',
    quality: 'Quality',
    complete: 'Completeness',
    chartLabel: '{carrier} consumption ({unit}) by {bucket}, {from} to {to}',
    endUseChart: 'Electricity by end use (kWh), {months}',
    endUse: 'End use',
    noEndUse: 'No end use is metered in this subtree.',
    total: 'Total',
    kind: 'Level',
  },
};

/**
 * Consumption by carrier over days or months, each bucket's quality visible, and electricity by 分项 end use.
 * The carrier series are the view's main content (its data-ready marker); the end-use panel needs three monthly
 * carbon reports, far heavier, so it is asked for only once the series are shown (the embedded store reads on two
 * connections: asked together, the reports' queries would take both and hold the series back), with its own
 * loading state (aria-busy on its section). The shell mounts the view afresh for each org, so the panel waits once
 * per org, not again when the buckets change.
 */
function ConsumptionView({ api, orgId }: ViewProps) {
  const locale = useLocale();
  const [bucket, setBucket] = useState<BucketKind>('day');
  // The day series may have been asked already, beside the login check (consumption-request.ts): taken once.
  const [prefetched] = useState(() => takePrefetched(orgId));
  const [nowMs] = useState(() => prefetched?.nowMs ?? Date.now());
  const prefetchUsed = useRef(false);
  const series = useResource(() => {
    const early = bucket === 'day' && !prefetchUsed.current ? prefetched : undefined;
    prefetchUsed.current = true;
    const ask = () => askConsumption(api, orgId, bucket, nowMs, locale.timeZone);
    // A failed early request is asked again through the view's client, which ends the session on a 401.
    return early === undefined ? ask() : early.answer.catch(ask);
  }, [api, orgId, bucket]);
  // The series' charts are part of the main content: ready once the chart library is there too.
  const charts = useChartParts();
  const ready = series.state !== 'loading' && charts !== undefined;
  // Set once the render that shows the series has been committed and its charts are drawn, so the reports go
  // out after them.
  const [endUsesDue, setEndUsesDue] = useState(false);
  useEffect(() => {
    if (!ready) return;
    let current = true;
    void whenDrawn().then(() => current && setEndUsesDue(true));
    return () => {
      current = false;
    };
  }, [ready]);
  const months = useMemo(() => [-2, -1, 0].map((o) => monthLabel(nowMs, locale.timeZone, o)), [nowMs, locale]);
  const endUses = useResource(
    () =>
      Promise.all(
        months.map((period) =>
          api.get<{ endUses: EndUseRow[] }>('/reports/carbon', { org: orgId, period }).then((r) => r.endUses),
        ),
      ),
    [api, orgId, months],
    endUsesDue,
  );
  const t = (key: keyof (typeof messages)['zh'], values?: Record<string, string>) => locale.t(messages, key, values);

  return (
    <div data-ready={ready ? 'true' : undefined}>
      <div class="controls">
        <label for="bucket">{t('bucket')}</label>
        <select
          id="bucket"
          value={bucket}
          onChange={(event) => setBucket(event.currentTarget.value as BucketKind)}
        >
          <option value="day">{t('day')}</option>
          <option value="month">{t('month')}</option>
        </select>
      </div>
      <p class="help">{locale.t(dataMessages, 'qualityLegend')}</p>
      <h2>{t('byCarrier')}</h2>
      <ResourceState resource={series}>
        {(answer) => (
          <div class="carrier-grid">
            {answer.series.map((s) => (
              <CarrierCard key={s.carrier} series={s} bucket={bucket} locale={locale} />
            ))}
          </div>
        )}
      </ResourceState>
      <div data-part="end-uses" aria-busy={endUses.state === 'loading' ? 'true' : undefined}>
        <h2>{t('byEndUse')}</h2>
        <ResourceState resource={endUses}>
          {(perMonth) => <EndUses months={months} perMonth={perMonth} locale={locale} />}
        </ResourceState>
      </div>
    </div>
  );
}

function CarrierCard(props: { series: Series; bucket: BucketKind; locale: Locale }) {
  const { series, bucket, locale } = props;
  const t = (key: keyof (typeof messages)['zh'], values?: Record<string, string>) => locale.t(messages, key, values);
  const name = carrierName(locale, series.carrier);
  const unit = unitName(series.unit);
  const when = (b: Bucket) => (bucket === 'day' ? locale.date(b.start) : locale.month(b.start));
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 56, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: series.buckets.map(when) },
      yAxis: { type: 'value', name: unit },
      series: [
        {
          type: 'bar',
          name,
          // A bucket that is not wholly measured is drawn pale, one held for review in red: the table names it.
          data: series.buckets.map((b) => ({
            value: b.consumption,
            itemStyle: {
              color: b.quality === 'quarantined' ? '#a4262c' : '#0b5f8a',
              opacity: b.quality === 'measured' ? 1 : 0.45,
            },
          })),
        },
      ],
    }),
    [series, bucket, locale],
  );
  const first = series.buckets[0];
  const last = series.buckets[series.buckets.length - 1];
  const label = t('chartLabel', {
    carrier: name,
    unit,
    bucket: t(bucket),
    from: first === undefined ? '' : when(first),
    to: last === undefined ? '' : when(last),
  });
  return (
    <section class="card" data-carrier={series.carrier}>
      <h3>
        {name} · {locale.number(series.totals.consumption, 0)} {unit}
      </h3>
      <EChart option={option} label={label} heightPx={220} />
      <DataTable caption={`${locale.t(dataMessages, 'table')}: ${name}`}>
        <thead>
          <tr>
            <th scope="col">{t('bucketCol')}</th>
            <th scope="col" class="num">
              {t('amount')} ({unit})
            </th>
            <th scope="col">{t('quality')}</th>
            <th scope="col" class="num">
              {t('complete')}
            </th>
          </tr>
        </thead>
        <tbody>
          {series.buckets.map((b) => (
            <tr key={b.start}>
              <th scope="row">{when(b)}</th>
              <td class="num">{locale.number(b.consumption, 1)}</td>
              <td>
                <span class={`quality quality-${b.quality}`} data-quality={b.quality}>
                  {qualityName(locale, b.quality)}
                </span>
              </td>
              <td class="num">{b.completeness === null ? '–' : locale.percent(b.completeness)}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
    </section>
  );
}

function EndUses({ months, perMonth, locale }: { months: string[]; perMonth: EndUseRow[][]; locale: Locale }) {
  const t = (key: keyof (typeof messages)['zh'], values?: Record<string, string>) => locale.t(messages, key, values);
  // Items (and the unmetered remainder) of electricity, in the order of the latest month that has them.
  const rowsOf = (rows: EndUseRow[]) => rows.filter((r) => r.carrier === 'electricity' && r.kind !== 'sub-item');
  const keys = [...new Map(perMonth.flatMap(rowsOf).map((r) => [`${r.kind}:${r.endUse}`, r])).values()];
  const amount = (month: number, key: EndUseRow) =>
    rowsOf(perMonth[month] ?? []).find((r) => r.kind === key.kind && r.endUse === key.endUse)?.consumption ?? 0;
  const monthNames = months.map((m) => periodName(locale, m));
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 64, right: 16, top: 40, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: monthNames },
      yAxis: { type: 'value', name: 'kWh' },
      series: keys.map((key) => ({
        type: 'bar',
        stack: 'endUse',
        name: endUseName(locale.lang, key),
        data: months.map((_m, i) => amount(i, key)),
      })),
    }),
    [perMonth, locale],
  );
  if (keys.length === 0) return <p class="empty">{t('noEndUse')}</p>;
  const subRows = (month: number) => (perMonth[month] ?? []).filter((r) => r.carrier === 'electricity');
  const latest = subRows(months.length - 1).length > 0 ? months.length - 1 : months.length - 2;
  return (
    <section class="card">
      <EChart option={option} label={t('endUseChart', { months: monthNames.join(', ') })} heightPx={300} />
      <DataTable caption={`${locale.t(dataMessages, 'table')}: ${t('endUse')}`}>
        <thead>
          <tr>
            <th scope="col">{t('endUse')}</th>
            <th scope="col">{t('kind')}</th>
            {monthNames.map((m) => (
              <th scope="col" class="num" key={m}>
                {m} (kWh)
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {subRows(Math.max(latest, 0)).map((row) => (
            <tr key={`${row.kind}:${row.endUse}`}>
              <th scope="row">
                {row.kind === 'sub-item' ? '　' : ''}
                {endUseName(locale.lang, row)}
              </th>
              <td>{row.endUse ?? '–'}</td>
              {months.map((m, i) => (
                <td class="num" key={m}>
                  {locale.number(
                    (perMonth[i] ?? []).find(
                      (r) => r.carrier === 'electricity' && r.kind === row.kind && r.endUse === row.endUse,
                    )?.consumption ?? 0,
                    0,
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </DataTable>
    </section>
  );
}

export const consumptionView: DashboardView = {
  id: 'consumption',
  title: messages,
  component: ConsumptionView,
  prefetch: prefetchConsumption,
  charts: true,
};
