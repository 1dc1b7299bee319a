import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  alertIdOf,
  createAcknowledgeAlert,
  createDuckDbAlertEventStore,
  createResolveAlert,
  type AlertEventStore,
} from '../../alerts/index.js';
import { isAppError } from '../../src/kernel/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { finding } from '../support/fake-rule-families.js';

// A person's actions on an alert, over the real DuckDB event log: two people acting at once.
const NOW = Date.UTC(2026, 11, 1);
const raised = finding('meter_offline', { kind: 'meter', id: 'm1' }, 'w', 'raise');
const id = alertIdOf(raised);

let client: DuckDbClient;
let store: AlertEventStore;

beforeEach(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  store = createDuckDbAlertEventStore(client);
  await store.init();
  await store.append([{ alertId: id, kind: 'opened', atMs: NOW - 1_000, actor: 'system', finding: raised }]);
});
afterEach(async () => {
  await client.close();
});

const outcome = (promise: Promise<{ state: string }>) =>
  promise.then(
    (alert) => alert.state,
    (error: unknown) => (isAppError(error) ? error.code : String(error)),
  );

describe('acknowledge and resolve', () => {
  it('lets one of two simultaneous acknowledgements stand and tells the other', async () => {
    const acknowledge = createAcknowledgeAlert({ store, nowMs: () => NOW });
    const results = await Promise.all([
      outcome(acknowledge(id, { by: 'li', justification: 'a' })),
      outcome(acknowledge(id, { by: 'wang', justification: 'b' })),
    ]);
    expect(results.sort()).toEqual(['ALERT_ALREADY_ACKNOWLEDGED', 'acknowledged']);
    expect((await store.events({ alertIds: [id] })).filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
  });

  it('lets one of two simultaneous resolutions stand and tells the other', async () => {
    const resolve = createResolveAlert({ store, nowMs: () => NOW });
    const results = await Promise.all([
      outcome(resolve(id, { by: 'li', note: 'a' })),
      outcome(resolve(id, { by: 'wang', note: 'b' })),
    ]);
    expect(results.sort()).toEqual(['ALERT_ALREADY_RESOLVED', 'resolved']);
  });
});
