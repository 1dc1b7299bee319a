import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkToken, createDuckDbAuditLog, createDuckDbTokenStore, tokenStates } from '../../access/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { testFleet } from '../support/test-fleet.js';

// `tanhe tokens` as a process over a DuckDB file: the wiring of src/wire-stores.ts, the exit codes, and the
// file lock a running service holds. The command's output in detail: src/cli/tokens-command.test.ts.
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const ACTOR = `cli:${userInfo().username}`;
let dir: string;
let mosquitto: MosquittoHandle;
let service: ServiceHandle;
let storeFile: string;

beforeAll(async () => {
  dir = await makeTempDir('tokens-cli-');
  mosquitto = await startMosquitto();
  // The service's config file serves the command too: same fleet, same DuckDB file (<dir>/store.duckdb).
  service = await createService({ dir, mqttUrl: mosquitto.url, store: { kind: 'duckdb' }, fleet: testFleet(1) });
  storeFile = join(dir, 'store.duckdb');
});
afterAll(async () => {
  await service?.stop();
  await mosquitto?.dispose();
  if (dir) await removeTempDir(dir);
});

function tanhe(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), 'tokens', ...args, '--config', service.configFile],
      { cwd: REPO_ROOT, env: { ...process.env, TANHE_CONFIG: '', TANHE_LOG_LEVEL: 'warn' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What the store holds, read in this process (the command has exited, so the file is free). */
async function stored() {
  const client = createDuckDbClient({ path: storeFile });
  try {
    const tokens = createDuckDbTokenStore(client);
    const audit = createDuckDbAuditLog(client);
    return { states: tokenStates(await tokens.events()), audit: await audit.entries({ limit: 100 }) };
  } finally {
    await client.close();
  }
}

describe('tanhe tokens (process)', () => {
  it('creates a token that authenticates, lists it without its secret, revokes it so that it is refused', async () => {
    const args = ['create', '--name', '县审计员', '--role', 'auditor', '--scope', 'inst1', '--json'];
    const created = await tanhe(args);
    expect(created.code, created.stderr).toBe(0);
    const body = JSON.parse(created.stdout) as { id: string; secret: string };
    // The secret part may itself hold '_' (base64url): cut after the id, not at every '_'.
    const secretPart = body.secret.slice(`tnh_${body.id}_`.length);
    expect(secretPart).toHaveLength(43);

    const listed = await tanhe(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: body.id, name: '县审计员', role: 'auditor', scope: 'inst1', state: 'active' }),
    ]);
    expect(listed.stdout).not.toContain(secretPart);

    let store = await stored();
    expect(checkToken(store.states, body.secret, Date.now())).toMatchObject({
      ok: true,
      token: { id: body.id, role: 'auditor', scopeOrgId: 'inst1', createdBy: ACTOR },
    });
    expect(store.audit.map((e) => [e.action, e.target, e.actor])).toEqual([['token.create', body.id, ACTOR]]);

    const revoked = await tanhe(['revoke', body.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    store = await stored();
    expect(checkToken(store.states, body.secret, Date.now())).toEqual({ ok: false, reason: 'revoked' });
    expect(store.audit.map((e) => [e.action, e.target, e.actor])).toEqual([
      ['token.create', body.id, ACTOR],
      ['token.revoke', body.id, ACTOR],
    ]);
    expect((await tanhe(['revoke', body.id])).code).toBe(2);
  });

  it('exits 2 on an unknown role and on a scope outside the configured fleet', async () => {
    expect((await tanhe(['create', '--name', 'x', '--role', 'superuser', '--scope', 'nx'])).code).toBe(2);
    const outside = await tanhe(['create', '--name', 'x', '--role', 'auditor', '--scope', 'sh']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('ORG_NOT_FOUND');
  });

  it('exits 2 naming the held DuckDB file while the service runs, and works again once it has stopped', async () => {
    await service.start();
    // The store opens after HTTP: ready means the service holds the file.
    await eventually(async () => expect((await fetch(`${service.httpUrl}/readyz`)).status).toBe(200), {
      timeoutMs: 60_000,
      message: 'service ready',
    });
    const refused = await tanhe(['create', '--name', 'late', '--role', 'auditor', '--scope', 'nx']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('STORE_UNAVAILABLE');
    expect(refused.stderr).toContain(storeFile);
    expect(refused.stdout).toBe('');
    await service.stop();
    const listed = await tanhe(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    // The earlier token and the service's bootstrap administrator (TANHE_BOOTSTRAP_ADMIN_TOKEN of the test
    // harness): the refused create wrote nothing.
    const names = (JSON.parse(listed.stdout) as { name: string }[]).map((t) => t.name).sort();
    expect(names).toEqual(['bootstrap-admin', '县审计员']);
  });
});
