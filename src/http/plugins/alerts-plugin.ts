import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ALERT_RULES,
  ALERT_SEVERITIES,
  ALERT_STATES,
  ALERT_EVENT_KINDS,
  type Alert,
  type AlertRule,
  type AlertState,
} from '../../../alerts/index.js';
import { AppError, type ErrorCode } from '../../kernel/index.js';
import { callerScope } from '../auth-plugin.js';
import { errorBodySchema, errorResponses } from '../error-mapper.js';
import type { AlertsUseCases } from '../http-deps.js';
import type { AccessTarget } from '../route-access.js';
import {
  cursorParam,
  encodeCursor,
  instantParam,
  isoInstant,
  limitParam,
  queryParam,
  requiredText,
  timeRange,
} from '../query-schemas.js';

export interface AlertsPluginOptions {
  readonly alerts: AlertsUseCases;
}

/** One of a fixed list of values, refused with its own stable code (BAD_RULE, BAD_STATE). */
function oneOf<const T extends readonly [string, ...string[]]>(name: string, values: T, code: ErrorCode) {
  const text = z
    .string()
    .describe(`one of ${values.join(', ')}`)
    .transform((value, ctx) => {
      if ((values as readonly string[]).includes(value)) return value as T[number];
      const message = `${name}=${value} is not one of ${values.join(', ')}`;
      ctx.addIssue({ code: 'custom', message, params: { code } });
      return z.NEVER;
    });
  return queryParam(text.optional());
}

const isSafeInteger = (value: unknown): value is number => Number.isSafeInteger(value);

const listQuery = z.object({
  org: queryParam(z.string().optional().describe("an org unit or institution id: its subtree's alerts")),
  state: oneOf('state', ALERT_STATES, 'BAD_STATE'),
  rule: oneOf('rule', ALERT_RULES, 'BAD_RULE'),
  from: instantParam('from', 'alerts opened at or after this instant'),
  to: instantParam('to', 'alerts opened before this instant'),
  limit: limitParam(100, 1000),
  after: cursorParam((parts) => {
    const [openedAtMs, id] = parts;
    return isSafeInteger(openedAtMs) && typeof id === 'string' ? { openedAtMs, id } : undefined;
  }),
});

const by = z.string().trim().min(1, { error: 'by is required: who acts' }).max(200).describe('who acts (a person)');
const ackBody = z.object({
  by,
  justification: z
    .string()
    .max(10_000)
    .optional()
    .describe('why the alert stands or what is done about it; required for quota overruns (JUSTIFICATION_REQUIRED)'),
});
const resolveBody = z.object({
  by,
  note: z.string().max(10_000).optional().describe('how it ended; required to resolve an unacknowledged quota alert'),
});
const alertParams = z.object({ id: z.string().min(1).describe('the alert id, e.g. meter_offline:meter:m1:…') });

const backtestQuery = z.object({
  org: requiredText('org', "an org unit or institution id: its subtree's subjects"),
  from: instantParam('from', 'start of the replay (included; required)'),
  to: instantParam('to', 'end of the replay (excluded; required)'),
  rule: oneOf('rule', ALERT_RULES, 'BAD_RULE'),
});

const stamp = z.object({ at: z.string(), recipients: z.array(z.string()) });
const alertSchema = z
  .object({
    id: z.string(),
    rule: z.enum(ALERT_RULES),
    subject: z.object({ kind: z.enum(['meter', 'institution']), id: z.string() }),
    window: z.string().describe('the de-duplication window: at most one alert per (rule, subject, window)'),
    severity: z.enum(ALERT_SEVERITIES),
    state: z.enum(ALERT_STATES),
    openedAt: z.string(),
    since: z.string().describe('when the condition began (device time)'),
    measured: z.object({ value: z.number(), threshold: z.number(), unit: z.string() }),
    summary: z.object({ en: z.string(), zh: z.string() }),
    details: z.record(z.string(), z.unknown()).describe("the rule's own figures"),
    notified: stamp.nullable(),
    escalated: stamp.nullable(),
    acknowledged: z.object({ at: z.string(), by: z.string(), justification: z.string() }).nullable(),
    resolved: z.object({ at: z.string(), by: z.string(), note: z.string().nullable() }).nullable(),
    events: z.array(
      z.object({
        kind: z.enum(ALERT_EVENT_KINDS),
        at: z.string(),
        actor: z.string(),
        text: z.string().nullable(),
        recipients: z.array(z.string()).nullable(),
      }),
    ),
  })
  .meta({ id: 'Alert' });

const listResponse = z.object({
  count: z.number(),
  items: z.array(alertSchema),
  nextAfter: z.string().nullable().describe('pass as after= for the next page; null on the last one'),
});

const backtestResponse = z.object({
  org: z.string(),
  from: z.string(),
  to: z.string(),
  stepMinutes: z.number(),
  evaluations: z.number().describe('instants evaluated: from, from + step, … before to'),
  count: z.number(),
  items: z.array(alertSchema).describe('every alert that would have opened, in opening order; nothing was stored'),
});

const conflict = { 409: errorBodySchema };

/** Alerts: the list, a person's acknowledgement and resolution, and the backtest (docs/alerts.md). */
export const alertsPlugin: FastifyPluginAsyncZod<AlertsPluginOptions> = async (app, { alerts }) => {
  /** An alert acts on its subject: a meter (its institution) or an institution. ALERT_NOT_FOUND when unknown. */
  const alertTarget = async (request: FastifyRequest): Promise<AccessTarget> => {
    const { subject } = await alerts.get((request.params as { id: string }).id);
    return subject.kind === 'meter' ? { meterId: subject.id } : { orgId: subject.id };
  };

  /** Alerts newest first, filtered by org subtree, state, rule and opening instant, paged by keyset. */
  app.get(
    '/api/v1/alerts',
    {
      // Without org=, the caller's own subtree (all alerts for a grant at the fleet root).
      config: {
        access: {
          permission: 'alerts:read',
          target: (request) => {
            const orgId = (request.query as { org?: string }).org ?? callerScope(request);
            return orgId === undefined ? undefined : { orgId };
          },
        },
      },
      schema: {
        tags: ['alerts'],
        summary: 'alerts, newest first, by org subtree, state, rule and opening time; paged',
        querystring: listQuery,
        response: { 200: listResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { org, state, rule, from, to, limit, after } = request.query;
      if (from !== undefined && to !== undefined) timeRange({ from, to }, { fromMs: from, toMs: to });
      const page = await alerts.list({
        orgId: org ?? callerScope(request),
        state: state as AlertState | undefined,
        rule: rule as AlertRule | undefined,
        fromMs: from,
        toMs: to,
        limit: limit ?? 100,
        after,
      });
      return {
        count: page.alerts.length,
        items: page.alerts.map(alertBody),
        nextAfter: page.next === undefined ? null : encodeCursor([page.next.openedAtMs, page.next.id]),
      };
    },
  );

  /** The rules replayed over stored history with the clock simulated; nothing is stored or mailed. */
  app.get(
    '/api/v1/alerts/backtest',
    {
      config: {
        access: { permission: 'alerts:read', target: (request) => ({ orgId: (request.query as { org: string }).org }) },
      },
      schema: {
        tags: ['alerts'],
        summary: 'the alerts the rules would have raised over [from, to), without storing or mailing anything',
        querystring: backtestQuery,
        response: { 200: backtestResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const { org, from, to, rule } = request.query;
      const { fromMs, toMs } = requiredRange(from, to);
      const run = await alerts.backtest({ orgId: org, fromMs, toMs, rule: rule as AlertRule | undefined });
      return {
        org: run.orgId,
        from: isoInstant(run.fromMs),
        to: isoInstant(run.toMs),
        stepMinutes: run.stepMs / 60_000,
        evaluations: run.evaluations,
        count: run.alerts.length,
        items: run.alerts.map(alertBody),
      };
    },
  );

  /** Acknowledge: who, and a justification (required for quota overruns); once per alert. */
  app.post(
    '/api/v1/alerts/:id/ack',
    {
      config: { access: { permission: 'alerts:act', audit: 'alert.acknowledge', target: alertTarget } },
      schema: {
        tags: ['alerts'],
        summary: 'acknowledge an alert (who, justification); twice is ALERT_ALREADY_ACKNOWLEDGED',
        params: alertParams,
        body: ackBody,
        response: { 200: alertSchema, ...errorResponses(400, 404), ...conflict },
      },
    },
    async (request) => {
      const { by, justification } = request.body;
      request.auditTarget = request.params.id;
      request.auditDetail = { by, ...(justification === undefined ? {} : { justification }) };
      return alertBody(await alerts.acknowledge(request.params.id, { by, justification }));
    },
  );

  /** Resolve: who, and a note; a resolved alert takes no more actions. */
  app.post(
    '/api/v1/alerts/:id/resolve',
    {
      config: { access: { permission: 'alerts:act', audit: 'alert.resolve', target: alertTarget } },
      schema: {
        tags: ['alerts'],
        summary: 'resolve an alert (who, note); a resolved alert is ALERT_ALREADY_RESOLVED',
        params: alertParams,
        body: resolveBody,
        response: { 200: alertSchema, ...errorResponses(400, 404), ...conflict },
      },
    },
    async (request) => {
      const { by, note } = request.body;
      request.auditTarget = request.params.id;
      request.auditDetail = { by, ...(note === undefined ? {} : { note }) };
      return alertBody(await alerts.resolve(request.params.id, { by, note }));
    },
  );
};

function requiredRange(from: number | undefined, to: number | undefined) {
  if (from === undefined || to === undefined) throw new AppError('BAD_TIME_RANGE', 'a backtest needs from and to');
  return timeRange({ from, to }, { fromMs: from, toMs: to });
}

function alertBody(a: Alert): z.output<typeof alertSchema> {
  const stampOf = (s: Alert['notified']) =>
    s === undefined ? null : { at: isoInstant(s.atMs), recipients: [...s.recipients] };
  return {
    id: a.id,
    rule: a.rule,
    subject: { kind: a.subject.kind, id: a.subject.id },
    window: a.window,
    severity: a.severity,
    state: a.state,
    openedAt: isoInstant(a.openedAtMs),
    since: isoInstant(a.finding.sinceMs),
    measured: { ...a.finding.measured },
    summary: { en: a.finding.summary.en, zh: a.finding.summary.zh },
    details: { ...a.finding.details },
    notified: stampOf(a.notified),
    escalated: stampOf(a.escalated),
    acknowledged: a.acknowledged
      ? { at: isoInstant(a.acknowledged.atMs), by: a.acknowledged.by, justification: a.acknowledged.justification }
      : null,
    resolved: a.resolved ? { at: isoInstant(a.resolved.atMs), by: a.resolved.by, note: a.resolved.note ?? null } : null,
    events: a.events.map((e) => ({
      kind: e.kind,
      at: isoInstant(e.atMs),
      actor: e.actor,
      text: e.text ?? null,
      recipients: e.recipients === undefined ? null : [...e.recipients],
    })),
  };
}
