#!/usr/bin/env node
/**
 * The command line: `tanhe [serve] [--config FILE]` runs the service;
 * `tanhe check-config [--config FILE]` validates a configuration and lists every problem.
 * Configuration: --config FILE, else TANHE_CONFIG, else the first-run demo (config/demo.yaml).
 */
import { configFileFrom } from '../config/index.js';
import { isAppError } from './kernel/index.js';
import { startApp } from './app.js';
import { loadAppConfig, type AppConfig } from './load-app-config.js';

const EXIT_CONFIG = 2;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'serve';
  const rest = command === argv[0] ? argv.slice(1) : argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'check-config': {
      const config = load(rest);
      if (!config) return EXIT_CONFIG;
      console.log(`configuration ${config.source} is valid: ${config.fleet.orgs.length} organisation units, ${config.fleet.institutions.length} institutions, ${config.fleet.meters.length} meters`);
      return 0;
    }
    case 'simulate': {
      const { runSimulateCommand } = await import('./simulator/index.js');
      await runSimulateCommand(rest, loadAppConfig);
      return 0;
    }
    default:
      console.error(`unknown command ${command}; use serve, check-config or simulate`);
      return EXIT_CONFIG;
  }
}

function load(argv: string[]): AppConfig | undefined {
  try {
    return loadAppConfig(configFileFrom(argv, process.env), process.env);
  } catch (error) {
    if (isAppError(error) && (error.code === 'CONFIG_INVALID' || error.code === 'CONFIG_UNREADABLE')) {
      console.error(error.message);
      return undefined;
    }
    throw error;
  }
}

async function serve(argv: string[]): Promise<number> {
  const config = load(argv);
  if (!config) return EXIT_CONFIG;
  const app = await startApp(config);
  console.log(`tanhe is running: ${app.httpUrl}/api/v1/meters  (store: ${config.store.kind}, broker: ${config.mqtt.url}${config.mqtt.embedded ? ' embedded' : ''})`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: stopping`);
      app.stop().then(() => resolve(0), (error: unknown) => {
        console.error(error);
        resolve(1);
      });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    app.failed.catch(() => resolve(1));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
