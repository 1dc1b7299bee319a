import { afterAll, beforeAll, expect, it } from 'vitest';
import { closePublisher, connectPublisher, publishAll, type OutgoingMessage } from '../support/publisher.js';
import { exactlyOnceProblems, readingMessages, startStack, waitUntilStored, type Stack } from '../support/stack.js';
import { readingTsMs } from '../support/test-fleet.js';

const METERS = 10;
const PER_METER = 300; // 3 000 good readings
const POISON_KINDS: readonly { reason: string; message: (i: number) => OutgoingMessage }[] = [
  { reason: 'malformed_json', message: (i) => ({ topic: 'meters/m000/readings', payload: `{"ts": ${i}, "value":` }) },
  {
    reason: 'schema_violation',
    message: (i) => ({ topic: 'meters/m001/readings', payload: JSON.stringify({ ts: readingTsMs(i), reading: 5 }) }),
  },
  {
    reason: 'unknown_meter',
    message: (i) => ({ topic: 'meters/ghost/readings', payload: JSON.stringify({ ts: readingTsMs(i), value: 1 }) }),
  },
  {
    reason: 'unit_mismatch',
    message: (i) => ({
      topic: 'meters/m002/readings',
      payload: JSON.stringify({ ts: readingTsMs(i), value: 1, unit: 'MWh' }),
    }),
  },
  {
    reason: 'non_finite_number',
    message: (i) => ({ topic: 'meters/m003/readings', payload: JSON.stringify({ ts: readingTsMs(i), value: 'NaN' }) }),
  },
  {
    reason: 'negative_register',
    message: (i) => ({ topic: 'meters/m004/readings', payload: JSON.stringify({ ts: readingTsMs(i), value: -i - 1 }) }),
  },
  {
    reason: 'future_timestamp',
    message: (i) => ({
      topic: 'meters/m005/readings',
      payload: JSON.stringify({ ts: Date.now() + 86_400_000 + i, value: 1 }),
    }),
  },
  {
    reason: 'oversized_payload',
    message: (i) => ({
      topic: 'meters/m006/readings',
      payload: JSON.stringify({ ts: readingTsMs(i), value: 1, pad: 'x'.repeat(300_000) }),
    }),
  },
  {
    reason: 'meter_id_mismatch',
    message: (i) => ({
      topic: 'meters/m007/readings',
      payload: JSON.stringify({ ts: readingTsMs(i), value: 1, meter: 'm008' }),
    }),
  },
  { reason: 'schema_violation', message: () => ({ topic: 'meters/m009/readings', payload: '[]' }) },
];
const POISON = 1000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ meters: METERS });
});
afterAll(async () => {
  await stack?.dispose();
});

it('quarantines 1 000 malformed messages with the right reasons and stores every good reading, without stalling', async () => {
  const good = readingMessages(METERS, PER_METER);
  const expectedReasons = new Map<string, number>();
  const messages: OutgoingMessage[] = [];
  for (let i = 0, p = 0; i < good.length; i++) {
    messages.push(good[i] as OutgoingMessage);
    // One poison message after every third good one, cycling through the kinds.
    if (i % 3 === 2 && p < POISON) {
      const kind = POISON_KINDS[p % POISON_KINDS.length];
      if (!kind) throw new Error('unreachable');
      messages.push(kind.message(p));
      expectedReasons.set(kind.reason, (expectedReasons.get(kind.reason) ?? 0) + 1);
      p++;
    }
  }
  expect([...expectedReasons.values()].reduce((a, b) => a + b, 0)).toBe(POISON);

  const publisher = await connectPublisher(stack.mosquitto.url, 'e2e-poison-publisher');
  await publishAll(publisher, messages);
  await closePublisher(publisher);

  await waitUntilStored(
    stack.store,
    { readings: METERS * PER_METER, quarantined: POISON },
    'good readings stored and poison quarantined',
  );
  expect(await exactlyOnceProblems(stack.store, METERS, PER_METER)).toEqual([]);

  const quarantined = await stack.store.quarantine({ fromMs: 0, toMs: Date.now() + 60_000, limit: 5000 });
  const actualReasons = new Map<string, number>();
  for (const q of quarantined) actualReasons.set(q.reason, (actualReasons.get(q.reason) ?? 0) + 1);
  expect(Object.fromEntries(actualReasons)).toEqual(Object.fromEntries(expectedReasons));
  const malformed = quarantined.find((q) => q.reason === 'malformed_json');
  expect(malformed?.payload).toMatch(/^\{"ts": \d+, "value":$/);
  expect(malformed?.topic).toBe('meters/m000/readings');

  // The HTTP API serves the same quarantine, filtered by reason.
  const response = await stack.service.fetch(
    '/api/v1/quarantine?from=2020-01-01T00:00:00Z&reason=unit_mismatch&limit=5000',
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { count: number; items: { reason: string }[] };
  expect(body.count).toBe(expectedReasons.get('unit_mismatch'));

  // The counters reconcile: every item received is accepted or quarantined, and every accepted one stored.
  const metrics = await stack.service.metrics();
  expect(metrics.tanhe_ingest_items_received_total).toBe(METERS * PER_METER + POISON);
  expect(metrics.tanhe_ingest_items_accepted_total).toBe(METERS * PER_METER);
  expect(metrics.tanhe_ingest_items_quarantined_total).toBe(POISON);
  // Each good reading was published once and nothing restarted: every one is stored, none counted as a duplicate
  // (a sum of the two would let duplicates stand in for stored rows).
  expect(metrics.tanhe_ingest_readings_stored_total).toBe(METERS * PER_METER);
  expect(metrics.tanhe_ingest_duplicates_total ?? 0).toBe(0);
});
