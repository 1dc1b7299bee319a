export * from './app-error.js';
export * from './error-codes.js';
export * from './rejection-reasons.js';
export * from './units.js';
export * from './reading.js';
export * from './time.js';
export * from './calendar.js';
