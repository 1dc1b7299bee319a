/**
 * Matches a received topic against an MQTT subscription filter and returns the
 * levels captured by each `+` (and the rest for a trailing `#`), or undefined.
 * A shared-subscription prefix ($share/<group>/) on the filter is ignored: the
 * broker delivers the original topic.
 */
export function matchTopic(filter: string, topic: string): string[] | undefined {
  const filterLevels = levelsOf(filter);
  const topicLevels = topic.split('/');
  const captures: string[] = [];
  for (let i = 0; i < filterLevels.length; i++) {
    const f = filterLevels[i];
    if (f === '#') {
      captures.push(topicLevels.slice(i).join('/'));
      return captures;
    }
    const t = topicLevels[i];
    if (t === undefined) return undefined;
    if (f === '+') {
      if (t === '') return undefined;
      captures.push(t);
    } else if (f !== t) return undefined;
  }
  return topicLevels.length === filterLevels.length ? captures : undefined;
}

/**
 * A filter's levels, split once: the filters are the configuration's few, and every message is matched
 * against up to three of them, which split the filter again each time.
 */
const filterLevelsCache = new Map<string, readonly string[]>();
const MAX_CACHED_FILTERS = 64;

function levelsOf(filter: string): readonly string[] {
  let levels = filterLevelsCache.get(filter);
  if (levels === undefined) {
    if (filterLevelsCache.size >= MAX_CACHED_FILTERS) filterLevelsCache.clear();
    levels = stripSharePrefix(filter).split('/');
    filterLevelsCache.set(filter, levels);
  }
  return levels;
}

export function stripSharePrefix(filter: string): string {
  return filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
}
