import type { AuditLog, TokenStatus, TokenStore } from '../../access/index.js';
import { ERROR_CODES, isAppError } from '../kernel/index.js';
import type { AppConfig } from '../load-app-config.js';
import { parseTokensCommand, type TokensCommand } from './command-line.js';
import {
  createOrgTree,
  createToken,
  FLEET_ROOT,
  isGrantScope,
  listTokens,
  revokeToken,
  type TokenUseCaseDeps,
} from '../../access/index.js';

/**
 * `tanhe tokens create|list|revoke …` (grammar in command-line.ts): the token use
 * cases over the configured store's token and audit tables. Exit 0 when done; 2
 * for a usage error, a scope outside the fleet, a request the use case refuses
 * (unknown or already revoked token), and a DuckDB file held by a running service.
 */
export interface TokenStores {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  init(): Promise<void>;
  close(): Promise<void>;
}

export interface TokensCommandDeps {
  readonly load: (argv: readonly string[]) => AppConfig;
  /** The token store and audit log of the configured engine (src/wire-stores.ts createAccessStores). */
  readonly openStores: (config: AppConfig) => TokenStores;
  readonly nowMs: () => number;
  /** Who runs the command, for the audit log and the tokens' createdBy: `cli:<os user>`. */
  readonly actor: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const EXIT_USAGE = 2;

export async function runTokensCommand(argv: readonly string[], deps: TokensCommandDeps): Promise<number> {
  const command = parseTokensCommand(argv);
  if (command.kind === 'usage-error') {
    deps.err(command.message);
    return EXIT_USAGE;
  }
  const config = deps.load(argv);
  const isKnownScope = isGrantScope(createOrgTree(config.fleet));
  if (command.kind === 'create' && !isKnownScope(command.scopeOrgId)) {
    deps.err(
      `tanhe tokens create: ORG_NOT_FOUND: --scope ${command.scopeOrgId} is no org unit or institution of the fleet` +
        ` in ${config.source} (${FLEET_ROOT} is the whole fleet)`,
    );
    return EXIT_USAGE;
  }
  const stores = deps.openStores(config);
  try {
    await stores.init();
    const useCases: TokenUseCaseDeps = { tokens: stores.tokens, audit: stores.audit, nowMs: deps.nowMs, isKnownScope };
    deps.out(await run(command, useCases, deps));
    return 0;
  } catch (error) {
    if (config.store.kind === 'duckdb' && isFileLocked(error)) {
      deps.err(
        `tanhe tokens ${command.kind}: STORE_UNAVAILABLE: the DuckDB file ${config.store.duckdbPath}` +
          ' is held by another process, most likely a running tanhe service. Stop the service and run the' +
          ' command again, or manage tokens over its HTTP API (POST /api/v1/tokens) with an administrator token.',
      );
      return EXIT_USAGE;
    }
    if (isAppError(error) && ERROR_CODES[error.code].httpStatus < 500) {
      deps.err(`tanhe tokens ${command.kind}: ${error.code}: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  } finally {
    await stores.close();
  }
}

async function run(command: TokensCommand, useCases: TokenUseCaseDeps, deps: TokensCommandDeps): Promise<string> {
  switch (command.kind) {
    case 'create': {
      const { name, role, scopeOrgId, expiresInDays } = command;
      const { token, secret } = await createToken(useCases)({
        name,
        role,
        scopeOrgId,
        expiresInDays,
        createdBy: deps.actor,
      });
      if (command.json) return json({ ...tokenJson(token, deps.nowMs()), secret });
      return [
        `created token ${token.id}: name ${token.name}, role ${token.role}, scope ${token.scopeOrgId},` +
          ` expires ${iso(token.expiresAtMs)}`,
        secret,
        'This is the only time the token is shown (only its SHA-256 is stored): keep it now.',
        'Send it as the header  Authorization: Bearer <token>',
        '',
      ].join('\n');
    }
    case 'list': {
      const nowMs = deps.nowMs();
      const tokens = await listTokens(useCases)();
      if (command.json) return json(tokens.map((t) => tokenJson(t, nowMs)));
      return tokenLines(tokens, nowMs);
    }
    case 'revoke': {
      const revoked = await revokeToken(useCases)({ tokenId: command.tokenId, by: deps.actor });
      if (command.json) return json(tokenJson(revoked, deps.nowMs()));
      return `revoked token ${revoked.id} (${revoked.name}) at ${iso(revoked.revokedAtMs ?? deps.nowMs())}\n`;
    }
  }
}

/** DuckDB refuses a second process on a file: "IO Error: Could not set lock on file …" (possibly as a cause). */
function isFileLocked(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (/could not set lock on file/i.test(e.message)) return true;
  }
  return false;
}

type TokenState = 'active' | 'expired' | 'revoked';

function stateOf(token: TokenStatus, nowMs: number): TokenState {
  if (token.revokedAtMs !== undefined && token.revokedAtMs <= nowMs) return 'revoked';
  return token.expiresAtMs <= nowMs ? 'expired' : 'active';
}

const iso = (ms: number) => new Date(ms).toISOString();
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A token as the command shows it: never the secret, nor its hash. */
function tokenJson(token: TokenStatus, nowMs: number) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    scope: token.scopeOrgId,
    state: stateOf(token, nowMs),
    createdAt: iso(token.createdAtMs),
    createdBy: token.createdBy,
    expiresAt: iso(token.expiresAtMs),
    revokedAt: token.revokedAtMs === undefined ? null : iso(token.revokedAtMs),
    revokedBy: token.revokedBy ?? null,
  };
}

/** A header, then one line per token: id, state, role, scope, expiry, then its name and who made and revoked it. */
function tokenLines(tokens: readonly TokenStatus[], nowMs: number): string {
  if (tokens.length === 0) return 'no tokens (tanhe tokens create --help)\n';
  const rows = tokens.map((t) => {
    const revoked = t.revokedAtMs === undefined ? '' : `; revoked ${iso(t.revokedAtMs)} by ${t.revokedBy ?? '?'}`;
    const last = `${t.name} (created by ${t.createdBy}${revoked})`;
    return [t.id, stateOf(t, nowMs), t.role, t.scopeOrgId, iso(t.expiresAtMs), last];
  });
  const header = ['ID', 'STATE', 'ROLE', 'SCOPE', 'EXPIRES', 'NAME'];
  // Padded up to the last column, whose text (often Chinese) may be of any width.
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line), ''].join('\n');
}
