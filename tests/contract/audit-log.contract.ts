import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../../access/index.js';
import { T0 } from './contract-fixtures.js';

/**
 * One contract for access's audit log in every engine (access/ports.ts
 * AuditLog): same entries in, same entries out, in the same order, the same
 * filters, and the same after a restart. Every test gets a fresh, initialised,
 * empty log from `makeLog`.
 */
export interface AuditLogUnderTest {
  readonly log: AuditLog;
  /** A new adapter and engine client over the same stored data, as after a restart (the previous one is closed). */
  readonly reopen: () => Promise<AuditLog>;
  readonly cleanup: () => Promise<void>;
}

const MINUTE = 60_000;

const entries: AuditEntry[] = [
  {
    atMs: T0,
    actor: 'cli:root',
    action: 'token.create',
    target: '00000000000000a1',
    outcome: 'ok',
    detail: { name: 'county-auditor', role: 'auditor', scopeOrgId: 'nx-yc' },
  },
  {
    atMs: T0 + MINUTE,
    actor: 'county-auditor',
    role: 'auditor',
    action: 'token.use',
    target: 'GET /api/v1/reports/carbon',
    outcome: 'ok',
    detail: {},
  },
  {
    atMs: T0 + 2 * MINUTE,
    actor: 'anonymous',
    action: 'http.denied',
    target: 'POST /api/v1/periods/close',
    outcome: 'UNAUTHENTICATED',
    detail: { ip: '127.0.0.1' },
  },
  {
    atMs: T0 + 3 * MINUTE,
    actor: '李明',
    role: 'administrator',
    action: 'period.close',
    target: 'yc-gov-a/2026-09',
    outcome: 'ok',
    detail: {
      justification: '供暖季延长，见会议纪要 #12 — O\'Brien "quoted" \\ back\nslash 🌡️',
      digest: 'a'.repeat(64),
      revision: 1,
      override: true,
      missing: null,
      meters: ['gov-a-e-main', '政务-水表'],
      nested: { completeness: 0.973, levels: [1, 2.5] },
    },
  },
  {
    atMs: T0 + 4 * MINUTE,
    actor: 'county-auditor',
    role: 'auditor',
    action: 'token.use',
    target: 'GET /api/v1/periods',
    outcome: 'ok',
    detail: {},
  },
];
const at = (list: readonly AuditEntry[]) => list.map((e) => `${e.action}@${(e.atMs - T0) / MINUTE}`);

export function auditLogContract(name: string, makeLog: () => Promise<AuditLogUnderTest>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let subject: AuditLogUnderTest;
    let log: AuditLog;

    beforeEach(async () => {
      subject = await makeLog();
      log = subject.log;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('gives back every entry as appended (unicode detail, no role), oldest first', async () => {
      // Out of order and over two appends: the log orders them.
      await log.append([entries[3], entries[1]].filter((e) => e !== undefined));
      await log.append([entries[4], entries[0], entries[2]].filter((e) => e !== undefined));
      const all = await log.entries({ limit: 100 });
      expect(all).toEqual(entries);
      expect(all[0]).not.toHaveProperty('role');
      expect(all[3]?.detail.justification).toBe(entries[3]?.detail.justification);
    });

    it('filters by [fromMs, toMs), actor and action, and cuts at limit from the oldest', async () => {
      await log.append(entries);
      expect(at(await log.entries({ fromMs: T0 + MINUTE, toMs: T0 + 3 * MINUTE, limit: 100 }))).toEqual([
        'token.use@1',
        'http.denied@2',
      ]);
      expect(at(await log.entries({ fromMs: T0 + 3 * MINUTE, limit: 100 }))).toEqual(['period.close@3', 'token.use@4']);
      expect(at(await log.entries({ toMs: T0 + MINUTE, limit: 100 }))).toEqual(['token.create@0']);
      expect(at(await log.entries({ actor: 'county-auditor', limit: 100 }))).toEqual(['token.use@1', 'token.use@4']);
      expect(at(await log.entries({ actor: '李明', limit: 100 }))).toEqual(['period.close@3']);
      expect(at(await log.entries({ action: 'token.use', limit: 100 }))).toEqual(['token.use@1', 'token.use@4']);
      expect(at(await log.entries({ action: 'token.use', actor: 'cli:root', limit: 100 }))).toEqual([]);
      expect(at(await log.entries({ action: 'token.use', fromMs: T0 + 2 * MINUTE, limit: 100 }))).toEqual([
        'token.use@4',
      ]);
      expect(at(await log.entries({ limit: 2 }))).toEqual(['token.create@0', 'token.use@1']);
      expect(at(await log.entries({ fromMs: T0 + MINUTE, limit: 1 }))).toEqual(['token.use@1']);
      expect(await log.entries({ limit: 0 })).toEqual([]);
      expect(await log.entries({ actor: 'nobody', limit: 10 })).toEqual([]);
    });

    it('refuses a limit that is not a whole number >= 0 (BAD_LIMIT)', async () => {
      await expect(log.entries({ limit: -1 })).rejects.toMatchObject({ code: 'BAD_LIMIT' });
      await expect(log.entries({ limit: 1.5 })).rejects.toMatchObject({ code: 'BAD_LIMIT' });
    });

    it('keeps equal entries apart (two facts), and entries of one instant in the order appended', async () => {
      const use = entries[1] as AuditEntry;
      const at0 = (actor: string, target: string): AuditEntry => ({ ...use, atMs: T0, actor, target });
      await log.append([use, use]);
      // A later batch at an earlier instant, then one more at that instant: each behind what came before it.
      await log.append([at0('zz-officer', 'GET /b'), at0('county-auditor', 'GET /b'), at0('county-auditor', 'GET /a')]);
      await log.append([{ ...at0('aa-admin', 'POST /c'), action: 'alert.acknowledge' }]);
      await log.init();
      const all = await log.entries({ limit: 100 });
      expect(all.map((e) => `${e.atMs - T0} ${e.actor} ${e.target}`)).toEqual([
        '0 zz-officer GET /b',
        '0 county-auditor GET /b',
        '0 county-auditor GET /a',
        '0 aa-admin POST /c',
        `${MINUTE} county-auditor ${use.target}`,
        `${MINUTE} county-auditor ${use.target}`,
      ]);
      expect((await log.entries({ limit: 2 })).map((e) => e.target)).toEqual(['GET /b', 'GET /b']);
      expect((await log.entries({ actor: 'county-auditor', limit: 2 })).map((e) => e.target)).toEqual([
        'GET /b',
        'GET /a',
      ]);
    });

    it('gives back the same entries from a new adapter after a restart', async () => {
      await log.append(entries.slice(0, 3));
      log = await subject.reopen();
      expect(await log.entries({ limit: 100 })).toEqual(entries.slice(0, 3));
      await log.append(entries.slice(3));
      expect(await log.entries({ limit: 100 })).toEqual(entries);
    });
  });
}
