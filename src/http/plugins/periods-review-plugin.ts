import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  REVIEW_ACTED_AS,
  REVIEW_LEVELS,
  REVIEW_STATUSES,
  REVIEW_STEP_KINDS,
  REVIEWER_LEVELS,
  type ReviewActor,
  type ReviewOutcome,
  type ReviewStatus,
  type ReviewStep,
  type Reviewer,
  WHOLE_FLEET,
} from '../../../periods/index.js';
import { FLEET_ROOT } from '../../../access/index.js';
import { errorResponses } from '../error-mapper.js';
import type { PeriodsReviewUseCases } from '../http-deps.js';
import { isoInstant, requiredText } from '../query-schemas.js';

export interface PeriodsReviewPluginOptions {
  readonly review: PeriodsReviewUseCases;
}

const pathParams = z.object({
  org: z.string().min(1).describe('the institution whose period is reviewed'),
  period: z.string().min(1).describe('the closed period, YYYY-MM (or YYYY)'),
});
const revision = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('the closed revision the caller acts on; REVIEW_STALE_REVISION when a newer one exists');
// A POST without a body (curl -X POST …/submit) arrives as null: the latest revision is meant.
const stepBody = z.object({ revision }).nullish();
// The reason's absence is the use case's refusal (REVIEW_REASON_REQUIRED), not a schema failure:
// a body parameter named reason would otherwise map to the quarantine's BAD_REASON (query-schemas.ts).
const returnBody = z
  .object({
    revision,
    reason: z
      .string()
      .optional()
      .describe('why the submission goes back (required: REVIEW_REASON_REQUIRED); at most 2000 characters')
      .refine((text) => text === undefined || text.length <= 2_000, {
        message: 'reason is at most 2000 characters',
        params: { code: 'BAD_REQUEST' },
      }),
  })
  .nullish();

const reviewerSchema = z.object({ level: z.enum(REVIEWER_LEVELS), org: z.string() });
const stepSchema = z
  .object({
    org: z.string(),
    period: z.string(),
    step: z.enum(REVIEW_STEP_KINDS),
    level: z.enum(REVIEW_LEVELS),
    reviewerOrg: z.string().describe('the institution (submitted) or the reviewing ancestor'),
    revision: z.number(),
    digest: z.string().describe("hex SHA-256 of the closed revision's canonical JSON"),
    actor: z.string(),
    actedAs: z.enum(REVIEW_ACTED_AS).describe('administrator: acted for the level from the fleet root'),
    at: z.string(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'ReviewStep' });
const statusFields = {
  org: z.string(),
  period: z.string(),
  status: z.enum(REVIEW_STATUSES),
  chain: z.array(reviewerSchema).describe('the reviewers, nearest first'),
  awaiting: reviewerSchema.nullable().describe('who must act next'),
  revision: z.number().nullable().describe('the submitted revision'),
  digest: z.string().nullable(),
  approvedBy: z.array(reviewerSchema),
  returned: z.object({ by: reviewerSchema, reason: z.string(), revision: z.number() }).nullable(),
  lastStep: stepSchema.nullable(),
};
const outcomeSchema = z
  .object({ step: stepSchema, status: z.object({ ...statusFields, trail: z.array(stepSchema) }) })
  .meta({ id: 'ReviewOutcome' });
const itemSchema = z
  .object({
    ...statusFields,
    latestClosedRevision: z.number().nullable().describe('null while the period is not closed'),
  })
  .meta({ id: 'ReviewStatus' });
const listQuery = z.object({
  org: requiredText('org', "an org unit or institution id: its subtree's institutions"),
  period: requiredText('period', 'YYYY-MM (or YYYY)'),
});
const listResponse = z.object({
  org: z.string(),
  period: z.string(),
  counts: z.record(z.enum(REVIEW_STATUSES), z.number()).describe('institutions per status'),
  items: z.array(itemSchema),
});

const stepResponses = { 200: outcomeSchema, ...errorResponses(400, 404, 409) };
type StepParams = z.output<typeof pathParams>;
const institutionTarget = (request: FastifyRequest) => ({ orgId: (request.params as StepParams).org });

/**
 * Three-level direct reporting with review (三级直报审核, docs/periods.md, "Review up the tree"): an
 * institution submits its closed period, the county, city and region approve or
 * return it in turn, and the status across a subtree shows who is late. Each
 * step goes into the request's audit entry with the revision's digest.
 */
export const periodsReviewPlugin: FastifyPluginAsyncZod<PeriodsReviewPluginOptions> = async (app, { review }) => {
  const routes = [
    ['submit', 'submit the closed period for review (the latest closed revision)', review.review.submit],
    ['approve', 'approve the submission at the awaited level (county, city, region)', review.review.approve],
  ] as const;
  for (const [name, summary, act] of routes) {
    app.post(
      `/api/v1/periods/:org/:period/${name}`,
      {
        config: { access: { permission: 'periods:review', audit: `period.${name}`, target: institutionTarget } },
        schema: { tags: ['periods'], summary, params: pathParams, body: stepBody, response: stepResponses },
      },
      async (request) => {
        const { org, period } = request.params;
        const outcome = await act({ orgId: org, period, revision: request.body?.revision, ...actorOf(request) });
        return answer(request, outcome);
      },
    );
  }

  app.post(
    '/api/v1/periods/:org/:period/return',
    {
      config: { access: { permission: 'periods:review', audit: 'period.return', target: institutionTarget } },
      schema: {
        tags: ['periods'],
        summary: 'return the submission to the institution, with a reason (it resubmits a newer revision)',
        params: pathParams,
        body: returnBody,
        response: stepResponses,
      },
    },
    async (request) => {
      const { org, period } = request.params;
      const { revision: named, reason } = request.body ?? {};
      const outcome = await review.review.return({ orgId: org, period, revision: named, reason, ...actorOf(request) });
      return answer(request, outcome);
    },
  );

  app.get(
    '/api/v1/periods',
    {
      config: { access: { permission: 'reports:read', target: (request) => ({ orgId: queryOrg(request) }) } },
      schema: {
        tags: ['periods'],
        summary: "the review's status across the subtree for a period, with counts per status",
        querystring: listQuery,
        response: { 200: listResponse, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const report = await review.status({ orgId: request.query.org, period: request.query.period });
      return {
        org: report.orgId,
        period: report.period,
        counts: { ...report.counts },
        items: report.items.map((i) => ({ ...statusBody(i), latestClosedRevision: i.latestClosedRevision ?? null })),
      };
    },
  );
};

function queryOrg(request: FastifyRequest): string {
  return (request.query as z.output<typeof listQuery>).org;
}

/** The caller as the periods capability takes it (periods never sees the access vocabulary). */
function actorOf(request: FastifyRequest): ReviewActor {
  const principal = request.principal;
  // The route declares a permission, so the auth plugin authenticated the caller before the handler.
  if (principal === undefined) throw new Error('a review route ran without an authenticated principal');
  return {
    actor: principal.subject,
    actorScopeOrgId: principal.scopeOrgId === FLEET_ROOT ? WHOLE_FLEET : principal.scopeOrgId,
    isAdministrator: principal.role === 'administrator',
  };
}

function answer(request: FastifyRequest, { step, status }: ReviewOutcome): z.output<typeof outcomeSchema> {
  request.auditDetail = {
    ...request.auditDetail,
    step: step.step,
    level: step.level,
    revision: step.revision,
    digest: step.digest,
    reason: step.reason ?? null,
  };
  return { step: stepOut(step), status: { ...statusBody(status), trail: status.trail.map(stepOut) } };
}

function reviewerOut(r: Reviewer): z.output<typeof reviewerSchema> {
  return { level: r.level, org: r.orgId };
}

function stepOut(s: ReviewStep): z.output<typeof stepSchema> {
  return {
    org: s.orgId,
    period: s.period,
    step: s.step,
    level: s.level,
    reviewerOrg: s.reviewerOrgId,
    revision: s.revision,
    digest: s.digest,
    actor: s.actor,
    actedAs: s.actedAs,
    at: isoInstant(s.atMs),
    reason: s.reason ?? null,
  };
}

function statusBody(s: ReviewStatus) {
  return {
    org: s.orgId,
    period: s.period,
    status: s.status,
    chain: s.chain.map(reviewerOut),
    awaiting: s.awaiting === undefined ? null : reviewerOut(s.awaiting),
    revision: s.revision ?? null,
    digest: s.digest ?? null,
    approvedBy: s.approvedBy.map(reviewerOut),
    returned:
      s.returned === undefined
        ? null
        : { by: reviewerOut(s.returned.by), reason: s.returned.reason, revision: s.returned.revision },
    lastStep: s.lastStep === undefined ? null : stepOut(s.lastStep),
  };
}
