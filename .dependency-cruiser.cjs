/**
 * The rooms and what each may import (issue 7 §2): cores are pure,
 * config/ stands on src/kernel alone, every module is entered through its index.ts, only
 * src/app.ts wires adapters, and neither files nor folders form cycles.
 */
const IO_MODULES = '^(node:)?(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster|process)(/|$)';
const IO_PACKAGES = 'node_modules/(mqtt|aedes|@duckdb|@questdb|fastify|pino|prom-client|nodemailer)';

/**
 * A module is a folder with one public entry, its index.ts: the capabilities, config/, the kernel,
 * the simulator, the HTTP layer and each folder under src/platform/ (a single file directly in
 * src/platform/, e.g. logger.ts, is a module of its own). Written as a pattern, not a list of
 * platform folders, so that a new engine client (src/platform/questdb/, …) is covered as it lands.
 */
const MODULE = '(ingest|accounting|alerts|access|periods|config|src/kernel|src/simulator|src/http|src/platform/[^/]+)';
const MODULE_FILE = `^${MODULE}/`;
const MODULE_ENTRY = `^${MODULE}/index\\.ts$`;

module.exports = {
  forbidden: [
    {
      name: 'dashboard-is-standalone',
      comment:
        'The dashboard is browser code that speaks to the service only over the public /api/v1 routes: ' +
        'it imports nothing of the server, and nothing imports it (it is built to static files).',
      severity: 'error',
      from: { path: '^src/dashboard/' },
      to: { path: '^(src|ingest|accounting|alerts|access|periods|config|tests|bench)/', pathNot: '^src/dashboard/' },
    },
    {
      name: 'nothing-imports-the-dashboard',
      severity: 'error',
      from: { path: '^(src|ingest|accounting|alerts|access|periods|config|tests|bench)/', pathNot: '^src/dashboard/' },
      to: { path: '^src/dashboard/' },
    },
    {
      name: 'core-is-pure',
      comment: 'A core/ folder does no I/O: no node I/O modules, no I/O packages, no adapters, no platform.',
      severity: 'error',
      from: { path: '(^|/)core/' },
      to: {
        pathNot: '\\.test\\.ts$',
        path: [IO_MODULES, IO_PACKAGES, '(^|/)adapters/', '^src/platform/', '^src/http/'],
      },
    },
    {
      name: 'core-imports-only-kernel-and-core',
      comment: 'A core depends on its own core and on src/kernel only.',
      severity: 'error',
      from: { path: '^(ingest|accounting|alerts|access|periods)/core/' },
      to: {
        path: '^(src|ingest|accounting|alerts|access|periods|config|tests|bench)/',
        pathNot: ['^src/kernel/', '^$1/core/'],
      },
    },
    {
      name: 'kernel-is-pure',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: {
        path: [
          IO_MODULES,
          IO_PACKAGES,
          '^(ingest|accounting|alerts|access|periods|config|tests|bench)/',
          '^src/(?!kernel/)',
        ],
      },
    },
    {
      name: 'config-imports-only-kernel',
      comment:
        'config/ holds schemas and loading only: it imports nothing from src/ or the capabilities. ' +
        'src/kernel is the one exception: it is the pure shared vocabulary (units, carriers, AppError, ' +
        'calendar), and a copy of the unit vocabulary in config/ would make two truths. Settings or ' +
        "checks that need another module (the simulator's section, accounting's virtual-meter checks) " +
        'live in that module and are composed by the shell in src/load-app-config.ts.',
      severity: 'error',
      from: { path: '^config/' },
      to: { path: '^(src|ingest|accounting|alerts|access|periods|tests|bench)/', pathNot: '^src/kernel/' },
    },
    {
      name: 'capabilities-not-on-the-shell',
      comment:
        'Dependencies point inward: a capability may use src/kernel and src/platform, never the shell ' +
        '(src/main.ts, src/app.ts, src/load-app-config.ts), src/http or src/simulator.',
      severity: 'error',
      from: { path: '^(ingest|accounting|alerts|access|periods)/' },
      to: { path: '^src/', pathNot: '^src/(kernel|platform)/' },
    },
    {
      name: 'platform-imports-only-kernel',
      comment:
        'src/platform holds engine clients and infrastructure (logger, clock, MQTT, …) that know no business: ' +
        'they import src/kernel and each other, not the capabilities, config/ or the rest of src/.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: {
        path: '^(src|ingest|accounting|alerts|access|periods|config|tests|bench)/',
        pathNot: '^src/(kernel|platform)/',
      },
    },
    {
      name: 'modules-through-index',
      comment: 'A module reaches another module through its index.ts only; inside a module, anything goes.',
      severity: 'error',
      from: { path: MODULE_FILE },
      to: { path: MODULE_FILE, pathNot: ['^$1/', MODULE_ENTRY] },
    },
    {
      name: 'shell-through-index',
      comment: 'The shell (src/main.ts, src/app.ts, …) reaches every module through its index.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: MODULE_FILE },
      to: { path: MODULE_FILE, pathNot: MODULE_ENTRY },
    },
    {
      name: 'only-app-wires',
      comment: 'Adapters are built in src/app.ts and the wiring files it uses (src/wire-*.ts), and in tests/bench.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app\\.ts$', '^src/wire-[a-z-]+\\.ts$', '^src/cli/'] },
      to: { path: '(^|/)adapters/' },
    },
    {
      name: 'product-not-on-tests',
      comment: 'Tests and benchmarks may import anything (adapters included); the product imports neither.',
      severity: 'error',
      from: { path: '^(src|ingest|accounting|alerts|access|periods|config)/' },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment:
        'No loop between folders either (config/ → src/simulator/ → config/ is one even when no file ' +
        "cycle exists). Each folder counts its sub-folders' files; its dependencies are the folders " +
        'of the files it imports from outside itself.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|\\.test\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
