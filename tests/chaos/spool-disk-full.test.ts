import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSpool, createMessageReceiver, type ReceiveDeps } from '../../ingest/index.js';
import type { IngestMetrics } from '../../ingest/ports.js';
import { eventually } from '../support/eventually.js';
import { createSpoolDisk, type SpoolDisk } from './support/spool-disk.js';

// A full spool disk is back-pressure (ingest/receive-message.ts): the append waits and is retried until the
// disk has room, the PUBACK (the receiver's promise) waits with it, and nothing of the failed attempts stays
// in the segment (ingest/adapters/file-spool.ts cuts a partial write back). The disk is a real 1 MiB tmpfs
// filled to ENOSPC, as in the chaos suite. Seen failing with the receiver's retry taken out (the promise
// rejected with SPOOL_IO, as the service exited before) and with the cut taken out (SPOOL_CORRUPT on read).

const NOW = Date.parse('2026-10-01T00:00:00Z');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let disk: SpoolDisk | undefined;
let spool: FileSpool | undefined;
const dirs: string[] = [];
afterEach(async () => {
  spool?.close();
  spool = undefined;
  await disk?.dispose();
  disk = undefined;
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** A gateway batch of `n` readings from `first` on: some kB, so that its append spans tmpfs pages. */
function batch(first: number, n: number): Uint8Array {
  const items = Array.from({ length: n }, (_, i) => ({
    ts: NOW - (first + i) * 60_000,
    value: first + i,
    seq: first + i,
  }));
  return new TextEncoder().encode(JSON.stringify(items));
}

describe('spool disk full', () => {
  it('holds the acknowledgement and retries until the disk has room, leaving no torn record', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tanhe-disk-full-'));
    dirs.push(parent);
    disk = await createSpoolDisk(join(parent, 'spool'), 1 << 20);
    // Not skipped where mounting is refused: this check needs the kernel's ENOSPC (CI runs as root).
    expect(disk.mounted, 'a tmpfs could be mounted for the spool (needs root or CAP_SYS_ADMIN)').toBe(true);
    spool = new FileSpool({
      dir: disk.dir,
      maxBytes: 1 << 30,
      segmentBytes: 1 << 30,
      fsync: 'always',
      fsyncIntervalMs: 50,
    });
    const events: string[] = [];
    const metrics: IngestMetrics = {
      messageReceived: () => events.push('message'),
      itemsAccepted: () => undefined,
      itemsQuarantined: () => undefined,
      readingsStored: () => undefined,
      quarantineStored: () => undefined,
      duplicates: () => undefined,
      storeWriteFailed: () => undefined,
      storeRefused: () => undefined,
      backpressure: (active) => events.push(`backpressure:${active}`),
      spoolBacklog: () => undefined,
      flushLatency: () => undefined,
    };
    const directory: ReceiveDeps['directory'] = {
      byId: (id) => (id === 'm1' ? { id, carrier: 'electricity', unit: 'kWh', timeZone: 'Asia/Shanghai' } : undefined),
      bySenmlName: () => undefined,
      byTasmotaDevice: () => undefined,
    };
    const receive = createMessageReceiver({
      spool,
      directory,
      topics: { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' },
      limits: { maxPayloadBytes: 1 << 20, maxFutureSkewMs: 60_000 },
      clock: { nowMs: () => NOW },
      metrics,
      log: silent,
      instanceId: 'test',
    });

    await receive('meters/m1/readings', batch(0, 3));
    disk.fill();
    let settled: 'resolved' | Error | undefined;
    const held = receive('meters/m1/readings', batch(3, 200)).then(
      () => (settled = 'resolved'),
      (error: Error) => (settled = error),
    );
    await eventually(() => expect(events).toContain('backpressure:true'), { message: 'back-pressure on' });
    // The drainer stores and commits meanwhile: the checkpoint cannot be written either, and that is no failure.
    const first = spool.read(1_000);
    spool.commit(first.end, first.records.length);
    expect(settled).toBeUndefined();

    disk.free();
    await held;
    expect(settled).toBe('resolved');
    expect(events.slice(-2)).toEqual(['backpressure:false', 'message']);
    await receive('meters/m1/readings', batch(203, 2));

    const rest = spool.read(10_000).records;
    const seqs = rest.map((r) => (r.kind === 'reading' ? r.reading.seq : undefined));
    expect(seqs).toEqual(Array.from({ length: 202 }, (_, i) => i + 3));
    expect(first.records).toHaveLength(3);
  });
});
