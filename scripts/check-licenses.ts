/**
 * Checks the licence of every production dependency against scripts/licenses-allowed.json,
 * with license-checker-rseidelsohn (it reads each installed package's package.json and
 * licence file). Exits 1 listing every package whose licence is not allowed.
 *
 *   npm run licenses:check
 *
 * An SPDX expression passes when it is satisfiable with allowed licences: every part of an
 * AND, at least one of an OR. Exceptions are per name@version, so an upgrade is checked anew.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, type ModuleInfos } from 'license-checker-rseidelsohn';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface AllowList {
  readonly licenses: Readonly<Record<string, string>>;
  readonly exceptions: Readonly<Record<string, { readonly license: string; readonly why: string }>>;
}

const allow = JSON.parse(readFileSync(join(ROOT, 'scripts', 'licenses-allowed.json'), 'utf8')) as AllowList;
const allowed = new Set(Object.keys(allow.licenses));

/** True when the expression can be met with allowed licences (parentheses, AND, OR; AND binds tighter). */
function satisfiable(expression: string): boolean {
  const text = expression.trim().replace(/^\((.*)\)$/, '$1');
  if (text.includes('(')) {
    // Nested groups are rare in package.json; refuse rather than guess.
    return false;
  }
  return text
    .split(/\s+OR\s+/)
    .some((alternative) => alternative.split(/\s+AND\s+/).every((id) => allowed.has(id.trim())));
}

function check(packages: ModuleInfos): string[] {
  const problems: string[] = [];
  for (const [id, info] of Object.entries(packages)) {
    if (allow.exceptions[id] !== undefined) continue;
    const licenses = info.licenses === undefined ? [] : [info.licenses].flat();
    if (licenses.length === 0 || !licenses.every(satisfiable)) {
      problems.push(`${id}: ${licenses.length === 0 ? 'no licence found' : licenses.join(', ')}`);
    }
  }
  return problems;
}

init({ start: ROOT, production: true, excludePrivatePackages: true }, (error, packages) => {
  if (error) {
    console.error(`licence check could not run: ${error.message}`);
    process.exit(2);
  }
  const problems = check(packages);
  const stale = Object.keys(allow.exceptions).filter((id) => packages[id] === undefined);
  for (const id of stale) console.error(`exception for ${id} no longer matches an installed package; remove it`);
  if (problems.length > 0) {
    console.error(`licences not in scripts/licenses-allowed.json (${problems.length}):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`licences: ${Object.keys(packages).length} production packages, all allowed`);
  if (stale.length > 0) process.exit(1);
});
