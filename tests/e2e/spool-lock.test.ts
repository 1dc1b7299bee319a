import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir, startProcess } from '../support/processes.js';
import { closePublisher, connectPublisher, publishAll } from '../support/publisher.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { readingMessages } from '../support/stack.js';
import { testFleet } from '../support/test-fleet.js';

// Two processes on one spool directory: the second must refuse before touching it
// (no replay, no cut of a "torn" tail the first may be writing), exit 2, and leave
// the first running. The second has its own HTTP port, client id and store, so the
// spool lock is the only thing that stops it.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const METERS = 5;

let dir: string;
let secondDir: string;
let mosquitto: MosquittoHandle;
let first: ServiceHandle;

beforeAll(async () => {
  dir = await makeTempDir('spool-lock-');
  secondDir = await makeTempDir('spool-lock-second-');
  mosquitto = await startMosquitto();
  const fleet = testFleet(METERS);
  first = await createService({ dir, mqttUrl: mosquitto.url, store: { kind: 'duckdb' }, fleet, clientId: 'first' });
  await first.start();
});
afterAll(async () => {
  await first?.stop();
  await mosquitto?.dispose();
  if (dir) await removeTempDir(dir);
  if (secondDir) await removeTempDir(secondDir);
});

/** Every file of the directory with the SHA-256 of its bytes. */
function hashes(spoolDir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(spoolDir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(spoolDir, name)))
          .digest('hex'),
      ]),
  );
}

/** The first's spool is at rest: everything is stored and the checkpoint on disk is at the end of the last segment. */
function spoolAtRest(spoolDir: string): void {
  const text = readFileSync(join(spoolDir, 'checkpoint.json'), 'utf8');
  const checkpoint = JSON.parse(text) as { segment: number; offset: number };
  const segments = readdirSync(spoolDir)
    .filter((n) => n.startsWith('segment-'))
    .sort();
  const last = segments[segments.length - 1];
  expect(last).toBe(`segment-${String(checkpoint.segment).padStart(12, '0')}.log`);
  expect(statSync(join(spoolDir, last!)).size).toBe(checkpoint.offset);
}

it('refuses a second process on a live spool: exit 2, the spool byte-identical, the first running', async () => {
  const spoolDir = join(dir, 'first-spool');
  const publisher = await connectPublisher(mosquitto.url, 'spool-lock-publisher');
  await publishAll(publisher, readingMessages(METERS, 200), { ratePerSecond: 2000 });
  await eventually(async () => expect((await first.metrics()).tanhe_ingest_readings_stored_total).toBe(METERS * 200), {
    timeoutMs: 60_000,
    message: 'first batch stored',
  });
  await eventually(() => spoolAtRest(spoolDir), { timeoutMs: 10_000, message: 'spool at rest' });
  const before = hashes(spoolDir);
  expect(Object.keys(before)).toEqual(expect.arrayContaining(['checkpoint.json', 'spool.lock']));

  const second = await createService({
    dir: secondDir,
    mqttUrl: mosquitto.url,
    store: { kind: 'duckdb' },
    fleet: testFleet(METERS),
    clientId: 'second',
    spool: { dir: spoolDir },
  });
  const process2 = await startProcess({
    name: 'second',
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), 'serve', '--config', second.configFile],
    cwd: REPO_ROOT,
    env: { ...process.env, TANHE_CONFIG: '' },
    logDir: secondDir,
  });
  const exit = await process2.exited;
  expect(exit).toEqual({ code: 2, signal: null });
  expect(process2.readLog()).toContain('"code":"SPOOL_LOCKED"');
  expect(process2.readLog()).toContain(spoolDir);
  expect(hashes(spoolDir)).toEqual(before);
  expect(
    await fetch(`${second.httpUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    ),
  ).toBe(false);

  // The first is unaffected: it keeps taking and storing readings.
  expect((await fetch(`${first.httpUrl}/healthz`)).ok).toBe(true);
  const more = readingMessages(METERS, 300).slice(METERS * 200);
  await publishAll(publisher, more, { ratePerSecond: 2000 });
  await closePublisher(publisher);
  await eventually(async () => expect((await first.metrics()).tanhe_ingest_readings_stored_total).toBe(METERS * 300), {
    timeoutMs: 60_000,
    message: 'second batch stored by the first process',
  });
});
