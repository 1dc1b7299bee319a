/** The page's place: `#/<viewId>/<orgId>`, so that a link or a reload opens the same view of the same org. */
export interface HashRoute {
  viewId: string | undefined;
  orgId: string | undefined;
}

export function parseHash(hash: string): HashRoute {
  const [viewId, orgId] = hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((part) => (part === '' ? undefined : decodeURIComponent(part)));
  return { viewId, orgId };
}

export function hashOf(viewId: string, orgId: string): string {
  return `#/${encodeURIComponent(viewId)}/${encodeURIComponent(orgId)}`;
}
