import fc from 'fast-check';
import type { AcceptedItem, MeterDirectory, MeterSpec, TopicFilters } from '../../../ingest/index.js';
import type { RejectionReason } from '../../../src/kernel/index.js';
import { numberOf, obj, raw, writeJson, type JsonTree, RawToken } from './json-text.js';

/**
 * Structure-aware payload generators for the ingest core (issue 12 §3). Each case
 * is a valid payload of one accepted shape (generic reading, gateway batch, SenML
 * pack, Tasmota SENSOR) built from what the codecs read (ingest/core/decode-*.ts),
 * then possibly mutated. The case carries its own oracle: for each item whether it
 * is valid and then the exact reading, or which reason codes may refuse it; for a
 * message refused whole, the reasons for that.
 */

export const FUZZ_TOPICS: TopicFilters = { json: 'meters/+/readings', senml: 'senml/+', tasmota: 'tele/+/SENSOR' };
/** Asia/Shanghai has had no DST since 1991, so a Tasmota wall time maps to one instant. */
export const FUZZ_ZONE = 'Asia/Shanghai';
const ZONE_OFFSET_MS = 8 * 3_600_000;
const SENML_PREFIX = 'urn:dev:mac:0024befffe804ff1:';

export interface FuzzMeter extends MeterSpec {
  readonly codec: { kind: 'json' } | { kind: 'senml'; name: string } | { kind: 'tasmota'; device: string };
}

export const FUZZ_METERS: readonly FuzzMeter[] = [
  { id: 'e-main', carrier: 'electricity', unit: 'kWh', timeZone: FUZZ_ZONE, codec: { kind: 'json' } },
  { id: 'e.sub_2', carrier: 'electricity', unit: 'kWh', timeZone: FUZZ_ZONE, codec: { kind: 'json' } },
  { id: 'W-1', carrier: 'water', unit: 'm3', timeZone: FUZZ_ZONE, codec: { kind: 'json' } },
  {
    id: 'pv-roof',
    carrier: 'electricity',
    unit: 'kWh',
    timeZone: FUZZ_ZONE,
    codec: { kind: 'senml', name: `${SENML_PREFIX}energy` },
  },
  {
    id: 'w-senml',
    carrier: 'water',
    unit: 'm3',
    timeZone: FUZZ_ZONE,
    codec: { kind: 'senml', name: `${SENML_PREFIX}water` },
  },
  {
    id: 'plug-1',
    carrier: 'electricity',
    unit: 'kWh',
    timeZone: FUZZ_ZONE,
    codec: { kind: 'tasmota', device: 'tasmota_canteen_1' },
  },
  {
    id: 'plug-2',
    carrier: 'electricity',
    unit: 'kWh',
    timeZone: FUZZ_ZONE,
    codec: { kind: 'tasmota', device: 'tasmota-lab.2' },
  },
];
const SENML_METERS = FUZZ_METERS.filter((m) => m.codec.kind === 'senml');
const TASMOTA_METERS = FUZZ_METERS.filter((m) => m.codec.kind === 'tasmota');
const senmlName = (m: FuzzMeter): string => (m.codec.kind === 'senml' ? m.codec.name : '');
const tasmotaDevice = (m: FuzzMeter): string => (m.codec.kind === 'tasmota' ? m.codec.device : '');

/** The fleet lookups the core needs, as the registry builds them from the fleet file. */
export const fuzzDirectory: MeterDirectory = {
  byId: (id) => FUZZ_METERS.find((m) => m.id === id),
  bySenmlName: (name) => FUZZ_METERS.find((m) => m.codec.kind === 'senml' && m.codec.name === name),
  byTasmotaDevice: (device) => FUZZ_METERS.find((m) => m.codec.kind === 'tasmota' && m.codec.device === device),
};

/** The same fleet as a fleet file (for the service under test). */
export function fuzzFleetConfig(): object {
  return {
    orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
    institutions: [
      {
        id: 'inst1',
        name: '模糊测试中心',
        org: 'nx',
        type: 'government_office',
        timezone: FUZZ_ZONE,
        floorAreaM2: [{ from: '2000-01-01', value: 10000 }],
        occupants: [{ from: '2000-01-01', value: 500 }],
      },
    ],
    buildings: [{ id: 'b1', institution: 'inst1', name: '主楼' }],
    meters: FUZZ_METERS.map((m) => ({ id: m.id, building: 'b1', carrier: m.carrier, unit: m.unit, codec: m.codec })),
  };
}

export interface FuzzClock {
  /** The clock the core is run with (for the service: the clock it will have at the latest at generation time). */
  readonly nowMs: number;
  readonly maxFutureSkewMs: number;
  readonly maxPayloadBytes: number;
}

export type ExpectedItem =
  | { readonly valid: true; readonly reading: AcceptedItem; readonly label: string }
  | { readonly valid: false; readonly reasons: readonly RejectionReason[]; readonly label: string };

export type Shape = 'generic' | 'gateway' | 'senml' | 'tasmota';

export interface FuzzCase {
  readonly shape: Shape;
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Refused as a whole message: exactly one rejection, with one of `wholeReasons`. */
  readonly wholeReasons: readonly RejectionReason[] | null;
  /** Otherwise one entry per item, in payload order. */
  readonly items: readonly ExpectedItem[];
  /** The mutations applied, for statistics and failure messages. */
  readonly labels: readonly string[];
}

const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
/** Outside this margin around the skew limit a case stays valid (or future) while the service's clock runs on. */
const FUTURE_MARGIN_MS = 86_400_000;

// ───────────────────────────── leaves: timestamps ─────────────────────────────

interface TsCase {
  readonly token: JsonTree | undefined; // undefined: the key is left out
  readonly tsMs?: number;
  readonly reasons?: readonly RejectionReason[];
  readonly label: string;
}

const schema: readonly RejectionReason[] = ['schema_violation'];
const future: readonly RejectionReason[] = ['future_timestamp'];

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** Local fields of tsMs + offset as text: 'YYYY-MM-DDTHH:MM', ':SS', 'mmm'. */
function wallParts(tsMs: number, offsetMs: number): [string, string, string] {
  const iso = new Date(tsMs + offsetMs).toISOString();
  return [iso.slice(0, 16), iso.slice(16, 19), iso.slice(20, 23)];
}

function zoneText(offsetMin: number, colon: boolean, z: boolean): string {
  if (offsetMin === 0 && z) return 'Z';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${offsetMin < 0 ? '-' : '+'}${hh}${colon ? ':' : ''}${mm}`;
}

const offsetMinArb = fc.oneof(
  fc.constantFrom(0, 480, -300, 330, 345, -570, 840, -720),
  fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
);

/** An ISO-8601 instant with an offset, in any of the forms parseIsoInstant reads; tsMs cut to what the text holds. */
function isoWithOffset(tsMs: number): fc.Arbitrary<TsCase> {
  return fc
    .record({
      offsetMin: offsetMinArb,
      digits: fc.constantFrom(-1, 0, 1, 2, 3, 6, 9), // -1: no seconds at all
      colon: fc.boolean(),
      z: fc.boolean(),
      extra: fc.stringMatching(/^\d{6}$/),
    })
    .map(({ offsetMin, digits, colon, z, extra }) => {
      const unit = digits === -1 ? 60_000 : digits >= 3 ? 1 : 10 ** (3 - digits);
      const cut = tsMs - mod(tsMs, unit);
      const [minutes, seconds, ms] = wallParts(cut, offsetMin * 60_000);
      const fraction = digits <= 0 ? '' : `.${(ms + extra).slice(0, digits)}`;
      const text = `${minutes}${digits === -1 ? '' : seconds}${fraction}${zoneText(offsetMin, colon, z)}`;
      return { token: text, tsMs: cut, label: `ts:iso${digits}` };
    });
}

/** The digits of an integer as a number in exponent form: 1790000000123 → 1.790000000123e12. */
function exponentForm(n: number): string {
  const digits = String(n);
  return `${digits[0]}.${digits.slice(1) || '0'}e${digits.length - 1}`;
}

function validTsMs(clock: FuzzClock): fc.Arbitrary<number> {
  return fc.integer({ min: EARLIEST_PLAUSIBLE_MS, max: clock.nowMs - 60_000 });
}

function leapDayMs(clock: FuzzClock): fc.Arbitrary<number> {
  const lastYear = new Date(clock.nowMs).getUTCFullYear() - 1;
  const years = [];
  for (let y = 2000; y <= lastYear; y += 4) years.push(y);
  return fc
    .record({ year: fc.constantFrom(...years), msOfDay: fc.integer({ min: 0, max: 86_399_999 }) })
    .map(({ year, msOfDay }) => Date.UTC(year, 1, 29) + msOfDay);
}

/** Timestamps the generic codec and SenML accept (as JSON), with the instant they mean. */
function validGenericTs(clock: FuzzClock): fc.Arbitrary<TsCase> {
  return fc.oneof(
    { weight: 4, arbitrary: validTsMs(clock).map((ts) => ({ token: raw(String(ts)), tsMs: ts, label: 'ts:ms' })) },
    {
      weight: 1,
      arbitrary: validTsMs(clock).map((ts) => ({ token: raw(exponentForm(ts)), tsMs: ts, label: 'ts:ms-exp' })),
    },
    { weight: 4, arbitrary: validTsMs(clock).chain(isoWithOffset) },
    {
      weight: 1,
      arbitrary: leapDayMs(clock)
        .chain(isoWithOffset)
        .map((t) => ({ ...t, label: 'ts:leap-day' })),
    },
    {
      // ISO instants before 2000 are read as written: only a bare number that early looks like seconds.
      weight: 1,
      arbitrary: fc
        .integer({ min: Date.UTC(1000, 0, 2), max: EARLIEST_PLAUSIBLE_MS - 1 })
        .chain(isoWithOffset)
        .map((t) => ({ ...t, label: 'ts:iso-far-past' })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        token: raw(String(EARLIEST_PLAUSIBLE_MS)),
        tsMs: EARLIEST_PLAUSIBLE_MS,
        label: 'ts:2000',
      }),
    },
  );
}

const IMPOSSIBLE_ISO = [
  '2023-02-29T00:00:00Z',
  '2100-02-29T12:00:00+08:00',
  '1900-02-29T12:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T23:59:60Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-00T00:00:00Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+08:60',
  '0099-12-31T00:00:00Z',
  '+002026-01-01T00:00:00Z',
  '2026-1-1T00:00:00Z',
  '2026-01-01T00:00:00.Z',
  '2026-01-01T00:00:00.1234567890Z',
  '2026-01-01T00:00:00 Z',
  '2026-01-01T00:00:00z',
  '2026-01-01t00:00:00Z',
  '2026-01-01T00:00:00+8',
  '2026-01-01T00:00:00GMT',
  '２０２６-01-01T00:00:00Z',
  '',
  ' ',
  'NaN',
  'now',
];

/** Timestamps every codec refuses, with the reason (the same for generic, SenML-as-text and Tasmota). */
function invalidTs(clock: FuzzClock, tasmota: boolean): fc.Arbitrary<TsCase> {
  const ts = validTsMs(clock);
  const futureMs = fc.integer({
    min: clock.nowMs + clock.maxFutureSkewMs + FUTURE_MARGIN_MS,
    max: 253_402_300_799_000,
  });
  const cases: fc.Arbitrary<TsCase>[] = [
    ts.map((t) => ({ token: raw(String(Math.floor(t / 1000))), reasons: schema, label: 'ts:epoch-s' })),
    ts.map((t) => ({ token: raw(String(t / 1000)), reasons: schema, label: 'ts:epoch-s-fraction' })),
    ts.map((t) => ({ token: raw(`${t}000`), reasons: future, label: 'ts:epoch-us' })),
    ts.map((t) => ({ token: raw(`${t}000000`), reasons: future, label: 'ts:epoch-ns' })),
    ts.map((t) => ({ token: raw(`${t}.5`), reasons: schema, label: 'ts:ms-fraction' })),
    ts.map((t) => ({ token: String(t), reasons: schema, label: 'ts:ms-as-text' })),
    ts.map((t) => ({ token: new Date(t).toISOString().slice(0, -1), reasons: schema, label: 'ts:iso-no-zone-ms' })),
    ts.map((t) => ({ token: new Date(t).toISOString().replace('T', ' '), reasons: schema, label: 'ts:iso-space' })),
    ts.map((t) => ({ token: new Date(t).toUTCString(), reasons: schema, label: 'ts:rfc2822' })),
    ts.map((t) => ({ token: new Date(t).toISOString().slice(0, 10), reasons: schema, label: 'ts:date-only' })),
    ts.map((t) => ({ token: `${new Date(t).toISOString().slice(0, 16)}`, reasons: schema, label: 'ts:no-zone-min' })),
    fc.constantFrom(...IMPOSSIBLE_ISO).map((text) => ({ token: text, reasons: schema, label: 'ts:impossible' })),
    futureMs.map((t) => ({ token: raw(String(t)), reasons: future, label: 'ts:future-ms' })),
    futureMs.map((t) => ({ token: new Date(t).toISOString(), reasons: future, label: 'ts:future-iso' })),
    fc.constantFrom('9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999999999-23:59').map((text) => ({
      token: text,
      reasons: future,
      label: 'ts:year-9999',
    })),
    fc
      .constantFrom('9007199254740991', '9007199254740992', '9007199254740993', '1e308', '8640000000000001', '1e20')
      .map((text) => ({ token: raw(text), reasons: future, label: 'ts:huge-number' })),
    fc
      .constantFrom('1e400', '-1e400', '-0', '0', '-1', '946684799999', '-9007199254740993', '1e-7')
      .map((text) => ({ token: raw(text), reasons: schema, label: 'ts:edge-number' })),
    fc
      .constantFrom<JsonTree>(null, true, false, obj([]), [], obj([['$date', 1]]))
      .map((token) => ({ token, reasons: schema, label: 'ts:wrong-type' })),
    fc
      .integer({ min: 1000, max: 100_000 })
      .map((n) => ({ token: '2'.repeat(n), reasons: schema, label: 'ts:huge-text' })),
    fc.constant({ token: undefined, reasons: schema, label: 'ts:missing' }),
  ];
  if (!tasmota) {
    cases.push(
      ts.map((t) => ({ token: new Date(t).toISOString().slice(0, 19), reasons: schema, label: 'ts:iso-no-zone' })),
    );
  }
  return fc.oneof(...cases);
}

/** Tasmota's `Time`: the device's wall clock in the meter's zone, and the forms every codec reads. */
function validTasmotaTs(clock: FuzzClock): fc.Arbitrary<TsCase> {
  const local = (label: string) => (t: number) => {
    const cut = t - mod(t, 1000);
    const [minutes, seconds] = wallParts(cut, ZONE_OFFSET_MS);
    return { token: minutes + seconds, tsMs: cut, label };
  };
  return fc.oneof(
    { weight: 6, arbitrary: validTsMs(clock).map(local('ts:tasmota-local')) },
    { weight: 1, arbitrary: leapDayMs(clock).map(local('ts:tasmota-leap-day')) },
    { weight: 2, arbitrary: validTsMs(clock).chain(isoWithOffset) },
    { weight: 1, arbitrary: validTsMs(clock).map((ts) => ({ token: raw(String(ts)), tsMs: ts, label: 'ts:ms' })) },
  );
}

// ───────────────────────────── leaves: values ─────────────────────────────

interface ValueCase {
  readonly token: JsonTree | undefined;
  /** The register as a JSON reader sees it; undefined when the token is not a number. */
  readonly number?: number;
  /** For a token that is not a JSON number: the reasons it is refused with. */
  readonly reasons?: readonly RejectionReason[];
  readonly label: string;
}

const numberToken = (text: string, label: string): ValueCase => {
  const token = raw(text);
  return { token, number: numberOf(token), label };
};

const nonNegativeDouble = fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }).map((v) => (v === 0 ? 0 : v));

const VALUE_EDGES = [
  '0',
  '-0',
  '0.0',
  '0e0',
  '1e308',
  '1.7976931348623157e308',
  '5e-324',
  '2.2250738585072014e-308',
  '9007199254740991',
  '9007199254740993',
  '1E3',
  '0.1',
  '12345.678',
  '1e-7',
  '100000000000000000000000',
  '99999999.99',
];

/** Registers every codec accepts (non-negative finite JSON numbers, written in any JSON form). */
const validValue: fc.Arbitrary<ValueCase> = fc.oneof(
  { weight: 3, arbitrary: nonNegativeDouble.map((v) => numberToken(JSON.stringify(v), 'value:double')) },
  { weight: 1, arbitrary: nonNegativeDouble.map((v) => numberToken(v.toExponential(), 'value:exponent')) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 10_000_000_000 }).map((c) => numberToken(String(c / 100), 'value:register')),
  },
  { weight: 2, arbitrary: fc.constantFrom(...VALUE_EDGES).map((t) => numberToken(t, 'value:edge')) },
);

const NON_FINITE_TEXTS = ['NaN', 'Infinity', '-Infinity', '+Infinity', 'inf', '-inf', 'nan', ' NaN ', 'Infinity\n'];

/** Registers refused item by item (a token that is a JSON number carries the number; the oracle decides). */
const invalidValue: fc.Arbitrary<ValueCase> = fc.oneof(
  fc
    .double({ min: -Number.MAX_VALUE, max: -Number.MIN_VALUE, noNaN: true })
    .map((v) => numberToken(JSON.stringify(v), 'value:negative')),
  fc.constantFrom('-5e-324', '-1', '-0.01', '-1e308').map((t) => numberToken(t, 'value:negative-edge')),
  fc.constantFrom('1e400', '-1e400', '1e309').map((t) => numberToken(t, 'value:overflow')),
  fc.constantFrom(...NON_FINITE_TEXTS).map((t) => ({
    token: t,
    reasons: ['non_finite_number'] as const,
    label: 'value:non-finite-text',
  })),
  fc.constantFrom('12', '12,5', '', 'NAN', 'Inf', '0x10', '1e3').map((t) => ({
    token: t,
    reasons: schema,
    label: 'value:as-text',
  })),
  fc.constantFrom<JsonTree>(null, true, false, obj([]), [], [1], obj([['value', 1]])).map((token) => ({
    token,
    reasons: schema,
    label: 'value:wrong-type',
  })),
  fc.constant<ValueCase>({ token: undefined, reasons: schema, label: 'value:missing' }),
);

/** The oracle for a register: how validation must judge a (possibly base-added) number. */
function judgeNumber(n: number): { reasons: readonly RejectionReason[] } | { value: number } {
  if (!Number.isFinite(n)) return { reasons: ['non_finite_number'] };
  if (n < 0) return { reasons: ['negative_register'] };
  return { value: n };
}

// ───────────────────────────── leaves: extra keys ─────────────────────────────

const GENERIC_KEYS = new Set(['ts', 'value', 'seq', 'unit', 'meter', 'meterId']);
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'timestamp', 'Ts', 'VALUE', 'quality', 'reading', 'tags', '', '值'),
  fc.string({ maxLength: 12 }),
);
const extraValue: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonTree>,
  fc.string({ unit: 'binary', maxLength: 20 }),
);
function extraEntries(reserved: ReadonlySet<string>): fc.Arbitrary<[string, JsonTree][]> {
  return fc.array(
    fc.tuple(
      extraKey.filter((k) => !reserved.has(k)),
      extraValue,
    ),
    { maxLength: 3 },
  );
}

// ───────────────────────────── items ─────────────────────────────

interface ItemDraft {
  readonly entries: readonly (readonly [string, JsonTree])[];
  /** An element that is not an object (a gateway batch may hold anything). */
  readonly element?: JsonTree;
  readonly expected: ExpectedItem;
}

function combine(
  meter: FuzzMeter,
  known: boolean,
  ts: TsCase,
  value: ValueCase,
  other: readonly RejectionReason[],
  seq: number | null,
  labels: string[],
): ExpectedItem {
  const label = labels.join(' ');
  if (!known) return { valid: false, reasons: ['unknown_meter'], label };
  const reasons = new Set<RejectionReason>([...(ts.reasons ?? []), ...(value.reasons ?? []), ...other]);
  if (value.number !== undefined) {
    const judged = judgeNumber(value.number);
    if ('reasons' in judged) judged.reasons.forEach((r) => reasons.add(r));
  }
  if (reasons.size > 0 || ts.tsMs === undefined || value.number === undefined) {
    return { valid: false, reasons: [...reasons], label };
  }
  return { valid: true, reading: { meterId: meter.id, tsMs: ts.tsMs, value: value.number, seq }, label };
}

type Fault = 'none' | 'ts' | 'value' | 'seq' | 'unit' | 'meter' | 'dup-key' | 'not-object';

const faultArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Fault>('none') },
  { weight: 3, arbitrary: fc.constant<Fault>('ts') },
  { weight: 3, arbitrary: fc.constant<Fault>('value') },
  { weight: 1, arbitrary: fc.constant<Fault>('seq') },
  { weight: 1, arbitrary: fc.constant<Fault>('unit') },
  { weight: 1, arbitrary: fc.constant<Fault>('meter') },
  { weight: 1, arbitrary: fc.constant<Fault>('dup-key') },
  { weight: 1, arbitrary: fc.constant<Fault>('not-object') },
);

const UNIT_ALIASES: Readonly<Record<string, readonly string[]>> = { kWh: ['kwh', 'KWH', 'KWh'], m3: ['m³', 'm^3'] };
const WRONG_UNITS = ['MWh', 'mwh', 'kWh ', 'Wh', 'kW', 'KwH', '__proto__', 'constructor', 'toString', '', 'm3', 'kWh'];

interface SeqCase {
  readonly token: JsonTree | undefined;
  readonly seq: number | null;
  readonly bad: boolean;
}
const validSeq: fc.Arbitrary<SeqCase> = fc.oneof(
  fc.constant({ token: undefined, seq: null, bad: false }),
  fc.constant({ token: null, seq: null, bad: false }),
  fc.nat({ max: Number.MAX_SAFE_INTEGER }).map((n) => ({ token: n, seq: n, bad: false })),
  fc
    .constantFrom('0', '9007199254740991', '1e3', '-0')
    .map((t) => ({ token: raw(t), seq: numberOf(raw(t)), bad: false })),
);
const invalidSeq: fc.Arbitrary<SeqCase> = fc
  .constantFrom<JsonTree>(-1, 1.5, '3', true, obj([]), raw('9007199254740992'), raw('1e400'), raw('-1e-9'))
  .map((token) => ({ token, seq: null, bad: true }));

/** One generic item (an object of the generic codec) for `meter`, maybe with one fault. */
function genericItem(meter: FuzzMeter, known: boolean, clock: FuzzClock): fc.Arbitrary<ItemDraft> {
  return faultArb.chain((fault) =>
    fc
      .record({
        ts: fault === 'ts' ? invalidTs(clock, false) : validGenericTs(clock),
        value: fault === 'value' ? invalidValue : validValue,
        seq: fault === 'seq' ? invalidSeq : validSeq,
        unit: unitCase(meter, fault === 'unit'),
        meterField: meterFieldCase(meter, fault === 'meter'),
        extras: extraEntries(GENERIC_KEYS),
        dupFirst: fc.boolean(),
        order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        element: fc.constantFrom<JsonTree>(7, 'reading', null, true, [], [obj([['ts', 1]])], raw('-0')),
      })
      .chain((g) => {
        const labels = [g.ts.label, g.value.label];
        const other: RejectionReason[] = [];
        if (g.seq.bad) other.push('schema_violation');
        if (g.unit.reasons) other.push(...g.unit.reasons);
        if (g.meterField.reasons) other.push(...g.meterField.reasons);
        const entries: [string, JsonTree][] = [];
        if (g.ts.token !== undefined) entries.push(['ts', g.ts.token]);
        if (g.value.token !== undefined) entries.push(['value', g.value.token]);
        if (g.seq.token !== undefined) entries.push(['seq', g.seq.token]);
        entries.push(...g.unit.entries, ...g.meterField.entries, ...g.extras);
        labels.push(g.unit.label, g.meterField.label, g.seq.bad ? 'seq:bad' : 'seq');
        const shuffled = entries
          .map((e, i) => [e, g.order[i % 8] ?? 0, i] as const)
          .sort((a, b) => a[1] - b[1] || a[2] - b[2])
          .map(([e]) => e);
        if (fault === 'not-object') {
          // A non-object element has no fields at all: it is refused like an item without ts.
          const expected: ExpectedItem = known
            ? { valid: false, reasons: schema, label: 'element:not-object' }
            : { valid: false, reasons: ['unknown_meter'], label: 'element:not-object' };
          return fc.constant<ItemDraft>({ entries: [], element: g.element, expected });
        }
        const expected = combine(meter, known, g.ts, g.value, other, g.seq.seq, labels);
        if (fault === 'dup-key') {
          // JSON.parse keeps the last of repeated keys: a decoy before the real entry, or a bad one after it.
          return invalidValue.map((decoy): ItemDraft => {
            const withoutValue = shuffled.filter(([k]) => k !== 'value');
            if (g.dupFirst || decoy.token === undefined) {
              return {
                entries: [
                  ['value', decoy.token ?? 'decoy'],
                  ...withoutValue,
                  ...(g.value.token !== undefined ? [['value', g.value.token] as const] : []),
                ],
                expected: { ...expected, label: `${expected.label} dup:decoy-first` },
              };
            }
            return {
              entries: [...shuffled, ['value', decoy.token]],
              expected: combine(meter, known, g.ts, decoy, other, g.seq.seq, [...labels, 'dup:bad-last']),
            };
          });
        }
        return fc.constant<ItemDraft>({ entries: shuffled, expected });
      }),
  );
}

interface FieldCase {
  readonly entries: [string, JsonTree][];
  readonly reasons?: readonly RejectionReason[];
  readonly label: string;
}

function unitCase(meter: FuzzMeter, faulty: boolean): fc.Arbitrary<FieldCase> {
  if (faulty) {
    return fc.oneof(
      fc
        .constantFrom(...WRONG_UNITS.filter((u) => u !== meter.unit && !(UNIT_ALIASES[meter.unit] ?? []).includes(u)))
        .map((u) => ({
          entries: [['unit', u]] as [string, JsonTree][],
          reasons: ['unit_mismatch'] as const,
          label: 'unit:wrong',
        })),
      fc
        .constantFrom<JsonTree>(5, true, [], obj([['unit', meter.unit]]), ['kWh'])
        .map((u) => ({ entries: [['unit', u]] as [string, JsonTree][], reasons: schema, label: 'unit:wrong-type' })),
    );
  }
  return fc.constantFrom<FieldCase>(
    { entries: [], label: 'unit:none' },
    { entries: [['unit', null]], label: 'unit:null' },
    { entries: [['unit', meter.unit]], label: 'unit:same' },
    ...(UNIT_ALIASES[meter.unit] ?? []).map((u): FieldCase => ({ entries: [['unit', u]], label: 'unit:alias' })),
  );
}

function meterFieldCase(meter: FuzzMeter, faulty: boolean): fc.Arbitrary<FieldCase> {
  const other = FUZZ_METERS.find((m) => m.id !== meter.id)?.id ?? 'other';
  if (faulty) {
    return fc.constantFrom<FieldCase>(
      { entries: [['meter', other]], reasons: ['meter_id_mismatch'], label: 'meter:other' },
      { entries: [['meterId', other]], reasons: ['meter_id_mismatch'], label: 'meterId:other' },
      {
        entries: [
          ['meter', null],
          ['meterId', other],
        ],
        reasons: ['meter_id_mismatch'],
        label: 'meter:null-meterId:other',
      },
      {
        entries: [['meter', meter.id.toUpperCase() === meter.id ? meter.id.toLowerCase() : meter.id.toUpperCase()]],
        reasons: ['meter_id_mismatch'],
        label: 'meter:case',
      },
      { entries: [['meter', 5]], reasons: ['meter_id_mismatch'], label: 'meter:number' },
      { entries: [['meter', obj([['id', meter.id]])]], reasons: ['meter_id_mismatch'], label: 'meter:object' },
    );
  }
  return fc.constantFrom<FieldCase>(
    { entries: [], label: 'meter:none' },
    { entries: [['meter', meter.id]], label: 'meter:same' },
    { entries: [['meterId', meter.id]], label: 'meterId:same' },
    { entries: [['meter', null]], label: 'meter:null' },
    // `meter` wins over `meterId` when both are there.
    {
      entries: [
        ['meter', meter.id],
        ['meterId', other],
      ],
      label: 'meter:same-meterId:other',
    },
  );
}

// ───────────────────────────── messages ─────────────────────────────

interface MessageDraft {
  readonly shape: Shape;
  readonly topic: string;
  readonly tree: JsonTree;
  readonly items: readonly ExpectedItem[];
  /** Refused whole before any item is looked at (schema of the envelope). */
  readonly wholeReasons: readonly RejectionReason[] | null;
  /** How deep the items sit (containers around an item's fields), for the nesting mutation. */
  readonly itemDepth: number;
  readonly labels: readonly string[];
}

const unknownId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/).filter((id) => !fuzzDirectory.byId(id));
const jsonMeter = fc.constantFrom(...FUZZ_METERS);

function jsonTopicMeter(): fc.Arbitrary<{ meter: FuzzMeter; known: boolean; topic: string }> {
  return fc.oneof(
    { weight: 9, arbitrary: jsonMeter.map((meter) => ({ meter, known: true, topic: `meters/${meter.id}/readings` })) },
    {
      weight: 1,
      arbitrary: unknownId.map((id) => ({
        meter: { ...(FUZZ_METERS[0] as FuzzMeter), id },
        known: false,
        topic: `meters/${id}/readings`,
      })),
    },
  );
}

function genericMessage(clock: FuzzClock): fc.Arbitrary<MessageDraft> {
  return jsonTopicMeter().chain(({ meter, known, topic }) =>
    genericItem(meter, known, clock).map((item): MessageDraft => ({
      shape: 'generic',
      topic,
      tree: item.element !== undefined ? item.element : obj(item.entries),
      // A top-level [] has no readings; any other non-object is one item without fields.
      items: [item.expected],
      wholeReasons: Array.isArray(item.element) && item.element.length === 0 ? schema : null,
      itemDepth: 1,
      labels: [item.expected.label],
    })),
  );
}

function gatewayMessage(clock: FuzzClock): fc.Arbitrary<MessageDraft> {
  return jsonTopicMeter().chain(({ meter, known, topic }) =>
    fc
      .record({
        items: fc.array(genericItem(meter, known, clock), { minLength: 0, maxLength: 12 }),
        repeat: fc.oneof(
          { weight: 20, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 50, max: 2000 }) },
        ),
      })
      .map(({ items, repeat }): MessageDraft => {
        // A huge batch repeats the generated items up to `repeat` elements.
        const all =
          repeat === 1 || items.length === 0
            ? items
            : Array.from({ length: repeat }, (_, i) => items[i % items.length] as ItemDraft);
        return {
          shape: 'gateway',
          topic,
          tree: all.map((d) => (d.element !== undefined ? d.element : obj(d.entries))),
          items: all.map((d) => d.expected),
          wholeReasons: all.length === 0 ? schema : null,
          itemDepth: 2,
          labels: [repeat > 1 ? `gateway:huge-${all.length}` : `gateway:${all.length}`],
        };
      }),
  );
}

interface SenmlRecordDraft {
  readonly record: JsonTree;
  readonly expected: ExpectedItem | null; // null: a base-only record, no item
}

/** A SenML pack: a base record (bn, bt, bu, bv/bs), then records for the two SenML meters. */
function senmlMessage(clock: FuzzClock): fc.Arbitrary<MessageDraft> {
  const record = (base: SenmlBase) =>
    fc
      .record({
        meter: fc.constantFrom(...SENML_METERS),
        ts: fc.oneof({ weight: 5, arbitrary: validTsMs(clock) }, { weight: 1, arbitrary: leapDayMs(clock) }),
        fault: fc.constantFrom<SenmlFault>(
          'none',
          'none',
          'none',
          'none',
          'none',
          'none',
          'none',
          'none',
          't-type',
          'v-invalid',
          'unit',
          'name',
          'relative',
          'future',
          'no-value',
          'not-object',
          'vs',
        ),
        value: validValue,
        badValue: invalidValue,
        useSum: fc.boolean(),
        unit: fc.boolean(),
        futureMs: fc.integer({ min: clock.nowMs + clock.maxFutureSkewMs + FUTURE_MARGIN_MS, max: 253_402_300_799_000 }),
        notObject: fc.constantFrom<JsonTree>(5, 'x', null, [], [obj([['v', 1]])]),
        extras: extraEntries(
          new Set(['bn', 'bt', 'bu', 'bv', 'bs', 'bver', 'n', 't', 'u', 'v', 's', 'vs', 'vb', 'vd', 'ut']),
        ),
      })
      .map((r): SenmlRecordDraft => senmlRecord(r, base, clock));
  return fc
    .record({
      base: senmlBase(clock),
      count: fc.oneof(
        { weight: 10, arbitrary: fc.integer({ min: 0, max: 8 }) },
        { weight: 1, arbitrary: fc.integer({ min: 50, max: 600 }) },
      ),
      envelope: fc.constantFrom(
        'array',
        'array',
        'array',
        'array',
        'array',
        'array',
        'object',
        'number',
        'null',
        'string',
      ),
      gateway: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
    })
    .chain(({ base, count, envelope, gateway }) =>
      fc.array(record(base), { minLength: count, maxLength: count }).map((records): MessageDraft => {
        const pack: JsonTree[] = [base.record, ...records.map((r) => r.record)];
        const items = records.flatMap((r) => (r.expected ? [r.expected] : []));
        const topic = `senml/${gateway}`;
        if (envelope !== 'array') {
          const tree: JsonTree =
            envelope === 'object'
              ? obj([
                  ['n', `${SENML_PREFIX}energy`],
                  ['v', 1],
                ])
              : envelope === 'number'
                ? 42
                : envelope === 'null'
                  ? null
                  : 'senml';
          return {
            shape: 'senml',
            topic,
            tree,
            items: [],
            wholeReasons: schema,
            itemDepth: 1,
            labels: [`senml:envelope-${envelope}`],
          };
        }
        return {
          shape: 'senml',
          topic,
          tree: pack,
          items,
          wholeReasons: items.length === 0 ? schema : null,
          itemDepth: 2,
          labels: [`senml:${base.label}`, ...items.map((i) => i.label)],
        };
      }),
    );
}

type SenmlFault =
  'none' | 't-type' | 'v-invalid' | 'unit' | 'name' | 'relative' | 'future' | 'no-value' | 'not-object' | 'vs';

type SenmlPoison = 'none' | 'bt' | 'bv' | 'bn' | 'bu';

interface SenmlBase {
  readonly record: JsonTree;
  /** bn as the records resolve it: '' when absent. */
  readonly name: string;
  readonly timeS: number;
  readonly value: number;
  readonly sum: number;
  /** A base field of the wrong type (or, for bu, a unit no SenML meter has): it spoils the records it applies to. */
  readonly poison: SenmlPoison;
  readonly label: string;
}

function senmlBase(clock: FuzzClock): fc.Arbitrary<SenmlBase> {
  const latestS = Math.floor(clock.nowMs / 1000) - 3600;
  return fc
    .record({
      withName: fc.boolean(),
      bt: fc.oneof(fc.constant(0), fc.integer({ min: Math.floor(EARLIEST_PLAUSIBLE_MS / 1000), max: latestS })),
      bv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
      bs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
      bver: fc.boolean(),
      poison: fc.constantFrom<SenmlPoison>('none', 'none', 'none', 'none', 'none', 'none', 'bt', 'bv', 'bn', 'bu'),
    })
    .map(({ withName, bt, bv, bs, bver, poison: wanted }): SenmlBase => {
      const poison = wanted === 'bn' && !withName ? 'none' : wanted;
      const entries: [string, JsonTree][] = [];
      if (withName) entries.push(['bn', poison === 'bn' ? 17 : SENML_PREFIX]);
      if (bt !== 0 || poison === 'bt') entries.push(['bt', poison === 'bt' ? String(bt) : bt]);
      if (bv !== 0 || poison === 'bv') entries.push(['bv', poison === 'bv' ? String(bv) : bv]);
      if (bs !== 0) entries.push(['bs', bs === 0 ? 0 : bs]);
      if (bver) entries.push(['bver', 10]);
      if (poison === 'bu') entries.push(['bu', 'MWh']);
      return {
        record: obj(entries),
        name: withName ? SENML_PREFIX : '',
        timeS: bt,
        value: bv,
        sum: bs === 0 ? 0 : bs,
        poison,
        label: `base${withName ? '-bn' : ''}${bt ? '-bt' : ''}${bv ? '-bv' : ''}${bs ? '-bs' : ''}-${poison}`,
      };
    });
}

interface SenmlRecordInput {
  readonly meter: FuzzMeter;
  readonly ts: number;
  readonly fault: SenmlFault;
  readonly value: ValueCase;
  readonly badValue: ValueCase;
  readonly useSum: boolean;
  readonly unit: boolean;
  readonly futureMs: number;
  readonly notObject: JsonTree;
  readonly extras: [string, JsonTree][];
}

function senmlRecord(r: SenmlRecordInput, base: SenmlBase, clock: FuzzClock): SenmlRecordDraft {
  const label = `senml:${r.fault}`;
  if (r.fault === 'not-object') {
    // A record that is not an object has no name: no meter can be found for it.
    return { record: r.notObject, expected: { valid: false, reasons: ['unknown_meter', 'schema_violation'], label } };
  }
  const entries: [string, JsonTree][] = [];
  const reasons = new Set<RejectionReason>();
  // The name: n is what follows bn (bn is the prefix) or the full name.
  const fullName = senmlName(r.meter);
  const n = (base.name !== '' ? fullName.slice(base.name.length) : fullName) + (r.fault === 'name' ? '-x' : '');
  entries.push(['n', n]);
  const unknown = r.fault === 'name' || base.poison === 'bn';

  // Time: t relative to bt (any sign), or absolute without bt; the instant is the one aimed at.
  const targetMs = r.fault === 'future' ? r.futureMs : r.ts;
  let tsMs: number | undefined = targetMs;
  if (r.fault === 'relative') {
    // "Seconds before now" (t < 2^28 without a base time): refused. With a bt it is an offset from it.
    const t = (r.ts % 100_000) / 1000 - 50;
    entries.push(['t', t]);
    if (base.timeS === 0) {
      reasons.add('schema_violation');
      tsMs = undefined;
    } else tsMs = Math.round((base.timeS + t) * 1000);
  } else if (r.fault === 't-type') {
    entries.push(['t', String((targetMs - base.timeS * 1000) / 1000)]);
    reasons.add('schema_violation');
  } else {
    const t = (targetMs - base.timeS * 1000) / 1000;
    if (t !== 0 || base.timeS === 0) entries.push(['t', t]);
  }
  if (base.poison === 'bt') reasons.add('schema_violation');
  if (tsMs !== undefined && tsMs < EARLIEST_PLAUSIBLE_MS) reasons.add('schema_violation');
  if (tsMs !== undefined && tsMs > clock.nowMs + clock.maxFutureSkewMs) reasons.add('future_timestamp');

  // The register: v (plus bv) or s (plus bs).
  let value: number | undefined;
  const valueCase = r.fault === 'v-invalid' ? r.badValue : r.value;
  const key = r.useSum ? 's' : 'v';
  if (r.fault === 'no-value' || r.fault === 'vs') {
    if (r.fault === 'vs') entries.push(['vs', 'text']);
    reasons.add('schema_violation');
  } else if (valueCase.token === undefined) {
    reasons.add('schema_violation');
  } else {
    entries.push([key, valueCase.token]);
    if (!r.useSum && base.poison === 'bv') reasons.add('schema_violation');
    else if (valueCase.number !== undefined) {
      const judged = judgeNumber(valueCase.number + (r.useSum ? base.sum : base.value));
      if ('reasons' in judged) judged.reasons.forEach((x) => reasons.add(x));
      else value = judged.value;
    } else (valueCase.reasons ?? []).forEach((x) => reasons.add(x));
  }

  // The unit: the record's own (u) wins over the base's (bu).
  if (r.fault === 'unit') {
    entries.push(['u', r.meter.unit === 'kWh' ? 'm3' : 'kWh']);
    reasons.add('unit_mismatch');
  } else if (r.unit) entries.push(['u', r.meter.unit]);
  else if (base.poison === 'bu') reasons.add('unit_mismatch');

  entries.push(...r.extras);
  const labelText = [label, valueCase.label].join(' ');
  if (unknown || reasons.size > 0 || tsMs === undefined || value === undefined) {
    // Checks run in a fixed order; an unknown meter hides every other fault.
    const all: RejectionReason[] = unknown ? ['unknown_meter'] : [...reasons];
    return { record: obj(entries), expected: { valid: false, reasons: all, label: labelText } };
  }
  return {
    record: obj(entries),
    expected: { valid: true, reading: { meterId: r.meter.id, tsMs, value, seq: null }, label: labelText },
  };
}

function tasmotaMessage(clock: FuzzClock): fc.Arbitrary<MessageDraft> {
  const known = fc
    .constantFrom(...TASMOTA_METERS)
    .map((meter) => ({ meter, known: true, device: tasmotaDevice(meter) }));
  const unknown = unknownId
    .filter((d) => !fuzzDirectory.byTasmotaDevice(d))
    .map((device) => ({ meter: TASMOTA_METERS[0] as FuzzMeter, known: false, device }));
  return fc
    .oneof({ weight: 9, arbitrary: known }, { weight: 1, arbitrary: unknown })
    .chain(({ meter, known, device }) =>
      fc
        .record({
          fault: fc.constantFrom(
            'none',
            'none',
            'none',
            'none',
            'none',
            'ts',
            'value',
            'energy',
            'envelope',
            'dup-time',
          ),
          ts: validTasmotaTs(clock),
          badTs: invalidTs(clock, true),
          value: validValue,
          badValue: invalidValue,
          energyBad: fc.constantFrom<JsonTree>(null, 5, 'ENERGY', [], [obj([['Total', 1]])], obj([['total', 1]])),
          envelope: fc.constantFrom<JsonTree>([], 5, null, 'SENSOR', [obj([['Time', '2026-01-01T00:00:00']])]),
          energyExtras: fc.subarray(['TotalStartTime', 'Yesterday', 'Today', 'Period', 'Power', 'Voltage', 'Current']),
          topExtras: extraEntries(new Set(['Time', 'ENERGY'])),
        })
        .map((g): MessageDraft => {
          const ts = g.fault === 'ts' ? g.badTs : g.ts;
          const value = g.fault === 'value' ? g.badValue : g.value;
          const energy: [string, JsonTree][] = g.energyExtras.map((k) => [
            k,
            k === 'TotalStartTime' ? '2019-09-01T00:00:00' : 1.5,
          ]);
          if (value.token !== undefined) energy.push(['Total', value.token]);
          const top: [string, JsonTree][] = [...g.topExtras];
          if (g.fault === 'dup-time') top.push(['Time', 'garbage']);
          if (ts.token !== undefined) top.push(['Time', ts.token]);
          top.push(['ENERGY', g.fault === 'energy' ? g.energyBad : obj(energy)]);
          const topic = `tele/${device}/SENSOR`;
          let expected = combine(meter, known, ts, value, [], null, [ts.label, value.label, `tasmota:${g.fault}`]);
          if (known && (g.fault === 'energy' || g.fault === 'envelope')) {
            expected = { valid: false, reasons: schema, label: `tasmota:${g.fault}` };
          }
          return {
            shape: 'tasmota',
            topic,
            tree: g.fault === 'envelope' ? g.envelope : obj(top),
            items: [expected],
            wholeReasons: null,
            itemDepth: 1,
            labels: [expected.label],
          };
        }),
    );
}

// ───────────────────────────── envelopes: bytes ─────────────────────────────

type Envelope =
  | { kind: 'plain' }
  | { kind: 'bom' }
  | { kind: 'whitespace'; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'trailing'; text: string }
  | { kind: 'nul'; at: number }
  | { kind: 'utf16'; bom: 'le' | 'be' | 'none' }
  | { kind: 'bad-utf8-outside'; bytes: number[] }
  | { kind: 'bad-utf8-inside'; bytes: number[] }
  | { kind: 'oversized'; extra: number }
  | { kind: 'huge-string'; length: number }
  | { kind: 'nested'; depth: number }
  | { kind: 'non-json-number'; text: string }
  | { kind: 'empty' };

const BAD_UTF8 = [
  [0xff],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xfe],
];

const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(
  { weight: 30, arbitrary: fc.constant<Envelope>({ kind: 'plain' }) },
  { weight: 1, arbitrary: fc.constant<Envelope>({ kind: 'bom' }) },
  {
    weight: 1,
    arbitrary: fc.stringMatching(/^[ \t\r\n]{1,4}$/).map((text): Envelope => ({ kind: 'whitespace', text })),
  },
  {
    weight: 2,
    arbitrary: fc
      .double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
      .map((at): Envelope => ({ kind: 'truncate', at })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('x', ',', '}', ']', '{}', '\u0000', '//c')
      .map((text): Envelope => ({ kind: 'trailing', text })),
  },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at): Envelope => ({ kind: 'nul', at })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<'le' | 'be' | 'none'>('le', 'be', 'none')
      .map((bom): Envelope => ({ kind: 'utf16', bom })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...BAD_UTF8).map((bytes): Envelope => ({ kind: 'bad-utf8-outside', bytes })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_UTF8).map((bytes): Envelope => ({ kind: 'bad-utf8-inside', bytes })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 200_000 }).map((extra): Envelope => ({ kind: 'oversized', extra })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((length): Envelope => ({ kind: 'huge-string', length })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 70, max: 120_000 }))
      .map((depth): Envelope => ({ kind: 'nested', depth })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('NaN', 'Infinity', '-Infinity', '+1', '.5', '01', '1.', '0x1F', "'1'")
      .map((text): Envelope => ({ kind: 'non-json-number', text })),
  },
  { weight: 1, arbitrary: fc.constant<Envelope>({ kind: 'empty' }) },
);

/** The depth limit of the core (ingest/core/process-message.ts MAX_JSON_DEPTH). */
const MAX_JSON_DEPTH = 64;
const INSIDE_MARK = 'Zq9MARKq9Z';
const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function utf16(text: string, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i + (bigEndian ? 1 : 0)] = c & 0xff;
    out[2 * i + (bigEndian ? 0 : 1)] = c >> 8;
  }
  return out;
}

/** Adds an entry to the first item of the message (the object that holds the fields), if it has one. */
function withEntry(draft: MessageDraft, key: string, value: JsonTree): JsonTree | undefined {
  const add = (t: JsonTree): JsonTree | undefined =>
    t instanceof RawToken || t === null || typeof t !== 'object' || Array.isArray(t)
      ? undefined
      : obj([...(t as { entries: [string, JsonTree][] }).entries, [key, value]]);
  if (Array.isArray(draft.tree)) {
    const [first, ...rest] = draft.tree as JsonTree[];
    const changed = first === undefined ? undefined : add(first);
    return changed === undefined ? undefined : [changed, ...rest];
  }
  return add(draft.tree);
}

function finish(draft: MessageDraft, envelope: Envelope, clock: FuzzClock): FuzzCase {
  const whole = (reasons: readonly RejectionReason[], payload: Uint8Array, label: string): FuzzCase => ({
    shape: draft.shape,
    topic: draft.topic,
    payload,
    wholeReasons: payload.byteLength > clock.maxPayloadBytes ? ['oversized_payload'] : reasons,
    items: [],
    labels: [...draft.labels, label],
  });
  const asIs = (payload: Uint8Array, label: string): FuzzCase => {
    if (payload.byteLength > clock.maxPayloadBytes) return whole(['oversized_payload'], payload, label);
    if (draft.wholeReasons) return whole(draft.wholeReasons, payload, label);
    return {
      shape: draft.shape,
      topic: draft.topic,
      payload,
      wholeReasons: null,
      items: draft.items,
      labels: [...draft.labels, label],
    };
  };
  const text = writeJson(draft.tree);
  const bytes = encoder.encode(text);
  const malformed: readonly RejectionReason[] = ['malformed_json'];
  switch (envelope.kind) {
    case 'plain':
      return asIs(bytes, 'env:plain');
    case 'bom':
      // TextDecoder drops a UTF-8 byte-order mark, as most JSON readers do.
      return asIs(concat(new Uint8Array([0xef, 0xbb, 0xbf]), bytes), 'env:bom');
    case 'whitespace':
      return asIs(encoder.encode(envelope.text + text + envelope.text), 'env:whitespace');
    case 'truncate':
      // Every accepted envelope is an object or array, so no proper prefix of it is JSON.
      return typeof draft.tree === 'object' && draft.tree !== null && !(draft.tree instanceof RawToken)
        ? whole(malformed, bytes.subarray(0, Math.floor(envelope.at * bytes.byteLength)), 'env:truncate')
        : asIs(bytes, 'env:plain');
    case 'trailing':
      return whole(malformed, encoder.encode(text + envelope.text), 'env:trailing');
    case 'nul': {
      const at = Math.floor(envelope.at * bytes.byteLength);
      return whole(malformed, concat(bytes.subarray(0, at), new Uint8Array([0]), bytes.subarray(at)), 'env:nul');
    }
    case 'utf16': {
      const body = utf16(text, envelope.bom === 'be');
      const bom = envelope.bom === 'le' ? [0xff, 0xfe] : envelope.bom === 'be' ? [0xfe, 0xff] : [];
      // Read as UTF-8, a UTF-16 code unit may be a quote or a bracket, so the depth check may refuse it first.
      return whole(
        ['malformed_json', 'schema_violation'],
        concat(new Uint8Array(bom), body),
        `env:utf16-${envelope.bom}`,
      );
    }
    case 'bad-utf8-outside':
      return whole(malformed, concat(new Uint8Array(envelope.bytes), bytes), 'env:bad-utf8-outside');
    case 'bad-utf8-inside': {
      // Inside a string the decoder puts U+FFFD: the JSON stays valid and so does the item.
      const tree = withEntry(draft, 'note', INSIDE_MARK);
      if (tree === undefined) return asIs(bytes, 'env:plain');
      const marked = writeJson(tree);
      const i = marked.indexOf(INSIDE_MARK);
      const out = concat(
        encoder.encode(marked.slice(0, i)),
        new Uint8Array(envelope.bytes),
        encoder.encode(marked.slice(i + INSIDE_MARK.length)),
      );
      return asIs(out, 'env:bad-utf8-inside');
    }
    case 'oversized': {
      const tree = withEntry(draft, 'pad', 'x'.repeat(clock.maxPayloadBytes + envelope.extra));
      const padded = encoder.encode(
        tree === undefined ? text + ' '.repeat(clock.maxPayloadBytes + envelope.extra) : writeJson(tree),
      );
      return whole(['oversized_payload'], padded, 'env:oversized');
    }
    case 'huge-string': {
      const tree = withEntry(draft, 'blob', '值'.repeat(envelope.length / 3));
      return tree === undefined ? asIs(bytes, 'env:plain') : asIs(encoder.encode(writeJson(tree)), 'env:huge-string');
    }
    case 'nested': {
      const nest = raw('['.repeat(envelope.depth) + ']'.repeat(envelope.depth));
      const tree = withEntry(draft, 'deep', nest);
      if (tree === undefined) return asIs(bytes, 'env:plain');
      const payload = encoder.encode(writeJson(tree));
      const label = `env:nested-${envelope.depth > MAX_JSON_DEPTH ? 'deep' : 'shallow'}`;
      return draft.itemDepth + envelope.depth > MAX_JSON_DEPTH ? whole(schema, payload, label) : asIs(payload, label);
    }
    case 'non-json-number': {
      const tree = withEntry(draft, 'n2', raw(envelope.text));
      return tree === undefined
        ? asIs(bytes, 'env:plain')
        : whole(malformed, encoder.encode(writeJson(tree)), 'env:non-json-number');
    }
    case 'empty':
      return whole(malformed, new Uint8Array(0), 'env:empty');
  }
}

/** A case of one shape (or any shape), with its oracle. */
export function fuzzCase(clock: FuzzClock, shape?: Shape): fc.Arbitrary<FuzzCase> {
  const shapes: Record<Shape, fc.Arbitrary<MessageDraft>> = {
    generic: genericMessage(clock),
    gateway: gatewayMessage(clock),
    senml: senmlMessage(clock),
    tasmota: tasmotaMessage(clock),
  };
  const draft = shape ? shapes[shape] : fc.oneof(...Object.values(shapes));
  return fc.tuple(draft, envelopeArb).map(([d, e]) => finish(d, e, clock));
}

/** Topics no codec reads (the core only: a broker never delivers them to the service's subscriptions). */
export const unroutableTopic: fc.Arbitrary<string> = fc.constantFrom(
  'meters//readings',
  'meters/e-main/readings/extra',
  'meters/e-main',
  'tele/tasmota_canteen_1/STATE',
  'senml',
  'senml/gw/extra',
  '',
  '/meters/e-main/readings',
);
