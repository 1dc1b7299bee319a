import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError, isAppError } from '../src/kernel/index.js';
import { readFactorCatalogue, type CatalogueProblem, type FactorCatalogueSettings } from './factor-catalogue-schema.js';
import { fleetSchema, type Fleet } from './fleet-schema.js';
import { factorsSchema, settingsSchema, type Settings } from './settings-schema.js';
import { validateFleet, type ConfigProblem } from './validate-fleet.js';

/** The configuration config/ owns: settings, the fleet, and secrets from the environment. */
export interface Config extends Omit<Settings, 'fleet' | 'fleetFile'> {
  readonly fleet: Fleet;
  readonly secrets: {
    readonly mqttPassword?: string;
    readonly mqttUsername?: string;
    readonly questdbToken?: string;
    /** The SMTP AUTH password for alerts.email.smtp.user. */
    readonly smtpPassword?: string;
    /** When set, GET /metrics needs `Authorization: Bearer <this>` (docs/access.md). */
    readonly metricsToken?: string;
    /** An API token (tnh_<id>_<secret>) that start-up makes sure exists as an administrator over the fleet. */
    readonly bootstrapAdminToken?: string;
  };
  /** Where the settings came from, for the start-up log. */
  readonly source: string;
}

/** Setting sections owned outside config/, by top-level key; each schema gives its own defaults. */
export type ConfigSections = Readonly<Record<string, z.ZodType>>;

/** A check of the parsed fleet beyond config's own (validateFleet); returns every problem it finds. */
export type FleetCheck = (fleet: Fleet) => readonly ConfigProblem[];

/**
 * A check of the parsed settings (an extension's sections among them) against the fleet, e.g. quotas
 * that name institutions; runs when both parsed, and returns every problem it finds.
 */
export type SettingsCheck = (settings: Readonly<Record<string, unknown>>, fleet: Fleet) => readonly ConfigProblem[];

/**
 * What another module adds to the configuration, so that config/ imports none of
 * them: the shell composes the extensions (src/load-app-config.ts). Sections are
 * checked in the same strict parse as config's own settings, and the fleet checks
 * run with validateFleet, so one run still lists every problem of the file.
 */
export interface ConfigExtension<S extends ConfigSections = ConfigSections> {
  readonly sections?: S;
  /** Environment variables for those sections: name → dotted settings path, as ENV_OVERRIDES. */
  readonly envOverrides?: Readonly<Record<string, string>>;
  readonly fleetChecks?: readonly FleetCheck[];
  readonly settingsChecks?: readonly SettingsCheck[];
}

/** A configuration with the sections of an extension, each as its schema's output. */
export type ConfigWith<S extends ConfigSections> = Config & { readonly [K in keyof S]: z.output<S[K]> };

const CONFIG_DIR = dirname(fileURLToPath(import.meta.url));
/** With no --config and no TANHE_CONFIG: the first-run demo (embedded broker, DuckDB, demo fleet, simulator). */
export const DEMO_CONFIG_FILE = resolve(CONFIG_DIR, 'demo.yaml');

/**
 * Environment variables that override settings (after the YAML file). Each maps
 * to one dotted settings path; the value is parsed as the setting's type.
 */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  TANHE_HTTP_HOST: 'http.host',
  TANHE_HTTP_PORT: 'http.port',
  TANHE_MQTT_URL: 'mqtt.url',
  TANHE_MQTT_EMBEDDED: 'mqtt.embedded',
  TANHE_MQTT_CLIENT_ID: 'mqtt.clientId',
  TANHE_MQTT_SHARED_GROUP: 'mqtt.sharedGroup',
  TANHE_MQTT_CONNECTIONS: 'mqtt.connections',
  TANHE_MQTT_LEAVE_SHARED_GROUP_ON_STOP: 'mqtt.leaveSharedGroupOnStop',
  TANHE_MQTT_USERNAME: 'mqtt.username',
  TANHE_MQTT_CA_FILE: 'mqtt.tls.caFile',
  TANHE_MQTT_TLS_SERVERNAME: 'mqtt.tls.servername',
  TANHE_STORE: 'store.kind',
  TANHE_DUCKDB_PATH: 'store.duckdbPath',
  TANHE_QUESTDB_URL: 'store.questdbUrl',
  TANHE_SPOOL_DIR: 'spool.dir',
  TANHE_SPOOL_FSYNC: 'spool.fsync',
  TANHE_LOG_LEVEL: 'log.level',
  TANHE_SCHEDULER_WORKER_INDEX: 'scheduler.workerIndex',
  TANHE_SCHEDULER_WORKER_COUNT: 'scheduler.workerCount',
};

/** Picks the config file: `--config FILE` wins over TANHE_CONFIG, which wins over the demo. */
export function configFileFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const flag = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (flag >= 0) {
    const arg = argv[flag] ?? '';
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[flag + 1];
    if (!value) throw new AppError('CONFIG_UNREADABLE', '--config needs a file path');
    return resolve(value);
  }
  return env.TANHE_CONFIG ? resolve(env.TANHE_CONFIG) : DEMO_CONFIG_FILE;
}

/**
 * Loads, merges and validates the configuration, with the sections and checks of
 * `extension`. Any problem stops start-up with an AppError('CONFIG_INVALID') whose
 * `details` lists every problem with its path.
 */
export function loadConfig<S extends ConfigSections = Record<never, z.ZodType>>(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  extension: ConfigExtension<S> = {},
): ConfigWith<S> {
  const raw = readYaml(file);
  const problems: ConfigProblem[] = [];
  applyEnvOverrides(raw, { ...ENV_OVERRIDES, ...extension.envOverrides }, env, problems);

  const parsed = schemaWith(extension.sections ?? {}).safeParse(raw);
  if (!parsed.success) problems.push(...zodProblems(parsed.error));
  const settings = parsed.success ? parsed.data : undefined;
  // The factor catalogues (shipped and site) are part of the configuration: one run lists their problems too,
  // even when another setting is wrong (the factors section is then read on its own).
  const factors = settings?.factors ?? factorsSchema.safeParse(raw.factors ?? {}).data;
  if (factors) problems.push(...catalogueProblems({ factors }));

  // The fleet is read and cross-checked even when other settings are wrong, so
  // that one run lists every problem of the file.
  const fleet = readFleet(raw, file, problems);
  if (fleet) {
    problems.push(...validateFleet(fleet));
    for (const check of extension.fleetChecks ?? []) problems.push(...check(fleet));
    if (settings) for (const check of extension.settingsChecks ?? []) problems.push(...check(settings, fleet));
  }

  if (problems.length > 0 || !settings || !fleet) {
    throw new AppError('CONFIG_INVALID', formatProblems(file, problems), { details: problems });
  }
  const { fleet: _inline, fleetFile: _file, ...rest } = settings;
  // The parse checked the extension's sections against their schemas, hence the cast.
  const config = {
    ...rest,
    fleet,
    secrets: {
      ...(env.TANHE_MQTT_PASSWORD ? { mqttPassword: env.TANHE_MQTT_PASSWORD } : {}),
      ...(settings.mqtt.username ? { mqttUsername: settings.mqtt.username } : {}),
      ...(env.TANHE_QUESTDB_TOKEN ? { questdbToken: env.TANHE_QUESTDB_TOKEN } : {}),
      ...(env.TANHE_SMTP_PASSWORD ? { smtpPassword: env.TANHE_SMTP_PASSWORD } : {}),
      ...(env.TANHE_METRICS_TOKEN ? { metricsToken: env.TANHE_METRICS_TOKEN } : {}),
      ...(env.TANHE_BOOTSTRAP_ADMIN_TOKEN ? { bootstrapAdminToken: env.TANHE_BOOTSTRAP_ADMIN_TOKEN } : {}),
    },
    source: file,
  } as ConfigWith<S>;
  return deepFreeze(config);
}

function catalogueProblems(settings: FactorCatalogueSettings): ConfigProblem[] {
  try {
    readFactorCatalogue(settings);
    return [];
  } catch (error) {
    if (!isAppError(error) || !Array.isArray(error.details)) throw error;
    return (error.details as CatalogueProblem[]).map(({ path, message }) => ({ path, message }));
  }
}

/** Config's own settings plus the extension's sections, in one strict object (unknown keys stay errors). */
function schemaWith(sections: ConfigSections): z.ZodType<Settings & Record<string, unknown>> {
  for (const key of Object.keys(sections)) {
    if (key in settingsSchema.shape) throw new Error(`config section "${key}" is already defined by config/`);
  }
  // The sections' keys are only known at run time; their outputs are typed by ConfigWith.
  return settingsSchema.extend(sections) as unknown as z.ZodType<Settings & Record<string, unknown>>;
}

export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return [
    `invalid configuration ${file}: ${problems.length} problem(s)`,
    ...problems.map((p) => `  - ${p.path}: ${p.message}`),
  ].join('\n');
}

function readFleet(raw: Record<string, unknown>, file: string, problems: ConfigProblem[]): Fleet | undefined {
  const inline = raw.fleet;
  const fleetFile = raw.fleetFile;
  if (inline !== undefined && fleetFile !== undefined) {
    problems.push({ path: 'fleetFile', message: 'give either fleet or fleetFile, not both' });
    return undefined;
  }
  if (inline === undefined && fleetFile === undefined) {
    problems.push({ path: 'fleet', message: 'no fleet: give fleet inline or fleetFile' });
    return undefined;
  }
  if (inline !== undefined) {
    // Schema problems of an inline fleet are already reported by the settings schema.
    const parsed = fleetSchema.safeParse(inline);
    return parsed.success ? parsed.data : undefined;
  }
  if (typeof fleetFile !== 'string') return undefined;
  const parsed = fleetSchema.safeParse(readYaml(resolve(dirname(file), fleetFile)));
  if (parsed.success) return parsed.data;
  problems.push(...zodProblems(parsed.error, `fleet(${fleetFile})`));
  return undefined;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_UNREADABLE', `cannot read configuration file ${file}`, { cause });
  }
  try {
    const value: unknown = parseYaml(text);
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be a mapping');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new AppError('CONFIG_UNREADABLE', `cannot parse YAML in ${file}: ${(cause as Error).message}`, { cause });
  }
}

function applyEnvOverrides(
  raw: Record<string, unknown>,
  overrides: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
) {
  for (const [name, path] of Object.entries(overrides)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const keys = path.split('.');
    let node = raw;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object') {
        problems.push({ path, message: `cannot apply ${name}: ${key} is not a mapping` });
        break;
      }
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] ?? name] = parseEnvValue(text);
  }
}

/** Environment values are strings; numbers and booleans are recognised so the schema sees typed values. */
function parseEnvValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'on') return true;
  if (text === 'false' || text === 'off') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

function zodProblems(error: z.ZodError, prefix = ''): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
      .join('')
      .replace(/^\./, '');
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return { path: [prefix, path].filter(Boolean).join('.') || '(root)', message: issue.message + keys };
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
