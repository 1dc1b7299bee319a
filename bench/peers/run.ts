/**
 * Side-by-side benchmark (issue 11 §1): tanhe against Telegraf 1.37.2 on the same Mosquitto, the same QuestDB
 * (a table each), the same payloads and the same publisher, one run. Reports; never asserts. See
 * bench/README.md ("bench/peers") for every figure and how it is measured.
 *
 *   npm run bench:peers -- [--messages 200000] [--meters 1000] [--consumers tanhe,tanhe-always:4,telegraf] …
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startMosquitto, type MosquittoHandle } from '../../tests/support/mosquitto.js';
import { makeTempDir, removeTempDir, startProcess, type ManagedProcess } from '../../tests/support/processes.js';
import { startQuestDb, type QuestDbHandle } from '../../tests/support/questdb.js';
import { createService } from '../../tests/support/service.js';
import { readingMessages } from '../../tests/support/stack.js';
import { meterId, readingTsMs } from '../../tests/support/test-fleet.js';
import type { OutgoingMessage } from '../../tests/support/publisher.js';
import { testFleet } from '../../tests/support/test-fleet.js';
import { FleetPublisher, nowMs, type PublishStats } from '../ingest/fleet-publisher.js';
import { cpuDelta, cpuSnapshot, findPid, memoryBytes } from '../ingest/proc-stats.js';
import { questDbExec, StoreSampler, storedLatencies, type StoreSample } from '../ingest/store-sampler.js';
import { parseQuestDbConf, shippedQuestDbSettings } from './questdb-settings.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
const TELEGRAF_VERSION = 'v1.37.2';
const TELEGRAF_TAGS = 'custom,inputs.mqtt_consumer,outputs.influxdb_v2,parsers.json_v2';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    'kill-messages': { type: 'string', default: '60000' },
    consumers: { type: 'string', default: 'tanhe,tanhe-always:4,telegraf' },
    publishers: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '100' },
    'warmup-per-meter': { type: 'string', default: '10' },
    probes: { type: 'string', default: '20' },
    'sample-ms': { type: 'string', default: '50' },
    /** Extra spool settings for the tanhe consumers, as JSON (e.g. '{"batchSize":10000}'). */
    'tanhe-spool': { type: 'string', default: '{}' },
    'telegraf-bin': { type: 'string', default: join(REPO_ROOT, '.vendor', 'telegraf', 'telegraf') },
    /**
     * QuestDB's settings: `default` (QuestDB's own, as a Telegraf user runs it) or `shipped` (docker/compose.yaml's
     * `QDB_*` lines, the small-machine worker settings, which slow Telegraf's writes: bench/README.md, "Issue 11
     * §2, 2026-12-02 (third)"); `--questdb-conf key=value,…` adds lines on top.
     */
    'questdb-settings': { type: 'string', default: 'default' },
    'questdb-conf': { type: 'string', default: '' },
    /** A V8 CPU profile of each tanhe consumer over its saturation phase, written into the run's directory. */
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'peers.json') },
  },
});

const meters = Number(flags.meters);
const profileDir = join(dirname(resolve(flags.out)), 'profiles');
if (flags.profile) mkdirSync(profileDir, { recursive: true });
if (!['shipped', 'default'].includes(flags['questdb-settings']))
  throw new Error(`--questdb-settings must be shipped or default, got ${flags['questdb-settings']}`);
const questdbConfig = {
  ...(flags['questdb-settings'] === 'shipped' ? shippedQuestDbSettings() : {}),
  ...parseQuestDbConf(flags['questdb-conf']),
};
const perMeter = Math.ceil(Number(flags.messages) / meters);
const killPerMeter = Math.ceil(Number(flags['kill-messages']) / meters);
const warmPerMeter = Number(flags['warmup-per-meter']);
const totalSeqs = warmPerMeter + perMeter + killPerMeter;
const N = perMeter * meters;
const probeCount = Math.min(Number(flags.probes), meters);
const probeMeters = Array.from({ length: probeCount }, (_, i) => Math.floor((i * meters) / probeCount));
const consumerNames = flags.consumers.split(',').map((c) => c.trim());
const tanheSpool = JSON.parse(flags['tanhe-spool']) as Record<string, unknown>;

const PHASES = {
  warmup: { fromSeq: 0, toSeq: warmPerMeter },
  saturation: { fromSeq: warmPerMeter, toSeq: warmPerMeter + perMeter },
  kill: { fromSeq: warmPerMeter + perMeter, toSeq: totalSeqs },
} as const;
type Phase = (typeof PHASES)[keyof typeof PHASES];

const allMessages: OutgoingMessage[] = readingMessages(meters, totalSeqs);
const phaseMessages = (p: Phase) => allMessages.slice(p.fromSeq * meters, p.toSeq * meters);

function log(message: string): void {
  console.error(`[peers ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function p99(values: number[]): { p50Ms: number; p99Ms: number; samples: number; unseen: number } {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return {
    p50Ms: round(at(0.5) ?? Number.NaN),
    p99Ms: round(at(0.99) ?? Number.NaN),
    samples: sorted.length,
    unseen: values.length - sorted.length,
  };
}

const loadNow = () => loadavg().map((v) => round(v, 2));

// ---------------------------------------------------------------------------
// Telegraf, built once from the Go module proxy
// ---------------------------------------------------------------------------

function ensureTelegraf(bin: string): string {
  if (existsSync(bin)) return bin;
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  log(`Telegraf not found at ${bin}: building ${TELEGRAF_VERSION} from the Go module proxy (about 2 minutes, once)`);
  execFileSync(
    go,
    ['install', '-tags', TELEGRAF_TAGS, `github.com/influxdata/telegraf/cmd/telegraf@${TELEGRAF_VERSION}`],
    {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: dirname(bin) },
    },
  );
  return bin;
}

// ---------------------------------------------------------------------------
// The consumers
// ---------------------------------------------------------------------------

interface Consumer {
  readonly name: string;
  readonly table: string;
  readonly tsColumn: string;
  /** Every MQTT client id it uses (their persistent sessions are dropped after its run). */
  readonly clientIds: readonly string[];
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  pid(): number;
  /** Consumer-side facts for the report (e.g. the service's counters). */
  details(): Promise<Record<string, unknown>>;
}

async function tanheConsumer(
  name: string,
  dir: string,
  mosquitto: MosquittoHandle,
  questdb: QuestDbHandle,
  fsync: 'interval' | 'always',
  connections: number,
): Promise<Consumer> {
  const clientId = `bench-peers-${name.replace(':', '-')}`;
  const service = await createService({
    dir,
    mqttUrl: mosquitto.url,
    store: { kind: 'questdb', questdbUrl: questdb.url },
    fleet: testFleet(meters),
    clientId,
    spool: { fsync, ...tanheSpool },
    env: {
      TANHE_MQTT_CONNECTIONS: String(connections),
      ...(flags.profile
        ? {
            NODE_OPTIONS: `--import ${join(HERE, '..', 'ingest', 'cpu-profiler.mjs')}`,
            TANHE_BENCH_PROFILE_DIR: profileDir,
          }
        : {}),
    },
  });
  return {
    name,
    table: 'readings',
    tsColumn: 'ts',
    clientIds: Array.from({ length: connections }, (_, k) => (k === 0 ? clientId : `${clientId}-${k}`)),
    async start() {
      // The service is healthy before it has subscribed: wait for every connection's "subscribed" line of this start.
      const before = countOf(service.readLog(), 'subscribed at QoS 1');
      await service.start();
      for (;;) {
        if (countOf(service.readLog(), 'subscribed at QoS 1') >= before + connections) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill: () => service.kill(),
    stop: async () => {
      await service.stop();
    },
    pid: () => findPid(service.configFile),
    async details() {
      const m = await service.metrics();
      return {
        spoolFsync: fsync,
        mqttConnections: connections,
        storeBatches: m.tanhe_store_flush_seconds_count,
        storeBatchSecondsSum: round(m.tanhe_store_flush_seconds_sum ?? Number.NaN, 2),
        duplicatesSkipped: m.tanhe_ingest_duplicates_total,
        quarantined: m.tanhe_ingest_items_quarantined_total ?? 0,
      };
    },
  };
}

async function telegrafConsumer(
  dir: string,
  bin: string,
  mosquitto: MosquittoHandle,
  questdb: QuestDbHandle,
): Promise<Consumer> {
  const clientId = 'bench-peers-telegraf';
  const table = 'telegraf_readings';
  const confFile = join(dir, 'telegraf.conf');
  // The committed config, as is; only the endpoints and names come from the environment.
  writeFileSync(confFile, readFileSync(join(HERE, 'telegraf.conf'), 'utf8'));
  let proc: ManagedProcess | undefined;
  const env = {
    ...process.env,
    TELEGRAF_MQTT_SERVER: `tcp://${mosquitto.host}:${mosquitto.port}`,
    TELEGRAF_QUESTDB_URL: questdb.url,
    TELEGRAF_CLIENT_ID: clientId,
    TELEGRAF_TABLE: table,
  };
  const connectedCount = () => (proc?.readLog() ?? readLogSafe(join(dir, 'telegraf.log'))).split('Connected [').length;
  return {
    name: 'telegraf',
    table,
    tsColumn: 'timestamp',
    clientIds: [clientId],
    async start() {
      const before = connectedCount();
      proc = await startProcess({
        name: 'telegraf',
        command: bin,
        args: ['--config', confFile],
        env,
        logDir: dir,
        // mqtt_consumer logs "Connected [tcp://…]" once its session is up (and subscribed).
        ready: () => connectedCount() > before,
        readyTimeoutMs: 60_000,
      });
    },
    kill: async () => void (await proc?.kill()),
    stop: async () => void (await proc?.stop({ graceMs: 30_000 })),
    pid: () => proc?.pid ?? -1,
    details: () => Promise.resolve({ version: TELEGRAF_VERSION, config: 'bench/peers/telegraf.conf' }),
  };
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

function readLogSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Ends a persistent session: a clean connect under its client id drops the queue the broker keeps for it. */
async function dropSession(url: string, clientId: string): Promise<void> {
  const client = mqtt.connect(url, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((res, rej) => {
    client.once('connect', () => res());
    client.once('error', rej);
  });
  await new Promise<void>((res) => client.end(false, {}, () => res()));
}

// ---------------------------------------------------------------------------
// One consumer's run: warm-up, saturation, SIGKILL mid-run, verification
// ---------------------------------------------------------------------------

/**
 * The first sample showing `target` rows, or, when the count stops growing for `stallMs` first, the last
 * sample (incomplete: the verification then says what is missing). A stall, not a fixed timeout, ends the wait.
 */
async function waitForCountOrStall(
  sampler: StoreSampler,
  target: number,
  stallMs = 20_000,
): Promise<{ sample: StoreSample | undefined; complete: boolean }> {
  let lastCount = -1;
  let lastChangeMs = nowMs();
  for (;;) {
    const reached = sampler.samples.find((x) => x.count >= target);
    if (reached) return { sample: reached, complete: true };
    const latest = sampler.latest();
    if ((latest?.count ?? 0) !== lastCount) {
      lastCount = latest?.count ?? 0;
      lastChangeMs = nowMs();
    } else if (nowMs() - lastChangeMs > stallMs) return { sample: latest, complete: false };
    await new Promise((r) => setTimeout(r, Number(flags['sample-ms'])));
  }
}

/** Per meter: rows vs distinct seqs (duplicates), distinct seqs vs what the broker acknowledged (lost). */
async function verify(url: string, consumer: Consumer) {
  const rows = await questDbExec(url, `SELECT meter_id, count(), count_distinct(seq) FROM ${consumer.table}`);
  let total = 0;
  let lost = meters * totalSeqs;
  let duplicates = 0;
  let unexpected = 0;
  let metersWithLoss = 0;
  const known = new Set(Array.from({ length: meters }, (_, m) => meterId(m)));
  for (const row of rows) {
    const n = Number(row[1]);
    const distinct = Number(row[2]);
    total += n;
    if (!known.has(String(row[0]))) {
      unexpected += n;
      continue;
    }
    lost -= distinct;
    duplicates += n - distinct;
    if (distinct < totalSeqs) metersWithLoss++;
  }
  metersWithLoss += meters - rows.filter((r) => known.has(String(r[0]))).length;
  const baseMicros = BigInt(readingTsMs(0)) * 1000n;
  const wrongTs = await questDbExec(
    url,
    `SELECT count() FROM ${consumer.table} WHERE cast(${consumer.tsColumn} AS long) != ${baseMicros} + seq * 900000000`,
  );
  return {
    rows: total,
    acknowledgedByBroker: meters * totalSeqs,
    lost,
    duplicated: duplicates,
    unexpected,
    metersWithLoss,
    wrongTs: Number(wrongTs[0]?.[0] ?? 0),
  };
}

interface ConsumerResult {
  name: string;
  table: string;
  saturation: {
    messages: number;
    complete: boolean;
    publish: PublishStats;
    elapsedMs: number;
    perSecond: number;
    publisherAckedPerSecond: number;
    latency: ReturnType<typeof p99>;
    cpuSeconds: Record<string, number>;
    cpuSecondsPer10k: Record<string, number>;
    foreignCores: number;
    loadAverage: number[];
  };
  peakRssBytes: number;
  kill: {
    messages: number;
    killedAtStoredInPhase: number;
    restartMs: number;
    settledMs: number;
  };
  verification: Awaited<ReturnType<typeof verify>>;
  details: Record<string, unknown>;
}

async function runConsumer(
  consumer: Consumer,
  mosquitto: MosquittoHandle,
  questdb: QuestDbHandle,
): Promise<ConsumerResult> {
  log(`${consumer.name}: starting (load ${loadNow().join(' ')})`);
  // start() resolves once the consumer's subscriptions are in place (publishing earlier would lose messages).
  await consumer.start();
  const sampler = new StoreSampler(questdb.url, probeMeters.map(meterId), Number(flags['sample-ms']), consumer.table);
  sampler.start();
  const publisher = await FleetPublisher.connect(
    mosquitto.url,
    Number(flags.publishers),
    meters,
    `bench-peers-pub-${consumer.name}`,
  );
  const publishedAtMs = new Float64Array(allMessages.length).fill(Number.NaN);
  const maxInFlight = Number(flags['in-flight']);
  const publish = (phase: Phase) =>
    publisher.publish(phaseMessages(phase), phase.fromSeq * meters, publishedAtMs, { maxInFlight });
  try {
    log(`${consumer.name}: warm-up, ${warmPerMeter * meters} messages`);
    await publish(PHASES.warmup);
    await waitForCountOrStall(sampler, warmPerMeter * meters);

    log(`${consumer.name}: saturation, ${N} messages`);
    const pids = {
      consumer: consumer.pid(),
      questdb: findPid(questdb.dataDir),
      mosquitto: findPid(mosquitto.confFile),
    };
    const first = sampler.samples.length;
    const before = cpuSnapshot({ ...pids, bench: process.pid });
    // The profile covers the saturation phase only (the profiler writes it on SIGUSR2 and starts a new one).
    if (flags.profile && consumer.name.startsWith('tanhe')) process.kill(pids.consumer, 'SIGUSR2');
    const stats = await publish(PHASES.saturation);
    const waited = await waitForCountOrStall(sampler, PHASES.saturation.toSeq * meters);
    const cpu = cpuDelta(before, cpuSnapshot({ ...pids, bench: process.pid }));
    if (flags.profile && consumer.name.startsWith('tanhe')) process.kill(pids.consumer, 'SIGUSR2');
    const elapsedMs = (waited.sample?.atMs ?? nowMs()) - stats.firstPublishMs;
    if (!waited.complete) log(`${consumer.name}: INCOMPLETE, ${waited.sample?.count ?? 0} rows visible; going on`);
    const peakRssBytes = memoryBytes(pids.consumer).peakRss;
    const ours = Object.entries(cpu)
      .filter(([k]) => k !== 'machine')
      .reduce((s, [, v]) => s + v, 0);
    const saturation = {
      messages: N,
      complete: waited.complete,
      publish: stats,
      elapsedMs: round(elapsedMs, 0),
      perSecond: round(N / (elapsedMs / 1000), 0),
      publisherAckedPerSecond: round(N / ((stats.lastAckMs - stats.firstPublishMs) / 1000), 0),
      latency: p99(
        storedLatencies(sampler.samples.slice(first), PHASES.saturation, publishedAtMs, { meters, probeMeters }),
      ),
      cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v, 2)])),
      cpuSecondsPer10k: Object.fromEntries(
        Object.entries(cpu)
          .filter(([k]) => k !== 'machine')
          .map(([k, v]) => [k, round((v / N) * 10_000, 3)]),
      ),
      foreignCores: round(Math.max(0, (cpu.machine ?? Number.NaN) - ours) / (elapsedMs / 1000), 2),
      loadAverage: loadNow(),
    };
    log(`${consumer.name}: ${saturation.perSecond} msg/s stored, p99 ${saturation.latency.p99Ms} ms`);

    // SIGKILL a third of the way into the phase's stored rows, while the publisher goes on; restart at once.
    const killMessages = killPerMeter * meters;
    log(`${consumer.name}: SIGKILL mid-run, ${killMessages} messages`);
    const base = PHASES.kill.fromSeq * meters;
    const publishing = publish(PHASES.kill);
    const atKill = (await waitForCountOrStall(sampler, base + Math.floor(killMessages / 3))).sample;
    await consumer.kill();
    const killedMs = nowMs();
    await consumer.start();
    const restartMs = nowMs() - killedMs;
    await publishing;
    // Settled: every acknowledged (meter, seq) is stored, or the row count stopped moving for 10 s after the
    // broker's last acknowledgement (what is missing then is lost, not late).
    let verification = await verify(questdb.url, consumer);
    let lastRows = verification.rows;
    let lastChangeMs = nowMs();
    while (verification.lost > 0 && nowMs() - lastChangeMs < 10_000) {
      await new Promise((r) => setTimeout(r, 250));
      verification = await verify(questdb.url, consumer);
      if (verification.rows !== lastRows) {
        lastRows = verification.rows;
        lastChangeMs = nowMs();
      }
    }
    const settledMs = nowMs() - killedMs;
    const details = await consumer.details().catch((error: unknown) => ({ error: String(error) }));
    log(`${consumer.name}: lost ${verification.lost}, duplicated ${verification.duplicated}`);
    return {
      name: consumer.name,
      table: consumer.table,
      saturation,
      peakRssBytes,
      kill: {
        messages: killMessages,
        killedAtStoredInPhase: (atKill?.count ?? 0) - base,
        restartMs: round(restartMs, 0),
        settledMs: round(settledMs, 0),
      },
      verification,
      details,
    };
  } finally {
    await sampler.stop();
    await publisher.close();
    await consumer.stop().catch(() => undefined);
    for (const id of consumer.clientIds) await dropSession(mosquitto.url, id).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

function versionOf(command: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[1] ?? 'unknown';
  } catch (error) {
    const out = String((error as { stdout?: unknown }).stdout ?? '');
    return pattern.exec(out)?.[1] ?? 'unknown';
  }
}

function printTable(results: readonly ConsumerResult[], header: string): void {
  const mb = (b: number) => `${round(b / 2 ** 20, 0)} MiB`;
  const rows: [string, (r: ConsumerResult) => string][] = [
    [
      'stored msg/s at zero loss (saturation)',
      (r) => `${r.saturation.complete ? '' : 'INCOMPLETE '}${r.saturation.perSecond}`,
    ],
    ['publisher acked msg/s', (r) => String(r.saturation.publisherAckedPerSecond)],
    ['latency publish→visible p50 / p99 ms', (r) => `${r.saturation.latency.p50Ms} / ${r.saturation.latency.p99Ms}`],
    ['CPU-s / 10k msgs: consumer', (r) => String(r.saturation.cpuSecondsPer10k.consumer)],
    ['CPU-s / 10k msgs: QuestDB', (r) => String(r.saturation.cpuSecondsPer10k.questdb)],
    ['CPU-s / 10k msgs: Mosquitto', (r) => String(r.saturation.cpuSecondsPer10k.mosquitto)],
    ['peak RSS consumer', (r) => mb(r.peakRssBytes)],
    ['SIGKILL: lost / duplicated rows', (r) => `${r.verification.lost} / ${r.verification.duplicated}`],
    ['SIGKILL: rows / acked by broker', (r) => `${r.verification.rows} / ${r.verification.acknowledgedByBroker}`],
    ['other processes (cores) · load avg', (r) => `${r.saturation.foreignCores} · ${r.saturation.loadAverage[0]}`],
  ];
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const col = 22;
  console.log(`\n${header}`);
  console.log(''.padEnd(width) + results.map((r) => r.name.padStart(col)).join(''));
  for (const [label, cell] of rows)
    console.log(label.padEnd(width) + results.map((r) => cell(r).padStart(col)).join(''));
}

async function main() {
  const telegrafBin = consumerNames.includes('telegraf') ? ensureTelegraf(flags['telegraf-bin']) : '';
  const dir = await makeTempDir('tanhe-peers-');
  const mosquitto = await startMosquitto();
  const questdb = await startQuestDb({ startTimeoutMs: 180_000, config: questdbConfig });
  const results: ConsumerResult[] = [];
  try {
    for (const name of consumerNames) {
      const consumerDir = join(dir, name.replace(':', '-'));
      mkdirSync(consumerDir, { recursive: true });
      // tanhe[:K] and tanhe-always[:K]: K broker connections in one shared group (mqtt.connections).
      const [kind, k] = name.split(':');
      let consumer: Consumer;
      if (kind === 'telegraf') consumer = await telegrafConsumer(consumerDir, telegrafBin, mosquitto, questdb);
      else if (kind === 'tanhe' || kind === 'tanhe-always') {
        const fsync = kind === 'tanhe' ? 'interval' : 'always';
        consumer = await tanheConsumer(name, consumerDir, mosquitto, questdb, fsync, Number(k ?? 1));
      } else throw new Error(`unknown consumer ${name} (tanhe[:K], tanhe-always[:K], telegraf)`);
      // Both tanhe variants write the service's own table: the second starts from an empty one.
      await questDbExec(questdb.url, `TRUNCATE TABLE ${consumer.table}`).catch(() => undefined);
      results.push(await runConsumer(consumer, mosquitto, questdb));
    }
  } finally {
    const brokerDrops = await mosquitto.sysDropped().catch(() => Number.NaN);
    await mosquitto.dispose();
    await questdb.dispose();
    // A run that lost something keeps its logs, spools and configs for a look.
    if (results.every((r) => r.verification.lost === 0 && r.saturation.complete)) await removeTempDir(dir);
    else log(`kept ${dir} (something was lost or incomplete)`);
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      kernel: release(),
      node: process.version,
      mosquitto: versionOf('/usr/sbin/mosquitto', ['-h'], /mosquitto version (\S+)/),
      telegraf: telegrafBin ? `${TELEGRAF_VERSION} (go install from the module proxy)` : 'not run',
    };
    const output = {
      at: new Date().toISOString(),
      machine,
      parameters: { ...flags, meters, saturationMessages: N, killMessages: killPerMeter * meters, questdbConfig },
      brokerDrops,
      results,
    };
    mkdirSync(dirname(flags.out), { recursive: true });
    writeFileSync(flags.out, JSON.stringify(output, null, 2));
    printTable(
      results,
      `tanhe vs Telegraf · ${machine.cpus} × ${machine.cpuModel} · node ${machine.node} · Mosquitto ` +
        `${machine.mosquitto} · Telegraf ${machine.telegraf} · ${N} msgs, ${meters} meters · broker drops ${brokerDrops}` +
        ` · QuestDB settings ${flags['questdb-settings']}${flags['questdb-conf'] ? ` + ${flags['questdb-conf']}` : ''}`,
    );
    console.log(`\nJSON: ${flags.out}`);
  }
}

await main();
