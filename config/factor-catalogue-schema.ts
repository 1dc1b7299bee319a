import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

export const factorSourceSchema = z.strictObject({
  publisher: z.string().min(1),
  document: z.string().min(1),
  year: z.number().int().min(1900).max(2100).optional().describe('year of issue, where known'),
  url: z.url().optional(),
  note: z.string().min(1).optional(),
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
    region: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'regions are lower-case ids: national, northwest, ningxia …').optional(),
    series: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'series are lower-case ids'),
    year: z.number().int().min(1990).max(2100).optional(),
    appliesUntilSuperseded: z.boolean().optional(),
    validFrom: isoDate.optional(),
    validTo: isoDate.optional(),
    source: factorSourceSchema,
    confidence: z.enum(['P', 'S', 'U']),
    note: z.string().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!UNIT_BY_KIND[e.kind].test(e.unit)) problem('unit', `'${e.unit}' is not a ${e.kind} unit (expected e.g. ${e.kind === 'standard_coal' ? 'kgce/kWh' : e.kind === 'emission' ? 'kgCO2/kWh, tCO2/t' : 'kg/L'})`);
    if (e.kind === 'standard_coal' && e.carrier === 'water') problem('carrier', 'water is a resource, not energy: it has no standard-coal factor (outside 综合能耗)');
    const needsBasis = e.kind === 'standard_coal' && e.carrier === 'electricity';
    if (needsBasis && e.basis === undefined) problem('basis', 'electricity standard coal needs a basis: equivalent (当量值) or equal (等价值)');
    if (!needsBasis && e.basis !== undefined) problem('basis', 'a basis applies only to electricity standard coal');
    if (e.year !== undefined && (e.validFrom !== undefined || e.validTo !== undefined)) problem('year', 'give either year or validFrom/validTo, not both');
    if (e.appliesUntilSuperseded && e.year === undefined) problem('appliesUntilSuperseded', 'only a yearly entry can apply until superseded');
    if (e.validFrom !== undefined && e.validTo !== undefined && e.validFrom >= e.validTo) problem('validTo', 'validTo (exclusive) must be after validFrom');
  });

export type FactorEntryConfig = z.infer<typeof factorEntrySchema>;

/** [from, to) as comparable date strings. */
function validity(e: FactorEntryConfig): [string, string] {
  if (e.year !== undefined) return [`${e.year}-01-01`, `${e.year + 1}-01-01`];
  return [e.validFrom ?? '0000-01-01', e.validTo ?? '9999-12-31'];
}

/** Entries that could answer the same query: same kind, carrier, basis, variant, region and series. */
const slot = (e: FactorEntryConfig) => [e.kind, e.carrier, e.basis ?? '', e.variant ?? '', e.region ?? '', e.series].join('|');

export const factorCatalogueSchema = z
  .strictObject({
    version: z.string().min(1).describe('bumped on every change; reports record it'),
    entries: z.array(factorEntrySchema).min(1),
  })
  .superRefine((catalogue, ctx) => {
    const firstIndexById = new Map<string, number>();
    catalogue.entries.forEach((e, index) => {
      const first = firstIndexById.get(e.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['entries', index, 'id'], message: `duplicate id '${e.id}' (also entries.${first})` });
      else firstIndexById.set(e.id, index);
    });
    catalogue.entries.forEach((a, i) => {
      catalogue.entries.slice(0, i).forEach((b, j) => {
        if (slot(a) !== slot(b)) return;
        const [aFrom, aTo] = validity(a);
        const [bFrom, bTo] = validity(b);
        if (aFrom < bTo && bFrom < aTo) {
          ctx.addIssue({ code: 'custom', path: ['entries', i], message: `'${a.id}' overlaps '${b.id}' (entries.${j}) in time for the same carrier, basis, variant, region and series` });
        }
      });
    });
  });

export type FactorCatalogueConfig = z.infer<typeof factorCatalogueSchema>;

export type CatalogueParse = { readonly ok: FactorCatalogueConfig } | { readonly problems: readonly string[] };

/** Parses and validates catalogue YAML (merge keys `<<:` allowed), listing every problem with its path. */
export function parseFactorCatalogue(text: string): CatalogueParse {
  let data: unknown;
  try {
    data = parseYaml(text, { merge: true });
  } catch (error) {
    return { problems: [`not valid YAML: ${(error as Error).message}`] };
  }
  const result = factorCatalogueSchema.safeParse(data);
  if (result.success) return { ok: result.data };
  return { problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`) };
}

/** Reads the catalogue file; an unreadable or invalid file is a CONFIG_* AppError with every problem in `details`. */
export function readFactorCatalogue(file: string = FACTOR_CATALOGUE_FILE): FactorCatalogueConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_UNREADABLE', `cannot read the factor catalogue ${file}`, { cause });
  }
  const parsed = parseFactorCatalogue(text);
  if ('ok' in parsed) return parsed.ok;
  throw new AppError('CONFIG_INVALID', `the factor catalogue ${file} is invalid:\n${parsed.problems.join('\n')}`, { details: parsed.problems });
}
