import { createHash, createPublicKey, verify } from 'node:crypto';
import { fleetSchema } from '../../config/index.js';
import type { Reading } from '../../src/kernel/index.js';

/**
 * The fleet and readings of the closed-period tests: county yc with one complete
 * institution (two electricity meters read hourly through October 2026, but for
 * a gap of e1 on 20 October that a late batch fills), and county yc2 whose meter
 * misses half its readings and jumps implausibly once (a reading awaiting review).
 */
export const HOUR_MS = 3_600_000;
export const LOCAL_OCT_1 = Date.parse('2026-10-01T00:00:00+08:00');
export const LOCAL_NOV_1 = Date.parse('2026-11-01T00:00:00+08:00');
/** After October, before November is over. */
export const NOW = Date.parse('2026-11-05T00:00:00Z');
/** The late batch: e1 on 20 October from 12:00 to 17:00 local. */
export const LATE_FROM_MS = Date.parse('2026-10-20T12:00:00+08:00');
export const LATE_TO_MS = Date.parse('2026-10-20T18:00:00+08:00');

export const fleet = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: '宁夏回族自治区', level: 'region' },
    { id: 'yc', name: '银川县', level: 'county', parent: 'nx' },
    { id: 'yc2', name: '永宁县', level: 'county', parent: 'nx' },
  ],
  institutions: [
    {
      id: 'inst1',
      name: '县机关',
      org: 'yc',
      type: 'government_office',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
    {
      id: 'inst2',
      name: '县学校',
      org: 'yc2',
      type: 'school',
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 5_000 }],
      occupants: [{ from: '2020-01-01', value: 900 }],
    },
  ],
  buildings: [
    { id: 'b1', institution: 'inst1', name: '主楼' },
    { id: 'b2', institution: 'inst2', name: '教学楼' },
  ],
  meters: [
    {
      id: 'e1',
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
      endUse: '01000',
      ratedMaxPerHour: 100,
      expectedIntervalMinutes: 60,
    },
    {
      id: 'e2',
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
      ratedMaxPerHour: 100,
      expectedIntervalMinutes: 60,
    },
    { id: 'e3', building: 'b2', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 50, expectedIntervalMinutes: 60 },
  ],
});

function reading(meterId: string, tsMs: number, value: number): Reading {
  return { meterId, tsMs, value, seq: null, receivedAtMs: NOW, quality: 'ok' };
}

/** Hourly readings from a week before October to a week after, as first stored (the late batch held back). */
export function firstReadings(): Reading[] {
  const out: Reading[] = [];
  for (let t = LOCAL_OCT_1 - 7 * 24 * HOUR_MS; t <= LOCAL_NOV_1 + 3 * 24 * HOUR_MS; t += HOUR_MS) {
    const h = (t - LOCAL_OCT_1) / HOUR_MS + 1000;
    if (t < LATE_FROM_MS || t >= LATE_TO_MS) out.push(reading('e1', t, 10 * h));
    out.push(reading('e2', t, 5 * h));
    // e3: every other hour only, and one implausible jump (quarantined for review) on 12 October.
    if (h % 2 === 0) out.push(reading('e3', t, 3 * h + (t >= Date.parse('2026-10-12T10:00:00+08:00') ? 10_000 : 0)));
  }
  return out;
}

/** The readings a gateway delivers late: e1's six hours on 20 October. */
export function lateReadings(): Reading[] {
  const out: Reading[] = [];
  for (let t = LATE_FROM_MS; t < LATE_TO_MS; t += HOUR_MS)
    out.push(reading('e1', t, 10 * ((t - LOCAL_OCT_1) / HOUR_MS + 1000)));
  return out;
}

/**
 * What an auditor runs offline with node:crypto alone (docs/periods.md): the leaf hash, the path
 * up to the root, the root against the signed statement, the statement's signature against the key.
 */
export function checkProofOffline(
  proof: {
    leafJson: string;
    path: { side: 'left' | 'right'; hash: string }[];
    rootStatement: string;
    rootSignature: string;
  },
  publicKeyPem: string,
): { rootMatches: boolean; signatureValid: boolean } {
  const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  let hash = sha(Buffer.from([0]), Buffer.from(proof.leafJson, 'utf8'));
  for (const step of proof.path) {
    const sibling = Buffer.from(step.hash, 'hex');
    hash = step.side === 'left' ? sha(Buffer.from([1]), sibling, hash) : sha(Buffer.from([1]), hash, sibling);
  }
  const statement = JSON.parse(proof.rootStatement) as { merkleRoot: string };
  const key = createPublicKey(publicKeyPem);
  return {
    rootMatches: hash.toString('hex') === statement.merkleRoot,
    signatureValid: verify(null, Buffer.from(proof.rootStatement), key, Buffer.from(proof.rootSignature, 'base64')),
  };
}
