import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createQuestDbReadingStore, type ReadingStore } from '../../../ingest/index.js';
import { createQuestDbClient } from '../../../src/platform/questdb/index.js';
import { eventually } from '../../support/eventually.js';
import { startMosquitto } from '../../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../../support/processes.js';
import { closePublisher, connectPublisher } from '../../support/publisher.js';
import { startQuestDb } from '../../support/questdb.js';
import { createService } from '../../support/service.js';
import {
  emptyFaultLog,
  BROKER_SIDE_FAULTS,
  FAULT_KINDS,
  injectFault,
  logEvent,
  planFaults,
  seededRandom,
  supervise,
  type FaultKind,
  type FaultLog,
  type FaultTargets,
  type Worker,
} from './fault-injector.js';
import {
  expectedMonthKwh,
  monthEdgeSeqs,
  oracleFleet,
  oracleMeterId,
  oracleMonths,
  oracleTsMs,
  publishPlan,
  registerKwh,
  totalMessages,
  type OraclePlan,
} from './oracle.js';
import { createSpoolDisk } from './spool-disk.js';
import { startStoreProxy } from './store-proxy.js';

export interface ChaosOptions extends OraclePlan {
  readonly faults: number;
  /** The fault kinds to draw from (default all). */
  readonly kinds?: readonly FaultKind[];
  readonly seed: number;
  /** Publisher speed cap, messages per second. */
  readonly ratePerSecond: number;
  /** Pause between two faults, drawn in [min, max). */
  readonly gapMs: readonly [number, number];
  /** Give up waiting for the store to hold everything after this long (the check then reports what is missing). */
  readonly settleTimeoutMs: number;
}

export interface MeterCheck {
  readonly meterId: string;
  readonly expected: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unexpected: number;
  readonly wrongValue: number;
  /** Message indices (oracleMessage) of the lost readings. */
  readonly lostMessages: readonly number[];
}

export interface MonthCheck {
  readonly period: string;
  /** A reading on the month's edge was lost: its total cannot equal the oracle's, and is not compared. */
  readonly edgeLost: boolean;
  readonly expectedKwh: number;
  readonly reportedKwh: number | undefined;
  readonly expectedKgce: number;
  readonly reportedKgce: number | undefined;
  readonly expectedCo2eKg: number | undefined;
  readonly reportedCo2eKg: number | undefined;
  readonly equal: boolean;
}

export interface ChaosResult {
  readonly published: number;
  readonly brokerAcked: number;
  readonly publishRetries: number;
  readonly faults: FaultLog;
  readonly plannedFaults: readonly FaultKind[];
  /** The kinds asked for (ChaosOptions.kinds, default all). */
  readonly requestedKinds: readonly FaultKind[];
  /** The kinds the run drew from: those asked for, less the disk-full fault where no tmpfs could be mounted. */
  readonly kinds: readonly FaultKind[];
  readonly meters: readonly MeterCheck[];
  readonly totals: { lost: number; duplicated: number; unexpected: number; wrongValue: number; quarantined: number };
  readonly months: readonly MonthCheck[];
  /** Lost readings by the last fault begun before the broker acknowledged them ('before any fault' otherwise). */
  readonly lostByFault: Readonly<Record<string, number>>;
  readonly diskFullAvailable: boolean;
  readonly durationMs: number;
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** The readable summary: faults by kind, the per-meter checks, the months. */
  readonly table: string;
}

/** Relative tolerance of a report figure against the oracle's: sums of binary fractions in another order. */
const REL_TOLERANCE = 1e-9;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/**
 * TANHE_CHAOS_BROKER_SAVE_EVERY=N: Mosquitto saves its state every N changes (`autosave_on_changes true`,
 * `autosave_interval N`) instead of the shipped conf's every 60 s, to measure what a kill -9 of the broker
 * then loses (docs/reliability.md, "The soak").
 */
function brokerOverrides(): Record<string, string> {
  const every = process.env.TANHE_CHAOS_BROKER_SAVE_EVERY;
  if (every === undefined || every === '') return {};
  if (!/^[1-9][0-9]*$/.test(every))
    throw new Error(`TANHE_CHAOS_BROKER_SAVE_EVERY must be a positive integer: ${every}`);
  return { autosave_on_changes: 'true', autosave_interval: every };
}

/**
 * One chaos run: Mosquitto, QuestDB, two service workers in one $share group (each
 * with its own spool and its own proxy to QuestDB; the first worker's spool on a
 * small tmpfs), the oracle publishing while faults are injected one after another
 * at seeded random times, then every row read back and every month's report
 * compared with the oracle.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const startedMs = Date.now();
  const loadBefore = load();
  const rng = seededRandom(options.seed);
  const dir = await makeTempDir('tanhe-chaos-');
  const mosquitto = await startMosquitto({ overrides: brokerOverrides() });
  const questdb = await startQuestDb({ startTimeoutMs: 180_000 });
  const disk = await createSpoolDisk(join(dir, 'spool-a'), 48 * 1024 * 1024);
  const fleet = oracleFleet(options);
  const workers: Worker[] = [];
  let store: ReadingStore | undefined;
  try {
    for (const [i, clientId] of ['chaos-worker-a', 'chaos-worker-b'].entries()) {
      const proxy = await startStoreProxy(questdb.httpPort);
      const service = await createService({
        dir,
        mqttUrl: mosquitto.url,
        store: { kind: 'questdb', questdbUrl: proxy.url },
        fleet,
        clientId,
        sharedGroup: 'tanhe',
        // A graceful stop hands the worker's share to the other first (mqtt.leaveSharedGroupOnStop): the
        // removal fault below then loses nothing; a SIGTERMed worker takes its share back when it restarts.
        env: { TANHE_MQTT_LEAVE_SHARED_GROUP_ON_STOP: 'true' },
        // A start (and each restart after a fault) took over 60 s on the shared 2-core machine at load 25–55.
        readyTimeoutMs: 180_000,
        // Worker a's spool is the tmpfs: its back-pressure bound below the disk's size, so that only the
        // disk-full fault (not a long outage) fills it.
        spool: i === 0 ? { dir: disk.dir, segmentBytes: 1024 * 1024, maxBytes: 24 * 1024 * 1024 } : {},
      });
      workers.push({ clientId, service, proxy, removed: false });
    }
    for (const w of workers) await w.service.start();
    store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 60_000 }));

    const targets: FaultTargets = { workers, questdb, mosquitto, disk };
    const available = (options.kinds ?? FAULT_KINDS).filter((k) => k !== 'spool-disk-full' || disk.mounted);
    const plan = planFaults(options.faults, rng, available);
    const log = emptyFaultLog();
    let faultsBegun = 0;
    const total = totalMessages(options);

    logEvent(log, `plan: ${total} readings, faults ${plan.join(', ')}`);
    const publisher = await connectPublisher(mosquitto.url, 'chaos-publisher');
    const tenth = Math.max(1, Math.floor(total / 10));
    let published = false;
    const publishing = publishPlan(publisher, options, {
      ratePerSecond: options.ratePerSecond,
      // The share of the messages that may be sent grows with the faults begun (a fault's share flows while it
      // runs), so the faults are spread over the whole stream however slow the machine is.
      allowance: () => Math.ceil((total * (faultsBegun + 1)) / (plan.length + 1)),
      onProgress: ({ acked, retried }) => {
        if (acked % tenth === 0) logEvent(log, `publisher: ${acked} acknowledged, ${retried} retried`);
      },
    }).finally(() => {
      published = true;
    });
    for (const kind of plan) {
      await delay(Math.floor(options.gapMs[0] + rng() * (options.gapMs[1] - options.gapMs[0])));
      faultsBegun++;
      await injectFault(kind, targets, rng, log);
      if (published) logEvent(log, 'publishing had ended before this fault');
    }
    faultsBegun = plan.length + 1;
    logEvent(log, 'fault plan done');
    const { ackedAt, ackedAtMs, retried } = await publishing;
    logEvent(log, 'publishing done');
    await closePublisher(publisher);
    await supervise(targets, log);

    const brokerAcked = ackedAt.reduce((n, a) => n + a, 0);
    // Settle: every worker's spool drained and the store holding everything (or the deadline: the check says what).
    const settle = async () => {
      // A worker can die after the last fault's own check (e.g. on a full disk, just after it was freed).
      await supervise(targets, log);
      for (const w of workers) {
        if (w.removed) continue;
        const m = await w.service.metrics();
        if ((m.tanhe_spool_backlog_records ?? 1) > 0) throw new Error(`${w.clientId}: spool not drained`);
      }
      await store?.sync();
      const counts = await store?.counts();
      if ((counts?.readings ?? 0) < brokerAcked) throw new Error(`stored ${JSON.stringify(counts)} of ${brokerAcked}`);
    };
    await eventually(settle, { timeoutMs: options.settleTimeoutMs, intervalMs: 1000, message: 'settled' }).catch(
      (err: unknown) => logEvent(log, `settle: ${err instanceof Error ? err.message : String(err)}`),
    );
    log.brokerDropped += await mosquitto.sysDropped();

    const meters = await checkMeters(store, options, ackedAt);
    const lostByFault = attributeLost(meters, ackedAtMs, log);
    const quarantined = (await store.counts()).quarantined;
    const totals = {
      lost: sum(meters, 'lost'),
      duplicated: sum(meters, 'duplicated'),
      unexpected: sum(meters, 'unexpected'),
      wrongValue: sum(meters, 'wrongValue'),
      quarantined,
    };
    const reporter = workers.find((w) => !w.removed) as Worker;
    const months = await checkMonths(reporter, options, meters);
    const durationMs = Date.now() - startedMs;
    const loadAfter = load();
    const partial = {
      published: total,
      brokerAcked,
      publishRetries: retried,
      faults: log,
      plannedFaults: plan,
      requestedKinds: options.kinds ?? FAULT_KINDS,
      kinds: available,
      meters,
      totals,
      months,
      lostByFault,
      diskFullAvailable: disk.mounted,
      durationMs,
      loadBefore,
      loadAfter,
    };
    return { ...partial, table: renderTable(partial) };
  } finally {
    for (const w of workers) {
      await w.service.stop().catch(() => undefined);
      await w.proxy.close().catch(() => undefined);
    }
    await store?.close().catch(() => undefined);
    questdb.resume();
    await mosquitto.dispose().catch(() => undefined);
    await questdb.dispose().catch(() => undefined);
    await disk.dispose();
    await removeTempDir(dir);
  }
}

const sum = (rows: readonly MeterCheck[], key: 'lost' | 'duplicated' | 'unexpected' | 'wrongValue') =>
  rows.reduce((n, r) => n + r[key], 0);

/** Reads every stored row of every meter (pages of 20 000) and compares it with the oracle. */
async function checkMeters(store: ReadingStore, plan: OraclePlan, ackedAt: Uint8Array): Promise<MeterCheck[]> {
  const checks: MeterCheck[] = [];
  const page = 20_000;
  for (let m = 0; m < plan.meters; m++) {
    const meterId = oracleMeterId(m);
    const seen = new Uint32Array(plan.perMeter);
    let unexpected = 0;
    let wrongValue = 0;
    let afterTsMs: number | undefined;
    let afterValue: number | undefined;
    for (;;) {
      const rows = await store.readings({
        meterId,
        fromMs: oracleTsMs(-1_000_000),
        toMs: oracleTsMs(plan.perMeter + 1_000_000),
        limit: page,
        ...(afterTsMs === undefined ? {} : { afterTsMs, afterValue }),
      });
      for (const row of rows) {
        const seq = (row.tsMs - oracleTsMs(0)) / (oracleTsMs(1) - oracleTsMs(0));
        if (!Number.isInteger(seq) || seq < 0 || seq >= plan.perMeter || row.seq !== seq) {
          unexpected++;
          continue;
        }
        seen[seq] = (seen[seq] ?? 0) + 1;
        if (row.value !== registerKwh(m, seq)) wrongValue++;
      }
      const last = rows.at(-1);
      if (rows.length < page || last === undefined) break;
      afterTsMs = last.tsMs;
      afterValue = last.value;
    }
    let lost = 0;
    const lostMessages: number[] = [];
    let duplicated = 0;
    let expected = 0;
    for (let seq = 0; seq < plan.perMeter; seq++) {
      const acked = ackedAt[seq * plan.meters + m] === 1;
      const count = seen[seq] ?? 0;
      if (acked) expected++;
      if (acked && count === 0) {
        lost++;
        lostMessages.push(seq * plan.meters + m);
      }
      if (count > 1) duplicated += count - 1;
      if (!acked && count > 0) unexpected += count;
    }
    checks.push({ meterId, expected, lost, duplicated, unexpected, wrongValue, lostMessages });
  }
  return checks;
}

function attributeLost(meters: readonly MeterCheck[], ackedAtMs: Float64Array, log: FaultLog): Record<string, number> {
  const byFault: Record<string, number> = {};
  for (const m of meters) {
    for (const i of m.lostMessages) {
      const fault = faultBehindLoss(ackedAtMs[i] ?? 0, log.began);
      const key = fault?.kind ?? 'before any fault';
      byFault[key] = (byFault[key] ?? 0) + 1;
    }
  }
  return byFault;
}

/**
 * The fault a reading the broker acknowledged at `ackedAtMs` was lost to: the last fault begun before that
 * PUBACK; but when that one is on tanhe's side and the very next fault is a broker-side one, the next. A worker
 * killed just before the PUBACK leaves the message queued in the broker for its session, and a broker kill that
 * follows before any other fault takes it with the broker's unsaved state (a run of kills only put 5 readings
 * down to service kills, four of which had a Mosquitto kill next). A loss after a broker-side fault stays with
 * it (a Mosquitto restart loses what is published before the workers subscribe again, whatever comes next).
 * When another fault comes between, the loss stays with the fault before, so a loss of tanhe's is not put down
 * to a broker kill long after; one right after can still hide it (TANHE_CHAOS_STRICT=1).
 */
function faultBehindLoss(ackedAtMs: number, began: FaultLog['began']): FaultLog['began'][number] | undefined {
  const before = began.findLast((b) => b.atMs <= ackedAtMs);
  if (before !== undefined && BROKER_SIDE_FAULTS.has(before.kind)) return before;
  const next = began.find((b) => b.atMs > ackedAtMs);
  return next !== undefined && BROKER_SIDE_FAULTS.has(next.kind) ? next : before;
}

interface ReportJson {
  lines: {
    carrier: string;
    consumption: number;
    kgce: number | null;
    co2eKg: number | null;
    factor: { value: number } | null;
    coalFactor: { value: number } | null;
  }[];
  totals: { kgce: number; co2eKg: number };
}

const close = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Math.abs(a - b) <= REL_TOLERANCE * Math.max(1, Math.abs(b));

/** Every month's carbon report (GET /api/v1/reports/carbon) against the oracle's registers. */
async function checkMonths(worker: Worker, plan: OraclePlan, meters: readonly MeterCheck[]): Promise<MonthCheck[]> {
  const lost = new Set(meters.flatMap((m) => m.lostMessages));
  const checks: MonthCheck[] = [];
  for (const month of oracleMonths(plan)) {
    const expectedKwh = expectedMonthKwh(plan, month);
    const edges = monthEdgeSeqs(plan, month);
    let edgeLost = false;
    for (let m = 0; m < plan.meters; m++) for (const seq of edges) edgeLost ||= lost.has(seq * plan.meters + m);
    const report = await eventually(
      async () => {
        const response = await worker.service.fetch(`/api/v1/reports/carbon?org=nx&period=${month.period}`);
        if (response.status !== 200) throw new Error(`report ${month.period}: ${response.status}`);
        return (await response.json()) as ReportJson;
      },
      { timeoutMs: 60_000, intervalMs: 1000, message: `report ${month.period}` },
    );
    // The market-based line repeats the location line's energy (kgce null): only lines with kgce hold energy.
    const electricity = report.lines.filter((l) => l.carrier === 'electricity' && l.kgce !== null);
    const reportedKwh = electricity.length > 0 ? electricity.reduce((n, l) => n + l.consumption, 0) : undefined;
    const coal = electricity[0]?.coalFactor?.value;
    const co2 = electricity[0]?.factor?.value;
    // 0.1229 kgce/kWh (docs/methodology.md §9) whatever the catalogue says, so a wrong coefficient shows.
    const expectedKgce = expectedKwh * 0.1229;
    const expectedCo2eKg = co2 === undefined ? undefined : expectedKwh * co2;
    checks.push({
      period: month.period,
      edgeLost,
      expectedKwh,
      reportedKwh,
      expectedKgce,
      reportedKgce: report.totals.kgce,
      expectedCo2eKg,
      reportedCo2eKg: report.totals.co2eKg,
      equal:
        close(reportedKwh, expectedKwh) &&
        close(report.totals.kgce, expectedKgce) &&
        coal === 0.1229 &&
        close(report.totals.co2eKg, expectedCo2eKg),
    });
  }
  return checks;
}

function renderTable(r: Omit<ChaosResult, 'table'>): string {
  const lines: string[] = [];
  lines.push(
    `chaos run: ${r.published} readings published, ${r.brokerAcked} acknowledged by the broker, ` +
      `${r.publishRetries} publishes retried; ${(r.durationMs / 1000).toFixed(0)} s; ` +
      `load ${r.loadBefore} → ${r.loadAfter}`,
  );
  lines.push('', '| fault | injected |', '|---|---:|');
  for (const kind of FAULT_KINDS) lines.push(`| ${kind} | ${r.faults.counts[kind]} |`);
  const injected = Object.values(r.faults.counts).reduce((n, c) => n + c, 0);
  lines.push(`| **total** | **${injected}** |`);
  lines.push(
    '',
    `kills during an ILP write: ${r.faults.killsInFlush} (none seen within 15 s: ${r.faults.killsInFlushWithoutWrite}); ` +
      `restarts after a kill that replayed spooled records: ` +
      `${r.faults.replayedAfterKill.filter((n) => n > 0).length} of ${r.faults.replayedAfterKill.length}; ` +
      `unexpected exits restarted by the supervisor: ${r.faults.unexpectedExits} ${JSON.stringify(r.faults.exitsAfter)}; ` +
      `disk full injected on a tmpfs: ${r.diskFullAvailable ? 'yes' : 'no (mount refused)'}`,
  );
  lines.push(
    '',
    '| meter | expected | lost | duplicated | unexpected | wrong value |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const m of r.meters)
    lines.push(`| ${m.meterId} | ${m.expected} | ${m.lost} | ${m.duplicated} | ${m.unexpected} | ${m.wrongValue} |`);
  const t = r.totals;
  lines.push(
    `| **all** | ${r.meters.reduce((n, m) => n + m.expected, 0)} | ${t.lost} | ${t.duplicated} | ${t.unexpected} | ` +
      `${t.wrongValue} |`,
  );
  const lostBy = Object.entries(r.lostByFault);
  if (lostBy.length > 0) {
    lines.push(
      '',
      '| lost after (last fault begun before the PUBACK, or a broker-side fault next) | readings |',
      '|---|---:|',
    );
    for (const [kind, n] of lostBy) lines.push(`| ${kind} | ${n} |`);
  }
  lines.push(
    '',
    `quarantined records: ${t.quarantined}; broker drops ($SYS, all broker processes): ${r.faults.brokerDropped}`,
  );
  lines.push(
    '',
    '| month | expected kWh | reported kWh | expected kgce | reported kgce | equal |',
    '|---|---:|---:|---:|---:|---|',
  );
  for (const m of r.months)
    lines.push(
      `| ${m.period} | ${m.expectedKwh} | ${m.reportedKwh} | ${m.expectedKgce.toFixed(4)} | ` +
        `${m.reportedKgce?.toFixed(4)} | ${m.equal ? 'yes' : m.edgeLost ? 'not compared (edge lost)' : 'NO'} |`,
    );
  return lines.join('\n');
}
