/**
 * A JSON tree the fuzzer can write in ways JSON.stringify cannot: objects as entry
 * lists (so a key may repeat, and order is the generator's), and raw tokens (so a
 * number is written as `-0`, `1e400`, `NaN` or `9007199254740993` exactly as given).
 */
export type JsonTree = null | boolean | number | string | readonly JsonTree[] | JsonObject | RawToken;

export class JsonObject {
  constructor(readonly entries: readonly (readonly [string, JsonTree])[]) {}
}

export class RawToken {
  constructor(readonly text: string) {}
}

export const obj = (entries: readonly (readonly [string, JsonTree])[]): JsonObject => new JsonObject(entries);
export const raw = (text: string): RawToken => new RawToken(text);

/** Writes the tree; JSON.stringify writes the leaves, so strings come out escaped as any producer would. */
export function writeJson(tree: JsonTree): string {
  if (tree instanceof RawToken) return tree.text;
  if (tree instanceof JsonObject) {
    return `{${tree.entries.map(([key, value]) => `${JSON.stringify(key)}:${writeJson(value)}`).join(',')}}`;
  }
  if (Array.isArray(tree)) return `[${tree.map((element: JsonTree) => writeJson(element)).join(',')}]`;
  return JSON.stringify(tree);
}

/** The number a raw number token means to a JSON reader (the oracle for values written in odd forms). */
export function numberOf(token: RawToken): number {
  return JSON.parse(token.text) as number;
}
