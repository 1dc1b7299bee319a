import { pino, type Logger } from 'pino';

/**
 * The service logger: JSON lines on stdout, one child per module. Anything that
 * may carry a secret is redacted by path.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tanhe' },
    redact: {
      paths: ['password', '*.password', 'secrets', '*.secrets', 'token', '*.token', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
