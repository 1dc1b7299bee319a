import { readFileSync } from 'node:fs';

/** The version in package.json (read at run time: the service runs from the source tree with tsx). */
export function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}
