/**
 * QuestDB's CPU per row behind each consumer of `bench/peers`, the table and the write alone: the same
 * readings, in the same arrival order and batch size, written into tanhe's readings table and into the
 * table Telegraf gets, and into variants between the two, so that each difference is measured on its own.
 *   npx tsx bench/peers/questdb-rows.ts [--messages 50000] [--meters 1000] [--batch 3300] [--rounds 3]
 *     [--variants tanhe,tanhe-nodedup,narrow-dedup,narrow,telegraf]
 *     [--questdb-settings default|shipped] [--questdb-conf key=value,…]
 * Variants (each round writes each variant into a table of its own, in a rotated order):
 * - `tanhe`: the service's own store (createQuestDbReadingStore): meter_id SYMBOL, ts, value, seq,
 *   received_at TIMESTAMP, quality SYMBOL, DEDUP UPSERT KEYS(ts, meter_id, value), ILP v2 (binary doubles).
 * - `tanhe-nodedup`: the same table with DEDUP disabled.
 * - `narrow-dedup`: Telegraf's columns (meter_id, value, seq, ts) with tanhe's DEDUP keys, ILP v2.
 * - `narrow`: Telegraf's columns, no DEDUP, ILP v2; `narrow-quality`, `narrow-received`: with tanhe's `quality`
 *   SYMBOL or its `received_at` TIMESTAMP; `wide`: with both (tanhe's columns, no DEDUP, created by CREATE TABLE).
 * - `telegraf`: the table auto-created by `/api/v2/write` (text line protocol, ns timestamps), as Telegraf
 *   writes it (bench/peers/telegraf.conf).
 * - `tanhe-sorted`: tanhe's store with each batch sorted by (ts, meter_id) before it is written.
 * - `tanhe-aligned`: tanhe's store, batches cut where a timestamp ends (a multiple of the meters, 3 000 rows for
 *   3 300), so that no batch holds a timestamp the table has already: with DEDUP such an overlap is merged.
 * Per variant: QuestDB CPU-s per 10 000 rows from the first write until the WAL is applied (idle CPU,
 * measured first, shown apart), the writer's CPU, rows/s to visible. Writes JSON to `--out`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient, type QuestDbClient } from '../../src/platform/questdb/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { startQuestDb } from '../../tests/support/questdb.js';
import { meterId, readingTsMs, readingValue } from '../../tests/support/test-fleet.js';
import { nowMs } from '../ingest/fleet-publisher.js';
import { cpuSeconds, findPid } from '../ingest/proc-stats.js';
import { questDbExec } from '../ingest/store-sampler.js';
import { parseQuestDbConf, shippedQuestDbSettings } from './questdb-settings.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '50000' },
    meters: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '3300' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'tanhe,tanhe-nodedup,narrow-dedup,narrow,telegraf' },
    /** `default` (QuestDB's own) or `shipped` (docker/compose.yaml's), plus `--questdb-conf key=value,…`. */
    'questdb-settings': { type: 'string', default: 'default' },
    'questdb-conf': { type: 'string', default: '' },
    out: { type: 'string', default: join(HERE, '..', 'results', 'questdb-rows.json') },
  },
});
const meters = Number(flags.meters);
const perMeter = Math.ceil(Number(flags.messages) / meters);
const batchSize = Number(flags.batch);
const rounds = Number(flags.rounds);
const variantNames = flags.variants.split(',');
const questdbConfig = {
  ...(flags['questdb-settings'] === 'shipped' ? shippedQuestDbSettings() : {}),
  ...parseQuestDbConf(flags['questdb-conf']),
};
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The readings in the order the broker delivers them in `bench/peers`: every meter's seq 0, then seq 1, … */
function arrivalOrder(): Reading[] {
  const receivedAtMs = Date.now();
  const readings: Reading[] = [];
  for (let seq = 0; seq < perMeter; seq++)
    for (let m = 0; m < meters; m++)
      readings.push({
        meterId: meterId(m),
        tsMs: readingTsMs(seq),
        value: readingValue(m, seq),
        seq,
        receivedAtMs,
        quality: 'ok',
      });
  return readings;
}

interface Variant {
  readonly table: string;
  write(batch: readonly Reading[]): Promise<void>;
  close(): Promise<void>;
}

async function tanheVariant(client: QuestDbClient, prefix: string, dedup: boolean, sorted: boolean) {
  const store = createQuestDbReadingStore(client, { tablePrefix: prefix });
  await store.init();
  if (!dedup) await client.exec(`ALTER TABLE ${prefix}readings DEDUP DISABLE`);
  const byTs = (a: Reading, b: Reading) => a.tsMs - b.tsMs || (a.meterId < b.meterId ? -1 : 1);
  return {
    table: `${prefix}readings`,
    write: (batch: readonly Reading[]) => store.write(sorted ? [...batch].sort(byTs) : [...batch], []),
    close: () => store.close(),
  } satisfies Variant;
}

/** Telegraf's columns, plus tanhe's `quality` SYMBOL and/or `received_at` TIMESTAMP when asked. */
async function narrowVariant(
  client: QuestDbClient,
  prefix: string,
  dedup: boolean,
  extra: { quality?: boolean; receivedAt?: boolean } = {},
) {
  const table = `${prefix}narrow`;
  await client.exec(
    `CREATE TABLE ${table} (meter_id SYMBOL CAPACITY 16384 CACHE, value DOUBLE, seq LONG, ts TIMESTAMP` +
      `${extra.quality ? ', quality SYMBOL' : ''}${extra.receivedAt ? ', received_at TIMESTAMP' : ''})` +
      ` TIMESTAMP(ts) PARTITION BY DAY WAL${dedup ? ' DEDUP UPSERT KEYS(ts, meter_id, value)' : ''}`,
  );
  const ilp = client.createIlpWriter();
  return {
    table,
    write: (batch: readonly Reading[]) =>
      ilp.writeLines((lines) => {
        for (const r of batch) {
          lines.table(table).symbol('meter_id', r.meterId);
          if (extra.quality) lines.symbol('quality', r.quality);
          lines.float('value', r.value).int('seq', r.seq ?? 0);
          if (extra.receivedAt) lines.timestampMs('received_at', r.receivedAtMs);
          lines.atMs(r.tsMs);
        }
      }),
    close: () => ilp.close(),
  } satisfies Variant;
}

/** What Telegraf's influxdb_v2 output sends: text line protocol, ns timestamps, one POST per batch. */
function telegrafVariant(url: string, prefix: string): Variant {
  const table = `${prefix}telegraf`;
  return {
    table,
    async write(batch) {
      let body = '';
      for (const r of batch) body += `${table},meter_id=${r.meterId} seq=${r.seq}i,value=${r.value} ${r.tsMs}000000\n`;
      const res = await fetch(`${url}/api/v2/write?bucket=unused&org=unused&precision=ns`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body,
      });
      await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
    close: () => Promise.resolve(),
  };
}

async function makeVariant(name: string, client: QuestDbClient, url: string, prefix: string): Promise<Variant> {
  if (name === 'tanhe') return tanheVariant(client, prefix, true, false);
  if (name === 'tanhe-nodedup') return tanheVariant(client, prefix, false, false);
  if (name === 'tanhe-sorted') return tanheVariant(client, prefix, true, true);
  if (name === 'tanhe-aligned') return tanheVariant(client, prefix, true, false);
  if (name === 'narrow-dedup') return narrowVariant(client, prefix, true);
  if (name === 'narrow') return narrowVariant(client, prefix, false);
  if (name === 'narrow-quality') return narrowVariant(client, prefix, false, { quality: true });
  if (name === 'narrow-received') return narrowVariant(client, prefix, false, { receivedAt: true });
  if (name === 'wide') return narrowVariant(client, prefix, false, { quality: true, receivedAt: true });
  if (name === 'telegraf') return telegrafVariant(url, prefix);
  throw new Error(`unknown variant ${name}`);
}

const questdb = await startQuestDb({ config: questdbConfig });
const client = createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 });
const questdbPid = findPid(questdb.dataDir);
const readings = arrivalOrder();
const results: Record<string, unknown>[] = [];
try {
  // QuestDB's JIT compiles for seconds after start: a first pass over every variant is not measured.
  for (const name of variantNames) {
    const v = await makeVariant(name, client, questdb.url, `warm_${name.replaceAll('-', '_')}_`);
    for (let i = 0; i < readings.length; i += batchSize) await v.write(readings.slice(i, i + batchSize));
    await client.waitForWal([v.table]);
    await v.close();
  }
  await new Promise((r) => setTimeout(r, 2000));
  const idleBefore = cpuSeconds(questdbPid);
  const idleStart = nowMs();
  await new Promise((r) => setTimeout(r, 3000));
  const idleCores = (cpuSeconds(questdbPid) - idleBefore) / ((nowMs() - idleStart) / 1000);
  console.log(`QuestDB idle: ${round3(idleCores)} cores`);
  for (let round = 0; round < rounds; round++) {
    // Rotated so that no variant always runs first (or right after the same one).
    const order = variantNames.map((_, i) => variantNames[(i + round) % variantNames.length] ?? '');
    for (const name of order) {
      const v = await makeVariant(name, client, questdb.url, `r${round}_${name.replaceAll('-', '_')}_`);
      const qBefore = cpuSeconds(questdbPid);
      const cpuBefore = process.cpuUsage();
      const startMs = nowMs();
      const size = name.endsWith('-aligned') ? Math.max(meters, Math.floor(batchSize / meters) * meters) : batchSize;
      for (let i = 0; i < readings.length; i += size) await v.write(readings.slice(i, i + size));
      const confirmedMs = nowMs();
      await client.waitForWal([v.table]);
      const visibleMs = nowMs();
      const qCpu = cpuSeconds(questdbPid) - qBefore;
      const cpu = process.cpuUsage(cpuBefore);
      const rows = Number((await questDbExec(questdb.url, `SELECT count() FROM ${v.table}`))[0]?.[0]);
      await v.close();
      const seconds = (visibleMs - startMs) / 1000;
      const result = {
        round,
        variant: name,
        rows,
        questdbCpuPer10k: round3((qCpu / readings.length) * 10_000),
        questdbCpuPer10kLessIdle: round3(((qCpu - idleCores * seconds) / readings.length) * 10_000),
        writerCpuPer10k: round3(((cpu.user + cpu.system) / 1e6 / readings.length) * 10_000),
        confirmedPerSecond: Math.round(readings.length / ((confirmedMs - startMs) / 1000)),
        visiblePerSecond: Math.round(readings.length / seconds),
      };
      console.log(JSON.stringify(result));
      results.push(result);
    }
  }
  const summary = variantNames.map((name) => {
    const mine = results.filter((r) => r.variant === name).map((r) => Number(r.questdbCpuPer10k));
    mine.sort((a, b) => a - b);
    return { variant: name, questdbCpuPer10kMedian: mine[Math.floor(mine.length / 2)], all: mine };
  });
  console.table(summary);
  writeFileSync(
    resolve(flags.out),
    JSON.stringify({ meters, perMeter, batchSize, rounds, questdbConfig, idleCores, results, summary }, null, 2),
  );
} finally {
  await questdb.dispose();
}
