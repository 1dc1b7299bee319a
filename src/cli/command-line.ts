import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../../access/index.js';
import { ALERT_RULES, type AlertRule } from '../../alerts/index.js';
import { parseIsoInstant } from '../kernel/index.js';
import { SIMULATE_USAGE } from '../simulator/index.js';
import { FLEET_ROOT, MAX_TOKEN_DAYS } from '../../access/index.js';

/**
 * The command line's grammar: `tanhe [command] [options]`, one table of commands
 * and options from which parsing and every help text are derived. Without a
 * command, `tanhe` serves (so `npm start -- --config FILE` keeps working).
 * Parsing is strict: an unknown command or option is a usage error (exit 2).
 */

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder in the help, for string options. */
  readonly value?: string;
  readonly description: string;
}

interface CommandSpec {
  readonly summary: string;
  /** Options parsed here; undefined when the command parses its own (simulate). */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Help lines of the options, when the command parses its own. */
  readonly optionLines?: readonly string[];
}

const CONFIG_OPTION: OptionSpec = {
  type: 'string',
  value: 'FILE',
  description: 'settings and fleet (default: TANHE_CONFIG, else the first-run demo config/demo.yaml)',
};
const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** `tanhe alerts backtest`'s options (the backtest use case in alerts/backtest.ts; docs/alerts.md). */
const ALERTS_BACKTEST_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  org: { type: 'string', value: 'ID', description: "org unit or institution: its subtree's subjects (required)" },
  from: { type: 'string', value: 'INSTANT', description: 'start, ISO-8601 with an offset (required)' },
  to: { type: 'string', value: 'INSTANT', description: 'end, excluded, ISO-8601 with an offset (required)' },
  rule: { type: 'string', value: 'RULE', description: `only this rule: ${ALERT_RULES.join(', ')}` },
  json: { type: 'boolean', description: 'print the result as JSON instead of one line per alert' },
  config: CONFIG_OPTION,
  help: HELP_OPTION,
};

/** `tanhe tokens …`'s options (the token use cases; src/cli/tokens-command.ts). */
const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the result as JSON' };
/** A token's lifetime when --expires-in-days is not given. */
export const DEFAULT_TOKEN_DAYS = 90;
const TOKENS_CREATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  name: { type: 'string', value: 'NAME', description: "the holder's label, e.g. county-auditor (required)" },
  role: { type: 'string', value: 'ROLE', description: `${ROLES.join(', ')} (required)` },
  scope: {
    type: 'string',
    value: 'ORG',
    description: `org unit or institution whose subtree the grant covers, ${FLEET_ROOT} for the fleet (required)`,
  },
  'expires-in-days': {
    type: 'string',
    value: 'D',
    description: `lifetime, 1 to ${MAX_TOKEN_DAYS} days (default ${DEFAULT_TOKEN_DAYS})`,
  },
  json: JSON_OPTION,
  config: CONFIG_OPTION,
  help: HELP_OPTION,
};
const TOKENS_OTHER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: JSON_OPTION,
  config: CONFIG_OPTION,
  help: HELP_OPTION,
};

export const COMMANDS = {
  serve: {
    summary: 'run the service: MQTT ingest, spool, store, HTTP API (the default command)',
    options: { config: CONFIG_OPTION, help: HELP_OPTION },
  },
  'check-config': {
    summary: 'validate a configuration and list every problem',
    options: { config: CONFIG_OPTION, help: HELP_OPTION },
  },
  simulate: {
    summary: "publish the fleet's simulated readings to an MQTT broker",
    optionLines: simulateOptionLines(),
  },
  alerts: {
    summary: 'backtest: the alerts the rules would have raised over stored history (nothing stored or mailed)',
    optionLines: alertsOptionLines(),
  },
  tokens: {
    summary: 'create, list and revoke API tokens (the secret is shown once, at creation)',
    optionLines: tokensOptionLines(),
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  version: { type: 'boolean', short: 'V', description: 'print the version' },
};

export type CommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string }
  /** `argv` is the command's own arguments; `config` the --config value, if the command takes it here. */
  | { readonly kind: 'run'; readonly command: CommandName; readonly argv: readonly string[] };

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) {
    // Global flags alone, or serve's options without the command name.
    const alone = argv.length === 1 ? first : undefined;
    if (alone === '--help' || alone === '-h') return { kind: 'help', text: globalUsage() };
    if (alone === '--version' || alone === '-V') return { kind: 'version' };
    return parseCommand('serve', argv);
  }
  if (!isCommand(first)) {
    return { kind: 'usage-error', message: `tanhe: unknown command ${first}\n\n${globalUsage()}` };
  }
  return parseCommand(first, argv.slice(1));
}

function parseCommand(command: CommandName, argv: readonly string[]): CommandLine {
  if (command === 'alerts' || command === 'tokens') {
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: commandUsage(command) };
    const parsed = command === 'alerts' ? parseAlertsCommand(argv) : parseTokensCommand(argv);
    return parsed.kind === 'usage-error' ? parsed : { kind: 'run', command, argv };
  }
  const spec: CommandSpec = COMMANDS[command];
  if (!spec.options) {
    // The command parses its own options strictly; only its help is answered here.
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: commandUsage(command) };
    return { kind: 'run', command, argv };
  }
  try {
    const options = parseOptions(spec.options);
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    if (values.help === true) return { kind: 'help', text: commandUsage(command) };
  } catch (error) {
    const message = `tanhe ${command}: ${(error as Error).message}\n\n${commandUsage(command)}`;
    return { kind: 'usage-error', message };
  }
  return { kind: 'run', command, argv };
}

export function globalUsage(): string {
  const commands = Object.entries(COMMANDS).map(([name, spec]) => {
    const lines = 'options' in spec ? optionLines(spec.options) : spec.optionLines;
    return [`  ${name.padEnd(14)}${spec.summary}`, ...lines.map((l) => `    ${l}`)].join('\n');
  });
  return [
    'usage: tanhe [command] [options]',
    '',
    'options:',
    ...optionLines(GLOBAL_OPTIONS).map((l) => `  ${l}`),
    '',
    'commands (without one, tanhe serves):',
    commands.join('\n\n'),
    '',
    'tanhe <command> --help shows one command. Exit codes: 0 done, 1 failed, 2 usage, configuration',
    'or spool-lock error.',
    '',
  ].join('\n');
}

export function commandUsage(command: CommandName): string {
  if (command === 'simulate') return SIMULATE_USAGE;
  if (command === 'alerts') return ALERTS_USAGE;
  if (command === 'tokens') return TOKENS_USAGE;
  const spec = COMMANDS[command];
  const options = optionLines(spec.options).map((l) => `  ${l}`);
  return [`usage: tanhe ${command} [options]`, '', spec.summary, '', ...options, ''].join('\n');
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function parseOptions(options: Readonly<Record<string, OptionSpec>>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
    return `${flag.padEnd(24)}${o.description}`;
  });
}

/** simulate's option lines, taken from its own usage text (src/simulator/cli.ts), so the two never differ. */
function simulateOptionLines(): string[] {
  const block = SIMULATE_USAGE.split('\n\n')[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trimStart().startsWith('--'))
    .map((line) => line.trim());
}

const ALERTS_USAGE = [
  'usage: tanhe alerts backtest --org ID --from INSTANT --to INSTANT [--rule RULE] [--json] [--config FILE]',
  '',
  'Replays the alert rules over stored history with the clock simulated; nothing is stored or mailed.',
  'The rules run at from, from + step, … before to (alerts.lifecycle.backtestStepMinutes), each as the',
  'live job would have run them then; the alerts that would have opened are listed with their instants.',
  '',
  ...optionLines(ALERTS_BACKTEST_OPTIONS).map((l) => `  ${l}`),
  '',
].join('\n');

function alertsOptionLines(): string[] {
  return ['backtest', ...optionLines(ALERTS_BACKTEST_OPTIONS).map((l) => `  ${l}`)];
}

export interface AlertsBacktestCommand {
  readonly kind: 'backtest';
  readonly orgId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly rule?: AlertRule | undefined;
  readonly json: boolean;
}

/** `alerts backtest …`'s arguments, checked: a usage error names the first problem (exit 2). */
export function parseAlertsCommand(
  argv: readonly string[],
): AlertsBacktestCommand | { readonly kind: 'usage-error'; readonly message: string } {
  const usage = (problem: string) => ({
    kind: 'usage-error' as const,
    message: `tanhe alerts: ${problem}\n\n${ALERTS_USAGE}`,
  });
  const [sub, ...rest] = argv;
  if (sub !== 'backtest') return usage(sub === undefined ? 'which one? backtest' : `unknown alerts command ${sub}`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: parseOptions(ALERTS_BACKTEST_OPTIONS),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const orgId = text('org');
  if (orgId === undefined || orgId === '') return usage('--org is required');
  const instant = (name: 'from' | 'to') => {
    const value = text(name);
    return value === undefined ? undefined : parseIsoInstant(value);
  };
  const fromMs = instant('from');
  const toMs = instant('to');
  if (fromMs === undefined || toMs === undefined) {
    return usage('--from and --to are required, ISO-8601 instants with an offset (e.g. 2026-01-01T00:00:00+08:00)');
  }
  if (fromMs >= toMs) return usage('--from must be before --to');
  const rule = text('rule');
  if (rule !== undefined && !(ALERT_RULES as readonly string[]).includes(rule)) {
    return usage(`--rule ${rule} is not one of ${ALERT_RULES.join(', ')}`);
  }
  return { kind: 'backtest', orgId, fromMs, toMs, rule: rule as AlertRule | undefined, json: values.json === true };
}

const TOKENS_USAGE = [
  'usage: tanhe tokens create --name NAME --role ROLE --scope ORG [--expires-in-days D] [--json] [--config FILE]',
  '       tanhe tokens list [--json] [--config FILE]',
  '       tanhe tokens revoke ID [--json] [--config FILE]',
  '',
  'API tokens for the HTTP API (Authorization: Bearer tnh_…): one role over one org subtree. create prints',
  'the token once (only its SHA-256 is stored); list never shows it; revoke refuses the token from now on.',
  'Each create and revoke is in the audit log, by cli:<user>. With DuckDB, stop the service first (it holds',
  'the file) or use the HTTP routes (POST /api/v1/tokens) with an administrator token.',
  '',
  'create:',
  ...optionLines(TOKENS_CREATE_OPTIONS).map((l) => `  ${l}`),
  'list, revoke:',
  ...optionLines(TOKENS_OTHER_OPTIONS).map((l) => `  ${l}`),
  '',
].join('\n');

function tokensOptionLines(): string[] {
  return ['create', ...optionLines(TOKENS_CREATE_OPTIONS).map((l) => `  ${l}`), 'list [--json]', 'revoke ID [--json]'];
}

export type TokensCommand =
  | {
      readonly kind: 'create';
      readonly name: string;
      readonly role: Role;
      readonly scopeOrgId: string;
      readonly expiresInDays: number;
      readonly json: boolean;
    }
  | { readonly kind: 'list'; readonly json: boolean }
  | { readonly kind: 'revoke'; readonly tokenId: string; readonly json: boolean };

/** `tokens create|list|revoke …`'s arguments, checked: a usage error names the first problem (exit 2). */
export function parseTokensCommand(
  argv: readonly string[],
): TokensCommand | { readonly kind: 'usage-error'; readonly message: string } {
  const usage = (problem: string) => ({
    kind: 'usage-error' as const,
    message: `tanhe tokens: ${problem}\n\n${TOKENS_USAGE}`,
  });
  const [sub, ...rest] = argv;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    return usage(sub === undefined ? 'which one? create, list or revoke' : `unknown tokens command ${sub}`);
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: parseOptions(sub === 'create' ? TOKENS_CREATE_OPTIONS : TOKENS_OTHER_OPTIONS),
      strict: true,
      allowPositionals: sub === 'revoke',
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  const json = values.json === true;
  if (sub === 'list') return { kind: 'list', json };
  if (sub === 'revoke') {
    const [tokenId, ...extra] = positionals;
    if (tokenId === undefined || extra.length > 0)
      return usage('revoke takes one token id (tanhe tokens list shows them)');
    if (!/^[0-9a-f]{16}$/.test(tokenId)) return usage(`${tokenId} is not a token id (16 hex digits)`);
    return { kind: 'revoke', tokenId, json };
  }
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : undefined);
  const name = text('name');
  if (name === undefined || name === '' || name.length > 200) return usage('--name is required, 1 to 200 characters');
  const role = text('role');
  if (role === undefined) return usage(`--role is required: ${ROLES.join(', ')}`);
  if (!(ROLES as readonly string[]).includes(role)) return usage(`--role ${role} is not one of ${ROLES.join(', ')}`);
  const scopeOrgId = text('scope');
  if (scopeOrgId === undefined || scopeOrgId === '') return usage(`--scope is required (an org id, or ${FLEET_ROOT})`);
  const days = text('expires-in-days');
  const expiresInDays = days === undefined ? DEFAULT_TOKEN_DAYS : /^\d+$/.test(days) ? Number(days) : Number.NaN;
  if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_TOKEN_DAYS) {
    return usage(`--expires-in-days must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
  }
  return { kind: 'create', name, role: role as Role, scopeOrgId, expiresInDays, json };
}
