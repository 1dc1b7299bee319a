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
  BAD_YEAR: { httpStatus: 400, meaning: 'year is not a four-digit year from 1990 to 2100' },
  QUOTA_NOT_COMPUTABLE: {
    httpStatus: 422,
    meaning: "a quota's figures cannot be computed: a denominator (floor area, occupants) is missing for its year",
  },
  ROUTE_NOT_FOUND: { httpStatus: 404, meaning: 'no such route' },
  INTERNAL: { httpStatus: 500, meaning: 'an unexpected failure; see the service log' },
} as const satisfies Record<string, { httpStatus: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
