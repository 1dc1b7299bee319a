import { useState } from 'preact/hooks';
import type { ApiClient } from '../../api/api-client.js';
import { useLocale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, ViewProps } from '../dashboard-view.js';
import { ACTIVE_STATES, actionsOf, mergeAlerts, needsJustification } from './alert-order.js';
import {
  ALERT_RULES,
  ALERT_STATES,
  type Alert,
  type AlertPage,
  type AlertRule,
  type AlertState,
  type Severity,
} from './ops-api.js';
import { ConfirmForm, ErrorNote, focusSoon, Loading, sharedMessages, useLoad } from './ops-shared.js';

const PAGE_SIZE = 50;

const messages: Messages<
  | 'title'
  | 'filters'
  | 'state'
  | 'rule'
  | 'active'
  | 'all'
  | 'count'
  | 'severity'
  | 'subject'
  | 'summary'
  | 'opened'
  | 'actions'
  | 'acknowledge'
  | 'resolve'
  | 'justification'
  | 'justificationRequired'
  | 'justificationOptional'
  | 'note'
  | 'noteHint'
  | 'send'
  | 'acknowledged'
  | 'resolved'
  | 'more'
  | 'readOnly'
  | 'formAck'
  | 'formResolve'
> = {
  zh: {
    title: '告警',
    filters: '筛选',
    state: '状态',
    rule: '规则',
    active: '未解决（未处理、已通知、已确认）',
    all: '全部',
    count: '共 {count} 条',
    severity: '级别',
    subject: '对象',
    summary: '说明',
    opened: '产生时间',
    actions: '操作',
    acknowledge: '确认',
    resolve: '解决',
    justification: '说明理由',
    justificationRequired: '定额超限告警必须填写理由，否则服务将拒绝确认。',
    justificationOptional: '可选：告警成立的原因或已采取的措施。',
    note: '处理说明',
    noteHint: '未确认的定额告警在解决时必须填写说明。',
    send: '提交',
    acknowledged: '告警 {id} 已确认',
    resolved: '告警 {id} 已解决',
    more: '加载更多',
    readOnly: '当前角色只能查看告警（无 alerts:act 权限）。',
    formAck: '确认告警 {id}',
    formResolve: '解决告警 {id}',
  },
  en: {
    title: 'Alerts',
    filters: 'Filters',
    state: 'State',
    rule: 'Rule',
    active: 'Unresolved (open, notified, acknowledged)',
    all: 'All',
    count: '{count} alerts',
    severity: 'Severity',
    subject: 'Subject',
    summary: 'Summary',
    opened: 'Opened',
    actions: 'Actions',
    acknowledge: 'Acknowledge',
    resolve: 'Resolve',
    justification: 'Justification',
    justificationRequired: 'Required for a quota overrun: the service refuses the acknowledgement without it.',
    justificationOptional: 'Optional: why the alert stands or what is done about it.',
    note: 'Note',
    noteHint: 'Required to resolve a quota alert that was not acknowledged.',
    send: 'Submit',
    acknowledged: 'Alert {id} acknowledged',
    resolved: 'Alert {id} resolved',
    more: 'Load more',
    readOnly: 'Your role may read alerts but not act on them (no alerts:act).',
    formAck: 'Acknowledge alert {id}',
    formResolve: 'Resolve alert {id}',
  },
};

export const ruleMessages: Messages<AlertRule> = {
  zh: {
    quota_prorated: '定额（按月累计）',
    quota_annual: '年度定额',
    quota_projection: '年末预测超定额',
    baseline_anomaly: '偏离基线',
    off_hours_waste: '非工作时间浪费',
    meter_offline: '表计离线',
    stuck_register: '读数停滞',
    held_readings: '读数待审核',
    sequence_gap: '序号缺口',
    clock_skew: '时钟偏差',
    submeter_imbalance: '分表不平衡',
    quarantine_rate: '隔离率过高',
  },
  en: {
    quota_prorated: 'Quota (prorated)',
    quota_annual: 'Annual quota',
    quota_projection: 'Quota projection',
    baseline_anomaly: 'Baseline anomaly',
    off_hours_waste: 'Off-hours waste',
    meter_offline: 'Meter offline',
    stuck_register: 'Stuck register',
    held_readings: 'Readings held',
    sequence_gap: 'Sequence gap',
    clock_skew: 'Clock skew',
    submeter_imbalance: 'Sub-meter imbalance',
    quarantine_rate: 'Quarantine rate',
  },
};

export const stateMessages: Messages<AlertState> = {
  zh: { open: '未处理', notified: '已通知', acknowledged: '已确认', resolved: '已解决' },
  en: { open: 'Open', notified: 'Notified', acknowledged: 'Acknowledged', resolved: 'Resolved' },
};

export const severityMessages: Messages<Severity> = {
  zh: { critical: '严重', warning: '警告', info: '提示' },
  en: { critical: 'Critical', warning: 'Warning', info: 'Info' },
};

type StateFilter = 'active' | 'all' | AlertState;

interface Listing {
  alerts: Alert[];
  /** One cursor per query still having pages; empty when everything is shown. */
  cursors: { state: AlertState | undefined; after: string }[];
}

async function fetchAlerts(
  api: ApiClient,
  orgId: string,
  filter: StateFilter,
  rule: AlertRule | '',
  cursors?: Listing['cursors'],
): Promise<Listing> {
  const queries =
    cursors ??
    (filter === 'active' ? ACTIVE_STATES : [filter === 'all' ? undefined : filter]).map((state) => ({
      state,
      after: undefined as string | undefined,
    }));
  const pages = await Promise.all(
    queries.map(async ({ state, after }) => ({
      state,
      page: await api.get<AlertPage>('/alerts', {
        org: orgId,
        state,
        rule: rule === '' ? undefined : rule,
        limit: PAGE_SIZE,
        after,
      }),
    })),
  );
  return {
    alerts: mergeAlerts(...pages.map((p) => p.page.items)),
    cursors: pages.flatMap(({ state, page }) => (page.nextAfter === null ? [] : [{ state, after: page.nextAfter }])),
  };
}

/** Open alerts of the selected org, most severe and newest first; acknowledge and resolve (docs/alerts.md). */
function AlertsView({ api, orgId, session }: ViewProps) {
  const locale = useLocale();
  const { t } = locale;
  const [filter, setFilter] = useState<StateFilter>('active');
  const [rule, setRule] = useState<AlertRule | ''>('');
  const [extra, setExtra] = useState<{ key: string; listing: Listing } | undefined>(undefined);
  const [load, reload] = useLoad(() => fetchAlerts(api, orgId, filter, rule), [api, orgId, filter, rule]);
  const [open, setOpen] = useState<{ id: string; action: 'ack' | 'resolve' } | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  // Who acts: the token's holder to start with, which the officer corrects to a person's name where it is shared.
  const [by, setBy] = useState(session.subject);
  const mayAct = session.permissions.includes('alerts:act');
  const key = `${orgId}|${filter}|${rule}`;

  const listing: Listing | undefined =
    load.state !== 'done'
      ? undefined
      : extra?.key === key
        ? { alerts: mergeAlerts(load.value.alerts, extra.listing.alerts), cursors: extra.listing.cursors }
        : load.value;

  const loadMore = async () => {
    if (listing === undefined) return;
    const next = await fetchAlerts(api, orgId, filter, rule, listing.cursors);
    setExtra({ key, listing: { alerts: mergeAlerts(listing.alerts, next.alerts), cursors: next.cursors } });
  };

  const finished = (text: string) => {
    setOpen(undefined);
    setDone(text);
    setExtra(undefined);
    reload();
    focusSoon('ops-alerts-done');
  };

  return (
    <div class="ops-view" data-ready={listing === undefined ? undefined : 'true'}>
      <form class="ops-filters" aria-label={t(messages, 'filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t(messages, 'state')}{' '}
          <select
            name="state"
            value={filter}
            onChange={(e) => setFilter((e.target as HTMLSelectElement).value as StateFilter)}
          >
            <option value="active">{t(messages, 'active')}</option>
            {ALERT_STATES.map((s) => (
              <option key={s} value={s}>
                {t(stateMessages, s)}
              </option>
            ))}
            <option value="all">{t(messages, 'all')}</option>
          </select>
        </label>
        <label>
          {t(messages, 'rule')}{' '}
          <select
            name="rule"
            value={rule}
            onChange={(e) => setRule((e.target as HTMLSelectElement).value as AlertRule | '')}
          >
            <option value="">{t(messages, 'all')}</option>
            {ALERT_RULES.map((r) => (
              <option key={r} value={r}>
                {t(ruleMessages, r)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {mayAct ? null : <p class="ops-muted">{t(messages, 'readOnly')}</p>}
      <p id="ops-alerts-done" class="ops-done" role="status" tabIndex={-1}>
        {done ?? ''}
      </p>
      {load.state === 'loading' ? <Loading /> : null}
      {load.state === 'failed' ? <ErrorNote error={load.error} /> : null}
      {listing === undefined ? null : (
        <>
          <p class="ops-muted">{t(messages, 'count', { count: listing.alerts.length })}</p>
          <div class="ops-scroll">
            <table class="ops-table" data-testid="alerts-table">
              <caption class="ops-sr">{t(messages, 'title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t(messages, 'severity')}</th>
                  <th scope="col">{t(messages, 'rule')}</th>
                  <th scope="col">{t(messages, 'subject')}</th>
                  <th scope="col">{t(messages, 'summary')}</th>
                  <th scope="col">{t(messages, 'opened')}</th>
                  <th scope="col">{t(messages, 'state')}</th>
                  {mayAct ? <th scope="col">{t(messages, 'actions')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {listing.alerts.length === 0 ? (
                  <tr>
                    <td colSpan={mayAct ? 7 : 6}>{t(sharedMessages, 'empty')}</td>
                  </tr>
                ) : null}
                {listing.alerts.map((alert) => (
                  <AlertRow
                    key={alert.id}
                    alert={alert}
                    mayAct={mayAct}
                    open={open?.id === alert.id ? open.action : undefined}
                    onOpen={(action) => {
                      setOpen(action === undefined ? undefined : { id: alert.id, action });
                      setDone(undefined);
                    }}
                    api={api}
                    by={by}
                    onBy={setBy}
                    onDone={finished}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {listing.cursors.length > 0 ? (
            <button type="button" onClick={() => void loadMore()}>
              {t(messages, 'more')}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}

interface RowProps {
  alert: Alert;
  mayAct: boolean;
  open: 'ack' | 'resolve' | undefined;
  onOpen: (action: 'ack' | 'resolve' | undefined) => void;
  api: ApiClient;
  by: string;
  onBy: (by: string) => void;
  onDone: (text: string) => void;
}

function AlertRow({ alert, mayAct, open, onOpen, api, by, onBy, onDone }: RowProps) {
  const locale = useLocale();
  const { t } = locale;
  const can = actionsOf(alert);
  const formId = `ops-alert-form-${alert.id}`;
  const toggle = (action: 'ack' | 'resolve') => {
    onOpen(open === action ? undefined : action);
    if (open !== action) focusSoon(`${formId}-by`);
  };
  return (
    <>
      <tr data-alert-id={alert.id} data-rule={alert.rule} data-state={alert.state}>
        <td>
          <span class={`ops-badge ops-${alert.severity}`}>{t(severityMessages, alert.severity)}</span>
        </td>
        <td>{t(ruleMessages, alert.rule)}</td>
        <td>
          <code>{alert.subject.id}</code>
        </td>
        <td>{alert.summary[locale.lang]}</td>
        <td class="ops-nowrap">{locale.date(alert.openedAt, true)}</td>
        <td class="ops-nowrap">{t(stateMessages, alert.state)}</td>
        {mayAct ? (
          <td class="ops-actions">
            {can.acknowledge ? (
              <button
                type="button"
                data-action="ack"
                aria-expanded={open === 'ack'}
                aria-controls={formId}
                onClick={() => toggle('ack')}
              >
                {t(messages, 'acknowledge')}
              </button>
            ) : null}
            {can.resolve ? (
              <button
                type="button"
                data-action="resolve"
                aria-expanded={open === 'resolve'}
                aria-controls={formId}
                onClick={() => toggle('resolve')}
              >
                {t(messages, 'resolve')}
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
      {open === undefined ? null : (
        <tr class="ops-form-row">
          <td colSpan={7}>
            <ActionForm
              id={formId}
              alert={alert}
              action={open}
              api={api}
              by={by}
              onBy={onBy}
              onCancel={() => onOpen(undefined)}
              onDone={onDone}
            />
          </td>
        </tr>
      )}
    </>
  );
}

interface FormProps {
  id: string;
  alert: Alert;
  action: 'ack' | 'resolve';
  api: ApiClient;
  by: string;
  onBy: (by: string) => void;
  onCancel: () => void;
  onDone: (text: string) => void;
}

/** Acknowledge or resolve: who acts, and the justification or note; a refusal shows the service's code. */
function ActionForm({ id, alert, action, api, by, onBy, onCancel, onDone }: FormProps) {
  const { t } = useLocale();
  const [text, setText] = useState('');
  const required = action === 'ack' && needsJustification(alert.rule);
  const textLabel = action === 'ack' ? t(messages, 'justification') : t(messages, 'note');
  const hint =
    action === 'ack'
      ? t(messages, required ? 'justificationRequired' : 'justificationOptional')
      : needsJustification(alert.rule) && alert.acknowledged === null
        ? t(messages, 'noteHint')
        : '';

  const submit = async () => {
    const path = `/alerts/${encodeURIComponent(alert.id)}/${action === 'ack' ? 'ack' : 'resolve'}`;
    const trimmed = text.trim() === '' ? undefined : text;
    const body = action === 'ack' ? { by, justification: trimmed } : { by, note: trimmed };
    await api.post<Alert>(path, body);
    onDone(t(messages, action === 'ack' ? 'acknowledged' : 'resolved', { id: alert.id }));
  };

  return (
    <ConfirmForm
      id={id}
      label={t(messages, action === 'ack' ? 'formAck' : 'formResolve', { id: alert.id })}
      submitLabel={t(messages, action === 'ack' ? 'acknowledge' : 'resolve')}
      data={{ 'data-action': action }}
      onSubmit={submit}
      onCancel={onCancel}
    >
      <label for={`${id}-by`}>{t(sharedMessages, 'by')}</label>
      <input
        id={`${id}-by`}
        name="by"
        required
        autoComplete="name"
        value={by}
        onInput={(e) => onBy((e.target as HTMLInputElement).value)}
      />
      <label for={`${id}-text`}>
        {textLabel}
        {required ? ' *' : ''}
      </label>
      <textarea
        id={`${id}-text`}
        name={action === 'ack' ? 'justification' : 'note'}
        rows={3}
        aria-describedby={hint === '' ? undefined : `${id}-hint`}
        value={text}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
      />
      {hint === '' ? null : (
        <p id={`${id}-hint`} class="ops-hint">
          {hint}
        </p>
      )}
    </ConfirmForm>
  );
}

export const alertsView: DashboardView = {
  id: 'alerts',
  title: { zh: { title: messages.zh.title }, en: { title: messages.en.title } },
  permission: 'alerts:read',
  component: AlertsView,
};
