import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  alertIdOf,
  deriveAlerts,
  type AlertEvent,
  type AlertEventStore,
  type RuleFinding,
} from '../../alerts/index.js';
import { T0 } from './contract-fixtures.js';

/**
 * One contract for alerts' event log in every engine (alerts/ports.ts
 * AlertEventStore): same events in, same events out, in the same order. Every
 * test gets a fresh, initialised, empty store from `makeStore`.
 */
export interface AlertEventStoreUnderTest {
  readonly store: AlertEventStore;
  readonly cleanup: () => Promise<void>;
}

const MINUTE = 60_000;

export const quotaFinding: RuleFinding = {
  rule: 'quota_annual',
  subject: { kind: 'institution', id: 'yc-gov-a' },
  window: '2026',
  verdict: 'raise',
  severity: 'critical',
  measured: { value: 101.5, threshold: 100, unit: '%' },
  sinceMs: T0 - MINUTE,
  details: { quotaTce: 1200, usedTce: 1218, nested: { months: [1, 2.5, null], note: 'O\'Brien "quoted"' } },
  summary: { en: 'annual quota exceeded: 101.5 %', zh: '年度能耗定额已超：101.5 %' },
};
const offlineFinding: RuleFinding = {
  ...quotaFinding,
  rule: 'meter_offline',
  subject: { kind: 'meter', id: 'gov-a-e-main' },
  window: '2026-10-01T00:00:00Z',
  severity: 'warning',
  measured: { value: 5, threshold: 4, unit: 'intervals' },
  details: {},
  summary: { en: 'silent', zh: '无读数' },
};
const quotaId = alertIdOf(quotaFinding);
const offlineId = alertIdOf(offlineFinding);

const history: AlertEvent[] = [
  { alertId: quotaId, kind: 'opened', atMs: T0, actor: 'system', finding: quotaFinding },
  { alertId: offlineId, kind: 'opened', atMs: T0, actor: 'system', finding: offlineFinding },
  {
    alertId: quotaId,
    kind: 'notified',
    atMs: T0 + MINUTE,
    actor: 'system',
    recipients: ['officer@example.org', '能源@example.cn'],
  },
  { alertId: quotaId, kind: 'acknowledged', atMs: T0 + 2 * MINUTE, actor: '李明', text: '供暖季延长，见会议纪要 #12' },
  {
    alertId: offlineId,
    kind: 'resolved',
    atMs: T0 + 3 * MINUTE,
    actor: 'system',
    finding: { ...offlineFinding, verdict: 'clear' },
  },
];

export function alertEventStoreContract(name: string, makeStore: () => Promise<AlertEventStoreUnderTest>): void {
  describe(`AlertEventStore contract: ${name}`, () => {
    let store: AlertEventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('gives back every event as appended (finding, recipients, text), ascending by (atMs, alertId)', async () => {
      // Out of order and over two appends: the store orders them.
      await store.append([history[4], history[2]].filter((e) => e !== undefined));
      await store.append([history[3], history[1], history[0]].filter((e) => e !== undefined));
      const events = await store.events({});
      expect(events).toEqual([history[1], history[0], history[2], history[3], history[4]].filter(Boolean));
      // An alert id and a quota finding sort the same everywhere: 'meter_offline:…' < 'quota_annual:…'.
      expect(events.slice(0, 2).map((e) => e.alertId)).toEqual([offlineId, quotaId]);
      expect(deriveAlerts(events).map((a) => [a.id, a.state])).toEqual([
        [offlineId, 'resolved'],
        [quotaId, 'acknowledged'],
      ]);
    });

    it('stores an event appended again (same alert, kind and instant) once, and init is idempotent', async () => {
      await store.init();
      await store.append(history);
      await store.append(history);
      await store.append([history[0], history[0]].filter((e) => e !== undefined));
      await store.init();
      expect(await store.events({})).toHaveLength(history.length);
      // A second opened at another instant is a second event (deriveAlerts keeps the first).
      await store.append([{ ...(history[0] as AlertEvent), atMs: T0 + 10 * MINUTE }]);
      expect((await store.events({ alertIds: [quotaId] })).map((e) => e.kind)).toEqual([
        'opened',
        'notified',
        'acknowledged',
        'opened',
      ]);
    });

    it('filters by [fromMs, toMs) and by alert ids', async () => {
      await store.append(history);
      const kinds = (events: readonly AlertEvent[]) => events.map((e) => `${e.kind}@${(e.atMs - T0) / MINUTE}`);
      expect(kinds(await store.events({ fromMs: T0 + MINUTE, toMs: T0 + 3 * MINUTE }))).toEqual([
        'notified@1',
        'acknowledged@2',
      ]);
      expect(kinds(await store.events({ alertIds: [offlineId] }))).toEqual(['opened@0', 'resolved@3']);
      expect(kinds(await store.events({ alertIds: [offlineId, 'unknown:meter:x:y'], fromMs: T0 + MINUTE }))).toEqual([
        'resolved@3',
      ]);
      expect(await store.events({ alertIds: [] })).toEqual([]);
      expect(await store.events({ alertIds: ['unknown:meter:x:y'] })).toEqual([]);
    });

    it('answers a query naming more alerts than fit in one statement', async () => {
      await store.append(history);
      const many = Array.from({ length: 1_200 }, (_, i) => `quota_annual:institution:i${i}:2026`);
      expect((await store.events({ alertIds: [...many, quotaId] })).map((e) => e.kind)).toEqual([
        'opened',
        'notified',
        'acknowledged',
      ]);
    });
  });
}
