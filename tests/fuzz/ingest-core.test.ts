import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { processMessage, type MessageContext, type MessageOutcome } from '../../ingest/index.js';
import { describeCase, FuzzTally, outcomeProblems } from './support/fuzz-oracle.js';
import {
  FUZZ_TOPICS,
  fuzzCase,
  fuzzDirectory,
  unroutableTopic,
  type FuzzCase,
  type Shape,
} from './support/payload-arbitraries.js';

/**
 * Structure-aware fuzzing of the ingest core (issue 12 §3): every generated payload
 * goes through processMessage; no exception may escape, every item must end where
 * the case's oracle says (the exact reading, or a catalogued reason the case allows).
 * FUZZ_RUNS sets the total number of payloads (npm run test:fuzz runs 100 000 or more);
 * the default keeps `npm test` to a few seconds.
 */
const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SHAPES: readonly Shape[] = ['generic', 'gateway', 'senml', 'tasmota'];
const NOW = Date.parse('2026-10-01T00:15:00Z');
const clock = { nowMs: NOW, maxFutureSkewMs: 300_000, maxPayloadBytes: 262_144 };
const ctx: MessageContext = {
  directory: fuzzDirectory,
  topics: FUZZ_TOPICS,
  limits: { maxPayloadBytes: clock.maxPayloadBytes, maxFutureSkewMs: clock.maxFutureSkewMs },
  nowMs: NOW,
};
const tally = new FuzzTally();

/** Runs the core; an exception is a finding in itself (the handler would fail and the broker redeliver). */
function run(c: FuzzCase): MessageOutcome {
  try {
    return processMessage(c.topic, c.payload, ctx);
  } catch (error) {
    throw new Error(`processMessage threw ${(error as Error).message} on ${describeCase(c)}`, { cause: error });
  }
}

describe('the ingest core under generated payloads', () => {
  it.each(SHAPES)('%s: every outcome is a value and matches the oracle', (shape) => {
    fc.assert(
      fc.property(fuzzCase(clock, shape), (c) => {
        const out = run(c);
        tally.add(c, out);
        const problems = outcomeProblems(c, out);
        if (problems.length > 0) throw new Error(`${problems.join('; ')} on ${describeCase(c)}`);
      }),
      { numRuns: Math.ceil((TOTAL_RUNS * 0.97) / SHAPES.length) },
    );
  });

  it('refuses a payload on a topic no codec reads as unknown_topic (or oversized_payload, checked first)', () => {
    fc.assert(
      fc.property(fuzzCase(clock), unroutableTopic, (c, topic) => {
        const out = run({ ...c, topic });
        tally.add({ ...c, topic, wholeReasons: [] }, out);
        const want = c.payload.byteLength > clock.maxPayloadBytes ? 'oversized_payload' : 'unknown_topic';
        expect(out.accepted).toEqual([]);
        expect(out.rejected.map((r) => r.reason)).toEqual([want]);
      }),
      { numRuns: Math.ceil(TOTAL_RUNS * 0.03) },
    );
  });

  it('generates every kind of case: valid items, refused items and whole refusals of each shape', () => {
    // The generators are not allowed to drift into producing only one outcome.
    const cases = fc.sample(fuzzCase(clock), { numRuns: 1000, seed: 12 });
    const outcomes = cases.map((c) => [c, run(c)] as const);
    for (const shape of SHAPES) {
      const ofShape = outcomes.filter(([c]) => c.shape === shape);
      expect(ofShape.some(([, o]) => o.accepted.length > 0)).toBe(true);
      expect(ofShape.some(([c, o]) => c.wholeReasons === null && o.rejected.length > 0)).toBe(true);
      expect(ofShape.some(([c]) => c.wholeReasons !== null)).toBe(true);
    }
    const reasons = new Set(outcomes.flatMap(([, o]) => o.rejected.map((r) => r.reason)));
    expect([...reasons].sort()).toEqual(
      [
        'future_timestamp',
        'malformed_json',
        'meter_id_mismatch',
        'negative_register',
        'non_finite_number',
        'oversized_payload',
        'schema_violation',
        'unit_mismatch',
        'unknown_meter',
      ].sort(),
    );
  });
});

afterAll(() => {
  if (process.env.FUZZ_RUNS) console.error(`fuzz core tally ${JSON.stringify(tally)}`);
});
