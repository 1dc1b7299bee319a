import type { TokenEvent, TokenStore } from '../ports.js';

/**
 * The token events in process memory: for unit tests, and the wiring's store
 * until the engine adapters (access/adapters/duckdb-*, questdb-*) replace it.
 * Events are copied in and out, as a store would give them back.
 */
export function createMemoryTokenStore(): TokenStore {
  const events: TokenEvent[] = [];
  return {
    init: async () => undefined,
    async append(event) {
      events.push(structuredClone(event));
    },
    async events() {
      return events.map((e) => structuredClone(e));
    },
  };
}
