import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/kernel/index.js';

export const SPOOL_LOCK_FILE = 'spool.lock';

/** Who holds a spool directory: enough to tell a live holder from a dead one, and to name it in a message. */
export interface SpoolLockHolder {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): a reused pid has another start time. */
  readonly startTicks: number | null;
  readonly host: string;
  readonly sinceIso: string;
}

export interface SpoolLock {
  readonly file: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): void;
}

/** An unreadable lock file younger than this is taken to be mid-write by its creator, not left by a crash. */
const UNREADABLE_GRACE_MS = 5_000;
const ATTEMPTS = 3;

/**
 * Takes the lock of a spool directory, or throws AppError('SPOOL_LOCKED') without
 * having written anything. The lock is a file created with O_EXCL that holds the
 * owner's pid and process start time; a lock whose owner is gone (no such pid, a
 * zombie, or the pid now belongs to a process that started at another time) is
 * stale and taken over, so a SIGKILLed process never blocks its restart. The
 * mechanism and its limits are described in docs/scaling.md.
 */
export function acquireSpoolLock(dir: string, nowMs: number = Date.now()): SpoolLock {
  const file = join(dir, SPOOL_LOCK_FILE);
  const me: SpoolLockHolder = {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    host: hostname(),
    sinceIso: new Date(nowMs).toISOString(),
  };
  for (let attempt = 1; ; attempt++) {
    if (tryCreate(file, me)) return ownedLock(file, me);
    const holder = readHolder(file);
    if (holder === 'gone') continue; // released between our create and our read: try again
    if (holder !== 'unreadable' && holderIsAlive(holder)) throw lockedError(dir, file, holder);
    const beingWritten = holder === 'unreadable' && !olderThan(file, UNREADABLE_GRACE_MS, nowMs);
    if (beingWritten) throw lockedError(dir, file, undefined);
    if (attempt >= ATTEMPTS) throw lockedError(dir, file, holder === 'unreadable' ? undefined : holder);
    removeStale(file);
  }
}

function tryCreate(file: string, me: SpoolLockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AppError('SPOOL_IO', `cannot create the spool lock ${file}`, { cause });
  }
  try {
    // One write of a short line: a reader sees either nothing (the grace above) or all of it.
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function ownedLock(file: string, me: SpoolLockHolder): SpoolLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      const holder = readHolder(file);
      if (typeof holder === 'object' && holder.pid === me.pid && holder.startTicks === me.startTicks) unlinkSync(file);
    },
  };
}

function readHolder(file: string): SpoolLockHolder | 'unreadable' | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw new AppError('SPOOL_IO', `cannot read the spool lock ${file}`, { cause });
  }
  try {
    const value = JSON.parse(text) as Partial<SpoolLockHolder>;
    if (!Number.isInteger(value.pid)) return 'unreadable';
    return {
      pid: value.pid as number,
      startTicks: typeof value.startTicks === 'number' ? value.startTicks : null,
      host: typeof value.host === 'string' ? value.host : '?',
      sinceIso: typeof value.sinceIso === 'string' ? value.sinceIso : '?',
    };
  } catch {
    return 'unreadable';
  }
}

/**
 * Alive means: the pid exists, is not a zombie, and (where /proc tells) started
 * when the lock says. Another host's pid cannot be checked from here; such a lock
 * is treated as alive, since two hosts sharing one spool volume is the case the lock
 * exists to stop.
 */
export function holderIsAlive(holder: SpoolLockHolder): boolean {
  if (holder.host !== hostname()) return true;
  const stat = procStat(holder.pid);
  if (stat === 'no-proc') return signalZeroFinds(holder.pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return holder.startTicks === null || stat.startTicks === holder.startTicks;
}

/** Field 22 (starttime) of /proc/<pid>/stat; null where there is no /proc. */
export function processStartTicks(pid: number): number | null {
  const stat = procStat(pid);
  return typeof stat === 'object' ? stat.startTicks : null;
}

function procStat(pid: number): { state: string; startTicks: number } | undefined | 'no-proc' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    try {
      statSync('/proc/self/stat');
    } catch {
      return 'no-proc';
    }
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = Number(fields[19]);
  if (state === undefined || !Number.isFinite(startTicks)) return undefined;
  return { state, startTicks };
}

function signalZeroFinds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function olderThan(file: string, ageMs: number, nowMs: number): boolean {
  try {
    return nowMs - statSync(file).mtimeMs > ageMs;
  } catch {
    return true;
  }
}

function removeStale(file: string): void {
  try {
    unlinkSync(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AppError('SPOOL_IO', `cannot remove the stale spool lock ${file}`, { cause });
    }
  }
}

function lockedError(dir: string, file: string, holder: SpoolLockHolder | undefined): AppError {
  const who = holder
    ? `process ${holder.pid} on ${holder.host} (holding it since ${holder.sinceIso})`
    : `another process (its lock file ${file} is being written or is unreadable)`;
  return new AppError(
    'SPOOL_LOCKED',
    `the spool directory ${dir} is in use by ${who}; two processes on one spool would corrupt it. ` +
      'Stop the other process, or give this one its own spool.dir (TANHE_SPOOL_DIR).',
    { details: holder ? [holder] : [] },
  );
}
