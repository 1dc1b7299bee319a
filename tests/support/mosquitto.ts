import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { freePort, isPortOpen } from './ports.js';
import { makeTempDir, ProcessStartError, removeTempDir, startProcess, type ManagedProcess } from './processes.js';

const execFileAsync = promisify(execFile);

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The one broker configuration shared by compose and the tests (docker/mosquitto.conf). */
export const SHARED_MOSQUITTO_CONF = join(REPO_ROOT, 'docker', 'mosquitto.conf');
/** The shipped ACL (meters write their own topics, tanhe-ingest reads). */
export const SHARED_MOSQUITTO_ACL = join(REPO_ROOT, 'docker', 'mosquitto.acl');

const HOST = '127.0.0.1';
const PROVISION_HINT = 'run `scripts/provision.sh` (as root) to install Mosquitto';

/**
 * Keys of the shared conf that describe one deployment rather than broker
 * behaviour; the harness drops them and writes per-test values instead.
 * Everything else (queue limits, persistence, inflight, packet size) is kept
 * verbatim, so the tests exercise the limits that ship.
 */
export const PER_TEST_KEYS: ReadonlySet<string> = new Set([
  'listener',
  'port',
  'bind_address',
  'bind_interface',
  'socket_domain',
  'protocol',
  'persistence_location',
  'allow_anonymous',
  'password_file',
  'acl_file',
  'log_dest',
  'user',
  'pid_file',
  'sys_interval',
  'include_dir',
]);

export interface MosquittoAuth {
  /** username → password; written to a password file with mosquitto_passwd. */
  users: Readonly<Record<string, string>>;
  /** ACL file to enforce; default the shipped docker/mosquitto.acl. */
  aclFile?: string;
  /** User whose credentials sysDropped() uses; it must be allowed to read $SYS/#. Default 'tanhe-ingest'. */
  sysUser?: string;
}

export interface MosquittoOptions {
  /**
   * Without auth the test listener allows anonymous clients and enforces no
   * ACL: tests of delivery, queueing and restarts are about the broker's
   * behaviour, and meter-shaped credentials in each of them would add nothing
   * but coupling to the ACL. With auth, allow_anonymous is false and the
   * shipped ACL (or aclFile) applies, as in compose; the ACL test uses that.
   */
  auth?: MosquittoAuth;
  /**
   * Replace (string) or remove (null, i.e. back to Mosquitto's default) shared
   * settings, e.g. `{ max_queued_messages: null }` to show what the defaults do.
   */
  overrides?: Readonly<Record<string, string | null>>;
  /** $SYS refresh in seconds (default 1, so sysDropped() is fresh within ~2 s). */
  sysIntervalSeconds?: number;
  /** Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface MosquittoHandle {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Per-broker temp dir: conf, password file, persistence database, log. */
  readonly dir: string;
  readonly confFile: string;
  readonly logFile: string;
  /** Clean shutdown (SIGTERM, then SIGKILL): Mosquitto saves its database on the way out. */
  stop(): Promise<void>;
  /** Stops if running, then starts again on the same port with the same persistence dir. */
  restart(): Promise<void>;
  /** kill -9: nothing is saved since the last autosave. */
  kill(): Promise<void>;
  /** Stops and removes the temp dir (kept when TANHE_KEEP_TEST_DIRS=1). */
  dispose(): Promise<void>;
  isRunning(): boolean;
  readLog(): string;
  /**
   * $SYS/broker/publish/messages/dropped as of a $SYS refresh that happened after
   * this call (it waits for two live $SYS ticks, so ~1–2 s with sys_interval 1).
   * Read from a subscriber the harness keeps from broker start, because Mosquitto
   * lets unchanged $SYS values expire from its retained store after 60 s.
   */
  sysDropped(): Promise<number>;
  /** Same freshness guarantee, for any numeric $SYS topic. */
  sysNumber(topic: string): Promise<number>;
}

/** Where Debian puts the binaries; /usr/sbin is not on a normal user's PATH. */
const EXTRA_BIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Absolute path of a Mosquitto tool, or an Error telling how to provision it. */
export function findMosquittoBinary(name: 'mosquitto' | 'mosquitto_passwd' = 'mosquitto'): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_BIN_DIRS].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  throw new Error(`${name} not found on PATH or in ${EXTRA_BIN_DIRS.join(', ')}: ${PROVISION_HINT}`);
}

/**
 * The test conf: the shared conf minus PER_TEST_KEYS and overridden keys, then
 * the per-test values. Pure, so it can be checked without a broker.
 */
export function renderTestConf(
  sharedConf: string,
  perTest: Readonly<Record<string, string | readonly string[] | null>>,
): string {
  const replaced = new Set([...PER_TEST_KEYS, ...Object.keys(perTest)]);
  const kept = sharedConf
    .split('\n')
    .filter((line) => {
      const key = line.trim().split(/\s+/, 1)[0] ?? '';
      return key === '' || key.startsWith('#') || !replaced.has(key);
    })
    .join('\n');
  const lines: string[] = [];
  for (const [key, value] of Object.entries(perTest)) {
    if (value === null) continue;
    for (const v of typeof value === 'string' ? [value] : value) lines.push(`${key} ${v}`);
  }
  return `# Generated by tests/support/mosquitto.ts from ${SHARED_MOSQUITTO_CONF}\n${kept}\n\n# --- per-test values ---\n${lines.join('\n')}\n`;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const binary = findMosquittoBinary('mosquitto');
  const dir = await makeTempDir('mosquitto');
  const confFile = join(dir, 'mosquitto.conf');
  const sysUser = opts.auth ? (opts.auth.sysUser ?? 'tanhe-ingest') : undefined;
  const sysPassword = sysUser === undefined ? undefined : opts.auth?.users[sysUser];
  if (sysUser !== undefined && sysPassword === undefined) {
    throw new Error(`startMosquitto: auth.users has no '${sysUser}' (auth.sysUser) for $SYS reads`);
  }

  let authLines: Record<string, string>;
  if (opts.auth) {
    const passwordFile = join(dir, 'passwd');
    await writePasswordFile(passwordFile, opts.auth.users);
    authLines = {
      allow_anonymous: 'false',
      password_file: passwordFile,
      acl_file: opts.auth.aclFile ?? SHARED_MOSQUITTO_ACL,
    };
  } else {
    authLines = { allow_anonymous: 'true' };
  }

  const sharedConf = readFileSync(SHARED_MOSQUITTO_CONF, 'utf8');
  const writeConf = async (port: number): Promise<void> => {
    const conf = renderTestConf(sharedConf, {
      ...(opts.overrides ?? {}),
      listener: `${port} ${HOST}`,
      persistence_location: `${dir}/`,
      ...authLines,
      log_dest: 'stdout',
      sys_interval: String(opts.sysIntervalSeconds ?? 1),
      // As root, Mosquitto would switch to the `mosquitto` user, which cannot
      // read this temp dir; naming the current user keeps it as is (CI runs as root).
      user: userInfo().username,
    });
    await writeFile(confFile, conf);
  };

  let process_: ManagedProcess | undefined;
  const launch = async (port: number): Promise<ManagedProcess> =>
    startProcess({
      name: 'mosquitto',
      command: binary,
      args: ['-c', confFile],
      cwd: dir,
      logDir: dir,
      ready: () => isPortOpen(port, HOST),
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
    });

  // freePort() can race with another process; retry a few ports on "address in use".
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await writeConf(port);
    try {
      process_ = await launch(port);
      break;
    } catch (err) {
      const inUse = err instanceof ProcessStartError && /Address already in use/i.test(err.log);
      if (!inUse || attempt >= 3) {
        await removeTempDir(dir);
        throw err;
      }
    }
  }

  const url = `mqtt://${HOST}:${port}`;
  const sysCredentials = sysUser === undefined ? {} : { username: sysUser, password: sysPassword ?? '' };
  // Connected right after each launch, so it is there before the broker's first $SYS refresh expires.
  let observer: Promise<SysObserver> | undefined;
  const startObserver = (): void => {
    observer = observeSys(url, sysCredentials);
    // A failed connect is reported by the next sysNumber(), not as an unhandled rejection.
    observer.catch(() => undefined);
  };
  const stopObserver = async (): Promise<void> => {
    const current = observer;
    observer = undefined;
    await current?.then(
      (o) => o.close(),
      () => undefined,
    );
  };
  startObserver();

  const stop = async (): Promise<void> => {
    await stopObserver();
    await process_?.stop();
  };
  const sysNumber = async (topic: string): Promise<number> => {
    if (observer === undefined) throw new Error(`${topic}: the broker is not running`);
    return (await observer).read(topic);
  };

  return {
    url,
    host: HOST,
    port,
    dir,
    confFile,
    logFile: join(dir, 'mosquitto.log'),
    stop,
    restart: async () => {
      await stop();
      process_ = await launch(port);
      startObserver();
    },
    kill: async () => {
      await stopObserver();
      await process_?.kill();
    },
    dispose: async () => {
      await stop();
      await removeTempDir(dir);
    },
    isRunning: () => process_?.isRunning() ?? false,
    readLog: () => process_?.readLog() ?? '',
    sysDropped: () => sysNumber('$SYS/broker/publish/messages/dropped'),
    sysNumber,
  };
}

async function writePasswordFile(file: string, users: Readonly<Record<string, string>>): Promise<void> {
  for (const name of Object.keys(users)) {
    // The password file is "user:password" per line; these break it.
    if (/[:\n]/.test(name)) throw new Error(`startMosquitto: invalid username ${JSON.stringify(name)}`);
  }
  await writeFile(
    file,
    Object.entries(users)
      .map(([u, p]) => `${u}:${p}\n`)
      .join(''),
    { mode: 0o600 },
  );
  // -U hashes every plain-text password in place, the same file `mosquitto_passwd -b` would build.
  await execFileAsync(findMosquittoBinary('mosquitto_passwd'), ['-U', file]);
}

const SYS_TICK_TOPIC = '$SYS/broker/uptime';
const SYS_FILTER = '$SYS/#';

interface SysObserver {
  /** Latest numeric value seen for `topic`, as of a $SYS refresh that began after this call. */
  read(topic: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * One $SYS subscriber per broker process, connected as soon as the broker is
 * up and kept until it stops.
 *
 * Why not subscribe on demand: Mosquitto 2.0 republishes a $SYS value only when
 * it changes, and publishes it retained with a 60 s message expiry. A counter
 * that stays put, such as publish/messages/dropped at 0 (the healthy case), is
 * therefore gone from the retained store 60 s after the broker started, and a
 * client that subscribes later never receives it. A subscriber that is there
 * from the start receives the first value and every change, so its latest value
 * is the broker's, however long the test ran. Values are kept per process: a
 * restarted broker starts its counters from zero and publishes them all again.
 */
async function observeSys(url: string, credentials: { username?: string; password?: string }): Promise<SysObserver> {
  const values = new Map<string, string>();
  let liveTicks = 0;
  const tickWaiters = new Set<() => void>();
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    for (const wake of tickWaiters) wake();
  };

  const client = await mqtt.connectAsync(url, {
    ...credentials,
    protocolVersion: 4,
    clean: true,
    // Reconnects (and resubscribes) only on a dropped connection to the same process; a change that
    // happened meanwhile is still retained (< 60 s old), so the resubscription brings it.
    reconnectPeriod: 500,
    connectTimeout: 10_000,
  });
  client.on('message', (topic, payload, packet) => {
    values.set(topic, payload.toString());
    // Retained copies are history; only a live uptime marks a refresh that happened while subscribed.
    if (topic === SYS_TICK_TOPIC && !packet.retain) {
      liveTicks += 1;
      for (const wake of tickWaiters) wake();
    }
  });
  try {
    const grants = await client.subscribeAsync(SYS_FILTER, { qos: 0 });
    const denied = grants.filter((g) => g.qos === 128);
    if (denied.length > 0) fail(new Error(`$SYS subscription refused: ${denied.map((g) => g.topic).join(', ')}`));
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }

  /** Resolves once `count` more live uptime ticks have arrived. */
  const waitTicks = (count: number, timeoutMs: number): Promise<void> =>
    new Promise<void>((resolveTicks, reject) => {
      const target = liveTicks + count;
      const check = (): void => {
        if (failure !== undefined) done(failure);
        else if (liveTicks >= target) done();
      };
      const done = (err?: Error): void => {
        clearTimeout(timer);
        tickWaiters.delete(check);
        if (err) reject(err);
        else resolveTicks();
      };
      const timer = setTimeout(
        () => done(new Error(`no $SYS refresh within ${timeoutMs / 1000} s (is sys_interval set?)`)),
        timeoutMs,
      );
      tickWaiters.add(check);
      check();
    });

  return {
    read: async (topic) => {
      // Each refresh publishes uptime first. The refresh that began with the first live tick after
      // this call has been fully received once the next one arrives.
      await waitTicks(2, 30_000);
      const raw = values.get(topic);
      if (raw === undefined) throw new Error(`${topic} was never published by the broker`);
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${topic} is not a number: ${raw}`);
      return n;
    },
    close: async () => {
      fail(new Error('the $SYS observer was closed (broker stopped)'));
      await client.endAsync(true);
    },
  };
}
