import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';

/** How a child process ended: an exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Short name for messages and the log file name (`<logDir>/<name>.log`). */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Directory for the log file; stdout and stderr are appended to it, across restarts. */
  logDir: string;
  /**
   * Readiness probe, polled until it returns true. Start fails (and the process is
   * killed) if it exits first or the probe is not true within readyTimeoutMs.
   */
  ready?: () => Promise<boolean> | boolean;
  /** Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has ended. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The log file's whole text (all runs that shared it). */
  readLog(): string;
  /** SIGTERM, then SIGKILL after graceMs (default 10 000). Resolves once it has ended; idempotent. */
  stop(opts?: { graceMs?: number }): Promise<ProcessExit>;
  /** SIGKILL (kill -9): no chance to clean up. Resolves once it has ended; idempotent. */
  kill(): Promise<ProcessExit>;
}

/** Raised when a process exits or stays unready during start; `log` is its log's tail. */
export class ProcessStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly exit: ProcessExit | undefined,
  ) {
    super(`${message}\n--- last log lines ---\n${log}`);
    this.name = 'ProcessStartError';
  }
}

/** Every child started here, so that none outlives the test worker. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A fresh directory under the OS temp dir, e.g. for one test's broker. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tanhe-${prefix}-`));
}

/** Removes a directory made by makeTempDir unless TANHE_KEEP_TEST_DIRS=1 (to read logs after a failure). */
export async function removeTempDir(dir: string): Promise<void> {
  if (process.env.TANHE_KEEP_TEST_DIRS === '1') return;
  await rm(dir, { recursive: true, force: true });
}

/** Last `lines` lines of a text. */
export function tail(text: string, lines = 40): string {
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}

/**
 * Spawns a process whose stdout and stderr go straight to a log file (no pipes
 * that a busy test could leave full), then waits until `ready` says so.
 */
export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  installExitHook();
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args ?? [], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
  live.add(child);
  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolveExit) => {
    const finish = (info: ProcessExit): void => {
      if (exitInfo) return;
      exitInfo = info;
      live.delete(child);
      resolveExit(info);
    };
    child.once('exit', (code, signal) => finish({ code, signal }));
    // spawn failures (ENOENT, EACCES) arrive as 'error' without 'exit'.
    child.once('error', () => finish({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error | undefined>((resolveErr) => {
    child.once('error', (err) => resolveErr(err));
    child.once('spawn', () => resolveErr(undefined));
  });
  const failedToSpawn = await spawnError;
  const readLog = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  if (failedToSpawn) {
    throw new ProcessStartError(
      `${opts.name}: cannot spawn ${opts.command}: ${failedToSpawn.message}`,
      tail(readLog()),
      exitInfo,
    );
  }

  const isRunning = (): boolean => exitInfo === undefined;
  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit> => {
    if (!isRunning()) return exited;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const escalated = new Promise<void>((resolveTimer) => {
      timer = setTimeout(resolveTimer, graceMs);
    });
    await Promise.race([exited, escalated]);
    clearTimeout(timer);
    if (isRunning()) child.kill('SIGKILL');
    return exited;
  };

  const handle: ManagedProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    logFile,
    exited,
    isRunning,
    readLog,
    stop: (stopOpts) => signalAndWait('SIGTERM', stopOpts?.graceMs ?? 10_000),
    kill: () => signalAndWait('SIGKILL', 10_000),
  };

  if (opts.ready) {
    const ready = opts.ready;
    const timeoutMs = opts.readyTimeoutMs ?? 30_000;
    const abort = new AbortController();
    void exited.then(() => abort.abort(new Error('process exited')));
    try {
      await eventually(
        async () => {
          if (!(await ready())) throw new Error('not ready yet');
        },
        { timeoutMs, intervalMs: 50, message: `${opts.name} ready`, signal: abort.signal },
      );
      if (!isRunning()) throw new Error('process exited');
    } catch (err) {
      const exitedEarly = !isRunning();
      await handle.kill();
      const why = exitedEarly
        ? `${opts.name} exited during start-up (code ${String(exitInfo?.code)}, signal ${String(exitInfo?.signal)})`
        : `${opts.name} not ready within ${timeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`;
      throw new ProcessStartError(why, tail(readLog()), exitInfo);
    }
  }
  return handle;
}
