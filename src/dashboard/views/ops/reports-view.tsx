import { useState } from 'preact/hooks';
import type { ApiClient, ApiError } from '../../api/api-client.js';
import { useLocale, type Messages } from '../../i18n/i18n.js';
import type { DashboardView, Session, ViewProps } from '../dashboard-view.js';
import {
  REPORT_FORMATS,
  REVIEW_STATUSES,
  type ReportFormat,
  type ReviewItem,
  type ReviewList,
  type ReviewOutcome,
  type ReviewStatusKind,
  type Revisions,
} from './ops-api.js';
import {
  asError,
  ConfirmForm,
  ErrorNote,
  focusSoon,
  Loading,
  saveDownload,
  sharedMessages,
  useLoad,
} from './ops-shared.js';
import { previousMonth, reviewActionsOf } from './review-actions.js';

/** The fleet's zone (config/demo-fleet.yaml): the default month is its last complete one. */
const FLEET_TIME_ZONE = 'Asia/Shanghai';

const messages: Messages<
  | 'title'
  | 'month'
  | 'report'
  | 'reportHint'
  | 'saved'
  | 'closed'
  | 'closedFor'
  | 'notClosed'
  | 'revision'
  | 'closedAt'
  | 'closedBy'
  | 'justification'
  | 'digest'
  | 'downloads'
  | 'review'
  | 'institution'
  | 'status'
  | 'awaiting'
  | 'submitted'
  | 'returnedBy'
  | 'actions'
  | 'submit'
  | 'approve'
  | 'return'
  | 'reason'
  | 'confirmSubmit'
  | 'confirmApprove'
  | 'confirmReturn'
  | 'answer'
  | 'showRevisions'
  | 'counts'
  | 'noInstitutions'
> = {
  zh: {
    title: '报表与核算期',
    month: '月份',
    report: '碳排放报表',
    reportHint: '所选单位 {org} 的 {period} 报表',
    saved: '已保存 {file}',
    closed: '已关账的核算期',
    closedFor: '{org} 的 {period} 各版本',
    notClosed: '该期间尚未关账。',
    revision: '版本',
    closedAt: '关账时间',
    closedBy: '关账人',
    justification: '理由',
    digest: '签名摘要（SHA-256）',
    downloads: '下载',
    review: '逐级审核状态',
    institution: '单位',
    status: '状态',
    awaiting: '待审核方',
    submitted: '已报送版本',
    returnedBy: '退回（退回方与原因）',
    actions: '操作',
    submit: '报送',
    approve: '审核通过',
    return: '退回',
    reason: '退回原因',
    confirmSubmit: '确认报送 {org} {period} 的第 {revision} 版？',
    confirmApprove: '确认以{level}身份审核通过 {org} {period}？',
    confirmReturn: '确认以{level}身份退回 {org} {period}？',
    answer: '{org}：{step}，现状态为“{status}”',
    showRevisions: '版本',
    counts: '各状态单位数',
    noInstitutions: '该范围内没有单位。',
  },
  en: {
    title: 'Reports and periods',
    month: 'Month',
    report: 'Carbon report',
    reportHint: 'The report of {org} for {period}',
    saved: 'Saved {file}',
    closed: 'Closed periods',
    closedFor: 'Revisions of {org} for {period}',
    notClosed: 'This period is not closed.',
    revision: 'Revision',
    closedAt: 'Closed at',
    closedBy: 'Closed by',
    justification: 'Justification',
    digest: 'Signed digest (SHA-256)',
    downloads: 'Downloads',
    review: 'Review up the tree',
    institution: 'Institution',
    status: 'Status',
    awaiting: 'Awaiting',
    submitted: 'Submitted revision',
    returnedBy: 'Returned (by, why)',
    actions: 'Actions',
    submit: 'Submit',
    approve: 'Approve',
    return: 'Return',
    reason: 'Reason for returning',
    confirmSubmit: 'Submit revision {revision} of {org} for {period}?',
    confirmApprove: 'Approve {org} for {period} as the {level}?',
    confirmReturn: 'Return {org} for {period} as the {level}?',
    answer: '{org}: {step}; the status is now “{status}”',
    showRevisions: 'Revisions',
    counts: 'Institutions per status',
    noInstitutions: 'No institution in this subtree.',
  },
};

const statusMessages: Messages<ReviewStatusKind> = {
  zh: {
    not_submitted: '未报送',
    submitted: '已报送',
    returned: '已退回',
    approved_at_county: '县级已审核',
    approved_at_city: '市级已审核',
    approved: '审核完成',
  },
  en: {
    not_submitted: 'Not submitted',
    submitted: 'Submitted',
    returned: 'Returned',
    approved_at_county: 'Approved by the county',
    approved_at_city: 'Approved by the city',
    approved: 'Approved',
  },
};

const levelMessages: Messages<'county' | 'city' | 'region'> = {
  zh: { county: '县级', city: '市级', region: '省级' },
  en: { county: 'county', city: 'city', region: 'region' },
};

const stepMessages: Messages<'submitted' | 'approved' | 'returned'> = {
  zh: { submitted: '已报送', approved: '已审核通过', returned: '已退回' },
  en: { submitted: 'submitted', approved: 'approved', returned: 'returned' },
};

const formatMessages: Messages<ReportFormat> = {
  zh: { json: 'JSON', csv: 'CSV', pdf: 'PDF', xlsx: 'Excel' },
  en: { json: 'JSON', csv: 'CSV', pdf: 'PDF', xlsx: 'Excel' },
};

/** Who has not submitted and who was returned come first: what the officer must chase. */
const STATUS_ORDER: readonly ReviewStatusKind[] = [
  'returned',
  'not_submitted',
  'submitted',
  'approved_at_county',
  'approved_at_city',
  'approved',
];

/** Report downloads for a month, the period's closed revisions, and the review across the tree (docs/periods.md). */
function ReportsView({ api, orgId, session, orgs }: ViewProps) {
  const { t } = useLocale();
  const [period, setPeriod] = useState(() => previousMonth(Date.now(), FLEET_TIME_ZONE));
  const [revisionsOrg, setRevisionsOrg] = useState<{ for: string; org: string } | undefined>(undefined);
  const names = new Map(orgs.map((o) => [o.id, o.name]));
  const roots = new Set(orgs.filter((o) => o.parent === null).map((o) => o.id));
  const shownOrg = revisionsOrg?.for === `${orgId}|${period}` ? revisionsOrg.org : orgId;
  const nameOf = (id: string) => names.get(id) ?? id;
  const [revisionsReady, setRevisionsReady] = useState(false);
  const [reviewReady, setReviewReady] = useState(false);

  return (
    <div class="ops-view" data-ready={revisionsReady && reviewReady ? 'true' : undefined}>
      <form class="ops-filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t(messages, 'month')}{' '}
          <input
            type="month"
            name="period"
            value={period}
            required
            onChange={(e) => {
              const value = (e.target as HTMLInputElement).value;
              if (/^\d{4}-\d{2}$/.test(value)) setPeriod(value);
            }}
          />
        </label>
      </form>
      <ReportDownloads api={api} orgId={orgId} period={period} orgName={nameOf(orgId)} />
      <RevisionList api={api} orgId={shownOrg} period={period} orgName={nameOf(shownOrg)} onReady={setRevisionsReady} />
      <ReviewTable
        api={api}
        orgId={orgId}
        period={period}
        session={session}
        roots={roots}
        nameOf={nameOf}
        onShowRevisions={(org) => {
          setRevisionsOrg({ for: `${orgId}|${period}`, org });
          focusSoon('ops-revisions-title');
        }}
        onReady={setReviewReady}
      />
    </div>
  );
}

function useLang() {
  return useLocale().lang;
}

function ReportDownloads(props: { api: ApiClient; orgId: string; period: string; orgName: string }) {
  const { api, orgId, period, orgName } = props;
  const { t } = useLocale();
  const lang = useLang();
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const download = async (format: ReportFormat) => {
    setSaved(undefined);
    setError(undefined);
    try {
      const file = await saveDownload(api, '/reports/carbon', { org: orgId, period, format, lang });
      setSaved(t(messages, 'saved', { file }));
    } catch (caught) {
      setError(asError(caught));
    }
  };
  return (
    <section class="ops-card" aria-labelledby="ops-report-title" data-testid="report-downloads">
      <h2 id="ops-report-title">{t(messages, 'report')}</h2>
      <p class="ops-muted">{t(messages, 'reportHint', { org: orgName, period })}</p>
      <div class="ops-buttons" role="group" aria-label={t(messages, 'downloads')}>
        {REPORT_FORMATS.map((format) => (
          <button key={format} type="button" data-format={format} onClick={() => void download(format)}>
            {t(formatMessages, format)}
          </button>
        ))}
      </div>
      <p class="ops-done" role="status">
        {saved ?? ''}
      </p>
      {error === undefined ? null : <ErrorNote error={error} />}
    </section>
  );
}

function RevisionList(props: {
  api: ApiClient;
  orgId: string;
  period: string;
  orgName: string;
  onReady: (ready: boolean) => void;
}) {
  const { api, orgId, period, orgName, onReady } = props;
  const locale = useLocale();
  const { t } = locale;
  const [load] = useLoad(async () => {
    onReady(false);
    try {
      return await api.get<Revisions>(`/periods/${encodeURIComponent(orgId)}/${encodeURIComponent(period)}/revisions`);
    } finally {
      onReady(true);
    }
  }, [api, orgId, period]);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const download = async (revision: number, format: ReportFormat) => {
    setError(undefined);
    try {
      const path = `/periods/${encodeURIComponent(orgId)}/${encodeURIComponent(period)}/revisions/${revision}`;
      await saveDownload(api, path, { format, lang: locale.lang });
    } catch (caught) {
      setError(asError(caught));
    }
  };
  return (
    <section class="ops-card" aria-labelledby="ops-revisions-title" data-testid="revisions">
      <h2 id="ops-revisions-title" tabIndex={-1}>
        {t(messages, 'closed')}: {t(messages, 'closedFor', { org: orgName, period })}
      </h2>
      {load.state === 'loading' ? <Loading /> : null}
      {load.state === 'failed' ? <ErrorNote error={load.error} /> : null}
      {error === undefined ? null : <ErrorNote error={error} />}
      {load.state !== 'done' ? null : load.value.revisions.length === 0 ? (
        <p class="ops-muted">{t(messages, 'notClosed')}</p>
      ) : (
        <div class="ops-scroll">
          <table class="ops-table ops-compact">
            <thead>
              <tr>
                <th scope="col">{t(messages, 'revision')}</th>
                <th scope="col">{t(messages, 'closedAt')}</th>
                <th scope="col">{t(messages, 'closedBy')}</th>
                <th scope="col">{t(messages, 'justification')}</th>
                <th scope="col">{t(messages, 'digest')}</th>
                <th scope="col">{t(messages, 'downloads')}</th>
              </tr>
            </thead>
            <tbody>
              {load.value.revisions.map((r) => (
                <tr key={r.revision} data-revision={r.revision}>
                  <th scope="row">{r.revision}</th>
                  <td>{locale.date(r.closedAt, true)}</td>
                  <td>{r.closedBy}</td>
                  <td>{r.justification ?? '—'}</td>
                  <td>
                    <code class="ops-digest" data-testid="digest">
                      {r.digest}
                    </code>
                  </td>
                  <td>
                    <div class="ops-buttons">
                      {REPORT_FORMATS.map((format) => (
                        <button
                          key={format}
                          type="button"
                          data-format={format}
                          aria-label={`${t(formatMessages, format)} ${t(messages, 'revision')} ${r.revision}`}
                          onClick={() => void download(r.revision, format)}
                        >
                          {t(formatMessages, format)}
                        </button>
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

type Step = 'submit' | 'approve' | 'return';

interface ReviewTableProps {
  api: ApiClient;
  orgId: string;
  period: string;
  session: Session;
  roots: ReadonlySet<string>;
  nameOf: (id: string) => string;
  onShowRevisions: (org: string) => void;
  onReady: (ready: boolean) => void;
}

function ReviewTable(props: ReviewTableProps) {
  const { api, orgId, period, session, roots, nameOf, onShowRevisions, onReady } = props;
  const { t } = useLocale();
  const [load, reload] = useLoad(async () => {
    onReady(false);
    try {
      return await api.get<ReviewList>('/periods', { org: orgId, period });
    } finally {
      onReady(true);
    }
  }, [api, orgId, period]);
  const [pending, setPending] = useState<{ org: string; step: Step } | undefined>(undefined);
  const [answer, setAnswer] = useState<string | undefined>(undefined);
  const items =
    load.state === 'done'
      ? [...load.value.items].sort(
          (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.org.localeCompare(b.org),
        )
      : [];
  return (
    <section class="ops-card" aria-labelledby="ops-review-title" data-testid="review">
      <h2 id="ops-review-title">
        {t(messages, 'review')} ({period})
      </h2>
      <p id="ops-review-answer" class="ops-done" role="status" tabIndex={-1}>
        {answer ?? ''}
      </p>
      {load.state === 'loading' ? <Loading /> : null}
      {load.state === 'failed' ? <ErrorNote error={load.error} /> : null}
      {load.state !== 'done' ? null : (
        <>
          <dl class="ops-counts" aria-label={t(messages, 'counts')}>
            {REVIEW_STATUSES.map((s) => (
              <div key={s} data-status={s}>
                <dt>{t(statusMessages, s)}</dt>
                <dd>{load.value.counts[s] ?? 0}</dd>
              </div>
            ))}
          </dl>
          {items.length === 0 ? (
            <p class="ops-muted">{t(messages, 'noInstitutions')}</p>
          ) : (
            <div class="ops-scroll">
              <table class="ops-table ops-compact" data-testid="review-table">
                <thead>
                  <tr>
                    <th scope="col">{t(messages, 'institution')}</th>
                    <th scope="col">{t(messages, 'status')}</th>
                    <th scope="col">{t(messages, 'awaiting')}</th>
                    <th scope="col">{t(messages, 'submitted')}</th>
                    <th scope="col">{t(messages, 'returnedBy')}</th>
                    <th scope="col">{t(messages, 'actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <ReviewRow
                      key={item.org}
                      item={item}
                      api={api}
                      actions={reviewActionsOf(item, session, roots)}
                      nameOf={nameOf}
                      pending={pending?.org === item.org ? pending.step : undefined}
                      onPending={(step) => {
                        setPending(step === undefined ? undefined : { org: item.org, step });
                        setAnswer(undefined);
                      }}
                      onShowRevisions={() => onShowRevisions(item.org)}
                      onAnswer={(outcome) => {
                        setPending(undefined);
                        setAnswer(
                          t(messages, 'answer', {
                            org: nameOf(item.org),
                            step: t(stepMessages, outcome.step.step),
                            status: t(statusMessages, outcome.status.status),
                          }),
                        );
                        reload();
                        focusSoon('ops-review-answer');
                      }}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

interface ReviewRowProps {
  item: ReviewItem;
  api: ApiClient;
  actions: ReturnType<typeof reviewActionsOf>;
  nameOf: (id: string) => string;
  pending: Step | undefined;
  onPending: (step: Step | undefined) => void;
  onShowRevisions: () => void;
  onAnswer: (outcome: ReviewOutcome) => void;
}

function ReviewRow({ item, api, actions, nameOf, pending, onPending, onShowRevisions, onAnswer }: ReviewRowProps) {
  const { t } = useLocale();
  const formId = `ops-review-${item.org}`;
  const steps = (['submit', 'approve', 'return'] as const).filter((s) => actions[s]);
  return (
    <>
      <tr data-org={item.org} data-status={item.status}>
        <th scope="row">
          {nameOf(item.org)} <span class="ops-muted">({item.org})</span>
        </th>
        <td>{t(statusMessages, item.status)}</td>
        <td>
          {item.awaiting === null ? '—' : `${t(levelMessages, item.awaiting.level)} ${nameOf(item.awaiting.org)}`}
        </td>
        <td>
          {item.revision ?? '—'}
          {item.latestClosedRevision === null ? null : (
            <button type="button" class="ops-link" onClick={onShowRevisions}>
              {t(messages, 'showRevisions')} ({item.latestClosedRevision})
            </button>
          )}
        </td>
        <td data-testid="returned">
          {item.returned === null
            ? '—'
            : `${t(levelMessages, item.returned.by.level)} ${nameOf(item.returned.by.org)}: ${item.returned.reason}`}
        </td>
        <td class="ops-actions">
          {steps.map((step) => (
            <button
              key={step}
              type="button"
              data-step={step}
              aria-expanded={pending === step}
              aria-controls={formId}
              onClick={() => {
                onPending(pending === step ? undefined : step);
                if (pending !== step) focusSoon(`${formId}-first`);
              }}
            >
              {t(messages, step)}
            </button>
          ))}
        </td>
      </tr>
      {pending === undefined ? null : (
        <tr class="ops-form-row">
          <td colSpan={6}>
            <StepForm
              id={formId}
              item={item}
              step={pending}
              api={api}
              nameOf={nameOf}
              onCancel={() => onPending(undefined)}
              onAnswer={onAnswer}
            />
          </td>
        </tr>
      )}
    </>
  );
}

interface StepFormProps {
  id: string;
  item: ReviewItem;
  step: Step;
  api: ApiClient;
  nameOf: (id: string) => string;
  onCancel: () => void;
  onAnswer: (outcome: ReviewOutcome) => void;
}

/** The confirmation of one review step; the revision acted on is named, so a newer one is refused as stale. */
function StepForm({ id, item, step, api, nameOf, onCancel, onAnswer }: StepFormProps) {
  const { t } = useLocale();
  const [reason, setReason] = useState('');
  const revision = step === 'submit' ? item.latestClosedRevision : item.revision;
  const level = item.awaiting === null ? '' : t(levelMessages, item.awaiting.level);
  const question = t(
    messages,
    step === 'submit' ? 'confirmSubmit' : step === 'approve' ? 'confirmApprove' : 'confirmReturn',
    { org: nameOf(item.org), period: item.period, revision: revision ?? '—', level },
  );
  const submit = async () => {
    const path = `/periods/${encodeURIComponent(item.org)}/${encodeURIComponent(item.period)}/${step}`;
    const body = { ...(revision === null ? {} : { revision }), ...(step === 'return' ? { reason } : {}) };
    onAnswer(await api.post<ReviewOutcome>(path, body));
  };
  return (
    <ConfirmForm
      id={id}
      label={question}
      submitLabel={t(sharedMessages, 'confirm')}
      // Without a field the confirm button takes the focus first.
      submitId={step === 'return' ? undefined : `${id}-first`}
      data={{ 'data-step': step }}
      onSubmit={submit}
      onCancel={onCancel}
    >
      <p>{question}</p>
      {step === 'return' ? (
        <>
          <label for={`${id}-first`}>{t(messages, 'reason')}</label>
          <textarea
            id={`${id}-first`}
            name="reason"
            rows={3}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          />
        </>
      ) : null}
    </ConfirmForm>
  );
}

export const reportsView: DashboardView = {
  id: 'reports',
  title: { zh: { title: messages.zh.title }, en: { title: messages.en.title } },
  permission: 'reports:read',
  component: ReportsView,
};
