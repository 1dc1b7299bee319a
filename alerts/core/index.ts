/** The alerts capability's pure core: rules, the alert lifecycle, mail rendering (no I/O, no clock). */
export * from './alert-types.js';
export * from './alert-events.js';
export * from './quota-metrics.js';
export * from './quota-progress.js';
export * from './quota-findings.js';
