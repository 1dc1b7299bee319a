#!/usr/bin/env node
/**
 * The command line (grammar and help in src/cli/command-line.ts): `tanhe [serve] [--config FILE]`
 * runs the service; `tanhe check-config [--config FILE]` validates a configuration and lists every
 * problem; `tanhe simulate …` publishes simulated readings; `tanhe alerts backtest …` lists the alerts the
 * rules would have raised over stored history; `tanhe tokens create|list|revoke …` manages API tokens;
 * `tanhe --help`, `tanhe --version`.
 * Configuration: --config FILE, else TANHE_CONFIG, else the first-run demo (config/demo.yaml).
 */
import { userInfo } from 'node:os';
import { fleetWarnings } from '../accounting/index.js';
import { configFileFrom } from '../config/index.js';
import { parseCommandLine } from './cli/command-line.js';
import { packageVersion } from './cli/package-version.js';
import { isAppError } from './kernel/index.js';
import { runAlertsBacktest, startApp, type RunningApp } from './app.js';
import { loadAppConfig, type AppConfig } from './load-app-config.js';
import { createAccessStores } from './wire-stores.js';

const EXIT_FAILED = 1;
/** Usage errors, invalid configuration, a spool directory held by another process. */
const EXIT_USAGE = 2;
const USAGE_CODES: readonly string[] = ['CONFIG_INVALID', 'CONFIG_UNREADABLE', 'SPOOL_LOCKED'];

async function main(argv: readonly string[]): Promise<number> {
  const line = parseCommandLine(argv);
  switch (line.kind) {
    case 'help':
      process.stdout.write(line.text);
      return 0;
    case 'version':
      console.log(packageVersion());
      return 0;
    case 'usage-error':
      console.error(line.message);
      return EXIT_USAGE;
    case 'run':
      break;
  }
  try {
    switch (line.command) {
      case 'serve':
        return await serve(line.argv);
      case 'check-config': {
        const config = load(line.argv);
        const { orgs, institutions, meters } = config.fleet;
        console.log(
          `configuration ${config.source} is valid: ${orgs.length} organisation units, ` +
            `${institutions.length} institutions, ${meters.length} meters`,
        );
        // Valid but weaker figures: printed, never fatal (stderr, so stdout stays the verdict).
        const warnings = fleetWarnings(config.fleet);
        if (warnings.length > 0) console.error(formatWarnings(warnings));
        return 0;
      }
      case 'simulate': {
        const { runSimulateCommand } = await import('./simulator/index.js');
        await runSimulateCommand([...line.argv], loadAppConfig);
        return 0;
      }
      case 'alerts': {
        const { runAlertsCommand } = await import('./cli/alerts-command.js');
        const out = (text: string) => void process.stdout.write(text);
        return await runAlertsCommand(line.argv, { load, backtest: runAlertsBacktest, out, err: console.error });
      }
      case 'tokens': {
        const { runTokensCommand } = await import('./cli/tokens-command.js');
        const out = (text: string) => void process.stdout.write(text);
        const deps = { load, openStores: createAccessStores, nowMs: Date.now, actor: `cli:${osUser()}`, out };
        return await runTokensCommand(line.argv, { ...deps, err: console.error });
      }
    }
  } catch (error) {
    // Expected refusals get their message alone; anything else is a failure with its stack.
    if (isAppError(error) && USAGE_CODES.includes(error.code)) {
      console.error(error.message);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** The one place the configuration is loaded from the command line and the environment. */
function formatWarnings(warnings: readonly { path: string; message: string }[]): string {
  const lines = warnings.map((w) => `  - ${w.path}: ${w.message}`);
  return [`${warnings.length} warning(s):`, ...lines].join('\n');
}

/** The OS account running the command (the audit log's actor is cli:<it>). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers): the environment's name, else the uid.
    return process.env.USER ?? process.env.LOGNAME ?? `uid-${process.getuid?.() ?? '?'}`;
  }
}

function load(argv: readonly string[]): AppConfig {
  return loadAppConfig(configFileFrom(argv, process.env), process.env);
}

async function serve(argv: readonly string[]): Promise<number> {
  const config = load(argv);
  // Signals are handled from the start: a SIGTERM while the store is still unreachable stops cleanly.
  const starting = new AbortController();
  let app: RunningApp | undefined;
  let resolveStopped: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    if (!app) {
      starting.abort();
      return;
    }
    app.stop().then(
      () => resolveStopped(0),
      (error: unknown) => {
        console.error(error);
        resolveStopped(EXIT_FAILED);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    app = await startApp(config, { signal: starting.signal });
  } catch (error) {
    if (starting.signal.aborted) return 0;
    throw error;
  }
  console.log(
    `tanhe is running: ${app.httpUrl}/api/v1/meters  (store: ${config.store.kind}, broker: ${config.mqtt.url}${config.mqtt.embedded ? ' embedded' : ''})`,
  );
  app.failed.catch(() => resolveStopped(EXIT_FAILED));
  return stopped;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(EXIT_FAILED);
  },
);
