/**
 * QuestDB's CPU when it does almost nothing: idle, then answering only the benchmarks' store sampler (two small
 * queries every 50 ms, bench/ingest/store-sampler.ts) on an empty readings table, under QuestDB's default
 * settings and under the shipped ones (docker/compose.yaml). What a consumer is charged per second, whatever
 * it stores, in `bench/peers`' "QuestDB CPU per 10 000 rows".
 *   npx tsx bench/peers/questdb-idle.ts [--settings default,shipped] [--seconds 6]
 */
import { parseArgs } from 'node:util';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb } from '../../tests/support/questdb.js';
import { meterId } from '../../tests/support/test-fleet.js';
import { cpuSeconds, findPid } from '../ingest/proc-stats.js';
import { StoreSampler } from '../ingest/store-sampler.js';
import { shippedQuestDbSettings } from './questdb-settings.js';

const { values: flags } = parseArgs({
  options: {
    settings: { type: 'string', default: 'default,shipped' },
    seconds: { type: 'string', default: '6' },
  },
});
const seconds = Number(flags.seconds);

for (const name of flags.settings.split(',')) {
  const questdb = await startQuestDb({ config: name === 'shipped' ? shippedQuestDbSettings() : {} });
  const pid = findPid(questdb.dataDir);
  const store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
  await store.init();
  // QuestDB's JIT and start-up work settle first.
  await new Promise((r) => setTimeout(r, 4000));
  const cores = async () => {
    const before = cpuSeconds(pid);
    const startMs = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return Math.round(((cpuSeconds(pid) - before) / ((Date.now() - startMs) / 1000)) * 1000) / 1000;
  };
  const idle = await cores();
  const sampler = new StoreSampler(
    questdb.url,
    Array.from({ length: 20 }, (_, m) => meterId(m)),
    50,
    'readings',
  );
  sampler.start();
  const sampled = [await cores(), await cores()];
  await sampler.stop();
  const meanQueryMs = sampler.samples.reduce((s, x) => s + x.queryMs, 0) / Math.max(1, sampler.samples.length);
  console.log(
    JSON.stringify({
      settings: name,
      idleCores: idle,
      samplerCores: sampled,
      meanSampleMs: Math.round(meanQueryMs * 10) / 10,
    }),
  );
  await store.close();
  await questdb.dispose();
}
