import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../tests/support/eventually.js';
import { AppError, type QuarantineRecord, type Reading } from '../src/kernel/index.js';
import { FileSpool } from './adapters/file-spool.js';
import type { SpoolRecord } from './core/index.js';
import { createSpoolDrainer } from './drain-spool.js';
import type { IngestMetrics, ReadingSink } from './ports.js';

// The drainer over a real file spool, with a fake store behind the ReadingSink port.
// Each spool is closed before its directory goes: a live spool's checkpoint timer
// would otherwise write checkpoint.json.tmp into a removed directory (ENOENT).
const dirs: string[] = [];
const spools: FileSpool[] = [];
afterEach(() => {
  spools.splice(0).forEach((s) => s.close());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function setup(sink: ReadingSink) {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-drain-'));
  dirs.push(dir);
  const spool = new FileSpool({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsync: 'none', fsyncIntervalMs: 100 });
  spools.push(spool);
  const counts = { stored: 0, duplicates: 0, failures: 0, refused: 0, quarantined: new Map<string, number>() };
  const metrics: IngestMetrics = {
    messageReceived: () => undefined,
    itemsAccepted: () => undefined,
    itemsQuarantined: (reason, n) => counts.quarantined.set(reason, (counts.quarantined.get(reason) ?? 0) + n),
    readingsStored: (n) => (counts.stored += n),
    quarantineStored: () => undefined,
    duplicates: (n) => (counts.duplicates += n),
    storeWriteFailed: () => counts.failures++,
    storeRefused: (n) => (counts.refused += n),
    backpressure: () => undefined,
    spoolBacklog: () => undefined,
    flushLatency: () => undefined,
  };
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const drainer = createSpoolDrainer({
    spool,
    sink,
    metrics,
    log: silent,
    clock: { nowMs: () => Date.now() },
    batchSize: 7,
    flushIntervalMs: 5,
    recentKeysPerMeter: 100,
    retry: { initialMs: 1, maxMs: 4 },
  });
  return { spool, drainer, counts };
}

const reading = (meter: string, ts: number, value: number): SpoolRecord => ({
  kind: 'reading',
  reading: { meterId: meter, tsMs: ts, value, seq: null, receivedAtMs: ts, quality: 'ok' },
});

class MemorySink implements ReadingSink {
  readonly rows = new Map<string, Reading>();
  readonly quarantined: QuarantineRecord[] = [];
  failuresLeft = 0;
  async write(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]) {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new AppError('STORE_UNAVAILABLE', 'down', { retryable: true });
    }
    for (const r of readings) this.rows.set(`${r.meterId}@${r.tsMs}`, r);
    this.quarantined.push(...quarantined);
  }
}

/** Stores like MemorySink, but refuses (all or nothing, as both engines do) any request holding a refused row. */
class RefusingSink extends MemorySink {
  constructor(
    private readonly refuseReading: (r: Reading) => boolean,
    private readonly refuseRecord: (q: QuarantineRecord) => boolean = () => false,
  ) {
    super();
  }
  override async write(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]) {
    const bad = readings.find(this.refuseReading);
    if (bad) throw new AppError('STORE_QUERY_FAILED', `value ${bad.value} is not storable`, { retryable: false });
    if (quarantined.some(this.refuseRecord)) throw new AppError('STORE_QUERY_FAILED', 'bad record');
    await super.write(readings, quarantined);
  }
}

describe('spool drainer', () => {
  it('retries a store outage and then stores everything, committing the spool', async () => {
    const sink = new MemorySink();
    sink.failuresLeft = 5;
    const { spool, drainer, counts } = setup(sink);
    for (let i = 0; i < 50; i++) spool.append([reading('m1', i, i)]);
    void drainer.run();
    await drainer.stop(5000);
    expect(sink.rows.size).toBe(50);
    expect(counts.stored).toBe(50);
    expect(counts.failures).toBe(5);
    expect(spool.backlogRecords()).toBe(0);
  });

  it('counts an identical repeat as a duplicate and quarantines a conflicting one', async () => {
    const sink = new MemorySink();
    const { spool, drainer, counts } = setup(sink);
    spool.append([reading('m1', 1, 10), reading('m1', 1, 10), reading('m1', 1, 11), reading('m2', 1, 10)]);
    void drainer.run();
    await drainer.stop(5000);
    expect([...sink.rows.values()].map((r) => [r.meterId, r.value])).toEqual([
      ['m1', 10],
      ['m2', 10],
    ]);
    expect(counts.duplicates).toBe(1);
    expect(sink.quarantined.map((q) => q.reason)).toEqual(['conflicting_duplicate']);
    expect(counts.quarantined.get('conflicting_duplicate')).toBe(1);
  });

  it('stops at the deadline during an outage and leaves the batch in the spool for replay', async () => {
    const sink = new MemorySink();
    sink.failuresLeft = Number.POSITIVE_INFINITY;
    const { spool, drainer } = setup(sink);
    spool.append([reading('m1', 1, 1), reading('m1', 2, 2)]);
    void drainer.run();
    await drainer.stop(50);
    expect(sink.rows.size).toBe(0);
    expect(spool.backlogRecords()).toBe(2);
  });

  it('bisects a refused batch: stores the rest, quarantines each refused row with the store message, goes on', async () => {
    const sink = new RefusingSink((r) => r.value % 10 === 3);
    const { spool, drainer, counts } = setup(sink);
    for (let i = 0; i < 40; i++) spool.append([reading('m1', i, i)]);
    const running = drainer.run();
    await eventually(() => expect(spool.backlogRecords()).toBe(0));
    expect([...sink.rows.values()].map((r) => r.value)).toEqual(
      Array.from({ length: 40 }, (_, i) => i).filter((v) => v % 10 !== 3),
    );
    expect(sink.quarantined.map((q) => [q.reason, q.meterId, JSON.parse(q.payload).value])).toEqual([
      ['store_refused', 'm1', 3],
      ['store_refused', 'm1', 13],
      ['store_refused', 'm1', 23],
      ['store_refused', 'm1', 33],
    ]);
    expect(sink.quarantined[0]?.detail).toContain('value 3 is not storable');
    expect(counts.stored).toBe(36);
    expect(counts.refused).toBe(4);
    expect(counts.quarantined.get('store_refused')).toBe(4);
    // Still running: later readings are stored.
    spool.append([reading('m1', 100, 100)]);
    await eventually(() => expect(sink.rows.has('m1@100')).toBe(true));
    await drainer.stop(5000);
    await running;
  });

  it('keeps retrying (never quarantines) while the store is unavailable, then stores everything', async () => {
    const sink = new RefusingSink(() => false);
    sink.failuresLeft = 8;
    const { spool, drainer, counts } = setup(sink);
    for (let i = 0; i < 20; i++) spool.append([reading('m1', i, i)]);
    void drainer.run();
    await drainer.stop(5000);
    expect(sink.rows.size).toBe(20);
    expect(sink.quarantined).toEqual([]);
    expect(counts.refused).toBe(0);
  });

  it('rewrites a quarantine record the store refuses into a printable store_refused record with the same key', async () => {
    const sink = new RefusingSink(
      () => false,
      (q) => q.payload.includes('\u0000'),
    );
    const { spool, drainer, counts } = setup(sink);
    const poison: QuarantineRecord = {
      id: 'q1',
      receivedAtMs: 5,
      topic: 'meters/m1/readings',
      meterId: 'm1',
      reason: 'malformed_json',
      detail: 'bad',
      payload: '{"v":\u0000é',
    };
    spool.append([reading('m1', 1, 1), { kind: 'quarantine', record: poison }, reading('m1', 2, 2)]);
    void drainer.run();
    await drainer.stop(5000);
    expect(sink.rows.size).toBe(2);
    expect(sink.quarantined).toEqual([
      {
        id: 'q1',
        receivedAtMs: 5,
        topic: 'meters/m1/readings',
        meterId: 'm1',
        reason: 'store_refused',
        detail: expect.stringContaining('quarantined as malformed_json') as string,
        payload: '{"v":\\u0000\\u00e9',
      },
    ]);
    expect(counts.refused).toBe(1);
    // The record was counted as quarantined when it was received; it is not counted again.
    expect(counts.quarantined.get('store_refused')).toBeUndefined();
  });

  it('fails loudly when the store refuses even the quarantine record of a refused row', async () => {
    const { spool, drainer } = setup({
      write: async () => Promise.reject(new AppError('STORE_QUERY_FAILED', 'refused', { retryable: false })),
    });
    spool.append([reading('m1', 1, 1)]);
    await expect(drainer.run()).rejects.toMatchObject({ code: 'STORE_QUERY_FAILED' });
    expect(spool.backlogRecords()).toBe(1);
  });
});
