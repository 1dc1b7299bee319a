/**
 * First-run benchmark (issue 8 §9): how long from `npm start` on the first-run demo (config/demo.yaml:
 * embedded broker, DuckDB, the simulator's backfill, the demo SMTP receiver) to the first alert mail
 * kept as an .eml file. The demo configuration is copied with every path and port made private to the
 * run (a temp directory, free loopback ports), so it collides with nothing; the service is started as
 * `npm start` starts it (`node --import tsx src/main.ts`). Milestones are read from its JSON log.
 * Prints the figures and writes them as JSON (bench/results/first-mail.json); never asserts.
 *
 *   npx tsx bench/alerts/first-mail.ts [--timeout-s 900] [--settle-s 60] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

const { values: flags } = parseArgs({
  options: {
    /** Give up after this long without a mail. */
    'timeout-s': { type: 'string', default: '900' },
    /** After the first mail, keep running this long to count what else arrives. */
    'settle-s': { type: 'string', default: '60' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'first-mail.json') },
  },
});

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Log messages whose first appearance is a milestone of the first run. */
const MILESTONES: Record<string, RegExp> = {
  backfillPublished: /^simulator: backfill published$/,
  firstEvaluationChanged: /^alert evaluation changed alerts$/,
  firstMailDelivered: /^alert mail delivered$/,
  firstMailStored: /^demo mailbox: alert mail received$/,
};

/** The parts of config/demo.yaml this run changes. */
interface DemoYaml {
  http: object;
  mqtt: object;
  store: object;
  spool: object;
  simulator?: { backfillDays?: number };
  alerts: { email: { smtp: object; demoReceiver: object } };
  fleetFile: string;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-first-mail-'));
  const mailDir = join(dir, 'mail');
  const demo = parse(readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8')) as DemoYaml;
  const [mqttPort, smtpPort] = [await freePort(), await freePort()];
  demo.http = { ...demo.http, port: 0 };
  demo.mqtt = { ...demo.mqtt, url: `mqtt://127.0.0.1:${mqttPort}`, clientId: `tanhe-first-mail-${process.pid}` };
  demo.store = { ...demo.store, duckdbPath: join(dir, 'tanhe.duckdb') };
  demo.spool = { ...demo.spool, dir: join(dir, 'spool') };
  demo.alerts.email.smtp = { ...demo.alerts.email.smtp, port: smtpPort };
  demo.alerts.email.demoReceiver = { ...demo.alerts.email.demoReceiver, port: smtpPort, dir: mailDir };
  demo.fleetFile = join(REPO_ROOT, 'config', demo.fleetFile);
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(demo));

  const result: Record<string, unknown> = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
    backfillDays: demo.simulator?.backfillDays,
  };
  const startedMs = performance.timeOrigin + performance.now();
  const sinceStart = () => round((performance.timeOrigin + performance.now() - startedMs) / 1000, 1);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), '--config', configFile],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, TANHE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const milestones: Record<string, number> = {};
  const evaluations: { atS: number; opened: number; findings: number }[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      let entry: { msg?: string; opened?: number; findings?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const msg = entry.msg ?? '';
      for (const [name, pattern] of Object.entries(MILESTONES)) {
        if (milestones[name] === undefined && pattern.test(msg)) milestones[name] = sinceStart();
      }
      if (msg === 'alert evaluation changed alerts')
        evaluations.push({ atS: sinceStart(), opened: entry.opened ?? 0, findings: entry.findings ?? 0 });
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const emls = () => {
    try {
      return readdirSync(mailDir, { recursive: true }).filter((f) => String(f).endsWith('.eml')).length;
    } catch {
      return 0;
    }
  };
  const deadlineS = Number(flags['timeout-s']);
  let firstMailS: number | undefined;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  try {
    while (exitCode === undefined && sinceStart() < deadlineS) {
      if (firstMailS === undefined && emls() > 0) {
        firstMailS = sinceStart();
        log(`first .eml after ${firstMailS} s`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const settleUntil = sinceStart() + Number(flags['settle-s']);
    while (firstMailS !== undefined && exitCode === undefined && sinceStart() < settleUntil) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (stopped === 'timeout') child.kill('SIGKILL');
  }
  Object.assign(result, {
    firstMailSeconds: firstMailS ?? null,
    targetSeconds: 120,
    targetMet: firstMailS !== undefined && firstMailS <= 120,
    mailsAfterSettle: emls(),
    milestonesSeconds: milestones,
    evaluations,
    exitCode: exitCode ?? null,
    loadAverageAtEnd: loadavg().map((x) => round(x, 2)),
    ...(firstMailS === undefined ? { stderrTail: stderr } : {}),
  });
  log(
    `first mail: ${firstMailS ?? 'none'} s (target 120 s); milestones ${JSON.stringify(milestones)}; ` +
      `${emls()} mails after settling`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${flags.out}`);
}

await main();
