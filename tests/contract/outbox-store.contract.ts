import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxMessage, OutboxStore } from '../../alerts/index.js';

/**
 * One contract for the alert outbox in every engine (alerts/deliver-outbox.ts OutboxStore):
 * same inputs, same answers. Every test gets a fresh, initialised, empty store.
 */
export interface OutboxStoreUnderTest {
  readonly store: OutboxStore;
  readonly cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 10, 30, 2, 0);

export function outboxMessage(key: string, queuedAtMs: number, extra: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    key,
    kind: 'immediate',
    messageId: `<tanhe.immediate.${key.length}${queuedAtMs}@tanhe.example.org>`,
    alertIds: [`meter_offline:meter:m1:${key}`],
    recipient: { org: 'jf', email: 'jf@example.org', name: '李工', lang: 'zh' },
    from: 'tanhe 碳核 <alerts@tanhe.example.org>',
    subject: '【碳核】紧急 表计离线: m1',
    text: `李工：\n\n表计 m1 已 1 小时无读数 "quoted" 'single' \\ backslash ; semicolon\n`,
    html: '<p>表计 &lt;m1&gt; 已 1 小时无读数</p>\n<p>' + 'x'.repeat(20_000) + '</p>',
    queuedAtMs,
    ...extra,
  };
}

export function outboxStoreContract(name: string, makeStore: () => Promise<OutboxStoreUnderTest>): void {
  describe(`alert OutboxStore contract: ${name}`, () => {
    let store: OutboxStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('starts empty, and init is idempotent', async () => {
      await store.init();
      expect(await store.pending()).toEqual([]);
      expect(await store.queuedKeys(['a'])).toEqual(new Set());
      expect(await store.queuedKeys([])).toEqual(new Set());
    });

    it('reads back queued messages exactly (unicode, quotes, large HTML), by (queuedAtMs, key)', async () => {
      const digest = outboxMessage('digest|jf@example.org|2026-11-30', T0, {
        kind: 'digest',
        day: '2026-11-30',
        alertIds: ['a:meter:m1:w', 'b:meter:m2:w'],
        recipient: { org: 'jf', email: 'jf@example.org', lang: 'en' },
      });
      const later = outboxMessage('immediate|a|jf@example.org', T0 + 1);
      const first = outboxMessage('immediate|b|jf@example.org', T0);
      await store.queue([later, digest]);
      await store.queue([first]);
      expect(await store.pending()).toEqual([digest, first, later]);
    });

    it('keeps the first queued row of a key: queueing again, even with other content, changes nothing', async () => {
      const m = outboxMessage('immediate|a|jf@example.org', T0);
      await store.queue([m]);
      await store.queue([m]);
      await store.queue([{ ...m, subject: 'another', queuedAtMs: T0 + 60_000 }]);
      expect(await store.pending()).toEqual([m]);
      expect(await store.queuedKeys([m.key, 'other'])).toEqual(new Set([m.key]));
    });

    it('a sent message is no longer pending, stays queued, and marking it again is a no-op', async () => {
      const a = outboxMessage('immediate|a|jf@example.org', T0);
      const b = outboxMessage('immediate|b|jf@example.org', T0 + 1);
      await store.queue([a, b]);
      await store.markSent([{ key: a.key, messageId: a.messageId, sentAtMs: T0 + 5_000 }]);
      expect(await store.pending()).toEqual([b]);
      await store.markSent([{ key: a.key, messageId: a.messageId, sentAtMs: T0 + 5_000 }]);
      await store.markSent([{ key: a.key, messageId: a.messageId, sentAtMs: T0 + 9_000 }]);
      await store.markSent([]);
      expect(await store.pending()).toEqual([b]);
      expect(await store.queuedKeys([a.key, b.key])).toEqual(new Set([a.key, b.key]));
      await store.markSent([{ key: b.key, messageId: b.messageId, sentAtMs: T0 + 6_000 }]);
      expect(await store.pending()).toEqual([]);
      // Queueing a sent key again does not make it pending.
      await store.queue([a]);
      expect(await store.pending()).toEqual([]);
    });

    it('answers queuedKeys for many keys at once', async () => {
      const messages = Array.from({ length: 30 }, (_, i) =>
        outboxMessage(`immediate|alert-${i}|jf@example.org`, T0 + i),
      );
      await store.queue(messages);
      const asked = [...messages.map((m) => m.key), ...Array.from({ length: 700 }, (_, i) => `missing-${i}`)];
      expect(await store.queuedKeys(asked)).toEqual(new Set(messages.map((m) => m.key)));
    });
  });
}
