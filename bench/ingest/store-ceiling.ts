/**
 * The store side alone: the service's own QuestDB store (createQuestDbReadingStore, the
 * code the drainer calls) writing the benchmark's readings in batches, in one
 * otherwise idle process, against a fresh QuestDB. Shows what the store path can
 * take when nothing else competes for the event loop, and what QuestDB spends per row
 * at a given batch size, with and without the readings table's DEDUP keys.
 *   npx tsx bench/ingest/store-ceiling.ts [--messages 200000] [--meters 1000] [--batch-sizes 400,5000]
 *     [--dedup on,off] [--idle-seconds 5] [--questdb-conf key=value,…]
 * Each (batch size, dedup) variant writes to its own table (prefix `v<i>_`) in the same QuestDB, one
 * after the other. `--idle-seconds` first measures QuestDB's CPU while it only answers the ingest
 * benchmark's store sampler (two queries every 50 ms): the background a slow run pays per row.
 */
import { parseArgs } from 'node:util';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { startQuestDb } from '../../tests/support/questdb.js';
import { meterId, readingTsMs, readingValue } from '../../tests/support/test-fleet.js';
import { nowMs } from './fleet-publisher.js';
import { cpuSeconds, findPid } from './proc-stats.js';
import { questDbExec, StoreSampler } from './store-sampler.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    'batch-sizes': { type: 'string', default: '5000' },
    // Kept for the old single-variant command line.
    'batch-size': { type: 'string' },
    dedup: { type: 'string', default: 'on' },
    'idle-seconds': { type: 'string', default: '0' },
    // Extra QuestDB server.conf lines, `key=value,key=value` (e.g. the worker thresholds of a small machine).
    'questdb-conf': { type: 'string', default: '' },
  },
});
const meters = Number(flags.meters);
const perMeter = Math.ceil(Number(flags.messages) / meters);
const batchSizes = (flags['batch-size'] ?? flags['batch-sizes']).split(',').map(Number);
const dedupModes = flags.dedup.split(',').map((mode) => mode === 'on');
const idleSeconds = Number(flags['idle-seconds']);

const round3 = (value: number) => Math.round(value * 1000) / 1000;

const questdbConfig = Object.fromEntries(
  flags['questdb-conf']
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);

const questdb = await startQuestDb({ config: questdbConfig });
const client = createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 });
const questdbPid = findPid(questdb.dataDir);
const receivedAtMs = Date.now();
const readings: Reading[] = [];
for (let seq = 0; seq < perMeter; seq++) {
  for (let m = 0; m < meters; m++)
    readings.push({
      meterId: meterId(m),
      tsMs: readingTsMs(seq),
      value: readingValue(m, seq),
      seq,
      receivedAtMs,
      quality: 'ok',
    });
}
const results: Record<string, unknown>[] = [];
try {
  // JIT warm-up of QuestDB (its compiler threads burn CPU for seconds after start), not measured.
  const warm = createQuestDbReadingStore(client, { tablePrefix: 'warm_' });
  await warm.init();
  for (let i = 0; i < readings.length; i += 2000) await warm.write(readings.slice(i, i + 2000), []);
  await warm.sync();
  await warm.close();
  if (idleSeconds > 0) {
    const idle = createQuestDbReadingStore(client, { tablePrefix: 'idle_' });
    await idle.init();
    await idle.write(readings.slice(0, meters), []);
    await idle.sync();
    const quietBefore = cpuSeconds(questdbPid);
    const quietStartMs = nowMs();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const quietCores = (cpuSeconds(questdbPid) - quietBefore) / ((nowMs() - quietStartMs) / 1000);
    results.push({ variant: 'idle, no query', questdbCores: round3(quietCores) });
    const sampler = new StoreSampler(questdb.url, ['m000', 'm001'], 50, 'idle_readings');
    const before = cpuSeconds(questdbPid);
    sampler.start();
    const startMs = nowMs();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    await sampler.stop();
    const cores = (cpuSeconds(questdbPid) - before) / ((nowMs() - startMs) / 1000);
    results.push({ variant: 'sampler only', questdbCores: round3(cores), samples: sampler.samples.length });
    await idle.close();
  }
  let variant = 0;
  for (const dedup of dedupModes) {
    for (const batchSize of batchSizes) {
      const prefix = `v${variant++}_`;
      const store = createQuestDbReadingStore(client, { tablePrefix: prefix });
      await store.init();
      if (!dedup) await questDbExec(questdb.url, `ALTER TABLE ${prefix}readings DEDUP DISABLE`);
      const cpuBefore = process.cpuUsage();
      const questdbBefore = cpuSeconds(questdbPid);
      const startMs = nowMs();
      for (let i = 0; i < readings.length; i += batchSize) await store.write(readings.slice(i, i + batchSize), []);
      const confirmedMs = nowMs();
      const cpu = process.cpuUsage(cpuBefore);
      await store.sync();
      const visibleMs = nowMs();
      const questdbCpu = cpuSeconds(questdbPid) - questdbBefore;
      const count = Number((await questDbExec(questdb.url, `SELECT count() FROM ${prefix}readings`))[0]?.[0]);
      const batches = Math.ceil(readings.length / batchSize);
      results.push({
        variant: `batch ${batchSize}, dedup ${dedup ? 'on' : 'off'}`,
        readings: readings.length,
        confirmedPerSecond: Math.round(readings.length / ((confirmedMs - startMs) / 1000)),
        visiblePerSecond: Math.round(readings.length / ((visibleMs - startMs) / 1000)),
        meanWriteMs: Math.round(((confirmedMs - startMs) / batches) * 10) / 10,
        clientCpuSecondsPer10k: round3(((cpu.user + cpu.system) / 1e6 / readings.length) * 10_000),
        questdbCpuSecondsPer10k: round3((questdbCpu / readings.length) * 10_000),
        storedRows: count,
      });
      await store.close();
    }
  }
  console.log(JSON.stringify(results, null, 2));
} finally {
  await questdb.dispose();
}
