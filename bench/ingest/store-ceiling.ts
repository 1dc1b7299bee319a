/**
 * The store side alone: the service's own QuestDB store (createQuestDbReadingStore, the
 * code the drainer calls) writing the benchmark's readings in batches, in one
 * otherwise idle process, against a fresh QuestDB. Shows what the store path can
 * take when nothing else competes for the event loop.
 *   npx tsx bench/ingest/store-ceiling.ts [--messages 200000] [--meters 1000] [--batch-size 5000]
 */
import { parseArgs } from 'node:util';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { startQuestDb } from '../../tests/support/questdb.js';
import { meterId, readingTsMs, readingValue } from '../../tests/support/test-fleet.js';
import { nowMs } from './fleet-publisher.js';
import { cpuSeconds, findPid } from './proc-stats.js';
import { questDbExec } from './store-sampler.js';

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '5000' },
  },
});
const meters = Number(flags.meters);
const perMeter = Math.ceil(Number(flags.messages) / meters);
const batchSize = Number(flags['batch-size']);

const questdb = await startQuestDb();
const store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
try {
  await store.init();
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
  const cpuBefore = process.cpuUsage();
  const questdbBefore = cpuSeconds(questdbPid);
  const startMs = nowMs();
  for (let i = 0; i < readings.length; i += batchSize) await store.write(readings.slice(i, i + batchSize), []);
  const confirmedMs = nowMs();
  const cpu = process.cpuUsage(cpuBefore);
  await store.sync();
  const visibleMs = nowMs();
  const count = Number((await questDbExec(questdb.url, 'SELECT count() FROM readings'))[0]?.[0]);
  const batches = Math.ceil(readings.length / batchSize);
  console.log(
    JSON.stringify(
      {
        readings: readings.length,
        batchSize,
        confirmedPerSecond: Math.round(readings.length / ((confirmedMs - startMs) / 1000)),
        visiblePerSecond: Math.round(readings.length / ((visibleMs - startMs) / 1000)),
        meanWriteMs: Math.round(((confirmedMs - startMs) / batches) * 10) / 10,
        clientCpuSecondsPer10k: Math.round(((cpu.user + cpu.system) / 1e6 / readings.length) * 10_000 * 1000) / 1000,
        questdbCpuSecondsPer10k:
          Math.round(((cpuSeconds(questdbPid) - questdbBefore) / readings.length) * 10_000 * 1000) / 1000,
        storedRows: count,
      },
      null,
      2,
    ),
  );
} finally {
  await store.close();
  await questdb.dispose();
}
