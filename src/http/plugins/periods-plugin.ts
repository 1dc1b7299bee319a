import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ELECTRICITY_BASES } from '../../../accounting/index.js';
import type { CarbonReport } from '../../../accounting/index.js';
import { signatureBlockOf, type ClosedDocument, type StoredRevision } from '../../../periods/index.js';
import { AppError } from '../../kernel/index.js';
import { errorBodySchema, errorResponses } from '../error-mapper.js';
import type { PeriodsUseCases, RenderPdf } from '../http-deps.js';
import { queryParam, requiredText } from '../query-schemas.js';
import { reportDocumentContent, reportFormatParam, reportLangParam, sendReportDocument } from '../report-documents.js';

export interface PeriodsPluginOptions {
  readonly periods: PeriodsUseCases;
  readonly renderPdf: RenderPdf;
}

// The format is checked once, by the use case (BAD_PERIOD), as the report route leaves it to accounting.
const period = z
  .string({ error: 'period is required: YYYY-MM or YYYY' })
  .min(1)
  .describe("YYYY-MM or YYYY, in the org's time zone");
const justification = z.string().trim().min(1, { error: 'justification must not be empty' }).max(2000);

const closeBody = z.strictObject({
  org: z.string().min(1).describe('an org unit or institution id: its whole subtree is closed'),
  period,
  basis: z.enum(ELECTRICITY_BASES).default('equivalent'),
  override: z
    .strictObject({ justification })
    .optional()
    .describe('sets aside low completeness, readings awaiting review and no readings; recorded in the revision'),
});
const reviseBody = z.strictObject({ org: z.string().min(1), period, justification });

const periodParams = z.object({ org: z.string().min(1), period });
const revisionParams = periodParams.extend({
  n: z.coerce
    .number({ error: 'n must be a revision number' })
    .int()
    .min(1, { error: 'n must be a revision number' })
    .describe('the revision, from 1'),
});
const revisionDocumentQuery = z.object({ format: reportFormatParam, lang: reportLangParam });
const proofQuery = z.object({
  meter: requiredText('meter', 'a meter id'),
  day: queryParam(
    z
      .string({ error: 'day is required: YYYY-MM-DD' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'day must be YYYY-MM-DD' })
      .describe("the local day, YYYY-MM-DD, in the report's time zone"),
  ),
});

const revisionSummary = z.object({
  orgId: z.string(),
  period: z.string(),
  revision: z.number(),
  digest: z.string().describe('hex SHA-256 of the closed document (RFC 8785 JSON)'),
  closedAt: z.string(),
  closedBy: z.string(),
  justification: z.string().nullable(),
  previousDigest: z.string().nullable(),
  merkleRoot: z.string(),
  leafCount: z.number(),
  keyId: z.string(),
  signature: z.string().describe('base64 Ed25519 signature over the document bytes'),
  rootSignature: z.string().describe('base64 Ed25519 signature over the root statement'),
});
const closedAnswer = revisionSummary.extend({
  overridden: z.array(
    z.object({ code: z.string(), message: z.string(), overridable: z.boolean(), details: z.unknown().optional() }),
  ),
  diff: z.unknown().describe('revisions after the first: lines, totals and children changed, and why'),
});

const verifyResponse = z.looseObject({ holds: z.boolean(), stored: z.unknown(), recomputed: z.unknown() });
const proofResponse = z.looseObject({
  leaf: z.unknown(),
  leafJson: z.string(),
  path: z.array(z.object({ side: z.enum(['left', 'right']), hash: z.string() })),
  merkleRoot: z.string(),
  rootStatement: z.string(),
  rootSignature: z.string(),
  keyId: z.string(),
});

const conflict = { 409: errorBodySchema };
const orgOfParams = (request: { params: unknown }) => ({ orgId: (request.params as { org: string }).org });
const orgOfBody = (request: { body: unknown }) => ({ orgId: (request.body as { org: string }).org });

/**
 * Closed periods (docs/periods.md): close and revise (administrators), the
 * stored revisions byte for byte with their digest and signature, verify,
 * one meter-day's inclusion proof, and the public key (open to anyone).
 */
export const periodsPlugin: FastifyPluginAsyncZod<PeriodsPluginOptions> = async (app, { periods, renderPdf }) => {
  app.get(
    '/api/v1/periods/public-key',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['periods'],
        summary:
          'the Ed25519 public key closed revisions are signed with (SPKI PEM) and its key id, ' +
          'and the keys retired from signing that older revisions were signed with',
        response: {
          200: z.object({
            keyId: z.string(),
            algorithm: z.literal('Ed25519'),
            pem: z.string(),
            retired: z.array(z.object({ keyId: z.string(), pem: z.string() })),
          }),
        },
      },
    },
    async () => ({
      keyId: periods.publicKey.keyId,
      algorithm: 'Ed25519' as const,
      pem: periods.publicKey.pem,
      retired: [...periods.retiredPublicKeys],
    }),
  );

  app.post(
    '/api/v1/periods/close',
    {
      config: { access: { permission: 'periods:close', audit: 'period.close', target: orgOfBody } },
      schema: {
        tags: ['periods'],
        summary: 'close a month or year for an org subtree: revision 1, signed (refused with every reason)',
        body: closeBody,
        response: { 200: closedAnswer, ...errorResponses(400, 404, 422), ...conflict },
      },
    },
    async (request, reply) => {
      const { org, period: label, basis, override } = request.body;
      const closed = await periods.close({
        orgId: org,
        period: label,
        basis,
        by: request.principal?.subject ?? 'anonymous',
        ...(override === undefined ? {} : { override }),
      });
      const { revision } = closed;
      request.auditDetail = {
        digest: revision.digest,
        revision: revision.revision,
        justification: revision.justification,
      };
      return reply.send({ ...summary(revision), overridden: [...closed.document.overridden], diff: null });
    },
  );

  app.post(
    '/api/v1/periods/revise',
    {
      config: { access: { permission: 'periods:close', audit: 'period.revise', target: orgOfBody } },
      schema: {
        tags: ['periods'],
        summary: 'issue revision N+1 of a closed period, with the diff against revision N (refused if nothing changed)',
        body: reviseBody,
        response: { 200: closedAnswer, ...errorResponses(400, 404, 422), ...conflict },
      },
    },
    async (request, reply) => {
      const { org, period: label, justification: why } = request.body;
      const revised = await periods.revise({
        orgId: org,
        period: label,
        justification: why,
        by: request.principal?.subject ?? 'anonymous',
      });
      const { revision } = revised;
      request.auditDetail = { digest: revision.digest, revision: revision.revision, justification: why };
      return reply.send({ ...summary(revision), overridden: [], diff: revised.document.diff });
    },
  );

  app.get(
    '/api/v1/periods/:org/:period/revisions',
    {
      config: { access: { permission: 'reports:read', target: orgOfParams } },
      schema: {
        tags: ['periods'],
        summary: "a period's revisions, oldest first (empty when never closed)",
        params: periodParams,
        response: {
          200: z.object({ orgId: z.string(), period: z.string(), revisions: z.array(revisionSummary) }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const { org, period: label } = request.params;
      const revisions = await periods.revisions(org, label);
      return { orgId: org, period: label, revisions: revisions.map(summary) };
    },
  );

  app.get(
    '/api/v1/periods/:org/:period/revisions/:n',
    {
      config: { access: { permission: 'reports:read', target: orgOfParams } },
      schema: {
        tags: ['periods'],
        summary: 'one revision: the closed document exactly as hashed and signed (headers: digest, signature, key id)',
        params: revisionParams,
        querystring: revisionDocumentQuery,
        response: {
          200: {
            description:
              'json: the RFC 8785 JSON, byte for byte; X-Tanhe-Digest (hex SHA-256), X-Tanhe-Signature (base64 ' +
              "Ed25519 over the body), X-Tanhe-Key-Id. csv, html, pdf, xlsx: the revision's report as a document, " +
              'the printed forms with the signature block',
            content: reportDocumentContent(z.unknown()),
          },
          ...errorResponses(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { org, period: label, n } = request.params;
      const revision = await periods.revision(org, label, n);
      if (revision === undefined) throw new AppError('REVISION_NOT_FOUND', `${org} ${label} has no revision ${n}`);
      const { format, lang } = request.query;
      if (format !== 'json') {
        // The report exactly as signed; its generatedAt (left out of the digest) is the closing instant.
        const document = JSON.parse(revision.canonicalJson) as ClosedDocument;
        const report = { ...document.report, generatedAt: document.closedAt } as unknown as CarbonReport;
        const name = `carbon-report-${org}-${label}-r${revision.revision}`;
        return sendReportDocument(
          reply,
          report,
          { format, lang, name, signature: signatureBlockOf(revision) },
          renderPdf,
        );
      }
      // The stored bytes as they are: a serialiser would re-encode them, and the signature is over these.
      return reply
        .type('application/json; charset=utf-8')
        .header('x-tanhe-digest', revision.digest)
        .header('x-tanhe-signature', revision.signature)
        .header('x-tanhe-key-id', revision.keyId)
        .header('x-tanhe-revision', String(revision.revision))
        .serializer((payload) => payload as string)
        .send(revision.canonicalJson);
    },
  );

  app.get(
    '/api/v1/periods/:org/:period/revisions/:n/verify',
    {
      config: { access: { permission: 'reports:read', target: orgOfParams } },
      schema: {
        tags: ['periods'],
        summary: 'recompute the period from the stored readings: does the revision still hold, and if not, where not',
        params: revisionParams,
        response: {
          200: verifyResponse,
          ...errorResponses(400, 404, 422),
        },
      },
    },
    async (request) => {
      const { org, period: label, n } = request.params;
      // The schema is open to the verification's fields; an interface has no index signature, hence the cast.
      return (await periods.verify(org, label, n)) as unknown as z.output<typeof verifyResponse>;
    },
  );

  app.get(
    '/api/v1/periods/:org/:period/revisions/:n/proof',
    {
      config: { access: { permission: 'reports:read', target: orgOfParams } },
      schema: {
        tags: ['periods'],
        summary: "one meter-day's leaf and Merkle path, with the signed root statement",
        params: revisionParams,
        querystring: proofQuery,
        response: {
          200: proofResponse,
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { org, period: label, n } = request.params;
      const proof = await periods.proof(org, label, n, request.query.meter, request.query.day);
      return { ...proof, path: [...proof.path] } as z.output<typeof proofResponse>;
    },
  );
};

function summary(r: StoredRevision) {
  return {
    orgId: r.orgId,
    period: r.period,
    revision: r.revision,
    digest: r.digest,
    closedAt: new Date(r.closedAtMs).toISOString(),
    closedBy: r.closedBy,
    justification: r.justification,
    previousDigest: r.previousDigest,
    merkleRoot: r.merkleRoot,
    leafCount: r.leafCount,
    keyId: r.keyId,
    signature: r.signature,
    rootSignature: r.rootSignature,
  };
}
