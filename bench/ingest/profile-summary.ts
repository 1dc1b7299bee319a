/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): where the service's CPU time
 * went, by function (self and inclusive) and by source (package or repo file).
 * Used by run.ts --profile; also runnable alone:
 *   npx tsx bench/ingest/profile-summary.ts FILE.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Sampled time not idle (program, GC and JS). */
  readonly busyMs: number;
  readonly selfByFunction: ProfileEntry[];
  readonly inclusiveByFunction: ProfileEntry[];
  readonly selfBySource: ProfileEntry[];
}

const REPO_MARKER = '/work/';

function sourceOf(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const path = url.replace(/^file:\/\//, '');
  const repo = path.indexOf(REPO_MARKER);
  return repo >= 0
    ? path
        .slice(repo + REPO_MARKER.length)
        .split('/')
        .slice(1)
        .join('/')
    : path;
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${sourceOf(url)}:${lineNumber + 1}`;
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const bySource = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i] as number);
    if (!node) continue;
    totalUs += dt;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const key = functionKey(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const source = ['(garbage collector)', '(program)'].includes(node.callFrame.functionName)
      ? node.callFrame.functionName
      : sourceOf(node.callFrame.url);
    bySource.set(source, (bySource.get(source) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n || n.callFrame.functionName === '(root)') continue;
      const k = functionKey(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const busyUs = totalUs - idleUs;
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        percent: Math.round((1000 * us) / Math.max(busyUs, 1)) / 10,
      }));
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    selfByFunction: rank(self),
    inclusiveByFunction: rank(inclusive),
    selfBySource: rank(bySource),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `profile ${summary.file}: ${summary.busyMs} ms busy of ${summary.totalMs} ms sampled (percentages are of busy time)`,
  ];
  const section = (title: string, entries: ProfileEntry[]) => {
    lines.push(`  ${title}`);
    for (const e of entries)
      lines.push(`    ${String(e.percent).padStart(5)} %  ${String(e.ms).padStart(7)} ms  ${e.name}`);
  };
  section('self time by source', summary.selfBySource.slice(0, 15));
  section('self time by function', summary.selfByFunction);
  section('inclusive time by function', summary.inclusiveByFunction);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of process.argv.slice(2)) console.log(formatProfile(summariseProfile(file, 40)));
}
