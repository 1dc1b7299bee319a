import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSpool } from './adapters/file-spool.js';
import type { MeterSpec } from './core/index.js';
import type { IngestMetrics } from './ports.js';
import { createMessageReceiver } from './receive-message.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const NOW = Date.parse('2026-10-01T00:00:00Z');
const meter: MeterSpec = { id: 'm1', carrier: 'electricity', unit: 'kWh', timeZone: 'Asia/Shanghai' };

function setup(maxBytes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-receive-'));
  dirs.push(dir);
  const spool = new FileSpool({ dir, maxBytes, segmentBytes: 1 << 16, fsync: 'none', fsyncIntervalMs: 100 });
  const events: string[] = [];
  const metrics: IngestMetrics = {
    messageReceived: () => events.push('message'),
    itemsAccepted: (n) => events.push(`accepted:${n}`),
    itemsQuarantined: (reason, n) => events.push(`quarantined:${reason}:${n}`),
    readingsStored: () => undefined,
    quarantineStored: () => undefined,
    duplicates: () => undefined,
    storeWriteFailed: () => undefined,
    storeRefused: () => undefined,
    backpressure: (active) => events.push(`backpressure:${active}`),
    spoolBacklog: () => undefined,
    flushLatency: () => undefined,
  };
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const receive = createMessageReceiver({
    spool,
    directory: {
      byId: (id) => (id === 'm1' ? meter : undefined),
      bySenmlName: () => undefined,
      byTasmotaDevice: () => undefined,
    },
    topics: { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' },
    limits: { maxPayloadBytes: 4096, maxFutureSkewMs: 60_000 },
    clock: { nowMs: () => NOW },
    metrics,
    log: silent,
    instanceId: 'test',
  });
  const message = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
  return { spool, events, receive, message };
}

describe('message receiver', () => {
  it('spools accepted readings and quarantine records of one gateway batch together', async () => {
    const { spool, events, receive, message } = setup(1 << 20);
    await receive(
      'meters/m1/readings',
      message([
        { ts: NOW, value: 1 },
        { ts: NOW, value: -1 },
      ]),
    );
    const records = spool.read(10).records;
    expect(records.map((r) => r.kind)).toEqual(['reading', 'quarantine']);
    expect(records[1]?.kind === 'quarantine' && records[1].record).toMatchObject({
      id: 'test-1',
      reason: 'negative_register',
      topic: 'meters/m1/readings',
      receivedAtMs: NOW,
    });
    expect(events).toEqual(['quarantined:negative_register:1', 'message', 'accepted:1']);
  });

  it('holds the acknowledgement while the spool is full and lets it go when the store catches up', async () => {
    const { spool, events, receive, message } = setup(200);
    await receive(
      'meters/m1/readings',
      message([
        { ts: NOW - 2000, value: 1 },
        { ts: NOW - 1000, value: 2 },
        { ts: NOW, value: 3 },
      ]),
    );
    expect(spool.isFull()).toBe(true);
    let acknowledged = false;
    const pending = receive('meters/m1/readings', message({ ts: NOW, value: 4 })).then(() => (acknowledged = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged).toBe(false);
    expect(events).toContain('backpressure:true');
    // The subscriber hands over nothing more on this connection meanwhile: the broker holds the rest.
    expect(receive.holding()).toBe(true);
    const batch = spool.read(100);
    spool.commit(batch.end, batch.records.length);
    await pending;
    expect(acknowledged).toBe(true);
    expect(receive.holding()).toBe(false);
    expect(events.slice(-4)).toEqual(['backpressure:true', 'backpressure:false', 'message', 'accepted:1']);
    expect(spool.read(10).records).toHaveLength(1);
  });
});
