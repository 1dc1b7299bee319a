/**
 * Builds the dashboard (src/dashboard → dist/dashboard, src/dashboard/vite.config.ts) only when a source is newer
 * than the last build, so `npm start` and `npm test` pay nothing when it is up to date: one walk of the folder.
 *   tsx scripts/build-dashboard.ts [--force]
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'src', 'dashboard');
const builtIndex = join(root, 'dist', 'dashboard', 'index.html');
// What else the bundle depends on: the lock file pins Preact, ECharts and Vite.
const alsoInputs = [join(root, 'package-lock.json')];

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  return newest;
}

const force = process.argv.includes('--force');
const builtAtMs = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : -Infinity;
const sourcesAtMs = Math.max(newestMtimeMs(sourceDir), ...alsoInputs.filter(existsSync).map(newestMtimeMs));

if (!force && sourcesAtMs <= builtAtMs) {
  console.log('dashboard: dist/dashboard is up to date');
} else {
  console.log('dashboard: building src/dashboard into dist/dashboard (vite)');
  // Loaded only when needed: Vite is a devDependency, and an up-to-date build needs none of it.
  const { build } = await import('vite');
  await build({ configFile: join(sourceDir, 'vite.config.ts'), logLevel: 'warn' });
}
