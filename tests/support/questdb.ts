import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

/**
 * Starts a real QuestDB (tests run against the real thing) as a
 * java child process on free loopback ports with its own temporary root dir.
 * The jar is provisioned by scripts/provision.sh into .vendor/questdb/.
 */
export interface QuestDbHandle {
  /** `http://127.0.0.1:<httpPort>`: SQL (/exec) and ILP/HTTP (/write). */
  readonly url: string;
  readonly httpPort: number;
  /** QuestDB's root dir (conf/, db/); kept across stop()/start(). */
  readonly dataDir: string;
  /** Graceful stop (SIGTERM), resolves when the process has exited. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir; resolves when SQL answers. */
  start(): Promise<void>;
  /** SIGKILL, like a crash; resolves when the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the process hangs (requests wait, nothing answers) until resume(). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops QuestDB and deletes its temporary root dir (call once, in afterAll). */
  dispose(): Promise<void>;
}

export interface StartQuestDbOptions {
  /** Extra server.conf lines, e.g. `{ 'cairo.commit.mode': 'sync' }`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Max heap, passed as -Xmx (default 1g: the test machine has 2 cores and little RAM). */
  readonly maxHeap?: string;
  /** How long to wait for SQL to answer after launch (default 60 s). */
  readonly startTimeoutMs?: number;
  /** A root dir to use and keep (benchmarks reuse loaded data); default a new temporary one, deleted by dispose(). */
  readonly rootDir?: string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function questDbJarPath(): string {
  return process.env.TANHE_QUESTDB_JAR ?? join(REPO_ROOT, '.vendor', 'questdb', 'questdb.jar');
}

export async function startQuestDb(opts: StartQuestDbOptions = {}): Promise<QuestDbHandle> {
  const jar = questDbJarPath();
  if (!existsSync(jar)) {
    throw new Error(
      `QuestDB jar not found at ${jar}. Run scripts/provision.sh (or set TANHE_QUESTDB_JAR to a questdb.jar).`,
    );
  }
  const root = opts.rootDir ?? mkdtempSync(join(tmpdir(), 'tanhe-questdb-'));
  const dataDir = join(root, 'qdb');
  const logPath = join(root, 'questdb.log');
  let httpPort = 0;
  let url = '';
  mkdirSync(join(dataDir, 'conf'), { recursive: true });
  const configure = (port: number): void => {
    httpPort = port;
    url = `http://127.0.0.1:${port}`;
    const conf: Record<string, string> = {
      'http.bind.to': `127.0.0.1:${port}`,
      // Only the HTTP server: every other listener would need its own free port.
      'http.min.enabled': 'false',
      'pg.enabled': 'false',
      'line.tcp.enabled': 'false',
      'line.udp.enabled': 'false',
      'telemetry.enabled': 'false',
      ...opts.config,
    };
    writeFileSync(
      join(dataDir, 'conf', 'server.conf'),
      Object.entries(conf)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
  };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const logTail = () => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  };

  /**
   * The port was free when it was picked, but another process can bind it before this QuestDB does (tests start
   * several at once). Then something else answers on the URL: ready is when SQL answers AND this process's own
   * log, since this launch, says it listens on the port.
   */
  async function launch(): Promise<void> {
    const logFrom = existsSync(logPath) ? statSync(logPath).size : 0;
    const listening = () =>
      readFileSync(logPath)
        .subarray(logFrom)
        .toString('utf8')
        .includes(`http-server listening on 127.0.0.1:${httpPort}`);
    const logFd = openSync(logPath, 'a');
    const proc = spawn(
      'java',
      [
        `-Xmx${opts.maxHeap ?? '1g'}`,
        '-Xms128m',
        '-XX:+UseSerialGC',
        '-p',
        jar,
        '-m',
        'io.questdb/io.questdb.ServerMain',
        '-d',
        dataDir,
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    child = proc;
    let exitCode: number | null | undefined;
    exited = new Promise((resolveExit) =>
      proc.once('exit', (code, signal) => {
        exitCode = code ?? (signal === null ? null : -1);
        resolveExit();
      }),
    );
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitCode !== undefined)
        throw new Error(`QuestDB exited during start-up (code ${exitCode}). Log tail:\n${logTail()}`);
      if ((await answers(url)) && listening()) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `QuestDB did not answer on ${url} within ${opts.startTimeoutMs ?? 60_000} ms. Log tail:\n${logTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    // A paused process takes a signal only once it runs again.
    child.kill('SIGCONT');
    await exited;
  }

  // A first start that ends at once (most likely its port was taken meanwhile) gets a new port; a restart
  // keeps its port, since the service under test is configured with it.
  for (let attempt = 1; ; attempt++) {
    configure(await freePort());
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt === 3 || !(err instanceof Error) || !err.message.startsWith('QuestDB exited')) throw err;
    }
  }
  return {
    url,
    httpPort,
    dataDir,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async start() {
      await terminate('SIGTERM');
      await launch();
    },
    async dispose() {
      await terminate('SIGTERM');
      process.off('exit', killOnExit);
      if (opts.rootDir === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/exec?query=select%201`, { signal: AbortSignal.timeout(2_000) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}
