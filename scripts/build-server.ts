/**
 * Compiles the service (src/main.ts and what it imports) into plain JavaScript in dist/server, which `npm start`
 * runs. Run through tsx, the service carried tsx's loader thread and transpiled every module at each start:
 * ~48 MiB of RSS before it ingested anything, and a good part of the start's CPU (bench/README.md, issue 11 §5).
 * Only when a source is newer than the last build, like scripts/build-dashboard.ts.
 *   tsx scripts/build-server.ts [--force]
 *
 * Packages stay in node_modules, imported at run time. A module the service loads with import() gets a chunk of
 * its own, and with it the packages only it imports (aedes, smtp-server): they load when that module does. The
 * few modules that find files next to themselves (`import.meta.url`: the demo configuration, package.json,
 * dist/dashboard) are given their source file's URL, so that they find the same files from the compiled chunk.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs. */
export const SERVER_ENTRY = join(root, 'dist', 'server', 'main.js');
const outdir = dirname(SERVER_ENTRY);
const sourceDirs = ['src', 'ingest', 'accounting', 'alerts', 'access', 'periods', 'config'].map((d) => join(root, d));
const alsoInputs = [join(root, 'package-lock.json'), fileURLToPath(import.meta.url)];

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dashboard') continue;
    newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

/** Packages load from node_modules at run time; JSON data is bundled (Node 20 wants an import attribute for it). */
const packagesStayExternal: Plugin = {
  name: 'packages-stay-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.endsWith('.json') ? undefined : { external: true }));
  },
};

/** `import.meta.url` of a source module becomes its source file's URL, seen from the chunk it ends up in. */
const sourceFileUrls: Plugin = {
  name: 'source-file-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      // Every chunk is written directly into outdir, so one relative path fits wherever the module lands.
      const fromChunk = relative(outdir, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * Builds dist/server when a source is newer than it (or with `force`). Each file is written to a temporary name
 * and renamed: several test workers may build at once, and a starting service never reads half a file (the same
 * sources give the same bytes, chunk names carry a hash of their content).
 */
export async function buildServer(force = false): Promise<'built' | 'up to date'> {
  const builtAtMs = existsSync(SERVER_ENTRY) ? statSync(SERVER_ENTRY).mtimeMs : -Infinity;
  const sourcesAtMs = Math.max(...sourceDirs.map(newestMtimeMs), ...alsoInputs.filter(existsSync).map(newestMtimeMs));
  if (!force && sourcesAtMs <= builtAtMs) return 'up to date';
  const result = await build({
    entryPoints: [join(root, 'src', 'main.ts')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    sourcemap: 'linked',
    plugins: [packagesStayExternal, sourceFileUrls],
    write: false,
    logLevel: 'warning',
  });
  mkdirSync(outdir, { recursive: true });
  // The entry last: its modification time says the build is complete.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(a.path === SERVER_ENTRY) - Number(b.path === SERVER_ENTRY),
  );
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  // Chunks of earlier builds (their names change with their content).
  const current = new Set(files.map((f) => basename(f.path)));
  for (const name of readdirSync(outdir)) {
    if (!current.has(name) && !name.endsWith('.tmp')) rmSync(join(outdir, name), { force: true });
  }
  return 'built';
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outcome = await buildServer(process.argv.includes('--force'));
  console.log(outcome === 'built' ? 'server: built src/main.ts into dist/server' : 'server: dist/server is up to date');
}
