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
    authLines = { allow_anonymous: 'false', password_file: passwordFile, acl_file: opts.auth.aclFile ?? SHARED_MOSQUITTO_ACL };
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
  const stop = async (): Promise<void> => {
    await process_?.stop();
  };
  const sysNumber = (topic: string): Promise<number> =>
    readSysNumber(url, topic, sysUser === undefined ? {} : { username: sysUser, password: sysPassword ?? '' });

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
    },
    kill: async () => {
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
  await writeFile(file, Object.entries(users).map(([u, p]) => `${u}:${p}\n`).join(''), { mode: 0o600 });
  // -U hashes every plain-text password in place, the same file `mosquitto_passwd -b` would build.
  await execFileAsync(findMosquittoBinary('mosquitto_passwd'), ['-U', file]);
}

const SYS_TICK_TOPIC = '$SYS/broker/uptime';

/**
 * Subscribes to `topic` and to the uptime tick. $SYS values are retained and
 * republished only when they change, each refresh publishing uptime first. Once
 * two live (non-retained) uptime messages have arrived, the refresh that began
 * with the first one, which started after this call, has been fully received;
 * the latest value of `topic` is then current as of that refresh.
 */
async function readSysNumber(url: string, topic: string, credentials: { username?: string; password?: string }): Promise<number> {
  const client = await mqtt.connectAsync(url, {
    ...credentials,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  try {
    return await new Promise<number>((resolveValue, reject) => {
      let value: number | undefined;
      let liveTicks = 0;
      const timer = setTimeout(() => reject(new Error(`no $SYS refresh with ${topic} within 30 s (is sys_interval set?)`)), 30_000);
      client.on('message', (t, payload, packet) => {
        if (t === topic) {
          const n = Number(payload.toString());
          if (!Number.isFinite(n)) {
            clearTimeout(timer);
            reject(new Error(`${topic} is not a number: ${payload.toString()}`));
            return;
          }
          value = n;
        } else if (t === SYS_TICK_TOPIC && !packet.retain) {
          liveTicks += 1;
          if (liveTicks >= 2) {
            clearTimeout(timer);
            if (value === undefined) reject(new Error(`${topic} was never published by the broker`));
            else resolveValue(value);
          }
        }
      });
      client.subscribeAsync([topic, SYS_TICK_TOPIC], { qos: 0 }).then((grants) => {
        const denied = grants.filter((g) => g.qos === 128);
        if (denied.length > 0) {
          clearTimeout(timer);
          reject(new Error(`$SYS subscription refused: ${denied.map((g) => g.topic).join(', ')}`));
        }
      }, reject);
    });
  } finally {
    await client.endAsync(true);
  }
}
