import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkToken,
  createDuckDbAuditLog,
  createDuckDbTokenStore,
  tokenStates,
  type AuditEntry,
} from '../../access/index.js';
import { createDuckDbClient, type DuckDbClient } from '../platform/duckdb/index.js';
import type { AppConfig } from '../load-app-config.js';
import { parseCommandLine, parseTokensCommand } from './command-line.js';
import { runTokensCommand, type TokenStores } from './tokens-command.js';

// The command over the real DuckDB adapters in memory; the process-level run (the configured file and its
// lock): tests/cli.
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 9, 1, 8);
const config = {
  source: 'test.yaml',
  store: { kind: 'duckdb', duckdbPath: ':memory:' },
  fleet: {
    orgs: [{ id: 'nx' }, { id: 'nx-yc', parent: 'nx' }],
    institutions: [{ id: 'yc-gov-a', org: 'nx-yc' }],
    buildings: [],
    meters: [],
    virtualMeters: [],
  },
} as unknown as AppConfig;

let client: DuckDbClient;
let stores: TokenStores;
let opened: number;

beforeEach(() => {
  client = createDuckDbClient({ path: ':memory:' });
  const tokens = createDuckDbTokenStore(client);
  const audit = createDuckDbAuditLog(client);
  opened = 0;
  // The command closes what it opened; the in-memory database must outlive one run, so the test closes it.
  stores = {
    tokens,
    audit,
    async init() {
      await tokens.init();
      await audit.init();
    },
    close: async () => undefined,
  };
});
afterEach(async () => {
  await client.close();
});

async function run(args: readonly string[], nowMs = NOW) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokensCommand(args, {
    load: () => config,
    openStores: () => {
      opened += 1;
      return stores;
    },
    nowMs: () => nowMs,
    actor: 'cli:tester',
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join(''), err: err.join('') };
}

const audit = (): Promise<AuditEntry[]> => stores.audit.entries({ limit: 100 });

describe('tanhe tokens', () => {
  it('creates a token shown once that then authenticates; list never shows it nor its hash', async () => {
    const created = await run(['create', '--name', '县审计员', '--role', 'auditor', '--scope', 'nx-yc', '--json']);
    expect(created.code, created.err).toBe(0);
    const body = JSON.parse(created.out);
    expect(body).toMatchObject({
      name: '县审计员',
      role: 'auditor',
      scope: 'nx-yc',
      state: 'active',
      createdBy: 'cli:tester',
      createdAt: new Date(NOW).toISOString(),
      expiresAt: new Date(NOW + 90 * DAY).toISOString(),
    });
    expect(body.secret).toMatch(new RegExp(`^tnh_${body.id}_[A-Za-z0-9_-]{43}$`));
    const states = tokenStates(await stores.tokens.events());
    expect(checkToken(states, body.secret, NOW + DAY)).toMatchObject({ ok: true, token: { id: body.id } });
    const hash = states.get(body.id)?.secretSha256 ?? '';

    for (const args of [['list'], ['list', '--json']]) {
      const listed = await run(args);
      expect(listed.code).toBe(0);
      expect(listed.out).toContain(body.id);
      expect(listed.out).not.toContain(body.secret.slice(`tnh_${body.id}_`.length));
      expect(listed.out).not.toContain(hash);
    }
    expect(JSON.parse((await run(['list', '--json'])).out)).toEqual([
      expect.objectContaining({ id: body.id, state: 'active', revokedAt: null }),
    ]);
    expect(await audit()).toEqual([
      expect.objectContaining({ actor: 'cli:tester', action: 'token.create', target: body.id, outcome: 'ok' }),
    ]);
    expect(JSON.stringify(await audit())).not.toContain(body.secret.slice(`tnh_${body.id}_`.length));
  });

  it('prints the secret once in text, takes --expires-in-days and the fleet root as a scope', async () => {
    const created = await run([
      'create',
      '--name',
      'admin',
      '--role',
      'administrator',
      '--scope',
      '*',
      '--expires-in-days',
      '7',
    ]);
    expect(created.code, created.err).toBe(0);
    const secrets = created.out.match(/tnh_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(secrets).toHaveLength(1);
    const [token] = tokenStates(await stores.tokens.events()).values();
    expect(token).toMatchObject({ role: 'administrator', scopeOrgId: '*', expiresAtMs: NOW + 7 * DAY });
    expect(checkToken(tokenStates(await stores.tokens.events()), secrets[0] ?? '', NOW + 7 * DAY)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('revokes a token from now on, and refuses an unknown or revoked one (exit 2, nothing appended)', async () => {
    const body = JSON.parse(
      (await run(['create', '--name', 'o', '--role', 'energy_officer', '--scope', 'yc-gov-a', '--json'])).out,
    );
    const revoked = await run(['revoke', body.id, '--json'], NOW + DAY);
    expect(revoked.code, revoked.err).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({
      id: body.id,
      state: 'revoked',
      revokedAt: new Date(NOW + DAY).toISOString(),
      revokedBy: 'cli:tester',
    });
    const states = tokenStates(await stores.tokens.events());
    expect(checkToken(states, body.secret, NOW + DAY - 1)).toMatchObject({ ok: true });
    expect(checkToken(states, body.secret, NOW + DAY)).toEqual({ ok: false, reason: 'revoked' });
    expect((await audit()).map((e) => [e.action, e.target, e.actor])).toEqual([
      ['token.create', body.id, 'cli:tester'],
      ['token.revoke', body.id, 'cli:tester'],
    ]);

    const events = await stores.tokens.events();
    expect((await run(['revoke', body.id], NOW + 2 * DAY)).code).toBe(2);
    expect((await run(['revoke', '0123456789abcdef'])).code).toBe(2);
    expect(await stores.tokens.events()).toEqual(events);
    expect(await audit()).toHaveLength(2);
    expect((await run(['list'], NOW + 2 * DAY)).out).toMatch(new RegExp(`${body.id}\\s+revoked`));
  });

  it('refuses a usage error and a scope outside the fleet with exit 2, before opening the store', async () => {
    const wrong = [
      [],
      ['rotate'],
      ['create', '--role', 'auditor', '--scope', 'nx'],
      ['create', '--name', 'a', '--role', 'root', '--scope', 'nx'],
      ['create', '--name', 'a', '--scope', 'nx'],
      ['create', '--name', 'a', '--role', 'auditor'],
      ['create', '--name', 'a', '--role', 'auditor', '--scope', 'nx', '--expires-in-days', '0'],
      ['create', '--name', 'a', '--role', 'auditor', '--scope', 'nx', '--expires-in-days', '3651'],
      ['create', '--name', 'a', '--role', 'auditor', '--scope', 'nx', '--expires-in-days', '1.5'],
      ['create', '--name', ' ', '--role', 'auditor', '--scope', 'nx'],
      ['list', 'extra'],
      ['revoke'],
      ['revoke', 'a', 'b'],
      ['revoke', 'tnh_0123456789abcdef'],
      ['revoke', '0123456789abcdef', '--bogus'],
    ];
    for (const args of wrong) expect((await run(args)).code, args.join(' ')).toBe(2);
    const outside = await run(['create', '--name', 'a', '--role', 'auditor', '--scope', 'sh']);
    expect(outside.code).toBe(2);
    expect(outside.err).toContain('ORG_NOT_FOUND');
    expect(opened).toBe(0);
  });

  it('is a command of the command line, with its help', () => {
    expect(parseCommandLine(['tokens', 'list', '--json'])).toEqual({
      kind: 'run',
      command: 'tokens',
      argv: ['list', '--json'],
    });
    expect(parseCommandLine(['tokens', 'revoke', 'nope']).kind).toBe('usage-error');
    expect(parseCommandLine(['tokens', 'create', '--help']).kind).toBe('help');
    expect(parseTokensCommand(['create', '--name', ' a ', '--role', 'auditor', '--scope', 'nx'])).toEqual({
      kind: 'create',
      name: 'a',
      role: 'auditor',
      scopeOrgId: 'nx',
      expiresInDays: 90,
      json: false,
    });
  });
});
