/**
 * The one catalogue of stable error codes. Clients, tests and alert rules match on
 * these strings, so they never change meaning; a unit test keeps them unique.
 * `httpStatus` is used by the single error-to-status mapper in src/http.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { httpStatus: 500, meaning: 'the configuration failed validation; every problem is listed' },
  CONFIG_UNREADABLE: { httpStatus: 500, meaning: 'the configuration file could not be read or parsed' },
  STORE_UNAVAILABLE: { httpStatus: 503, meaning: 'the time-series store did not answer' },
  STORE_QUERY_FAILED: { httpStatus: 500, meaning: 'the store rejected a query' },
  BROKER_UNAVAILABLE: { httpStatus: 503, meaning: 'the MQTT broker could not be reached' },
  BROKER_TLS_UNTRUSTED: {
    httpStatus: 503,
    meaning: "the MQTT broker's TLS certificate is not trusted (mqtt.tls.caFile) or does not name the host",
  },
  BROKER_AUTH_REFUSED: { httpStatus: 503, meaning: 'the MQTT broker refused the credentials or the client' },
  SPOOL_CORRUPT: { httpStatus: 500, meaning: 'the durable spool holds a record that cannot be read' },
  SPOOL_IO: { httpStatus: 500, meaning: 'the durable spool could not be written or read' },
  SPOOL_LOCKED: {
    httpStatus: 500,
    meaning: 'another live process holds the spool directory; this one did not touch it',
  },
  BAD_REQUEST: { httpStatus: 400, meaning: 'a request parameter is missing or malformed' },
  BAD_TIME_RANGE: { httpStatus: 400, meaning: 'a time bound is not ISO-8601, or from is not before to' },
  BAD_LIMIT: { httpStatus: 400, meaning: 'limit is not a whole number in the allowed range' },
  BAD_CURSOR: { httpStatus: 400, meaning: 'the paging cursor is malformed' },
  BAD_REASON: { httpStatus: 400, meaning: 'the quarantine reason code is not one of the known codes' },
  METER_NOT_FOUND: { httpStatus: 404, meaning: 'no meter with that id is registered' },
  ORG_NOT_FOUND: { httpStatus: 404, meaning: 'no organisation unit with that id is registered' },
  BAD_PERIOD: { httpStatus: 400, meaning: 'the period is not YYYY-MM or YYYY, or it lies in the future' },
  BAD_BUCKET: { httpStatus: 400, meaning: 'bucket is not one of hour, day, month' },
  BAD_FORMAT: { httpStatus: 400, meaning: 'format is not one of json, csv, html, pdf, xlsx' },
  FACTOR_MISSING: { httpStatus: 422, meaning: 'no factor in the catalogue fits; the message names what is missing' },
  FACTOR_AMBIGUOUS: { httpStatus: 422, meaning: 'more than one factor fits; the catalogue needs a narrower entry' },
  FACTOR_UNIT_MISMATCH: { httpStatus: 422, meaning: 'a factor and a quantity have units that do not convert' },
  ALERT_NOT_FOUND: { httpStatus: 404, meaning: 'no alert with that id' },
  ALERT_ALREADY_ACKNOWLEDGED: { httpStatus: 409, meaning: 'the alert was acknowledged already (by whom: details)' },
  ALERT_ALREADY_RESOLVED: { httpStatus: 409, meaning: 'the alert is resolved; it takes no more actions' },
  JUSTIFICATION_REQUIRED: {
    httpStatus: 400,
    meaning: "the alert's rule needs a justification text (quota overruns): give justification, or note to resolve",
  },
  BAD_RULE: { httpStatus: 400, meaning: 'rule is not one of the alert rules' },
  BAD_STATE: { httpStatus: 400, meaning: 'state is not one of open, notified, acknowledged, resolved' },
  BACKTEST_TOO_LONG: { httpStatus: 400, meaning: 'the backtest range holds more evaluation instants than allowed' },
  MAIL_UNAVAILABLE: {
    httpStatus: 503,
    meaning: 'the SMTP server could not be reached, timed out or answered 4xx; the outbox retries',
  },
  MAIL_AUTH_FAILED: { httpStatus: 502, meaning: 'the SMTP server refused the credentials (TANHE_SMTP_PASSWORD)' },
  MAIL_TLS_FAILED: {
    httpStatus: 502,
    meaning: 'STARTTLS is required but the SMTP server does not offer it, or its certificate is not trusted',
  },
  MAIL_REJECTED: { httpStatus: 502, meaning: 'the SMTP server refused this message (5xx); it stays in the outbox' },
  MAIL_RECEIVER_FAILED: { httpStatus: 500, meaning: 'the demo SMTP receiver could not listen or store a message' },
  BAD_YEAR: { httpStatus: 400, meaning: 'year is not a four-digit year from 1990 to 2100' },
  QUOTA_NOT_COMPUTABLE: {
    httpStatus: 422,
    meaning: "a quota's figures cannot be computed: a denominator (floor area, occupants) is missing for its year",
  },
  REVIEW_NOT_INSTITUTION: {
    httpStatus: 400,
    meaning: 'only an institution submits a period for review; the id names an org unit',
  },
  REVIEW_NOT_CLOSED: { httpStatus: 409, meaning: 'the period is not closed for the institution: nothing to submit' },
  REVIEW_STALE_REVISION: {
    httpStatus: 409,
    meaning: 'a newer closed revision exists than the one the step names or the submission carries',
  },
  REVIEW_NOT_AWAITING: {
    httpStatus: 409,
    meaning: 'the submission awaits no review (not submitted, returned, or approved up to the top)',
  },
  REVIEW_WRONG_LEVEL: {
    httpStatus: 409,
    meaning: 'the submission awaits another reviewer (details: the awaited level and org)',
  },
  REVIEW_NEEDS_NEW_REVISION: {
    httpStatus: 409,
    meaning: 'a returned submission is resubmitted only with a newer closed revision than the one returned',
  },
  REVIEW_ALREADY_SUBMITTED: {
    httpStatus: 409,
    meaning: 'the latest closed revision is already submitted; a new submission needs a newer revision',
  },
  REVIEW_REASON_REQUIRED: { httpStatus: 400, meaning: 'returning a submission needs a reason' },
  REVIEW_OUT_OF_SCOPE: {
    httpStatus: 403,
    meaning: "the caller's scope neither covers the institution nor is one of its reviewers",
  },
  UNAUTHENTICATED: {
    httpStatus: 401,
    meaning: 'no bearer token, or one that is malformed, unknown, expired or revoked (or a JWT that fails its checks)',
  },
  FORBIDDEN: { httpStatus: 403, meaning: "the caller's role lacks the route's permission" },
  OUT_OF_SCOPE: { httpStatus: 403, meaning: "the target lies outside the org subtree of the caller's grant" },
  RATE_LIMITED: { httpStatus: 429, meaning: 'too many requests from this caller in the window; see Retry-After' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, meaning: 'the request body is larger than the configured limit' },
  TOKEN_NOT_FOUND: { httpStatus: 404, meaning: 'no API token with that id' },
  TOKEN_ALREADY_REVOKED: { httpStatus: 409, meaning: 'the API token was revoked already' },
  BAD_TOKEN_REQUEST: {
    httpStatus: 400,
    meaning: 'a token needs a name, a known role, a known scope and 1 to 3650 days',
  },
  PERIOD_NOT_CLOSABLE: {
    httpStatus: 409,
    meaning: 'the period cannot be closed yet: details.reasons lists every reason (some can be overridden)',
  },
  PERIOD_ALREADY_CLOSED: { httpStatus: 409, meaning: 'the period is closed already: issue a revision instead' },
  PERIOD_NOT_CLOSED: { httpStatus: 404, meaning: 'the period was never closed for that org: nothing to revise' },
  PERIOD_REVISION_EXISTS: {
    httpStatus: 409,
    meaning: 'that revision number is stored already (two closes at once); nothing was written',
  },
  REVISION_NOT_FOUND: { httpStatus: 404, meaning: 'no such revision of that period' },
  NOTHING_TO_REVISE: {
    httpStatus: 409,
    meaning: 'the report and its input equal the latest revision: a revision would change nothing',
  },
  LEAF_NOT_FOUND: { httpStatus: 404, meaning: 'the revision has no leaf for that meter and day (no reading that day)' },
  SIGNING_KEY_INVALID: {
    httpStatus: 500,
    meaning: 'the period signing key could not be read or is not an Ed25519 private key (PEM, PKCS#8)',
  },
  PDF_RENDERER_UNAVAILABLE: {
    httpStatus: 503,
    meaning: 'Chromium is missing (TANHE_CHROMIUM_PATH), did not start or failed: no PDF; the other formats work',
  },
  PDF_RENDER_TIMEOUT: { httpStatus: 503, meaning: 'the PDF took longer than its time limit to render' },
  DASHBOARD_NOT_BUILT: {
    httpStatus: 503,
    meaning: 'the dashboard is not built (no dist/dashboard): run npm run build:dashboard; the API works',
  },
  ROUTE_NOT_FOUND: { httpStatus: 404, meaning: 'no such route' },
  INTERNAL: { httpStatus: 500, meaning: 'an unexpected failure; see the service log' },
} as const satisfies Record<string, { httpStatus: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
