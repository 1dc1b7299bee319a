import { setTimeout as delay } from 'node:timers/promises';
import mqtt from 'mqtt';
import type { MosquittoHandle } from '../../support/mosquitto.js';
import type { QuestDbHandle } from '../../support/questdb.js';
import type { ServiceHandle } from '../../support/service.js';
import type { SpoolDisk } from './spool-disk.js';
import type { StoreProxy } from './store-proxy.js';

export const FAULT_KINDS = [
  'service-sigkill',
  'service-sigkill-in-flush',
  'service-sigterm',
  'questdb-sigkill',
  'questdb-sigstop',
  'mosquitto-sigkill',
  'slow-store',
  'spool-disk-full',
  'duplicate-client-id',
  'shared-worker-removed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults whose losses are Mosquitto's (2.0.11, the version tested), not tanhe's: measured with plain
 * mqtt.js subscribers and no tanhe code (docs/reliability.md, "Chaos"). A SIGKILLed broker loses what it
 * acknowledged and had not yet delivered or saved; a session taken over by a second client with the same id
 * loses what was in flight to it. (A worker removed gracefully leaves its shared subscription first and must
 * lose nothing.) With TANHE_CHAOS_STRICT=1 nothing may be lost at all.
 */
export const BROKER_SIDE_FAULTS: ReadonlySet<FaultKind> = new Set(['mosquitto-sigkill', 'duplicate-client-id']);

/** A service worker of the run: its own spool, its own proxy to QuestDB, one client id in the $share group. */
export interface Worker {
  readonly clientId: string;
  readonly service: ServiceHandle;
  readonly proxy: StoreProxy;
  /** Stopped for good by shared-worker-removed: never restarted. */
  removed: boolean;
}

export interface FaultTargets {
  readonly workers: readonly Worker[];
  readonly questdb: QuestDbHandle;
  readonly mosquitto: MosquittoHandle;
  /** The spool filesystem of workers[0]; disk-full is injected only when it is a real mount. */
  readonly disk: SpoolDisk;
}

/** What the run did and saw, for the table and the checks. */
export interface FaultLog {
  readonly counts: Record<FaultKind, number>;
  /** Kills that hit an ILP write on the wire (the proxy saw `POST /write`), and those that found none within 15 s. */
  killsInFlush: number;
  killsInFlushWithoutWrite: number;
  /** tanhe_ingest_spool_replayed_total after each restart that followed a SIGKILL: > 0 means the kill hit spooled data. */
  readonly replayedAfterKill: number[];
  /** Worker processes found dead that no fault had killed (a crash under a fault), restarted by the supervisor. */
  unexpectedExits: number;
  /** The same, by the fault after which the supervisor found the worker dead. */
  readonly exitsAfter: Partial<Record<FaultKind, number>>;
  /** Mosquitto's $SYS dropped counter, summed over its processes (read before each kill and at the end). */
  brokerDropped: number;
  readonly events: string[];
  /** When each fault began, in order: what a lost reading is put down to (chaos-run.ts, faultBehindLoss). */
  readonly began: { readonly kind: FaultKind; readonly atMs: number }[];
}

/** Records an event of the run; printed as it happens, so that a long run shows where it is. */
export function logEvent(log: FaultLog, text: string): void {
  const line = `${new Date().toISOString()} ${text}`;
  log.events.push(line);
  console.error(`[chaos] ${line}`);
}

/** mulberry32: a small seeded generator, so that a run's fault sequence and parameters repeat with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function emptyFaultLog(): FaultLog {
  return {
    counts: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    killsInFlush: 0,
    killsInFlushWithoutWrite: 0,
    replayedAfterKill: [],
    unexpectedExits: 0,
    exitsAfter: {},
    brokerDropped: 0,
    events: [],
    began: [],
  };
}

/**
 * A fault plan: `count` faults, the kinds drawn with `rng`. Every kind occurs at
 * least once (the first ones are a shuffle of all kinds). The worker removal comes
 * once, last: the removed worker is never restarted, and faults after it would find
 * one worker only.
 */
export function planFaults(count: number, rng: () => number, available: readonly FaultKind[]): FaultKind[] {
  const repeatable = available.filter((k) => k !== 'shared-worker-removed');
  const plan: FaultKind[] = [...repeatable].sort(() => rng() - 0.5);
  const removal = available.includes('shared-worker-removed') ? 1 : 0;
  const bag = repeatable.flatMap((k) => Array.from({ length: DRAW_WEIGHT[k] }, () => k));
  while (plan.length < count - removal) plan.push(bag[Math.floor(rng() * bag.length)] as FaultKind);
  if (removal) plan.push('shared-worker-removed');
  return plan;
}

/**
 * How often a kind is drawn after the first round: the faults that take a process restart (up to a minute
 * on a loaded 2-core machine) less often than the quick ones, so that a soak of 100 faults fits in an hour.
 */
const DRAW_WEIGHT: Record<FaultKind, number> = {
  'service-sigkill': 2,
  'service-sigkill-in-flush': 2,
  'service-sigterm': 1,
  'questdb-sigkill': 1,
  'questdb-sigstop': 3,
  'mosquitto-sigkill': 2,
  'slow-store': 3,
  'spool-disk-full': 3,
  'duplicate-client-id': 3,
  'shared-worker-removed': 0,
};

/** Random duration in [minMs, maxMs). */
const between = (rng: () => number, minMs: number, maxMs: number) => Math.floor(minMs + rng() * (maxMs - minMs));

/**
 * Injects one fault and undoes it (restart, resume, free), then acts as the
 * supervisor would: any worker that died without being removed is restarted. The
 * holds (how long QuestDB stays paused, the disk full…) are part of the fault, drawn
 * from the seeded generator; waiting for an effect is never a fixed sleep.
 */
export async function injectFault(kind: FaultKind, targets: FaultTargets, rng: () => number, log: FaultLog) {
  const live = targets.workers.filter((w) => !w.removed);
  const worker = live[Math.floor(rng() * live.length)] as Worker;
  const note = (text: string) => logEvent(log, `${kind} done: ${text}`);
  log.counts[kind]++;
  log.began.push({ kind, atMs: Date.now() });
  logEvent(log, `${kind} (#${Object.values(log.counts).reduce((n, c) => n + c, 0)}) begins`);
  switch (kind) {
    case 'service-sigkill':
      await worker.service.kill();
      await restart(worker, log, true);
      note(worker.clientId);
      break;
    case 'service-sigkill-in-flush': {
      let fired: Promise<void> | undefined;
      const wrote = new Promise<boolean>((resolve) => {
        worker.proxy.onWrite(() => {
          worker.proxy.onWrite(undefined);
          // The kill is sent while the request is on the wire, before QuestDB can answer it.
          fired = worker.service.kill();
          resolve(true);
        });
        setTimeout(() => resolve(false), 15_000).unref();
      });
      const hit = await wrote;
      worker.proxy.onWrite(undefined);
      if (hit) log.killsInFlush++;
      else log.killsInFlushWithoutWrite++;
      await (fired ?? worker.service.kill());
      await restart(worker, log, true);
      note(`${worker.clientId} ${hit ? 'during an ILP write' : 'no write within 15 s, killed anyway'}`);
      break;
    }
    case 'service-sigterm':
      await worker.service.stop();
      await restart(worker, log, false);
      note(worker.clientId);
      break;
    case 'questdb-sigkill':
      await targets.questdb.kill();
      await delay(between(rng, 500, 4000));
      await restartQuestDb(targets.questdb, log);
      note('restarted');
      break;
    case 'questdb-sigstop': {
      const holdMs = between(rng, 1000, 8000);
      targets.questdb.pause();
      await delay(holdMs);
      targets.questdb.resume();
      note(`paused ${holdMs} ms`);
      break;
    }
    case 'mosquitto-sigkill': {
      log.brokerDropped += await targets.mosquitto.sysDropped();
      await targets.mosquitto.kill();
      await delay(between(rng, 200, 3000));
      await targets.mosquitto.restart();
      note('restarted');
      break;
    }
    case 'slow-store': {
      const delayMs = between(rng, 100, 2500);
      const holdMs = between(rng, 3000, 10_000);
      for (const w of targets.workers) w.proxy.setDelayMs(delayMs);
      await delay(holdMs);
      for (const w of targets.workers) w.proxy.setDelayMs(0);
      note(`${delayMs} ms per chunk for ${holdMs} ms`);
      break;
    }
    case 'spool-disk-full': {
      const holdMs = between(rng, 1000, 6000);
      const filled = targets.disk.fill();
      await delay(holdMs);
      targets.disk.free();
      note(`${filled} bytes of filler, ${holdMs} ms`);
      break;
    }
    case 'duplicate-client-id': {
      const holdMs = between(rng, 500, 3000);
      // Takes over the worker's persistent session (clean: false) and never acknowledges what it is sent,
      // so that what it received is redelivered to the worker when the worker takes the session back. Its
      // handleMessage never calls back: mqtt.js 5 ignores customHandleAcks under MQTT 3.1.1 and acknowledged
      // every message, which made the runs before 2026-12-02 count the intruder's takings as broker losses.
      const intruder = mqtt.connect(targets.mosquitto.url, {
        clientId: worker.clientId,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      intruder.handleMessage = () => undefined;
      const connected = await new Promise<boolean>((resolve) => {
        intruder.once('connect', () => resolve(true));
        intruder.once('error', () => resolve(false));
        intruder.once('close', () => resolve(false));
      });
      await delay(holdMs);
      await intruder.endAsync(true).catch(() => undefined);
      note(`${worker.clientId} ${connected ? 'taken over' : 'refused'} for ${holdMs} ms`);
      break;
    }
    case 'shared-worker-removed': {
      const victim = live.length > 1 ? (live[live.length - 1] as Worker) : undefined;
      if (victim === undefined) {
        note('only one worker left: nothing removed');
        break;
      }
      // Removed as an operator would: a graceful stop that leaves the shared subscription first. (A member
      // SIGKILLed for good keeps being sent its share by Mosquitto: docs/reliability.md, broker behaviour.)
      victim.removed = true;
      await victim.service.stop();
      note(`${victim.clientId} stopped for good, leaving the shared group`);
      break;
    }
  }
  await supervise(targets, log, kind);
}

/** Restarts every worker that is down and not removed, and the broker if it is down. */
export async function supervise(targets: FaultTargets, log: FaultLog, after?: FaultKind): Promise<void> {
  if (!targets.mosquitto.isRunning()) await targets.mosquitto.restart();
  for (const w of targets.workers) {
    if (w.removed || w.service.isRunning()) continue;
    log.unexpectedExits++;
    if (after !== undefined) log.exitsAfter[after] = (log.exitsAfter[after] ?? 0) + 1;
    logEvent(log, `supervisor: ${w.clientId} had exited; restarting it`);
    await restart(w, log, false);
  }
}

/** QuestDB's restart, retried as a supervisor would (its start can exceed the harness's timeout when loaded). */
async function restartQuestDb(questdb: QuestDbHandle, log: FaultLog): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await questdb.start();
      return;
    } catch (err) {
      logEvent(log, `QuestDB restart failed (attempt ${attempt})`);
      if (attempt >= 5) throw err;
    }
  }
}

async function restart(worker: Worker, log: FaultLog, afterKill: boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await worker.service.start();
      break;
    } catch (err) {
      // A start that fails (e.g. the store is still coming back) is retried, as a supervisor would.
      logEvent(log, `restart of ${worker.clientId} failed (attempt ${attempt})`);
      if (attempt >= 5) throw err;
    }
  }
  if (afterKill) log.replayedAfterKill.push((await worker.service.metrics()).tanhe_ingest_spool_replayed_total ?? 0);
}
