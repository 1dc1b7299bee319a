import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkToken, createQuestDbAuditLog, createQuestDbTokenStore, tokenStates } from '../../access/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';

// `tanhe tokens` as a process over QuestDB (the production store): the QuestDB side of src/wire-stores.ts's
// createAccessStores. No lock here: QuestDB serves the command and a running service alike.
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
let qdb: QuestDbHandle;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

function tanhe(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), 'tokens', ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          TANHE_CONFIG: '',
          TANHE_STORE: 'questdb',
          TANHE_QUESTDB_URL: qdb.url,
          TANHE_LOG_LEVEL: 'warn',
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('creates, lists and revokes a token in QuestDB, each step in the audit log', async () => {
  const created = await tanhe([
    'create',
    '--name',
    'region-admin',
    '--role',
    'administrator',
    '--scope',
    'nx',
    '--json',
  ]);
  expect(created.code, created.stderr).toBe(0);
  const body = JSON.parse(created.stdout) as { id: string; secret: string };
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 });
  const tokens = createQuestDbTokenStore(client);
  const audit = createQuestDbAuditLog(client);
  try {
    expect(checkToken(tokenStates(await tokens.events()), body.secret, Date.now())).toMatchObject({ ok: true });
    const listed = await tanhe(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: body.id, state: 'active' })]);

    const revoked = await tanhe(['revoke', body.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(checkToken(tokenStates(await tokens.events()), body.secret, Date.now())).toEqual({
      ok: false,
      reason: 'revoked',
    });
    expect((await audit.entries({ limit: 10 })).map((e) => [e.action, e.target])).toEqual([
      ['token.create', body.id],
      ['token.revoke', body.id],
    ]);
  } finally {
    await tokens.close();
    await audit.close();
  }
});
