import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';
import { decodeSpoolRecord, encodeSpoolRecord, type SpoolRecord } from './spool-record.js';
import { matchTopic } from './topic-match.js';

describe('RecentKeys', () => {
  it('tells new, duplicate and conflicting readings apart', () => {
    const keys = new RecentKeys(10);
    expect(keys.check('m1', 1, 5)).toBe('new');
    keys.remember('m1', 1, 5);
    expect(keys.check('m1', 1, 5)).toBe('duplicate');
    expect(keys.check('m1', 1, 6)).toBe('conflict');
    expect(keys.check('m2', 1, 5)).toBe('new');
  });

  it('recognises a reading older than the newest remembered one (out of time order)', () => {
    const keys = new RecentKeys(10);
    keys.remember('m1', 30, 3);
    keys.remember('m1', 10, 1);
    keys.remember('m1', 20, 2);
    expect(keys.check('m1', 10, 1)).toBe('duplicate');
    expect(keys.check('m1', 20, 5)).toBe('conflict');
    expect(keys.check('m1', 30, 3)).toBe('duplicate');
    expect(keys.check('m1', 15, 1)).toBe('new');
    expect(keys.check('m1', 31, 3)).toBe('new');
  });

  it('forgets the oldest key beyond its bound', () => {
    const keys = new RecentKeys(2);
    keys.remember('m1', 1, 1);
    keys.remember('m1', 2, 1);
    keys.remember('m1', 3, 1);
    expect(keys.check('m1', 1, 1)).toBe('new');
    expect(keys.check('m1', 3, 1)).toBe('duplicate');
  });
});

describe('spool records', () => {
  it('round-trip readings and quarantine records exactly', () => {
    const records: SpoolRecord[] = [
      {
        kind: 'reading',
        reading: {
          meterId: 'm1',
          tsMs: 1_790_000_000_123,
          value: 12345.678,
          seq: 7,
          receivedAtMs: 1_790_000_000_200,
          quality: 'ok',
        },
      },
      {
        kind: 'reading',
        reading: { meterId: 'm1', tsMs: 1, value: 0.1 + 0.2, seq: null, receivedAtMs: 2, quality: 'ok' },
      },
      {
        kind: 'quarantine',
        record: {
          id: 'r1:x:1',
          receivedAtMs: 3,
          topic: 'meters/m1/readings',
          meterId: null,
          reason: 'malformed_json',
          detail: 'Unexpected end',
          payload: '{"ts":\n 中',
        },
      },
    ];
    for (const record of records) {
      const line = encodeSpoolRecord(record);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(decodeSpoolRecord(line.slice(0, -1))).toEqual(record);
    }
  });

  it('throws on a line it did not write', () => {
    expect(() => decodeSpoolRecord('{"k":"x"}')).toThrow();
  });
});

describe('matchTopic', () => {
  it('captures + levels and ignores a $share prefix', () => {
    expect(matchTopic('$share/g/meters/+/readings', 'meters/m-1/readings')).toEqual(['m-1']);
    expect(matchTopic('meters/+/readings', 'meters/m1/other')).toBeUndefined();
    expect(matchTopic('meters/+/readings', 'meters//readings')).toBeUndefined();
    expect(matchTopic('senml/#', 'senml/a/b')).toEqual(['a/b']);
  });
});
