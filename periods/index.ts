/** The periods capability: closing a period, signed revisions with diffs, verification, the review up the tree. */
export type * from './ports.js';
