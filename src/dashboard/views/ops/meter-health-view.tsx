import { useState } from 'preact/hooks';
import type { ApiClient } from '../../api/api-client.js';
import { useChartParts } from '../../charts/e-chart.js';
import { useLocale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, ViewProps } from '../dashboard-view.js';
import { severityMessages } from './alerts-view.js';
import { BaselineChart, BaselineTable } from './baseline-chart.js';
import { isOffline, lastReadings, orderMeters, raisedFindings, subtreeOf } from './meter-order.js';
import type { Meter, MeterBaseline, MeterHealth, OrgNode, ReadingsPage, Verdict } from './ops-api.js';
import { ErrorNote, focusSoon, Loading, sharedMessages, useLoad } from './ops-shared.js';

const SHOWN_READINGS = 12;

const messages: Messages<
  | 'title'
  | 'meter'
  | 'institution'
  | 'carrier'
  | 'state'
  | 'lastReading'
  | 'findings'
  | 'open'
  | 'offline'
  | 'reporting'
  | 'late'
  | 'never_reported'
  | 'none'
  | 'details'
  | 'close'
  | 'rule'
  | 'verdict'
  | 'severity'
  | 'measured'
  | 'summary'
  | 'readings'
  | 'time'
  | 'value'
  | 'quality'
  | 'review'
  | 'baseline'
  | 'baselineStatus'
  | 'count'
  | 'asOf'
> = {
  zh: {
    title: '表计状态',
    meter: '表计',
    institution: '单位',
    carrier: '能源品种',
    state: '状态',
    lastReading: '最后读数',
    findings: '异常',
    open: '查看',
    offline: '离线',
    reporting: '正常上报',
    late: '延迟',
    never_reported: '从未上报',
    none: '无',
    details: '表计 {id}',
    close: '关闭',
    rule: '规则',
    verdict: '判定',
    severity: '级别',
    measured: '测量值 / 阈值',
    summary: '说明',
    readings: '最近读数',
    time: '时间',
    value: '读数',
    quality: '质量',
    review: '待审核原因',
    baseline: '基线',
    baselineStatus: '基线状态：{status}',
    count: '{offline} 块离线，共 {count} 块表计',
    asOf: '截至 {at}',
  },
  en: {
    title: 'Meter health',
    meter: 'Meter',
    institution: 'Institution',
    carrier: 'Carrier',
    state: 'State',
    lastReading: 'Last reading',
    findings: 'Findings',
    open: 'Open',
    offline: 'Offline',
    reporting: 'Reporting',
    late: 'Late',
    never_reported: 'Never reported',
    none: 'None',
    details: 'Meter {id}',
    close: 'Close',
    rule: 'Rule',
    verdict: 'Verdict',
    severity: 'Severity',
    measured: 'Measured / threshold',
    summary: 'Summary',
    readings: 'Last readings',
    time: 'Time',
    value: 'Value',
    quality: 'Quality',
    review: 'Held for review',
    baseline: 'Baseline',
    baselineStatus: 'Baseline status: {status}',
    count: '{offline} offline of {count} meters',
    asOf: 'as of {at}',
  },
};

const verdictMessages: Messages<Verdict> = {
  zh: { raise: '成立', clear: '正常', hold: '保持' },
  en: { raise: 'Raised', clear: 'Clear', hold: 'Held' },
};

interface MetersWithHealth {
  meters: Meter[];
  /** Each meter's health as of one instant, from one request for the whole org (GET /meter-health). */
  byMeter: Map<string, MeterHealth>;
}

async function fetchMeters(api: ApiClient, orgs: readonly OrgNode[], orgId: string): Promise<MetersWithHealth> {
  const [{ meters }, health] = await Promise.all([
    api.get<{ meters: Meter[] }>('/meters'),
    api.get<{ at: string; meters: { meter: string; findings: MeterHealth['findings'] }[] }>('/meter-health', {
      org: orgId,
    }),
  ]);
  const subtree = subtreeOf(orgs, orgId);
  const byMeter = new Map(health.meters.map((m) => [m.meter, { meter: m.meter, at: health.at, findings: m.findings }]));
  return { meters: meters.filter((m) => subtree.has(m.institution)), byMeter };
}

/** Each meter of the org with its state and last reading, offline meters first; one meter opened in detail. */
function MeterHealthView({ api, orgId, orgs }: ViewProps) {
  const locale = useLocale();
  const { t } = locale;
  const [load] = useLoad(() => fetchMeters(api, orgs, orgId), [api, orgs, orgId]);
  const [opened, setOpened] = useState<Meter | undefined>(undefined);

  const byMeter = load.state === 'done' ? load.value.byMeter : new Map<string, MeterHealth>();
  const ready = load.state !== 'loading';
  const meters = load.state === 'done' ? orderMeters(load.value.meters, byMeter) : [];
  const offline = meters.filter((m) => isOffline(m, byMeter.get(m.id))).length;

  const open = (meter: Meter) => {
    setOpened(meter);
    focusSoon('ops-meter-detail-title');
  };

  return (
    <div class="ops-view" data-ready={ready ? 'true' : undefined}>
      {load.state === 'loading' ? <Loading /> : null}
      {load.state === 'failed' ? <ErrorNote error={load.error} /> : null}
      {load.state !== 'done' ? null : (
        <div class={opened === undefined ? '' : 'ops-split'}>
          <div>
            <p class="ops-muted">{t(messages, 'count', { offline, count: meters.length })}</p>
            <div class="ops-scroll">
              <table class="ops-table" data-testid="meters-table">
                <caption class="ops-sr">{t(messages, 'title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t(messages, 'state')}</th>
                    <th scope="col">{t(messages, 'meter')}</th>
                    <th scope="col">{t(messages, 'institution')}</th>
                    <th scope="col">{t(messages, 'carrier')}</th>
                    <th scope="col">{t(messages, 'lastReading')}</th>
                    <th scope="col">{t(messages, 'findings')}</th>
                    <th scope="col">
                      <span class="ops-sr">{t(messages, 'open')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {meters.length === 0 ? (
                    <tr>
                      <td colSpan={7}>{t(sharedMessages, 'empty')}</td>
                    </tr>
                  ) : null}
                  {meters.map((meter) => {
                    const h = byMeter.get(meter.id);
                    const down = isOffline(meter, h);
                    const raised = raisedFindings(h);
                    return (
                      <tr key={meter.id} data-meter-id={meter.id} data-offline={down ? 'true' : 'false'}>
                        <td>
                          <span class={`ops-badge ${down ? 'ops-critical' : 'ops-ok'}`}>
                            {down ? t(messages, 'offline') : t(messages, 'reporting')}
                          </span>
                          {meter.state === 'reporting' ? null : (
                            <span class="ops-muted"> ({t(messages, meter.state)})</span>
                          )}
                        </td>
                        <th scope="row">
                          <code>{meter.id}</code>
                          {meter.name === null ? null : <div class="ops-muted">{meter.name}</div>}
                        </th>
                        <td>{meter.institution}</td>
                        <td>{meter.carrier}</td>
                        <td>{meter.lastReadingAt === null ? '—' : locale.date(meter.lastReadingAt, true)}</td>
                        <td>
                          {h === undefined
                            ? '—'
                            : raised.length === 0
                              ? t(messages, 'none')
                              : raised.map((f) => f.rule).join(', ')}
                        </td>
                        <td>
                          <button
                            type="button"
                            aria-label={`${t(messages, 'open')} ${meter.id}`}
                            aria-pressed={opened?.id === meter.id}
                            onClick={() => open(meter)}
                          >
                            {t(messages, 'open')}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </div>
          {opened === undefined ? null : (
            <MeterDetail
              key={opened.id}
              api={api}
              meter={opened}
              onClose={() => {
                const id = opened.id;
                setOpened(undefined);
                requestAnimationFrame(() =>
                  document.querySelector<HTMLButtonElement>(`tr[data-meter-id="${CSS.escape(id)}"] button`)?.focus(),
                );
              }}
            />
          )}
        </div>
      )}
    </div>
  );
}

interface Detail {
  health: MeterHealth;
  readings: ReadingsPage;
  baseline: MeterBaseline;
}

async function fetchDetail(api: ApiClient, meterId: string): Promise<Detail> {
  const id = encodeURIComponent(meterId);
  const [health, readings, baseline] = await Promise.all([
    api.get<MeterHealth>(`/meters/${id}/health`),
    api.get<ReadingsPage>('/readings', { meter: meterId }),
    api.get<MeterBaseline>(`/meters/${id}/baseline`),
  ]);
  return { health, readings, baseline };
}

function MeterDetail({ api, meter, onClose }: { api: ApiClient; meter: Meter; onClose: () => void }) {
  const locale = useLocale();
  const { t, number } = locale;
  const [load] = useLoad(() => fetchDetail(api, meter.id), [api, meter.id]);
  // The band's chart is part of what the detail shows: ready once the chart library is there too.
  const charts = useChartParts();
  return (
    <section
      class="ops-detail"
      aria-labelledby="ops-meter-detail-title"
      data-testid="meter-detail"
      data-meter-id={meter.id}
      data-ready={load.state === 'loading' || charts === undefined ? undefined : 'true'}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <div class="ops-detail-head">
        <h2 id="ops-meter-detail-title" tabIndex={-1}>
          {t(messages, 'details', { id: meter.id })}
        </h2>
        <button type="button" onClick={onClose}>
          {t(messages, 'close')}
        </button>
      </div>
      {meter.name === null ? null : <p>{meter.name}</p>}
      {load.state === 'loading' ? <Loading /> : null}
      {load.state === 'failed' ? <ErrorNote error={load.error} /> : null}
      {load.state !== 'done' ? null : (
        <>
          <h3>
            {t(messages, 'findings')}{' '}
            <span class="ops-muted">{t(messages, 'asOf', { at: locale.date(load.value.health.at, true) })}</span>
          </h3>
          <div class="ops-scroll">
            <table class="ops-table ops-compact" data-testid="health-table">
              <thead>
                <tr>
                  <th scope="col">{t(messages, 'rule')}</th>
                  <th scope="col">{t(messages, 'verdict')}</th>
                  <th scope="col">{t(messages, 'severity')}</th>
                  <th scope="col">{t(messages, 'measured')}</th>
                  <th scope="col">{t(messages, 'summary')}</th>
                </tr>
              </thead>
              <tbody>
                {load.value.health.findings.map((f) => (
                  <tr key={f.rule} data-rule={f.rule} data-verdict={f.verdict}>
                    <th scope="row">{f.rule}</th>
                    <td>{t(verdictMessages, f.verdict)}</td>
                    <td>{t(severityMessages, f.severity)}</td>
                    <td>
                      {number(f.measured.value, 2)} / {number(f.measured.threshold, 2)} {f.measured.unit}
                    </td>
                    <td>{f.summary[locale.lang]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>{t(messages, 'readings')}</h3>
          <div class="ops-scroll">
            <table class="ops-table ops-compact" data-testid="readings-table">
              <thead>
                <tr>
                  <th scope="col">{t(messages, 'time')}</th>
                  <th scope="col">
                    {t(messages, 'value')} ({load.value.readings.unit})
                  </th>
                  <th scope="col">{t(messages, 'quality')}</th>
                  <th scope="col">{t(messages, 'review')}</th>
                </tr>
              </thead>
              <tbody>
                {load.value.readings.items.length === 0 ? (
                  <tr>
                    <td colSpan={4}>{t(sharedMessages, 'empty')}</td>
                  </tr>
                ) : null}
                {lastReadings(load.value.readings.items, SHOWN_READINGS).map((r) => (
                  <tr key={`${r.ts}:${r.value}`} data-ts={r.ts}>
                    <td>{locale.date(r.ts, true)}</td>
                    <td>{number(r.value, 3)}</td>
                    <td>{r.quality}</td>
                    <td>{r.review ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>{t(messages, 'baseline')}</h3>
          <p class="ops-muted" data-testid="baseline-status">
            {t(messages, 'baselineStatus', { status: load.value.baseline.status })}
            {load.value.baseline.reason === null ? '' : ` (${load.value.baseline.reason})`}
          </p>
          {load.value.baseline.profile.length === 0 ? null : (
            <>
              <BaselineChart bands={load.value.baseline.profile} unit={load.value.baseline.unit} />
              <BaselineTable bands={load.value.baseline.profile} />
            </>
          )}
        </>
      )}
    </section>
  );
}

export const meterHealthView: DashboardView = {
  id: 'meter-health',
  title: { zh: { title: messages.zh.title }, en: { title: messages.en.title } },
  // The registry needs reports:read, the meters' health alerts:read (docs/access.md).
  permission: 'alerts:read',
  component: MeterHealthView,
};
