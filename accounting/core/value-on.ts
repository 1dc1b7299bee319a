interface EffectiveDated {
  readonly from: string;
  readonly value: number;
}

/**
 * The value in force on a local date (YYYY-MM-DD) among effective-dated entries
 * (each in force from its `from` date until the next entry's), in any order;
 * null before the first entry. Floor area and occupants are given this way in
 * the fleet; reports weigh them over a period instead (roll-up.ts).
 */
export function valueOn(entries: readonly EffectiveDated[], date: string): number | null {
  let inForce: EffectiveDated | undefined;
  for (const entry of entries) {
    if (entry.from <= date && (inForce === undefined || entry.from >= inForce.from)) inForce = entry;
  }
  return inForce?.value ?? null;
}
