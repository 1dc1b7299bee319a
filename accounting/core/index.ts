/**
 * The pure accounting core: consumption from registers, calendar cuts in the
 * institution's time zone, factor selection and unit-typed factor arithmetic.
 * No I/O, no clock, no environment, no logger: every function is a function of
 * its arguments, so a report can be recomputed and audited.
 */
export * from './calendar.js';
export * from './consumption.js';
export * from './factor-lookup.js';
export * from './apply-factor.js';
