import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError, CARRIERS } from '../src/kernel/index.js';

/**
 * The factor catalogue (config/factors.yaml): standard-coal coefficients,
 * emission factors and densities as effective-dated, unit-typed, source-cited
 * entries. Strict like every config schema: unknown keys are errors, and every
 * problem is reported at once with its path. The rules that span entries (unique
 * ids, no two entries that could both answer one query) are checked here, so a
 * bad catalogue stops start-up instead of producing an ambiguous report.
 * The parsed entries satisfy accounting/core's `FactorEntry`.
 */

const CONFIG_DIR = dirname(fileURLToPath(import.meta.url));
export const FACTOR_CATALOGUE_FILE = resolve(CONFIG_DIR, 'factors.yaml');

/** Carriers a factor may be for: the metered carriers plus fuels the catalogue already cites. */
export const FACTOR_CARRIERS = [...CARRIERS, 'steam', 'fuel_oil'] as const;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'ids are 1-64 letters, digits, "_", "." or "-"');
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected a date YYYY-MM-DD');

/** Numerator by kind: coal in kgce/tce, CO2 in kgCO2/tCO2, densities in kg/t per volume. */
const UNIT_BY_KIND = {
  standard_coal: /^(kgce|tce)\/(kWh|MWh|GJ|MJ|m3|L|kg|t)$/,
  emission: /^(kgCO2|tCO2)\/(kWh|MWh|GJ|MJ|m3|L|kg|t)$/,
  density: /^(kg|t)\/(L|m3)$/,
} as const;

/** An issue date as precise as the document is known: YYYY, YYYY-MM or YYYY-MM-DD. */
const issueDate = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, 'expected YYYY, YYYY-MM or YYYY-MM-DD');

/**
 * The official document a figure comes from, not the page it was read on: who
 * issued it, its title, its number and its issue date. `number` and `date` must
 * be given; null says they were not read, and `note` must then say so, so that
 * an auditor sees the gap instead of a citation that only looks complete. A
 * secondary reproduction the figure was read in goes to `reprintUrl`.
 * The parsed source also carries `publisher` and `document` (issuer; title,
 * number and date as one string): the form accounting/core prints on reports.
 */
export const factorSourceSchema = z
  .strictObject({
    issuer: z.string().min(1).describe('who issued the document: a ministry, a standards body, a supplier'),
    title: z.string().min(1).describe('the title as issued, in its own language'),
    number: z
      .string()
      .min(1)
      .nullable()
      .describe('document number: GB/T 2589-2020, 公告2024年第12号 …; null: not read'),
    date: issueDate.nullable().describe('issue date; null: not read'),
    url: z.url().optional().describe('the official text'),
    reprintUrl: z.url().optional().describe('a secondary reproduction the figures were read in'),
    note: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    const unread = [s.number === null ? 'number' : '', s.date === null ? 'date' : ''].filter((k) => k !== '');
    if (unread.length > 0 && s.note === undefined) {
      const message = `${unread.join(' and ')} not given: say in a note why (e.g. not read)`;
      ctx.addIssue({ code: 'custom', path: ['note'], message });
    }
  })
  .transform((s) => {
    const document = [`《${s.title}》`, s.number, s.date].filter((t) => t !== null).join(' ');
    return { ...s, publisher: s.issuer, document };
  });

export const factorEntrySchema = z
  .strictObject({
    id,
    kind: z.enum(['standard_coal', 'emission', 'density']),
    carrier: z.enum(FACTOR_CARRIERS),
    basis: z.enum(['equivalent', 'equal']).optional().describe('electricity standard coal only: 当量值 or 等价值'),
    variant: z.string().min(1).optional(),
    value: z.number().positive().finite(),
    unit: z.string(),
    region: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'regions are lower-case ids: national, northwest, ningxia …')
      .optional(),
    series: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'series are lower-case ids'),
    year: z.number().int().min(1990).max(2100).optional(),
    appliesUntilSuperseded: z.boolean().optional(),
    validFrom: isoDate.optional(),
    validTo: isoDate.optional(),
    source: factorSourceSchema,
    /** Site catalogues only: the id of an entry of an earlier catalogue (the shipped one first) this entry replaces. */
    supersedes: id.optional(),
    confidence: z.enum(['P', 'S', 'U']),
    note: z.string().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!UNIT_BY_KIND[e.kind].test(e.unit))
      problem(
        'unit',
        `'${e.unit}' is not a ${e.kind} unit (expected e.g. ${e.kind === 'standard_coal' ? 'kgce/kWh' : e.kind === 'emission' ? 'kgCO2/kWh, tCO2/t' : 'kg/L'})`,
      );
    if (e.kind === 'standard_coal' && e.carrier === 'water')
      problem('carrier', 'water is a resource, not energy: it has no standard-coal factor (outside 综合能耗)');
    const needsBasis = e.kind === 'standard_coal' && e.carrier === 'electricity';
    if (needsBasis && e.basis === undefined)
      problem('basis', 'electricity standard coal needs a basis: equivalent (当量值) or equal (等价值)');
    if (!needsBasis && e.basis !== undefined) problem('basis', 'a basis applies only to electricity standard coal');
    if (e.year !== undefined && (e.validFrom !== undefined || e.validTo !== undefined))
      problem('year', 'give either year or validFrom/validTo, not both');
    if (e.appliesUntilSuperseded && e.year === undefined)
      problem('appliesUntilSuperseded', 'only a yearly entry can apply until superseded');
    if (e.validFrom !== undefined && e.validTo !== undefined && e.validFrom >= e.validTo)
      problem('validTo', 'validTo (exclusive) must be after validFrom');
  });

export type FactorEntryConfig = z.infer<typeof factorEntrySchema>;

/** [from, to) as comparable date strings. */
function validity(e: FactorEntryConfig): [string, string] {
  if (e.year !== undefined) return [`${e.year}-01-01`, `${e.year + 1}-01-01`];
  return [e.validFrom ?? '0000-01-01', e.validTo ?? '9999-12-31'];
}

/** Entries that could answer the same query: same kind, carrier, basis, variant, region (and series). */
const slot = (e: FactorEntryConfig, bySeries: boolean) =>
  [e.kind, e.carrier, e.basis ?? '', e.variant ?? '', e.region ?? '', bySeries ? e.series : ''].join('|');

/**
 * Two entries clash when one query could get either: the same slot, overlapping
 * in time. Within one catalogue a series separates entries (its author keeps
 * parallel series apart on purpose); across catalogues it does not, since a
 * report's lookup need not name a series (only grid electricity does): a site
 * entry for a shipped selection must supersede it, whatever its series.
 */
function clash(a: FactorEntryConfig, b: FactorEntryConfig, bySeries = true): boolean {
  if (slot(a, bySeries) !== slot(b, bySeries)) return false;
  const [aFrom, aTo] = validity(a);
  const [bFrom, bTo] = validity(b);
  return aFrom < bTo && bFrom < aTo;
}

export const factorCatalogueSchema = z
  .strictObject({
    /** Site catalogues: a short name, printed in the merged version (default: the file name). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'names are 1-64 letters, digits, "_", "." or "-"')
      .optional(),
    version: z.string().min(1).describe('bumped on every change; reports record it'),
    entries: z.array(factorEntrySchema).min(1),
  })
  .superRefine((catalogue, ctx) => {
    const firstIndexById = new Map<string, number>();
    catalogue.entries.forEach((e, index) => {
      const first = firstIndexById.get(e.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['entries', index, 'id'],
          message: `duplicate id '${e.id}' (also entries.${first})`,
        });
      else firstIndexById.set(e.id, index);
    });
    catalogue.entries.forEach((a, i) => {
      catalogue.entries.slice(0, i).forEach((b, j) => {
        if (clash(a, b)) {
          ctx.addIssue({
            code: 'custom',
            path: ['entries', i],
            message: `'${a.id}' overlaps '${b.id}' (entries.${j}) in time for the same carrier, basis, variant, region and series`,
          });
        }
      });
    });
  });

export type FactorCatalogueConfig = z.infer<typeof factorCatalogueSchema>;

/** One problem of a catalogue file: the file (as named in the settings), the path in it, and what is wrong. */
export interface CatalogueProblem {
  readonly file: string;
  /** Dotted path in the file, e.g. entries.3.source.issuer; '(file)' for the file as a whole. */
  readonly at: string;
  readonly message: string;
  /** `file: at`, the form config problems are listed in. */
  readonly path: string;
}

const problemAt = (file: string, at: string, message: string): CatalogueProblem => ({
  file,
  at,
  message,
  path: `${file}: ${at}`,
});

export type CatalogueParse = { readonly ok: FactorCatalogueConfig } | { readonly problems: readonly string[] };

type Parsed = { readonly ok: FactorCatalogueConfig } | { readonly problems: readonly CatalogueProblem[] };

function parseIn(file: string, text: string): Parsed {
  let data: unknown;
  try {
    data = parseYaml(text, { merge: true });
  } catch (error) {
    return { problems: [problemAt(file, '(file)', `not valid YAML: ${(error as Error).message}`)] };
  }
  const result = factorCatalogueSchema.safeParse(data);
  if (result.success) return { ok: result.data };
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
  return { problems: result.error.issues.map((issue) => problemAt(file, at(issue.path), issue.message)) };
}

/** Parses and validates catalogue YAML (merge keys `<<:` allowed), listing every problem with its path. */
export function parseFactorCatalogue(text: string): CatalogueParse {
  const parsed = parseIn('', text);
  return 'ok' in parsed ? parsed : { problems: parsed.problems.map((p) => `${p.at}: ${p.message}`) };
}

/** One catalogue file's text; the first part given to the merge is the shipped catalogue. */
export interface CataloguePart {
  readonly file: string;
  readonly text: string;
}

export interface MergedFactorCatalogue extends FactorCatalogueConfig {
  /** The catalogues merged, shipped first: what `version` names. */
  readonly parts: readonly { readonly file: string; readonly name: string | null; readonly version: string }[];
  /** Shipped (or earlier) entry ids replaced by a site entry, with the replacing entry. */
  readonly superseded: readonly { readonly id: string; readonly by: string; readonly file: string }[];
}

export type CatalogueMerge =
  { readonly ok: MergedFactorCatalogue } | { readonly problems: readonly CatalogueProblem[] };

const fileLabel = (file: string) => basename(file).replace(/\.ya?ml$/, '');

/**
 * Merges site catalogues into the shipped one (pure). Every entry keeps its
 * file: a clash with an entry of another file (the same id, or one query that
 * could get either: same kind, carrier, basis, variant and region, overlapping
 * in time, whatever the series) is a problem unless the later entry names the
 * earlier one in `supersedes`, which then leaves the merged catalogue. Every problem of
 * every file is listed. The version names each part: `2026.1+ningxia-site@3`.
 */
export function mergeFactorCatalogues(parts: readonly CataloguePart[]): CatalogueMerge {
  const problems: CatalogueProblem[] = [];
  // `part` is the position among the given parts (0: shipped), also when an earlier part failed to parse.
  const parsed: { file: string; catalogue: FactorCatalogueConfig; part: number }[] = [];
  parts.forEach(({ file, text }, part) => {
    const result = parseIn(file, text);
    if ('ok' in result) parsed.push({ file, catalogue: result.ok, part });
    else problems.push(...result.problems);
  });
  if (parts.length === 0) return { problems: [problemAt('(none)', '(file)', 'no factor catalogue given')] };

  interface Placed {
    readonly entry: FactorEntryConfig;
    readonly file: string;
    readonly part: number;
    readonly index: number;
  }
  const placed: Placed[] = [];
  const superseded: { id: string; by: string; file: string }[] = [];
  const where = (p: Placed) => `${p.file} entries.${p.index}`;
  parsed.forEach(({ file, catalogue, part }) => {
    catalogue.entries.forEach((entry, index) => {
      const target = entry.supersedes;
      if (target !== undefined) {
        const at = `entries.${index}.supersedes`;
        const earlier = placed.find((p) => p.entry.id === target && p.part < part);
        const already = superseded.find((s) => s.id === target);
        const problem = (message: string) => problems.push(problemAt(file, at, message));
        if (part === 0) problem('only a site catalogue (factors.extraCatalogues) can supersede an entry');
        else if (already !== undefined) problem(`'${target}' is already superseded by ${already.by} (${already.file})`);
        else if (earlier === undefined) problem(`no entry '${target}' in the shipped or an earlier site catalogue`);
        else superseded.push({ id: target, by: entry.id, file });
      }
      placed.push({ entry, file, part, index });
    });
  });

  const gone = new Set(superseded.map((s) => s.id));
  // The superseded entry is the earliest of its id (a site entry may keep the id it replaces).
  const firstOfId = new Map<string, Placed>();
  for (const p of placed) if (!firstOfId.has(p.entry.id)) firstOfId.set(p.entry.id, p);
  const merged = placed.filter((p) => !(gone.has(p.entry.id) && firstOfId.get(p.entry.id) === p));
  merged.forEach((a, i) => {
    const at = `entries.${a.index}`;
    for (const b of merged.slice(0, i)) {
      if (b.part === a.part) continue; // within one file the schema has already checked
      const hint = `; to replace it, give the site entry supersedes: ${b.entry.id}`;
      if (b.entry.id === a.entry.id) {
        problems.push(problemAt(a.file, `${at}.id`, `id '${a.entry.id}' is already used by ${where(b)}${hint}`));
      } else if (clash(a.entry, b.entry, false)) {
        const same = 'same kind, carrier, basis, variant and region, overlapping in time';
        const message = `'${a.entry.id}' clashes with '${b.entry.id}' (${where(b)}): ${same}${hint}`;
        problems.push(problemAt(a.file, at, message));
      }
    }
  });
  if (problems.length > 0) return { problems };

  const described = parsed.map(({ file, catalogue: { name, version } }) => ({ file, name: name ?? null, version }));
  const [shipped, ...sites] = described;
  const siteVersions = sites.map((s) => `${s.name ?? fileLabel(s.file)}@${s.version}`);
  const version = [shipped?.version ?? '', ...siteVersions].join('+');
  return { ok: { version, entries: merged.map((p) => p.entry), parts: described, superseded } };
}

/** What the reader needs from the settings: `factors.extraCatalogues` (paths relative to the working directory). */
export interface FactorCatalogueSettings {
  readonly factors?: { readonly extraCatalogues?: readonly string[] } | undefined;
}

/**
 * Reads the shipped catalogue (config/factors.yaml) and the site catalogues the
 * settings name, and merges them. Any problem, of any file, is an AppError:
 * CONFIG_UNREADABLE when the only problems are files that cannot be read, else
 * CONFIG_INVALID; `details` lists every CatalogueProblem (file, path, message).
 * The one entry point for start-up and check-config.
 */
export function readFactorCatalogue(settings: FactorCatalogueSettings = {}): MergedFactorCatalogue {
  const files = [FACTOR_CATALOGUE_FILE, ...(settings.factors?.extraCatalogues ?? [])];
  const parts: CataloguePart[] = [];
  const unreadable: CatalogueProblem[] = [];
  files.forEach((file, i) => {
    const label = i === 0 ? relative(process.cwd(), file) || file : file;
    try {
      parts.push({ file: label, text: readFileSync(resolve(file), 'utf8') });
    } catch (cause) {
      unreadable.push(problemAt(label, '(file)', `cannot read the factor catalogue: ${(cause as Error).message}`));
    }
  });
  const merged = mergeFactorCatalogues(parts);
  const problems = [...unreadable, ...('problems' in merged ? merged.problems : [])];
  if (problems.length === 0 && 'ok' in merged) return merged.ok;
  const code = problems.length === unreadable.length ? 'CONFIG_UNREADABLE' : 'CONFIG_INVALID';
  const list = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  throw new AppError(code, `invalid factor catalogue: ${problems.length} problem(s)\n${list}`, { details: problems });
}
