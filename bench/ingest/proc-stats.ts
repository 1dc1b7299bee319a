import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/<pid>/stat utime and stime (almost always 100). */
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds a process has used so far (all its threads), or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after ")".
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size (VmHWM) and current RSS (VmRSS) in bytes, or NaN once the process is gone. */
export function memoryBytes(pid: number): { peakRss: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { peakRss: Number.NaN, rss: Number.NaN };
  }
}

/**
 * The pid of the one live process whose command line contains `needle` (a
 * config file or data dir path unique to this run). The test harness does not
 * expose child pids, and the paths it generates are unique, so this is exact.
 */
export function findPid(needle: string): number {
  const matches: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) matches.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  if (matches.length !== 1)
    throw new Error(`expected one process with "${needle}" in its command line, found ${matches.length}`);
  return matches[0] as number;
}

/** CPU seconds of several named processes at one moment. */
export function cpuSnapshot(pids: Readonly<Record<string, number>>): Record<string, number> {
  // machine: busy CPU-s of all processes; the benchmark's own are subtracted to show others' load.
  const snapshot: Record<string, number> = { machine: machineBusySeconds() };
  for (const [name, pid] of Object.entries(pids))
    snapshot[name] = pid === process.pid ? selfCpuSeconds() : cpuSeconds(pid);
  return snapshot;
}

function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) delta[name] = value - (before[name] ?? Number.NaN);
  return delta;
}

/** CPU seconds the whole machine has spent busy (all CPUs: everything but idle and iowait), from /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, v) => sum + v, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return (total - idle) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
