import { dirname, join } from 'node:path';
import type { AccountingStore, CarbonReportQuery, CarbonReportRun, FleetView } from '../accounting/index.js';
import {
  createClosePeriod,
  createClosedStatus,
  createInclusionProof,
  createMeterDayLeaves,
  createPeriodLock,
  createRevisePeriod,
  createVerifyPeriod,
  loadRetiredPublicKeys,
  loadSigningKey,
  type PeriodDeps,
  type PeriodSettings,
  type PeriodStore,
} from '../periods/index.js';
import type { PeriodsUseCases } from './http/index.js';
import type { Logger } from './platform/logger.js';

/** Where the demo's signing key lives when periods.signingKeyPath is not set: beside the DuckDB file. */
export function defaultSigningKeyPath(duckdbPath: string): string {
  return join(dirname(duckdbPath === ':memory:' ? './data/x' : duckdbPath), 'periods-signing-key.pem');
}

/**
 * The periods capability wired (docs/periods.md): its store, accounting's report and
 * segment queries for the input leaves, the signing key (from periods.signingKeyPath,
 * or the demo's, generated on the first run), the clock.
 */
export function wirePeriods(inputs: {
  readonly settings: PeriodSettings;
  readonly duckdbPath: string;
  readonly store: PeriodStore;
  readonly accountingStore: AccountingStore;
  readonly fleet: FleetView;
  readonly carbonReport: (query: CarbonReportQuery) => Promise<CarbonReportRun>;
  readonly nowMs: () => number;
  readonly log: Pick<Logger, 'info'>;
}): PeriodsUseCases {
  const configured = inputs.settings.signingKeyPath;
  const path = configured ?? defaultSigningKeyPath(inputs.duckdbPath);
  const key = loadSigningKey({ path, create: configured === undefined });
  const retiredKeys = loadRetiredPublicKeys(inputs.settings.retiredPublicKeyPaths);
  // The path and key ids only: the key itself is never logged.
  inputs.log.info(
    { path, keyId: key.keyId, created: key.created, retiredKeyIds: retiredKeys.map((k) => k.keyId) },
    'period signing key ready',
  );
  const deps: PeriodDeps = {
    store: inputs.store,
    carbonReport: inputs.carbonReport,
    leaves: createMeterDayLeaves({ store: inputs.accountingStore, fleet: inputs.fleet }),
    key,
    retiredKeys,
    nowMs: inputs.nowMs,
    settings: { completenessThreshold: inputs.settings.completenessThreshold },
    lock: createPeriodLock(),
  };
  return {
    close: createClosePeriod(deps),
    revise: createRevisePeriod(deps),
    revisions: (orgId, period) => deps.store.revisions(orgId, period),
    revision: (orgId, period, n) => deps.store.revision(orgId, period, n),
    verify: createVerifyPeriod(deps),
    proof: createInclusionProof(deps),
    closedStatus: createClosedStatus(deps),
    publicKey: { keyId: key.keyId, pem: key.publicKeyPem },
    retiredPublicKeys: retiredKeys.map((k) => ({ keyId: k.keyId, pem: k.publicKeyPem })),
  };
}
