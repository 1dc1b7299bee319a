import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths whose values are replaced before a line is written. Secrets reach the
 * process only through the environment (config/load-config.ts puts them under
 * `secrets`), but objects that hold them (the loaded config, MQTT client
 * options, HTTP headers) could be logged whole by mistake; these paths cover
 * that, up to three levels deep (pino's `*` matches one level).
 */
export const REDACTED_PATHS: readonly string[] = [
  ...['password', 'passphrase', 'token', 'secret', 'secrets', 'apiKey', 'key', 'authorization', 'cookie'].flatMap(
    (name) => [name, `*.${name}`, `*.*.${name}`],
  ),
  // config.secrets' own keys, wherever the secrets object is logged from.
  ...['mqttPassword', 'questdbToken', 'smtpPassword'].flatMap((name) => [name, `*.${name}`, `*.*.${name}`]),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers["x-api-key"]',
];

/** Keys redacted at any depth (lower case), for objects nested deeper than the paths reach. */
const SECRET_KEYS = new Set([
  'password',
  'passphrase',
  'token',
  'secret',
  'secrets',
  'apikey',
  'key',
  'authorization',
  'cookie',
  'mqttpassword',
  'questdbtoken',
  'smtppassword',
]);
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/** A copy of `value` with every SECRET_KEYS entry censored; plain objects and arrays only, to MAX_DEPTH. */
function redactDeep(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : redactDeep(v, depth + 1);
  return out;
}

/**
 * The service logger: JSON lines on stdout (or `destination`, for tests), one
 * child per module. Anything that may carry a secret is redacted: by path
 * (pino's fast redaction) and, for anything deeper, by key name at any depth.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'tanhe' },
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    formatters: { log: (object: Record<string, unknown>) => redactDeep(object, 0) as Record<string, unknown> },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
