/**
 * The HTTP layer: the fastify server with its routes and the one error-to-status
 * mapper. The shell builds it from HttpDeps (src/app.ts).
 */
export { createHttpServer } from './server.js';
export type { AccessHttpDeps, AccountingUseCases, HttpDeps, PeriodsUseCases, Readiness } from './http-deps.js';
