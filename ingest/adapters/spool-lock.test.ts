import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/kernel/index.js';
import type { SpoolRecord } from '../core/index.js';
import { FileSpool, type FileSpoolOptions } from './file-spool.js';
import { processStartTicks, SPOOL_LOCK_FILE } from './spool-lock.js';

const dirs: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.splice(0).forEach((c) => c());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function options(): FileSpoolOptions {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-lock-'));
  dirs.push(dir);
  return { dir, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsync: 'none', fsyncIntervalMs: 50 };
}

function open(opts: FileSpoolOptions): FileSpool {
  const spool = new FileSpool(opts);
  cleanups.push(() => spool.close());
  return spool;
}

const reading = (ts: number): SpoolRecord => ({
  kind: 'reading',
  reading: { meterId: 'm1', tsMs: ts, value: ts, seq: null, receivedAtMs: ts, quality: 'ok' },
});

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAppError(error) ? error.code : `not an AppError: ${String(error)}`;
  }
  return undefined;
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'hex')]),
  );
}

/** A child process that stays alive until killed (or until the test ends). */
async function liveChild(): Promise<{ pid: number; kill: () => void }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  const kill = () => child.kill('SIGKILL');
  cleanups.push(kill);
  return { pid: child.pid ?? -1, kill };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return child.pid ?? -1;
}

function writeLock(dir: string, pid: number, startTicks: number | null) {
  const holder = { pid, startTicks, host: hostname(), sinceIso: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dir, SPOOL_LOCK_FILE), JSON.stringify(holder));
}

describe('spool lock', () => {
  it('refuses a second open of a held directory before touching it (a torn tail stays as it is)', () => {
    const opts = options();
    const first = open(opts);
    first.append([reading(1)]);
    // A record half-way through being written by the holder: an open that went ahead would cut it off.
    writeFileSync(join(opts.dir, 'segment-000000000001.log'), '{"kind":"read', { flag: 'a' });
    const before = snapshot(opts.dir);
    expect(errorCode(() => new FileSpool(opts))).toBe('SPOOL_LOCKED');
    expect(snapshot(opts.dir)).toEqual(before);
  });

  it('is released on close, so that the directory can be opened again', () => {
    const opts = options();
    const first = new FileSpool(opts);
    first.append([reading(1)]);
    first.close();
    expect(readdirSync(opts.dir)).not.toContain(SPOOL_LOCK_FILE);
    expect(open(opts).read(10).records).toEqual([reading(1)]);
  });

  it('takes over the lock of a process that is gone (a SIGKILLed one left its lock file)', async () => {
    const opts = options();
    writeLock(opts.dir, await deadPid(), 1);
    const spool = open(opts);
    spool.append([reading(1)]);
    expect(JSON.parse(readFileSync(join(opts.dir, SPOOL_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock whose pid now belongs to a process that started at another time', () => {
    const opts = options();
    writeLock(opts.dir, process.pid, (processStartTicks(process.pid) ?? 0) + 1);
    expect(open(opts).backlogRecords()).toBe(0);
  });

  it('refuses a directory held by another live process, and names it', async () => {
    const opts = options();
    const holder = await liveChild();
    writeLock(opts.dir, holder.pid, processStartTicks(holder.pid));
    let caught: unknown;
    try {
      new FileSpool(opts);
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe('SPOOL_LOCKED');
    expect(isAppError(caught) && caught.details).toEqual([expect.objectContaining({ pid: holder.pid })]);
  });

  it('refuses while a fresh lock file is still unreadable (its creator is writing it)', () => {
    const opts = options();
    writeFileSync(join(opts.dir, SPOOL_LOCK_FILE), '');
    expect(errorCode(() => new FileSpool(opts))).toBe('SPOOL_LOCKED');
  });

  it('close stops the checkpoint timer and leaves the committed position on disk', () => {
    const opts = options();
    const spool = new FileSpool(opts);
    spool.append([reading(1), reading(2)]);
    const batch = spool.read(10);
    spool.commit(batch.end, batch.records.length);
    spool.close();
    spool.close();
    expect(JSON.parse(readFileSync(join(opts.dir, 'checkpoint.json'), 'utf8'))).toEqual(batch.end);
    expect(errorCode(() => spool.append([reading(3)]))).toBe('SPOOL_IO');
  });
});
