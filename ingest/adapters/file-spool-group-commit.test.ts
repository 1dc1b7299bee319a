import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../tests/support/eventually.js';
import type { SpoolRecord } from '../core/index.js';
import { FileSpool } from './file-spool.js';

/**
 * fsync 'always' by group commit (docs/durability.md): an append is durable only once an fdatasync that
 * started after it has returned. The real fdatasync runs, but its completion is held here until the test
 * releases it, so the test sees what would be acknowledged while the disk has not confirmed yet.
 */
const dirs: string[] = [];
const realFdatasync = fs.fdatasync;
let held: { fd: number; done: () => void }[] = [];
let startedSyncs = 0;

beforeEach(() => {
  held = [];
  startedSyncs = 0;
  (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = ((fd: number, callback: (error: Error | null) => void) => {
    startedSyncs++;
    realFdatasync(fd, (error) => {
      if (error) return callback(error);
      held.push({ fd, done: () => callback(null) });
    });
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
});

afterEach(() => {
  (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = realFdatasync;
  syncBuiltinESMExports();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function spool(segmentBytes = 1 << 20): FileSpool {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-group-commit-'));
  dirs.push(dir);
  return new FileSpool({ dir, maxBytes: 1 << 24, segmentBytes, fsync: 'always', fsyncIntervalMs: 60_000 });
}

const reading = (i: number): SpoolRecord => ({
  kind: 'reading',
  reading: {
    meterId: `m${i % 3}`,
    tsMs: 1_790_000_000_000 + i * 900_000,
    value: i,
    seq: i,
    receivedAtMs: 1_790_000_000_000,
    quality: 'ok',
  },
});

/** Lets the fdatasync that is held complete (after the real one returned). */
async function releaseOne(): Promise<void> {
  await eventually(() => expect(held.length).toBe(1));
  held.shift()?.done();
}

describe('FileSpool group commit (fsync always)', () => {
  it('resolves durable() only after an fdatasync that covers the append has returned', async () => {
    const s = spool();
    s.append([reading(1)]);
    let durable = false;
    const waiting = s.durable().then(() => (durable = true));
    await eventually(() => expect(held.length).toBe(1));
    expect(durable).toBe(false);
    await releaseOne();
    await waiting;
    expect(durable).toBe(true);
    s.close();
  });

  it('shares one fdatasync among the appends made before it started, and the later ones wait for the next', async () => {
    const s = spool();
    const resolved: number[] = [];
    for (const i of [1, 2, 3]) {
      s.append([reading(i)]);
      void s.durable().then(() => resolved.push(i));
    }
    await eventually(() => expect(held.length).toBe(1));
    // Appended while the first group's fdatasync runs: not covered by it.
    s.append([reading(4)]);
    void s.durable().then(() => resolved.push(4));
    await releaseOne();
    await eventually(() => expect(resolved).toEqual([1, 2, 3]));
    await releaseOne();
    await eventually(() => expect(resolved).toEqual([1, 2, 3, 4]));
    expect(startedSyncs).toBe(2);
    s.close();
  });

  it('is durable at once when nothing was appended since the last fdatasync, and after close', async () => {
    const s = spool();
    s.append([reading(1)]);
    const first = s.durable();
    await releaseOne();
    await first;
    const before = startedSyncs;
    await s.durable();
    expect(startedSyncs).toBe(before);
    s.append([reading(2)]);
    const pending = s.durable();
    await eventually(() => expect(held.length).toBe(1));
    s.append([reading(3)]);
    const last = s.durable();
    // close() syncs what is left itself; the fdatasync in flight still returns after it, on an fd still open.
    s.close();
    await Promise.all([pending, last]);
    held.shift()?.done();
    expect(startedSyncs).toBe(before + 1);
  });

  it('puts the data on disk before a checkpoint that passes it (the drainer may store it before its group commit)', async () => {
    const s = spool();
    s.append([reading(1), reading(2)]);
    let durable = false;
    const waiting = s.durable().then(() => (durable = true));
    await eventually(() => expect(held.length).toBe(1));
    s.append([reading(3)]);
    const later = s.durable();
    const batch = s.read(10);
    expect(batch.records.length).toBe(3);
    s.commit(batch.end, batch.records.length);
    // The commit synced the segment itself: every append it covers is durable, the held call notwithstanding.
    await Promise.all([waiting, later]);
    expect(durable).toBe(true);
    held.shift()?.done();
    s.close();
  });

  it('keeps the fd of a rotated segment open until the fdatasync on it returns, and loses nothing', async () => {
    const s = spool(256);
    let i = 0;
    s.append([reading(i++)]);
    const first = s.durable();
    await eventually(() => expect(held.length).toBe(1));
    // Rotations sync the old segment themselves: these appends are durable before the held call returns.
    const later: Promise<void>[] = [];
    for (let k = 0; k < 10; k++) {
      s.append([reading(i++)]);
      later.push(s.durable());
    }
    await first;
    // The old segment's fd closes now; the last append (after the last rotation) needs a group commit of its own.
    held.shift()?.done();
    const all = Promise.all(later);
    await releaseOne();
    await all;
    expect(s.read(100).records.map((r) => (r.kind === 'reading' ? r.reading.seq : -1))).toEqual(
      Array.from({ length: i }, (_, k) => k),
    );
    s.close();
  });
});
