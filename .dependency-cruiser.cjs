/**
 * Dependency rules of DESIGN.md §2: cores are pure, modules talk through index.ts,
 * only src/app.ts wires adapters together.
 */
const IO_MODULES = '^(node:)?(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster|process)(/|$)';
const IO_PACKAGES = 'node_modules/(mqtt|aedes|@duckdb|@questdb|fastify|pino|prom-client|nodemailer)';

module.exports = {
  forbidden: [
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
      from: { path: '^(ingest|accounting|alerts)/core/' },
      to: { path: '^(src|ingest|accounting|alerts|config)/', pathNot: ['^src/kernel/', '^$1/core/'] },
    },
    {
      name: 'kernel-is-pure',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: [IO_MODULES, IO_PACKAGES, '^(ingest|accounting|alerts|config)/', '^src/(platform|http|app)'] },
    },
    {
      name: 'modules-through-index',
      comment: 'Another module is entered through its index.ts only.',
      severity: 'error',
      from: { path: '^(ingest|accounting|alerts)/' },
      to: {
        path: '^(ingest|accounting|alerts)/',
        pathNot: ['^$1/', '^(ingest|accounting|alerts)/index\\.ts$'],
      },
    },
    {
      name: 'only-app-wires',
      comment: 'Adapters are built in src/app.ts (and tests/bench), not imported by other modules.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app\\.ts$', '^src/cli/'] },
      to: { path: '(^|/)adapters/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
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
