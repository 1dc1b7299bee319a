import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectFactor, type FactorCatalogue, type FactorEntry } from '../accounting/core/index.js';
import { AppError } from '../src/kernel/index.js';
import {
  FACTOR_CATALOGUE_FILE,
  mergeFactorCatalogues,
  parseFactorCatalogue,
  readFactorCatalogue,
  type CatalogueProblem,
} from './factor-catalogue-schema.js';
import { settingsSchema } from './settings-schema.js';

const shipped = readFactorCatalogue();
// Compile-time: the validated config is what the accounting core consumes.
const asCore: FactorCatalogue = shipped;
const find = (id: string): FactorEntry | undefined => asCore.entries.find((e) => e.id === id);

/** Every figure of docs/methodology.md §9–§10, by catalogue id: value, unit, confidence. */
const DOMAIN_VALUES: Array<[id: string, value: number, unit: string, confidence: 'P' | 'S' | 'U']> = [
  ['gbt2589-electricity-equivalent', 0.1229, 'kgce/kWh', 'S'],
  ['gbt2589-natural-gas-gas-field', 1.2143, 'kgce/m3', 'S'],
  ['gbt2589-natural-gas-oil-field', 1.33, 'kgce/m3', 'S'],
  ['gbt2589-raw-coal', 0.7143, 'kgce/kg', 'S'],
  ['gbt2589-diesel', 1.4571, 'kgce/kg', 'S'],
  ['gbt2589-gasoline', 1.4714, 'kgce/kg', 'S'],
  ['gbt2589-lpg', 1.7143, 'kgce/kg', 'S'],
  ['gbt2589-district-heat', 34.12, 'kgce/GJ', 'S'],
  ['gbt2589-steam-low-pressure', 128.6, 'kgce/t', 'U'],
  ['density-diesel', 0.84, 'kg/L', 'U'],
  ['density-gasoline', 0.73, 'kg/L', 'U'],
  ['mee-grid-2021-national', 0.5568, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-national', 0.5366, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-national', 0.5306, 'kgCO2/kWh', 'S'],
  ['mee-grid-excl-market-nonfossil-2022-national', 0.5856, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-north', 0.6776, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-north', 0.6361, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-northeast', 0.5564, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-northeast', 0.5122, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-east', 0.5617, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-east', 0.55, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-central', 0.5395, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-central', 0.5271, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-northwest', 0.5857, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-northwest', 0.5543, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-south', 0.3869, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-south', 0.4042, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-southwest', 0.2268, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-southwest', 0.2472, 'kgCO2/kWh', 'S'],
  ['mee-grid-2021-ningxia', 0.6546, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-ningxia', 0.6423, 'kgCO2/kWh', 'S'],
  ['enterprise-reporting-2023-2025-national', 0.5703, 'tCO2/MWh', 'S'],
  ['ndrc-natural-gas', 2.165, 'kgCO2/m3', 'S'],
  ['ndrc-diesel', 3.0959, 'tCO2/t', 'S'],
  ['ndrc-gasoline', 2.9251, 'tCO2/t', 'S'],
  ['ndrc-lpg', 3.1013, 'tCO2/t', 'S'],
  ['ndrc-fuel-oil', 3.1705, 'tCO2/t', 'S'],
  ['ndrc-purchased-heat', 0.11, 'tCO2/GJ', 'S'],
];

describe('the shipped factor catalogue (config/factors.yaml)', () => {
  it('ships every figure docs/methodology.md relies on with its unit, confidence mark and a source', () => {
    for (const [id, value, unit, confidence] of DOMAIN_VALUES) {
      expect(find(id), id).toMatchObject({ value, unit, confidence });
      expect(find(id)?.source.publisher, id).toBeTruthy();
    }
  });

  it('cites the official document of every entry: issuer, title, number and date, or a note on what was not read', () => {
    for (const e of shipped.entries) {
      const { issuer, title, number, date, note } = e.source;
      expect([issuer.length > 0, title.length > 0], e.id).toEqual([true, true]);
      if (number === null || date === null) expect(note, e.id).toBeTruthy();
      expect(e.source.document, e.id).toContain(`《${title}》`);
    }
    expect(find('mee-grid-2021-ningxia')?.source).toMatchObject({ number: '公告2024年第12号', date: '2024-04-12' });
    expect(find('gbt2589-diesel')?.source).toMatchObject({ number: 'GB/T 2589-2020', date: '2020-09-29' });
    const enterprise = find('enterprise-reporting-2023-2025-national')?.source;
    expect(enterprise).toMatchObject({ number: '环办气候函〔2023〕43号', date: '2023-02-07' });
  });

  it('gives water no factor and enters no guessed equal-value figure', () => {
    expect(asCore.entries.filter((e) => e.carrier === 'water')).toEqual([]);
    expect(asCore.entries.filter((e) => e.basis === 'equal')).toEqual([]);
  });

  it('answers the queries a Ningxia report makes', () => {
    const northwest = selectFactor(asCore, {
      kind: 'emission',
      carrier: 'electricity',
      region: 'northwest',
      series: 'mee-grid-average',
      year: 2023,
    });
    expect('ok' in northwest && northwest.ok.entry.value).toBe(0.5543);
    const ningxia2026 = selectFactor(asCore, {
      kind: 'emission',
      carrier: 'electricity',
      region: 'ningxia',
      year: 2026,
    });
    expect('ok' in ningxia2026 && [ningxia2026.ok.entry.id, ningxia2026.ok.fallback?.usedYear]).toEqual([
      'mee-grid-2022-ningxia',
      2022,
    ]);
    const national = selectFactor(asCore, { kind: 'emission', carrier: 'electricity', region: 'national', year: 2023 });
    expect('error' in national && national.error.code).toBe('FACTOR_AMBIGUOUS');
    const coal = selectFactor(asCore, {
      kind: 'standard_coal',
      carrier: 'electricity',
      basis: 'equivalent',
      year: 2026,
    });
    expect('ok' in coal && coal.ok.entry.value).toBe(0.1229);
    const diesel = selectFactor(asCore, { kind: 'emission', carrier: 'diesel', region: 'ningxia', year: 2026 });
    expect('ok' in diesel && diesel.ok.entry.unit).toBe('tCO2/t');
  });

  it('is the file the loader reads by default', () => {
    const parsed = parseFactorCatalogue(readFileSync(FACTOR_CATALOGUE_FILE, 'utf8'));
    expect(parsed).toEqual({ ok: { version: shipped.version, entries: shipped.entries } });
  });
});

describe('factor catalogue schema', () => {
  const base = `version: t
entries:
  - id: a
    kind: emission
    carrier: natural_gas
    series: s
    value: 2.165
    unit: kgCO2/m3
    confidence: S
    source: { issuer: p, title: d, number: n, date: '2020' }
`;
  const problems = (yaml: string) => {
    const parsed = parseFactorCatalogue(yaml);
    return 'problems' in parsed ? parsed.problems.join('\n') : '';
  };

  it('accepts a minimal entry', () => {
    expect(problems(base)).toBe('');
  });

  it('refuses a standard-coal factor for water', () => {
    expect(
      problems(
        base
          .replace('kind: emission', 'kind: standard_coal')
          .replace('natural_gas', 'water')
          .replace('kgCO2/m3', 'kgce/m3'),
      ),
    ).toMatch(/water/);
  });

  it('refuses a unit that does not fit the kind', () => {
    expect(problems(base.replace('kgCO2/m3', 'kgce/m3'))).toMatch(/unit/);
    expect(problems(base.replace('kgCO2/m3', 'kgCO2/kWh/h'))).toMatch(/unit/);
  });

  it('needs a basis for electricity standard coal, and only there', () => {
    const elec = base
      .replace('kind: emission', 'kind: standard_coal')
      .replace('natural_gas', 'electricity')
      .replace('kgCO2/m3', 'kgce/kWh');
    expect(problems(elec)).toMatch(/basis/);
    expect(problems(elec.replace('series: s', 'series: s\n    basis: equivalent'))).toBe('');
    expect(problems(base.replace('series: s', 'series: s\n    basis: equivalent'))).toMatch(/basis/);
  });

  it('refuses unknown keys, duplicate ids and overlapping entries, listing every problem', () => {
    expect(problems(base.replace('series: s', 'series: s\n    colour: red'))).toMatch(/colour/);
    const twice = base + base.split('entries:\n')[1];
    expect(problems(twice)).toMatch(/duplicate id/);
    const overlapping = `${base}${base.split('entries:\n')[1]!.replace('id: a', 'id: b')}`;
    expect(problems(overlapping)).toMatch(/overlaps/);
    const years =
      base.replace('series: s', 'series: s\n    year: 2022') +
      base.split('entries:\n')[1]!.replace('id: a', 'id: b').replace('series: s', 'series: s\n    year: 2023');
    expect(problems(years)).toBe('');
  });

  it('refuses year together with dates, and a fallback on a dated entry', () => {
    expect(problems(base.replace('series: s', "series: s\n    year: 2022\n    validFrom: '2022-01-01'"))).toMatch(
      /either year/,
    );
    expect(
      problems(base.replace('series: s', "series: s\n    validFrom: '2022-01-01'\n    appliesUntilSuperseded: true")),
    ).toMatch(/superseded/);
  });
});

describe('site factor catalogues merged with the shipped one', () => {
  const shippedText = readFileSync(FACTOR_CATALOGUE_FILE, 'utf8');
  const SHIPPED = 'config/factors.yaml';
  const citation =
    "{ issuer: 宁夏回族自治区发展和改革委员会, title: 宁夏电网排放因子的通知, number: 宁发改〔2026〕1号, date: '2026-03-01' }";
  const provincial = (extra = '') => `name: ningxia-site
version: '3'
entries:
  - id: nx-grid-2024-ningxia
    kind: emission
    carrier: electricity
    region: ningxia
    series: mee-grid-average
    year: 2024
    value: 0.61
    unit: kgCO2/kWh
    confidence: P
    source: ${citation}
${extra}`;
  const merge = (...sites: string[]) =>
    mergeFactorCatalogues([
      { file: SHIPPED, text: shippedText },
      ...sites.map((text, i) => ({ file: `site-${i}.yaml`, text })),
    ]);
  const problemsOf = (result: ReturnType<typeof merge>): readonly CatalogueProblem[] =>
    'problems' in result ? result.problems : [];
  const where = (result: ReturnType<typeof merge>) => problemsOf(result).map((p) => `${p.file} ${p.at}`);

  it('adds site entries to the shipped ones; the version names every part', () => {
    const result = merge(provincial());
    expect(problemsOf(result)).toEqual([]);
    if (!('ok' in result)) return;
    expect(result.ok.version).toBe(`${shipped.version}+ningxia-site@3`);
    expect(result.ok.entries).toHaveLength(shipped.entries.length + 1);
    expect(result.ok.parts.map((p) => p.file)).toEqual([SHIPPED, 'site-0.yaml']);
    const core: FactorCatalogue = result.ok;
    const query = { kind: 'emission', carrier: 'electricity', region: 'ningxia', series: 'mee-grid-average' } as const;
    const ningxia = selectFactor(core, { ...query, year: 2024 });
    expect('ok' in ningxia && [ningxia.ok.entry.id, ningxia.ok.fallback]).toEqual(['nx-grid-2024-ningxia', undefined]);
  });

  it('names an unnamed site catalogue by its file', () => {
    const result = merge(provincial().replace('name: ningxia-site\n', ''));
    expect('ok' in result && result.ok.version).toBe(`${shipped.version}+site-0@3`);
  });

  it('refuses a site entry with a shipped id, or one a query could get instead of a shipped entry', () => {
    const sameId = merge(provincial().replace('id: nx-grid-2024-ningxia', 'id: gbt2589-diesel'));
    expect(where(sameId)).toEqual(['site-0.yaml entries.0.id']);
    expect(problemsOf(sameId)[0]?.message).toMatch(/supersedes: gbt2589-diesel/);
    const sameSelection = merge(provincial().replace('year: 2024', 'year: 2022'));
    expect(where(sameSelection)).toEqual(['site-0.yaml entries.0']);
    expect(problemsOf(sameSelection)[0]?.message).toMatch(/mee-grid-2022-ningxia/);
    // Another series does not help: a report's lookup need not name one.
    const gas = provincial()
      .replace('carrier: electricity\n    region: ningxia\n', 'carrier: natural_gas\n')
      .replace('series: mee-grid-average\n    year: 2024', 'series: supplier')
      .replace('unit: kgCO2/kWh', 'unit: kgCO2/m3');
    expect(where(merge(gas))).toEqual(['site-0.yaml entries.0']);
    expect(problemsOf(merge(gas))[0]?.message).toMatch(/ndrc-natural-gas/);
  });

  it('replaces the shipped entry a site entry supersedes', () => {
    const result = merge(provincial().replace('year: 2024', 'year: 2022\n    supersedes: mee-grid-2022-ningxia'));
    expect(problemsOf(result)).toEqual([]);
    if (!('ok' in result)) return;
    expect(result.ok.entries.map((e) => e.id)).not.toContain('mee-grid-2022-ningxia');
    const replaced = { id: 'mee-grid-2022-ningxia', by: 'nx-grid-2024-ningxia', file: 'site-0.yaml' };
    expect(result.ok.superseded).toEqual([replaced]);
    const pick = selectFactor(result.ok, { kind: 'emission', carrier: 'electricity', region: 'ningxia', year: 2022 });
    expect('ok' in pick && pick.ok.entry.value).toBe(0.61);
  });

  it('refuses a supersedes that names no earlier entry, or an entry already superseded', () => {
    const nowhere = provincial().replace('year: 2024', 'year: 2024\n    supersedes: no-such-entry');
    expect(where(merge(nowhere))).toEqual(['site-0.yaml entries.0.supersedes']);
    const twice = provincial().replace('year: 2024', 'year: 2022\n    supersedes: mee-grid-2022-ningxia');
    const again = twice.replace('nx-grid-2024-ningxia', 'nx-other').replace("version: '3'", "version: '4'");
    expect(where(merge(twice, again))).toEqual(['site-1.yaml entries.0.supersedes', 'site-1.yaml entries.0']);
  });

  it('refuses an uncited entry, and a citation that leaves out its number or date without saying why', () => {
    const uncited = merge(provincial().replace(`    source: ${citation}\n`, ''));
    expect(where(uncited)).toEqual(['site-0.yaml entries.0.source']);
    const noIssuer = merge(provincial().replace('issuer: 宁夏回族自治区发展和改革委员会, ', ''));
    expect(where(noIssuer)).toEqual(['site-0.yaml entries.0.source.issuer']);
    const urlOnly = merge(provincial().replace(citation, '{ url: https://example.org/news/1 }'));
    const keys = ['issuer', 'title', 'number', 'date'];
    expect(where(urlOnly)).toEqual(keys.map((k) => `site-0.yaml entries.0.source.${k}`));
    const unread = merge(provincial().replace('number: 宁发改〔2026〕1号', 'number: null'));
    expect(where(unread)).toEqual(['site-0.yaml entries.0.source.note']);
    expect(
      problemsOf(merge(provincial().replace('number: 宁发改〔2026〕1号', 'number: null, note: not read'))),
    ).toEqual([]);
  });

  it('lists the problems of every file at once: a file that is not YAML, a file that is no catalogue', () => {
    const result = merge('entries: [unclosed', 'version: 1\nentries: []', provincial());
    expect(where(result)).toEqual(['site-0.yaml (file)', 'site-1.yaml version', 'site-1.yaml entries']);
  });

  it('refuses supersedes in the shipped catalogue', () => {
    const text = provincial().replace('year: 2024', 'year: 2024\n    supersedes: x');
    const result = mergeFactorCatalogues([{ file: SHIPPED, text }]);
    expect(where(result)).toEqual([`${SHIPPED} entries.0.supersedes`]);
  });
});

describe('readFactorCatalogue(settings): the shipped catalogue and the files of factors.extraCatalogues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-factors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const settings = (extraCatalogues: string[]) => settingsSchema.parse({ factors: { extraCatalogues } });
  const failure = (run: () => unknown): AppError => {
    try {
      run();
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
    throw new Error('expected an AppError');
  };

  it('reads the shipped catalogue alone by default', () => {
    expect(readFactorCatalogue(settingsSchema.parse({})).version).toBe(shipped.version);
  });

  it('merges a site file named in the settings', () => {
    const file = write(
      'nx.yaml',
      `version: '7'
entries:
  - id: supplier-green-2026
    kind: emission
    carrier: electricity
    region: ningxia
    series: supplier-certificate
    year: 2026
    value: 0.05
    unit: kgCO2/kWh
    confidence: P
    source: { issuer: 某售电公司, title: 2026年供电排放因子证明, number: GD-2026-01, date: '2026-01-05' }
`,
    );
    const merged = readFactorCatalogue(settings([file]));
    expect([merged.version, merged.entries.length]).toEqual([`${shipped.version}+nx@7`, shipped.entries.length + 1]);
  });

  it('refuses a site file that copies the shipped one: every entry clashes, each problem in that file', () => {
    const copy = readFileSync(FACTOR_CATALOGUE_FILE, 'utf8')
      .replace(/^version: .*$/m, "version: 's1'")
      .replace(/- (&\w+\s+)?id: /g, (m) => `${m}site-`);
    const file = write('site.yaml', copy);
    const error = failure(() => readFactorCatalogue(settings([file])));
    // Every entry of a copy clashes with the entry it copies (and with entries of other series for its selection).
    expect(error.code).toBe('CONFIG_INVALID');
    const entryOf = (p: CatalogueProblem) => p.at.split('.').slice(0, 2).join('.');
    const entriesWithProblems = new Set((error.details as CatalogueProblem[]).map(entryOf));
    expect(entriesWithProblems.size).toBe(shipped.entries.length);
    expect((error.details as CatalogueProblem[]).every((p) => p.file === file)).toBe(true);
  });

  it('lists an unreadable file and an invalid one together', () => {
    const missing = join(dir, 'missing.yaml');
    const bad = write('bad.yaml', 'version: x\nentries:\n  - id: a\n');
    const error = failure(() => readFactorCatalogue(settings([missing, bad])));
    expect(error.code).toBe('CONFIG_INVALID');
    const files = (error.details as CatalogueProblem[]).map((p) => p.file);
    expect(files[0]).toBe(missing);
    expect(files.length > 2 && files.slice(1).every((f) => f === bad)).toBe(true);
    expect(failure(() => readFactorCatalogue(settings([missing]))).code).toBe('CONFIG_UNREADABLE');
  });
});
