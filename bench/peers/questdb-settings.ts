import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const COMPOSE_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'docker', 'compose.yaml');

/**
 * The QuestDB settings that ship in docker/compose.yaml (its `QDB_*` environment), as server.conf keys:
 * `QDB_SHARED_WORKER_SLEEP_THRESHOLD` → `shared.worker.sleep.threshold` (QuestDB's own mapping). The benchmarks
 * run QuestDB as compose does, from the one place the settings are written down.
 */
export function shippedQuestDbSettings(): Record<string, string> {
  const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as {
    services?: { questdb?: { environment?: Record<string, unknown> } };
  };
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(compose.services?.questdb?.environment ?? {})) {
    if (!key.startsWith('QDB_')) continue;
    settings[key.slice(4).toLowerCase().replaceAll('_', '.')] = String(value);
  }
  return settings;
}

/** `key=value,key=value` as server.conf lines; `default` (or empty) for none. */
export function parseQuestDbConf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(',')
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}
