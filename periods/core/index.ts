export * from './canonical-report.js';
export * from './closed-document.js';
export * from './merkle-tree.js';
export * from './report-diff.js';
export * from './report-signature.js';
export * from './close-refusals.js';
