import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDuckDbOutboxStore } from '../../alerts/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { eventually } from '../support/eventually.js';
import { makeTempDir, removeTempDir, startProcess } from '../support/processes.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

// A SIGKILL while mailing loses no notification, and the resend carries the same Message-ID
// (issue 8): a child process queues N alert mails in a DuckDB file outbox and sends them to
// a real SMTP server (STARTTLS + AUTH) that stalls before answering one DATA; the child is
// killed there, and a second run delivers the rest.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = join(REPO_ROOT, 'tests', 'support', 'outbox-crash-child.ts');
const N = 8;
const STALL_AT = 3; // the 4th message is taken but never answered

let dir: string;
let smtp: TestSmtpServer;
beforeAll(async () => {
  dir = await makeTempDir('outbox-crash');
  smtp = await startTestSmtpServer();
});
afterAll(async () => {
  await smtp?.close();
  if (dir) await removeTempDir(dir);
});

function runChild(name: string) {
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, smtp.caPem);
  return startProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', CHILD],
    cwd: REPO_ROOT,
    logDir: dir,
    env: {
      ...process.env,
      TANHE_CRASH_ALERTS: String(N),
      TANHE_CRASH_DUCKDB: join(dir, 'outbox.duckdb'),
      TANHE_CRASH_SMTP_PORT: String(smtp.port),
      TANHE_CRASH_SMTP_USER: smtp.user,
      TANHE_CRASH_SMTP_CA: caFile,
      TANHE_SMTP_PASSWORD: smtp.password,
    },
  });
}

it('loses no alert mail to a SIGKILL mid-send, and the resent one has the same Message-ID', async () => {
  smtp.stallFrom(STALL_AT);
  const first = await runChild('first-run');
  await eventually(() => expect(smtp.stalledCount()).toBe(1), { timeoutMs: 60_000, message: 'a stalled DATA' });
  expect((await first.kill()).signal).toBe('SIGKILL');
  expect(smtp.received).toHaveLength(STALL_AT + 1);
  const unanswered = smtp.received[STALL_AT];
  expect(unanswered?.answered).toBe(false);
  expect(first.readLog()).toContain(`queued ${N}`);

  smtp.resume();
  const second = await runChild('second-run');
  const exit = await second.exited;
  expect(exit, second.readLog()).toEqual({ code: 0, signal: null });
  // Nothing new was queued: the first run's rows stand.
  expect(second.readLog()).toContain('queued 0');
  expect(second.readLog()).toContain(`sent ${N - STALL_AT}`);

  // Every queued message was received; the one in flight at the kill twice, with one Message-ID.
  const ids = smtp.received.map((m) => m.messageId);
  expect(ids).toHaveLength(N + 1);
  expect(new Set(ids).size).toBe(N);
  expect(ids.filter((id) => id === unanswered?.messageId)).toHaveLength(2);
  expect(smtp.received.every((m) => m.secure && m.user === smtp.user)).toBe(true);

  const client = createDuckDbClient({ path: join(dir, 'outbox.duckdb') });
  try {
    const store = createDuckDbOutboxStore(client);
    expect(await store.pending()).toEqual([]);
    const keys = smtp.received.map((m) => String(m.headers.get('x-tanhe-message-key')));
    expect((await store.queuedKeys(keys)).size).toBe(N);
  } finally {
    await client.close();
  }
});
