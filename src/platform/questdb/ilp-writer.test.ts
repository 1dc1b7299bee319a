import { createBuffer, SenderOptions } from '@questdb/nodejs-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IlpLines } from './ilp-writer.js';

interface Row {
  readonly meterId: string;
  readonly value: number;
  readonly seq: number | null;
  readonly receivedAtMs: number;
  readonly tsMs: number;
  readonly detail: string;
}

/** The official client's v2 buffer: the reference IlpLines must match byte for byte. */
async function clientBytes(rows: readonly Row[]): Promise<Buffer> {
  const buffer = createBuffer(await SenderOptions.fromConfig('http::addr=127.0.0.1:9000;protocol_version=2;'));
  for (const r of rows) {
    buffer.table('readings').symbol('meter_id', r.meterId).floatColumn('value', r.value);
    if (r.seq !== null) buffer.intColumn('seq', r.seq);
    buffer.stringColumn('detail', r.detail);
    buffer.timestampColumn('received_at', BigInt(r.receivedAtMs) * 1000n, 'us');
    buffer.at(BigInt(r.tsMs) * 1000n, 'us');
  }
  return buffer.toBufferNew() ?? Buffer.alloc(0);
}

function linesBytes(rows: readonly Row[], lines = new IlpLines()): Buffer {
  for (const r of rows) {
    lines.table('readings').symbol('meter_id', r.meterId).float('value', r.value);
    if (r.seq !== null) lines.int('seq', r.seq);
    lines.string('detail', r.detail).timestampMs('received_at', r.receivedAtMs).atMs(r.tsMs);
  }
  return lines.toBuffer();
}

// Text with every character ILP escapes somewhere, plus non-ASCII and lone surrogates.
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', ',', '=', '"', '\\', '\n', '\r', '\t', 'é', '电', '😀', '\ud800', '\udfff'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 30,
});
const row = fc.record({
  meterId: text.filter((s) => s.length > 0),
  value: fc.double(),
  seq: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
  receivedAtMs: fc.integer({ min: -8.64e15, max: 8.64e15 }),
  tsMs: fc.integer({ min: 0, max: 8.64e15 }),
  detail: text,
});

describe('IlpLines', () => {
  it('writes the same bytes as the official client for the same rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), async (rows) => {
        expect(linesBytes(rows).equals(await clientBytes(rows))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its initial buffer and counts rows', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      meterId: `m${i}`,
      value: i * 1.25,
      seq: i,
      receivedAtMs: 1_767_225_600_000 + i,
      tsMs: 1_767_225_600_000 + i * 900_000,
      detail: 'x'.repeat(i % 50),
    }));
    const lines = new IlpLines();
    expect(linesBytes(rows, lines).equals(await clientBytes(rows))).toBe(true);
    expect(lines.rows).toBe(3000);
    lines.shrink();
    expect(lines.rows).toBe(0);
    expect(lines.toBuffer().length).toBe(0);
  });

  it('refuses a timestamp that is not an integer and a non-integer int column', () => {
    expect(() => new IlpLines().table('t').symbol('a', 'b').atMs(1.5)).toThrow();
    expect(() => new IlpLines().table('t').int('a', 0.5)).toThrow();
  });
});
