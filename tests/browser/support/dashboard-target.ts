import { parseArgs } from 'node:util';
import { eventually } from '../../support/eventually.js';
import { makeTempDir, removeTempDir } from '../../support/processes.js';
import { DEMO_ADMIN_TOKEN, startDemoService } from './demo-service.js';

/** A dashboard to drive: its base URL and a token, and how to let go of it. */
export interface DashboardTarget {
  readonly url: string;
  readonly token: string;
  /** What ran: a service these tools started on the demo fleet, or one given by --url. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * For bench/dashboard and scripts/capture-screenshots.ts: `--url http://… --token tnh_…` drives a running service
 * (e.g. `npm start`, with the token it printed); without --url the demo service starts here on free ports in a
 * temp dir (tests/browser/support/demo-service.ts) and the tools wait for its backfill to be stored.
 */
export async function openDashboardTarget(argv: readonly string[]): Promise<DashboardTarget> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'backfill-days': { type: 'string' },
      'during-first-evaluation': { type: 'boolean' },
    },
    strict: false,
  });
  if (typeof values.url === 'string') {
    const token = typeof values.token === 'string' ? values.token : process.env.TANHE_TOKEN;
    if (token === undefined) throw new Error('--url needs --token tnh_… (or TANHE_TOKEN)');
    return {
      url: values.url.replace(/\/$/, ''),
      token,
      description: `the service at ${values.url}`,
      close: async () => {},
    };
  }
  const dir = await makeTempDir('dashboard-tool');
  const backfillDays = typeof values['backfill-days'] === 'string' ? Number(values['backfill-days']) : undefined;
  const service = await startDemoService(dir, backfillDays === undefined ? {} : { backfillDays });
  // By default the loads begin once the service's first evaluation of every rule over the backfill is done, a
  // window of ~20 s after the first start in which the page competes with it for the two cores; with
  // --during-first-evaluation they begin once the backfill is published, inside that window.
  const duringFirstEvaluation = values['during-first-evaluation'] === true;
  const awaited = duringFirstEvaluation ? 'simulator backfill published' : 'the first alert evaluation finished';
  await eventually(
    async () => {
      if (!service.process.readLog().includes(awaited)) throw new Error(`waiting for "${awaited}"`);
    },
    { timeoutMs: 900_000, intervalMs: 2_000 },
  );
  return {
    url: service.url,
    token: DEMO_ADMIN_TOKEN,
    description:
      `the demo service (${backfillDays ?? 'default'} backfill days) started for this run, measured ` +
      (duringFirstEvaluation ? 'during its first alert evaluation' : 'after its first alert evaluation'),
    close: async () => {
      await service.stop();
      await removeTempDir(dir);
    },
  };
}
