import { canonical, isCarrier } from './emissions.js';
import type {
  EndUseKind,
  EndUseRow,
  MeterPeriodFigures,
  ReportMeter,
  SubMeteringBalance,
} from './carbon-report-types.js';

/**
 * Sub-metering (分项) of one institution: the balance of every parent meter and
 * the breakdown of each carrier's total by end-use item, from the meter trees.
 *
 * Each meter's "own" amount is what it supplies (its consumption, plus PV feeding
 * in behind it) minus what its child meters measure. The own amounts of a tree
 * add up to its root's supply exactly, so attributing each meter's own amount to
 * the meter's end-use code partitions the carrier's total without counting
 * anything twice:
 * - an item code (01A00 … 01D00, or 01A … 01D) goes to that item;
 * - a sub-item code (01A10, 01A1 …) goes to its sub-item, and to its item;
 * - no item code (01000, 02000, 03A00, none): a parent meter's own amount is
 *   'unmetered' (losses and loads no child meters), a leaf's is 'unclassified'.
 * PV that feeds in behind no meter of the tree is electricity used by loads
 * nobody meters: 'unmetered'. A carrier gets a breakdown only if it has
 * sub-meters (a lone main meter breaks nothing down).
 */

/** MOHURD 2008 guideline items and sub-items (docs/methodology.md §12). */
const ITEM_LABELS: Record<string, string> = {
  '01A00': '照明插座',
  '01A10': '室内照明与插座',
  '01A20': '走廊与应急照明',
  '01A30': '室外景观照明',
  '01B00': '空调',
  '01B10': '冷热站',
  '01B20': '空调末端',
  '01C00': '动力',
  '01C10': '电梯',
  '01C20': '水泵',
  '01C30': '风机',
  '01D00': '特殊',
  '01D10': '信息中心',
  '01D20': '洗衣房',
  '01D30': '厨房餐厅',
  '01D40': '游泳池',
  '01D50': '健身房',
  '01D60': '其他特殊用电',
};
const UNMETERED_LABEL = '未计量（损耗及无分表负荷）';
const UNCLASSIFIED_LABEL = '未分项';

/** '01A', '01A00', '01A10', '01A1' → item '01A00' and sub-item '01A10' (or null); other codes: no item. */
export function endUseItem(
  code: string | undefined,
): { readonly item: string; readonly subItem: string | null } | null {
  const match = code === undefined ? null : /^01([A-D])(\d?)\d?$/.exec(code);
  if (!match) return null;
  const digit = match[2] ?? '';
  return { item: `01${match[1]}00`, subItem: digit === '' || digit === '0' ? null : `01${match[1]}${digit}0` };
}

export interface InstitutionSubMetering {
  readonly balances: readonly SubMeteringBalance[];
  readonly endUses: readonly EndUseRow[];
}

const KIND_ORDER: Record<EndUseKind, number> = { item: 0, 'sub-item': 0, unclassified: 1, unmetered: 2 };

/** Rows in a stable order: by carrier (first seen), items with their sub-items, unclassified, unmetered. */
export function sortEndUses(rows: readonly EndUseRow[], carrierOrder: readonly string[]): EndUseRow[] {
  const carrierIndex = (c: string) => {
    const i = carrierOrder.indexOf(c);
    return i < 0 ? carrierOrder.length : i;
  };
  return [...rows].sort(
    (a, b) =>
      carrierIndex(a.carrier) - carrierIndex(b.carrier) ||
      a.carrier.localeCompare(b.carrier) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.endUse ?? '').localeCompare(b.endUse ?? ''),
  );
}

export function institutionSubMetering(
  institutionId: string,
  meters: readonly ReportMeter[],
  figures: ReadonlyMap<string, MeterPeriodFigures>,
): InstitutionSubMetering {
  const own = meters.filter((m) => m.institutionId === institutionId && isCarrier(m.carrier));
  const byId = new Map(own.map((m) => [m.id, m]));
  const amount = (m: ReportMeter) =>
    isCarrier(m.carrier)
      ? canonical(m.carrier, m.unit, figures.get(m.id)?.consumption ?? 0)
      : { value: 0, unit: m.unit };
  const pvMeters = own.filter((m) => m.carrier === 'pv_generation');
  const pvBehind = new Map<string, number>();
  let pvLoose = 0;
  for (const pv of pvMeters) {
    const target = pv.behindMeterId === undefined ? undefined : byId.get(pv.behindMeterId);
    if (target !== undefined && target.carrier === 'electricity')
      pvBehind.set(target.id, (pvBehind.get(target.id) ?? 0) + amount(pv).value);
    else pvLoose += amount(pv).value;
  }
  const children = new Map<string, ReportMeter[]>();
  for (const m of own) {
    if (m.parentId !== undefined && m.carrier !== 'pv_generation')
      children.set(m.parentId, [...(children.get(m.parentId) ?? []), m]);
  }

  const balances: SubMeteringBalance[] = [];
  const rows = new Map<string, EndUseRow>();
  const add = (carrier: string, kind: EndUseKind, endUse: string | null, unit: string, value: number) => {
    const label =
      kind === 'unmetered'
        ? UNMETERED_LABEL
        : kind === 'unclassified'
          ? UNCLASSIFIED_LABEL
          : (ITEM_LABELS[endUse ?? ''] ?? (endUse as string));
    const key = `${carrier}|${kind}|${endUse ?? ''}|${unit}`;
    const row = rows.get(key) ?? { carrier, kind, endUse, label, consumption: 0, unit };
    rows.set(key, { ...row, consumption: row.consumption + value });
  };

  const carriersWithSubMeters = new Set(
    own.filter((m) => m.parentId !== undefined && m.carrier !== 'pv_generation').map((m) => m.carrier),
  );
  for (const m of own) {
    if (m.carrier === 'pv_generation') continue;
    const kids = children.get(m.id) ?? [];
    const supplied = amount(m);
    const pv = pvBehind.get(m.id) ?? 0;
    const childrenConsumption = kids.reduce((sum, k) => sum + amount(k).value, 0);
    const ownAmount = supplied.value + pv - childrenConsumption;
    if (kids.length > 0) {
      balances.push({
        meterId: m.id,
        name: m.name ?? null,
        institutionId,
        carrier: m.carrier,
        unit: supplied.unit,
        parentConsumption: supplied.value,
        pvBehind: pv,
        childMeterIds: kids.map((k) => k.id),
        childrenConsumption,
        unmetered: ownAmount,
        imbalancePercent: supplied.value + pv > 0 ? (ownAmount / (supplied.value + pv)) * 100 : null,
      });
    }
    if (!carriersWithSubMeters.has(m.carrier)) continue;
    const item = endUseItem(m.endUse);
    if (item === null)
      add(
        m.carrier,
        kids.length > 0 ? 'unmetered' : 'unclassified',
        kids.length > 0 ? null : (m.endUse ?? null),
        supplied.unit,
        ownAmount,
      );
    else {
      add(m.carrier, 'item', item.item, supplied.unit, ownAmount);
      if (item.subItem !== null) add(m.carrier, 'sub-item', item.subItem, supplied.unit, ownAmount);
    }
  }
  if (pvLoose > 0 && carriersWithSubMeters.has('electricity')) add('electricity', 'unmetered', null, 'kWh', pvLoose);
  const carrierOrder = [...new Set(own.map((m) => m.carrier))];
  return { balances, endUses: sortEndUses([...rows.values()], carrierOrder) };
}
