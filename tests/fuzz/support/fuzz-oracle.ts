import type { MessageOutcome } from '../../../ingest/index.js';
import { isRejectionReason } from '../../../src/kernel/index.js';
import type { FuzzCase } from './payload-arbitraries.js';

/** What the core must do with a case, compared with what it did; empty when it did exactly that. */
export function outcomeProblems(c: FuzzCase, out: MessageOutcome): string[] {
  const problems: string[] = [];
  for (const r of out.rejected)
    if (!isRejectionReason(r.reason)) problems.push(`reason ${r.reason} is not in the catalogue`);
  if (c.wholeReasons) {
    if (out.accepted.length > 0) problems.push(`a message refused whole accepted ${out.accepted.length} items`);
    if (out.rejected.length !== 1) problems.push(`refused whole as ${out.rejected.length} rejections, expected 1`);
    const reason = out.rejected[0]?.reason;
    if (reason !== undefined && !c.wholeReasons.includes(reason)) {
      problems.push(`refused whole with ${reason}, expected one of ${c.wholeReasons.join('|')}`);
    }
    return problems;
  }
  const valid = c.items.flatMap((i) => (i.valid ? [i] : []));
  const invalid = c.items.flatMap((i) => (i.valid ? [] : [i]));
  if (out.accepted.length !== valid.length || out.rejected.length !== invalid.length) {
    problems.push(
      `accepted ${out.accepted.length} and refused ${out.rejected.length}, expected ${valid.length} and ${invalid.length}`,
    );
  }
  valid.forEach((item, i) => {
    const got = out.accepted[i];
    const want = item.reading;
    const same =
      got !== undefined &&
      got.meterId === want.meterId &&
      got.tsMs === want.tsMs &&
      Object.is(got.value, want.value) &&
      Object.is(got.seq, want.seq);
    if (!same) problems.push(`item ${item.label}: accepted ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  });
  invalid.forEach((item, i) => {
    const got = out.rejected[i];
    if (got && !item.reasons.includes(got.reason)) {
      problems.push(`item ${item.label}: refused with ${got.reason}, expected one of ${item.reasons.join('|')}`);
    }
  });
  return problems;
}

/** A case as text for a failure message: topic, labels and the start of the payload. */
export function describeCase(c: FuzzCase): string {
  const text = new TextDecoder().decode(c.payload.subarray(0, 400));
  return `${c.shape} ${c.topic} [${c.labels.join(', ')}] ${c.payload.byteLength} bytes: ${text}`;
}

/** Running totals of a fuzz run, for the note in docs/reliability.md. */
export class FuzzTally {
  payloads = 0;
  bytes = 0;
  validItems = 0;
  invalidItems = 0;
  wholeRefused = 0;
  readonly byShape = new Map<string, number>();
  readonly byReason = new Map<string, number>();

  add(c: FuzzCase, out: MessageOutcome): void {
    this.payloads++;
    this.bytes += c.payload.byteLength;
    this.byShape.set(c.shape, (this.byShape.get(c.shape) ?? 0) + 1);
    if (c.wholeReasons) this.wholeRefused++;
    else {
      this.validItems += out.accepted.length;
      this.invalidItems += out.rejected.length;
    }
    for (const r of out.rejected) this.byReason.set(r.reason, (this.byReason.get(r.reason) ?? 0) + 1);
  }

  toJSON(): object {
    return {
      payloads: this.payloads,
      megabytes: Math.round(this.bytes / 1e4) / 100,
      validItems: this.validItems,
      invalidItems: this.invalidItems,
      refusedWhole: this.wholeRefused,
      byShape: Object.fromEntries(this.byShape),
      byReason: Object.fromEntries([...this.byReason].sort((a, b) => b[1] - a[1])),
    };
  }
}
