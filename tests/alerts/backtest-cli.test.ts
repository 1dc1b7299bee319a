import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../support/processes.js';

// `tanhe alerts backtest` as a process, over the demo configuration and a fresh DuckDB file: the wiring of
// src/app.ts (store, families, backtest) and the exit codes. The fixture's alerts: src/cli/alerts-command.test.ts.
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('tanhe-backtest-cli-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

function tanhe(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          TANHE_CONFIG: '',
          TANHE_DUCKDB_PATH: join(dir, 'store.duckdb'),
          TANHE_LOG_LEVEL: 'warn',
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('tanhe alerts backtest (process)', () => {
  const range = ['--from', '2026-01-01T00:00:00+08:00', '--to', '2026-01-02T00:00:00+08:00'];

  it('replays the configured families over the store and prints the result as JSON', async () => {
    const { code, stdout, stderr } = await tanhe(['alerts', 'backtest', '--org', 'nx', ...range, '--json']);
    expect(code, stderr).toBe(0);
    const body = JSON.parse(stdout);
    expect(body).toMatchObject({ org: 'nx', stepMinutes: 60, evaluations: 24 });
    expect(Array.isArray(body.alerts)).toBe(true);
  });

  it('exits 2 on a usage error and on an unknown org', async () => {
    expect((await tanhe(['alerts', 'backtest', '--org', 'nx'])).code).toBe(2);
    const unknown = await tanhe(['alerts', 'backtest', '--org', 'nope', ...range]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('ORG_NOT_FOUND');
  });
});
