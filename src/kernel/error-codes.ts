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
  BAD_FORMAT: { httpStatus: 400, meaning: 'format is not one of json, csv' },
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
  ROUTE_NOT_FOUND: { httpStatus: 404, meaning: 'no such route' },
  INTERNAL: { httpStatus: 500, meaning: 'an unexpected failure; see the service log' },
} as const satisfies Record<string, { httpStatus: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
